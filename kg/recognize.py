"""Recognize: a spaCy pipeline that finds Person, Organization, Place, Policy, Program and Event.

The pipeline is ``spacy.blank("zh")`` (one token per character, so every span aligns) or
``spacy.blank("en")`` with three components of the project's own:

``kg_kb_ruler``
    matches every name and alias of the knowledge base (:mod:`kg.kb`) as a phrase;
``kg_pattern_recognizer``
    finds names no list holds, by rules over the text: post title + name (部长金壮龙,
    Premier Li Qiang), 《》 titles, quoted programme names (“专精特新”), names built on a
    suffix (…工程, …行动计划, …大会, …有限公司) whose left edge is the verb or particle
    before them, and the short forms of regional bodies (省工信厅);
``kg_span_resolver``
    keeps the best non-overlapping spans as ``doc.ents``, propagates names found once to
    their other occurrences, and keeps knowledge-base names nested inside a policy or
    event title in ``doc.spans["kg_nested"]`` (they are mentioned too).

Every candidate span records which rule proposed it (``span._.kg_extractor``), and
knowledge-base matches their candidate ids (``span._.kg_candidates``). The spaCy
components are thin adapters; the rules are plain functions over text, testable alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span

from .kb import (COUNTY_CATEGORIES, DATA_DIR, EN_ORDINAL, ZONE_CATEGORIES, ZONE_COMMITTEE_WORDS, ZONE_PARTY_WORDS, KnowledgeBase,
                 event_series, is_latin, load_kb, written_as)
from .records import Article, Mention

from .spans import TEXT_KEY, add_candidate, doc_text, with_meta  # also registers the span._.kg_* attributes

HAN = r"\u4e00-\u9fff\u3400-\u4dbf"
_HAN_RE = re.compile(f"[{HAN}]")
OPEN_QUOTES, CLOSE_QUOTES = "“‘「『", "”’」』"

#: Which rule wins when two spans overlap and have the same length (higher wins).
PRIORITY = {"kb": 6, "book_title": 7, "title_name": 5, "speaker_name": 2, "regional_short": 5, "quoted": 4, "body_title": 3, "county": 3, "place_body": 3,
            "suffix": 3, "company": 3, "project": 4, "termed_body": 4, "congress": 4, "zone": 4, "ftz_area": 4, "institution": 3, "department_short": 3, "town": 3, "airport": 4, "mission": 4, "company_list": 2, "en_title_name": 5, "en_pattern": 3, "en_document": 3, "en_quoted": 3, "ner": 2,
            "propagated": 1}


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> dict:
    """The lexicons of ``kg/data/rules.yaml`` (verbs, suffixes, stop words)."""
    data = yaml.safe_load(Path(path or DATA_DIR / "rules.yaml").read_text(encoding="utf-8"))
    for key, value in data.items():
        if isinstance(value, list):
            data[key] = sorted(dict.fromkeys(str(v) for v in value), key=len, reverse=True)
    return data


def _alternation(words) -> str:
    """A regex matching any of ``words``, the longest first where several start alike.

    Built as a trie (广州市|广东省 -> 广(?:州市|东省)): Python's regex engine tries the
    branches of a flat alternation one by one at every position, which costs seconds per
    article once the knowledge base lists thousands of places; factored prefixes cost
    a few steps. Greedy optional tails keep the longest-match preference of the sorted list.
    """
    trie: dict = {}
    for w in set(words):
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_pattern(trie) if trie else "(?!)"


def _trie_pattern(node: dict) -> str:
    ends_here = "" in node
    branches = [re.escape(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and len(branches[0]) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends_here else body


@dataclass
class Candidate:
    """A proposed span in plain data; the spaCy adapter turns these into Spans."""

    start: int
    end: int
    label: str
    extractor: str
    score: float = 1.0
    candidates: tuple[str, ...] | None = None


# --------------------------------------------------------------------------------------
# Rules over Chinese text
# --------------------------------------------------------------------------------------
class ChinesePatterns:
    """The pattern rules for Chinese text, compiled once from rules.yaml and the KB."""

    def __init__(self, kb: KnowledgeBase, rules: dict):
        self.kb, self.rules = kb, rules
        self.breaks = set(rules["clause_breaks"])
        self.left_stops = rules["left_stop_words"]
        self.stop_word_parts = tuple(rules.get("left_stop_word_parts", ()))
        self._stops_by_last: dict[str, list[str]] = {}
        for w in self.left_stops:       # keeps the longest-first order of load_rules
            if w:
                self._stops_by_last.setdefault(w[-1], []).append(w)
        self.generic = rules["generic_modifiers"]
        self.leading_drop = rules["leading_drop"]
        self.body_suffixes = rules["body_suffixes"]
        self.policy_suffixes = set(rules["policy_suffixes"])
        self.program_suffixes = set(rules["program_suffixes"])
        self.quoted_heads = set(rules.get("quoted_programme_heads", ()))
        self.code_heads = self.program_suffixes | set(rules.get("code_programme_heads", ())) | self.quoted_heads
        self.event_suffixes = set(rules["event_suffixes"])
        self.generic_event_heads = set(rules["generic_event_heads"])
        self.event_inner_words = set(rules.get("event_inner_words", ()))
        names = rules["policy_suffixes"] + rules["program_suffixes"] + rules["event_suffixes"]
        self.suffix_re = re.compile(f"(?:{_alternation(names)})")
        self.company_re = re.compile(f"(?:{_alternation(rules['company_suffixes'])})")
        self.company_suffixes = rules["company_suffixes"]
        # the company words that always end a name (有限公司, not 集团 of 集团化)
        self.strict_company_suffixes = tuple(w for w in self.company_suffixes
                                             if w not in rules["loose_company_suffixes"])
        self.quote_re = re.compile(r"“([^“”\n]{1,20})”")
        self.quoted_scheme_heads = tuple(rules.get("quoted_scheme_heads", ()))
        self.organisation_introducers = {k: frozenset(v) for k, v in rules.get("organisation_introducers", {}).items()}
        # 县委 / 县政府 words after a county's name, not followed by what makes another body of them
        self.county_body_word_re = re.compile(
            f"(?:人民政府|政府|委)(?!{_alternation(rules.get('county_body_continuations', ()))})")
        self.bare_zone_words = tuple(rules.get("bare_zone_words", ()))
        self.company_bracket_words = frozenset(rules.get("company_bracket_words", ()))
        self.book_re = re.compile(r"《([^《》\n]{2,80})》")
        self.corner_re = re.compile(r"[「『“]([^「」『』“”\n]{4,80})[」』”]")
        zh_posts = [p.title for p in kb.posts.values() if p.lang == "zh"]
        self.post_re = re.compile(f"(?:{_alternation(zh_posts)})") if zh_posts else None
        # 市领导程亮、刘庆东: a group of leaders before a list of names, but no post of anyone's
        group_titles = list(rules.get("group_titles", ()))
        self.group_title_re = re.compile(f"(?:{_alternation(group_titles)})") if group_titles else None
        # 王永康、张雨浦、王兆力出席: names listed bare before a verb of attending
        attending = list(rules.get("attendance_list_verbs", ()))
        self.attending_list_re = re.compile(
            rf"((?:[{HAN}]{{2,12}}、){{2,}}[{HAN}]{{2,4}})(?:等(?:同志|领导)?)?(?:{_alternation(attending)})"
        ) if attending else None
        # 决定任命卢东亮为山西省副省长: the name between a verb of appointing and 为
        appointing = list(rules.get("appointment_words", ()))
        self.appointed_re = re.compile(f"(?:{_alternation(appointing)})(?=[{HAN}]{{2,4}}为)") if appointing else None
        # 王传福担任比亚迪股份有限公司董事长: a name heading a clause, a verb of holding a post
        # (not 为, which is also "for"), and a post before the clause ends
        serving = [w for w in rules.get("post_stating_verbs", ()) if len(w) >= 2]
        self.serving_re = re.compile(
            rf"(?:^|(?<=[，。；：！？\s]))([{HAN}]{{2,4}}?)(?:{_alternation(rules.get('post_adverbs', ()))})?"
            rf"(?:{_alternation(serving)})([^，。；！？\n]{{1,40}})", re.M) if serving else None
        self.implying_posts = [p.title for p in kb.posts.values() if p.lang == "zh" and p.implies]
        self.name_then_post_re = re.compile(
            f"(?<![{HAN}])([{HAN}]{{2,3}})(?:{_alternation(self.implying_posts + ['同志'])})"
        ) if self.implying_posts else None
        self.surnames = kb.surnames
        self.issue_verbs = set(rules.get("issue_verbs", ()))
        # the names before 指出, 强调, 表示: only where a clause begins
        speech_zh = [w for w in rules.get("speech_verbs", ()) if _HAN_RE.match(w[:1]) and len(w) >= 2]
        self.speaker_name_re = re.compile(
            rf"(?:^|(?<=[，。；：！？“\s]))([{HAN}]{{2,4}})(?={_alternation(speech_zh)})", re.M) if speech_zh else None
        self.followers = rules["name_followers"]
        self.verb_body_heads = sorted(rules.get("verb_body_heads", ()), key=len, reverse=True)
        self.travel_chars = set(rules.get("travel_chars", ""))
        self.modal_chars = set(rules.get("modal_chars", ""))
        self.province_chars = set(rules.get("province_one_char_names", ""))
        self.name_end_followers = tuple(rules.get("name_end_followers", ()))
        shorts = {}
        for t in kb.templates:
            for form in [t.suffix, *t.short]:
                if len(form) >= 2:
                    shorts[form] = t.level
        # 高新区管委会 alone: a zone's committee is the city's, with no 市 before it
        zone_shorts = [form for t in kb.templates if t.category == "zone_committee" for form in t.short]
        bare = f"|(?:{_alternation(zone_shorts)})" if zone_shorts else ""
        self.regional_short_re = re.compile(
            f"(?<![{HAN}])?(?:省|市|区|县|自治区)(?:{_alternation(shorts)}){bare}") if shorts else None
        self.place_chars = "省市区县州盟"
        self.party_short_re = re.compile(
            # 按照市委、市政府的部署: after a preposition (按照, 根据, 由 ...) too, not inside a word
            f"(?:(?<![{HAN}])|(?<=[照据由经在与和及同对向将]))"
            f"(?:省委|市委|区委|县委|州委)(?=、|和|与|及|召开|印发|出台|部署|决定|发布|主办|举办)")
        self.listed_short_re = re.compile(
            # (not across a preposition: 市发改委在市委、市政府的领导下 is 市发改委, then 市委)
            f"(?<=[、，,：:和及与])(?:省|市)(?:(?![在的对为将把向从于])[{HAN}]){{2,10}}?(?:委员会|管理局|委|局|厅|办公室|办)"
            f"(?=[、，,和及与等])")
        cities = [e.name for e in kb.entries.values() if e.type == "Place" and e.name.endswith(("市", "州", "盟"))]
        places = [e.name for e in kb.entries.values() if e.type == "Place" and e.category != "country"
                  and e.name.endswith(("省", "市", "区", "县", "州", "盟"))]
        self.place_body_re = re.compile(
            f"({_alternation(places)})([{HAN}]{{2,14}}?)({_alternation(rules['body_suffixes'])})(?![{HAN}]*?[长任员])"
        ) if places else re.compile("(?!)")
        project_places = sorted({n for e in kb.entries.values() if e.type == "Place"
                                 and e.category in rules.get("project_place_categories", ())
                                 for n in [e.name, *e.aliases] if len(n) >= 2}, key=len, reverse=True)
        self.project_re = re.compile(f"(?:{_alternation(project_places)})建设") if project_places else None
        # names read back from a rare anchor word (a designated centre, 第N届): see below
        self.place_names = {n for e in kb.entries.values() if e.type == "Place" and e.category != "country"
                            for n in [e.name, *e.aliases] if len(n) >= 2}
        # a county's bare name (晋江, a weak alias alone) does name the place before a zone word
        self.zone_place_names = self.place_names | {n for e in kb.entries.values() if e.type == "Place"
                                                    for n in e.weak_aliases if len(n) >= 2}
        centres = rules.get("designated_centres", ())
        self.centre_word_re = re.compile(_alternation(centres)) if centres else None
        brand_regions = sorted({n for e in kb.entries.values() if e.type == "Place"
                                and (e.category in ("province", "municipality", "autonomous_region")
                                     or e.category.endswith("city"))
                                for n in [e.name, *e.aliases] if 2 <= len(n) <= 4 and not is_latin(n)},
                               key=len, reverse=True)
        brand_prefixes = rules.get("region_brand_prefixes", ())
        self.brand_re = re.compile(
            f"(?:{_alternation(brand_prefixes)})(?:{_alternation(brand_regions)})(?:建设)?(?![市省区县])"
        ) if brand_prefixes and brand_regions else None
        self.institution_re = re.compile(f"(?:{_alternation(rules.get('institution_suffixes', ()))})")
        self.institution_followers = tuple(rules.get("institution_followers", ()))
        self.trade_list_words = tuple(rules.get("trade_list_words", ()))
        # …等行业头部企业, …等10家央企, …农夫山泉5家民营企业: a count of firms may close the list without 等
        heads = list(rules.get("company_list_heads", ()))
        self.company_list_re = re.compile(
            rf"((?:[{HAN}A-Za-z]{{2,10}}、){{2,}}[{HAN}A-Za-z]{{2,10}})(?:等(?:\d+家)?|(?<!等)\d+家)"
            rf"(?:[{HAN}]{{0,6}}?)(?:{_alternation(heads)})") if heads else None
        # the words that end a name in a list (之江实验室和西湖大学: 和 separates two names)
        self.list_item_endings = tuple(rules.get("institution_suffixes", ())) + tuple(self.company_suffixes) + \
            tuple(rules.get("list_item_endings", ()))
        self.nth_re = re.compile(r"第[一二三四五六七八九十百零\d]+(届|次)")
        self.term_heads = ("纪律检查委员会", "人民代表大会常务委员会", "人民代表大会", "委员会")
        self.county_re = re.compile(f"({_alternation(cities)})([{HAN}]{{1,3}}?(?:区|县|旗))(?!委|政府|人民政府|局)") \
            if cities else re.compile("(?!)")

    # -- helpers ----------------------------------------------------------------------
    def _stop_before(self, text: str, pos: int, limit: int, weak_de: bool) -> int:
        """Leftmost start of a name ending at ``pos``: scan left to a clause break, an
        opening quote that encloses pos, or a stop word. Closing quotes are crossed whole.
        """
        i = pos
        lo = max(0, pos - limit)
        while i > lo:
            ch = text[i - 1]
            if ch == "—" and i - 2 >= lo and i < len(text) and _HAN_RE.match(text[i - 2]) and _HAN_RE.match(text[i]):
                i -= 1          # 中国—亚欧博览会: one dash between two names joins them (a dash of two breaks)
                continue
            if ch in self.breaks or ch in "《》()（）[]【】" or ch.isspace():
                break
            if ch in CLOSE_QUOTES:
                j = text.rfind("“", lo, i - 1)
                if j < 0:
                    break
                i = j
                continue
            if ch in OPEN_QUOTES:
                break
            stop = self._stop_word_ending(text, i, weak_de)
            if stop and not self._word_across(text, i - len(stop), i, pos):
                break
            i -= 1
        return i

    @staticmethod
    def _word_across(text: str, stop_start: int, i: int, pos: int) -> bool:
        """Whether a word jieba's dictionary holds often holds the whole stop word at
        ``stop_start``..``i`` and runs on past it (before ``pos``): then the stop word is part
        of that word (共同|体 of 产教融合共同体, 联合|会), not a name's left edge. Only words
        of three or four characters count: a word that holds only part of the stop word
        (施工 of 实施|工业) or a two-character one (在建, 向上, 同志) is too often a misreading."""
        return any(_frequent_in_jieba(text[a:b]) for a in range(max(0, i - 4), stop_start + 1)
                   for b in range(max(i + 1, a + 3), min(pos, a + 4) + 1))

    def _stop_word_ending(self, text: str, i: int, weak_de: bool) -> str | None:
        # Only the stop words ending in text[i-1] can end at i: looking them up by their
        # last character, instead of trying all 125 at every step of the leftward scan,
        # took recognition from 56% of the build to a few percent (scripts/bench.py).
        if i <= 0:
            return None
        for w in self._stops_by_last.get(text[i - 1], ()):
            if w == "的" and weak_de:
                continue
            if i - len(w) >= 0 and text.startswith(w, i - len(w)):
                if text.startswith(self.stop_word_parts, i - len(w)):
                    continue      # 绍兴·辽源对口合作交流会: 对 opens the word 对口 here
                return w
        return None

    def _strip_generic(self, name: str) -> str:
        name = _COUNTED.sub("", name)         # 12个专项方案: a count of documents, not a name
        changed = True
        while changed and name:
            changed = False
            for g in self.generic:
                if name.startswith(g) and len(name) > len(g):
                    name = name[len(g):]
                    changed = True
        return name

    def _followed_well(self, text: str, end: int) -> bool:
        if end >= len(text):
            return True
        ch = text[end]
        if not _HAN_RE.match(ch) or ch in CLOSE_QUOTES or ch in "》":
            return True
        # 远景科技集团创始人、首席执行官张雷: a post of the body's follows its name
        return any(text.startswith(w, end) for w in self.name_end_followers) or \
            (self.post_re is not None and self.post_re.match(text, end) is not None)

    # -- rules ------------------------------------------------------------------------
    def book_titles(self, text):
        # 「關於…的意見」: Hong Kong and Taiwan media quote document titles in corner brackets
        for m in self.corner_re.finditer(text):
            inner = m.group(1)
            if any(inner.endswith(sfx) for sfx in self.policy_suffixes) and len(inner) >= 6:
                yield Candidate(m.start(1), m.end(1), "Policy", "book_title", 0.85)
        for m in self.book_re.finditer(text):
            inner = m.group(1)
            kb_hits = [e for e in self.kb.candidates(inner) if e.type == "Organization"]
            label = "Organization" if kb_hits else "Policy"
            if any(inner.endswith(s) for s in self.event_suffixes):
                label = "Event"
            yield Candidate(m.start(1), m.end(1), label, "book_title", 0.9)

    def suffix_names(self, text):
        """Policy / Program / Event names recognised by their last word."""
        for m in self.suffix_re.finditer(text):
            suffix, end = m.group(0), m.end()
            joint = None
            if suffix in self.event_suffixes and text.startswith("暨", end):
                # 产业推介会暨企业集中入驻仪式: one event under a joint name, whatever the second
                # half ends with; the first half alone when no such end follows
                joint = _JOINT_EVENT_TAIL.match(text, end)
                if joint is None or not self._followed_well(text, joint.end()):
                    joint = None
            elif not self._followed_well(text, end) or text.startswith(self.strict_company_suffixes, end):
                continue          # …市政工程|有限公司: the suffix is inside a company's name
            label = ("Event" if suffix in self.event_suffixes else
                     "Policy" if suffix in self.policy_suffixes else "Program")
            # 关于X的意见: a document title may hold 的; an event name may not
            start = self._stop_before(text, m.start(), 32, weak_de=label == "Policy")
            if label != "Event" and start == m.start():
                # 质量品牌建设工程, 要素保障强化工程: a verb right before the suffix is the name's own
                w = self._stop_word_ending(text, start, False)
                if w and len(w) >= 2:
                    further = self._stop_before(text, start - len(w), 32 - len(w), weak_de=label == "Policy")
                    if further < start - len(w):      # something names it besides the verb (not 实施培育工程)
                        start = further
            if label == "Event":
                # 全省推进新型工业化大会: an event's name may hold the verbs of its theme
                while start > 0 and m.start() - start < 32:
                    w = self._stop_word_ending(text, start, False)
                    if not w or w not in self.event_inner_words:
                        break
                    start = self._stop_before(text, start - len(w), 32 - (m.start() - start) - len(w), False)
            start = self._split_coordination(text, start, m.start())
            start = self._drop_leading(text, start, m.start())
            if joint is not None and not self._known_event(text[start:end]):
                end = joint.end()     # (2024世界人工智能大会暨…: the series the KB knows is the event)
            if self._generic(text[start:end], suffix, label):
                continue
            # 市委副书记、市长刘忻主持大会: a post title inside means a person and a verb, not a name
            # (向财政司司长提供意见 too)
            if self._title_inside(text, start, m.start()):
                continue
            name = text[start:m.start()]
            if label != "Event" and (name[:1] in "其该此这" or ("、" in name and text.startswith("、", end)) or
                                     ((label == "Program" or suffix.endswith("计划")) and name.endswith("的"))):
                # 了解其…扩展计划, 修读科学、科技、工程、艺术, 在香港设立研发中心的计划: a pronoun,
                # a list the word is an item of, or a description before the word, not a name
                # (a document's title may hold both: 关于…的指导意见, “增品种、提品质、创品牌”行动)
                continue
            # a document name no verb or particle introduces is usually a phrase (交换意见);
            # so is a 战略 (实施科教兴国战略 names one, 国家区域重大战略 only points at them)
            if (label == "Policy" or suffix == "战略") and not self._introduced(text, start):
                continue
            quoted = text[start:m.start()].startswith("“") and text[start:m.start()].endswith("”")
            if label == "Policy" and not quoted and _starts_with_verb(text[start:start + 6]) and \
                    self._stop_word_ending(text, start, False) not in self.issue_verbs:
                continue          # 探索建立空域申请和飞行计划: a verb phrase, unless 印发/出台 introduces it
            if suffix == "战略" and not quoted and (len(self._strip_generic(text[start:m.start()])) < 4 or
                                                  text[start:m.start()].endswith(tuple(self.generic))):
                continue
            yield Candidate(start, end, label, "suffix", 0.7)

    def _known_event(self, name: str) -> bool:
        """Whether the KB lists the event, or the series an edition of it belongs to."""
        return any(e.type == "Event" for n in {name, event_series(name)} for e in self.kb.candidates(n))

    def _introduced(self, text: str, start: int) -> bool:
        """Whether a stop word (a verb, preposition or particle) ends right before ``start``."""
        while start > 0 and text[start - 1] in "“”":
            start -= 1
        return bool(self._stop_word_ending(text, start, False)) or text[start - 1:start] in ("和", "与", "及", "、")

    def _drop_leading(self, text, start, limit):
        changed = True
        while changed:
            changed = False
            for w in self.leading_drop:
                if text.startswith(w, start) and start + len(w) < limit:
                    start += len(w)
                    changed = True
        return start

    def _generic(self, name: str, suffix: str, label: str) -> bool:
        """True when the phrase is a generic noun phrase rather than a name."""
        core = self._strip_generic(name.replace("“", "").replace("”", ""))
        if len(core) <= len(suffix):
            return True                      # nothing but modifiers and the suffix itself
        body = core[: len(core) - len(suffix)].replace("、", "")
        if suffix == "法" and any(name.endswith(w) for w in self.rules["non_law_words"]):
            return True
        if len(body) < 2 or (len(suffix) == 1 and len(body) < 3):
            return True
        if suffix == "政策" and (len(body) < 4 or name.startswith(tuple(self.generic))):
            return True
        if label == "Policy" and "的" in name and not name.startswith("关于"):
            # 关于X的意见 / 促进X的若干措施: 的 comes right before the document word
            if not any(name.endswith("的" + sfx) or name.endswith("的" + w + sfx)
                       for sfx in (suffix,) for w in ("", "若干", "指导", "实施", "政策")):
                return True
        if body in self.rules.get("non_name_verbs", ()):
            return True                       # 提供意见, 征求意见, 交换意见
        if label == "Event":
            if re.search(r"第[一二三四五六七八九十百零\d]+[场次期]", name):
                return True
            head = re.sub(r"^(?:\d{4}年?|第[一二三四五六七八九十百零\d]+届|首届|本届|上届|今年|去年)+", "", name)
            if head in self.generic_event_heads or len(head) < 4:
                return True
            if len(body) < 4 and body in self.kb.generic_terms:
                return True                   # 企业座谈会: a kind of meeting, not one named
        plain = name.replace("“", "").replace("”", "")
        if plain in self.kb.concepts or plain in self.kb.generic_terms:
            return True
        return any(plain.endswith(c) for c in self.kb.concepts)

    def _split_coordination(self, text, start, suffix_start):
        """In 实施A行动和B工程, the name of B starts after 和 because A ends a name itself."""
        seg = text[start:suffix_start]
        best = start
        for conj in ("和", "与", "及", "、", "以及"):
            idx = seg.rfind(conj)
            while idx > 0:
                left = seg[:idx]
                if any(left.endswith(s) for s in self.policy_suffixes | self.program_suffixes
                       | self.event_suffixes) or left.endswith("”"):
                    best = max(best, start + idx + len(conj))
                    break
                idx = seg.rfind(conj, 0, idx)
        return best

    def quoted_programs(self, text):
        """“X” names a programme when a suffix follows it, a verb governs it, or the KB knows it."""
        anchors = self.rules["quote_anchor_verbs"]
        suffixes = sorted(self.program_suffixes | self.policy_suffixes | self.quoted_heads |
                          {"产业体系", "工作举措", "举措", "三年行动计划"},
                          key=len, reverse=True)
        last_end = -10
        for m in self.quote_re.finditer(text):
            inner = m.group(1)
            if len(inner) < 2 or inner in self.kb.concepts:
                continue
            if any(ch in inner for ch in "，。！？；：,"):
                continue
            end = m.end()
            if any(inner.endswith(x) for x in self.program_suffixes) and not text.startswith(tuple(suffixes), end):
                # 数字经济创新提质“一号发展工程”, 制造强省“八大行动”: the qualifier is part of the name
                q = self._drop_leading(text, self._stop_before(text, m.start(), 16, False), m.start())
                qualifier = text[q:m.start()]
                if 2 <= len(qualifier) and not any(c in qualifier for c in "“”") \
                        and not self._generic(qualifier + "工程", "工程", "Program"):
                    yield Candidate(q, end, "Program", "quoted", 0.75)
                    last_end = end
                    continue
            suffix = next((s for s in suffixes if text.startswith(s, end)), None)
            # “51020”现代产业集群, “1361”整体构架: after a number code more heads close a name
            heads = self.program_suffixes | self.quoted_heads if _HAN_RE.search(inner) else self.code_heads
            tail = None if suffix else self._suffix_phrase(text, end, heads=heads)
            if tail:
                # “415X”先进制造业集群培育工程: the quote opens a name that a suffix closes
                yield Candidate(m.start(), tail, "Program", "quoted", 0.75)
                last_end = tail
                continue
            if not _HAN_RE.search(inner) and "+" not in inner:
                continue            # “315”, “1+N” alone: a number, not a name
            if suffix:
                yield Candidate(m.start(), end + len(suffix), "Program" if suffix not in self.policy_suffixes
                                else "Policy", "quoted", 0.8)
                last_end = end + len(suffix)
                continue
            # the governing verb: at most four characters (an object noun) before the quote
            head = text[max(0, m.start() - 8):m.start()]
            anchored = any(head.endswith(v) or (v in head[-8:] and len(head) - head.rindex(v) - len(v) <= 4
                                                and not any(b in head[head.rindex(v):] for b in self.breaks))
                           for v in anchors)
            chained = m.start() - last_end <= 1
            known = any(e.type in ("Program", "Policy") for e in self.kb.candidates(inner))
            # “科技券计划”, “创新及科技基金”: a quoted name that ends in a scheme's own word
            scheme = len(inner) >= 4 and inner.endswith(self.quoted_scheme_heads) and _HAN_RE.match(inner[0])
            if known or anchored or chained or scheme:
                if text.startswith(("向", "转变", "作用", "精神", "为题", "为主题"), end):
                    continue          # “制造大省”向“智造大省”转变: a slogan; 以“…”为题: a talk's title
                if not known and _slogan(inner):
                    continue
                yield Candidate(m.start(1), m.end(1), "Program", "quoted", 0.6)
                last_end = end

    def _suffix_phrase(self, text: str, end: int, limit: int = 12, heads=None) -> int | None:
        """The end of a short run of Han characters from ``end`` that closes with a programme
        suffix (先进制造业集群培育工程), or None; a particle or conjunction ends the run."""
        best = None
        heads = self.program_suffixes if heads is None else heads
        for k in range(end + 1, min(len(text), end + limit) + 1):
            ch = text[k - 1]
            if not _HAN_RE.match(ch) or ch in "的和与及、是在将为对":
                break
            if any(text.endswith(x, end + 2, k) for x in heads):
                best = k
        return best

    def companies(self, text):
        for m in self.company_re.finditer(text):
            start = self._stop_before(text, m.start(), 24, False)
            start = self._bracketed_company_start(text, start)
            # 阿里巴巴集团、海康威视…公司 / 阿里巴巴集团和之江实验室: two names, not one
            for sep in ("、", "和", "与", "及"):
                cut = text.rfind(sep, start, m.start())
                if cut >= 0 and (sep == "、" or any(text.endswith(x, 0, cut) for x in self.company_suffixes)):
                    start = cut + len(sep)
            # 山东省人民政府与中国移动通信集团有限公司: a body before 与/和 is a party, not part of the name
            for sep in ("与", "和", "及", "同"):
                cut = text.rfind(sep, start, m.start())
                if cut > start and (text.endswith(("政府", "部", "委", "局", "厅", "办", "委员会", "大学", "研究院"), 0, cut)
                                    or self._title_inside(text, start, cut)):
                    start = cut + 1   # …管委会负责人分别与南通…有限公司: a title before 与, a person's
            if _COUNTED_BODIES.match(text, start):
                continue          # 6家国有大型商业银行, 四所…实验室: a count of bodies, not a name
            if self._title_inside(text, start, m.start()):
                continue          # 省长黄强会见中国农业银行: a title inside, a clause, not a name
            cut = text.rfind("以", start, m.start() - 1)
            if cut > start and any(e.type == "Person" for e in self.kb.candidates(text[start:cut])):
                start = cut + 1   # 陈茂波以港投公司董事局主席身份: a person, then 以 ("as")
            # 以威高集团有限公司为龙头: the name sits between 以 and 为
            if text.startswith("为", m.end()):
                cut = text.rfind("以", start, m.start() - 1)
                if cut >= start and m.start() - cut > 2:
                    start = cut + 1
            # 全资附属公司港深创新及科技园有限公司: a company word inside is a description before the name
            at, word = max((text.rfind(w, start, m.start() - 1), w) for w in ("公司", "企业"))
            if at >= start and m.start() - (at + len(word)) >= 2:
                start = at + len(word)
            # 有限公司 always ends a name; bare 集团/公司 must also look like an ending (not 集团化)
            loose = m.group(0) in self.rules["loose_company_suffixes"]
            if m.start() - start < 2 or (loose and (not self._followed_well(text, m.end()) or m.start() - start < 3)):
                continue
            if loose and self._generic(text[start:m.end()], m.group(0), "Organization"):
                continue
            # 营山县川北电缆有限公司: a county or district before the name says where it is
            place = re.match(f"(?:[{HAN}]{{2,4}}?市)?([{HAN}]{{1,4}}?[县区旗])(?!下)(?=[{HAN}]{{2}})", text[start:m.start()])
            if place and m.start() - (start + place.end()) >= 2:
                yield Candidate(start + place.start(1), start + place.end(1), "Place", "company", 0.7)
                start += place.end()
            yield Candidate(start, m.end(), "Organization", "company", 0.8)

    def _bracketed_company_start(self, text: str, start: int) -> int:
        """西门子（中国）有限公司, 马钢（集团）控股有限公司, 空客（天津）总装有限公司: a place or
        集团 in brackets inside a company's name; the name runs on before the bracket."""
        if start < 2 or text[start - 1] not in "）)":
            return start
        lo = max(0, start - 8)
        opening = max(text.rfind("（", lo, start - 1), text.rfind("(", lo, start - 1))
        inner = text[opening + 1:start - 1] if opening >= 2 else ""
        if not inner or not (inner in self.company_bracket_words or
                             any(e.type == "Place" for e in self.kb.candidates(inner))):
            return start
        before = self._stop_before(text, opening, 16, False)
        return before if opening - before >= 2 else start

    def bodies_before_titles(self, text):
        """创新科技及工业局局长孙东: a name ending in 局/委员会/办公室 right before a post title."""
        if self.post_re is None:
            return
        for m in self.post_re.finditer(text):
            t0 = m.start()
            if any(text.startswith(b, i) and i + len(b) > m.end()
                   for i in range(max(0, t0 - 3), m.end()) for b in self.body_suffixes):
                continue          # 委员 of 第十二届委员会: the title is part of a body's own name
            sfx = next((x for x in self.body_suffixes if text.endswith(x, 0, t0)), None)
            if sfx is None:
                # 局长 after …局: the body's last character is the title's first
                sfx = next((x for x in self.body_suffixes if len(x) == 1 and text.startswith(x, t0)), None)
                if sfx is None or m.group().startswith("委员"):
                    continue          # but 省政协委员 is a member of the 政协, not a body 省政协委
                t0 += 1
            start = self._stop_before(text, t0 - len(sfx), 16, False)
            # 行长潘功胜、国家金融监督管理总局局长: a list item ends at 、, and a name holds no title
            start = max([start] + [text.rfind(c, start, t0) + 1 for c in "、，,；;：:（("])
            # 省市场监督管理局和宁波方太厨具有限公司有关负责人: the body after 和 has the title
            for c in "和与及同":
                k = text.rfind(c, start, t0)
                if k > start and (text[start:k].endswith(tuple(self.body_suffixes)) or
                                  any(e.type == "Organization" for e in self.kb.candidates(text[k + 1:t0]))):
                    start = k + 1     # 孙东昨日上午与重庆市科学技术局局长…: the listed body after 与
            start = self._drop_leading(text, start, t0 - len(sfx))
            if "有关" in text[start:t0]:
                continue          # 住房城乡建设部有关司局负责人: the ministry's departments, none named
            if self.post_re.search(text[start:t0 - len(sfx)]):
                continue
            word, tag = _last_word(text[start:t0])
            if len(sfx) == 1 and len(word) == 2 and word != sfx and tag[:1] not in ("n", "j"):
                continue          # 马鞍山地处|长三角: 处 ends the verb 地处, not a body's name
            if t0 - start - len(sfx) >= 2 and not self.kb.candidates(text[start:t0]):
                yield Candidate(start, t0, "Organization", "body_title", 0.7)

    def title_names(self, text):
        """Post title followed by a personal name: 部长金壮龙, 副厅长石晓鹏表示."""
        if self.post_re is None:
            return
        titles = [self.post_re] + ([self.group_title_re] if self.group_title_re is not None else [])
        for m in (m for title_re in titles for m in title_re.finditer(text)):
            p = m.end()
            length = self._name_length_at(text, p)
            while length:
                yield Candidate(p, p + length, "Person", "title_name", 0.85)
                # 副部长赵英民、叶民出席: names listed after one title are names too
                if not text.startswith("、", p + length):
                    break
                p += length + 1
                length = self._name_length_at(text, p)
        yield from self._names_before_titles(text)
        yield from self._names_appointed(text)
        yield from self._names_serving(text)
        yield from self._names_before_group_titles(text)
        yield from self._names_listed_attending(text)

    def _names_appointed(self, text):
        """决定任命卢东亮为山西省副省长, 选举王某为主任: a name after a verb of appointing and
        before 为 (rules.yaml's appointment_words)."""
        if self.appointed_re is None:
            return
        for m in self.appointed_re.finditer(text):
            length = next((n for n in (3, 2, 4) if text.startswith("为", m.end() + n)
                           and self._name_shape(text[m.end():m.end() + n])), 0)
            if length:
                yield Candidate(m.end(), m.end() + length, "Person", "title_name", 0.8)

    def _names_serving(self, text):
        """王传福担任比亚迪股份有限公司董事长: a name heading a clause, then a verb of holding a post
        (rules.yaml's post_stating_verbs) and a post before the clause ends."""
        if self.serving_re is None or self.post_re is None:
            return
        for m in self.serving_re.finditer(text):
            if self._name_shape(m.group(1)) and self.post_re.search(m.group(2)) and \
                    not any(e.type != "Person" for e in self.kb.candidates(m.group(1))):
                yield Candidate(m.start(1), m.end(1), "Person", "title_name", 0.7)

    def _names_listed_attending(self, text):
        """王永康、张雨浦、王兆力、贾玉梅出席会议: three or more names listed bare before a verb of
        attending are people, when every item reads as a personal name and none is a known
        place or body (江苏、浙江、上海参加 is a list of provinces)."""
        if self.attending_list_re is None:
            return
        for m in self.attending_list_re.finditer(text):
            items, pos = [], m.start(1)
            for item in m.group(1).split("、"):
                items.append((pos, pos + len(item)))
                pos += len(item) + 1
            # the first item: the words before the list are not part of it (会议由X主持，A、B出席)
            first_start, first_end = items[0]
            length = next((n for n in (3, 2, 4) if first_end - n >= first_start
                           and self._listed_name(text[first_end - n:first_end])), 0)
            if not length:
                continue
            items[0] = (first_end - length, first_end)
            if all(self._listed_name(text[a:b]) for a, b in items):
                for a, b in items:
                    yield Candidate(a, b, "Person", "title_name", 0.6)

    def _name_shape(self, name: str) -> bool:
        """Whether ``name`` is shaped as a personal name: 2 to 4 Han characters after a surname
        (a two-character one for four), not a word jieba's dictionary knows well (总书记关于…), and
        not ending in a character that ends a title or a clause instead (副, 等, 在, 于)."""
        if not 2 <= len(name) <= 4 or not all(_HAN_RE.match(c) for c in name):
            return False
        if not (name[:1] in self.surnames or name[:2] in self.surnames):
            return False
        if len(name) == 4 and name[:2] not in self.surnames:
            return False
        return not (_frequent_word(name) or name[-1] in "副等在于")

    def _listed_name(self, name: str) -> bool:
        """A list item that reads as a personal name whole: a name's shape, no post, and no known
        place or body (江苏, 华为)."""
        if not self._name_shape(name) or (self.post_re and self.post_re.search(name)):
            return False
        return not any(e.type != "Person" for e in self.kb.candidates(name))

    def _names_before_group_titles(self, text):
        """王凯、孔昌生、孙守刚等省领导: the names listed before 等 and a group of leaders."""
        if self.group_title_re is None:
            return
        for m in self.group_title_re.finditer(text):
            if text[m.start() - 1:m.start()] != "等":
                continue
            end, found = m.start() - 1, []
            while True:
                start = max(text.rfind(c, 0, end) for c in "、，,。；：:“”（(\n ") + 1
                if not self._listed_name(text[start:end]):
                    break
                found.append((start, end))
                if text[start - 1:start] != "、":
                    break
                end = start - 1
            if len(found) >= 2 or (found and text[found[-1][0] - 1:found[-1][0]] in "，。；\n"):
                for start, end in found:
                    yield Candidate(start, end, "Person", "title_name", 0.6)

    def _name_length_at(self, text: str, p: int) -> int:
        """The length of the personal name that starts at ``p`` (2 to 4 Han characters after a
        surname, ending where a name ends), or 0."""
        best = None
        for length in (3, 2, 4):
            name = text[p:p + length]
            if len(name) < length or not self._name_shape(name):
                continue
            boundary = self._person_boundary(text, p + length)
            if not boundary:
                continue
            if name[-1] == "正" and _frequent_word(text[p + length - 1:p + length + 1]):
                continue          # 李强正在: 正 begins 正在; but 龚正 is a name
            if length == 2 and name[0] in self.travel_chars and name[1] in self.province_chars:
                continue          # 总书记来川视察: 来 is a surname, but 来川 is "came to Sichuan"
            if self.post_re is not None and self.post_re.fullmatch(name[1:]):
                continue          # 副县长任组长: 任 is a surname, but 组长 is a post
            # 李强于3月: a known name, or one followed by a word that follows names,
            # beats a longer one that only ends at a digit or punctuation
            # (an explicit follower word beats jieba's guess of a verb: 应炯|作工作报告, not 应炯作|工作)
            score = (2 if any(e.type == "Person" for e in self.kb.candidates(name)) else 0) + \
                (1 if boundary in ("word", "follower") else 0) + (0.5 if boundary == "follower" else 0) + \
                (0.25 if boundary == "follower" and self._follower_length(text, p + length) >= 2 else 0)
            # 张雷谈到: both 张雷谈|到 and 张雷|谈到 end before a follower; the longer follower wins
            if best is None or score > best[0]:
                best = (score, length)
        return best[1] if best is not None else 0

    def _names_before_titles(self, text):
        """A name followed by a post that names its body: 习近平总书记, 李强总理."""
        if self.name_then_post_re is not None:
            for m in self.name_then_post_re.finditer(text):
                name = m.group(1)
                if name[:1] in self.surnames or name[:2] in self.surnames:
                    if not self.kb.candidates(name) and self.post_re and self.post_re.fullmatch(name):
                        continue
                    if name[-1] in "副正原前总" or _frequent_word(name):
                        continue          # 由副财政司司长黄伟纶: 由副 is a preposition and half a title
                    longer = self.post_re.match(text, m.start(1)) if self.post_re else None
                    if longer and longer.end() > m.end(1):
                        continue  # 经济财政司司长: the "name" begins a longer title
                    yield Candidate(m.start(1), m.end(1), "Person", "title_name", 0.6)

    def ministry_departments(self, text):
        """工业和信息化部电子信息司司长: a department (司) of a body the KB lists, named before
        its head's title. Anchored on 司长 and 负责人, rare in text."""
        for m in _DEPARTMENT_HEAD.finditer(text):
            end = m.start() + 1                     # the 司 that ends the department's name
            if text.endswith("公司", 0, end):
                continue                            # …有限公司有关负责人: a company, not a department
            parent = None
            for k in range(2, 13):                  # the department's own name: 2 to 12 characters (职业教育与成人教育司)
                body_end = end - 1 - k
                if body_end < 2 or not all(_HAN_RE.match(c) for c in text[body_end:end]):
                    break
                if text[body_end:end] + "司长" in self.kb.posts:
                    break             # 经济财政司司长: the title of a Macao secretary, not a department
                if text[body_end] in "兼该":
                    break             # 副秘书长兼人事司司长, 该委体制改革综合司: the name starts after them
                parent = next((j for j in range(max(0, body_end - 14), body_end - 1) if _HAN_RE.match(text[j])
                               and any(e.type == "Organization" for e in self.kb.candidates(text[j:body_end]))), None)
                if parent is not None:
                    yield Candidate(parent, end, "Organization", "body_title", 0.7)
                    break
            if parent is None:
                # 工业和信息化部副部长王志军，规划司司长卢山: a department named alone, of the ministry
                # named before it (the linker finds which, or drops it)
                start = self._stop_before(text, end - 1, 10, False)
                start = max(start, text.rfind("、", start, end) + 1, text.rfind("兼", start, end) + 1)
                if text.startswith("该", start) and end - start > 4:
                    start += 2        # 该委体制改革综合司: "that commission's" department, of the body named before
                name = text[start:end]
                if 3 <= end - start and not self.kb.candidates(name) \
                        and not name.endswith("公司") and name + "司长" not in self.kb.posts \
                        and all(_HAN_RE.match(c) for c in text[start:end]) \
                        and not self._title_inside(text, start, end - 1):
                    yield Candidate(start, end, "Organization", "department_short", 0.6)

    def development_zones(self, text):
        """合肥高新技术产业开发区, 芜湖经开区, 东莞市长安镇: a zone or town named after (or right
        after) a place the KB knows. Anchored on the zone word, the place read back from it."""
        for m in _ZONE_WORD.finditer(text):
            # 成都东部新区: a new area after a full place name only (滨湖新区 is not 滨湖区's)
            start = self._zone_start(text, m.start(), bare_county=m.group() != "新区")
            if start is not None:
                yield Candidate(start, m.end(), "Place", "zone", 0.7)
        for m in _TOWN.finditer(text):
            found = None
            for j in (2, 1, 3):                     # the town's own name, before 镇/乡/街道
                name_start = m.start() - j
                if name_start < 2 or not all(_HAN_RE.match(c) for c in text[name_start:m.start()]) or \
                        any(c in "的在和与及" for c in text[name_start:m.start()]):
                    continue          # 永宁县的闽宁镇: the town's name is 闽宁
                if any(text[name_start - k:name_start] in self.place_names
                       and text[name_start - k:name_start].endswith(("市", "县", "区", "旗")) for k in (2, 3, 4, 5)):
                    found = name_start
                    break
            if found is not None and not self.kb.candidates(text[found:m.end()]):
                yield Candidate(found, m.end(), "Place", "county", 0.7)

    def zone_bodies(self, text):
        """凤阳经开区管委会, 苏州工业园区党工委, 郑州航空港经济综合实验区管委会: a zone's management
        committee or party working committee, after the zone's name (a zone word read back to its
        place, or a zone the KB lists); 园区管委会 or 党工委 alone is the article's zone's."""
        for m in _ZONE_BODY_WORD.finditer(text):
            zone = _ZONE_WORD_END.search(text, max(0, m.start() - 10), m.start())
            start = self._zone_start(text, zone.start()) if zone else None
            if start is None:
                start = next((m.start() - k for k in range(min(16, m.start()), 1, -1)
                              if self.kb.place(text[m.start() - k:m.start()], ZONE_CATEGORIES)), None)
            if start is not None:
                yield Candidate(start, m.end(), "Organization", "zone_body", 0.75)
            elif not _HAN_RE.match(text[m.start() - 1:m.start()] or " ") or \
                    text.endswith(self.bare_zone_words, 0, m.start()) or self._stop_word_ending(text, m.start(), False):
                bare = next((w for w in self.bare_zone_words if text.endswith(w, 0, m.start())), "")
                yield Candidate(m.start() - len(bare), m.end(), "Organization", "zone_body_short", 0.6)

    def _zone_start(self, text: str, end: int, bare_county: bool = True) -> int | None:
        """Where a zone's name starts: the place right before the zone word (芜湖经开区), or a
        place and a short brand of its own (威海火炬高技术产业开发区, 威海临港经济技术开发区);
        a county's bare name (晋江经济开发区) only where no full place name fits."""
        for names in (self.place_names, self.zone_place_names) if bare_county else (self.place_names,):
            for brand in range(0, 5):
                brand_start = end - brand
                if brand and (brand_start < 2 or not all(_HAN_RE.match(c) for c in text[brand_start:end])
                              or any(c in "的和与及、" for c in text[brand_start:end])):
                    break
                for k in range(7, 1, -1):     # the longest place (马鞍山, not the 鞍山 inside it)
                    start = brand_start - k
                    if start >= 0 and text[start:brand_start] in names:
                        # 六盘山工业园区: a word jieba knows runs into the place from the left
                        # (盘山 is a county, 六盘山 a mountain), so the place is not named here
                        if any(_frequent_in_jieba(text[a:b]) for a in range(max(0, start - 2), start)
                               for b in range(max(start + 1, a + 3), brand_start + 1)):
                            return None
                        return start
        return None

    def named_clusters(self, text):
        """无锡市物联网集群, 广州市、佛山市、惠州市超高清视频和智能家电集群: a city's named industrial
        cluster (the designation of the national cluster lists) is a programme."""
        for m in re.finditer("集群", text):
            for k in range(4, 16):
                start = m.start() - k
                if start < 0 or not _HAN_RE.match(text[start]):
                    break
                place = next((n for n in (text[start:start + j] for j in (3, 2, 4, 5)) if n in self.place_names
                              and n.endswith(("市", "州", "省"))), None)
                if place is not None and not re.search(r"[，。；的]", text[start:m.start()]) and \
                        len(text[start + len(place):m.start()]) >= 2:
                    yield Candidate(start, m.end(), "Program", "project", 0.7)
                    break

    def speaker_names(self, text):
        """刘捷指出，…: a name with no title, at the head of a clause, right before a speech
        verb. jieba (with its HMM, which guesses unseen names) must segment it as one word
        tagged as a personal name, so 文件指出 and 会议强调 stay out."""
        import jieba.posseg

        if self.speaker_name_re is None:
            return
        for m in self.speaker_name_re.finditer(text):
            name = m.group(1)             # the whole head of the clause, 2 to 4 characters
            if not (name[:1] in self.surnames or name[:2] in self.surnames) or self.kb.candidates(name):
                continue
            words = jieba.posseg.lcut(text[m.start(1):m.end(1) + 2])
            # a name jieba's dictionary holds as a frequent word (蓝图 is tagged nr there) is not one
            if words and words[0].word == name and words[0].flag == "nr" and _jieba_frequency(name) < FREQUENT_WORD:
                yield Candidate(m.start(1), m.end(1), "Person", "speaker_name", 0.6)

    def _title_inside(self, text: str, start: int, end: int) -> bool:
        """Whether a post title stands in text[start:end] (then it is a clause, not one name)."""
        return self.post_re is not None and self.post_re.search(text, start, end) is not None

    def _follower_length(self, text: str, pos: int) -> int:
        return max((len(w) for w in self.followers if text.startswith(w, pos)), default=0)

    def _person_boundary(self, text, pos):
        """"end" (text ends or a non-Han character follows), "follower" (a word that follows names),
        "word" (a word jieba tags as a verb or adverb), or ""."""
        if pos >= len(text) or not _HAN_RE.match(text[pos]):
            return "end"
        if any(text.startswith(w, pos) for w in self.followers):
            # 主任刘家和，: a conjunction joins two things; before punctuation 和 ends the name itself
            if text[pos] in "和与及同" and (pos + 1 >= len(text) or text[pos + 1] in "，。；：、,.;:！？!?）)」』”\n"):
                return ""
            return "follower"
        # 省委书记沈晓明深入株洲: no list holds every verb; jieba's dictionary knows 深入 is one
        return "word" if _starts_with_verb(text[pos:pos + 6]) else ""

    def bodies_after_places(self, text):
        """深圳市科技创新委员会, 前海…管理局: a place the KB knows, then a name ending in a body word."""
        for m in self.place_body_re.finditer(text):
            start, end = m.start(), m.end()
            body = m.group(2)
            # 投资促进局: a verb that names what the body does is part of its body word
            head = next((h for h in self.verb_body_heads if text.endswith(h, start, end)), m.group(3))
            if any(c in body for c in "的、，。“”") or self._stop_before(text, end - len(head), 16, False) > m.end(1):
                continue                  # a verb or particle inside: a clause, not a name
            if self.post_re is not None and any(p.end() <= m.start(3) or p.end() == end
                                                for p in self.post_re.finditer(text, m.start(2), end)):
                continue                  # 湖南省委书记沈晓明部署, 江苏省委常委: a title inside or at the end, not a body
            if _last_word(text[start:end])[1].startswith("v"):
                continue                  # 浙江省与多家企业签署: the "suffix" ends a verb
            if not self.kb.candidates(text[start:end]):
                yield Candidate(start, end, "Organization", "place_body", 0.7)

    def county_places(self, text):
        """成都市郫都区, 南充市高坪区: a district or county right after a city the KB knows."""
        for m in self.county_re.finditer(text):
            city = [e for e in self.kb.candidates(m.group(1)) if e.type == "Place"]
            start = m.start(2)
            if text[start] in "和与及" and self.kb.place(text[start + 1:m.end(2)], COUNTY_CATEGORIES) is not None:
                start += 1        # 泰兴市和海陵区: a conjunction, then a district the KB knows
            if city and (start > m.start(2) or not self.kb.candidates(m.group(2))):
                yield Candidate(start, m.end(2), "Place", "county", 0.7)

    def county_bodies(self, text):
        """德清县人民政府, 中共武汉市东西湖区委, 昆山市政府: a county-level government or party
        committee written in full, which no list holds (the linker names it as titles do)."""
        for m in self.county_body_word_re.finditer(text):
            k = self._place_length_before(text, m.start())
            if k is None:
                continue
            place = text[m.start() - k:m.start()]
            if self.kb.place(place, COUNTY_CATEGORIES) is None:
                continue
            if self.post_re is not None and self.post_re.match(text, m.end()):
                continue          # 虎丘区委副书记、代区长吴琦: a title, which the relation rules read with its place
            start = m.start() - k
            city = self._place_length_before(text, start)      # 武汉市东西湖区委: the city before it
            if city is not None and text[start - city:start].endswith(("市", "州", "盟")):
                start -= city
            if text.startswith("中共", start - 2):
                start -= 2
            yield Candidate(start, m.end(), "Organization", "county_body", 0.8)

    def regional_shorts(self, text):
        """省工信厅, 市政府: a body of the province or city the article is about."""
        # 涉及市发展改革委、市科技创新委、市前海管理局等部门: in a list, any body word will do
        for m in self.listed_short_re.finditer(text):
            if m.group() in self.kb.posts:
                continue  # 省委常委、武汉市委书记郭元强: a post in a list of titles, not a body
            yield Candidate(m.start(), m.end(), "Organization", "regional_short", 0.6)
        # 省委、省政府召开…: the bare party committee, where it acts rather than titles someone
        for m in self.party_short_re.finditer(text):
            yield Candidate(m.start(), m.end(), "Organization", "regional_short", 0.7)
        if self.regional_short_re is None:
            return
        for m in self.regional_short_re.finditer(text):
            if m.start() > 0 and _HAN_RE.match(text[m.start() - 1]) and text[m.start() - 1] not in "在由和与及、的将为是对向同" \
                    and not self._stop_word_ending(text, m.start(), False):
                continue  # 江苏省工信厅 is matched whole by the knowledge base; 落实省政府印发的 is a verb, then the body
            yield Candidate(m.start(), m.end(), "Organization", "regional_short", 0.7)

    def institutions(self, text):
        """之江实验室, 西湖大学, 北京智源人工智能研究院: a short name, then an institution word."""
        for m in self.institution_re.finditer(text):
            # 研究所参加, 协会副秘书长陈士华, 超级计算中心揭牌: what follows a name, not more of it
            if not (self._followed_well(text, m.end()) or text.startswith(self.institution_followers, m.end())
                    or (self.post_re is not None and self.post_re.match(text, m.end()))):
                continue
            # 中国科学院西安光学精密机械研究所: academy institutes carry long names
            start = self._stop_before(text, m.start(), 16, False)
            # 之江实验室、西湖大学 / 之江实验室和西湖大学: one name per list item; but 与 inside
            # 上海微系统与信息技术研究所 joins words of one name
            start = max(start, text.rfind("、", start, m.start()) + 1)
            for sep in "和与及":
                cut = text.rfind(sep, start, m.start())
                # 公司愿与实验室: after a modal or an adverb, 与 is "with", not part of a name
                if cut > start and (any(text.endswith(x, 0, cut) for x in self.list_item_endings)
                                    or text[cut - 1] in self.modal_chars):
                    start = cut + 1
            start = self._drop_leading(text, start, m.start())
            start += _leading_function_words(text[start:m.start()])   # 统筹…中心, 企业到…交易所
            if self._title_inside(text, start, m.start()):
                continue          # 基金会董事长江丙坤与海峡两岸关系协会: a title inside, not one name
            core = self._strip_generic(text[start:m.start()])
            if len(core) < 2 or core in self.generic or text[start:m.end()] in self.kb.generic_terms \
                    or _COUNTED_BODIES.match(text, start):
                continue          # 全国重点实验室, 高等学校, 四所国家重点实验室: no name before the word
            end = m.end()
            # 山东大学（威海）: a university's campus, named by its city in brackets, is its own name
            campus = CAMPUS.match(text, end)
            if campus and campus.group(1) in self.zone_place_names:
                end = campus.end()
            if end > m.end() or not self.kb.candidates(text[start:end]):
                yield Candidate(start, end, "Organization", "institution", 0.7)

    def terms_and_congresses(self, text):
        """中共杭州市第十二届委员会 (a body in its Nth term) and 中国共产党杭州市第十三次代表大会
        / 杭州市第十三次党代会 (a party congress of a region). Anchored on 第N届/第N次, rare in
        text, and the region read back from there (an alternation of every region name
        tried at every position cost more than the rest of the recognizer)."""
        for m in self.nth_re.finditer(text):
            kind, tail = m.group(1), text[m.end():m.end() + 12]
            heads = self.term_heads if kind == "届" else ("代表大会", "党代会")
            head = next((h for h in heads if tail.startswith(h)), None)
            if head is None:
                continue
            region = next((k for k in range(min(10, m.start()), 1, -1)
                           if text[m.start() - k:m.start()] in self.place_names), None)
            if region is None:
                continue
            start = m.start() - region
            party = next((x for x in ("中国共产党", "中共") if text.endswith(x, 0, start)), "")
            if kind == "次" and head == "代表大会" and not party:
                continue          # 某市第N次代表大会 without 中共 may be a congress of anything
            end = m.end() + len(head)
            session = _SESSION.match(text, end) if kind == "届" else None
            if session:
                # 山东省第十四届人民代表大会第二次会议: a session of the congress is an event
                yield Candidate(start - len(party), session.end(), "Event", "congress", 0.8)
                continue
            yield Candidate(start - len(party), end, "Organization" if kind == "届" else "Event",
                            "termed_body" if kind == "届" else "congress", 0.8)
        # 中央财经委员会第四次会议, 国务院第十次常务会议, 粤港合作联席会议第二十三次会议: the Nth
        # meeting of a body the KB lists, or of a body named by its last word
        for m in _NUMBERED_MEETING.finditer(text):
            start = None
            for j in range(max(0, m.start() - 20), m.start() - 1):
                if any(e.type == "Organization" for e in self.kb.candidates(text[j:m.start()])):
                    start = j
                    break
            if start is None:
                # 省政府第84次常务会议, 市委第5次会议: the body of the region the article is about
                short = _REGIONAL_MEETING_BODY.search(text, max(0, m.start() - 6), m.start())
                if short:
                    start = short.start()
            if start is None:
                named = re.search(rf"[{HAN}]{{2,14}}(联席会议|合作会议|委员会|领导小组)$", text[max(0, m.start() - 16):m.start()])
                if named:
                    # the body's name runs left from its last word to a stop word (主持沪港合作会议)
                    start = self._stop_before(text, m.start() - len(named.group(1)), 14, False)
                    start = max(start, m.start() - len(named.group()))
            if start is None:
                # 科技委员会今日举行2025年第一次全体会议: held by the clause's subject, named by its year
                held = re.search(r"(?:举行|召开)了?((?:\d{4}|今|本|明)年(?:度)?)?$", text[max(0, m.start() - 10):m.start()])
                clause = text[max(text.rfind(c, 0, m.start()) for c in "，。；\n") + 1:m.start()]
                # (人大常委会第十八次会议在太原举行第三次全体会议: a sitting of a session named before)
                if held and not re.search("会议|大会", clause[:-len(held.group())]):
                    start = m.start() - len(held.group(1) or "")
                    if m.start() - start < 2:
                        yield Candidate(start, m.end(), "Event", "congress", 0.65)
                        continue
            if start is not None and text[start] in "年月日号" and text[start - 1:start].isdigit():
                start += 1        # 28日中国共产党武汉市第十四届委员会: the date's unit opens no name
            if start is not None and m.start() - start >= 2:
                yield Candidate(start, m.end(), "Event", "congress", 0.75)
        # 省政府常务会议, 湖南省人民政府常务会议: a regional government's executive meeting, unnumbered
        for m in _EXECUTIVE_MEETING.finditer(text):
            if _NUMBERED_MEETING.match(text, m.end()) or text.startswith("精神", m.end()):
                continue
            region = self._place_length_before(text, m.start())
            if region is not None:
                yield Candidate(m.start() - region, m.end(), "Event", "congress", 0.75)
            elif m.start() > 0 and text[m.start() - 1] in "省市县":
                yield Candidate(m.start() - 1, m.end(), "Event", "congress", 0.7)
        # 省委常委会会议, 甘肃省委常委会扩大会议: a party committee's standing committee in session
        for m in _PARTY_STANDING_MEETING.finditer(text):
            if _NUMBERED_MEETING.match(text, m.end()) or text.startswith("精神", m.end()):
                continue
            region = self._place_length_before(text, m.start()) or 0
            if text.startswith("中共", m.start() - region - 2):
                region += 2          # 中共甘肃省委常委会会议
            yield Candidate(m.start() - region, m.end(), "Event", "congress", 0.75)
        # 山东省十四届人大二次会议, 省政协十三届二次会议: the short form of a session
        for m in _SHORT_SESSION.finditer(text):
            region = self._place_length_before(text, m.start())
            if region is not None:
                yield Candidate(m.start() - region, m.end(), "Event", "congress", 0.75)

    def _place_length_before(self, text: str, pos: int) -> int | None:
        """The length of the longest place name (up to ten characters) ending at ``pos``."""
        return next((k for k in range(min(10, pos), 1, -1) if text[pos - k:pos] in self.place_names), None)

    def strategic_projects(self, text):
        """粤港澳大湾区建设, 上海国际金融中心建设: a listed region or a designated centre, built;
        数字重庆(建设), 平安浙江: a brand made of a prefix and a province or city name."""
        for rx in (self.project_re, self.brand_re):
            if rx is None:
                continue
            for m in rx.finditer(text):
                yield Candidate(m.start(), m.end(), "Program", "project", 0.75)
        # the centre first (rare in text), then the place right before it: an alternation of
        # every place name tried at every character was the recognizer's slowest pattern
        if self.centre_word_re is not None:
            for m in self.centre_word_re.finditer(text):
                k = next((k for k in range(min(12, m.start()), 1, -1)
                          if text[m.start() - k:m.start()] in self.place_names), None)
                if k is not None:
                    end = m.end() + (2 if text.startswith("建设", m.end()) else 0)
                    yield Candidate(m.start() - k, end, "Program", "project", 0.75)

    #: rule extractors whose organisation names take their left edge from the text before a suffix
    LEFT_EDGE_CHECKED = frozenset({"company", "body_title", "institution", "suffix"})

    def find(self, text):
        for c in self._find(text):
            if c.label == "Organization" and c.extractor in self.LEFT_EDGE_CHECKED:
                start = _organisation_start(text, c.start, c.end, self.kb, self.organisation_introducers)
                if start is None:
                    continue
                c = replace(c, start=start)
            yield c

    def _find(self, text):
        yield from self.book_titles(text)
        yield from self.strategic_projects(text)
        yield from self.terms_and_congresses(text)
        yield from self.institutions(text)
        yield from self.quoted_programs(text)
        yield from self.suffix_names(text)
        yield from self.companies(text)
        yield from self.bodies_before_titles(text)
        yield from self.county_places(text)
        yield from self.county_bodies(text)
        yield from self.bodies_after_places(text)
        yield from self.title_names(text)
        yield from self.speaker_names(text)
        yield from self.ministry_departments(text)
        yield from self.development_zones(text)
        yield from self.zone_bodies(text)
        yield from self.free_trade_zone_areas(text)
        yield from self.airports(text)
        yield from self.diplomatic_missions(text)
        yield from self.named_clusters(text)
        yield from self.regional_shorts(text)
        yield from self.towns(text)
        yield from self.listed_companies(text)

    def airports(self, text):
        """成都天府国际机场, 卢森堡芬德尔机场: a place the KB knows, a name of up to four
        characters and 机场 (anchored on the rare word; the place is read back from it)."""
        for m in _AIRPORT.finditer(text):
            for start, head in _han_heads(text, m.start(), 8):
                place = next((k for k in range(len(head), 1, -1)
                              if any(e.type == "Place" for e in self.kb.candidates(head[:k]))), None)
                if place is not None and len(head) - place <= 4:
                    yield Candidate(start, m.end(), "Place", "airport", 0.75)
                    break

    def diplomatic_missions(self, text):
        """法国驻华大使馆, 德国驻成都总领事馆: a country the KB knows, 驻, where, and the
        mission (anchored on 驻; a mission written without its country is left alone)."""
        for m in _MISSION.finditer(text):
            for start, head in _han_heads(text, m.start(), 10):
                if any(e.type == "Place" and e.category == "country" for e in self.kb.candidates(head)):
                    yield Candidate(start, m.end(), "Organization", "mission", 0.8)
                    break

    def free_trade_zone_areas(self, text):
        """中国（浙江）自由贸易试验区杭州片区, 河南自贸试验区郑州片区: an area of a pilot free
        trade zone is a programme of its own, like the zone."""
        for m in _FTZ_AREA.finditer(text):
            yield Candidate(m.start(), m.end(), "Program", "ftz_area", 0.8)

    def listed_companies(self, text):
        """引进隆基、晶科、东方日升、福莱特、通威等行业头部企业: the short names listed before
        等…企业 are companies, known or not."""
        if self.company_list_re is None:
            return
        for m in self.company_list_re.finditer(text):
            # 陶瓷、铝型材、五金等传统产业中小企业, 压缩机、电机…等配套企业: trades or parts
            if any(w in text[m.end(1):m.end()] for w in self.trade_list_words):
                continue
            pos, found = m.start(1), []
            for item in m.group(1).split("、"):
                start, end = pos, pos + len(item)
                pos = end + 1
                if start == m.start(1):
                    # the first item: drop the words that introduce the list (先后引进)
                    start = end - _trailing_name_part(item)
                name = text[start:end]
                if not 2 <= len(name) <= 8 or name in self.kb.generic_terms or \
                        any(e.type != "Organization" for e in self.kb.candidates(name)):
                    continue
                found.append((start, end))
            # and when most of the names no list holds are everyday words (not 隆基, 晶科)
            unknown = [text[s:e] for s, e in found if not self.kb.candidates(text[s:e])]
            if unknown and sum(map(_frequent_word, unknown)) * 2 >= len(unknown):
                continue
            for start, end in found:
                yield Candidate(start, end, "Organization", "company_list", 0.6)

    def towns(self, text):
        """钟管镇、雷甸镇、新市镇党委, 麦寮乡: townships no list holds, where a list, a clause
        start or a town body (党委, 政府) shows the word is a name, and jieba does not know
        it as a common word (城镇, 乡镇, 小镇)."""
        for m in _TOWN_NAMED_ALONE.finditer(text):
            name, start = m.group(1), m.start(1)
            if name[0] in "在和与及的" and len(name) > 3:
                name, start = name[1:], start + 1     # 在麦寮乡: the preposition, then the town
            if name in self.kb.generic_terms or _frequent_word(name) or self.kb.candidates(name) \
                    or name[0] in "各每全本该多两几诸其此" \
                    or (_frequent_word(name[:-1]) and not _noun_word(name[:-1])):
                continue      # 城镇, 各乡镇, 小城镇; but 新安镇, 溪口镇 (新安, 溪口: names jieba knows)
            yield Candidate(start, m.end(1), "Place", "town", 0.65)


