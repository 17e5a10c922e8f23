#!/usr/bin/env python3
"""Fit kg:confidence of relation statements on the project's own annotated corpus.

    python scripts/calibrate.py                # fit on kg/data/calibration, print ECE
    python scripts/calibrate.py --write        # ... and write kg/data/calibration.json

Builds the corpus with uncalibrated priors, judges every statement against the gold
annotation with the matching rules of ../shared/eval/score.py (a statement is right when
its subject, predicate and object match a gold relation, optional ones included), fits
per-extractor confidence (kg.calibrate.fit), and reports the expected calibration error
before, after (in sample) and leave-one-article-out (out of sample, the honest number).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
from collections import Counter
import importlib.util
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.calibrate import (TIER_CUTS, UNSEEN_WEIGHT, Calibration, expected_calibration_error, fit,  # noqa: E402
                          fit_tiers, roc_auc, save, unseen_shifts)
from kg.graph import build_graph, write_turtle  # noqa: E402
from kg.ingest import iter_articles  # noqa: E402
from kg.pipeline import Pipeline  # noqa: E402
from kg.records import Skipped  # noqa: E402
from kg.relate import PRIOR  # noqa: E402

KG = "https://w3id.org/policykg/ontology#"


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("policykg_scorer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_for_scoring(corpus: Path, scorer_path: Path, pipeline: Pipeline):
    """Build ``corpus`` and read its graph back the way score.py does: (results, the scorer
    module, the graph). Also used by scripts/train_relations.py."""
    score = load_scorer(scorer_path)
    results = [pipeline(a) for a in iter_articles([corpus]) if not isinstance(a, Skipped)]
    with tempfile.TemporaryDirectory() as tmp:
        ttl = Path(tmp) / "graph.ttl"
        write_turtle(build_graph(results), ttl)
        g = score.load_graph([ttl], ROOT / "ontology.ttl")
    return results, score, g


def judge(corpus: Path, gold: Path, scorer_path: Path) -> list[tuple]:
    """(document, extractor, prior, correct, listed ends, repeated, (s, p, o)) for every
    statement the pipeline makes."""
    # priors, not a previous fit; the rules only (the relation model sets its own confidence)
    _, score, g = build_for_scoring(corpus, scorer_path, Pipeline(calibration=Calibration(), relation_model=None))
    golds = score.load_gold(gold)
    docs, mentions, groups, labels, _ = score.query_graph(g)
    rows = g.query(f"""PREFIX kg: <{KG}> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?d ?s ?p ?o ?x ?sk ?ok WHERE {{ ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
        prov:wasDerivedFrom ?d ; kg:extractor ?x
        OPTIONAL {{ ?s kg:kbId ?sk }} OPTIONAL {{ ?o kg:kbId ?ok }} }}""")
    by_doc = {str(d): f for f, d in docs.items()}
    rows = list(rows)
    support = Counter((str(d), str(s), str(p), str(o)) for d, s, p, o, *_ in rows)
    out = []
    for d, s, p, o, x, sk, ok in rows:
        fname = by_doc.get(str(d))
        if fname not in golds:
            continue
        ents, rels = golds[fname]["entities"], golds[fname]["relations"]
        pred = str(p)[len(KG):]
        s_ids = score.node_gold_ids(s, ents, groups, labels)
        o_ids = score.node_gold_ids(o, ents, groups, labels)
        hit = any(pred in r["predicate"] and s_ids & set(r["subject"]) and o_ids & set(r["object"]) for r in rels)
        for extractor in str(x).split(","):      # merged statements list every extractor
            extractor = extractor.strip()
            out.append((fname, extractor, PRIOR.get(extractor, 0.5), hit, (sk is not None) + (ok is not None),
                        support[(str(d), str(s), str(p), str(o))] > 1, (str(s), str(p), str(o))))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "kg" / "data" / "calibration" / "corpus")
    ap.add_argument("--gold", type=Path, default=ROOT / "kg" / "data" / "calibration" / "gold")
    ap.add_argument("--scorer", type=Path, default=ROOT.parent / "shared" / "eval" / "score.py")
    ap.add_argument("--write", action="store_true", help="write kg/data/calibration.json")
    ap.add_argument("--first-looks", type=Path, default=ROOT / "kg" / "data" / "calibration" / "first_looks.jsonl",
                    help="statements judged on annotated batches when they first arrived (JSON lines)")
    ap.add_argument("--record-first-look", metavar="COMMIT",
                    help="judge --corpus/--gold (a batch no rule has seen yet) with the code as it is, append "
                         "the rows to --first-looks tagged with COMMIT, and stop")
    ap.add_argument("--no-listed", action="store_true",
                    help="fit per rule only, without the number of knowledge-base ends (for comparison)")
    args = ap.parse_args(argv)
    if not args.scorer.exists():
        sys.exit(f"no scorer at {args.scorer}; pass --scorer PATH/score.py")
    judged = judge(args.corpus, args.gold, args.scorer)
    if not judged:
        sys.exit(f"no statements judged: is {args.gold} the gold of {args.corpus}?")
    if args.record_first_look:
        with args.first_looks.open("a", encoding="utf-8") as fh:
            for d, x, _, ok, listed, repeated, _ in judged:
                fh.write(json.dumps({"doc": d, "extractor": x, "listed": listed, "repeated": repeated,
                                     "correct": bool(ok), "commit": args.record_first_look}, ensure_ascii=False) + "\n")
        print(f"recorded {len(judged)} first-look statements ({sum(r[3] for r in judged)} right) in {args.first_looks}")
        return
    first_looks = [json.loads(line) for line in args.first_looks.read_text(encoding="utf-8").splitlines()
                   if line.strip()] if args.first_looks.exists() else []
    rows = [(x, prior, ok, listed, repeated) for _, x, prior, ok, listed, repeated, _ in judged]
    if args.no_listed:                        # the per-rule fit alone, for comparison
        rows = [r[:3] for r in rows]
    cal = fit(rows)
    before = expected_calibration_error([(prior, ok) for _, _, prior, ok, *_ in judged])
    after = expected_calibration_error([(cal.confidence(*r[:2], *r[3:]), r[2]) for r in rows])
    docs = sorted({d for d, *_ in judged})
    loo, loo_triples = [], []
    for held in docs:                         # refit without one article, judge that article
        part = fit([r for (d, *_), r in zip(judged, rows) if d != held])
        best: dict = {}                       # score.py judges each (s, p, o) once, at its best
        for (d, *_, spo), r in zip(judged, rows):
            if d == held:
                c = part.confidence(*r[:2], *r[3:])
                loo.append((c, r[2]))
                best[spo] = (max(c, best.get(spo, (0, False))[0]), r[2])
        loo_triples += best.values()
    held_out = expected_calibration_error(loo)
    held_out_triples = expected_calibration_error(loo_triples)
    # the shift to unseen text, checked batch against batch: fitted on the first looks of
    # the other batches, scored on this one's
    batches = sorted({r["commit"] for r in first_looks})

    def shifted_pairs(held: str, without: tuple = ()) -> list[tuple[float, bool]]:
        """The first looks of batch ``held``, judged with the shift fitted on the first
        looks of every other batch (and none of ``without``)."""
        # the corpus fit is the same for every batch: a copy with shifts of its own, not a refit
        shifted = unseen_shifts(replace(cal, unseen_shift={}, unseen_counts={}),
                                [(r["extractor"], r["correct"]) for r in first_looks
                                 if r["commit"] != held and r["commit"] not in without])
        return [(shifted.confidence(r["extractor"], PRIOR.get(r["extractor"], 0.5), r["listed"], r["repeated"]),
                 r["correct"]) for r in first_looks if r["commit"] == held]

    cross, pooled, tiered_pooled = [], [], []
    by_batch = {held: shifted_pairs(held) for held in batches}
    for held in batches:
        pairs = by_batch[held]
        plain = [(cal.confidence(r["extractor"], PRIOR.get(r["extractor"], 0.5), r["listed"], r["repeated"]),
                  r["correct"]) for r in first_looks if r["commit"] == held]
        # tiers fitted on the other batches, each of them judged without this one too
        tier_values, _ = fit_tiers([p for other in batches if other != held for p in shifted_pairs(other, (held,))])
        tiered = [(Calibration(tiers=tier_values).tiered(c), ok) for c, ok in pairs]
        cross.append((held, len(pairs), expected_calibration_error(plain), expected_calibration_error(pairs),
                      expected_calibration_error(tiered)))
        pooled += pairs
        tiered_pooled += tiered
    unseen_shifts(cal, [(r["extractor"], r["correct"]) for r in first_looks])
    if pooled:
        cal.tiers, cal.tier_counts = fit_tiers(pooled)
    print(f"{len(judged)} statements from {len(docs)} articles; precision {sum(r[3] for r in judged) / len(judged):.3f}")
    print(f"{'extractor':<22}{'right':>6}{'seen':>6}{'prior':>7}{'fitted':>8}   by listed ends (0/1/2; + repeated)")
    for x, (right, seen) in sorted(cal.counts.items()):
        parts = "  ".join(f"{n}: {r}/{c} {cal.by_listed[x][n]:.3f}" for n, (r, c) in sorted(cal.listed_counts.get(x, {}).items()))
        print(f"{x:<22}{right:>6}{seen:>6}{PRIOR.get(x, 0.5):>7.2f}{cal.table[x]:>8.3f}   {parts}")
    print(f"ECE: priors {before:.3f}, fitted in sample {after:.3f}, leave-one-article-out {held_out:.3f} "
          f"(per distinct relation, as score.py counts: {held_out_triples:.3f})")
    for held, n, plain, shifted, tiered in cross:
        print(f"first look at {held} ({n} statements): ECE {plain:.3f} with the corpus fit alone, "
              f"{shifted:.3f} shifted by the other batches' first looks (weight {UNSEEN_WEIGHT:g}), "
              f"{tiered:.3f} in their tiers")
    if pooled:
        # one batch of about 220 statements cannot show calibration to 0.05 with ten
        # populated bins (the ten-bin estimate of a perfectly calibrated table is about 0.05
        # at that size); pooled over every batch, each judged with the shift fitted without
        # it, it can. Three tiers fill three bins: the per-batch error falls, ranking is lost
        per_batch = sorted(t for *_, t in cross)
        print(f"all {len(batches)} first looks pooled ({len(pooled)} statements, each batch shifted by the others): "
              f"ECE {expected_calibration_error(pooled):.3f}, AUC {roc_auc(pooled):.3f}; in tiers "
              f"ECE {expected_calibration_error(tiered_pooled):.3f}, AUC {roc_auc(tiered_pooled):.3f}, per batch "
              f"median {per_batch[len(per_batch) // 2]:.3f}, {sum(t <= 0.05 for t in per_batch)} of {len(per_batch)} at most 0.05")
        print("tiers (cuts " + ", ".join(map(str, TIER_CUTS)) + "): " + ", ".join(
            f"{v:.3f} ({r}/{n})" for v, (r, n) in zip(cal.tiers, cal.tier_counts)))
    print("shift to unseen text (log-odds): " + ", ".join(
        f"{x} {v:+.2f} ({cal.unseen_counts[x][0]}/{cal.unseen_counts[x][1]})" for x, v in sorted(cal.unseen_shift.items())))
    if args.write:
        cal.source = f"scripts/calibrate.py on {args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus}"
        save(cal, ece={"priors": round(before, 4), "fitted_in_sample": round(after, 4),
                       "leave_one_article_out": round(held_out, 4),
                       "leave_one_article_out_per_relation": round(held_out_triples, 4),
                       "first_looks": {held: {"statements": n, "corpus_fit": round(plain, 4),
                                              "shifted_by_other_batches": round(shifted, 4),
                                              "tiered": round(tiered, 4)}
                                       for held, n, plain, shifted, tiered in cross},
                       "first_looks_pooled": {"statements": len(pooled),
                                              "shifted_by_other_batches": round(expected_calibration_error(pooled), 4)
                                              if pooled else None,
                                              "auc": round(roc_auc(pooled), 4) if pooled else None,
                                              "tiered": round(expected_calibration_error(tiered_pooled), 4)
                                              if pooled else None,
                                              "tiered_auc": round(roc_auc(tiered_pooled), 4) if pooled else None}})
        print("wrote kg/data/calibration.json")


if __name__ == "__main__":
    main()
