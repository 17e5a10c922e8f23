"""Relate: typed relations between linked mentions, each with the sentence that states it.

Rules over plain data (an article, its sentences, its linked mentions), one function a
relation family:

* :func:`positions`     post titles between a body and a name (工业和信息化部党组书记、部长金壮龙),
                        titles that imply their body (总理 -> 国务院), English titles and appositives;
* :func:`visits`        在 X 调研, 来到 X, visit(ed) … in X;
* :func:`locations`     a city beside its province, a company named after its city, an event
                        opening in a place;
* :func:`event_roles`   由 A、B 共同主办的 E; a person who 出席/致辞/主持 an event;
* :func:`programme_verbs` an actor and the verb that governs a policy or programme:
                        实施/推进/开展 -> implements, 制定/出台/印发 -> issued,
                        推动/支持/鼓励 -> promotes (a person can only promote).

The actor of a clause is found in this order: an actor at the head of the clause, a
pronoun (他, 我们) resolved to the last speaker, the speaker of the sentence (X表示 …), and
the subject carried over from earlier sentences, as Chinese prose leaves it unstated.
Confidence is a prior per rule and per way the subject was found; see ``kg/calibrate.py``.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

from .calibrate import Calibration, load_calibration
from .kb import COUNTY_CATEGORIES, KnowledgeBase, is_latin
from .link import corpus_entity_id, county_body_name
from .normalize import split_sentences
from .recognize import CAMPUS, load_rules
from .records import Article, Entity, Mention, Relation, Sentence

#: Longer "sentences" (a run-on line with no full stop, a flattened table) get no
#: relations: real ones stay under 400 characters, and the rules cost the square of the length.
MAX_SENTENCE_CHARS = 2000
ACTORS = {"Person", "Organization", "Place"}
COMPANY_CATEGORIES = {"company", "bank", "insurer", "soe"}
PROGRAMMES = {"Policy", "Program"}

#: Prior confidence of each extractor (before calibration).
PRIOR = {
    "title_implied": 0.9, "title_body": 0.9, "title_company": 0.75, "title_region": 0.75, "title_shared": 0.75, "en_title": 0.85, "en_appositive": 0.75,
    "visit_frame": 0.8, "visit_carried": 0.6,
    "title_recent": 0.7, "located_town": 0.6, "organizer_known": 0.8, "located_adjacent": 0.85, "located_known": 0.7, "located_table": 0.8, "located_company": 0.8, "located_zone": 0.85, "located_event": 0.8, "located_frame": 0.7,
    "organized_frame": 0.85, "participated_frame": 0.75, "participated_carried": 0.6, "participated_invited": 0.7, "participated_speaking": 0.6,
    "responsible_list": 0.7, "issuer_before_title": 0.8, "verb_explicit": 0.7, "verb_by": 0.75, "verb_speaker": 0.65, "verb_pronoun": 0.6, "verb_carried": 0.5, "verb_carried_body": 0.4,
    "verb_continued": 0.5, "led_by": 0.75, "verb_meeting": 0.6,
}


@dataclass
class _Ctx:
    article: Article
    text: str
    entities: dict[str, Entity]
    kb: KnowledgeBase
    rules: dict
    out: list[Relation] = field(default_factory=list)
    seen: set = field(default_factory=set)
    zh_titles: list = field(default_factory=list)
    calibration: Calibration = field(default_factory=Calibration)
    main_region: dict = field(default_factory=dict)      # "province"/"city" -> KB place id
    sentence_mentions: list = field(default_factory=list)
    last_company: Mention | None = None    # the company the previous sentence named last
    previous_bodies: list = field(default_factory=list)   # the previous sentence's organisations

    def type_of(self, m: Mention) -> str:
        e = self.entities.get(m.entity_id)
        return e.type if e else m.label

    def type_of_id(self, eid: str) -> str:
        e = self.entities.get(eid)
        return e.type if e else ""

    def listed_ends(self, s: str, o: str) -> int:
        """How many of the two ends are knowledge-base entries (a calibration feature)."""
        return sum(1 for e in (s, o) if (ent := self.entities.get(e)) is not None and ent.kb_id)

    def emit(self, s: str, p: str, o: str, sent: Sentence, extractor: str, title: str = ""):
        """Add a statement; its confidence is set by :func:`extract_relations` once every
        statement of the article is found (whether a relation repeats is a feature)."""
        if not s or not o or s == o:
            return
        key = (s, p, o, sent.start)
        if key in self.seen:
            return
        self.seen.add(key)
        self.out.append(Relation(
            subject=s, predicate=p, object=o, file_name=self.article.file_name,
            evidence=self.article.text[sent.start:sent.end], start=sent.start, end=sent.end,
            extractor=extractor, title=title))


class _Lexicon(list):
    """A word list (its order kept) that also finds its words by first and last character.

    The rules look for a verb or title ending at every character of a clause; trying only
    the words that end in that character, rather than all of them, made relation
    extraction about twice as fast (scripts/bench.py). Results are the same: the words
    are tried in the list's own order.
    """

    def __init__(self, words=()):
        super().__init__(words)
        self.by_first: dict[str, list[str]] = {}
        self.by_last: dict[str, list[str]] = {}
        for w in self:
            if w:
                self.by_first.setdefault(w[0], []).append(w)
                self.by_last.setdefault(w[-1], []).append(w)
        self.alternation = "|".join(re.escape(w) for w in self)


_LEXICONS: dict[int, tuple[object, dict]] = {}


def _lexicon_rules(rules: dict) -> dict:
    """``rules`` with every word list a :class:`_Lexicon` (built once per rules dict)."""
    found = _LEXICONS.get(id(rules))
    if found is None or found[0] is not rules:
        lexed = {k: _Lexicon(v) if isinstance(v, list) and all(isinstance(w, str) for w in v) else v
                 for k, v in rules.items()}
        found = _LEXICONS[id(rules)] = (rules, lexed)
    return found[1]


def _zh_titles(kb: KnowledgeBase) -> _Lexicon:
    found = getattr(kb, "_kg_zh_titles", None)
    if found is None:
        found = _Lexicon(sorted((p.title for p in kb.posts.values() if p.lang == "zh"), key=len, reverse=True))
        kb._kg_zh_titles = found
    return found


def _longest_at_end(text: str, end: int, words) -> str | None:
    if isinstance(words, _Lexicon):
        words = words.by_last.get(text[end - 1], ()) if 0 < end <= len(text) else ()
    for w in words:  # words are sorted longest first
        if end - len(w) >= 0 and text.startswith(w, end - len(w)):
            return w
    return None


def _longest_at(text: str, start: int, words) -> str | None:
    if isinstance(words, _Lexicon):
        words = words.by_first.get(text[start], ()) if 0 <= start < len(text) else ()
    for w in words:
        if text.startswith(w, start):
            return w
    return None


# --------------------------------------------------------------------------------------
def positions(ctx: _Ctx, sent: Sentence, ms: list[Mention]):
    """holdsPosition from titles next to a person's name."""
    text = ctx.text
    zh_titles = ctx.zh_titles
    ending_at = {m.end: m for m in ms}
    for person in [m for m in ms if ctx.type_of(m) == "Person"]:
        if ctx.article.language == "en":
            _english_positions(ctx, sent, ms, person)
            continue
        pos, group = _titles_back(ctx, sent, ms, person, person.start, ending_at)
        # 国家发展改革委党组成员，国家数据局党组书记、局长刘烈宏 / 重庆市委常委、秘书长，市政府常务副市长
        # 陈新武: a clause of nothing but bodies and titles before the name's own titles is his too
        while not group and pos < person.start and text[pos - 1] in "，," and \
                _titles_only_clause(ctx, sent, pos - 1, ending_at):
            pos, group = _titles_back(ctx, sent, ms, person, pos - 1, ending_at)
        if group and _bodyless_titles_after_colleague(ctx, sent, ms, person, group, pos):
            group = []
        if group:
            _bind_titles(ctx, sent, person, group, None)
        # 习近平总书记: the title right after the name
        t = _longest_at(text, person.end, zh_titles)
        if t:
            _bind_titles(ctx, sent, person, [t], None, after=True)
        _posts_stated_after(ctx, sent, ms, person)
    if ctx.article.language != "en":
        _shared_titles(ctx, sent, [m for m in ms if ctx.type_of(m) == "Person"])


def _posts_stated_after(ctx: _Ctx, sent: Sentence, ms: list[Mention], person: Mention):
    """喻渭蛟为圆通速递股份有限公司董事长, (任命)卢东亮为山西省副省长, 王均金同时担任浙商总会副会长:
    a verb of holding a post (rules.yaml's post_stating_verbs) after the name, then the body and
    its titles, to the end of the clause."""
    text = ctx.text
    verb = _from_rules(ctx, "post_stating", lambda rules: re.compile(
        f"(?:{_alternation(rules.get('post_adverbs', ()))})?({_alternation(rules.get('post_stating_verbs', ()))})"))
    mt = verb.match(text, person.end, sent.end)
    if mt is None:
        return
    pos, body = mt.end(), None
    starting_at = {m.start: m for m in ms if ctx.type_of(m) in ("Organization", "Place")}
    if pos in starting_at:
        body = starting_at[pos]
        pos = body.end
    titles = []
    while (t := _longest_at(text, pos, ctx.zh_titles)) is not None:
        titles.append(t)
        pos += len(t)
        if not text.startswith(("、", "兼"), pos):
            break
        pos += 1
    if not titles or pos < sent.end and not (text.startswith(("职务", "一职"), pos) or text[pos] in "，,。；;、）)"):
        return
    if body is None and mt.group(1) == "为":
        return          # 为企业负责人…: 为 alone is "for" as often as "is"
    _bind_titles(ctx, sent, person, list(reversed(titles)), body)


def _titles_back(ctx: _Ctx, sent: Sentence, ms: list[Mention], person: Mention, end: int, ending_at: dict):
    """Bind the titles and bodies that run back from ``end`` to ``person``; returns where the
    run stopped and the titles left with no body."""
    text = ctx.text
    zh_titles = ctx.zh_titles
    pos, group = end, []
    while pos > sent.start:
        t = _longest_at_end(text, pos, zh_titles)
        if t:
            shared = _body_inside_title(ctx, ms, pos, t)
            if shared is not None:
                # 上海市委副书记、市长应勇: the titles after it (市长) are in the list too
                titles = group + [t]
                if ctx.type_of(shared) == "Organization":
                    titles = _bind_regional_titles_apart(ctx, sent, person, titles)
                _bind_titles(ctx, sent, person, titles, shared, explicit_body=True)
                group, pos = [], shared.start
                continue
            group.append(t)
            pos -= len(t)
            continue
        if text[pos - 1] in "、兼":
            pos -= 1
            continue
        body = ending_at.get(pos)
        if body is None and group and text[pos - 1] in "：:" and pos - 1 > sent.start:
            # 山东省水利厅：党组书记、厅长黄红光 (a list item headed by its body)
            body = ending_at.get(pos - 1)
            if body is not None and ctx.type_of(body) != "Organization":
                body = None
        if body is not None and not group and ctx.type_of(body) == "Organization":
            # 中共中央政治局常委、…: a body mention that itself ends in a post title
            t = _longest_at_end(body.text, len(body.text), zh_titles)
            if t:
                _bind_titles(ctx, sent, person, [t], body, explicit_body=True)
                pos = body.start
                continue
        if body is None or ctx.type_of(body) not in ("Organization", "Place") or not group:
            break
        if ctx.type_of(body) == "Organization":
            group = _bind_regional_titles_apart(ctx, sent, person, group)
        _bind_titles(ctx, sent, person, group, body)
        group = []
        pos = body.start
    return pos, group


def _titles_only_clause(ctx: _Ctx, sent: Sentence, end: int, ending_at: dict) -> bool:
    """Whether the clause that ends at ``end`` holds nothing but bodies and titles
    (国家发展改革委党组成员 / 重庆市委常委、秘书长), from a clause break or the sentence start."""
    text, pos, titled = ctx.text, end, False
    while pos > sent.start and text[pos - 1] not in "，,；;：:":
        t = _longest_at_end(text, pos, ctx.zh_titles)
        if t:
            shared = _body_inside_title(ctx, ending_at.values(), pos, t)     # 重庆市委常委
            pos, titled = (shared.start if shared is not None else pos - len(t)), True
        elif text[pos - 1] in "、兼":
            pos -= 1
        elif (body := ending_at.get(pos)) is not None and ctx.type_of(body) in ("Organization", "Place") \
                and body.start >= sent.start:
            pos = body.start
        else:
            return False
    return titled and text[end - 1] not in "、兼"


def _body_inside_title(ctx: _Ctx, ms, pos: int, title: str) -> Mention | None:
    """浙江省委书记, 美国商务部长: the body whose last characters double as the first of the
    title ending at ``pos`` (the body mention ends inside the title and is the one meant)."""
    return next((m for m in ms if pos - len(title) < m.end < pos and m.start < pos - len(title) + 1
                 and ctx.type_of(m) in ("Organization", "Place")), None)


def _bind_regional_titles_apart(ctx, sent, person, titles):
    """中共中央政治局委员、市委书记袁家军: the body named is the first title's (titles run from
    the name back); a regional title further on (市委书记) is a post of the city the article
    is about, bound on its own. Returns the titles left for the named body."""
    # (a government title after a regional committee, 上海市委副书记、市长, is bound by
    # _government_posts from the committee's own place)
    regional = [t for t in titles[:-1] if ctx.kb.posts.get(t) and ctx.kb.posts[t].rank_of
                and not t.endswith(("长", "主任"))]
    if regional:
        _bind_titles(ctx, sent, person, regional, None)
    return [t for t in titles if t not in regional]


def _bodyless_titles_after_colleague(ctx, sent, ms, person, titles, pos) -> bool:
    """部长金壮龙，副部长辛国斌: a title with no body, right after a colleague's name and a
    comma, is a post in the colleague's body. True when it was bound so."""
    if pos <= sent.start or ctx.text[pos - 1] not in "，,":
        return False
    if _posts_held(ctx, sent, [person]):
        return False          # 省委常委、广州市委书记林克庆: a body of its own was named
    prev = next((m for m in ms if m.end == pos - 1 and ctx.type_of(m) == "Person"), None)
    if prev is None:
        return False
    # the colleague may be the last of a list after one title (副部长辛国斌、徐晓兰，总工程师…)
    chain = [prev] + [m for m in ms if m.end <= prev.start and ctx.type_of(m) == "Person"
                      and ctx.text[m.end:prev.start] in ("、", "和", "及")]
    bodies = [r.object for r in _posts_held(ctx, sent, chain, ("title_body", "title_shared"))]
    title = "、".join(reversed(titles))
    for body in dict.fromkeys(bodies):
        ctx.emit(person.entity_id, "holdsPosition", body, sent, "title_shared", title)
        # 烟台市委书记江成，市委副书记、市长郑德雁: the committee's city gives 市长 its government
        _government_posts(ctx, sent, person, titles, ctx.kb.get(body))
    return bool(bodies)