# --------------------------------------------------------------------------------------
# Rules over English text
# --------------------------------------------------------------------------------------
class EnglishPatterns:
    """Title + name, organisation and event names in English articles."""

    CAP = r"[A-Z][a-zA-Z\-]+(?:'(?!s\b)[a-zA-Z]+)?"      # O'Neil, but not Xi Jinping's

    def __init__(self, kb: KnowledgeBase, rules: dict):
        self.kb = kb
        titles = [p.title for p in kb.posts.values() if p.lang == "en"]
        for p in kb.posts.values():
            titles += [t for t in p.en if t and t[0].isupper()]
        titles = sorted(set(titles) | {"Premier", "President", "Vice Premier", "Minister", "Governor",
                                       "Vice Governor", "Mayor", "Chairman", "Secretary", "Chancellor",
                                       "Prime Minister", "Vice President", "Vice Minister", "Vice Mayor",
                                       "Party Secretary", "Ambassador", "Commissioner"}, key=len, reverse=True)
        alt = _alternation(titles)
        # Minister of Commerce Wang Wentao; Minister for Trade and Tourism Don Farrell (a
        # portfolio's words joined by "and" stay with the portfolio)
        self.title_name_re = re.compile(rf"\b(?:{alt})(?: (?:of|for) (?:the )?(?:{self.CAP}(?: and {self.CAP})? ?)+?)? "
                                        rf"({self.CAP}(?: {self.CAP}){{1,2}})\b")
        # China (Xuchang)-Germany Economic and Trade Cooperation Meeting: capitalised words, a
        # place in brackets after one, and the function words of English titles between them
        cap_run = rf"{self.CAP}(?: \({self.CAP}\)(?:-{self.CAP})?)?(?: (?:and|of|for|on)(?= {self.CAP}))?"
        self.event_re = re.compile(rf"\b((?:the )?(?:\d{{4}} |{EN_ORDINAL} )?(?:{cap_run} )+(?:Conference|Summit|Forum|Expo|Congress|Fair|Exhibition|Symposium|Dialogue|Theme Day|"
                                   rf"Consultations|Roundtable|Cooperation Meeting|Promotion Meeting|Executive Meeting|Work Meeting|"
                                   rf"Annual Meeting(?: of the (?:{self.CAP} )*{self.CAP})?)(?: \d{{4}})?)\b"
                                   r"(?! (?:Center|Centre|Hall|Park|Venue|Building|Complex|Secretariat|Office|Committee))")   # a venue or a body, not the event
        # the 20th National Congress of the CPC; the fifth plenary session of the 11th CPC Anhui
        # Provincial Committee; the 12th session of the 14th NPC Standing Committee: a numbered
        # sitting of a body is an event, the body's name running to its last capitalised word
        word = rf"(?:{self.CAP}|CPC|NPC|CPPCC)"
        body = rf"(?:{EN_ORDINAL} )?{word}(?:'s {word}| (?:(?:of the|of|and) )?{word}| \([A-Z]{{2,6}}\))*"
        self.session_re = re.compile(
            rf"\b((?:{EN_ORDINAL}) (?:plenary session|full session|session|meeting|round of (?:{self.CAP} )*(?:[a-z-]+ ){{0,2}}consultations|(?:{self.CAP} )+Congress) of the {body})(?![A-Za-z])")
        self.airport_re = re.compile(rf"\b((?:{self.CAP} ){{1,4}}(?:International )?Airport)\b")
        # the 16th China-Australia Joint Ministerial Economic Commission: a numbered meeting of
        # a joint commission is a sitting (an event), not the standing body
        self.joint_session_re = re.compile(
            rf"\b({EN_ORDINAL} (?:{self.CAP} )*Joint (?:{self.CAP} )*(?:Commission|Committee)(?: Meeting)?)\b")
        # the Consulate General of France in Wuhan, the German Embassy in China
        where = rf"(?:the )?{self.CAP}(?: (?:of )?{self.CAP}){{0,3}}"
        self.mission_re = re.compile(rf"\b((?:Embassy|Consulate[- ]General|Consulate) of {where} in {where}|"
                                     rf"(?:{self.CAP} ){{1,3}}(?:Embassy|Consulate[- ]General|Consulate) in {where})\b")
        # "Invest in China" brand, its "Ten Actions", the "two unwavering" principles: a short
        # quoted name a programme word follows or an implementing verb governs
        self.quoted_re = re.compile(r"[\"“]([A-Za-z0-9][^\"“”,.;:!?]{0,40}?)[\"”]")
        self.quote_heads = re.compile(rf" (?:{_alternation(rules.get('en_quoted_programme_heads', ()))})\b")
        self.code_tail = re.compile(rf"(?: [a-z-]+){{0,3}} (?:{_alternation(rules.get('en_code_heads', ()))})\b")
        self.quote_anchor = re.compile(rf"\b(?:{_alternation(rules.get('en_quote_anchor_words', ()))})"
                                       r"(?: (?:the|its|their|a|an|[A-Z][\w-]*'s))?\s*$")
        self.programme_re = re.compile(rf"\b((?:{self.CAP} ){{1,5}}(?:Initiative|Programme|Program|Strategy|Action Plan))\b")
        self.org_re = re.compile(rf"\b((?:{self.CAP} )+(?:Co\., Ltd\.|Corporation|Company|Group|Ministry|Commission|Bureau|Administration|"
                                 rf"Board|Office|Council|Authority|Agency|Association|Federation|Institute|Foundation)"
                                 rf"(?: (?:of|for) (?:the )?{self.CAP}(?: (?:and )?{self.CAP}){{0,3}})?)")
        # Implementation Plan for Promoting Equipment Renewal in the Industrial Sector; 14th
        # Five-Year Plan; Energy Law: title-case words around a document head, with the
        # function words of English titles between them
        # a quoted word is part of a title: Three-Year Action Plan for "Data Element x" (2024-2026)
        word = r"(?:[A-Z0-9][A-Za-z0-9'’-]*|\"[A-Z][^\"]{0,30}\"|“[A-Z][^”]{0,30}”)"
        heads = _alternation(sorted(rules.get("en_document_heads", ()), key=len, reverse=True))
        years = r"(?: \(\d{4}[-–—]\d{4}\))?"
        self.document_re = re.compile(
            rf"\b((?:{word} ){{0,6}}(?:{heads}){years}(?: (?:for|on|of|to) (?:(?:{word}|of|for|on|and|in|the|to|with|by|as|a|an) ){{0,32}}{word})?{years})(?![A-Za-z])"
        ) if heads else None
        lower_verbs = rules.get("en_lower_document_verbs", ())
        lower_heads = sorted(rules.get("en_lower_document_heads", ()), key=len, reverse=True)
        self.lower_document_re = re.compile(
            rf"\b(?:{_alternation(lower_verbs)}) (?:a|an|a new|its|the first) "
            rf"((?:{_alternation(lower_heads)}) (?:on|to|for) [^,.;:()]{{6,160}}?)(?=,|\.|;|:| as | that | which | in a | in (?:\d{{4}}|[A-Z])| on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|$)",
            re.M) if lower_verbs and lower_heads else None
        self.generic_title_words = set(rules.get("en_generic_title_words", ()))
        self.document_heads = sorted(rules.get("en_document_heads", ()), key=len, reverse=True)
        self.programme_heads = set(rules.get("en_programme_heads", ()))

    #: Shen Zhulin, deputy head of the NDA, …: a name before a post in apposition (Robert Habeck,
    #: Vice Chancellor of Germany: capitalised too, for foreign officials no list holds)
    #: Wang Chuanfu, BYD's chairman and president, …: or with the body before a possessive
    APPOSITIVE_NAME = re.compile(
        r"(?<![\w.-])((?:[A-Z][a-z]+)(?: [A-Z][a-z]+){1,2}), (?:(?:the |a )?(?:[a-z-]+,? |[A-Z][a-z]+ ){0,4}?(?i:head|minister|director|"
        r"director-general|director general|vice-president|vice president|governor|mayor|chairman|chairwoman|president|secretary|secretary-general|spokesperson|"
        r"spokesman|commissioner|administrator|chief|ambassador|premier|chancellor|manager|founder|"
        r"chief executive officer|chief executive|executive|CEO) (?:of|at|for)\b|(?:[A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,3})'s (?:[a-z-]+ ){0,2}?"
        r"(?:chairman|chairwoman|president|founder|chief executive|CEO|head|director|general manager|manager|"
        r"secretary|spokesperson|spokesman|vice president|ambassador|minister|envoy)\b)")
    #: chairman and president Fang Hongbo, chairwoman Dong Mingzhu, MOFCOM spokesperson Shu
    #: Jueting: a lower-case post right before a name (the capitalised titles are in title_name_re)
    LOWER_TITLE_NAME = re.compile(
        r"(?<![A-Za-z])(?:chairman|chairwoman|president|chief executive officer|chief executive|CEO|general manager|"
        r"vice president|founder|spokesperson|spokesman|spokeswoman)(?: and (?:chairman|chairwoman|president|chief executive officer|chief executive|CEO|"
        r"general manager))? ((?:[A-Z][a-z]+)(?: [A-Z][a-z]+){1,2})\b")
    NOT_NAMES = {"The", "This", "That", "These", "In", "On", "At", "By", "For", "And", "But", "Government", "Ministry",
                 "Commission", "Committee", "Bureau", "Office", "Administration", "Council", "Municipal", "Provincial",
                 "Group", "Company", "University", "Bank", "Association", "Department", "Agency", "Party", "State"}

    def find(self, text):
        for m in self.LOWER_TITLE_NAME.finditer(text):
            words = m.group(1).split()
            if not self.NOT_NAMES & set(words) and not any(e.type != "Person" for e in self.kb.candidates(m.group(1))):
                yield Candidate(m.start(1), m.end(1), "Person", "en_title_name", 0.7)
        for m in self.APPOSITIVE_NAME.finditer(text):
            words = m.group(1).split()
            # Shanghai Pudong, …: a place first is no name; but a given name may spell a place
            # too (Zhou Jian, Jian for 吉安), so only the first word counts
            if not self.NOT_NAMES & set(words) and not self.kb.candidates(m.group(1)) and \
                    not any(e.type == "Place" for e in self.kb.candidates(words[0])):
                yield Candidate(m.start(1), m.end(1), "Person", "en_title_name", 0.7)
        for m in self.title_name_re.finditer(text):
            name = m.group(1)
            if text.endswith("-based ", 0, m.start(1)):
                continue          # CEO of Shenzhen-based UBTech Robotics: the company, not a person
            if self.kb.candidates(name) and not any(e.type == "Person" for e in self.kb.candidates(name)):
                continue
            yield Candidate(m.start(1), m.end(1), "Person", "en_title_name", 0.8)
        for m in self.event_re.finditer(text):
            s = m.start(1) + (4 if m.group(1).startswith(("the ", "The ")) else 0)
            yield Candidate(s, m.end(1), "Event", "en_pattern", 0.6)
        for m in self.airport_re.finditer(text):
            yield Candidate(m.start(1), m.end(1), "Place", "airport", 0.7)
        for m in self.mission_re.finditer(text):
            s = m.start(1) + (4 if m.group(1).startswith(("The ", "the ")) else 0)
            yield Candidate(s, m.end(1), "Organization", "mission", 0.75)
        for m in self.session_re.finditer(text):
            yield Candidate(m.start(1), m.end(1), "Event", "en_pattern", 0.65)
        for m in self.joint_session_re.finditer(text):
            yield Candidate(m.start(1), m.end(1), "Event", "en_pattern", 0.65)
        yield from self.quoted_programmes(text)
        for m in self.programme_re.finditer(text):
            words = m.group(1).split()
            if words[0] in ("The", "A", "An", "This", "That"):
                continue
            yield Candidate(m.start(1), m.end(1), "Program", "en_pattern", 0.6)
        for m in self.org_re.finditer(text):
            start = m.start(1)
            words = m.group(1).split()
            # Hangzhou-based Zhejiang Geely Holding Group: where it is based is no part of the name
            while len(words) > 2 and words[0].endswith(("-based", "-headquartered")):
                start += len(words.pop(0)) + 1
            if words[0] in ("The", "A", "An"):
                continue
            yield Candidate(start, m.end(1), "Organization", "en_pattern", 0.5)
        if self.document_re is not None:
            yield from self.documents(text)
        yield from self.lower_case_documents(text)

    def quoted_programmes(self, text):
        for m in self.quoted_re.finditer(text):
            inner = m.group(1)
            if len(inner.split()) > 6 or inner.islower() and len(inner.split()) == 1:
                continue
            if not re.search(r"[A-Za-z]{2}", inner):
                # the "1650" industrial system, the "1+N" policy framework: a number code is
                # a name only with the words that say what it numbers
                tail = self.code_tail.match(text, m.end())
                if tail:
                    yield Candidate(m.start(), tail.end(), "Program", "en_quoted", 0.6)
                continue
            headed = self.quote_heads.match(text, m.end())
            governed = inner[0].isupper() or inner[0].isdigit()
            if headed or governed and self.quote_anchor.search(text, max(0, m.start() - 48), m.start()):
                if any(e.type not in ("Program", "Policy") for e in self.kb.candidates(inner)):
                    continue          # a quoted place or body is not a programme
                yield Candidate(m.start(1), m.end(1), "Program", "en_quoted", 0.6)

    def lower_case_documents(self, text):
        """"unveiled a guideline to develop its silver economy": the description is the name
        (English reports rarely give a document's title in title case)."""
        if self.lower_document_re is None:
            return
        for m in self.lower_document_re.finditer(text):
            if len(m.group(1).split()) <= 16:
                yield Candidate(m.start(1), m.end(1), "Policy", "en_document", 0.5)

    def documents(self, text):
        """Named documents in title case; "the Action Plan" alone is not a name."""
        for m in self.document_re.finditer(text):
            start, name = m.start(1), m.group(1)
            while name.split(" ", 1)[0] in ("The", "A", "An", "This", "That", "Its", "Under", "In", "By"):
                cut = name.find(" ") + 1
                if cut <= 0:
                    break
                start, name = start + cut, name[cut:]
            words = [w for w in re.findall(r"[A-Za-z0-9'’-]+", name) if w[0].isupper() or w[0].isdigit()]
            if not any(w not in self.generic_title_words for w in words):
                continue
            head = next(h for h in self.document_heads if re.search(rf"\b{re.escape(h)}\b", name))
            label = "Program" if head in self.programme_heads else "Policy"
            yield Candidate(start, start + len(name), label, "en_document", 0.6)


