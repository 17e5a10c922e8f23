"""Relation candidates scored by a trained linear model, beside the rules of :mod:`kg.relate`.

The rules find a relation where one of their frames holds (a title before a name, a verb
after an actor) and stay silent elsewhere, so on unseen articles they are fairly precise
and miss most relations. This stage looks at every pair of entities named in one sentence
whose types fit a predicate (``relation_signatures`` in ``kg/data/rules.yaml``), and
describes each candidate statement with plain features: the predicate and the two types,
the words between and around the two names, their distance and order, the names between
them, and what the rules said about the pair. A logistic regression trained by
``python scripts/train_relations.py`` on the project's annotated articles
(``kg/data/calibration``) turns the features into a probability; a candidate the rules did
not make is added when its probability reaches the model's threshold, with extractor
``relation_model``, that probability as its ``kg:confidence`` (Platt-scaled where that
calibrated better on held-out articles) and the sentence that names both ends as evidence. The model is a JSON file of feature weights
(``kg/data/models/relations.json``): reading it needs nothing beyond the standard library.

A statement is one (subject, predicate, object) per article: its features are the union
over the sentences that name both ends, which is also the unit the gold annotation and the
scorer count.
"""
from __future__ import annotations

import json
import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .calibrate import tier_confidence
from .kb import DATA_DIR
from .normalize import split_sentences
from .records import Article, Entity, Mention, Relation

MODEL_FILE = DATA_DIR / "models" / "relations.json"
EXTRACTOR = "relation_model"
#: Mentions per sentence considered; a longer list is a roster, whose pairs are noise.
MAX_MENTIONS = 40
MAX_SENTENCE_CHARS = 2000
#: Characters of the text between two names read as words (both ends of a longer gap).
GAP_WINDOW = 14
CONTEXT_CHARS = 6
ACTOR_LABELS = ("Person", "Organization", "Place")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_EN_WORD_RE = re.compile(r"[A-Za-z]+|[^\sA-Za-z0-9]")


@dataclass
class Candidate:
    """One statement the model may make: a pair of entities and a predicate in an article."""

    subject: str
    predicate: str
    object: str
    features: set[str] = field(default_factory=set)
    evidence: tuple[int, int] = (0, 0)     # the sentence naming both ends at the smallest gap
    gap: int = 1 << 30
    rule: bool = False                     # the rules already state it


