"""Plain records passed between the stages: ingest -> normalize -> recognize -> link -> relate -> graph.

They carry no behaviour beyond small derived properties, so every stage can be tested
with hand-made records and no spaCy or rdflib in sight.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

#: The six entity classes of the graph contract, plus Concept for broad themes that are
#: kept in the graph but are not scored as entities.
ENTITY_TYPES = ("Person", "Organization", "Place", "Policy", "Program", "Event")
ALL_TYPES = ENTITY_TYPES + ("Concept",)

#: The eight relation predicates of the graph contract (local names in the kg: namespace).
PREDICATES = ("holdsPosition", "visited", "locatedIn", "organized", "participatedIn",
              "promotes", "implements", "issued")


@dataclass
class Article:
    """One input article.

    ``text`` is the body as the page states it (original script, boilerplate dropped);
    after :func:`kg.normalize.normalize_article` it also has pinyin-annotated glyphs
    repaired and full-width ASCII folded, and ``simplified`` holds the same text in
    Simplified Chinese with exactly the same length, so a character offset found in
    ``simplified`` points at the same place in ``text`` (evidence is quoted from ``text``).
    """

    file_name: str                 # kg:fileName: the input's base name; JSONL lines "f.jsonl#12"
    text: str
    path: str = ""                 # where it was read from
    title: str = ""
    date: str = ""                 # ISO 8601 date or date-time as found, "" if unknown
    url: str = ""
    source: str = ""               # publisher or outlet as stated by the page
    language: str = ""             # "zh-Hans", "zh-Hant" or "en" (detected when not given)
    simplified: str = ""           # set by normalize
    line: int | None = None        # line number for JSONL inputs

    @property
    def content_hash(self) -> str:
        """SHA-256 of the text and metadata: what incremental builds compare."""
        h = hashlib.sha256()
        for part in (self.title, self.date, self.url, self.source, self.language, self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()


@dataclass
class Skipped:
    """An input that could not be read as an article, and why; the caller reports it."""

    path: str
    reason: str
    line: int | None = None        # the line of a JSONL file, when one line was skipped


@dataclass
class Mention:
    """A span of an article that names an entity (offsets into Article.text / .simplified)."""

    start: int
    end: int
    text: str                      # surface as found in the simplified text
    label: str                     # one of ALL_TYPES
    extractor: str                 # which rule or model proposed it, e.g. "kb", "title_name"
    score: float = 1.0
    candidates: tuple[str, ...] = ()  # knowledge-base ids whose name the span matched
    entity_id: str | None = None   # set by the linker


@dataclass
class Entity:
    """One canonical node: a knowledge-base entry or a name first seen in the corpus."""

    id: str                        # stable: the KB id, or "<type>:<canonical name>"
    type: str                      # one of ALL_TYPES
    name: str                      # canonical name, Simplified Chinese where known
    aliases: set[str] = field(default_factory=set)
    name_en: str = ""
    kb_id: str | None = None
    description: str = ""


@dataclass
class Sentence:
    start: int
    end: int
    text: str                      # from Article.text (original script)


@dataclass
class Relation:
    """A typed statement between two entities, with the evidence that states it."""

    subject: str                   # Entity.id
    predicate: str                 # one of PREDICATES
    object: str                    # Entity.id
    file_name: str                 # the article that states it
    evidence: str                  # the sentence, from Article.text
    start: int                     # character offsets of that sentence in the article
    end: int
    extractor: str                 # rule name, e.g. "title_name", "verb_frame"
    confidence: float = 0.5        # calibrated: the tier's (kg.calibrate.TIER_CUTS)
    title: str = ""                # for holdsPosition: the post as written (部长, Premier)
    score: float | None = None     # the fine-grained confidence, for ranking within a tier


@dataclass
class DocumentResult:
    """Everything extracted from one article."""

    article: Article
    mentions: list[Mention] = field(default_factory=list)
    entities: dict[str, Entity] = field(default_factory=dict)   # id -> Entity mentioned here
    relations: list[Relation] = field(default_factory=list)