# --------------------------------------------------------------------------------------
# spaCy components
# --------------------------------------------------------------------------------------
class KBRuler:
    """Matches every knowledge-base name; a thin adapter over :class:`KnowledgeBase`.

    spaCy's PhraseMatcher takes ~10 s to compile 100,000 aliases, paid on every run of
    ``kg build``; a dictionary keyed by each alias's first character finds the same
    spans (all of them, nested ones too, for the resolver to choose from) and builds in
    well under a second.
    """

    def __init__(self, nlp: Language, kb: KnowledgeBase, weak: bool = True):
        self.kb = kb
        english = nlp.lang == "en"
        self.strong: set[str] = set()
        self.weak: set[str] = set()
        for name, _ in kb.iter_aliases(weak=False):
            if english and not re.search("[A-Za-z]", name):
                continue          # Chinese aliases never occur in English articles
            self.strong.add(name.lower())
        if weak:
            for e in kb.entries.values():
                self.weak.update(w.lower() for w in e.weak_aliases if len(w) > 1)
            self.weak -= self.strong
        # Every proper prefix of every alias: the scan from a position stops as soon as the
        # text read so far starts no alias (usually after one or two characters), instead
        # of trying every alias length that the first character has (dozens for 中 or 国).
        self.prefixes: set[str] = set()
        for name in self.strong | self.weak:
            for k in range(1, len(name)):
                self.prefixes.add(name[:k])

    def _word_of_names(self, text, start, end, words) -> bool:
        import bisect

        starts = [s for s, _ in words]
        i = bisect.bisect_right(starts, start) - 1
        if i < 0:
            return True
        ws, we = words[i]

        def named(piece):
            return not piece or piece in "省市县区州" or bool(self.kb.candidates(piece))

        if we >= end:                      # inside one word: the rest of it must be names too
            return named(text[ws:start]) and named(text[end:we])
        j = bisect.bisect_left(starts, end)   # across words: it must start and end on their edges
        return ws == start and (j == len(words) or starts[j] == end)

    def matches(self, text: str):
        """(start, end, weak) for every alias occurrence, nested ones included; at each
        start the longest first."""
        low = text.lower()
        n = len(low)
        prefixes, strong, weak = self.prefixes, self.strong, self.weak
        for i in range(n):
            found = None
            j = i + 1
            while j <= n:
                piece = low[i:j]
                if piece in strong:
                    found = [(i, j, False)] if found is None else found + [(i, j, False)]
                elif piece in weak:
                    found = [(i, j, True)] if found is None else found + [(i, j, True)]
                if piece not in prefixes:
                    break
                j += 1
            if found:
                yield from reversed(found)

    def __call__(self, doc: Doc) -> Doc:
        doc.spans.setdefault("kg_candidates", [])
        text = doc_text(doc)
        bounds = None
        for start, end, weak in self.matches(text):
            if _cuts_a_latin_word(text, start, end):
                continue      # "AP" inside "APP", "Li" inside "Lithium"
            entries = self.kb.candidates(text[start:end], weak=weak)
            if not entries:
                continue
            if text.endswith("大学", start, end) and text.startswith(("生", "城"), end) and \
                    not text.startswith("城市", end):
                continue      # 北京大学生, 广州大学城: students and a campus town, not the university
            if text[start].isascii() and text[start].islower() and all(e.type == "Place" for e in entries):
                continue      # "a mile", "long term": English writes place names capitalised (Mile, Long)
            if entries[0].type == "Place" and _HAN_RE.match(text[start]) and \
                    (end - start == 2 or (end - start == 3 and text[end - 1] in "市县区旗")):
                # 山西 inside 营山西站, 海城市 inside 上海城市: a short place name must be a word
                # of its own, or share its word only with other names (辽宁大连, 南充市)
                if bounds is None:
                    bounds = _WordSpans(text)
                if not self._word_of_names(text, start, end, bounds.around(start, end)):
                    continue
            if len(entries) > 1 and text[start].isascii():
                # the entry written exactly as the text gives the label (kg.link chooses it too)
                entries = sorted(entries, key=lambda e: not written_as(e, text[start:end]))
            add_candidate(doc, start, end, entries[0].type, "kb", 0.6 if weak else 0.95,
                          tuple(x.id for x in entries))
        return doc


