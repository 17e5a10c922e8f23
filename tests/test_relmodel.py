"""The trained relation model beside the rules (kg/relmodel.py, scripts/train_relations.py)."""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import rdflib

from kg.records import Article

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
CALIBRATION = ROOT / "kg" / "data" / "calibration"

_spec = importlib.util.spec_from_file_location("train_relations", ROOT / "scripts" / "train_relations.py")
train_relations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_relations)

TEXT = ("2023年9月，工业和信息化部部长金壮龙在全国新型工业化推进大会上作工作部署。"
        "工业和信息化部将深入推进制造业数字化转型行动和中小企业数字化赋能专项行动。")


@pytest.fixture(scope="module")
def rules_pipeline():
    from kg.pipeline import Pipeline

    return Pipeline(relation_model=None)


def _parts(pipeline, text):
    from kg.normalize import normalize_article

    article = normalize_article(Article(file_name="t.txt", text=text))
    result = pipeline(article)
    return article, result


def test_candidates_pair_names_of_one_sentence_by_type_with_words_and_the_rules_verdict(rules_pipeline):
    from kg.relmodel import candidates

    article, r = _parts(rules_pipeline, TEXT)
    cands = candidates(article, r.mentions, r.entities, r.relations, rules_pipeline.rules)
    by_key = {(r.entities[c.subject].name, c.predicate, r.entities[c.object].name): c for c in cands}
    held = by_key[("金壮龙", "holdsPosition", "工业和信息化部")]
    assert held.rule and "holdsPosition|rule" in held.features      # the rules state it
    assert {"holdsPosition|order=of", "holdsPosition|post_o=部长"} <= held.features   # body, title, name
    # a programme and the body before its verb: the verb is the word before the object
    pushed = by_key[("工业和信息化部", "promotes", "制造业数字化转型")]
    assert {"promotes|pre_o=推进", "promotes|rule_other=implements", "promotes|s_leads"} <= pushed.features
    assert not pushed.rule
    # types the ontology does not join are never candidates: a person implements nothing
    assert not any(c.predicate == "implements" and r.entities[c.subject].type == "Person" for c in cands)
    # names of different sentences are no pair
    assert ("金壮龙", "promotes", "中小企业数字化赋能专项行动") not in by_key


def test_the_signatures_are_the_ontology_domains_and_ranges(rules_pipeline):
    from kg.relmodel import signatures

    g = rdflib.Graph().parse(ROOT / "ontology.ttl")
    KG = rdflib.Namespace("https://w3id.org/policykg/ontology#")

    def classes(node):
        members = list(g.objects(node, rdflib.OWL.unionOf))
        if members:
            return {str(c).rsplit("#", 1)[1] for c in rdflib.collection.Collection(g, members[0])}
        return {str(node).rsplit("#", 1)[1]}

    for (subject_type, object_type), predicates in signatures(rules_pipeline.rules).items():
        for p in predicates:
            assert subject_type in classes(g.value(KG[p], rdflib.RDFS.domain)), (p, subject_type)
            assert object_type in classes(g.value(KG[p], rdflib.RDFS.range)), (p, object_type)


def test_a_model_adds_what_it_scores_above_its_threshold_with_evidence_and_confidence(tmp_path, rules_pipeline):
    from kg.pipeline import Pipeline
    from kg.relmodel import EXTRACTOR, RelationModel

    # a hand-made model that believes a programme after 推进 is promoted by the body before it
    model = RelationModel({"promotes|pre_o=推进": 4.0}, -2.0, 0.5,
                          {"confidence": [1.0, 0.0]})
    path = tmp_path / "relations.json"
    model.save(path)
    assert RelationModel.load(path).weights == model.weights

    with_model = Pipeline(relation_model=str(path))(Article(file_name="t.txt", text=TEXT))
    added = [x for x in with_model.relations if x.extractor == EXTRACTOR]
    assert added, "the model made no statement"
    assert {(with_model.entities[x.subject].name, x.predicate, with_model.entities[x.object].name)
            for x in added} == {("工业和信息化部", "promotes", "制造业数字化转型")}
    assert all(x.evidence in TEXT and x.evidence.endswith("。") for x in added)
    assert all(x.confidence == pytest.approx(1 / (1 + 2.718281828 ** -2), abs=0.001) for x in added)
    # the rules alone make none of them, and a model never repeats what the rules state
    _, rules_only = _parts(rules_pipeline, TEXT)
    stated = {(x.subject, x.predicate, x.object) for x in rules_only.relations}
    assert not any((x.subject, x.predicate, x.object) in stated for x in added)
    assert not any(x.extractor == EXTRACTOR for x in rules_only.relations)


