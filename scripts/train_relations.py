#!/usr/bin/env python3
"""Train the statistical relation model (kg/relmodel.py) on the project's annotated articles.

    python scripts/train_relations.py --cv       # batch-held-out evaluation, no file written
    python scripts/train_relations.py --write    # fit on every article, write the model

Builds every article of ``kg/data/calibration/corpus`` with the rules, lists the candidate
statements of :func:`kg.relmodel.candidates`, and labels each against the gold annotation
with the matching rules of ``../shared/eval/score.py`` (right when subject, predicate and
object match a gold relation, optional ones included). A logistic regression
(scikit-learn, L2) is fitted on the candidates the rules did not already state.

``--cv`` holds out one batch of articles at a time (the batches the corpus was written in,
each unseen when it arrived), trains on the others, and scores the held-out batch with
score.py's own relation counting: rules alone, and rules plus the model's statements at
each threshold. The threshold written with the model is the one with the best summed
relation F1 over the held-out batches.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "scripts"))

from calibrate import build_for_scoring  # noqa: E402
from kg.calibrate import TIER_CUTS, fit_tiers  # noqa: E402
from kg.graph import entity_iri  # noqa: E402
from kg.pipeline import Pipeline  # noqa: E402
from kg.relmodel import MODEL_FILE, RelationModel, candidates  # noqa: E402

CALIBRATION = ROOT / "kg" / "data" / "calibration"
#: The batches the annotated corpus arrived in (article numbers, inclusive).
BATCHES = [(1, 28), (29, 44), (45, 56), (57, 68), (69, 80), (81, 92), (93, 104), (105, 116), (117, 128),
           (129, 140), (141, 152), (153, 164), (165, 176), (177, 188), (189, 200), (201, 212), (213, 224),
           (225, 236), (237, 248), (249, 260), (261, 272), (273, 284), (285, 296), (297, 308), (309, 320), (321, 332),
           (333, 344), (345, 356), (357, 368), (369, 380), (381, 392), (393, 404), (405, 416), (417, 428), (429, 440)]
THRESHOLDS = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7]


def article_number(file_name: str) -> int:
    m = re.match(r"cal_(\d+)", file_name)
    return int(m.group(1)) if m else 0


def batch_of(n: int) -> int:
    for i, (lo, hi) in enumerate(BATCHES):
        if lo <= n <= hi:
            return i
    return len(BATCHES)


def collect(corpus: Path, gold: Path, scorer_path: Path, log=print) -> tuple[list[dict], tuple, object]:
    """One record per article (candidates with labels, the rules' statements), score.py's
    node groups and labels, and the scorer module."""
    pipeline = Pipeline(relation_model=None)          # the rules' statements, which the model adds to
    t0 = time.perf_counter()
    results, score, g = build_for_scoring(corpus, scorer_path, pipeline)
    log(f"built {len(results)} articles in {time.perf_counter() - t0:.1f} s")
    golds = score.load_gold(gold)
    _, _, groups, labels, _ = score.query_graph(g)
    records = []
    for res in results:
        gd = golds.get(res.article.file_name)
        if gd is None or batch_of(article_number(res.article.file_name)) == len(BATCHES):
            continue          # not annotated, or a batch not yet looked at (it must stay unseen)
        ents, rels = gd["entities"], gd["relations"]
        ids = {}

        def gold_ids(eid):
            if eid not in ids:
                ids[eid] = score.node_gold_ids(entity_iri(eid), ents, groups, labels)
            return ids[eid]

        def hits(s, p, o):
            si, oi = gold_ids(s), gold_ids(o)
            return {i for i, r in enumerate(rels)
                    if p in r["predicate"] and si & set(r["subject"]) and oi & set(r["object"])}

        stated = set().union(*(hits(r.subject, r.predicate, r.object) for r in res.relations))

        def right(s, p, o):
            """True: a gold relation the rules miss; False: none; None: only ones the rules state."""
            found = hits(s, p, o)
            if not found:
                return False
            return True if found - stated else None

        cands = candidates(res.article, res.mentions, res.entities, res.relations, pipeline.rules)
        records.append({
            "file": res.article.file_name, "gold": gd,
            "rules": sorted({(r.subject, r.predicate, r.object) for r in res.relations}),
            "candidates": [(c.subject, c.predicate, c.object, c.features, c.rule, right(c.subject, c.predicate, c.object))
                           for c in cands],
        })
    return records, (groups, labels), score


def fit(records: list[dict], c: float):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    X, y = [], []
    for rec in records:
        for s, p, o, feats, rule, ok in rec["candidates"]:
            if rule or ok is None:      # only what the rules miss teaches what to add
                continue
            X.append(dict.fromkeys(feats, 1))
            y.append(int(ok))
    vec = DictVectorizer()
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit(vec.fit_transform(X), y)
    weights = {f: round(float(w), 4) for f, w in zip(vec.get_feature_names_out(), clf.coef_[0]) if abs(w) >= 0.005}
    return RelationModel(weights, float(clf.intercept_[0]), 0.5), len(y), sum(y)


def platt_fit(pairs: list[tuple[float, bool]]) -> list[float]:
    """(a, b) with P(right) = sigmoid(a * logit(p) + b), fitted on held-out pairs."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    x = np.array([[math.log(p / (1 - p))] for p, _ in pairs])
    y = np.array([int(ok) for _, ok in pairs])
    if len(set(y)) < 2:
        return [1.0, 0.0]
    clf = LogisticRegression(C=1e6).fit(x, y)
    return [round(float(clf.coef_[0][0]), 4), round(float(clf.intercept_[0]), 4)]


def counts(records, groups, labels, score, model=None, threshold=1.0, judged=None):
    """score.py's relation counts over records: rules' statements plus the model's."""
    total = score.Counts()
    for rec in records:
        stmts = [(entity_iri(s), p, entity_iri(o), None) for s, p, o in rec["rules"]]
        if model is not None:
            for s, p, o, feats, rule, ok in rec["candidates"]:
                if rule:
                    continue
                prob = model.probability(feats)
                if judged is not None:
                    judged.append((prob, ok is not False))
                if prob >= threshold:
                    stmts.append((entity_iri(s), p, entity_iri(o), None))
        gd = rec["gold"]
        total.add(score.match_relations(gd["relations"], stmts, gd["entities"], groups, labels))
    return total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CALIBRATION / "corpus")
    ap.add_argument("--gold", type=Path, default=CALIBRATION / "gold")
    ap.add_argument("--scorer", type=Path, default=ROOT.parent / "shared" / "eval" / "score.py")
    ap.add_argument("--c", type=float, default=0.3, help="inverse L2 strength (default 0.3)")
    ap.add_argument("--cv", action="store_true", help="evaluate batch against batch")
    ap.add_argument("--threshold", type=float, help="threshold to write (default: the best under --cv)")
    ap.add_argument("--write", action="store_true", help=f"write the model to {MODEL_FILE.relative_to(ROOT)}")
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    args = ap.parse_args(argv)
    if not args.scorer.exists():
        ap.error(f"scorer not found: {args.scorer}")
    records, (groups, labels), score = collect(args.corpus, args.gold, args.scorer)
    threshold = args.threshold
    if args.cv:
        sums = {t: score.Counts() for t in THRESHOLDS}
        base_sum = score.Counts()
        judged = []
        print(f"{'held out':12} {'rules P/R/F':22} " + " ".join(f"t={t:<5}" for t in THRESHOLDS))
        for b, (lo, hi) in enumerate(BATCHES):
            test = [r for r in records if batch_of(article_number(r["file"])) == b]
            train = [r for r in records if batch_of(article_number(r["file"])) != b]
            if not test:
                continue
            model, _, _ = fit(train, args.c)
            base = counts(test, groups, labels, score)
            base_sum.add(base)
            row = []
            for t in THRESHOLDS:
                got = counts(test, groups, labels, score, model, t, judged if t == THRESHOLDS[0] else None)
                sums[t].add(got)
                row.append(f"{got.prf()[2]:.3f}  ")
            p, r, f = base.prf()
            print(f"cal_{lo:03}-{hi:03} {p:.3f}/{r:.3f}/{f:.3f}    " + " ".join(row))
        p, r, f = base_sum.prf()
        print(f"{'all':12} {p:.3f}/{r:.3f}/{f:.3f}    " + " ".join(f"{sums[t].prf()[2]:.3f}  " for t in THRESHOLDS))
        for t in THRESHOLDS:
            p, r, f = sums[t].prf()
            print(f"  t={t}: P {p:.3f} R {r:.3f} F {f:.3f}")
        from kg.calibrate import expected_calibration_error
        print(f"held-out calibration of the model's candidates: ECE {expected_calibration_error(judged):.3f} "
              f"over {len(judged)}")
        best = max(THRESHOLDS, key=lambda t: sums[t].prf()[2])
        print(f"best threshold {best}")
        threshold = threshold if threshold is not None else best
        # The model is trained to find what the rules miss; a statement's confidence is
        # whether it is right at all, so the held-out probabilities of the statements it
        # makes are mapped onto that by Platt scaling (two numbers, kept with the model).
        made = [(prob, ok) for prob, ok in judged if prob >= threshold]
        platt = platt_fit(made)
        after = [(RelationModel({}, 0.0, 0.0, {"confidence": platt}).confidence(p), ok) for p, ok in made]
        raw_ece, platt_ece = expected_calibration_error(made), expected_calibration_error(after)
        print(f"held-out statements the model makes at {threshold}: {len(made)}, right {sum(ok for _, ok in made)}; "
              f"ECE {raw_ece:.3f} as probability, {platt_ece:.3f} Platt-scaled (a={platt[0]:.3f}, b={platt[1]:.3f})")
        if platt_ece >= raw_ece:
            platt = [1.0, 0.0]          # the probability is as calibrated as it gets: keep it
            print("confidence: the model's probability (Platt scaling does not lower the ECE)")
            after = made
        # kg:confidence is the tier's (kg.calibrate: the rules' statements are put in the
        # same three tiers): how often the held-out statements in each tier were right
        tier_values, tier_counts = fit_tiers(after)
        tiered = [(RelationModel({}, 0.0, 0.0, {"tiers": {"cuts": list(TIER_CUTS), "confidence": tier_values}})
                   .tiered(c), ok) for c, ok in after]
        print(f"tiers (cuts {', '.join(map(str, TIER_CUTS))}): " + ", ".join(
            f"{v:.3f} ({r}/{n})" for v, (r, n) in zip(tier_values, tier_counts))
            + f"; ECE in tiers {expected_calibration_error(tiered):.3f}")
    if args.write:
        model, n, pos = fit(records, args.c)
        model.threshold = threshold if threshold is not None else 0.5
        model.meta = {"confidence": platt if args.cv else [1.0, 0.0],
                      "tiers": {"cuts": list(TIER_CUTS), "confidence": tier_values} if args.cv else {},
                      "trained_on": f"{len(records)} articles of kg/data/calibration",
                      "candidates": n, "right": pos, "c": args.c,
                      "recipe": "python scripts/train_relations.py --cv --write"}
        model.save(args.out)
        print(f"wrote {args.out} ({len(model.weights)} weights, threshold {model.threshold}, {n} candidates, {pos} right)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