def _word_spans(text: str) -> list[tuple[int, int]]:
    """jieba's words as (start, end), in order."""
    import jieba

    jieba.setLogLevel(60)
    return [(s, e) for _, s, e in jieba.tokenize(text)]


class _WordSpans:
    """jieba's words of a text, segmented one block at a time, where they are asked for.

    jieba splits a text into blocks of Han characters, Latin letters and digits and
    segments each block alone, so the words of the block that holds a match are exactly
    the words the whole text's segmentation has there. Segmenting only those blocks
    gives :func:`_word_spans`'s answer to :meth:`KBRuler._word_of_names` at a fraction of
    the cost (the whole text cost about 9 s of a 10,000-article build).
    """

    def __init__(self, text: str):
        import jieba

        jieba.setLogLevel(60)
        self.text = text
        self.blocks = [(m.start(), m.end()) for m in jieba.re_han_default.finditer(text)]
        self.starts = [b[0] for b in self.blocks]
        self.words: dict[int, list[tuple[int, int]]] = {}
        self.everything: list[tuple[int, int]] | None = None

    def around(self, start: int, end: int) -> list[tuple[int, int]]:
        """The words of the block holding ``start:end`` (in order), and where the next begins."""
        import bisect

        import jieba

        i = bisect.bisect_right(self.starts, start) - 1
        if i >= 0 and end <= self.blocks[i][1]:
            found = self.words.get(i)
            if found is None:
                bs, be = self.blocks[i]
                found = [(bs + s, bs + e) for _, s, e in jieba.tokenize(self.text[bs:be])]
                if be < len(self.text):
                    found.append((be, be + 1))    # a word starts where the block ends
                self.words[i] = found
            return found
        if self.everything is None:      # a match across blocks: the whole text, as before
            self.everything = _word_spans(self.text)
        return self.everything