def _posts_held(ctx: _Ctx, sent: Sentence, people: list[Mention], extractors: tuple | None = None) -> list[Relation]:
    """The holdsPosition statements this sentence already gave ``people`` (by these rules)."""
    ids = {m.entity_id for m in people}
    return [r for r in ctx.out if r.subject in ids and r.predicate == "holdsPosition"
            and r.start == sent.start and (extractors is None or r.extractor in extractors)]


def _shared_titles(ctx: _Ctx, sent: Sentence, people: list[Mention]):
    """副主任刘苏社、赵辰昕、李春临: names listed after one title all hold it."""
    for prev, person in zip(people, people[1:]):
        if ctx.text[prev.end:person.start] not in ("、", "和", "及", "与"):
            continue
        if _longest_at_end(ctx.text, person.start, ctx.zh_titles):
            continue          # 省委书记张三、省长李四: the second name has its own title
        for r in _posts_held(ctx, sent, [prev], ("title_body", "title_implied", "title_region", "title_shared",
                                                  "title_recent")):
            ctx.emit(person.entity_id, "holdsPosition", r.object, sent, "title_shared", r.title)


def _bind_titles(ctx, sent, person, titles, body, after=False, explicit_body=False):
    kb_body = ctx.kb.get(body.entity_id) if body is not None else None
    foreign = kb_body is not None and kb_body.category == "country" and kb_body.id != "place:china"
    implied = [] if foreign else \
        [ctx.kb.posts[t].implies for t in titles if ctx.kb.posts.get(t) and ctx.kb.posts[t].implies]
    if explicit_body:
        # 经济财政司司长李伟农: the secretariat named in the title, and the government it is part of
        # (but 美国商务部长: not the Chinese ministry 商务部长 implies)
        parent = getattr(ctx.kb.get(body.entity_id) if body is not None else None, "parent", None)
        implied = [i for i in implied if i == parent]
    if body is None and not after and not implied and ctx.main_region:
        # 省委书记黄坤明 with no body named: the province (or city) the article is about
        ranked = [ctx.kb.posts[t] for t in titles if ctx.kb.posts.get(t) and ctx.kb.posts[t].rank_of]
        for post in ranked:
            rank = "county" if post.rank_of == "district" else post.rank_of
            region = _nearest_region(ctx, sent, person, rank) or ctx.main_region.get(rank)
            gov = _region_body_for(ctx, region, [post.title]) if region else None
            if gov is not None:
                _ensure_entity(ctx, gov.id)
                ctx.emit(person.entity_id, "holdsPosition", gov.id, sent, "title_region", post.title)
    if body is None and not after and not implied and titles and all(
            ctx.kb.posts.get(t) is not None and ctx.kb.posts[t].of_company for t in titles):
        # 来到科大讯飞股份有限公司，听取董事长刘庆峰介绍: the company the sentence (or the one
        # before) is at
        company = next((m for m in reversed(ctx.sentence_mentions) if m.end <= person.start
                        and ctx.type_of(m) == "Organization" and _is_company(ctx, m)), None) or ctx.last_company
        if company is not None:
            ctx.emit(person.entity_id, "holdsPosition", company.entity_id, sent, "title_company", "、".join(reversed(titles)))
    if body is None and not after and not implied and titles and not _ranked_or_company(ctx, titles):
        # 生态环境部党组书记孙金龙出席会议。部党组成员、副部长翟青主持会议: the ministry named last
        recent = _recent_body(ctx, person, titles)
        if recent is not None:
            ctx.emit(person.entity_id, "holdsPosition", recent, sent, "title_recent", "、".join(reversed(titles)))
    implied = [i for i in implied if i in ctx.kb]
    title = "、".join(reversed(titles))
    for org in dict.fromkeys(implied):
        ctx.entities.setdefault(org, _entity_from_kb(ctx.kb, org))
        ctx.emit(person.entity_id, "holdsPosition", org, sent, "title_implied", title)
    if body is None or after:
        return
    body_type = ctx.type_of(body)
    kb_body = ctx.kb.get(body.entity_id)
    if kb_body is not None and kb_body.category == "country":
        return            # 越南总理范明政: a foreign post, not the State Council
    if implied and body.entity_id not in implied:
        return
    if body_type == "Organization":
        target = body.entity_id
        named = ctx.entities.get(target)
        if titles and titles[0].endswith(("常委", "常务委员")) and not (named and named.name.endswith("常务委员会")):
            # 中共中央政治局 + 常委: a member of that body's standing committee
            target = next((e.id for e in ctx.kb.entries.values() if e.parent == target
                           and e.name.endswith("常务委员会")), target)
            if target not in ctx.entities and target in ctx.kb:
                ctx.entities[target] = _entity_from_kb(ctx.kb, target)
        ctx.emit(person.entity_id, "holdsPosition", target, sent, "title_body", title)
        _government_posts(ctx, sent, person, titles, kb_body)
    elif body_type == "Place":
        gov = _region_body_for(ctx, body.entity_id, titles)
        if gov is not None:
            _ensure_entity(ctx, gov.id)
            ctx.emit(person.entity_id, "holdsPosition", gov.id, sent, "title_region", title)


def _ranked_or_company(ctx, titles) -> bool:
    """A title that a region (省长) or the company at hand (董事长) gives its body."""
    return any(ctx.kb.posts.get(t) is not None and (ctx.kb.posts[t].rank_of or ctx.kb.posts[t].of_company)
               for t in titles)


def _recent_body(ctx, person, titles) -> str | None:
    """The body a title with no body beside it belongs to: the last government body named
    earlier in this sentence or in the one before whose name ends as the title's body does
    (部长 -> …部); None when a title does not say how its body ends."""
    endings = [set(ctx.kb.posts[t].body_endings) if ctx.kb.posts.get(t) else set() for t in titles]
    if not endings or not all(endings):
        return None
    allowed = tuple(set.intersection(*endings))
    if not allowed:
        return None
    earlier = [m for m in ctx.sentence_mentions if m.end <= person.start]
    for m in reversed(ctx.previous_bodies + earlier):
        e = ctx.entities.get(m.entity_id)
        if e is not None and e.type == "Organization" and not _is_company(ctx, m) and e.name.endswith(allowed):
            return m.entity_id
    return None


def _government_posts(ctx, sent, person, titles, party_body):
    """上海市委副书记、市长应勇: the committee's place also gives the government post its body."""
    if party_body is None or not party_body.category.endswith("_body") or not party_body.located_in \
            or not (party_body.name.startswith("中国共产党") and party_body.name.endswith("委员会")):
        return
    for t in titles:
        post = ctx.kb.posts.get(t)
        if post is None or not post.rank_of or "书记" in t or "委" in t:
            continue
        gov = _region_body_for(ctx, party_body.located_in, [t])
        if gov is not None:
            _ensure_entity(ctx, gov.id)
            ctx.emit(person.entity_id, "holdsPosition", gov.id, sent, "title_region", t)


def _nearest_region(ctx, sent, person, rank):
    """衢州市召开…，市委书记高屹: the last place of that rank named earlier in the sentence."""
    from .kb import CITY_CATEGORIES, PROVINCE_CATEGORIES

    cats = PROVINCE_CATEGORIES if rank == "province" else \
        COUNTY_CATEGORIES if rank in ("county", "district") else CITY_CATEGORIES
    best = None
    for m in ctx.sentence_mentions:
        if m.end > person.start:
            break
        e = ctx.kb.get(m.entity_id)
        if e is not None and e.type == "Organization" and e.category.endswith("_body") and e.located_in:
            e = ctx.kb.get(e.located_in)     # 杭州市委书记刘捷…，市委副书记、市长姚高员: 杭州
        if e is not None and e.type == "Place" and (e.category in cats or (
                rank == "city" and e.category in COUNTY_CATEGORIES and e.name.endswith("市"))):
            best = e.id
    return best


def _region_body_for(ctx, place_id: str, titles):
    """The body a regional post belongs to: 书记 -> the Party committee, else the government.
    Counties and districts have no listed bodies (2,764 of them): theirs are named here
    (中国共产党龙游县委员会, 龙游县人民政府) and enter the article's entities."""
    party = any("书记" in t or t.endswith("委") or "Secretary" in t for t in titles)
    # 台南市政府: Taiwan's cities and counties have a 市政府 / 县政府, not a 人民政府
    wanted = ("委员会",) if party else ("人民政府", "特别行政区政府", "市政府", "县政府")
    found = next((e for e in _regional_bodies(ctx.kb).get(place_id, ()) if e.name.endswith(wanted)), None)
    place = ctx.kb.get(place_id) if found is None else None
    if place is None or place.category not in COUNTY_CATEGORIES:
        return found
    name = county_body_name(place, "县委" if party else "县政府")
    eid = corpus_entity_id("Organization", name)
    return ctx.entities.setdefault(eid, Entity(id=eid, type="Organization", name=name))


def _regional_bodies(kb: KnowledgeBase) -> dict[str, list]:
    """The bodies of each place (Party committees, governments), in KB order: looking
    them up by place, not scanning the whole KB for every regional post."""
    found = getattr(kb, "_kg_regional_bodies", None)
    if found is None:
        found = {}
        for e in kb.entries.values():
            if e.type == "Organization" and (e.category.endswith("_body") or e.category == "sar_government"):
                found.setdefault(e.located_in, []).append(e)
        kb._kg_regional_bodies = found
    return found


_EN_POSSESSIVE_TITLE = re.compile(r"['’]s\s+(?:[a-z-]+\s+){0,2}?(?:chairman|chairwoman|president|founder|chief executive|CEO|"
                                  r"head|director|general manager|manager|secretary|spokesperson|spokesman|vice president)\b")
#: governor of east China's Zhejiang Province: the wire's compass point before a province
_EN_REGION_OF = r"(?:(?:north|south|east|west|northeast|northwest|southeast|southwest|central|north-central|south-central)(?:ern)? China's )?"
#: a title and the "of" before its body: secretary of the …, governor of east China's …
_EN_TITLE_OF = (r"(?:[\w-]+ ){0,2}?(?:member|head|chief|minister|director|chairman|chairwoman|secretary|secretary-general|"
                r"governor|mayor|president|premier|manager|academician|dean|professor|fellow|chancellor|commissioner|"
                r"vice[ -]\w+|deputy \w+)(?: [\w-]+){0,5}? of (?:the )?"
                + _EN_REGION_OF)
#: Li Qiang, a member of the …: the first title of an appositive after a name
_EN_APPOSITIVE = re.compile(r"^,? (?:who is |is )?(?:also )?(?:an? |the )?" + _EN_TITLE_OF, re.IGNORECASE)
#: President Guo Dongming of Dalian University of Technology: a capitalised title before the
#: name, and "of" its body after it
_EN_TITLE_BEFORE = re.compile(r"\b(?:President|Vice President|Chairman|Chairwoman|Vice Chairman|Director|Director-General|"
                              r"Dean|Professor|Secretary|Party Secretary|Secretary-General|Chief Executive|CEO|"
                              r"General Manager|Minister|Vice Minister|Governor|Mayor|Head)\s+$")
#: … and mayor of Shanghai: the next title of the same appositive
_EN_NEXT_TITLE = re.compile(r",? and (?:also )?(?:a |the )?" + _EN_TITLE_OF, re.IGNORECASE)


def _en_titles(kb: KnowledgeBase) -> dict[str, list]:
    """(post, title, pattern) of every post title, keyed by the title's last character
    (lower case), in the order of the posts: a title can only end the text before a
    name when its last character ends it."""
    found = getattr(kb, "_kg_en_titles", None)
    if found is None:
        found = {}
        for p in kb.posts.values():
            for t in [p.title] + list(p.en):
                if t:
                    found.setdefault(t[-1].lower(), []).append(
                        (p, t, re.compile(rf"\b{re.escape(t)}\s*$", flags=re.I)))
        kb._kg_en_titles = found
    return found


