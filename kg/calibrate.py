"""Calibrated confidence for relation statements.

Each relation rule has a prior (``kg.relate.PRIOR``): a guess. ``scripts/calibrate.py``
builds the project's own annotated corpus (``kg/data/calibration/``), judges every
statement against its gold annotation, and fits, per extractor, how often its statements
are right: histogram binning by extractor with a Beta prior centred on the rule's prior
(so a rule seen a few times moves only part of the way from its prior). The fitted table
is ``kg/data/calibration.json``; :func:`load_calibration` reads it and the relation
extractor uses it, so ``kg:confidence`` 0.8 means "right about eight times in ten" on
annotated text.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .kb import DATA_DIR

CALIBRATION_FILE = DATA_DIR / "calibration.json"

#: Weight of the prior, in pseudo-observations.
PRIOR_WEIGHT = 2.0   # chosen by leave-one-article-out error on kg/data/calibration (1: .051, 2: .042, 4: .051, 8: .074)


@dataclass
class Calibration:
    """Extractor -> calibrated confidence, with the counts it was fitted on."""

    table: dict[str, float] = field(default_factory=dict)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)   # extractor -> (right, seen)
    source: str = ""

    def confidence(self, extractor: str, prior: float) -> float:
        """The calibrated confidence of a statement made by ``extractor``."""
        value = self.table.get(extractor)
        return prior if value is None else value


def fit(judged: list[tuple[str, float, bool]], prior_weight: float = PRIOR_WEIGHT) -> Calibration:
    """Fit from (extractor, prior, correct) triples.

    >>> cal = fit([("a", 0.5, True)] * 8 + [("a", 0.5, False)] * 2)
    >>> round(cal.table["a"], 3)
    0.714
    """
    by: dict[str, list[tuple[float, bool]]] = {}
    for extractor, prior, correct in judged:
        by.setdefault(extractor, []).append((prior, correct))
    cal = Calibration()
    for extractor, rows in sorted(by.items()):
        right = sum(1 for _, ok in rows if ok)
        prior = sum(p for p, _ in rows) / len(rows)
        cal.table[extractor] = round((right + prior_weight * prior) / (len(rows) + prior_weight), 4)
        cal.counts[extractor] = (right, len(rows))
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


def save(cal: Calibration, path: Path = CALIBRATION_FILE, **extra) -> None:
    from .atomic import atomic_write_text

    data = {"source": cal.source, "prior_weight": PRIOR_WEIGHT, "confidence": cal.table,
            "counts": {k: {"right": r, "seen": n} for k, (r, n) in cal.counts.items()}, **extra}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@lru_cache(maxsize=4)
def load_calibration(path: str | None = None) -> Calibration:
    """The fitted table shipped with policykg; an empty one (priors) when there is none."""
    p = Path(path) if path else CALIBRATION_FILE
    if not p.exists():
        return Calibration()
    data = json.loads(p.read_text(encoding="utf-8"))
    counts = {k: (v["right"], v["seen"]) for k, v in data.get("counts", {}).items()}
    return Calibration(table=dict(data.get("confidence", {})), counts=counts, source=data.get("source", ""))