def _cuts_a_latin_word(text: str, start: int, end: int) -> bool:
    """A Latin alias must match whole words, also when the tokens are single characters."""
    inner = text[start:end]
    if not inner[:1].isascii() and not inner[-1:].isascii():
        return False
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return (inner[:1].isalnum() and inner[:1].isascii() and before.isascii() and before.isalnum()) or \
        (inner[-1:].isalnum() and inner[-1:].isascii() and after.isascii() and after.isalnum())


class PatternRecognizer:
    """Adds the spans proposed by :class:`ChinesePatterns` or :class:`EnglishPatterns`."""

    def __init__(self, nlp: Language, kb: KnowledgeBase, rules: dict):
        self.patterns = EnglishPatterns(kb, rules) if nlp.lang == "en" else ChinesePatterns(kb, rules)

    def __call__(self, doc: Doc) -> Doc:
        doc.spans.setdefault("kg_candidates", [])
        for c in self.patterns.find(doc_text(doc)):
            add_candidate(doc, c.start, c.end, c.label, c.extractor, c.score, alignment_mode="expand")
        return doc


class SpanResolver:
    """Chooses the final entity spans: longest first, then by rule priority.

    Spans a statistical model proposed are kept only when confirmed (see
    :meth:`confirmed`); rules and the knowledge base win every overlap with them.
    """

    NESTABLE_IN = {"Policy", "Program", "Event"}

    def __init__(self, kb: KnowledgeBase | None = None, rules: dict | None = None):
        self.kb, self.rules = kb, rules or {}

    def confirmed(self, span: Span) -> Span | None:
        """A statistical span known to the KB (with its ids), or of the shape of its type."""
        text = span.text
        if self.kb is None:
            return span
        known = [e for e in self.kb.candidates(text) if e.type == span.label_]
        if known:
            return with_meta(span, candidates=tuple(e.id for e in known))
        if text in self.kb.generic_terms or text in self.kb.concepts:    # 商业银行, 有关部门
            return None
        return span if self._shape_ok(span) else None

    def _titles(self) -> list[str]:
        if not hasattr(self, "_title_list"):
            self._title_list = [p.title for p in self.kb.posts.values() if p.lang == "zh"] + ["记者", "编辑"]
        return self._title_list

    def _shape_ok(self, span: Span) -> bool:
        text = span.text
        if span.label_ == "Person":
            han = all(_HAN_RE.match(c) for c in text)
            if not (han and 2 <= len(text) <= 4 and (text[:1] in self.kb.surnames or text[:2] in self.kb.surnames)):
                return False
            if len(text) == 2 and _jieba_frequency(text) >= COMMON_TWO_CHARACTER_WORD:
                return False      # 蓝图指出: a common word heads the clause, as for the rules' names
            if len(text) == 2 and text[0] in self.rules.get("travel_chars", "") and \
                    text[1] in self.rules.get("province_one_char_names", ""):
                return False      # 来川, 赴京: going to a province, as for the rules' names
            # a name follows punctuation, a title or a function word, not the middle of a word
            full, i = doc_text(span.doc), span.start_char
            before = full[i - 1] if i > 0 else "。"
            if not (not _HAN_RE.match(before) or before in "和与及同在对向由据是为等" or
                    any(full.endswith(t, 0, i) for t in self._titles())):
                return False
            # ... and is followed by punctuation, a word that follows names (rules.yaml), or a title:
            # a model that cuts 潘贤掌 to 潘贤 leaves a Han character the name does not end on
            j = span.end_char
            after = full[j] if j < len(full) else "。"
            return (not _HAN_RE.match(after) or
                    any(full.startswith(w, j) for w in self.rules.get("name_followers", ())) or
                    any(full.startswith(t, j) for t in self._titles()))
        if span.label_ == "Organization":
            suffixes = tuple(self.rules.get("ner_org_suffixes", ()))
            if len(text) < 4 or not text.endswith(suffixes):
                return False
            # the suffix must be a word of its own (国家数据|局), not the end of one (发展|大局),
            # nor the start of one the next character makes (工业经济|处于, 发展格|局面), a post
            # aside (市财政局|局长)
            word, tag = _last_word(text)
            if not (word in suffixes or tag == "nt" or word.endswith(("有限公司", "公司", "集团"))):
                return False
            full, j = doc_text(span.doc), span.end_char
            joined = text[-1:] + full[j:j + 1]
            return not (len(joined) == 2 and _jieba_frequency(joined) > 0 and joined not in self._titles())
        if span.label_ == "Place":
            return len(text) >= 3 and text.endswith(tuple(self.rules.get("ner_place_suffixes", ())))
        return False

    def __call__(self, doc: Doc) -> Doc:
        # 党的十八大以来: an event named as a point in time is not mentioned as an event
        all_cands = [s for s in doc.spans.get("kg_candidates", [])
                     if not (s.label_ == "Event" and doc_text(doc).startswith("以来", s.end_char))]
        cands = [s for s in all_cands if not s._.kg_extractor.startswith("ner")]
        chosen = _resolve(cands)
        # a statistical span only fills a gap the rules and the KB left (else 李强星 beats 李强)
        taken = {i for s in chosen for i in range(s.start, s.end)}
        statistical = [self.confirmed(s) for s in all_cands if s._.kg_extractor.startswith("ner")]
        for span in _resolve([s for s in statistical if s is not None]):
            if not any(i in taken for i in range(span.start, span.end)):
                chosen.append(span)
                taken.update(range(span.start, span.end))
        chosen.sort(key=lambda s: s.start)
        chosen = self._propagate(doc, chosen)
        doc.ents = [s for s in chosen]
        # entities never overlap, so the one covering a span's first token is the only
        # candidate outer span (a scan of all of them per span is quadratic on long texts)
        cover = {}
        for c in chosen:
            for i in range(c.start, c.end):
                cover[i] = c
        nested = []
        for span in cands:
            if span._.kg_extractor != "kb" or span.label_ not in ("Organization", "Place", "Person"):
                continue
            outer = cover.get(span.start)
            if outer is not None and not (span.end <= outer.end and outer != span):
                outer = None
            # a zone names its place (沭阳经济技术开发区), and so does a county's body (德清县人民政府):
            # the county is mentioned, and its bodies (县委, 县政府) are named after it
            if outer is not None and (outer.label_ in self.NESTABLE_IN or
                                      (outer._.kg_extractor in ("zone", "airport") and span.label_ == "Place"
                                       and span.start == outer.start) or
                                      (outer._.kg_extractor in ("county_body", "zone_body") and span.label_ == "Place")):
                nested.append(span)
        # 中共 inside 中共成都市委 inside an event's name: only the outermost body is named
        orgs = [n for n in nested if n.label_ == "Organization"]
        nested = [n for n in nested if n.label_ != "Organization" or not any(
            o is not n and o.start <= n.start and n.end <= o.end and len(o) > len(n) for o in orgs)]
        doc.spans["kg_nested"] = nested
        return doc

    @staticmethod
    def _propagate(doc: Doc, chosen: list[Span]) -> list[Span]:
        """A name found once by a rule is a mention wherever else it occurs."""
        taken = [False] * len(doc)
        for s in chosen:
            for i in range(s.start, s.end):
                taken[i] = True
        found = {}
        for s in chosen:
            if s._.kg_extractor != "kb" and len(s.text) >= 2:
                found.setdefault(s.text, s)
        extra = []
        text = doc_text(doc)
        for surface, proto in found.items():
            pos = text.find(surface)
            while pos >= 0:
                span = doc.char_span(pos, pos + len(surface), label=proto.label_)
                if span is not None and not any(taken[i] for i in range(span.start, span.end)):
                    # a regional short form (省委) stays one: the linker resolves it to the region's body
                    how = "regional_short:propagated" if proto._.kg_extractor == "regional_short" else "propagated"
                    span = with_meta(span, extractor=how, score=proto._.kg_score * 0.9,
                                     candidates=proto._.kg_candidates)
                    extra.append(span)
                    for i in range(span.start, span.end):
                        taken[i] = True
                pos = text.find(surface, pos + len(surface))
        return sorted(chosen + extra, key=lambda s: s.start)