def _english_positions(ctx, sent, ms, person):
    text = ctx.text
    before = text[max(sent.start, person.start - 80):person.start]
    stripped = before.rstrip()
    titles = _en_titles(ctx.kb).get(stripped[-1].lower(), ()) if stripped else ()
    for p, t, pattern in titles:
        if pattern.search(before) and p.implies and p.implies in ctx.kb:
            ctx.entities.setdefault(p.implies, _entity_from_kb(ctx.kb, p.implies))
            ctx.emit(person.entity_id, "holdsPosition", p.implies, sent, "en_title", t)
    # Guangdong Governor Wang Weizhong, Shanghai Party Secretary Chen Jining
    for m in ms:
        mt = re.fullmatch(r"\s*(?:Provincial\s+|Municipal\s+)?(Governor|Vice Governor|Mayor|Vice Mayor|"
                          r"Party Secretary|Party Chief|Chief Executive)\s+", text[m.end:person.start]) \
            if m.end <= person.start and ctx.type_of(m) == "Place" else None
        if mt:
            gov = _region_body_for(ctx, m.entity_id, [mt.group(1)])
            if gov is not None:
                _ensure_entity(ctx, gov.id)
                ctx.emit(person.entity_id, "holdsPosition", gov.id, sent, "en_title", mt.group(1))
    # Under Party Secretary Yuan Jiajun and Mayor Hu Henghua (no place named): the province
    # or city the article is about, as for 省委书记 with no body in Chinese
    mt = re.search(r"(?<![\w-])(?:Provincial\s+|Municipal\s+)?(Governor|Vice Governor|Executive Vice Governor|Mayor|"
                   r"Vice Mayor|Executive Vice Mayor|Party Secretary|Party Chief)\s+$", before)
    if mt and ctx.main_region and not any(ctx.type_of(m) == "Place" and m.end <= person.start
                                          and person.start - m.end <= len(mt.group(0)) + 1 for m in ms):
        title = mt.group(1)
        province = ctx.kb.get(ctx.main_region.get("province", ""))
        # a municipality (Chongqing) is a province-level city: its mayor is the city's
        ranks = ("province",) if "Governor" in title or (province is not None and province.category == "municipality") \
            else ("city", "province")
        region = next((ctx.main_region[r] for r in ranks if r in ctx.main_region), None)
        gov = _region_body_for(ctx, region, [title]) if region else None
        if gov is not None:
            _ensure_entity(ctx, gov.id)
            ctx.emit(person.entity_id, "holdsPosition", gov.id, sent, "title_region", title)
    # Minister of X Jin Zhuanglong: an organisation mention inside the title
    for m in ms:
        if ctx.type_of(m) == "Organization" and m.end <= person.start and person.start - m.end <= 2 \
                and re.search(r"\b(?:Minister|Director|Head|Chairman|Governor|Mayor|Secretary)\b[\w\s]*of (?:the )?$",
                              text[max(0, m.start - 40):m.start]):
            ctx.emit(person.entity_id, "holdsPosition", m.entity_id, sent, "en_title")
    # the Ministry of ..., led by Minister Jin Zhuanglong
    for m in ms:
        if ctx.type_of(m) == "Organization" and m.end <= person.start and re.fullmatch(
                r",?\s+(?:which is\s+|that is\s+)?(?:led|headed|chaired)\s+by\s+(?:[A-Z][\w-]*\s+){0,3}",
                text[m.end:person.start]):
            ctx.emit(person.entity_id, "holdsPosition", m.entity_id, sent, "en_appositive")
    # Xin Guobin, vice minister of industry and information technology, said / vice minister
    # of commerce Wang Shouwen: a lower-case post names its ministry ("Ministry of Commerce")
    after = text[person.end:min(sent.end, person.end + 160)]
    for span in (re.match(r",\s+((?:[\w-]+\s+){0,3}?(?:minister|ministers|director|head)\s+of\s+"
                          r"(?:the\s+)?[a-z][a-z ,-]*?)(?=,|\s+(?:said|says|told|noted|added)\b)", after),
                 re.search(r"\b((?:[\w-]+\s+){0,3}?(?:minister|director|head)\s+of\s+(?:the\s+)?[a-z][a-z ,-]*?)\s*,?\s*$",
                           before)):
        if span is None:
            continue
        title = span.group(1)
        field_ = re.sub(r"^.*?\bof\s+(?:the\s+)?", "", title)
        body = next((e for e in ctx.kb.candidates(f"Ministry of {field_}") if e.type == "Organization"), None)
        if body is not None:
            ctx.entities.setdefault(body.id, _entity_from_kb(ctx.kb, body.id))
            ctx.emit(person.entity_id, "holdsPosition", body.id, sent, "en_appositive", title)
    mt = _EN_APPOSITIVE.match(after)
    at, title = (person.end + mt.end(), mt.group(0)) if mt else (None, "")
    # Gong Zheng, deputy secretary of the CPC Shanghai Municipal Committee and mayor of
    # Shanghai: each title of the appositive, the body or the place's government after it
    while at is not None:
        held = next((m for m in ms if m.start == at and ctx.type_of(m) in ("Organization", "Place")), None)
        if held is None:
            break
        if ctx.type_of(held) == "Organization":
            ctx.emit(person.entity_id, "holdsPosition", held.entity_id, sent, "en_appositive")
        else:
            word = re.search(r"\b(vice mayor|vice governor|mayor|governor)\b", title, re.IGNORECASE)
            gov = _region_body_for(ctx, held.entity_id, [word.group(1).title()]) if word else None
            if gov is not None:
                _ensure_entity(ctx, gov.id)
                ctx.emit(person.entity_id, "holdsPosition", gov.id, sent, "en_appositive", word.group(1).title())
        nxt = _EN_NEXT_TITLE.match(text, held.end)
        at, title = (nxt.end(), nxt.group(0)) if nxt else (None, "")
    # President Guo Dongming of Dalian University of Technology
    if _EN_TITLE_BEFORE.search(text, max(sent.start, person.start - 30), person.start):
        org = next((m for m in ms if m.start > person.end and ctx.type_of(m) == "Organization"
                    and re.fullmatch(r"\s+of\s+(?:the\s+)?", text[person.end:m.start])), None)
        if org is not None:
            ctx.emit(person.entity_id, "holdsPosition", org.entity_id, sent, "en_title")
    # Wang Chuanfu, BYD's chairman and president
    org = next((m for m in ms if m.start >= person.end and ctx.type_of(m) == "Organization"
                and re.fullmatch(r",\s+(?:the\s+)?", text[person.end:m.start])), None)
    if org is not None and _EN_POSSESSIVE_TITLE.match(text, org.end):
        ctx.emit(person.entity_id, "holdsPosition", org.entity_id, sent, "en_appositive")


def _ensure_entity(ctx, eid: str) -> None:
    """The article's entity for ``eid``, made from its KB entry when the article has none yet."""
    if eid not in ctx.entities:
        ctx.entities[eid] = _entity_from_kb(ctx.kb, eid)


def _entity_from_kb(kb: KnowledgeBase, eid: str) -> Entity:
    e = kb.get(eid)
    return Entity(id=e.id, type=e.type, name=e.name, aliases=set(e.aliases + e.en_aliases),
                  name_en=e.en, kb_id=e.id)


# --------------------------------------------------------------------------------------
def goes_without_saying(kb: KnowledgeBase, subject: str, predicate: str, obj: str) -> bool:
    """中国江苏, 中国上海: that a province or a region of the country lies in it is what every
    reader knows, not what the article states (annotators leave it out or mark it optional)."""
    e, o = kb.get(subject), kb.get(obj)
    return predicate == "locatedIn" and e is not None and o is not None and o.category == "country" \
        and e.located_in == o.id and (e.place_level == 1 or e.category == "region")


def locations(ctx: _Ctx, sent: Sentence, ms: list[Mention]):
    text = ctx.text
    places = [m for m in ms if ctx.type_of(m) == "Place"]
    for a in places:
        ea = ctx.kb.get(a.entity_id)
        if ea is None:
            continue
        for b in places:
            if a is b or ea.located_in != b.entity_id or \
                    goes_without_saying(ctx.kb, a.entity_id, "locatedIn", b.entity_id):
                continue
            gap = a.start - b.end if b.end <= a.start else b.start - a.end
            limit = 40 if ctx.article.language == "en" else 12
            if 0 <= gap <= limit:
                ctx.emit(a.entity_id, "locatedIn", b.entity_id, sent, "located_adjacent")
            elif (ctx.kb.get(b.entity_id).place_level or 0) >= 1:
                ctx.emit(a.entity_id, "locatedIn", b.entity_id, sent, "located_known")
    # a company named after its city or province: 苏州某某有限公司
    for m in ms:
        ent = ctx.entities.get(m.entity_id)
        if ent is None or ent.type != "Organization":
            continue
        listed = ctx.kb.get(ent.kb_id) if ent.kb_id is not None else None
        if listed is not None and listed.category not in COMPANY_CATEGORIES:
            continue
        if listed is None and ent.name.endswith(tuple(ctx.rules["government_body_endings"])):
            continue      # 龙游县经信局, 德清县政协: a government body is its place's, not located there
        # a listed company counts only as the text writes it (杭州海康威视…, not 海康威视)
        named = ctx.text[m.start:m.end] if listed is not None else ent.name
        campus = next((c for c in CAMPUS.finditer(named) if c.end() == len(named)), None)
        if campus:
            # 山东大学（威海）: the campus is where its bracket says
            hits = [e for e in ctx.kb.candidates(campus.group(1), weak=True) if e.type == "Place"]
            if hits:
                ctx.entities.setdefault(hits[0].id, _entity_from_kb(ctx.kb, hits[0].id))
                ctx.emit(ent.id, "locatedIn", hits[0].id, sent, "located_company")
            continue
        for n in (4, 3, 2):
            # a city before a company's name says where it is; a province is usually a brand
            hits = [e for e in ctx.kb.candidates(named[:n]) if e.type == "Place" and e.place_level >= 2]
            if hits:
                place = hits[0]
                if listed is not None and place.id != listed.located_in:
                    break             # a branch named after another city: the list knows better
                ctx.entities.setdefault(place.id, _entity_from_kb(ctx.kb, place.id))
                ctx.emit(ent.id, "locatedIn", place.id, sent, "located_company")
                break
    # a zone named after its place: 威海临港经济技术开发区, 晋江经济开发区 (a county's bare name too);
    # an airport too (成都天府国际机场, Shanghai Hongqiao International Airport)
    for m in ms:
        if m.extractor not in ("zone", "airport") or ctx.kb.get(m.entity_id) is not None:
            continue
        first = m.text.split(" ", 1)[0] if is_latin(m.text) else None
        for n in ((len(first),) if first else (5, 4, 3, 2)):
            hits = [e for e in ctx.kb.candidates(m.text[:n], weak=True) if e.type == "Place"]
            if hits:
                ctx.entities.setdefault(hits[0].id, _entity_from_kb(ctx.kb, hits[0].id))
                ctx.emit(m.entity_id, "locatedIn", hits[0].id, sent, "located_zone")
                break
    # 位于郫都区的四川新华西乳业公司 / 营山县川北电缆有限公司 (a county just before a company)
    for m in ms:
        if ctx.type_of(m) != "Organization":
            continue
        place = next((p for p in places if p.end <= m.start and (
            p.end == m.start or re.fullmatch(r"的", text[p.end:m.start])) and
            (_placed_by_verb(ctx, places, p) or p.end == m.start)), None)
        if place is not None and (ctx.kb.get(m.entity_id) is None or text[place.end:m.start] == "的"):
            ctx.emit(m.entity_id, "locatedIn", place.entity_id, sent, "located_company")
    # 比亚迪股份有限公司总部位于深圳 / 中信证券注册地在深圳: a body, then where it is
    stated = _stated_seat(ctx)
    for m in ms:
        if ctx.type_of(m) != "Organization":
            continue
        mt = stated.match(text, m.end)
        first = next((p for p in places if p.start == mt.end()), None) if mt else None
        if first is not None:        # 位于东莞松山湖: the innermost of the places named
            ctx.emit(m.entity_id, "locatedIn", _chain_end(places, first).entity_id, sent, "located_stated")
    # 在广州市黄埔区，广州禾信仪器股份有限公司围绕…；在东莞市长安镇，…: a place that opens
    # the sentence frames the companies of its clause
    _companies_in_framed_place(ctx, sent, ms, places)
    _companies_in_table_rows(ctx, sent, ms, places)
    if ctx.article.language == "en":
        # Chery is based in the city of Wuhu
        for m in ms:
            if ctx.type_of(m) != "Organization" or not _is_company(ctx, m):
                continue
            place = next((p for p in places if 0 < p.start - m.end <= 50 and re.fullmatch(
                r"(?:,[^,]{0,30},)?\s+(?:is|was|are)\s+(?:based|headquartered|located)\s+in\s+(?:the\s+(?:city|province)\s+of\s+)?",
                text[m.end:p.start])), None)
            if place is not None:
                ctx.emit(m.entity_id, "locatedIn", place.entity_id, sent, "located_company")
        # Hangzhou-based Zhejiang Geely Holding Group
        for m in ms:
            if ctx.type_of(m) != "Organization":
                continue
            place = next((p for p in places if 0 < m.start - p.end <= 16 and re.fullmatch(
                r"-(?:based|headquartered) ", text[p.end:m.start])), None)
            if place is not None:
                ctx.emit(m.entity_id, "locatedIn", place.entity_id, sent, "located_company")
    # a district or county named right after its city: 南充市高坪区
    for a in places:
        for b in places:
            if b.end == a.start and ctx.kb.get(a.entity_id) is None and (ctx.kb.get(b.entity_id) or None) is not None \
                    and ctx.kb.get(b.entity_id).place_level == 2:
                ctx.emit(a.entity_id, "locatedIn", b.entity_id, sent, "located_adjacent")
    _towns_in_county(ctx, sent, places)
    # an event opening in a place: E 在 济南市 开幕
    verbs = ctx.rules["event_place_verbs"]
    if ctx.article.language == "en":
        for ev in [m for m in ms if ctx.type_of(m) == "Event"]:
            place = next((p for p in places if p.start > ev.end and p.start - ev.end <= 90
                          and re.search(r"\bin\s+(?:the\s+city\s+of\s+)?$", text[max(0, p.start - 20):p.start])), None)
            if place is not None:
                ctx.emit(ev.entity_id, "locatedIn", place.entity_id, sent, "located_event")
    for ev in [m for m in ms if ctx.type_of(m) == "Event"]:
        rest = text[ev.end:sent.end]
        # E（夏季达沃斯论坛）6月25日至27日在大连举行: a short stretch without another name may sit between
        mt = re.match(r"[^，。；,;]{0,24}?(?:在|于)(?=[^，。；]{1,12}(?:开幕|召开|举办|举行|闭幕|启幕|落幕))", rest)
        if mt and any(ev.end < m.start < ev.end + mt.end() for m in ms if ctx.type_of(m) != "Event"):
            mt = None
        if not mt:
            continue
        cursor = ev.end + mt.end()
        inner = None
        for p in places:
            if p.start >= cursor and p.start - cursor <= 1:
                inner, cursor = p, p.end
        if inner is not None and _longest_at(text, cursor, verbs):
            ctx.emit(ev.entity_id, "locatedIn", inner.entity_id, sent, "located_event")
        elif inner is not None and ctx.article.language == "en":
            ctx.emit(ev.entity_id, "locatedIn", inner.entity_id, sent, "located_event")


def _towns_in_county(ctx, sent, places):
    """周庄镇、华士镇 in an article about 江阴市: a town no list holds lies in the county (or
    county-level city) named last before it in the sentence, else in the article's county."""
    for t in places:
        ent = ctx.entities.get(t.entity_id)
        if ctx.kb.get(t.entity_id) is not None or ent is None or not ent.name.endswith(("镇", "乡", "街道")):
            continue
        if any(r.subject == t.entity_id and r.predicate == "locatedIn" for r in ctx.out):
            continue
        county = next((p.entity_id for p in reversed(places) if p.end <= t.start and
                       getattr(ctx.kb.get(p.entity_id), "category", "") in COUNTY_CATEGORIES), None)
        county = county or ctx.main_region.get("county")
        if county is not None:
            _ensure_entity(ctx, county)
            ctx.emit(t.entity_id, "locatedIn", county, sent, "located_town")


def _chain_start(places, p) -> int:
    """Where a run of adjacent places ending with ``p`` starts (佛山市顺德区)."""
    start = p.start
    while (before := next((q for q in places if q.end == start), None)) is not None:
        start = before.start
    return start


_FROM_RULES: dict[tuple[int, str], object] = {}


def _from_rules(ctx, name: str, make):
    """``make(rules)`` (patterns compiled from rules.yaml), once per rules object."""
    key = (id(ctx.rules), name)
    if key not in _FROM_RULES:
        _FROM_RULES[key] = make(ctx.rules)
    return _FROM_RULES[key]


def _stated_seat(ctx) -> re.Pattern:
    """位于 / 总部位于 / 注册地在 / 扎根 right after a body's name (rules.yaml's seat_verbs, or
    seat_words and 在 or a verb): the place that follows is where the body is."""
    return _from_rules(ctx, "seat", lambda rules: re.compile(
        f"(?:(?:{_alternation(rules['seat_words'])})(?:在|{_alternation(rules['seat_verbs'])})"
        f"|{_alternation(rules['seat_verbs'])})(?:中国)?"))


def _chain_end(places, p):
    """The last of a run of adjacent places starting with ``p`` (佛山市顺德区 -> 顺德区)."""
    while (after := next((q for q in places if q.start == p.end), None)) is not None:
        p = after
    return p


def _placed_by_verb(ctx, places, p) -> bool:
    """位于郫都区 / 位于佛山市顺德区: 位于 (or 地处, 坐落于) before the place or before the
    places right in front of it."""
    return ctx.text.endswith(tuple(ctx.rules["placing_verbs"]), 0, _chain_start(places, p))


