"""Link: resolve every mention to one canonical entity.

Candidate generation is apart from the choice (as in scispaCy): the recognizer already
attached the knowledge-base ids whose names a span matched; :class:`Linker` chooses among
them with document context (the provinces and cities the article is about), resolves
regional short forms (省工信厅 -> 江苏省工业和信息化厅), and gives names no list holds a
stable id built from their type and normalized name, so the same name in two articles,
Simplified or Traditional, is one node.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter

from .kb import (CITY_CATEGORIES, COUNTY_CATEGORIES, DEPARTMENT_PARENTS, PROVINCE_CATEGORIES, ZONE_CATEGORIES,
                 ZONE_COMMITTEE_WORDS, ZONE_PARTY_WORDS, KBEntry, KnowledgeBase, alias_key, event_series, is_latin,
                 written_as)
from .records import Article, Entity, Mention

#: Types a mention of one label may take from the knowledge base.
COMPATIBLE = {
    "Person": {"Person"}, "Organization": {"Organization"}, "Place": {"Place"},
    "Policy": {"Policy", "Program"}, "Program": {"Program", "Policy"}, "Event": {"Event"},
    "Concept": {"Concept"},
}


_TERM = re.compile(r"第[一二三四五六七八九十百零\d]+届")
_REGIONAL_EVENT = re.compile(r"^[省市县](?:委|政府|人民政府)(?!员)")
_CPC_PREFIX = re.compile(r"^中共(?=[\u4e00-\u9fff]{2,12}?[省市县区]委)")


def corpus_entity_id(label: str, name: str) -> str:
    """The id of an entity no knowledge base lists: its type and normalized name.

    >>> corpus_entity_id("Program", "“六个一批”")
    'Program:六个一批'
    """
    return f"{label}:{alias_key(name)}"


_SHORT_SESSION = re.compile(r"^(.{2,10}?)([一二三四五六七八九十]+)届(人大|政协|人大常委会)第?([一二三四五六七八九十]+)次(会议|全会)$")
_SESSION_BODY = {"人大": "人民代表大会", "政协": "政治协商会议", "人大常委会": "人民代表大会常务委员会"}


def full_session_name(name: str) -> str:
    """山东省十四届人大二次会议 -> 山东省第十四届人民代表大会第二次会议: one node for the short
    and the full name of a congress session.

    >>> full_session_name("山东省十四届人大二次会议")
    '山东省第十四届人民代表大会第二次会议'
    """
    m = _SHORT_SESSION.match(name)
    if not m:
        return name
    region, term, body, session, kind = m.groups()
    return f"{region}第{term}届{_SESSION_BODY[body]}第{session}次{'会议' if kind == '会议' else '全体会议'}"


def _is_weak(m: Mention) -> bool:
    """A weak alias of the knowledge base (新建 for 新建区): linked only with support around it."""
    return m.score < 0.7 and m.extractor.startswith("kb")


_ABBREVIATION = re.compile(r"\s*\(([A-Z][A-Za-z&]{1,7})\)")


def _linked_cover(mentions: list[Mention]):
    """A test of whether a text position lies inside a mention linked so far."""
    linked = sorted((m.start, m.end) for m in mentions if m.entity_id)
    starts = [a for a, _ in linked]

    def covered(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i >= 0 and linked[i][1] > pos

    return covered


def _surnames(text: str, mentions: list[Mention], entities: dict[str, Entity]) -> None:
    """Wang Hao … Wang, who is also …; Guillaume Faury … Faury visited …: after an English
    article names a person in full it calls them by the family name alone (the first word of
    a Chinese name, the last of a Western one). Appended as mentions, unless two people of
    the article share that name."""
    first: dict[str, int] = {}
    owners: dict[str, set[str]] = {}
    for m in mentions:
        ent = entities.get(m.entity_id) if m.entity_id else None
        words = m.text.split()
        if ent is None or ent.type != "Person" or len(words) < 2 or not all(w[:1].isupper() for w in words):
            continue
        family = words[-1] if is_latin(ent.name) else words[0]     # Faury; Wang (王浩)
        if len(family) < 2 or not family.isalpha():
            continue
        owners.setdefault(family, set()).add(ent.id)
        first[family] = min(first.get(family, m.end), m.end)
    covered = _linked_cover(mentions)
    added = False
    for family, ids in owners.items():
        if len(ids) != 1:
            continue                  # two Wangs: the name alone says neither
        eid = next(iter(ids))
        for mt in re.finditer(rf"(?<![\w'’-]){re.escape(family)}(?![\w'’-])(?! [A-Z])", text):
            if mt.start() < first[family] or (mt.start() >= 2 and text[mt.start() - 2:mt.start()].strip()[-1:].isupper()):
                continue              # before the full name, or after another capitalised word (Li Wang)
            if covered(mt.start()):
                continue              # inside a linked mention already
            mentions.append(Mention(start=mt.start(), end=mt.end(), text=family, label="Person",
                                    extractor="surname", score=0.7, entity_id=eid))
            added = True
    if added:
        mentions.sort(key=lambda m: m.start)


def _abbreviations(text: str, mentions: list[Mention], entities: dict[str, Entity]) -> None:
    """the National Data Administration (NDA) … the NDA: an abbreviation an English article
    defines after a name stands for that name wherever it recurs (appended as mentions)."""
    defined: dict[str, Mention] = {}
    for m in mentions:
        if m.entity_id and m.label in ("Organization", "Event", "Policy", "Program"):
            mt = _ABBREVIATION.match(text, m.end)
            if mt and mt.group(1) not in defined:
                defined[mt.group(1)] = m
                entities[m.entity_id].aliases.add(mt.group(1))
    if not defined:
        return
    covered = _linked_cover(mentions)
    unresolved = {(m.start, m.end): m for m in mentions if not m.entity_id}
    for abbr, owner in defined.items():
        for mt in re.finditer(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", text):
            if covered(mt.start()):
                continue              # inside a linked mention already
            same = unresolved.get((mt.start(), mt.end()))
            if same is not None:      # found, but ambiguous on its own: the definition decides
                same.entity_id, same.label = owner.entity_id, owner.label
                continue
            mentions.append(Mention(start=mt.start(), end=mt.end(), text=abbr, label=owner.label,
                                    extractor="abbreviation", score=owner.score, entity_id=owner.entity_id))
    mentions.sort(key=lambda m: m.start)


_REGION_THEN_BODY = re.compile(r"(.{2,10}?[省市县区州旗])(.{2,})$")


_SHORT_DEFINED = re.compile(r"简称[《“]([^》”]{1,30})[》”]")


def _short_definitions(text: str, mentions: list[Mention]) -> dict[str, str]:
    """Short name -> the entity a text names in full just before defining it: 《广东省…实施
    方案》（…，以下简称《实施方案》） -> that plan (whichever other plan ends alike)."""
    found: dict[str, str] = {}
    for d in _SHORT_DEFINED.finditer(text):
        short, at = d.group(1), d.start()
        before = [m for m in mentions if m.entity_id and m.end <= at and at - m.end <= 60 and m.text != short]
        if before:
            found.setdefault(short, before[-1].entity_id)
    return found


def _abbreviated_body(short: str, long_: str) -> bool:
    """Whether ``short`` is ``long_`` with its body word shortened, as news shortens them
    (安吉县经信局 / 安吉县经济和信息化局, 县科技局 / 科学技术局, 市场监管局 / 市场监督管理局): the
    same region, and the short word's characters in order in the long one, the first and
    the last alike.

    >>> _abbreviated_body("安吉县经信局", "安吉县经济和信息化局")
    True
    >>> _abbreviated_body("安吉县经信局", "安吉县经济开发区管理委员会")
    False
    """
    m = _REGION_THEN_BODY.match(short)
    if m is None or not long_.startswith(m.group(1)):
        return False
    word, full = m.group(2), long_[len(m.group(1)):]
    if len(full) <= len(word) or word[0] != full[0] or word[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(c in rest for c in word)


def county_body_name(county: KBEntry, short: str) -> str:
    """县委 -> 中国共产党龙游县委员会, 县政府 -> 龙游县人民政府 (as titles name them), 县经信局 ->
    龙游县经信局: a county's body named after the county, which no list holds (the relation
    extractor names the bodies of 县委书记 and 县长 the same way)."""
    rest = short[1:]
    if rest in ("委", "委员会"):
        return f"中国共产党{county.name}委员会"
    if rest in ("政府", "人民政府"):
        return f"{county.name}人民政府"
    return county.name + rest


def _zone_body_name(zone: str, text: str) -> str:
    """A zone's management committee (管委会) or party working committee (党工委), by the zone's name."""
    if text.endswith(ZONE_PARTY_WORDS):
        return f"中国共产党{zone}工作委员会"
    return f"{zone}管理委员会"


def _name_body(entities: dict[str, Entity], m: Mention, full: str) -> None:
    """Link ``m`` to the organisation ``full`` names in this article (no list holds it)."""
    eid = corpus_entity_id("Organization", full)
    ent = entities.setdefault(eid, Entity(id=eid, type="Organization", name=full))
    ent.aliases.add(m.text)
    m.entity_id = eid


_ZONE_SHORTS = (("高新区", "高新技术产业开发区"), ("经开区", "经济技术开发区"))


def full_zone_name(name: str) -> str:
    """芜湖经开区 -> 芜湖经济技术开发区, 合肥市高新区 -> 合肥高新技术产业开发区: one node for the
    short and the full name of a development zone.

    >>> full_zone_name("合肥市高新区")
    '合肥高新技术产业开发区'
    """
    for short, full in _ZONE_SHORTS:
        if name.endswith(short) and len(name) > len(short) + 1:
            name = name[: -len(short)] + full
    for full in ("高新技术产业开发区", "经济技术开发区"):
        if name.endswith("市" + full) and len(name) > len(full) + 2:
            name = name[: -len(full) - 1] + full
    return name


class Linker:
    """Chooses one entity per mention; see the module docstring."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb

    # -- context ----------------------------------------------------------------------
    def _context_regions(self, mentions: list[Mention], strong_only: bool = False) -> Counter:
        regions: Counter = Counter()
        for m in mentions:
            if strong_only and _is_weak(m):
                continue
            places = [self.kb.get(c) for c in m.candidates]
            places = [p for p in places if p is not None and p.type == "Place"]
            if len(places) == 1:
                regions[places[0].id] += 1
                for anc in self.kb.ancestors(places[0].id):
                    regions[anc] += 0.5
            for c in m.candidates:
                e = self.kb.get(c)
                if e is not None and e.type == "Organization" and e.located_in:
                    regions[e.located_in] += 0.5
        return regions

    def _main_region(self, regions: Counter, categories: set[str]) -> KBEntry | None:
        for rid, _ in regions.most_common():
            e = self.kb.get(rid)
            if e is not None and e.category in categories:
                return e
        return None

    # -- choice -----------------------------------------------------------------------
    def _choose(self, m: Mention, regions: Counter, strong_regions: Counter | None = None) -> KBEntry | None:
        entries = [self.kb.get(c) for c in m.candidates]
        entries = [e for e in entries if e is not None]
        if not entries:
            return None
        weak = _is_weak(m)
        if len(entries) == 1 and not weak:
            return entries[0]
        if m.text[:1].isascii() and not weak:
            exact = [e for e in entries if written_as(e, m.text)]
            if len(exact) == 1:
                return exact[0]       # "Zhong Shan": the minister, not Zhongshan (kg.kb.written_as)

        def support(e: KBEntry, counts: Counter = regions) -> float:
            # a mention of the whole country confirms nothing: every body lies in it
            return sum(counts.get(a, 0) for a in self.kb.ancestors(e.id)
                       if getattr(self.kb.get(a), "category", "") != "country")

        ranked = sorted(entries, key=lambda e: (support(e), -e.place_level), reverse=True)
        best = ranked[0]
        # the support of a weak alias comes from other names: 新建 (新建区) in "新建一批工厂"
        # must not vouch for itself through its own city and province
        if weak and support(best, strong_regions if strong_regions is not None else regions) == 0:
            return None   # a short name that is also a common word, with nothing around to confirm it
        return best

    def link(self, article: Article, mentions: list[Mention]) -> dict[str, Entity]:
        """Set ``entity_id`` on each mention; return the entities of this document by id.

        Mentions that cannot be resolved (a weak alias with no support, a regional short
        form in an article about no region) are left with ``entity_id = None``.
        """
        regions = self._context_regions(mentions)
        strong_regions = self._context_regions(mentions, strong_only=True)
        main_zone = self._main_zone(mentions)
        province = self._main_region(regions, PROVINCE_CATEGORIES)
        city = self._main_region(regions, CITY_CATEGORIES - {"municipality"})
        county = self._main_region(regions, COUNTY_CATEGORIES)
        entities: dict[str, Entity] = {}
        original = article.text
        ministry: KBEntry | None = None       # the last central body with departments (司)
        for m in mentions:
            if m.extractor == "department_short":
                if ministry is None:
                    continue                  # 规划司 of no named ministry: whose, nobody can say
                _name_body(entities, m, ministry.name + m.text)
                continue
            entry = self._choose(m, regions, strong_regions)
            if entry is not None and entry.category in DEPARTMENT_PARENTS:
                ministry = entry
            if entry is None and m.extractor.startswith("regional_short"):
                region = province if m.text.startswith(("省", "自治区")) else \
                    county if m.text.startswith(("县", "区")) else city or province
                if region is None and m.text.startswith(("县", "区")):
                    continue          # 县经信局 in an article about no county: whose, nobody can say
                entry = self._regional_body(region, m.text)
                if entry is None:
                    if region is None:
                        continue
                    # a body no template lists (市科技创新委): named in full after its region
                    _name_body(entities, m, county_body_name(region, m.text) if m.text[:1] in "县区" else
                               region.name + (m.text[1:] if m.text[0] in "省市" else m.text))
                    continue
            if entry is None and not m.candidates:
                hits = [e for e in self.kb.candidates(m.text) if e.type in COMPATIBLE.get(m.label, {m.label})]
                if not hits and m.label == "Event":
                    # 2024世界人工智能大会, 第七届进博会: an edition of a series the KB knows
                    series = event_series(m.text)
                    hits = [e for e in self.kb.candidates(series) if e.type == "Event"] if series != m.text else []
                if not hits and m.label == "Organization" and _TERM.search(m.text):
                    # 中共杭州市第十二届委员会: a body in its twelfth term is the body
                    hits = [e for e in self.kb.candidates(_TERM.sub("", m.text)) if e.type == "Organization"]
                entry = hits[0] if len(hits) == 1 else None
            if entry is None and m.candidates and m.extractor.startswith("kb"):
                continue
            body_name = self._rule_body_name(m, main_zone) if entry is None else None
            if body_name is not None:
                # a body the rules named in full may be one the KB lists under that name
                entry = next((e for e in self.kb.candidates(body_name) if e.type == "Organization"), None)
            elif m.extractor == "zone_body_short" and entry is None:
                continue          # 管委会 in an article about no zone: whose, nobody can say
            surface = original[m.start:m.end] if len(original) == len(article.simplified or original) else m.text
            if entry is not None:
                ent = entities.get(entry.id)
                if ent is None:
                    ent = entities[entry.id] = Entity(
                        id=entry.id, type=entry.type, name=entry.name,
                        aliases={a for a in entry.aliases + entry.en_aliases},
                        name_en=entry.en, kb_id=entry.id)
                m.entity_id = entry.id
            else:
                name = full_session_name(m.text) if m.label == "Event" else \
                    full_zone_name(m.text) if m.label == "Place" else body_name or m.text
                if m.label == "Event" and m.extractor.startswith("congress") and m.text[:1] in "省市县":
                    # 省政府第84次常务会议: the meeting of the article's province (city, county)
                    region = province if m.text[0] == "省" else county if m.text[0] == "县" else city or province
                    if region is None:
                        continue
                    name = region.name + re.sub(r"^政府", "人民政府", m.text[1:])
                elif m.label == "Event" and _REGIONAL_EVENT.match(name):
                    # 市委经济工作会议: the article's city's; 中共成都市委经济工作会议 is the same
                    # meeting as 成都市委经济工作会议
                    region = province if name[0] == "省" else county if name[0] == "县" else city
                    if region is not None:
                        name = region.name + name[1:]
                if m.label == "Event":
                    name = _CPC_PREFIX.sub("", name)
                eid = corpus_entity_id(m.label, name)
                ent = entities.get(eid)
                if ent is None:
                    ent = entities[eid] = Entity(id=eid, type=m.label, name=name,
                                                 name_en=name if is_latin(name) else "")
                m.entity_id = eid
            for form in (m.text, surface):
                if form and form != ent.name:
                    ent.aliases.add(form)
        self._merge_contained(mentions, entities, article.simplified or article.text)
        _abbreviations(article.simplified or article.text, mentions, entities)
        if article.language == "en":
            _surnames(article.simplified or article.text, mentions, entities)
        return entities

    def _rule_body_name(self, m: Mention, main_zone: str | None) -> str | None:
        """The full name of a county's or a zone's body a rule found (None for other mentions)."""
        if m.extractor == "county_body":
            return self._county_body_full_name(m.text)
        if m.extractor == "zone_body":
            return self._zone_body_full_name(m.text)
        if m.extractor == "zone_body_short" and main_zone is not None:
            return _zone_body_name(main_zone, m.text)
        return None

    def _main_zone(self, mentions: list[Mention]) -> str | None:
        """The full name of the development zone an article names most (for 园区管委会 alone)."""
        counts: dict[str, int] = {}
        for m in mentions:
            if m.label != "Place":
                continue
            if m.extractor == "zone":
                name = full_zone_name(m.text)
            else:
                hit = self.kb.place(m.text, ZONE_CATEGORIES)
                name = hit.name if hit is not None else None
            if name is None:
                continue
            counts[name] = counts.get(name, 0) + 1
        return max(counts, key=counts.get) if counts else None

    def _zone_body_full_name(self, text: str) -> str:
        """凤阳经开区管委会 -> 凤阳经济技术开发区管理委员会, 苏州工业园区党工委 -> 中国共产党苏州工业园区
        工作委员会: the zone's full name, then the body's."""
        word = next((w for w in ZONE_COMMITTEE_WORDS + ZONE_PARTY_WORDS if text.endswith(w)), "")
        zone = text[:len(text) - len(word)]
        hit = self.kb.place(zone, ZONE_CATEGORIES)
        return _zone_body_name(hit.name if hit is not None else full_zone_name(zone), text)

    def _county_body_full_name(self, text: str) -> str:
        """中共武汉市东西湖区委 -> 中国共产党东西湖区委员会, 昆山市政府 -> 昆山市人民政府: the name
        titles give the body (county_body_name), whatever form the article writes."""
        word = re.search(r"(?:人民政府|政府|委)$", text)
        rest = text[:word.start()].removeprefix("中共") if word else ""
        for i in range(max(0, len(rest) - 1)):
            county = self.kb.place(rest[i:], COUNTY_CATEGORIES)
            if county is not None:
                return county_body_name(county, "县" + word.group())
        return text

    def _regional_body(self, region: KBEntry | None, short: str) -> KBEntry | None:
        if region is None:
            return None
        # one level word only: 省市场监管局 is the province's market regulator, and stripping
        # every leading 省/市 would leave 场监管局
        rest = short[3:] if short.startswith("自治区") else short[1:] if short[:1] in "省市区县" else short
        for name in (region.name + rest, *(a + rest for a in region.aliases)):
            for e in self.kb.candidates(name):
                if e.type == "Organization":
                    return e
        return None

    @staticmethod
    def _merge_contained(mentions: list[Mention], entities: dict[str, Entity], text: str = ""):
        """A shorter corpus name inside a longer one of the same kind, in one article, is
        the same thing said briefly (稳增长方案 in 10个重点工业行业稳增长方案)."""
        corpus = [e for e in entities.values() if e.kb_id is None and e.type in ("Policy", "Program", "Organization")]
        # the long name may be a listed document: 《数字中国建设整体布局规划》 … 《规划》
        longer = corpus + [e for e in entities.values() if e.kb_id is not None and e.type in ("Policy", "Program")]
        remap = {}
        definitions = _short_definitions(text, mentions)
        for short in corpus:
            ks = alias_key(short.name)
            defined = definitions.get(short.name)
            for long_ in sorted(longer, key=lambda e: e.id != defined):
                kl = alias_key(long_.name)
                if long_ is not short and short.type == long_.type == "Organization" and _abbreviated_body(ks, kl):
                    remap[short.id] = long_.id        # 安吉县经信局 is 安吉县经济和信息化局
                    break
                if long_ is short or len(kl) <= len(ks) or ks not in kl:
                    continue
                same_kind = (short.type == "Organization") == (long_.type == "Organization")
                core = re.sub(r"[(（][^()（）]*[)）]$", "", kl)        # …方案（2023—2024年）
                if same_kind and (len(ks) / len(kl) >= 0.6 or (short.type != "Organization" and core.endswith(ks))
                                  or (short.type == "Organization" and len(ks) >= 2 and kl.startswith(ks) is False)):
                    remap[short.id] = long_.id
                    break
        for sid, lid in remap.items():
            while lid in remap:
                lid = remap[lid]
            entities[lid].aliases.add(entities[sid].name)
            entities[lid].aliases |= entities[sid].aliases
            del entities[sid]
        for m in mentions:
            if m.entity_id in remap:
                lid = remap[m.entity_id]
                while lid in remap:
                    lid = remap[lid]
                m.entity_id = lid