#: jieba parts of speech a name may be followed by: verbs, adverbs, prepositions, conjunctions
_AFTER_NAME_TAGS = {"v", "vd", "vi", "vn", "d", "p", "c", "ad", "t"}


_ZONE_WORD = re.compile(r"(?:国家)?(?:高新技术产业开发区|高技术产业开发区|经济技术开发区|高新技术开发区|经济开发区|综合保税区|"
                        r"保税区|高新区|经开区|工业园区|产业园区|工业园|产业园|新区)")
#: a zone's management committee or party working committee (not 管委会主任's 主任, which is a title)
_ZONE_BODY_WORD = re.compile(_alternation(ZONE_COMMITTEE_WORDS + ZONE_PARTY_WORDS))
_ZONE_WORD_END = re.compile(_ZONE_WORD.pattern + "$")
_FTZ_AREA = re.compile(rf"(?:中国[（(][{HAN}]{{2,3}}[）)]自由贸易试验区|[{HAN}]{{2,3}}自贸试验区|[{HAN}]{{2,3}}自由贸易试验区)"
                       rf"[{HAN}]{{2,5}}?片区")
_AIRPORT = re.compile(r"(?:国际)?机场")
_MISSION = re.compile(rf"驻[{HAN}]{{1,8}}?(?:总领事馆|总领馆|大使馆|领事馆|使馆)")