def _companies_in_table_rows(ctx, sent, ms, places):
    """| 1 | 合肥市 | 安徽江淮汽车集团股份有限公司 | …智能工厂 |: a row of a list of firms by city
    (名单 tables), where one cell is a place and nothing else, places the row's companies; and
    in such a row …股份有限公司（濉溪县）, a county in brackets after a company's full name."""
    text = ctx.text
    row = text[sent.start:sent.end]
    if not row.lstrip().startswith("|"):
        return
    cells = [(sent.start + c.start(1), sent.start + c.end(1)) for c in re.finditer(r"\|\s*([^|]*?)\s*(?=\|)", row)]
    alone = {p.entity_id for p in places if (p.start, p.end) in cells}
    companies = [m for m in ms if ctx.type_of(m) == "Organization" and _is_company(ctx, m)]
    if len(alone) == 1:
        place = next(iter(alone))
        for m in companies:
            listed = ctx.kb.get(m.entity_id)
            if listed is not None and listed.located_in and listed.located_in != place:
                continue      # 三一集团 beside 株洲市: a group the KB places elsewhere has a plant there
            ctx.emit(m.entity_id, "locatedIn", place, sent, "located_table")
    for m in companies:
        inner = next((p for p in places if p.start == m.end + 1 and text[m.end:m.end + 1] in "（(" and
                      text[p.end:p.end + 1] in "）)"), None)
        if inner is not None:
            ctx.emit(m.entity_id, "locatedIn", inner.entity_id, sent, "located_table")


def _companies_in_framed_place(ctx, sent, ms, places):
    text = ctx.text
    for p in places:
        if text[p.end:p.end + 1] not in ("，", ","):
            continue
        # 在 opens the sentence or follows a clause break
        at = _chain_start(places, p) - 1
        if text[at:at + 1] != "在" or (at > sent.start and text[at - 1] not in "。；;，,\n"):
            continue
        end = min([i for i in (text.find(c, p.end + 1, sent.end) for c in "；;") if i >= 0] + [sent.end])
        for m in ms:
            if p.end < m.start < end and ctx.type_of(m) == "Organization" and _is_company(ctx, m):
                ctx.emit(m.entity_id, "locatedIn", p.entity_id, sent, "located_frame")
            elif p.end < m.start < end and ctx.type_of(m) == "Place":
                break                 # another place: another frame


# --------------------------------------------------------------------------------------
_FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日")
_DAY = re.compile(r"(?<![\d月])(\d{1,2})日")


def _briefing_date(ctx: _Ctx, clause: str) -> str:
    """The date of a briefing as a name part (2024年5月10日): written in full in its clause, or
    the day (10日) or month and day there completed from the article's date or the first
    month and day it gives (its dateline); "" when no day is given."""
    if m := _FULL_DATE.search(clause):
        return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日"
    dated = re.match(r"(\d{4})-(\d{2})", ctx.article.date or "")
    year = dated.group(1) if dated else (m.group(1) if (m := re.search(r"(20\d{2})年", ctx.text)) else "")
    if m := _MONTH_DAY.search(clause):
        month, day = m.group(1), m.group(2)
    elif m := _DAY.search(clause):
        day = m.group(1)
        first = _MONTH_DAY.search(ctx.text)
        month = dated.group(2) if dated else (first.group(1) if first else "")
        if not month:
            return ""
    else:
        return ""
    return f"{year}年{int(month)}月{int(day)}日" if year else f"{int(month)}月{int(day)}日"


def press_conferences(ctx: _Ctx, sent: Sentence, ms: list[Mention], state: dict):
    """广东省人民政府新闻办公室10日在广州举行新闻发布会: a briefing no name is given is the
    body's of that day (广东省人民政府新闻办公室2024年5月10日新闻发布会), held by it, where the
    sentence says; the meeting later sentences speak at (在会上介绍)."""
    if ctx.article.language == "en":
        return
    text = ctx.text
    for mt in (mt for frame in _compiled_frames(ctx.rules.get("briefing_held_frames", ()))
               for mt in frame.finditer(text, sent.start, sent.end)):
        word = mt.start(1), mt.end(1)
        if any(m.start < word[1] and word[0] < m.end for m in ms):
            continue          # a named briefing (…系列主题第十六场新闻发布会): the recognizer's
        lo = _clause_bounds(ctx, sent, mt.start())
        host = next((m for m in ms if lo <= m.start and m.end <= mt.start() and ctx.type_of(m) == "Organization"), None)
        if host is None:
            continue
        date = _briefing_date(ctx, text[host.end:mt.start()])
        if not date:
            continue          # no day given: one body's briefings on other days would be one node
        name = f"{ctx.entities[host.entity_id].name}{date}{mt.group(1)}"
        eid = corpus_entity_id("Event", name)
        event = ctx.entities.setdefault(eid, Entity(id=eid, type="Event", name=name))
        event.aliases.add(mt.group(1))
        ctx.emit(host.entity_id, "organized", eid, sent, "organized_frame")
        place = next((m for m in ms if host.end <= m.start and m.end <= mt.start() and ctx.type_of(m) == "Place"
                      and text[m.start - 1:m.start] == "在"), None)
        if place is not None:
            ctx.emit(eid, "locatedIn", place.entity_id, sent, "located_event")
        state.setdefault("held_event", Mention(start=word[0], end=word[1], text=mt.group(1), label="Event",
                                               extractor="briefing", entity_id=eid))


def event_roles(ctx: _Ctx, sent: Sentence, ms: list[Mention], state: dict):
    text = ctx.text
    events = [m for m in ms if ctx.type_of(m) == "Event"]
    if events:
        state["last_event"] = events[-1]
    org_verbs = ctx.rules["organize_verbs"]
    held_words = _alternation(ctx.rules["event_place_verbs"])
    for ev in events:
        # 广东省第十三届人民代表大会常务委员会第三十三次会议: a body's numbered session is held by
        # that body, and what the session adopts (表决通过《…》) is the body's
        body = _session_body(ctx, ev)
        if body is not None and not _cited_before(ctx, sent, ev):
            ctx.emit(body, "organized", ev.entity_id, sent, "organizer_known")
            if state.get("host") is None:
                state["host"] = Mention(start=-1, end=-1, text="", label="Organization", extractor="meeting",
                                        entity_id=body)
    for ev in events:
        # 在武汉召开全省推进新型工业化大会 / 大会在汉召开: the event the article reports on, which
        # "出席会议" in later sentences means, whatever other meetings they cite
        before = text[max(sent.start, ev.start - 4):ev.start]
        after = text[ev.end:min(sent.end, ev.end + 12)]
        if (any(before.endswith(v) for v in org_verbs) or
                re.match(rf"(?:[^，。；]{{0,8}}?)(?:{held_words})(?!以来|之后|后|前)", after)) \
                and not _cited_before(ctx, sent, ev):
            state.setdefault("held_event", ev)    # not 迎接党的二十大胜利召开, …召开以来
            state["just_held"] = (ev, sent.end)
    if not events and ctx.article.language == "en" and state.get("last_event") is not None and \
            re.match(r"\s*The (?:expo|forum|conference|summit|meeting|fair|event|congress)\b", text[sent.start:sent.end]):
        events = [state["last_event"]]
    meeting = state.get("held_event") or state.get("last_event")
    if not events and meeting is not None:
        for mt in _HOSTED_MEETING.finditer(text, sent.start, sent.end):
            hosts = _hosts_after_by(ctx, ms, mt.start(), mt.end())
            for m in hosts:
                ctx.emit(m.entity_id, "organized", meeting.entity_id, sent, "organized_frame")
            if hosts:
                state["host"] = hosts[0]
                if _MEETING_VERB.match(text, mt.end()):
                    state["subject"] = hosts[0]     # …召开的会议宣称，明年将实施…: the meeting speaks
    for ev in events:
        # 由 A、B 共同主办的 E
        head = text[sent.start:ev.start]
        by = head.rfind("由")
        if by >= 0:
            hosts = _hosts_after_by(ctx, ms, sent.start + by, ev.start)
            for m in hosts:
                ctx.emit(m.entity_id, "organized", ev.entity_id, sent, "organized_frame")
            if hosts:
                state["host"] = hosts[0]
                continue
        # E …，由 A、B 共同主办: the organizers named after the event
        tail = text[ev.end:sent.end]
        by = tail.find("由")
        if by >= 0:
            for m in _hosts_after_by(ctx, ms, ev.end + by, sent.end):
                ctx.emit(m.entity_id, "organized", ev.entity_id, sent, "organized_frame")
        # A、B 在广州召开 E: the subject of the verb right before E, with its list
        before = text[max(sent.start, ev.start - 6):ev.start]
        verb = next((v for v in org_verbs if before.endswith(v) or before.endswith(v + "的")), None)
        if verb:
            vpos = ev.start - len(verb) - (1 if before.endswith(verb + "的") else 0)
            actor, how = _clause_actor(ctx, sent, ms, vpos, state)
            if actor is not None and how == "explicit" and ctx.type_of(actor) in ("Organization", "Place") \
                    and text[actor.start - 1:actor.start] not in ("在", "于"):
                for a in _coordinated(ctx, ms, actor, vpos):
                    ctx.emit(a.entity_id, "organized", ev.entity_id, sent, "organized_frame")
            elif actor is not None and how == "explicit" and ctx.type_of(actor) == "Person" and \
                    state.get("host") is None and verb.startswith("主持"):
                # 省长尹弘主持召开省政府常务会议: the chair's body holds the meeting (when the
                # sentence names no organizer); what "会议审议通过" says is that body's
                body = next((r.object for r in ctx.out if r.subject == actor.entity_id and r.predicate == "holdsPosition"
                             and ctx.type_of_id(r.object) == "Organization"), None)
                if body is not None:
                    state["host"] = Mention(start=-1, end=-1, text="", label="Organization", extractor="meeting",
                                            entity_id=body)
        # A 主办/举办/召开 (的) E; but 在广州召开 E says where, not who
        for m in ms:
            if m.end <= ev.start and ctx.type_of(m) in ("Organization", "Place"):
                between = text[m.end:ev.start]
                if len(between) <= 12 and _longest_at(between, 0, org_verbs) and not re.search("[，。；]", between):
                    if text[m.start - 1:m.start] in ("在", "于") and ctx.type_of(m) == "Place":
                        ctx.emit(ev.entity_id, "locatedIn", m.entity_id, sent, "located_event")
                    else:
                        for a in _coordinated(ctx, ms, m, ev.start):
                            ctx.emit(a.entity_id, "organized", ev.entity_id, sent, "organized_frame")
        # English: E, hosted by A and B / E ... in Shanghai
        if ctx.article.language == "en":
            mt = re.search(r"\b(?:co-)?(?:hosted|organized|organised|sponsored)\s+by\s+", text[ev.end:sent.end])
            if mt:
                start = ev.end + mt.end()
                first = next((m for m in ms if m.start >= start and m.start - start <= 5
                              and ctx.type_of(m) in ("Organization", "Place")), None)
                if first is not None:
                    for a in _coordinated(ctx, ms, first, sent.end):
                        ctx.emit(a.entity_id, "organized", ev.entity_id, sent, "organized_frame")
    # 潘功胜在2024金融街论坛年会上宣布…: an actor at an event speaks there
    for ev in events:
        zai = text.rfind("在", _clause_bounds(ctx, sent, ev.start), ev.start)
        if zai >= 0 and (text[ev.end:ev.end + 1] in ("上", "期间") or text.startswith(("开幕式", "闭幕式"), ev.end)):
            actor, _ = _clause_actor(ctx, sent, ms, zai, state, allow_places=False)
            if actor is not None and actor.end <= ev.start:
                ctx.emit(actor.entity_id, "participatedIn", ev.entity_id, sent, "participated_frame")
    # English: … delivered the report at the opening meeting of the second session of E
    if ctx.article.language == "en":
        for ev in events:
            if re.search(r"\b(?:at|to)\s+(?:the\s+)?(?:[\w-]+\s+){0,6}?(?:of\s+(?:the\s+)?)?$", text[max(sent.start, ev.start - 70):ev.start]) \
                    and re.search(r"\b(?:at|to)\s", text[max(sent.start, ev.start - 70):ev.start]):
                actor, how = _clause_actor(ctx, sent, ms, ev.start, state, allow_places=False)
                if actor is not None and how == "explicit" and actor.end <= ev.start:
                    ctx.emit(actor.entity_id, "participatedIn", ev.entity_id, sent, "participated_frame")
    # participation: person (or body) + 出席/致辞/主持/参加 + the event of the sentence or the one before
    verbs = ctx.rules["participate_verbs"]
    event = events[0] if events else (_held_just_before(ctx, sent, state) or state.get("held_event")
                                      or state.get("last_event"))
    if event is None:
        return
    for vpos, vend in _participation_verbs(ctx, sent):
        if not events and text.startswith(("召开", "举行"), vend):
            continue          # 在郑州主持召开…座谈会: another meeting, one no rule named
        if text.startswith("精神", vend) or text.endswith("重要", 0, vpos):
            continue          # 传达学习总书记重要讲话精神: a speech cited, not one given here
        actor, how = _clause_actor(ctx, sent, ms, vpos, state, allow_places=False)
        speaking_places = _places_speaking(ctx, sent, ms, vpos, vend) if how != "explicit" else []
        if speaking_places:
            actor, how = speaking_places[0], "explicit"
        # …举行经济主题记者会，A、B回答提问: the event named last before the verb
        event = next((e for e in reversed(events) if e.end <= vpos), events[0] if events else event)
        if actor is None or actor.entity_id == event.entity_id:
            continue
        extractor = "participated_frame" if events else "participated_carried"
        ctx.emit(actor.entity_id, "participatedIn", event.entity_id, sent, extractor)
        if how == "explicit" and ctx.type_of(actor) != "Person":
            # 省发展改革委、省科技厅和宁波市经信局作交流发言: every body of the list
            for m in speaking_places[1:] or _coordinated(ctx, ms, actor, vpos)[1:]:
                ctx.emit(m.entity_id, "participatedIn", event.entity_id, sent, extractor)
        if how == "explicit" and ctx.type_of(actor) == "Person":
            # 主任郑栅洁、财政部部长蓝佛安、商务部部长王文涛回答: everyone in the list
            for m in _listed_people_before(ctx, ms, actor):
                ctx.emit(m.entity_id, "participatedIn", event.entity_id, sent, extractor)
        for m in _titled_clauses_before(ctx, sent, ms, _clause_bounds(ctx, sent, vpos)):
            ctx.emit(m.entity_id, "participatedIn", event.entity_id, sent, extractor)
        if text.endswith("共同", 0, vpos):
            # 林郑月娥今日以视像形式与上海市市长龚正共同主持: everyone in the clause does it together
            lo = _clause_bounds(ctx, sent, vpos)
            for m in ms:
                if lo <= m.start and m.end <= vpos and ctx.type_of(m) == "Person" and m.entity_id != actor.entity_id:
                    ctx.emit(m.entity_id, "participatedIn", event.entity_id, sent, extractor)
        if text[vpos - 1:vpos] == "等":
            # 省委副书记孟凡利，省委常委林克庆等出席: everyone listed before 等
            for m in ms:
                if m.end <= vpos and ctx.type_of(m) == "Person" and m.entity_id != actor.entity_id:
                    ctx.emit(m.entity_id, "participatedIn", event.entity_id, sent, extractor)
    _attendance_after(ctx, sent, ms, events, event)


