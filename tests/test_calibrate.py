"""Calibration: the fit, the error measure, and the shipped table used by the extractor."""
import json

import pytest

from kg.calibrate import (LISTED_WEIGHT, PRIOR_WEIGHT, TIER_CUTS, Calibration, expected_calibration_error, fit,
                          load_calibration)


def test_fit_moves_from_the_prior_by_the_evidence():
    cal = fit([("rule", 0.5, True)] * 16 + [("rule", 0.5, False)] * 4 + [("rare", 0.9, False)])
    assert abs(cal.table["rule"] - (16 + PRIOR_WEIGHT * 0.5) / (20 + PRIOR_WEIGHT)) < 1e-3
    # one wrong example pulls a rare rule only part of the way down
    assert 0.5 < cal.table["rare"] < 0.9
    assert cal.counts["rule"] == (16, 20)


def test_listed_ends_split_a_rule_around_its_own_fit():
    rows = [("verb", 0.5, True, 2)] * 18 + [("verb", 0.5, False, 2)] * 2 \
        + [("verb", 0.5, True, 0)] * 5 + [("verb", 0.5, False, 0)] * 5
    cal = fit(rows)
    rule = cal.table["verb"]
    assert cal.counts["verb"] == (23, 30)
    assert cal.listed_counts["verb"] == {"0": (5, 10), "2": (18, 20)}
    # each group moves from the rule's fit toward its own rate, by the evidence it has
    assert abs(cal.by_listed["verb"]["2"] - (18 + LISTED_WEIGHT * rule) / (20 + LISTED_WEIGHT)) < 1e-3
    assert cal.confidence("verb", 0.5, 2) > rule > cal.confidence("verb", 0.5, 0)
    # a group never seen, or no grounding given, falls back to the rule's fit
    assert cal.confidence("verb", 0.5, 1) == rule == cal.confidence("verb", 0.5)


def test_a_relation_stated_twice_has_its_own_group():
    rows = [("verb", 0.5, True, 1, True)] * 9 + [("verb", 0.5, False, 1, True)] \
        + [("verb", 0.5, True, 1, False)] * 5 + [("verb", 0.5, False, 1, False)] * 5
    cal = fit(rows)
    assert cal.listed_counts["verb"] == {"1+": (9, 10), "1": (5, 10)}
    assert cal.confidence("verb", 0.5, 1, repeated=True) > cal.confidence("verb", 0.5, 1, repeated=False)
    # no repetition known: the group by listed ends, else the rule
    assert cal.confidence("verb", 0.5, 1) == cal.by_listed["verb"]["1"]


def test_repetition_in_the_article_raises_the_confidence_of_each_statement():
    from kg.pipeline import Pipeline
    from kg.records import Article

    groups = {str(n): 0.5 for n in range(3)} | {f"{n}+": 0.9 for n in range(3)}
    pipeline = Pipeline(calibration=Calibration(table={"title_body": 0.7}, by_listed={"title_body": groups}))
    once = pipeline(Article(file_name="a.txt", text="江苏省委书记信长星来到苏州调研。"))
    twice = pipeline(Article(file_name="b.txt", text="江苏省委书记信长星来到苏州调研。江苏省委书记信长星在苏州考察。"))
    assert [r.confidence for r in once.relations if r.extractor == "title_body"] == [0.5]
    assert [r.confidence for r in twice.relations if r.extractor == "title_body"] == [0.9, 0.9]


def test_calibration_round_trips_through_its_file(tmp_path):
    from kg.calibrate import save

    cal = fit([("verb", 0.5, True, 2)] * 3 + [("verb", 0.5, False, 0)])
    save(cal, tmp_path / "cal.json")
    back = load_calibration(str(tmp_path / "cal.json"))
    assert back.by_listed == cal.by_listed and back.listed_counts == cal.listed_counts
    assert back.confidence("verb", 0.1, 0) == cal.confidence("verb", 0.1, 0)


def test_expected_calibration_error():
    assert expected_calibration_error([(0.9, True)] * 9 + [(0.9, False)]) < 1e-9
    assert abs(expected_calibration_error([(1.0, False)] * 2) - 1.0) < 1e-9
    assert expected_calibration_error([]) is None


def test_roc_auc_ranks_right_statements_above_wrong_ones():
    from kg.calibrate import roc_auc

    assert roc_auc([(0.9, True), (0.7, True), (0.4, False), (0.2, False)]) == 1.0
    assert roc_auc([(0.9, False), (0.2, True)]) == 0.0
    # a tie between a right and a wrong statement counts half
    assert roc_auc([(0.6, True), (0.6, False), (0.3, False)]) == 0.75
    assert roc_auc([(0.6, True)]) == 0.5


