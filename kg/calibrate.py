"""Calibrated confidence for relation statements.

Each relation rule has a prior (``kg.relate.PRIOR``): a guess. ``scripts/calibrate.py``
builds the project's own annotated corpus (``kg/data/calibration/``), judges every
statement against its gold annotation, and fits, per extractor, how often its statements
are right: histogram binning by extractor with a Beta prior centred on the rule's prior
(so a rule seen a few times moves only part of the way from its prior).

Within a rule, statements differ by how well their two ends are grounded: an end that
the knowledge base lists (a ministry, a province, a named national programme) was
recognized by an exact alias, an unlisted one by a pattern or a model, and pattern-found
ends are wrong more often (a quoted slogan taken for a programme). And a relation the
article states in two or more sentences is right more often than one stated once. So the
fit is hierarchical: per rule, then per rule, number of listed ends (0, 1 or 2) and
whether the relation is repeated ("2+"), each level a Beta prior centred on the level
above. The fitted table is ``kg/data/calibration.json``; :func:`load_calibration` reads
it and the relation extractor uses it, so ``kg:confidence`` 0.8 means "right about eight
times in ten" on annotated text.

That fine-grained value ranks statements well, but on a batch of new articles (a few
hundred statements) it is calibrated only to about 0.07: each rule's precision drifts from
batch to batch, and ten bins of a few dozen statements each are noisy. So the value a
statement carries as ``kg:confidence`` is its *tier*: the fine value falls in one of three
ranges (:data:`TIER_CUTS`), and the tier's confidence is how often statements in that range
were right on articles no rule had seen (:func:`fit_tiers`). The fine value stays on the
statement as ``kg:score``, for ranking within a tier.
"""
from __future__ import annotations

import json
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .kb import DATA_DIR

CALIBRATION_FILE = DATA_DIR / "calibration.json"

#: Weight of the prior, in pseudo-observations.
#: Weight of the per-rule fit as the prior of its listed-ends groups (they are small).
LISTED_WEIGHT = 16.0   # by leave-one-article-out error on kg/data/calibration (44 articles): 4: .057, 8: .051, 16: .026, 32: .037, 64: .038
PRIOR_WEIGHT = 2.0   # chosen by leave-one-article-out error on kg/data/calibration (1: .051, 2: .042, 4: .051, 8: .074)


@dataclass
class Calibration:
    """Extractor -> calibrated confidence, with the counts it was fitted on."""

    table: dict[str, float] = field(default_factory=dict)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)   # extractor -> (right, seen)
    #: extractor -> listed ends and repetition ("0", "1", "2", "0+", "1+", "2+": see
    #: :func:`group_key`) -> confidence, and the counts behind it
    by_listed: dict[str, dict[str, float]] = field(default_factory=dict)
    listed_counts: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    #: extractor -> shift in log-odds from the rule's fit on annotated text the rules were
    #: developed on to its precision on articles no rule had seen (see :func:`unseen_shifts`)
    unseen_shift: dict[str, float] = field(default_factory=dict)
    unseen_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: the confidence of each tier (see :data:`TIER_CUTS`), and the (right, seen) behind it
    tiers: list[float] = field(default_factory=list)
    tier_counts: list[tuple[int, int]] = field(default_factory=list)
    source: str = ""

    def tiered(self, value: float) -> float:
        """The calibrated confidence of the tier ``value`` falls in (``value`` itself
        before tiers are fitted)."""
        return tier_confidence(value, self.tiers)

    def confidence(self, extractor: str, prior: float, listed: int | None = None,
                   repeated: bool | None = None) -> float:
        """The calibrated confidence of a statement made by ``extractor`` whose subject and
        object include ``listed`` knowledge-base entries, and whose relation the article
        states more than once (``repeated``); None: not known."""
        value = self.table.get(extractor)
        if listed is not None:
            groups = self.by_listed.get(extractor, {})
            for key in ([group_key(listed, repeated)] if repeated is not None else []) + [str(listed)]:
                if key in groups:
                    value = groups[key]
                    break
        if value is None:
            return prior
        shift = self.unseen_shift.get(extractor, 0.0)
        return round(_sigmoid(_logit(value) + shift), 4) if shift else value


#: Where a statement's fine-grained confidence (see the module's docstring) divides into
#: tiers: below 0.6, 0.6 to 0.8, 0.8 and above. Chosen by the batch-held-out error on the
#: first looks (scripts/calibrate.py; 21 batches, median per-batch ECE / pooled AUC):
#: no tiers .077 / .752; (0.5, 0.6, 0.7, 0.8, 0.9) .065 / .738; (0.6, 0.75, 0.85) .050 / .720;
#: (0.6, 0.8) .046 / .712; (0.7, 0.85) .049 / .714; (0.7,) .041 / .650 (two tiers rank too little).
TIER_CUTS: tuple[float, ...] = (0.6, 0.8)