def _held_just_before(ctx: _Ctx, sent: Sentence, state: dict) -> Mention | None:
    """The event the sentence right before this one said was held (…签约仪式举行。市委书记X…出席):
    a later paragraph's own event, not the article's first."""
    held = state.get("just_held")
    if held is None or ctx.text[held[1]:sent.start].strip():
        return None
    return held[0]


def _attendance_after(ctx: _Ctx, sent: Sentence, ms: list[Mention], events: list, event: Mention):
    """出席会议的还有经济及科技发展局局长戴建业、旅游局局长文绮华，以及澳门贸易投资促进局等部门
    代表: everyone named after "those attending were" attends (a body only as itself, not as
    the body of the title that follows it)."""
    text = ctx.text
    mt = next((mt for frame in _compiled_frames(ctx.rules.get("attendance_after_frames", ()))
               if (mt := frame.search(text, sent.start, sent.end))), None)
    if mt is None:
        return
    extractor = "participated_frame" if events else "participated_carried"
    after = [m for m in ms if m.start >= mt.end()]
    for i, m in enumerate(after):
        kind = ctx.type_of(m)
        nxt = after[i + 1] if i + 1 < len(after) else None
        if kind == "Organization" and nxt is not None and ctx.type_of(nxt) == "Person" \
                and not re.search(r"[、，,；;和及与]", text[m.end:nxt.start]):
            continue          # 旅游局局长文绮华: the body of a title, not an attendee of its own
        if kind in ("Person", "Organization") and m.entity_id != event.entity_id:
            ctx.emit(m.entity_id, "participatedIn", event.entity_id, sent, extractor)


_UNNAMED_MEETING_HELD = re.compile(r"(?:召开|举行|举办)(?:了)?[^，。；]{0,10}?(?:会议|会|论坛)")


def meeting_speakers(ctx: _Ctx, sent: Sentence, ms: list[Mention], state: dict):
    """无锡市市场监管局介绍，…; 国家发展改革委主任郑栅洁说，…: in the report of a meeting, an
    actor heading a sentence with a verb of speaking speaks at that meeting (the one the
    article reports as held), when the sentence names no other event."""
    ev = state.get("held_event")
    text = ctx.text
    names_event = any(ctx.type_of(m) == "Event" for m in ms)
    if ev is not None and not names_event and _UNNAMED_MEETING_HELD.search(text, sent.start, sent.end) \
            and not sent.start <= ev.start < sent.end:
        state["speaking_elsewhere"] = True    # 国务院新闻办公室举行新闻发布会。廖岷表示: not at ev
    if ev is None or names_event or ctx.article.language == "en" or state.get("speaking_elsewhere"):
        return
    s = text[sent.start:sent.end]
    lo = sent.start + len(s) - len(s.lstrip())
    verbs, leads = ctx.rules["meeting_speech_verbs"], ctx.rules["meeting_speech_leads"]
    opening = _longest_at(text, lo, leads)
    if opening and text.startswith(("，", ","), lo + len(opening)):
        lo += len(opening) + 1        # 会上，佛山市工业和信息化局副局长李天赠介绍了…
    clause_end = lo + len(re.split(r"[，,。；;：:]", text[lo:sent.end], maxsplit=1)[0])
    for m in ms:
        if m.end > clause_end:
            break
        if ctx.type_of(m) not in ACTORS:
            continue
        after = text[m.end:clause_end + 1]
        lead = _longest_at(after, 0, leads) or ""
        if not _longest_at(after, len(lead), verbs):
            continue
        actor, how = _clause_actor(ctx, sent, ms, m.end + len(lead), state)
        if actor is None or how != "explicit" or actor.entity_id == ev.entity_id:
            return
        if any(r.subject == actor.entity_id and r.object == ev.entity_id for r in ctx.out):
            return            # its host or a participant already
        ctx.emit(actor.entity_id, "participatedIn", ev.entity_id, sent, "participated_speaking")
        return


def _participation_verbs(ctx, sent):
    """(start, end) of each verb of taking part in the sentence: the words of
    ``participate_verbs`` and the frames of ``participate_frames`` (作…报告)."""
    text = ctx.text
    found = {}
    for mt in re.finditer(_alternation(ctx.rules["participate_verbs"]), text[sent.start:sent.end]):
        found.setdefault(sent.start + mt.start(), sent.start + mt.end())
    for frame in _compiled_frames(ctx.rules.get("participate_frames", ())):
        for mt in frame.finditer(text, sent.start, sent.end):
            if not any(mt.start() <= v < mt.end() for v in found):
                found[mt.start()] = mt.end()
    return sorted(found.items())


_FRAMES: dict[tuple, list] = {}


def _compiled_frames(patterns):
    key = tuple(patterns)
    if key not in _FRAMES:
        _FRAMES[key] = [re.compile(p) for p in patterns]
    return _FRAMES[key]


def _places_speaking(ctx, sent, ms, vpos, vend):
    """柳市镇、北白象镇和乐清经济开发区作交流发言: the places (and the bodies listed with them)
    at the head of the clause whose speaking verb follows them at once."""
    if not ctx.text[vpos:vend].endswith(tuple(ctx.rules.get("place_speaking_verbs", ()))):
        return []
    lo = _clause_bounds(ctx, sent, vpos)
    head = [m for m in ms if lo <= m.start and m.end <= vpos and ctx.type_of(m) in ("Place", "Organization")
            and _can_act(ctx, m)]
    if not head or ctx.type_of(head[0]) != "Place" or ctx.text[lo:head[0].start].strip("会上此外同时还 ") != "":
        return []
    group = [head[0]]
    for m in head[1:]:
        if m.start > group[-1].end and ctx.text[group[-1].end:m.start] in ("、", "和", "与", "及", "以及"):
            group.append(m)
    if len(ctx.text[group[-1].end:vpos]) > 2:
        return []
    return group


HOSTING_VERBS = ("共同主办", "联合主办", "主办", "承办", "举办", "共同举办", "联合举办", "召开")
#: 这场由中共中央、国务院召开的会议: the hosts of the meeting named before
_HOSTED_MEETING = re.compile(r"由[^，。；]{2,40}?(?:共同|联合)?(?:主办|举办|召开|承办)的(?:这次|此次|本次|这场|该)?"
                             r"(?:会议|大会|论坛|博览会|峰会|活动)")


def _hosts_after_by(ctx, ms, by_pos, limit):
    """由 A、B 共同主办: the bodies between 由 and a hosting verb, and nothing else between."""
    text = ctx.text
    verb_at = min((i for i in (text.find(v, by_pos, limit) for v in HOSTING_VERBS) if i >= 0), default=-1)
    if verb_at < 0:
        return []
    hosts, cursor = [], by_pos + 1
    for m in ms:
        if m.start < cursor or m.end > verb_at:
            continue
        if ctx.type_of(m) not in ("Organization", "Place") or \
                text[cursor:m.start].strip(" ") not in ("", "、", "和", "与", "及", "以及", "等"):
            return []
        hosts.append(m)
        cursor = m.end
    rest = text[cursor:verb_at].strip(" ")
    return hosts if re.fullmatch(r"(?:等(?:[一二三四五六七八九十\d]+[家个]?(?:单位|部门|机构)?)?)?(?:共同|联合)?", rest) else []


def _alternation(words) -> str:
    if isinstance(words, _Lexicon):
        return words.alternation
    return "|".join(re.escape(w) for w in words)


# --------------------------------------------------------------------------------------
def visits(ctx: _Ctx, sent: Sentence, ms: list[Mention], state: dict):
    text = ctx.text
    verbs = ctx.rules["visit_verbs"]
    s_text = text[sent.start:sent.end]
    # 在 X，某人听取…: a sentence that opens at a company where the person is
    first = next((m for m in ms if ctx.type_of(m) == "Organization"), None)
    opening = text[sent.start:first.start].strip() if first is not None else ""
    # (在同样位于芜湖的埃夫特公司，…: a short modifier ending in 的 may stand before it)
    # (在中联重科智慧产业城的智能工厂，他…: a site of the company may follow its name, ending in one
    # of rules.yaml's visit_site_words)
    site = _from_rules(ctx, "visit_sites", lambda rules: re.compile(
        rf"\s*[，,]|[^，。；、,\s]{{0,16}}(?:{_alternation(rules.get('visit_site_words', ()))})\s*[，,]"))
    if first is not None and (opening in ("在", "图为在") or re.fullmatch(r"在[^，。；、]{1,14}的", opening)) and \
            site.match(text, first.end):
        person, how = _clause_actor(ctx, sent, ms, sent.end, state, persons_only=True)
        if person is not None:
            ctx.emit(person.entity_id, "visited", first.entity_id, sent, "visit_frame")
    targets = [m for m in ms if ctx.type_of(m) in ("Place", "Organization")]
    if ctx.article.language != "en":
        _visits_going_to(ctx, sent, ms, state, targets)
    if ctx.article.language == "en":
        _english_led_delegation(ctx, sent, ms, state, targets)
    found = list(re.finditer(_alternation(verbs), s_text))
    if not found:
        return
    for mt in found:
        vpos = sent.start + mt.start()
        person, how = _clause_actor(ctx, sent, ms, vpos, state, persons_only=True)
        if how != "explicit" and state.get("group_leader") is not None and \
                _delegation_patterns(ctx)[0].search(text, _clause_bounds(ctx, sent, vpos), vpos):
            person, how = state["group_leader"], "carried"      # 调研组首先来到…: the group's leader
        if ctx.article.language == "en" and how != "explicit":
            # A delegation led by Gong Zheng … has returned from a visit to France: its leader
            # (the pattern ends with $, so a match ends right at the name)
            leader = next((m for m in ms if m.end <= vpos and ctx.type_of(m) == "Person"
                           and _EN_LED_BY.search(text, sent.start, m.start)), None)
            if leader is not None:
                person, how = leader, "explicit"
        if person is None or (how != "explicit" and re.search(r"\bto\s+$", text[max(0, vpos - 5):vpos])):
            continue          # "the first secretary to visit China": not the sentence's subject
        extractor = "visit_frame" if how == "explicit" else "visit_carried"
        if ctx.article.language == "en":
            after = vpos + len(mt.group(0))
            for t in targets:
                direct = t.start >= after and re.fullmatch(r"\s?(?:the\s+)?", text[after:t.start]) is not None   # visited (the) Shanghai
                # toured the Munich plant of BMW, visited the headquarters of Huawei
                direct = direct or t.start > after and ctx.type_of(t) == "Organization" and \
                    _EN_VISITED_SITE.fullmatch(text, after, t.start) is not None
                if t.start > vpos and (direct or ctx.type_of(t) == "Place" and re.search(
                        r"\b(?:in|to|of)\s+(?:the\s+city\s+of\s+)?$", text[max(0, t.start - 20):t.start])):
                    ctx.emit(person.entity_id, "visited", t.entity_id, sent, extractor)
                    # a visit to France, Italy and Germany: each place of the list
                    for nxt in _en_places_listed_after(ctx, t, targets) if how == "explicit" else ():
                        ctx.emit(person.entity_id, "visited", nxt.entity_id, sent, extractor)
            continue
        # 在 X Y 调研: the places between 在 and the verb
        zai = text.rfind("在", sent.start, vpos)
        if zai >= 0:
            between = [t for t in targets if zai < t.start and t.end <= vpos]
            gap_ok = all(not re.search("[，。；]", text[zai:vpos]) for _ in [0])
            nominal = text.endswith("的", 0, vpos)      # 陪同在盘锦的调研: the visit as a noun, someone else's
            if not nominal and (between and gap_ok and text[between[-1].end:vpos].strip() in ("", "进行", "开展", "实地") or
                                (between and len(text[between[-1].end:vpos]) <= 14 and gap_ok)):
                for t in between:
                    ctx.emit(person.entity_id, "visited", t.entity_id, sent, extractor)
        # 来到 X / 考察 X
        after = vpos + len(mt.group(0))
        # (参加调研，市发改委…陪同: a body after a clause break does something else)
        nxt = next((t for t in targets if 0 <= t.start - after <= 2 and not _CLAUSE_END.search(text, after, t.start)), None)
        if nxt is None:
            # 来到同在高新区的阳光电源股份有限公司: a short modifier ending in 的 before the body
            nxt = next((t for t in targets if t.start > after and ctx.type_of(t) == "Organization"
                        and re.fullmatch(r"[^，。；、]{1,14}的", text[after:t.start])), None)
        if nxt is None:
            # 先后来到妈湾港、比亚迪股份有限公司: names no rule found may open a list whose first
            # name found is a known body or a firm (not 走进企业车间、高校实验室)
            nxt = next((t for t in targets if t.start > after and _UNKNOWN_ITEMS.fullmatch(text, after, t.start)), None)
            if nxt is not None and ctx.kb.get(nxt.entity_id) is None and \
                    not getattr(ctx.entities.get(nxt.entity_id), "name", nxt.text).endswith(("公司", "集团")):
                nxt = None
        while nxt is not None:        # 来到A、B和C: each one of the list (with unknown names between)
            ctx.emit(person.entity_id, "visited", nxt.entity_id, sent, extractor)
            nxt = next((t for t in targets if t.start > nxt.end and (text[nxt.end:t.start] in ("、", "和", "及", "与")
                        or _UNKNOWN_BETWEEN.fullmatch(text, nxt.end, t.start))), None)


#: Items of a list that no rule recognised: short names, each closed by 、
_UNKNOWN_ITEMS = re.compile(r"(?:[^、，。；,;：:\s的]{2,12}、)+")
#: ... and between two recognised ones: 、妈湾港、 or 、创维科技工业园和
_UNKNOWN_BETWEEN = re.compile(r"、(?:[^、，。；,;：:\s的]{2,12}、)*[^、，。；,;：:\s的]{2,12}[、和及与]")
_CLAUSE_END = re.compile(r"[，,。；;]")


def _delegation_patterns(ctx) -> tuple[re.Pattern, re.Pattern]:
    """A delegation or inspection group heading a clause (rules.yaml's delegation_words, or 一行),
    and a person leading one (带领…调研组)."""
    def make(rules):
        words = _alternation(rules.get("delegation_words", ()))
        return (re.compile(f"(?:{words}|一行|大家)"), re.compile(f"(?:带领|率领|率|带)[^，。；]{{0,12}}?(?:{words})"))

    return _from_rules(ctx, "delegations", make)