def signatures(rules: dict) -> dict[tuple[str, str], list[str]]:
    """(subject type, object type) -> the predicates that may join them."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for predicate, pairs in rules["relation_signatures"].items():
        for pair in pairs:
            subject_type, object_type = pair.split(">")
            out[(subject_type.strip(), object_type.strip())].append(predicate)
    return dict(out)


def _tokens(text: str, offset: int) -> list[tuple[int, int, str]]:
    """(start, end, word) of a sentence, offsets into the article: jieba for Chinese (the
    recognizer has loaded its dictionary already), letters and marks for English."""
    if _CJK_RE.search(text):
        import jieba
        return [(offset + a, offset + b, w) for w, a, b in jieba.tokenize(text, HMM=False) if w.strip()]
    return [(offset + m.start(), offset + m.end(), m.group().lower()) for m in _EN_WORD_RE.finditer(text)]


class _SentenceWords:
    """The words of one sentence, looked up by position."""

    def __init__(self, text: str, offset: int):
        self.tokens = _tokens(text, offset)
        self.starts = [t[0] for t in self.tokens]

    def inside(self, a: int, b: int) -> list[str]:
        i = bisect_left(self.starts, a)
        out = []
        while i < len(self.tokens) and self.tokens[i][1] <= b:
            out.append(self.tokens[i][2])
            i += 1
        return out

    def before(self, pos: int) -> str | None:
        i = bisect_right(self.starts, pos - 1) - 1
        if i >= 0 and self.tokens[i][1] <= pos and pos - self.tokens[i][1] <= CONTEXT_CHARS:
            return self.tokens[i][2]
        return None

    def after(self, pos: int) -> str | None:
        i = bisect_left(self.starts, pos)
        if i < len(self.tokens) and self.tokens[i][0] - pos <= CONTEXT_CHARS:
            return self.tokens[i][2]
        return None

    def gap(self, a: int, b: int) -> set[str]:
        if b - a > 2 * GAP_WINDOW:
            return {"<" + w for w in self.inside(a, a + GAP_WINDOW)} | {w + ">" for w in self.inside(b - GAP_WINDOW, b)}
        return set(self.inside(a, b))


def _bucket(n: int, edges=(0, 1, 2, 4, 8, 16, 32, 64)) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return "more"


def candidates(article: Article, mentions: list[Mention], entities: dict[str, Entity],
               relations: list[Relation], rules: dict) -> list[Candidate]:
    """Every typed pair of entities named in one sentence, with its features."""
    text = article.simplified or article.text
    sigs = signatures(rules)
    stated = {(r.subject, r.predicate, r.object): r.extractor for r in relations}
    by_pair = defaultdict(set)
    for r in relations:
        by_pair[(r.subject, r.object)].add(r.predicate)
    linked = sorted((m for m in mentions if m.entity_id in entities), key=lambda m: m.start)
    starts = [m.start for m in linked]
    found: dict[tuple[str, str, str], Candidate] = {}
    for sent in split_sentences(text):
        if sent.end - sent.start > MAX_SENTENCE_CHARS:
            continue
        lo, hi = bisect_left(starts, sent.start), bisect_right(starts, sent.end)
        ms = [m for m in linked[lo:hi] if m.end <= sent.end][:MAX_MENTIONS]
        words = None
        around: dict[int, tuple] = {}
        first_actor = min((m.start for m in ms if m.label in ACTOR_LABELS), default=sent.end)
        for i, a in enumerate(ms):
            ta = entities[a.entity_id].type
            for j, b in enumerate(ms):
                if a.entity_id == b.entity_id or (i != j and a.start < b.end and b.start < a.end):
                    continue
                tb = entities[b.entity_id].type
                predicates = sigs.get((ta, tb))
                if not predicates:
                    continue
                first, second = (a, b) if a.start <= b.start else (b, a)
                gap = max(0, second.start - first.end)
                key_sent = None
                for p in predicates:
                    key = (a.entity_id, p, b.entity_id)
                    c = found.get(key)
                    if c is None:
                        c = found[key] = Candidate(a.entity_id, p, b.entity_id, rule=key in stated)
                    if key_sent is None:
                        if words is None:
                            words = _SentenceWords(text[sent.start:sent.end], sent.start)
                        key_sent = _pair_features(words, ms, i, j, ta, tb, first is a, gap, first_actor, around)
                    c.features |= {f"{p}|{f}" for f in key_sent}
                    if gap < c.gap:
                        c.gap, c.evidence = gap, (sent.start, sent.end)
    for (s, p, o), c in found.items():
        c.features.add(p)
        if c.rule:
            c.features |= {f"{p}|rule", f"{p}|rule={stated[(s, p, o)]}"}
        for other in by_pair.get((s, o), ()):
            if other != p:
                c.features.add(f"{p}|rule_other={other}")
        if by_pair.get((o, s)):
            c.features.add(f"{p}|rule_reversed")
    return list(found.values())


def _pair_features(words: _SentenceWords, ms, i, j, ta, tb, subject_first, gap, first_actor: int,
                   around: dict) -> set[str]:
    a, b = ms[i], ms[j]
    first, second = (a, b) if subject_first else (b, a)
    order = "sf" if subject_first else "of"
    f = {f"{ta}>{tb}", f"order={order}", f"gap={_bucket(gap)}", f"{order}|gap={_bucket(gap)}",
         f"s_by={a.extractor.split(':')[0]}", f"o_by={b.extractor.split(':')[0]}"}
    # mentions are in order of start: those between the two names lie between their indexes
    between = [m for m in ms[min(i, j) + 1:max(i, j)] if m.start >= first.end and m.end <= second.start]
    f.add(f"between={_bucket(len(between), (0, 1, 2, 3, 5))}")
    same = sum(1 for m in between if m.label == a.label)
    f.add(f"same_as_s_between={_bucket(same, (0, 1, 2, 3))}")
    f |= {f"between_{m.label}" for m in between}
    f |= {f"w={w}" for w in words.gap(first.end, second.start)}
    # the words right before and after each name: the verb before a programme, the title after a body
    for role, k in (("s", i), ("o", j)):
        if k not in around:
            m = ms[k]
            around[k] = (words.before(m.start), words.after(m.end))
        before, after = around[k]
        if before:
            f.add(f"pre_{role}={before}")
        if after:
            f.add(f"post_{role}={after}")
    if a.start <= first_actor:
        f.add("s_leads")          # no person, body or place before the subject
    if a.extractor.endswith(":nested") or b.extractor.endswith(":nested"):
        f.add("nested")
    return f


class RelationModel:
    """A trained logistic model over candidate features (``kg/data/models/relations.json``)."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float, meta: dict | None = None):
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        self.meta = meta or {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> "RelationModel":
        data = json.loads(Path(path or MODEL_FILE).read_text(encoding="utf-8"))
        return cls(data["weights"], data["bias"], data["threshold"], data.get("meta"))

    def save(self, path: str | Path) -> None:
        from .atomic import atomic_write_text
        data = {"bias": self.bias, "threshold": self.threshold, "meta": self.meta,
                "weights": dict(sorted(self.weights.items()))}
        atomic_write_text(Path(path), json.dumps(data, ensure_ascii=False, indent=0) + "\n")

    def probability(self, features: set[str]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def confidence(self, probability: float) -> float:
        """P(the statement is right), from the model's probability by the Platt scaling
        fitted on held-out articles (``meta["confidence"]``: a, b)."""
        a, b = self.meta.get("confidence", (1.0, 0.0))
        p = min(max(probability, 1e-6), 1 - 1e-6)
        z = a * math.log(p / (1 - p)) + b
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def tiered(self, score: float) -> float:
        """The confidence of the tier ``score`` falls in: how often the model's held-out
        statements in that tier were right (``meta["tiers"]``, by scripts/train_relations.py;
        the same cuts as the rules' tiers, kg.calibrate.TIER_CUTS)."""
        tiers = self.meta.get("tiers", {})
        return tier_confidence(score, tiers.get("confidence", []), tiers.get("cuts", ()))

    def add_relations(self, article: Article, mentions: list[Mention], entities: dict[str, Entity],
                      relations: list[Relation], rules: dict) -> list[Relation]:
        """The statements the model makes that the rules did not."""
        out = []
        for c in candidates(article, mentions, entities, relations, rules):
            if c.rule:
                continue
            p = self.probability(c.features)
            if p < self.threshold:
                continue
            start, end = c.evidence
            score = round(self.confidence(p), 3)
            out.append(Relation(subject=c.subject, predicate=c.predicate, object=c.object,
                                file_name=article.file_name, evidence=article.text[start:end],
                                start=start, end=end, extractor=EXTRACTOR, confidence=self.tiered(score),
                                score=score))
        return out