def tier_of(value: float, cuts: tuple[float, ...] = TIER_CUTS) -> int:
    """Which tier (0: lowest) a fine-grained confidence falls in.

    >>> [tier_of(v) for v in (0.3, 0.6, 0.79, 0.8, 0.95)]
    [0, 1, 1, 2, 2]
    """
    return bisect_right(cuts, value)


def tier_confidence(value: float, values: list[float], cuts=TIER_CUTS) -> float:
    """The confidence of the tier ``value`` falls in, from tier ``values`` fitted for
    ``cuts``; ``value`` itself when none were fitted, or for other cuts than these.

    >>> tier_confidence(0.7, [0.5, 0.72, 0.9]), tier_confidence(0.7, [0.4, 0.8], cuts=[0.5])
    (0.72, 0.7)
    """
    if tuple(cuts) != TIER_CUTS or len(values) != len(TIER_CUTS) + 1:
        return value
    return values[tier_of(value)]


def fit_tiers(pairs: list[tuple[float, bool]], cuts: tuple[float, ...] = TIER_CUTS) -> tuple[list[float], list[tuple[int, int]]]:
    """Each tier's confidence, from (fine-grained confidence, correct) pairs judged on text
    the confidences were not fitted on: the share right in the tier (a tier no pair fell
    in keeps the middle of its range). Returns (values, (right, seen) per tier).

    >>> fit_tiers([(0.5, True), (0.5, False), (0.7, True), (0.9, True)])
    ([0.5, 1.0, 1.0], [(1, 2), (1, 1), (1, 1)])
    """
    counts = [[0, 0] for _ in range(len(cuts) + 1)]
    for value, correct in pairs:
        c = counts[tier_of(value, cuts)]
        c[0] += bool(correct)
        c[1] += 1
    edges = (0.0, *cuts, 1.0)
    values = [round(r / n, 4) if n else round((edges[i] + edges[i + 1]) / 2, 4) for i, (r, n) in enumerate(counts)]
    return values, [tuple(c) for c in counts]


def group_key(listed: int, repeated: bool | None) -> str:
    """"2": both ends listed; "2+": and the article states the relation more than once."""
    return f"{listed}{'+' if repeated else ''}"


def _beta_mean(right: int, seen: int, centre: float, weight: float) -> float:
    return round((right + weight * centre) / (seen + weight), 4)


def fit(judged: list[tuple], prior_weight: float = PRIOR_WEIGHT, listed_weight: float = LISTED_WEIGHT) -> Calibration:
    """Fit from (extractor, prior, correct[, listed[, repeated]]) rows.

    >>> cal = fit([("a", 0.5, True)] * 8 + [("a", 0.5, False)] * 2)
    >>> round(cal.table["a"], 3)      # (8 right + 2 x 0.5) / (10 seen + 2)
    0.75
    """
    by: dict[str, list[tuple[float, bool, str | None]]] = {}
    for row in judged:
        extractor, prior, correct = row[:3]
        group = None
        if len(row) > 3 and row[3] is not None:
            group = group_key(row[3], row[4]) if len(row) > 4 and row[4] is not None else str(row[3])
        by.setdefault(extractor, []).append((prior, correct, group))
    cal = Calibration()
    for extractor, rows in sorted(by.items()):
        right = sum(1 for _, ok, _ in rows if ok)
        prior = sum(p for p, _, _ in rows) / len(rows)
        cal.table[extractor] = _beta_mean(right, len(rows), prior, prior_weight)
        cal.counts[extractor] = (right, len(rows))
        groups: dict[str, list[bool]] = {}
        for _, ok, listed in rows:
            if listed is not None:
                groups.setdefault(str(listed), []).append(ok)
        for listed, oks in sorted(groups.items()):
            cal.by_listed.setdefault(extractor, {})[listed] = _beta_mean(
                sum(oks), len(oks), cal.table[extractor], listed_weight)
            cal.listed_counts.setdefault(extractor, {})[listed] = (sum(oks), len(oks))
    return cal


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


#: Weight, in pseudo-observations, of a rule's own fit as the prior of its precision on
#: unseen articles: chosen by fitting on three batches of first looks and scoring the fourth
#: (mean ECE over the four: 2: .097, 4: .091, 8: .081, 16: .079, 32: .083; no shift: .111).
UNSEEN_WEIGHT = 16.0