def _visits_going_to(ctx, sent, ms, state, targets):
    """带队深入凤宁现代产业园、凤阳经济开发区和大庙镇，调研…; 赴上海考察: the places and
    bodies gone to, when a verb of inspecting follows the list (rules.yaml's
    visit_going_words and visit_inspect_verbs)."""
    text = ctx.text
    going = re.compile(_alternation(ctx.rules["visit_going_words"]))
    inspect = re.compile(r"[，,]?\s*(?:进行|开展|实地)?(?:" + _alternation(ctx.rules["visit_inspect_verbs"]) + ")")
    for mt in going.finditer(text, sent.start, sent.end):
        # the list runs to the next comma; a name in it that no rule found (凤宁现代产业园)
        # only stands between the ones found
        stop = _CLAUSE_END.search(text, mt.end(), sent.end)
        end = stop.start() if stop else sent.end
        listed = [t for t in targets if mt.end() <= t.start and t.end <= end]
        if not listed:
            continue
        # (赴舞钢市、叶县和平顶山市尼龙新材料产业集聚区，考察: the last item may be a name no rule
        # found, which only the places before it are read from)
        tail = text[listed[-1].end:end]
        if not (inspect.match(text, listed[-1].end) or
                re.fullmatch(r"[\u4e00-\u9fff]{1,14}", tail) and "的" not in tail and inspect.match(text, end)):
            continue
        gaps = [text[a.end:b.start] for a, b in zip(listed, listed[1:])] + [text[mt.end():listed[0].start]]
        if any(len(g) > 12 or "的" in g for g in gaps):
            continue
        person, how = _clause_actor(ctx, sent, ms, mt.start(), state, persons_only=True)
        if person is None:
            # 县委书记王景育带领郏县党政考察团，赴…: the one who leads the group goes
            lead = _delegation_patterns(ctx)[1].search(text, sent.start, mt.start())
            person = next((m for m in ms if lead is not None and m.end == lead.start()
                           and ctx.type_of(m) == "Person"), None)
            how = "explicit"
        if person is None:
            continue
        leaders = _listed_people_before(ctx, ms, person, separators="，,、") if how == "explicit" else []
        for who in [person] + leaders:
            for t in listed:
                ctx.emit(who.entity_id, "visited", t.entity_id, sent,
                         "visit_frame" if how == "explicit" else "visit_carried")


def _english_led_delegation(ctx, sent, ms, state, targets):
    """Guo Dongming led a university delegation to Ningbo, Zhejiang Province: its leader
    visited the places after "to" (a list of them too)."""
    text = ctx.text
    for mt in _EN_LED_DELEGATION.finditer(text, sent.start, sent.end):
        # (the name may head an earlier clause: Guo Dongming, an academician of …, led …)
        person, how = _clause_actor(ctx, sent, ms, mt.start(), state, persons_only=True)
        if person is None or how not in ("explicit", "speaker"):
            continue
        first = next((t for t in targets if t.start == mt.end() and ctx.type_of(t) == "Place"), None)
        for place in [first, *_en_places_listed_after(ctx, first, targets)] if first is not None else ():
            ctx.emit(person.entity_id, "visited", place.entity_id, sent, "visit_frame")


def _en_places_listed_after(ctx, first, targets):
    """France, Italy and Germany: the places listed after ``first`` in an English list, but
    not a place that says where the one before it is (Ningbo, Zhejiang Province)."""
    last = first
    while (nxt := next((u for u in targets if u.start > last.end and ctx.type_of(u) == "Place"
                        and _EN_LIST_JOIN.fullmatch(ctx.text, last.end, u.start)), None)) is not None:
        listed = ctx.kb.get(last.entity_id)
        if listed is not None and listed.located_in == nxt.entity_id:
            return
        yield nxt
        last = nxt


#: led a (university, business) delegation to …
_EN_LED_DELEGATION = re.compile(r"\b(?:led|headed)\s+(?:a|an|the|his|her)\s+(?:[\w-]+\s+){0,4}?"
                                r"(?:delegation|group|mission|team)\s+(?:on\s+a\s+(?:[\w-]+\s+)?visit\s+)?to\s+(?:the\s+)?")
#: a delegation or group, then "led by" and its leader's name
_EN_LED_BY = re.compile(r"\b(?:delegation|group|team|mission)\s+(?:\w+\s+){0,2}?(?:led|headed)\s+by\s+"
                        r"(?:(?:[A-Z][\w'’-]*|of|the)\s+){0,6}?$")
#: what joins the items of an English list: ", ", " and ", ", and "
_EN_LIST_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+as\s+well\s+as\s+)(?:the\s+)?")
#: the words between an English visiting verb and the company whose site it names
_EN_VISITED_SITE = re.compile(
    r"\s+(?:the\s+|a\s+|its\s+)?(?:(?:[A-Z][\w'’-]*|new|main|local|second|first|largest|smart|research|"
    r"production|manufacturing|assembly|construction)\s+){0,3}?(?:(?:plant|factory|facility|headquarters|base|"
    r"campus|site|centre|center|laboratory|lab|park|office|line|exhibition hall|booth|stand|project)s?\s+"
    r"(?:of|at|for)\s+(?:the\s+)?)?")


# --------------------------------------------------------------------------------------
def _clause_bounds(ctx, sent, pos):
    breaks = ctx.rules["clause_breaks"]
    lo = pos
    while lo > sent.start and ctx.text[lo - 1] not in breaks:
        lo -= 1
    return lo


def _surname_alone(ctx, person, clause: str) -> bool:
    """English prose names a person again by surname alone ("Li said", "Wang noted")."""
    ent = ctx.entities.get(person.entity_id)
    name_en = (ent.name_en if ent else "") or (person.text if re.match(r"[A-Z]", person.text) else "")
    parts = name_en.split()
    return len(parts) >= 2 and bool(re.search(rf"\b{re.escape(parts[0])}\b(?!\s+{re.escape(parts[1])})", clause))


def _is_dateline(ctx, m) -> bool:
    """新华社北京7月25日电 / BEIJING, July 25 --: the agency and the place an article was filed
    from (据新华社北京9月20日电: the agency is no actor either)."""
    after = ctx.text[m.end:m.end + 16]
    return bool(re.match(r"\s*(?:[\u4e00-\u9fff]{2,4})?\d{1,2}月\d{1,2}日电|,?\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2})\s*(?:--|—|-)",
                         after))


def _is_company(ctx, m) -> bool:
    """A company: listed as one, found by the company pattern, or named like one."""
    e = ctx.kb.get(m.entity_id)
    if e is not None:
        return e.category in COMPANY_CATEGORIES
    ent = ctx.entities.get(m.entity_id)
    name = ent.name if ent is not None else m.text
    return m.extractor == "company" or name.endswith(tuple(ctx.rules["company_suffixes"])) or \
        bool(_EN_COMPANY.search(name))


_EN_COMPANY = re.compile(r"\b(?:Co\.?,? Ltd\.?|Company|Corporation|Corp\.?|Group|Inc\.?|Holdings|Technology|Technologies)$")


def _can_act(ctx, m) -> bool:
    """Whole countries (我国, 全国) are the backdrop of policy news, not the doer."""
    e = ctx.kb.get(m.entity_id)
    if ctx.type_of(m) in ("Place", "Organization") and _is_dateline(ctx, m):
        return False
    return not (e is not None and e.type == "Place" and e.category == "country")


def _clause_actor(ctx, sent, ms, vpos, state, persons_only=False, allow_places=True):
    """Who does the verb at ``vpos``: (mention-like, how it was found)."""
    text = ctx.text
    ms = [m for m in ms if _can_act(ctx, m)]
    kinds = {"Person"} if persons_only else ({"Person", "Organization", "Place"} if allow_places
                                             else {"Person", "Organization"})
    lo = _clause_bounds(ctx, sent, vpos)
    # an actor at the head of this clause, or anywhere before the verb in it
    in_clause = [m for m in ms if lo <= m.start and m.end <= vpos and ctx.type_of(m) in kinds]
    persons = [m for m in in_clause if ctx.type_of(m) == "Person"]
    if persons:
        # 工业和信息化部部长肖亚庆致辞: the body before a name is part of the person's title
        return persons[-1], "explicit"
    if in_clause:
        return in_clause[0], "explicit"
    # a pronoun in the clause
    clause = text[lo:vpos]
    if any(p in clause for p in ctx.rules["speaker_pronouns"]):
        sp = state.get("speaker")
        if sp is not None and (not persons_only or ctx.type_of(sp) == "Person"):
            return sp, "pronoun"
    lp = state.get("person")
    if lp is not None and (re.search(r"(?:^|[^其吉])[他她]|\b[Hh]e\b|\b[Ss]he\b", clause)
                           or _surname_alone(ctx, lp, clause)):
        return lp, "pronoun"
    # earlier clauses of the sentence
    earlier = [m for m in ms if sent.start <= m.start and m.end <= lo and ctx.type_of(m) in kinds
               and _is_subject(ctx, sent, m, strict=True)
               and not _in_witness_clause(ctx, sent, m)]
    if earlier:
        speakers = [m for m in earlier if ctx.type_of(m) == "Person"]
        return (speakers or earlier)[-1], "speaker"
    carried = state.get("subject")
    if carried is not None and state.get("meeting_says") == sent.start and ctx.type_of(carried) in kinds:
        return carried, "meeting"          # 会议审议通过了《…》: the body whose meeting it is
    if carried is not None and ctx.type_of(carried) in kinds and not _is_company(ctx, carried):
        # a company an official visited heads the next sentences as their topic, but the
        # programmes named there are the official's (or the government's), not the company's
        return carried, "carried"
    if persons_only and state.get("person") is not None:
        return state["person"], "carried"
    return None, ""


def _is_subject(ctx, sent, m, strict=False):
    """An actor at the head of a clause or right before a speech verb is a subject.

    ``strict`` (for earlier clauses of a sentence) drops the looser cue of a person
    merely preceded by a title, which also fits a person named in passing.
    """
    text = ctx.text
    if not _can_act(ctx, m):
        return False
    head = text[_clause_bounds(ctx, sent, m.start):m.start].strip()
    after = text[m.end:m.end + 6]
    if strict:
        # 金壮龙多次表示: a speech verb within a few characters makes the speaker the subject
        # (not for a place: 在江苏苏州调研时强调 names where the speaker was)
        window = range(4) if ctx.type_of(m) != "Place" else range(1)
        return head in ("", "据", "图为") or any(_longest_at(after, k, ctx.rules["speech_verbs"]) for k in window)
    if ctx.type_of(m) == "Person" and (_longest_at(after, 0, ctx.rules["name_followers"])
                                       or _longest_at_end(text, m.start, ctx.zh_titles)):
        return True
    if _longest_at(after, 0, ctx.rules["speech_verbs"]) or after.startswith(("将", "要", "在", "已", "会同", "持续", "坚持")):
        return True
    if re.match(r"(?:[（(][^（）()]{1,12}[）)])?的", text[m.end:m.end + 16]):
        return False          # 做强杭州高新区（滨江）的核心引擎作用: a modifier, not the subject
    if head in ("", "据", "图为"):
        return True
    # 推动青岛、济南等地…: a place right after a verb is its object, not the subject
    verbs = _programme_verbs(ctx.rules["implement_verbs"], ctx.rules["issue_verbs"], ctx.rules["promote_verbs"])
    return len(head) <= 4 and not re.search("[在由对向与和及把]", head) and not _longest_at_end(head, len(head), verbs) \
        and not _PREPOSITION_HEAD.search(head)


#: 按照财政部、工业和信息化部《…通知》要求: a body after a preposition is not the subject
_PREPOSITION_HEAD = re.compile(r"(?:按照|根据|依据|对照|依照|围绕|结合|通过|会同|经|同|跟|被|给|让|从|自|随|据)$")


def _programme_verbs(imp, iss, pro) -> _Lexicon:
    key = (id(imp), id(iss), id(pro))
    found = _LEXICONS.get(key)
    if found is None or not all(a is b for a, b in zip(found[0], (imp, iss, pro))):
        found = _LEXICONS[key] = ((imp, iss, pro), _Lexicon(sorted(set(imp) | set(iss) | set(pro),
                                                                   key=len, reverse=True)))
    return found[1]


def programme_verbs(ctx: _Ctx, sent: Sentence, ms: list[Mention], state: dict):
    text = ctx.text
    imp, iss, pro = (ctx.rules["implement_verbs"], ctx.rules["issue_verbs"], ctx.rules["promote_verbs"])
    verbs = _programme_verbs(imp, iss, pro)
    for obj in [m for m in ms if ctx.type_of(m) == "Policy" and not m.extractor.endswith(":nested")]:
        _issuers_before_title(ctx, sent, ms, obj)
    last = None        # (actors, verb, end of the programme) of the sentence's last statement
    for obj in [m for m in ms if ctx.type_of(m) in PROGRAMMES and not m.extractor.endswith(":nested")]:
        lo = _clause_bounds(ctx, sent, obj.start)
        verb, vpos = None, None
        if _ALIAS_INTRO.search(text, max(lo, obj.start - 8), obj.start):
            continue          # （以下简称《行动方案》）: the document named again, nothing done to it
        i = obj.start
        while i > lo:
            v = _longest_at_end(text, i, verbs)
            if v and not _inside_mention(ms, i - len(v), obj) and not (v == "以" and text[i:i + 1] in _NOT_YI):
                verb, vpos = v, i - len(v)
                break
            i -= 1
        if verb is not None and text.startswith("的", vpos + len(verb)):
            # 交通运输部落实中共中央、国务院印发的《…》: the bodies right before the verb of a
            # relative clause are its actors, not the sentence's subject
            issuers = _bodies_ending_at(ctx, ms, vpos)
            if issuers:
                for actor in issuers:
                    _emit_programme(ctx, sent, actor, obj, verb, "explicit", iss, imp)
                last = (issuers, verb, obj.end)
                continue
        if verb in iss and "通过" in verb and state.get("host") is not None and ctx.type_of(obj) == "Policy" \
                and _convened_here(ctx, sent, ms):
            # 李强主持召开国务院常务会议，…，审议通过《…》: the meeting adopts it, for its body
            _emit_programme(ctx, sent, state["host"], obj, verb, "meeting", iss, imp)
            last = ([state["host"]], verb, obj.end)
            continue
        actor, how = _clause_actor(ctx, sent, ms, vpos, state) if verb is not None else (None, None)
        if actor is None:
            # 广西加快推进A建设，…；推进B建设；C建设全面铺开: the actor of the sentence's last
            # statement goes on acting down the sentence until another actor is named
            if last is not None and not _actor_between(ctx, ms, last[2], obj.start):
                for actor in last[0]:
                    _emit_programme(ctx, sent, actor, obj, verb or last[1], "continued", iss, imp)
                last = (last[0], last[1], obj.end)
            continue
        actors = _coordinated(ctx, ms, actor, vpos)
        for actor in actors:
            _emit_programme(ctx, sent, actor, obj, verb, how, iss, imp)
        last = (actors, verb, obj.end)
    if ctx.article.language == "en":
        _english_by_frames(ctx, sent, ms, iss, imp)
        _english_anaphoric_issuer(ctx, sent, ms, state, iss)