def _han_heads(text: str, end: int, longest: int):
    """(start, text[start:end]) for the runs of two or more Han characters that end at
    ``end``, the longest (up to ``longest``) first: where a name before an anchor word may
    start (成都天府|国际机场, 法国|驻华大使馆)."""
    for start in range(max(0, end - longest), end - 1):
        head = text[start:end]
        if all(_HAN_RE.match(c) for c in head):
            yield start, head
_TOWN = re.compile(r"(?:镇|乡|街道)(?!党委|政府|人民政府|办事处)")
_DEPARTMENT_HEAD = re.compile(r"司(?=司长|副司长|负责人|有关负责人)")
_DIGITS = "一二三四五六七八九十"
_NUM = f"[{_DIGITS}]+"
_REGIONAL_MEETING_BODY = re.compile(r"[省市县](?:人民政府|政府|委|委常委会)$")
_EXECUTIVE_MEETING = re.compile(r"(?:人民)?政府常务会议")
_JOINT_EVENT_TAIL = re.compile(r"暨[^，。；、：“”《》\s（）()]{2,24}?(?:仪式|活动|会议|大会|会|节|周)")
_PARTY_STANDING_MEETING = re.compile(r"(?:省|市|县|区|州|自治区党|自治州|政治局)(?:委)?常委会(?:扩大)?会议")
_NUMBERED_MEETING = re.compile(r"第[一二三四五六七八九十百零\d]+次(?:全体会议|常务会议|会议|集体学习)")
_SESSION = re.compile(rf"第{_NUM}次(?:会议|全体会议)")
_SHORT_SESSION = re.compile(rf"(?<![第{_DIGITS}]){_NUM}届(?:人大|政协|人大常委会)第?{_NUM}次(?:会议|全会)")