def test_shipped_table_is_used_by_the_relation_extractor(pipeline):
    from kg.records import Article

    cal = load_calibration()
    assert cal.table, "kg/data/calibration.json is missing: run scripts/calibrate.py --write"
    r = pipeline(Article(file_name="t.txt", text="工业和信息化部党组书记、部长金壮龙出席会议。"))
    rel = next(x for x in r.relations if x.predicate == "holdsPosition")
    # both ends (金壮龙, 工业和信息化部) are knowledge-base entries
    assert rel.score == cal.confidence(rel.extractor, -1, 2)
    assert rel.extractor in cal.by_listed
    # what the statement carries as its confidence is its tier's
    assert len(cal.tiers) == len(TIER_CUTS) + 1 and rel.confidence == cal.tiered(rel.score)
    assert rel.confidence in cal.tiers
    assert Calibration().confidence("anything", 0.42) == 0.42
    assert Calibration().tiered(0.42) == 0.42       # no tiers fitted: the value itself


def test_tiers_are_the_share_right_in_each_range_and_round_trip(tmp_path):
    from kg.calibrate import fit_tiers, save

    # fine-grained confidences judged on unseen text: 0.5s right 2 in 4, 0.7s 3 in 4, 0.9s 9 in 10
    pairs = ([(0.5, True)] * 2 + [(0.55, False)] * 2 + [(0.7, True)] * 3 + [(0.75, False)]
             + [(0.9, True)] * 9 + [(0.85, False)])
    values, counts = fit_tiers(pairs)
    assert values == [0.5, 0.75, 0.9] and counts == [(2, 4), (3, 4), (9, 10)]
    cal = Calibration(tiers=values, tier_counts=counts)
    assert [cal.tiered(v) for v in (0.1, 0.59, 0.6, 0.79, 0.8, 1.0)] == [0.5, 0.5, 0.75, 0.75, 0.9, 0.9]
    save(cal, tmp_path / "cal.json")
    back = load_calibration(str(tmp_path / "cal.json"))
    assert back.tiers == values and back.tier_counts == counts
    # tiers fitted for other cuts are not applied to these
    data = json.loads((tmp_path / "cal.json").read_text(encoding="utf-8"))
    data["tiers"]["cuts"] = [0.5]
    (tmp_path / "other.json").write_text(json.dumps(data), encoding="utf-8")
    assert load_calibration(str(tmp_path / "other.json")).tiered(0.7) == 0.7


def test_built_graph_carries_the_tier_as_confidence_and_the_fine_value_as_score(pipeline, tmp_path):
    from kg.graph import build_graph
    from kg.namespace import KG
    from kg.records import Article
    from kg.store import GraphStore, document_nquads

    cal = load_calibration()
    r = pipeline(Article(file_name="t.txt", text="工业和信息化部党组书记、部长金壮龙出席会议。工业和信息化部推进制造业数字化转型。"))
    g = build_graph([r])
    statements = list(g.subjects(KG.score, None))
    assert statements
    for st in statements:
        score, conf = float(g.value(st, KG.score)), float(g.value(st, KG.confidence))
        assert conf == pytest.approx(cal.tiered(score), abs=1e-3)      # written to three places
    # the Oxigraph store writes the same two values
    store = GraphStore(tmp_path / "store")
    store.replace([("t.txt", document_nquads(r))])
    rows = {(str(b["st"].value), b["c"].value, b["s"].value) for b in store.store.query(
        "SELECT ?st ?c ?s WHERE { GRAPH ?g { ?st <%s> ?c ; <%s> ?s } }" % (KG.confidence, KG.score))}
    assert rows == {(str(st), str(g.value(st, KG.confidence)), str(g.value(st, KG.score))) for st in statements}


def test_first_looks_shift_a_rule_toward_its_precision_on_unseen_articles(tmp_path):
    from kg.calibrate import save, unseen_shifts

    cal = fit([("carried", 0.5, True, 2)] * 18 + [("carried", 0.5, False, 2)] * 2 + [("title", 0.9, True, 2)] * 20)
    before = cal.confidence("carried", 0.5, 2)
    # on articles no rule had seen, the carried subject was right 4 times in 10
    unseen_shifts(cal, [("carried", True)] * 4 + [("carried", False)] * 6 + [("title", True)] * 10, weight=8)
    after = cal.confidence("carried", 0.5, 2)
    assert after < before and 0.4 < after < 0.7
    assert cal.confidence("title", 0.9, 2) >= fit([("title", 0.9, True, 2)] * 20).confidence("title", 0.9, 2) - 1e-9
    save(cal, tmp_path / "cal.json")
    back = load_calibration(str(tmp_path / "cal.json"))
    assert back.confidence("carried", 0.5, 2) == after and back.unseen_counts["carried"] == (4, 10)


def test_shipped_first_looks_are_judged_rows_of_unseen_batches():
    import json
    from pathlib import Path

    rows = [json.loads(line) for line in (Path(__file__).parents[1] / "kg/data/calibration/first_looks.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len({r["commit"] for r in rows}) >= 3 and len(rows) > 500
    assert {"doc", "extractor", "listed", "repeated", "correct", "commit"} <= set(rows[0])
    assert load_calibration().unseen_shift, "the shipped table carries the shift to unseen text"