_EN_PASSIVE = re.compile(r",?\s+(?:which\s+)?(?:was|were|has been|have been|had been|is|are)\s+(?:jointly\s+|"
                         r"recently\s+|officially\s+|formally\s+)?([a-z]+(?: out)?)\s+by\s+(?:the\s+)?")
_EN_OTHERS = re.compile(r"(?:\s*\([A-Z][\w&.-]{1,15}\))?\s+and\s+(?:[\w-]+\s+)?other\s+(?:central\s+)?(?:departments|ministries|agencies|"
                        r"government\s+bodies|bodies|authorities|organizations)(?:,?\s+(?:including|such\s+as|namely)|:)\s+(?:the\s+)?")
_EN_RELATIVE = re.compile(r",?\s+(?:which|that)\s+(?:the\s+)?$")


def _english_by_frames(ctx, sent, ms, iss, imp):
    """The Implementation Plan … was jointly issued by the Ministry of …; the Action Plan …,
    which the State Council published in March: the actor after "by" or "which"."""
    text = ctx.text
    actors = [m for m in ms if ctx.type_of(m) in ("Organization", "Place")]
    for obj in [m for m in ms if ctx.type_of(m) in PROGRAMMES]:
        mt = _EN_PASSIVE.match(text, obj.end, sent.end)
        if mt and (mt.group(1) in iss or mt.group(1) in imp):
            verb, at = mt.group(1), mt.end()
        else:
            first = next((a for a in actors if a.start > obj.end), None)
            if first is None or not _EN_RELATIVE.search(text[obj.end:first.start]):
                continue
            mv = re.match(r"\s+([a-z]+(?: out)?)\b", text[first.end:sent.end])
            if not mv or not (mv.group(1) in iss or mv.group(1) in imp):
                continue
            verb, at = mv.group(1), first.start
        first = next((a for a in actors if a.start == at), None)
        if first is None:
            continue
        group = _coordinated(ctx, ms, first, sent.end)
        # … by the MIIT and six other departments, including the NDRC, the Ministry of Finance …
        more = _EN_OTHERS.match(text, group[-1].end, sent.end)
        if more:
            nxt = next((a for a in actors if a.start == more.end()), None)
            if nxt is not None:
                group += _coordinated(ctx, ms, nxt, sent.end)
        for actor in group:
            _emit_programme(ctx, sent, actor, obj, verb, "by", iss, imp)


def _issuers_before_title(ctx, sent, ms, obj):
    """财政部、工业和信息化部《关于支持“专精特新”中小企业高质量发展的通知》: the bodies written
    right before a document's title in 《》 are its authors."""
    text = ctx.text
    if "《" not in text[max(sent.start, obj.start - 1):obj.start + 1]:
        return
    last = next((m for m in reversed(ms) if m.end <= obj.start and ctx.type_of(m) in ("Organization", "Place")
                 and text[m.end:obj.start] in ("", "《", "的", "的《")), None)
    if last is None or _is_company(ctx, last):
        return
    group = [last]
    for m in reversed([m for m in ms if m.end <= last.start]):
        if ctx.type_of(m) == ctx.type_of(group[-1]) and text[m.end:group[-1].start] in ("、", "和", "与", "及", "，"):
            group.append(m)
        else:
            break
    for actor in group:
        ctx.emit(actor.entity_id, "issued", obj.entity_id, sent, "issuer_before_title")


def _english_anaphoric_issuer(ctx, sent, ms, state, iss):
    """The guideline, issued by the General Office of the State Council, …: "the" and a
    document word stand for the last document so named; the actors after "by" issued it."""
    heads = ctx.rules.get("en_lower_document_heads", ()) + [h.lower() for h in ctx.rules.get("en_document_heads", ())]
    pattern = _EN_ANAPHOR.get(id(ctx.rules))
    if pattern is None:
        pattern = _EN_ANAPHOR[id(ctx.rules)] = re.compile(
            rf"\b[Tt]he ({_alternation(sorted(set(heads), key=len, reverse=True))}),?\s+(?:which\s+)?(?:was\s+|were\s+)?"
            r"(?:jointly\s+|recently\s+|officially\s+)?([a-z]+(?: out)?)\s+by\s+(?:the\s+)?")
    text = ctx.text
    for mt in pattern.finditer(text, sent.start, sent.end):
        if mt.group(2) not in iss or _inside_mention(ms, mt.start(1), None):
            continue
        head = mt.group(1).lower()
        named = [m for m in ms if m.end <= mt.start() and ctx.type_of(m) == "Policy"]
        doc = named[-1] if named else state.get("policy")
        if doc is None or head.split()[-1] not in doc.text.lower():
            continue
        first = next((m for m in ms if m.start == mt.end() and ctx.type_of(m) in ("Organization", "Place")), None)
        if first is not None:
            for actor in _coordinated(ctx, ms, first, sent.end):
                _emit_programme(ctx, sent, actor, doc, mt.group(2), "by", iss, ())


_EN_ANAPHOR: dict[int, re.Pattern] = {}


def _listed_people_before(ctx, ms, last, separators="、和与及"):
    """The people listed before ``last`` (、 or 和 between them, each perhaps with its body
    and title: 财政部部长蓝佛安、商务部部长王文涛), nearest first. With ``separators``
    "，,、" the titled leaders before a clause's head (县委书记朱林，县委副书记、县长王俊卿带队)."""
    people = [m for m in ms if m.end <= last.start and ctx.type_of(m) == "Person"]
    out, right = [], last
    for m in reversed(people):
        gap = ctx.text[m.end:right.start]
        if not gap or gap[0] not in separators:
            break
        inner = [x for x in ms if x.start >= m.end and x.end <= right.start]
        rest, pos = [], m.end + 1
        for x in sorted(inner, key=lambda x: x.start):
            rest.append(ctx.text[pos:x.start])
            pos = x.end
        rest.append(ctx.text[pos:right.start])
        if not all(_only_titles(ctx, piece) for piece in rest):
            break
        out.append(m)
        right = m
    return out


def _titled_clauses_before(ctx, sent, ms, lo):
    """省委副书记诸葛宇杰，省委常委、武汉市委书记郭元强，…出席: the people named, each with
    nothing but titles, in the comma-separated clauses right before the verb's clause."""
    text, out, end = ctx.text, [], lo
    while end - 1 > sent.start and text[end - 1] in "，,":
        start = max(sent.start, *(text.rfind(c, sent.start, end - 1) + 1 for c in "，,。；;：:"))
        inside = [m for m in ms if start <= m.start and m.end <= end - 1]
        people = [m for m in inside if ctx.type_of(m) == "Person"]
        if len(people) != 1 or people[0].end != end - 1 or people[0].start == start:
            break
        pos, pieces = start, []
        for m in inside[:-1]:
            pieces.append(text[pos:m.start])
            pos = m.end
        pieces.append(text[pos:people[0].start])
        if not all(_only_titles(ctx, p) for p in pieces) or not any(pieces):
            break
        out.append(people[0])
        end = start
    return out


def _only_titles(ctx, piece: str) -> bool:
    """True when ``piece`` is nothing but post titles (党组书记、部长) or empty."""
    i = 0
    while i < len(piece):
        t = _longest_at(piece, i, ctx.zh_titles)
        if t:
            i += len(t)
        elif piece[i] == "、":
            i += 1
        else:
            return False
    return True


def _coordinated(ctx, ms, first, limit):
    """工业和信息化部、教育部和科技部等…印发, 商务部会同财政部等7部门印发: every body of the
    list does the verb."""
    group = [first]
    kind = ctx.type_of(first)
    for m in ms:
        if m.start >= limit:
            break
        if m.start > group[-1].end and ctx.type_of(m) == kind and \
                ctx.text[group[-1].end:m.start] in ("、", "和", "与", "及", "以及", "会同", "联合", "同",
                                                    ", ", " and ", ", and ", ", the ", " and the ", ", and the "):
            group.append(m)
    return group


def _emit_programme(ctx, sent, actor, obj, verb, how, iss, imp):
    """The predicate follows the actor and the verb: a person can only promote."""
    if ctx.type_of(actor) == "Person":
        pred = "promotes"
    elif verb in iss and ctx.type_of(obj) == "Policy":
        pred = "issued"
    elif verb in iss or verb in imp:
        pred = "implements"
    else:
        pred = "promotes"
    # a body or place carried over from earlier sentences is the subject far less often than a
    # person carried over (first looks: about 1 in 10 against 9 in 10): its own rule, its own confidence
    extractor = "verb_carried_body" if how == "carried" and ctx.type_of(actor) != "Person" else f"verb_{how}"
    ctx.emit(actor.entity_id, pred, obj.entity_id, sent, extractor)


_ALIAS_INTRO = re.compile(r"[（(](?:以下)?简称[“《]?$")
_NOT_YI = set("下上来及后前便内外为")      # 以下, 以来, 以及 …: not 以 "taking … as"


_SESSION_OF_BODY = re.compile(r"^(.{2,30}?)(?:第[一二三四五六七八九十百零\d]+届)?((?:人民代表大会常务委员会|人民代表大会|"
                              r"政治协商会议[^第]{0,12}委员会|委员会))第[一二三四五六七八九十百零\d]+次(?:会议|全体会议)$")


def _session_body(ctx, ev: Mention) -> str | None:
    """The body a numbered session belongs to (…人民代表大会常务委员会第三十三次会议), when the
    knowledge base lists it and the article names it."""
    ent = ctx.entities.get(ev.entity_id)
    m = _SESSION_OF_BODY.match(ent.name) if ent is not None else None
    if m is None:
        return None
    found = next((e for e in ctx.kb.candidates(m.group(1) + m.group(2)) if e.type == "Organization"), None)
    return found.id if found is not None and found.id in ctx.entities else None


def _convened_here(ctx, sent, ms) -> bool:
    """Whether this sentence convenes a meeting (主持召开…会议) the article names."""
    return any(ctx.type_of(m) == "Event" for m in ms) and \
        re.search(r"(?:主持召开|召开|举行)", ctx.text[sent.start:sent.end]) is not None


def _bodies_ending_at(ctx, ms, pos) -> list[Mention]:
    """The bodies listed right before ``pos`` (中共中央、国务院 before 印发), first to last."""
    found = []
    for m in reversed(ms):
        if m.end > pos:
            continue
        if ctx.type_of(m) not in ("Organization", "Place") or \
                ctx.text[m.end:pos] not in (("",) if not found else ("、", "和", "与", "及", "会同")):
            break
        found.insert(0, m)
        pos = m.start
    return found


def _actor_between(ctx, ms, lo, hi) -> bool:
    """Whether a person, body or place is named between ``lo`` and ``hi`` (China itself, as in
    全国前列 or 中国（广西）自由贸易试验区, names no new actor)."""
    return any(lo <= m.start < hi and ctx.type_of(m) in ("Person", "Organization", "Place")
               and m.entity_id != "place:china" for m in ms)


def _inside_mention(ms, pos, exclude):
    return any(m.start <= pos < m.end for m in ms if m is not exclude)


# --------------------------------------------------------------------------------------
_REPORT_SAYS = re.compile(r"(?:政府)?(?:工作)?报告(?:还|并|同时|也)?(?:提出|指出|要求|强调|明确|部署|表示|认为)")
_DELIVERS_REPORT = re.compile(r"作(?:了)?(?:政府|党代会|常委会)?(?:工作)?报告")
_MEETING_VERB = re.compile(r"(?:还|并|同时|也)?(?:要求|强调|指出|提出|认为|明确|部署|号召|决定|表示|宣称|称|提到|"
                           r"审议通过|研究通过|原则通过|讨论通过|表决通过|审议|研究)")
_MEETING_SAYS = re.compile(r"(?:[^，。；]{1,12}[，,])?(?:这场|此次|本次)?(?:会议|大会|全会|会上)" + _MEETING_VERB.pattern)


def _meeting_body(ctx, state):
    """Whose meeting it is: its organizer, else the body of the person who reported to it."""
    if state.get("host") is not None:
        return state["host"]
    # the work report's author (金壮龙作工作报告) before whoever spoke last
    speaker = state.get("reporter") or state.get("speaker")
    if speaker is None:
        return None
    body = next((r.object for r in ctx.out if r.subject == speaker.entity_id and r.predicate == "holdsPosition"
                 and ctx.entities.get(r.object) is not None and ctx.entities[r.object].type == "Organization"), None)
    return Mention(start=-1, end=-1, text="", label="Organization", extractor="meeting", entity_id=body) \
        if body else None


def _witness_clause(ctx, clause: str) -> bool:
    """在A和B的见证下 / 在省领导陪同下: an adverbial of circumstance (rules.yaml
    ``witness_clause_frames``), whose people are not the subject of the clause that follows."""
    return any(frame.match(clause) for frame in _compiled_frames(ctx.rules.get("witness_clause_frames", ())))


def _in_witness_clause(ctx, sent, m) -> bool:
    """Whether ``m`` stands in such a clause (see :func:`_witness_clause`)."""
    breaks = ctx.rules["clause_breaks"]
    hi = m.end
    while hi < sent.end and ctx.text[hi] not in breaks:
        hi += 1
    return _witness_clause(ctx, ctx.text[_clause_bounds(ctx, sent, m.start):hi])


def sentence_head(ctx: _Ctx, sent: Sentence, ms: list[Mention], state: dict):
    """Before the rules run: who this sentence is about, when its head says so."""
    text = ctx.text
    s = text[sent.start:sent.end].lstrip()
    if _MEETING_SAYS.match(s):
        # 会议要求，…一是…: the meeting speaks for the body that holds it
        host = _meeting_body(ctx, state)
        # a meeting whose body the article never names speaks for nobody we know: carrying
        # over whoever was named before (省委、省政府工作要求) gives the tasks to the wrong body
        state["subject"] = host
        state["meeting_says"] = sent.start       # this sentence's subject is the meeting's body
        return
    if _REPORT_SAYS.match(s) and state.get("reporter") is not None:
        # 报告提出，今年要…: the report speaks for whoever delivered it
        state["subject"] = state["speaker"] = state["reporter"]
        return
    first_clause = re.split(r"[，,。；;：:]", s, maxsplit=1)[0]
    if _witness_clause(ctx, first_clause):
        # 在岑浩辉和龚正的见证下，双方代表签署了…: who witnesses does not sign, and the
        # sentence's subject is no one named before it either; 在市领导陪同下，考察了…: the
        # companions are not its subject, whoever was before still is
        if "见证" in first_clause:
            state["subject"] = None
        return
    if re.match(r"(?:[他她]|He\b|She\b)", s) and state.get("person") is not None:
        state["speaker"] = state["subject"] = state["person"]
        return
    if any(p in first_clause for p in ctx.rules["speaker_pronouns"]) and state.get("speaker") is not None:
        state["subject"] = state["speaker"]
        return
    lo = sent.start + (len(text[sent.start:sent.end]) - len(s))
    for m in ms:
        if m.start > lo + len(first_clause):
            break
        if ctx.type_of(m) in ACTORS and _is_subject(ctx, sent, m):
            state["subject"] = m
            if ctx.type_of(m) == "Person":
                state["speaker"] = state["person"] = m
            return


