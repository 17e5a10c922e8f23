"""Calibration: the fit, the error measure, and the shipped table used by the extractor."""
from kg.calibrate import PRIOR_WEIGHT, Calibration, expected_calibration_error, fit, load_calibration


def test_fit_moves_from_the_prior_by_the_evidence():
    cal = fit([("rule", 0.5, True)] * 16 + [("rule", 0.5, False)] * 4 + [("rare", 0.9, False)])
    assert abs(cal.table["rule"] - (16 + PRIOR_WEIGHT * 0.5) / (20 + PRIOR_WEIGHT)) < 1e-3
    # one wrong example pulls a rare rule only part of the way down
    assert 0.5 < cal.table["rare"] < 0.9
    assert cal.counts["rule"] == (16, 20)


def test_expected_calibration_error():
    assert expected_calibration_error([(0.9, True)] * 9 + [(0.9, False)]) < 1e-9
    assert abs(expected_calibration_error([(1.0, False)] * 2) - 1.0) < 1e-9
    assert expected_calibration_error([]) is None


def test_shipped_table_is_used_by_the_relation_extractor(pipeline):
    from kg.records import Article

    cal = load_calibration()
    assert cal.table, "kg/data/calibration.json is missing: run scripts/calibrate.py --write"
    r = pipeline(Article(file_name="t.txt", text="工业和信息化部党组书记、部长金壮龙出席会议。"))
    rel = next(x for x in r.relations if x.predicate == "holdsPosition")
    assert rel.confidence == cal.confidence(rel.extractor, -1)
    assert Calibration().confidence("anything", 0.42) == 0.42