def test_platt_scaling_maps_the_models_probability_to_its_confidence():
    from kg.relmodel import RelationModel

    flat = RelationModel({}, 0.0, 0.5, {"confidence": [1.0, 0.0]})
    assert flat.confidence(0.7) == pytest.approx(0.7)
    shrunk = RelationModel({}, 0.0, 0.5, {"confidence": [0.5, 0.0]})
    assert 0.5 < shrunk.confidence(0.9) < 0.9            # a slope below 1 pulls towards 0.5


def test_the_models_confidence_is_its_tier_and_the_shipped_model_has_tiers():
    from kg.calibrate import TIER_CUTS
    from kg.relmodel import RelationModel

    tiered = RelationModel({}, 0.0, 0.5, {"tiers": {"cuts": list(TIER_CUTS), "confidence": [0.4, 0.65, 0.85]}})
    assert [tiered.tiered(v) for v in (0.55, 0.7, 0.95)] == [0.4, 0.65, 0.85]
    other_cuts = RelationModel({}, 0.0, 0.5, {"tiers": {"cuts": [0.5], "confidence": [0.4, 0.8]}})
    assert other_cuts.tiered(0.7) == 0.7                 # fitted for other cuts: not applied
    shipped = RelationModel.load()
    values = shipped.meta["tiers"]["confidence"]
    assert shipped.meta["tiers"]["cuts"] == list(TIER_CUTS) and len(values) == len(TIER_CUTS) + 1
    assert all(0 < v < 1 for v in values)


def test_a_missing_model_file_is_a_clear_error(tmp_path):
    from kg.errors import BackendError
    from kg.pipeline import Pipeline

    with pytest.raises(BackendError, match="relation model not found.*train_relations"):
        Pipeline(relation_model=str(tmp_path / "none.json"))


def test_the_shipped_model_loads_and_the_cli_switches_a_model_on_and_off(tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli
    from kg.relmodel import RelationModel

    shipped = RelationModel.load()
    assert len(shipped.weights) > 1000 and 0 < shipped.threshold < 1
    assert "trained_on" in shipped.meta and len(shipped.meta["confidence"]) == 2
    # a hand-made model whose one statement is known, given to the CLI
    model = tmp_path / "relations.json"
    RelationModel({"promotes|pre_o=推进": 4.0}, -2.0, 0.5, {"confidence": [1.0, 0.0]}).save(model)
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    for relations in ("model", "rules"):
        res = CliRunner().invoke(cli, ["build", str(corpus), "--out", str(tmp_path / relations), "--no-html", "-q",
                                       "--relations", relations, "--relation-model", str(model)])
        assert res.exit_code == 0, res.output
    extractors = {
        relations: {str(o) for o in rdflib.Graph().parse(tmp_path / relations / "graph.ttl").objects(
            None, rdflib.URIRef("https://w3id.org/policykg/ontology#extractor"))}
        for relations in ("model", "rules")}
    assert any("relation_model" in x for x in extractors["model"])
    assert not any("relation_model" in x for x in extractors["rules"])


@pytest.mark.skipif(not SCORER.exists(), reason="needs ../shared/eval/score.py")
def test_training_on_annotated_articles_writes_a_model_the_pipeline_loads(tmp_path):
    corpus, gold = tmp_path / "corpus", tmp_path / "gold"
    corpus.mkdir()
    gold.mkdir()
    for g in sorted((CALIBRATION / "gold").glob("cal_0[1-8]_*.json")):
        doc = json.loads(g.read_text(encoding="utf-8"))["doc"]
        shutil.copy(g, gold / g.name)
        shutil.copy(CALIBRATION / "corpus" / doc, corpus / doc)
    out = tmp_path / "relations.json"
    assert train_relations.main(["--corpus", str(corpus), "--gold", str(gold), "--scorer", str(SCORER),
                                 "--write", "--out", str(out), "--threshold", "0.5"]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["threshold"] == 0.5 and data["weights"] and data["meta"]["candidates"] > 50
    from kg.pipeline import Pipeline

    Pipeline(relation_model=str(out))(Article(file_name="t.txt", text=TEXT))