def unseen_shifts(cal: Calibration, first_looks: list[tuple[str, bool]],
                  weight: float = UNSEEN_WEIGHT) -> Calibration:
    """Shift each rule by how much less (or more) often it is right on articles that no
    rule was written against ("first looks": (extractor, correct) rows judged when an
    annotated batch first arrived, before anything was changed for it).

    Rules fitted on the annotated corpus are fitted on text they were developed on; on
    new text they are right less often (a subject carried over the wrong sentences, most
    of all). The shift is the log-odds difference between the rule's fit and its first-look
    precision (a Beta prior centred on the fit, ``weight`` pseudo-observations), applied to
    every group of the rule.

    >>> cal = fit([("a", 0.5, True)] * 9 + [("a", 0.5, False)])
    >>> cal = unseen_shifts(cal, [("a", True)] * 5 + [("a", False)] * 5, weight=0)
    >>> round(cal.confidence("a", 0.5), 2)
    0.5
    """
    counts: dict[str, list[int]] = {}
    for extractor, correct in first_looks:
        c = counts.setdefault(extractor, [0, 0])
        c[0] += bool(correct)
        c[1] += 1
    for extractor, (right, seen) in counts.items():
        base = cal.table.get(extractor)
        if base is None:
            continue
        unseen = (right + weight * base) / (seen + weight)
        cal.unseen_shift[extractor] = round(_logit(unseen) - _logit(base), 4)
        cal.unseen_counts[extractor] = (right, seen)
    return cal


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float | None:
    """Weighted mean |accuracy - confidence| over ten equal-width bins (as score.py reports)."""
    if not pairs:
        return None
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in pairs if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if inside:
            acc = sum(ok for _, ok in inside) / len(inside)
            conf = sum(c for c, _ in inside) / len(inside)
            total += len(inside) * abs(acc - conf)
    return total / len(pairs)


def roc_auc(pairs: list[tuple[float, bool]]) -> float:
    """How well confidence ranks right statements above wrong ones (0.5: not at all; ties
    count half), by the rank-sum formula.

    >>> roc_auc([(0.9, True), (0.8, False), (0.3, False)])
    1.0
    >>> roc_auc([(0.5, True), (0.5, False)])
    0.5
    """
    ranked = sorted(pairs, key=lambda p: p[0])
    rank_sum, i = 0.0, 0
    while i < len(ranked):                    # tied confidences share their mean rank
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        rank_sum += sum(1 for _, ok in ranked[i:j] if ok) * (i + j + 1) / 2
        i = j
    right = sum(1 for _, ok in pairs if ok)
    wrong = len(pairs) - right
    if not right or not wrong:
        return 0.5
    return (rank_sum - right * (right + 1) / 2) / (right * wrong)


def save(cal: Calibration, path: Path = CALIBRATION_FILE, **extra) -> None:
    from .atomic import atomic_write_text

    data = {"source": cal.source, "prior_weight": PRIOR_WEIGHT, "confidence": cal.table,
            "counts": {k: {"right": r, "seen": n} for k, (r, n) in cal.counts.items()},
            "confidence_by_listed_ends": cal.by_listed,
            "counts_by_listed_ends": {k: {n: {"right": r, "seen": s} for n, (r, s) in v.items()}
                                      for k, v in cal.listed_counts.items()},
            "unseen_weight": UNSEEN_WEIGHT, "unseen_shift": cal.unseen_shift,
            "unseen_counts": {k: {"right": r, "seen": n} for k, (r, n) in cal.unseen_counts.items()},
            "tiers": {"cuts": list(TIER_CUTS), "confidence": cal.tiers,
                      "counts": [{"right": r, "seen": n} for r, n in cal.tier_counts]}, **extra}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@lru_cache(maxsize=4)
def load_calibration(path: str | None = None) -> Calibration:
    """The fitted table shipped with policykg; an empty one (priors) when there is none."""
    p = Path(path) if path else CALIBRATION_FILE
    if not p.exists():
        return Calibration()
    data = json.loads(p.read_text(encoding="utf-8"))
    counts = {k: (v["right"], v["seen"]) for k, v in data.get("counts", {}).items()}
    listed_counts = {k: {n: (c["right"], c["seen"]) for n, c in v.items()}
                     for k, v in data.get("counts_by_listed_ends", {}).items()}
    tiers = data.get("tiers", {})
    if tiers and tuple(tiers.get("cuts", ())) != TIER_CUTS:
        tiers = {}                  # fitted for other cuts: refit (scripts/calibrate.py --write)
    return Calibration(table=dict(data.get("confidence", {})), counts=counts,
                       by_listed=dict(data.get("confidence_by_listed_ends", {})),
                       listed_counts=listed_counts, source=data.get("source", ""),
                       unseen_shift=dict(data.get("unseen_shift", {})),
                       unseen_counts={k: (v["right"], v["seen"]) for k, v in data.get("unseen_counts", {}).items()},
                       tiers=list(tiers.get("confidence", [])),
                       tier_counts=[(c["right"], c["seen"]) for c in tiers.get("counts", [])])
