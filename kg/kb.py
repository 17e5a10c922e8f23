"""The knowledge base of canonical entities and their aliases.

Plain classes that work without spaCy, in the manner of scispaCy's ``KnowledgeBase``: the
data lives in versioned JSON Lines files under ``kg/data/kb/`` (see ``kg/data/README.md``),
this module only loads, expands and indexes it. The recognizer turns the alias index into
spaCy patterns; the linker asks it for candidates.

Besides the listed entries, the knowledge base *generates* the bodies every province and
city has (江苏省人民政府, 江苏省工业和信息化厅, 中共江苏省委 ...) from the templates in
``provincial_bodies.jsonl``, so a provincial department no list names is still one
canonical node with its short forms (江苏省工信厅) as aliases.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import KnowledgeBaseError

DATA_DIR = Path(__file__).parent / "data"
KB_DIR = DATA_DIR / "kb"

PLACE_LEVELS = {
    "country": 0, "province": 1, "municipality": 1, "autonomous_region": 1, "sar": 1,
    "sub_provincial_city": 2, "prefecture_city": 2, "prefecture": 2, "autonomous_prefecture": 2,
    "league": 2, "district": 3, "new_area": 3, "county": 3,
}
PROVINCE_CATEGORIES = {"province", "municipality", "autonomous_region", "sar"}
CITY_CATEGORIES = {"prefecture_city", "sub_provincial_city", "prefecture", "autonomous_prefecture",
                   "league", "municipality"}
COUNTY_CATEGORIES = {"county", "county_city", "district", "banner"}
ZONE_CATEGORIES = {"zone", "new_area"}
#: The words that end a zone's bodies: its management committee, then its party working committee
ZONE_COMMITTEE_WORDS = ("管委会", "管理委员会")
ZONE_PARTY_WORDS = ("党工委", "党工作委员会")
# Central bodies whose internal departments are 司 (规划司, 信息通信发展司)
DEPARTMENT_PARENTS = {"ministry", "commission", "state_agency", "national_bureau", "central_bank", "state_office"}

_LATIN = re.compile(r"[A-Za-z]")


def alias_key(text: str) -> str:
    """The form aliases are indexed and looked up by: NFKC, lower case, no spaces or quotes.

    >>> alias_key("“Li  Qiang”")
    'liqiang'
    """
    s = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in s if not ch.isspace() and ch not in "“”‘’\"'《》〈〉「」『』·.")


def is_latin(text: str) -> bool:
    return bool(_LATIN.search(text)) and not any("\u4e00" <= ch <= "\u9fff" for ch in text)


@dataclass
class KBEntry:
    """One canonical entity of the knowledge base."""

    id: str
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)
    en: str = ""
    en_aliases: list[str] = field(default_factory=list)
    weak_aliases: list[str] = field(default_factory=list)
    category: str = ""
    parent: str | None = None
    located_in: str | None = None

    @property
    def strong_names(self) -> list[str]:
        """Names safe to match anywhere in a text."""
        names = [self.name, *self.aliases]
        if self.en:
            names.append(self.en)
        names.extend(self.en_aliases)
        return [n for n in dict.fromkeys(names) if n and len(n) > 1]

    @property
    def all_names(self) -> list[str]:
        return list(dict.fromkeys(self.strong_names + [w for w in self.weak_aliases if len(w) > 1]))

    @property
    def place_level(self) -> int:
        return PLACE_LEVELS.get(self.category, 9)


@dataclass
class Post:
    """A post title (部长, Premier) and the body it implies, if any."""

    title: str
    en: list[str] = field(default_factory=list)
    implies: str | None = None
    needs_body: bool = True
    rank_of: str | None = None
    lang: str = "zh"
    of_company: bool = False     # 董事长, 总经理: a post in a company (bound to the company at hand)
    # 部长 -> 部: the ending of the body such a title belongs to when none is named beside it
    # (生态环境部党组书记孙金龙出席…，部长黄润秋作报告: the ministry named last)
    body_endings: list[str] = field(default_factory=list)


@dataclass
class BodyTemplate:
    """A body every province or city has, e.g. suffix 工业和信息化厅, short 工信厅."""

    suffix: str
    short: list[str] = field(default_factory=list)
    en: str = ""
    level: str = "province"
    prefix: str = ""
    party: bool = False
    party_organ: bool = False      # 江苏省委组织部: also written with 中共 in front
    key: str = ""
    category: str = ""             # zone_committee: named after the city without 市


def _party_spellings(entry: "KBEntry") -> list[str]:
    """The English aliases of a party body with the Party spelled out as Xinhua writes it:
    CPC Shanghai Municipal Committee -> Communist Party of China (CPC) Shanghai Municipal
    Committee and Communist Party of China Shanghai Municipal Committee."""
    names = [n for n in (entry.en, *entry.en_aliases) if n]
    extra = [n.replace("CPC ", full) for n in names if "CPC " in n
             for full in ("Communist Party of China (CPC) ", "Communist Party of China ")]
    return list(dict.fromkeys([*entry.en_aliases, *(x for x in extra if x != entry.en)]))


_LEVEL_WORDS = ("Provincial", "Municipal", "County")
_REGION_WORDS = (" Province", " Municipality", " Autonomous Region", " Special Administrative Region", " City")


def _english_body_names(region: "KBEntry", t: BodyTemplate, level: str) -> list[str]:
    """English names of a region's body, the way English news writes them: the region's
    short name before the level word (Standing Committee of the Anhui Provincial People's
    Congress, CPC Anhui Provincial Committee, Hefei Municipal People's Government)."""
    r = region.en
    for w in _REGION_WORDS:
        r = r.removesuffix(w)
    word = "Provincial" if level == "province" and region.category != "municipality" else (
        "County" if level == "county" else "Municipal")
    e = t.en
    present = next((w for w in _LEVEL_WORDS if re.search(rf"\b{w}\b", e)), None)
    if present:
        names = [re.sub(rf"\b{present}\b", f"{r} {word}", e, count=1)]
    elif " of the " in e:
        # General Office of the Guangdong Provincial People's Government
        names = [e.replace(" of the ", f" of the {r} {word} ", 1), f"{r} {word} {e}"]
    else:
        names = [f"{r} {word} {e}", f"{r} {e}"]
    if t.suffix not in _ENGLISH_FORMS_FOR:
        if level == "province" and region.category in ("province", "autonomous_region") and not present \
                and " of the " not in e:
            # the Department of Industry and Information Technology of Guangdong Province: a
            # province's department as English news also writes it (provinces only: each more
            # name costs memory in every worker)
            return [names[0], f"{e} of {region.en}"]
        return names[:1]      # departments: one English name (each more costs memory in every worker)
    if t.party:
        names += [f"CPC {r} {word} Committee", f"{r} {word} Party Committee", f"{r} {word} Committee of the CPC",
                  f"{r} {word} Committee of the Communist Party of China"]
    if t.suffix == "人民政府":
        names.append(f"{r} {word} Government")
    names.append(f"{region.en} {e}")
    return list(dict.fromkeys(names))


#: the bodies English news names most, which get every usual English form
_ENGLISH_FORMS_FOR = {"委员会", "人民政府", "人民代表大会", "人民代表大会常务委员会", "政协"}


#: An English ordinal, as English reports number sessions and editions (the 20th National
#: Congress, the fifth plenary session, the sixth China International Import Expo).
EN_ORDINAL = (r"(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
              r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth)")
_EDITION = re.compile(r"^(?:\d{4}年?|第[一二三四五六七八九十百零\d]+届|首届)+|"
                      rf"^(?:[Tt]he )?(?:(?:\d{{4}}|{EN_ORDINAL}) )+(?:(?:session|edition) of the )?")


def written_as(entry: "KBEntry", written: str) -> bool:
    """Whether ``written`` is the entry's English name or alias exactly: "Zhong Shan" (the
    minister) and "Zhongshan" (the city) share one index key, and the text says which.

    >>> written_as(KBEntry("q", "Person", "钟山", en="Zhong Shan"), "Zhong Shan")
    True
    >>> written_as(KBEntry("p", "Place", "中山市", en="Zhongshan"), "Zhong Shan")
    False
    """
    return written in (entry.en, *entry.en_aliases)


def event_series(name: str) -> str:
    """2024世界人工智能大会 -> 世界人工智能大会, 第七届进博会 -> 进博会: the series an edition
    belongs to (the name itself when it carries no year or number).

    >>> event_series("135th session of the China Import and Export Fair")
    'China Import and Export Fair'
    """
    return _EDITION.sub("", name)


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise KnowledgeBaseError(f"{path}:{n}: not valid JSON ({exc.msg}); fix or remove the line") from exc
    return rows


class KnowledgeBase:
    """Canonical entities, their aliases, post titles and body templates.

    >>> kb = KnowledgeBase([KBEntry("place:x", "Place", "江苏省", ["江苏"], en="Jiangsu")])
    >>> [e.id for e in kb.candidates("江苏")]
    ['place:x']
    """

    def __init__(self, entries, posts=(), templates=(), surnames=(), concepts=(), generic_terms=()):
        self.entries: dict[str, KBEntry] = {}
        for e in entries:
            if e.id in self.entries:
                raise KnowledgeBaseError(f"duplicate knowledge-base id {e.id!r}")
            self.entries[e.id] = e
        self.posts: dict[str, Post] = {p.title: p for p in posts}
        self.templates: list[BodyTemplate] = list(templates)
        self.surnames: set[str] = set(surnames)
        self.concepts: set[str] = set(concepts)
        self.generic_terms: set[str] = set(generic_terms)
        self._generate_regional_bodies()
        for e in self.entries.values():
            e.en_aliases = _party_spellings(e)
        self._index: dict[str, list[str]] = {}
        self._weak_index: dict[str, list[str]] = {}
        for e in self.entries.values():
            for name in e.strong_names:
                self._add(self._index, name, e.id)
            for name in e.weak_aliases:
                self._add(self._weak_index, name, e.id)

    def _index_has(self, name: str) -> bool:
        """Whether a listed (not generated) entry already has this name."""
        if not hasattr(self, "_listed_names"):
            self._listed_names = {alias_key(n) for e in self.entries.values() for n in e.strong_names}
        return alias_key(name) in self._listed_names

    @staticmethod
    def _add(index, name, eid):
        ids = index.setdefault(alias_key(name), [])
        if eid not in ids:
            ids.append(eid)

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def from_dir(cls, data_dir: Path | str = DATA_DIR) -> "KnowledgeBase":
        """Load every ``kb/*.jsonl`` file and the posts, templates and word lists beside it."""
        data_dir = Path(data_dir)
        kb_dir = data_dir / "kb"
        entries, templates = [], []
        known = set(KBEntry.__dataclass_fields__)
        for path in sorted(kb_dir.glob("*.jsonl")):
            for row in _read_jsonl(path):
                if "suffix" in row:
                    templates.append(BodyTemplate(**{k: v for k, v in row.items()
                                                     if k in BodyTemplate.__dataclass_fields__}))
                    continue
                if not {"id", "type", "name"} <= set(row):
                    raise KnowledgeBaseError(f"{path}: entry without id/type/name: {row}")
                entries.append(KBEntry(**{k: v for k, v in row.items() if k in known}))
        posts = []
        posts_path = data_dir / "posts.jsonl"
        if posts_path.exists():
            fields = Post.__dataclass_fields__
            posts = [Post(**{k: v for k, v in row.items() if k in fields}) for row in _read_jsonl(posts_path)]
        return cls(entries, posts, templates,
                   surnames=_read_words(data_dir / "surnames.txt"),
                   concepts=_read_words(data_dir / "concepts.txt"),
                   generic_terms=_read_words(data_dir / "generic_terms.txt"))

    def _generate_regional_bodies(self):
        """Expand body templates over provinces and cities into entries of their own."""
        regions = [e for e in list(self.entries.values()) if e.type == "Place"
                   and (e.category in PROVINCE_CATEGORIES or e.category in CITY_CATEGORIES)]
        for region in regions:
            level = "province" if region.category in PROVINCE_CATEGORIES else "city"
            if region.category == "municipality":
                levels = {"province", "city"}
            else:
                levels = {level}
            short_region = [a for a in region.aliases if not is_latin(a) and len(a) >= 2
                            and a in region.name]
            for t in self.templates:
                if t.level not in levels:
                    continue
                if t.party:
                    unit = "省委" if level == "province" and region.category == "province" else (
                        "市委" if region.name.endswith("市") else "委")
                    name = f"{t.prefix}{region.name}{t.suffix}"
                    aliases = [f"中共{region.name}{unit[-1]}", f"{region.name}{unit[-1]}"]
                    if region.name.endswith(("省", "市")):
                        aliases = [f"中共{region.name}委", f"{region.name}委"]
                    aliases += [f"中共{s}{unit}" for s in short_region] + [f"{s}{unit}" for s in short_region]
                    aliases.append(f"中共{region.name}{t.suffix}")          # 中共杭州市委员会
                else:
                    name = f"{region.name}{t.suffix}"
                    aliases = [f"{region.name}{s}" for s in t.short]
                    if t.category == "zone_committee" and short_region and region.name.endswith("市"):
                        # 西安高新技术产业开发区管理委员会: a zone bears its city's name without 市
                        aliases.append(name)
                        name = f"{short_region[0]}{t.suffix}"
                    aliases += [f"{s}{t.suffix}" for s in short_region]
                    aliases += [f"{s}{x}" for s in short_region for x in t.short
                                if len(x) >= 3 or x.endswith(("厅", "局", "委"))]
                    # 江苏省政府: region full name + the short suffix is the usual form.
                    if t.party_organ:
                        aliases += [f"中共{name}"] + [f"中共{a}" for a in aliases]
                # the id is the canonical name: stable across runs and readable in IRIs
                eid = f"org:{name}"
                if eid in self.entries or self._index_has(name):
                    continue
                en_names = _english_body_names(region, t, level) if region.en and t.en else []
                self.entries[eid] = KBEntry(
                    id=eid, type="Organization", name=name,
                    aliases=[a for a in dict.fromkeys(aliases) if a != name],
                    en=en_names[0] if en_names else "", en_aliases=en_names[1:],
                    category=f"{level}_body", parent=None, located_in=region.id)

    # -- lookup --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, eid: str) -> bool:
        return eid in self.entries

    def get(self, eid: str) -> KBEntry | None:
        return self.entries.get(eid)

    def candidates(self, alias: str, weak: bool = False) -> list[KBEntry]:
        """Entries one of whose names is ``alias`` (compared by :func:`alias_key`)."""
        key = alias_key(alias)
        ids = list(self._index.get(key, ()))
        if weak:
            ids += [i for i in self._weak_index.get(key, ()) if i not in ids]
        return [self.entries[i] for i in ids]

    def place(self, alias: str, categories) -> KBEntry | None:
        """The first place named ``alias`` whose category is one of ``categories``."""
        return next((e for e in self.candidates(alias) if e.type == "Place" and e.category in categories), None)

    def iter_aliases(self, weak: bool = False):
        """(name, entry) for every name of every entry: what the recognizer matches."""
        for e in self.entries.values():
            for name in (e.all_names if weak else e.strong_names):
                yield name, e

    def ancestors(self, eid: str) -> list[str]:
        """The places an entity lies in, innermost first (苏州市 -> 江苏省 -> 中国)."""
        out, seen = [], {eid}
        cur = self.entries.get(eid)
        while cur is not None and cur.located_in and cur.located_in not in seen:
            out.append(cur.located_in)
            seen.add(cur.located_in)
            cur = self.entries.get(cur.located_in)
        return out

    def region_body(self, region_id: str, suffix_or_short: str) -> KBEntry | None:
        """The generated body of a region named by a suffix or short form (工信厅 in 江苏省)."""
        region = self.entries.get(region_id)
        if region is None:
            return None
        for cand in (region.name + suffix_or_short,):
            for e in self.candidates(cand):
                if e.located_in == region_id:
                    return e
        return None


def _read_words(path: Path) -> list[str]:
    if not path.exists():
        return []
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line)
    return words


@lru_cache(maxsize=4)
def load_kb(data_dir: str | None = None) -> KnowledgeBase:
    """The knowledge base shipped with policykg (cached: loading it twice is wasted work)."""
    return KnowledgeBase.from_dir(Path(data_dir) if data_dir else DATA_DIR)