#: How often jieba's dictionary must hold a word for it to count as an everyday word.
FREQUENT_WORD = 50


def _jieba_frequency(word: str) -> int:
    import jieba.posseg

    jieba.posseg.dt.tokenizer.check_initialized()
    return jieba.posseg.dt.tokenizer.FREQ.get(word) or 0


def _frequent_in_jieba(word: str) -> bool:
    """Whether jieba's dictionary holds ``word`` often."""
    return _jieba_frequency(word) >= FREQUENT_WORD


#: How often jieba's dictionary must hold a two-character word for a model's span of it not to be
#: a name (蓝图 333, 高峰 1556, 文件 4288; jieba tags 蓝图 nr). Of the 70 two-character names of
#: people in the KB, the most frequent as words are 汪洋 275 and 李强 159.
COMMON_TWO_CHARACTER_WORD = 300


def _frequent_word(word: str) -> bool:
    """A word jieba's dictionary holds often and not as a personal name (关于, 发展)."""
    import jieba.posseg

    return _jieba_frequency(word) >= FREQUENT_WORD and \
        jieba.posseg.dt.word_tag_tab.get(word, "") not in ("nr", "nrfg", "nrt")


def _noun_word(word: str) -> bool:
    """jieba's dictionary tags the word as a noun or a name (n, ns, nz, j ...), not as an
    adjective, a verb or a measure word (小, 各, 重)."""
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab.get(word, "")[:1] in ("n", "j")


def _starts_with_verb(text: str) -> bool:
    """True when ``text`` opens with a word of two or more characters that jieba's
    dictionary tags as a verb, adverb, preposition or conjunction (深入, 专程, 就)."""
    import jieba.posseg

    for pair in jieba.posseg.cut(text, HMM=False):
        return len(pair.word) >= 2 and pair.flag in _AFTER_NAME_TAGS
    return False


def _trailing_name_part(text: str) -> int:
    """How many characters at the end of ``text`` come after its last verb, adverb,
    preposition or conjunction by jieba's dictionary (先后引进|隆基 -> 2)."""
    import jieba.posseg

    words = jieba.posseg.lcut(text, HMM=False)
    kept = 0
    for pair in reversed(words):
        # 引进了|晶科: an aspect particle (u) ends the verb phrase too
        if (pair.flag[:1] in ("v", "d", "p", "c") or pair.flag in ("ul", "uz", "ug", "uguo")) and kept:
            break
        kept += len(pair.word)
    return kept


_ONE_BY_ONE = re.compile(r"^一.一.$")
_NUMERAL_CHARS = frozenset("一二两三四五六七八九十百千万双")
_COUNTED_BODIES = re.compile(r"[\d一二两三四五六七八九十百几多数]+[家所座个]")
#: 山东大学（威海）: a campus named by its place in brackets
CAMPUS = re.compile(rf"[（(]([{HAN}]{{2,4}})[)）]")
_COUNTED = re.compile(r"^[\d一二两三四五六七八九十百]+[个项份条批]")


def _slogan(inner: str) -> bool:
    """A quoted phrase that is a slogan or a method, not a programme's name: a list of
    parallel pieces (敢转、能转、会转; 智造世界·创造美好), 一企一策, or an everyday word
    put in quotes (推动“换新”与“回收”, 打造“升级版”)."""
    if "、" in inner or "·" in inner:
        return True
    if _ONE_BY_ONE.match(inner) or inner.endswith("版"):
        return True
    if len(inner) == 2 and inner[0] not in _NUMERAL_CHARS:
        return True           # “两新”, “双碳” are programmes; “换新”, “回收” words
    return len(inner) <= 3 and _frequent_word(inner)


_TOWN_NAMED_ALONE = re.compile(rf"(?:^|(?<=[、，。；：\s在和与及”])|(?<=支持|推动|来到|走进|前往|深入))([{HAN}]{{2,3}}[镇乡])"
                               rf"(?=[、，。；和与及]|党委|人民政府|政府|介绍|发言|作|等|一名|探索|调研|考察)", re.M)
_PREPOSITIONS = frozenset("到在向把对为与和及从")


def _leading_function_words(text: str) -> int:
    """How many characters at the start of ``text`` are verbs, prepositions, adverbs or
    a word and a preposition (统筹, 组建, 企业到) by jieba's dictionary: they introduce a
    name and are not part of it. A verb further in may be the name's own (苏州市具身智能…)."""
    import jieba.posseg

    words = jieba.posseg.lcut(text, HMM=False)
    if len(words) > 1 and words[0].flag[:1] in ("v", "p", "d", "c"):
        return len(words[0].word)
    if len(words) > 2 and words[1].word in _PREPOSITIONS:
        return len(words[0].word) + 1
    return 0


def _organisation_start(text: str, start: int, end: int, kb, words_before: dict) -> int | None:
    """The left edge of an organisation's name found by its suffix, with the words that
    introduce it cut off by jieba's dictionary: a leading verb, preposition or conjunction
    (既有|湖南裕能…公司, 借助|研究院), a party and 与 before it (旗里与|中国科学院), or a
    subject and its verb before a place (宜宾引进|宜宾锂宝…公司). None when only the bare
    suffix would remain (借助研究院): that is no name. ``words_before`` is rules.yaml's
    ``organisation_introducers``, each list a set."""
    import jieba.posseg

    none = frozenset()
    party_joiners = words_before.get("party_joiners", none)
    name_openers = words_before.get("name_openers", none)
    joining_verbs = words_before.get("joining_verbs", none)
    parent_links = words_before.get("parent_links", none)

    name = text[start:end]
    words = jieba.posseg.lcut(name, HMM=False)
    cut, pos = 0, 0

    def place(word):         # 大连 is also an adverb ("even") to jieba
        return any(e.type == "Place" for e in kb.candidates(word))

    for i, w in enumerate(words[:6]):
        pos += len(w.word)
        rest = len(name) - pos
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w.word in parent_links:
            if rest < 4:
                return None
            cut = pos
        elif i >= 4:
            continue
        elif i == 0 and w.flag[:1] in ("v", "p", "c", "d") and w.flag != "vn" and \
                (len(w.word) >= 2 or w.word in party_joiners) and not place(w.word):
            if rest < 4:
                return None
            cut = pos
        elif w.word in party_joiners and nxt is not None and rest >= 4 and \
                (nxt.flag in ("ns", "nt") or place(nxt.word) or kb.candidates(name[pos:])):
            cut = pos
        elif len(w.word) >= 2 and nxt is not None and rest >= 4 and (w.word in joining_verbs or (
                i >= 1 and w.flag in ("v", "c") and (nxt.flag in ("ns", "nt") or nxt.word in name_openers))):
            cut = pos           # 宜宾引进|宜宾锂宝…, 还委托|国家开发投资集团…, 市政府将会同|市科学技术局

    return start + cut


def _last_word(text: str) -> tuple[str, str]:
    """The last word of ``text`` and its part of speech, by jieba's dictionary (no HMM
    guesses): "nt" marks the names of bodies it lists (中国科学院, 招商银行)."""
    import jieba.posseg

    words = jieba.posseg.lcut(text, HMM=False)
    return (words[-1].word, words[-1].flag) if words else ("", "")


def _resolve(cands: list[Span]) -> list[Span]:
    def rank(s: Span):
        return (len(s.text), PRIORITY.get(s._.kg_extractor, 0), s._.kg_score)

    chosen, taken = [], set()
    for span in sorted(cands, key=rank, reverse=True):
        idx = range(span.start, span.end)
        if any(i in taken for i in idx):
            continue
        chosen.append(span)
        taken.update(idx)
    return sorted(chosen, key=lambda s: s.start)


@Language.factory("kg_kb_ruler", default_config={"data_dir": None, "weak": True})
def make_kb_ruler(nlp: Language, name: str, data_dir: str | None, weak: bool):
    return KBRuler(nlp, load_kb(data_dir), weak=weak)


@Language.factory("kg_pattern_recognizer", default_config={"data_dir": None, "rules": None})
def make_pattern_recognizer(nlp: Language, name: str, data_dir: str | None, rules: str | None):
    return PatternRecognizer(nlp, load_kb(data_dir), load_rules(rules))


@Language.factory("kg_span_resolver", default_config={"data_dir": None})
def make_span_resolver(nlp: Language, name: str, data_dir: str | None):
    return SpanResolver(load_kb(data_dir), load_rules())


# --------------------------------------------------------------------------------------
# The recognizer used by the pipeline
# --------------------------------------------------------------------------------------
NER_BACKENDS = ("auto", "rules", "spacy", "hanlp")


def build_nlp(lang: str, data_dir: str | None = None, ner: str = "auto", ner_model: str | None = None) -> Language:
    """A blank spaCy pipeline for ``lang`` ("zh" or "en") with policykg's components.

    ``ner`` picks the statistical recognizer beside the rules for Chinese: "spacy" (the
    model trained by ``scripts/train_ner.py`` and shipped in ``kg/data/models/zh_ner``),
    "hanlp" (a HanLP model from ``ner_model`` or ``$HANLP_HOME``), "rules" (none), or
    "auto": the shipped spaCy model when it is there, else none.
    """
    import spacy

    if ner not in NER_BACKENDS:
        raise ValueError(f"unknown NER backend {ner!r}; choose one of {', '.join(NER_BACKENDS)}")
    nlp = spacy.blank("en" if lang == "en" else "zh")
    nlp.add_pipe("kg_kb_ruler", config={"data_dir": data_dir})
    nlp.add_pipe("kg_pattern_recognizer", config={"data_dir": data_dir})
    if lang != "en":
        from . import ner as _ner  # registers the factories

        if ner == "auto":
            ner = "spacy" if _ner.MODEL_DIR.joinpath("config.cfg").is_file() else "rules"
        if ner == "spacy":
            nlp.add_pipe("kg_statistical_ner", config={"model": ner_model})
        elif ner == "hanlp":
            nlp.add_pipe("kg_hanlp_ner", config={"model": ner_model})
    nlp.add_pipe("kg_span_resolver", config={"data_dir": data_dir})
    return nlp


class Recognizer:
    """Runs the right pipeline for each article and returns plain :class:`Mention` records."""

    def __init__(self, data_dir: str | None = None, ner: str = "auto", ner_model: str | None = None):
        self.data_dir, self.ner, self.ner_model = data_dir, ner, ner_model
        self._nlp: dict[str, Language] = {}

    def nlp(self, lang: str) -> Language:
        key = "en" if lang == "en" else "zh"
        if key not in self._nlp:
            self._nlp[key] = build_nlp(key, self.data_dir, self.ner, self.ner_model)
        return self._nlp[key]

    def __call__(self, article: Article) -> list[Mention]:
        text = article.simplified or article.text
        nlp = self.nlp(article.language)
        doc = nlp.make_doc(text)
        doc.user_data[TEXT_KEY] = text         # see doc_text: the components read it often
        return doc_mentions(nlp(doc))


def doc_mentions(doc: Doc) -> list[Mention]:
    out, text = [], doc_text(doc)
    for span, nested in [(s, False) for s in doc.ents] + [(s, True) for s in doc.spans.get("kg_nested", [])]:
        cands = span._.kg_candidates
        out.append(Mention(
            start=span.start_char, end=span.end_char, text=text[span.start_char:span.end_char], label=span.label_,
            extractor=span._.kg_extractor + (":nested" if nested else ""), score=span._.kg_score,
            candidates=tuple(cands or ())))
    return sorted(out, key=lambda m: (m.start, -m.end))