def responsible_units(ctx: _Ctx, sent: Sentence, ms: list[Mention], state: dict):
    """（责任单位：市发展改革委，市经济和信息化局）: each body listed implements the document
    the paragraph is about (named in the sentence, else the last one named before)."""
    text = ctx.text
    markers = ctx.rules["responsible_markers"]
    if not any(w in text[sent.start:sent.end] for w in markers):
        return
    for mt in re.finditer(f"(?:{markers.alternation})[：:]", text[sent.start:sent.end]):
        at = sent.start + mt.end()
        stop = _LIST_END.search(text, at, sent.end)
        end = stop.start() if stop else sent.end
        # 4. 加快数字化转型。贯彻《…指南》，深入推进“上云用数赋智”…。（责任单位：…）: the units carry
        # out what their own item names; an item that names nothing carries out the document
        item = max(ctx.text.rfind("\n", 0, at) + 1, state.get("responsible_end", 0))
        named = [m for m in state.get("item_programmes", ()) if item <= m.start] + \
                [m for m in ms if m.end <= at and ctx.type_of(m) in PROGRAMMES and not m.extractor.endswith(":nested")]
        before = [m for m in ms if m.end <= at and ctx.type_of(m) == "Policy" and _named_document(ctx, m)]
        doc = before[-1] if before else state.get("policy")
        if any(ctx.type_of(m) == "Policy" and _DOCUMENT_SAYS.match(ctx.text, m.end) for m in named):
            # 《行动方案》提出…（责任单位：…）: the item restates the document, which the units carry out
            named = [m for m in named if ctx.type_of(m) == "Policy" and _DOCUMENT_SAYS.match(ctx.text, m.end)]
        targets = list({m.entity_id: m for m in named}.values()) or ([doc] if doc is not None else [])
        for m in ms:
            if at <= m.start and m.end <= end and ctx.type_of(m) in ("Organization", "Place"):
                for target in targets:
                    ctx.emit(m.entity_id, "implements", target.entity_id, sent, "responsible_list")
        state["responsible_end"] = end


def _remember_item_programmes(ctx, sent, top, state):
    """The programmes named so far in the paragraph (a numbered item of a plan), for the
    responsible units listed at its end."""
    para = ctx.text.rfind("\n", 0, sent.start) + 1
    state["item_programmes"] = [m for m in state.get("item_programmes", ()) if m.start >= para] + \
        [m for m in top if ctx.type_of(m) in PROGRAMMES]


_LIST_END = re.compile(r"[）)。；;\n]")
_DOCUMENT_SAYS = re.compile(r"[》”」]?(?:还|也|进一步|明确)?(?:提出|明确|要求|强调|指出|规定|部署|围绕)")
_LEAD_VERB = re.compile(r"(?:分别|具体|共同)?(?:牵头|负责|组织实施|承担|推进|落实|实施)")
_BY = re.compile(r"[》”」]?(?:[和与及、][^，。；]{0,30}?)?由")


def _body_list(ctx, ms, start, end):
    """The organisations listed from ``start`` (市工业和信息化局、市发展改革委), and where the list ends."""
    first = next((m for m in ms if m.start == start and ctx.type_of(m) == "Organization"), None)
    if first is None:
        return [], start
    found = _coordinated(ctx, ms, first, end)
    return found, found[-1].end


def led_by(ctx: _Ctx, sent: Sentence, ms: list[Mention]):
    """创新引领工程由市科技局牵头，市工业和信息化局、市发展改革委配合; A工程和B工程由市工业和
    信息化局牵头: the bodies after 由 that lead, and those said to assist, implement the
    programmes before it."""
    text = ctx.text
    for obj in ms:
        if ctx.type_of(obj) not in PROGRAMMES or obj.extractor.endswith(":nested"):
            continue
        mt = _BY.match(text, obj.end, sent.end)
        if not mt:
            continue
        between = [m for m in ms if obj.end <= m.start < mt.end()]
        if any(ctx.type_of(m) not in PROGRAMMES for m in between):
            continue          # 由 belongs to another noun phrase
        leaders, pos = _body_list(ctx, ms, mt.end(), sent.end)
        issuing = _longest_at(text, pos, ctx.rules["issue_verbs"]) if ctx.type_of(obj) == "Policy" else None
        if leaders and issuing:
            # 《国家水网建设规划纲要》由中共中央、国务院印发实施
            for b in leaders:
                ctx.emit(b.entity_id, "issued", obj.entity_id, sent, "verb_by")
            continue
        verb = _LEAD_VERB.match(text, pos)
        if not leaders or not verb:
            continue
        bodies = list(leaders)
        if text.startswith("，", verb.end()):
            helpers, hpos = _body_list(ctx, ms, verb.end() + 1, sent.end)
            if helpers and text.startswith("配合", hpos):
                bodies += helpers
        for o in [obj] + between:
            for b in bodies:
                ctx.emit(b.entity_id, "implements", o.entity_id, sent, "led_by")


def invited_bodies(ctx: _Ctx, sent: Sentence, ms: list[Mention]):
    """召开政企恳谈会，邀请市经济和信息化局、发展和改革局…的负责同志: the bodies a meeting
    invites take part in it (the event named in the sentence before 邀请)."""
    text = ctx.text
    for mt in re.finditer(_alternation(ctx.rules["invitation_words"]), text[sent.start:sent.end]):
        at = sent.start + mt.end()
        event = next((m for m in reversed(ms) if m.end <= at - 2 and ctx.type_of(m) == "Event"), None)
        if event is None:
            continue
        stop = _CLAUSE_END.search(text, at, sent.end)
        end = stop.start() if stop else sent.end
        for m in ms:
            if at <= m.start and m.end <= end and ctx.type_of(m) == "Organization":
                ctx.emit(m.entity_id, "participatedIn", event.entity_id, sent, "participated_invited")


def known_organizers(ctx: _Ctx, sent: Sentence, ms: list[Mention]):
    """国务院常务会议, 中国国际进口博览会: an event the KB lists with the body that holds it
    (``parent``) is organized by that body, where the article names the body too."""
    for m in ms:
        if ctx.type_of(m) != "Event":
            continue
        entry = ctx.kb.get(m.entity_id)
        if entry is None or not entry.parent or entry.parent not in ctx.entities:
            continue
        # 贯彻党的二十大和中央经济工作会议精神: an event cited for its line is not being held here
        after = re.split(r"[，。；,;]", ctx.text[m.end:sent.end], maxsplit=1)[0]
        if "精神" in after or _cited_before(ctx, sent, m):
            continue
        ctx.emit(entry.parent, "organized", m.entity_id, sent, "organizer_known")


def _cited_before(ctx, sent, ev: Mention) -> bool:
    """贯彻落实…会议, 学习…会议: an event a citing word (rules.yaml's event_citing_words) comes
    shortly before is cited, not held here."""
    return any(w in ctx.text[max(sent.start, ev.start - 8):ev.start] for w in ctx.rules["event_citing_words"])


def _named_document(ctx, m: Mention) -> bool:
    """A document named by its title in 《》 (or one the knowledge base lists), not 专项方案."""
    e = ctx.entities.get(m.entity_id)
    return m.text.startswith("《") or ctx.text[m.start - 1:m.start] == "《" or (e is not None and e.kb_id is not None) \
        or bool(re.match(r"[A-Za-z]", m.text))          # English titles and descriptions name it


def _cited_as_basis(ctx, sent, m) -> bool:
    """根据《国务院办公厅关于…的通知》和《省政府办公厅关于…的通知》精神，制定本方案: a
    document cited as the basis of another is not the one the paragraphs that follow are about
    (``basis_openers`` and ``basis_closers`` in rules.yaml, in the document's clause)."""
    text = ctx.text
    clause = max([sent.start] + [text.rfind(c, sent.start, m.start) + 1 for c in "，,。；;：:"])
    stop = _CLAUSE_END.search(text, m.end, sent.end)
    end = stop.start() if stop else sent.end
    return any(text.find(w, clause, m.start) >= 0 for w in ctx.rules["basis_openers"]) and \
        any(text.find(w, m.end, end) >= 0 for w in ctx.rules["basis_closers"])


def update_state(ctx: _Ctx, sent: Sentence, ms: list[Mention], state: dict):
    """Track the last person, the last speaker, the last explicit subject and the last
    document named."""
    text = ctx.text
    speech = ctx.rules["speech_verbs"]
    for mt in _DELIVERS_REPORT.finditer(text, sent.start, sent.end):
        # 省长周乃翔代表省人民政府向大会作政府工作报告: the reporter is the person heading the clause
        clause = _clause_bounds(ctx, sent, mt.start())
        person = next((m for m in ms if clause <= m.start < mt.start() and ctx.type_of(m) == "Person"), None)
        if person is not None:
            state["reporter"] = person
    companies = [m for m in ms if ctx.type_of(m) == "Organization" and _is_company(ctx, m)]
    ctx.last_company = companies[-1] if companies else None
    ctx.previous_bodies = [m for m in ms if ctx.type_of(m) == "Organization"]
    # （责任单位：…）closes an item: the units listed carry out that item, not the next one
    listed_from = min((i for i in (text.find(w, sent.start, sent.end) for w in ctx.rules["responsible_markers"])
                       if i >= 0), default=sent.end)
    for m in ms:
        t = ctx.type_of(m)
        if t == "Policy" and _named_document(ctx, m) and not _cited_as_basis(ctx, sent, m):
            state["policy"] = m
        if t == "Person":
            state["person"] = m
        if t in ACTORS and m.start < listed_from and _can_act(ctx, m) and _is_subject(ctx, sent, m):
            if _longest_at(text[m.end:m.end + 6], 0, speech) or t == "Person":
                state["speaker"] = m if t == "Person" else state.get("speaker")
            state["subject"] = m
    s = text[sent.start:sent.end]
    for mt in _delegation_patterns(ctx)[1].finditer(text, sent.start, sent.end):
        # 市政协副主席梁常运带领市政协调研组…: the group is his in the sentences that follow
        leader = next((m for m in reversed(ms) if m.end <= mt.start() and ctx.type_of(m) == "Person"
                       and not _CLAUSE_END.search(text, m.end, mt.start())), None)
        if leader is not None:
            state["group_leader"] = leader
    if re.search(r"(?:^|[，,])\s*[他她](?:" + _alternation(speech) + ")", s) and state.get("person"):
        state["speaker"] = state["person"]
        state["subject"] = state["person"]
    if any(p in s for p in ctx.rules["speaker_pronouns"]) and state.get("speaker") is not None:
        state["subject"] = state["speaker"]


def _main_regions(kb, mentions) -> dict:
    """The province and the city an article mentions most (for 省委书记, 市长 with no body)."""
    from collections import Counter

    from .kb import CITY_CATEGORIES, PROVINCE_CATEGORIES

    counts = {"province": Counter(), "city": Counter(), "county": Counter()}
    for m in mentions:
        e = kb.get(m.entity_id)
        if e is None:
            continue
        place = e if e.type == "Place" else kb.get(e.located_in) if e.located_in else None
        if place is None:
            continue
        if place.category in PROVINCE_CATEGORIES:
            counts["province"][place.id] += 1
            if place.category in CITY_CATEGORIES:     # 上海市: 市委书记 and 市长 are its own
                counts["city"][place.id] += 1
        elif place.category in CITY_CATEGORIES:
            counts["city"][place.id] += 1
            if place.located_in:
                counts["province"][place.located_in] += 0.5
        elif place.category in COUNTY_CATEGORIES:
            counts["county"][place.id] += 1     # 县长 with no county named: the article's county
            if place.name.endswith("市"):
                counts["city"][place.id] += 1   # 江阴市: its 市委书记 and 市长 are the county-level city's
    return {k: c.most_common(1)[0][0] for k, c in counts.items() if c}


def extract_relations(article: Article, mentions: list[Mention], entities: dict[str, Entity],
                      kb: KnowledgeBase, rules: dict | None = None,
                      calibration: Calibration | None = None) -> list[Relation]:
    """All relations the article states. ``entities`` may gain KB entities a title implies.

    ``calibration`` maps each rule to its fitted confidence (default: the shipped
    ``kg/data/calibration.json``; pass ``Calibration()`` for the uncalibrated priors).
    """
    ctx = _Ctx(article=article, text=article.simplified or article.text, entities=entities, kb=kb,
               rules=_lexicon_rules(rules or load_rules()),
               calibration=calibration if calibration is not None else load_calibration())
    ctx.zh_titles = _zh_titles(kb)
    linked = sorted((m for m in mentions if m.entity_id), key=lambda m: m.start)
    ctx.main_region = _main_regions(kb, linked)
    starts = [m.start for m in linked]
    state: dict = {}
    for sent in split_sentences(ctx.text):
        # the mentions inside the sentence, found by bisection (a scan per sentence is quadratic)
        lo, hi = bisect_left(starts, sent.start), bisect_right(starts, sent.end)
        ms = [m for m in linked[lo:hi] if m.end <= sent.end]
        if sent.end - sent.start > MAX_SENTENCE_CHARS:
            continue  # not a sentence (a run-on line, a table): the rules below are quadratic in it
        sent = Sentence(sent.start, sent.end, article.text[sent.start:sent.end])
        top = [m for m in ms if not m.extractor.endswith(":nested")]
        ctx.sentence_mentions = top
        sentence_head(ctx, sent, top, state)
        positions(ctx, sent, top)
        locations(ctx, sent, top)
        press_conferences(ctx, sent, top, state)
        event_roles(ctx, sent, top, state)
        meeting_speakers(ctx, sent, top, state)
        visits(ctx, sent, top, state)
        programme_verbs(ctx, sent, top, state)
        led_by(ctx, sent, top)
        responsible_units(ctx, sent, top, state)
        _remember_item_programmes(ctx, sent, top, state)
        known_organizers(ctx, sent, top)
        invited_bodies(ctx, sent, top)
        update_state(ctx, sent, top, state)
    # A relation the article states in two or more sentences is right more often than one
    # stated once: the count is a calibration feature, known only once all are found.
    support = Counter((r.subject, r.predicate, r.object) for r in ctx.out)
    for r in ctx.out:
        r.score = ctx.calibration.confidence(
            r.extractor, PRIOR.get(r.extractor, 0.5), ctx.listed_ends(r.subject, r.object),
            repeated=support[(r.subject, r.predicate, r.object)] > 1)
        r.confidence = ctx.calibration.tiered(r.score)
    return ctx.out
