"""The statistical NER components of kg/ner.py (the shipped model; HanLP when installed)."""
import importlib.util
import json
from pathlib import Path

import pytest
import spacy

from kg.errors import BackendError
from kg.ner import MODEL_DIR, HanLPNER, StatisticalNER, text_pieces


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("zh")
    nlp.add_pipe("kg_statistical_ner")
    return nlp


def candidates(doc):
    return {(s.text, s.label_) for s in doc.spans["kg_candidates"]}


def test_the_trained_model_is_shipped_small_with_its_metrics():
    assert (MODEL_DIR / "config.cfg").is_file()
    assert (MODEL_DIR / "metrics.json").is_file()
    size = sum(p.stat().st_size for p in MODEL_DIR.rglob("*") if p.is_file())
    assert size < 15_000_000
    metrics = json.loads((MODEL_DIR / "metrics.json").read_text(encoding="utf-8"))
    # trained on policy news too (the project's annotated articles), not only the public corpora
    assert metrics["data"]["train"]["from_calibration"]["docs"] > 1000


_train_spec = importlib.util.spec_from_file_location(
    "train_ner", Path(__file__).resolve().parents[1] / "scripts" / "train_ner.py")
train_ner = importlib.util.module_from_spec(_train_spec)
_train_spec.loader.exec_module(train_ner)


def test_gold_names_are_projected_onto_the_text_as_training_spans():
    from kg.normalize import to_simplified

    text = "国务院总理李强在北京主持召开国务院常务会议，审议通过《北京市促进人工智能发展条例》。"
    entities = [
        {"id": "li_qiang", "type": "Person", "name": "李强", "aliases": []},
        {"id": "state_council", "type": "Organization", "name": "国务院", "aliases": ["國務院"]},
        {"id": "beijing", "type": "Place", "name": "北京市", "aliases": ["北京"]},
        {"id": "reg", "type": "Policy", "name": "北京市促进人工智能发展条例", "aliases": []},
        {"id": "meeting", "type": "Event", "name": "国务院常务会议", "aliases": [], "optional": True},
    ]
    ents, missing = train_ner.project_gold(text, entities, to_simplified)
    spans = {(text[s:e], label) for s, e, label in ents}
    assert spans == {("国务院", "ORG"), ("李强", "PER"), ("北京", "LOC")}
    # a policy's name (and the place inside it) and an optional entity are neither taught as
    # entities nor as "outside"
    assert {text[s:e] for s, e in missing} == {"北京市促进人工智能发展条例", "国务院常务会议"}


def test_calibration_articles_become_pieces_and_later_ones_are_held_out(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "gold").mkdir()
    articles = {"cal_1_a": "工业和信息化部部长金壮龙在合肥调研。", "cal_2_b": "安徽省省长王清宪会见客人。"}
    for name, text in articles.items():
        (tmp_path / "corpus" / f"{name}.txt").write_text(text, encoding="utf-8")
    golds = {"cal_1_a": [{"id": "jzl", "type": "Person", "name": "金壮龙", "aliases": []},
                         {"id": "hefei", "type": "Place", "name": "合肥市", "aliases": ["合肥"]}],
             "cal_2_b": [{"id": "wqx", "type": "Person", "name": "王清宪", "aliases": []}]}
    for name, ents in golds.items():
        (tmp_path / "gold" / f"{name}.json").write_text(json.dumps(
            {"doc": f"{name}.txt", "language": "zh-Hans", "entities": ents, "relations": []},
            ensure_ascii=False), encoding="utf-8")
    train, test = train_ner.read_calibration(tmp_path, hold_out_from=2)
    assert [(r.text[s:e], lab) for r in train for s, e, lab in r.ents] == [("金壮龙", "PER"), ("合肥", "LOC")]
    assert [(r.text[s:e], lab) for r in test for s, e, lab in r.ents] == [("王清宪", "PER")]


def test_finds_a_person_and_an_organization(nlp):
    doc = nlp("中国人民银行行长潘功胜在北京出席会议。")
    found = candidates(doc)
    assert ("潘功胜", "Person") in found
    assert ("中国人民银行", "Organization") in found
    for span in doc.spans["kg_candidates"]:
        assert span._.kg_extractor == "ner"
        assert 0.0 < span._.kg_score <= 1.0
    assert not doc.ents            # candidates only: kg_span_resolver chooses the entities


def test_positions_are_kept_apart_from_entities(nlp):
    doc = nlp("中国人民银行行长潘功胜在北京出席会议。")
    positions = {(s.text, s.label_) for s in doc.spans["kg_positions"]}
    assert ("行长", "Position") in positions
    assert not any(s.label_ == "Position" for s in doc.spans["kg_candidates"])


def test_candidates_from_other_components_are_kept(nlp):
    from kg.spans import add_candidate

    doc = nlp.make_doc("中国人民银行行长潘功胜在北京出席会议。")
    add_candidate(doc, 0, 6, "Organization", "kb", 0.95, candidates=("Q-PBOC",))
    nlp.get_pipe("kg_statistical_ner")(doc)
    by_rule = {(s.text, s._.kg_extractor) for s in doc.spans["kg_candidates"]}
    assert {("中国人民银行", "kb"), ("中国人民银行", "ner"), ("潘功胜", "ner")} <= by_rule


def test_pipe_matches_call(nlp):
    texts = ["国务院总理李强在上海考察。", "", "No Chinese here.", "工业和信息化部部长金壮龙出席会议。\n\n李强表示，要推进这项工作。"]
    one_by_one = [candidates(nlp(t)) for t in texts]
    batched = [candidates(d) for d in nlp.pipe(texts, batch_size=2)]
    assert one_by_one == batched
    assert one_by_one[1] == one_by_one[2] == set()
    assert ("李强", "Person") in one_by_one[3]


def test_spans_map_back_to_the_right_characters_of_long_texts(nlp):
    text = "说明。" * 100 + "\n  中国人民银行行长潘功胜在北京出席会议。"
    doc = nlp(text)
    assert ("潘功胜", "Person") in candidates(doc)


def test_text_pieces_cut_lines_and_long_sentences():
    text = "甲乙。" * 50 + "\n\nabc\n 丙丁 "
    pieces = text_pieces(text, max_len=30)
    assert all(e - s <= 30 for s, e in pieces)
    assert "".join(text[s:e] for s, e in pieces[:-1]) == "甲乙。" * 50
    assert text[slice(*pieces[-1])] == "丙丁"


def test_min_score_drops_labels_below_it():
    nlp = spacy.blank("zh")
    nlp.add_pipe("kg_statistical_ner", config={"min_score": 1.01})
    doc = nlp("中国人民银行行长潘功胜在北京出席会议。")
    assert not doc.spans["kg_candidates"] and not doc.spans["kg_positions"]


def test_missing_model_names_the_path_and_how_to_train(tmp_path):
    missing = tmp_path / "no_model_here"
    nlp = spacy.blank("zh")
    with pytest.raises(BackendError) as err:
        nlp.add_pipe("kg_statistical_ner", config={"model": str(missing)})
    assert str(missing) in str(err.value)
    assert "scripts/train_ner.py" in str(err.value)
    with pytest.raises(BackendError):
        StatisticalNER(missing)


def test_hanlp_factory_without_hanlp_names_the_extra():
    if importlib.util.find_spec("hanlp") is not None:
        pytest.skip("hanlp is installed here")
    with pytest.raises(BackendError) as err:
        spacy.blank("zh").add_pipe("kg_hanlp_ner")
    assert "pip install -e '.[hanlp]'" in str(err.value)


def test_hanlp_output_maps_token_offsets_to_candidates():
    """HanLP's (entity, label, start, end) tuples over the characters of each piece."""
    seen = []

    def fake_hanlp(batch):
        seen.extend(batch)
        out = []
        for chars in batch:
            text = "".join(chars)
            ents = []
            for name, label in (("潘功胜", "NR"), ("中国人民银行", "NT"), ("北京", "NS"), ("会议", "MISC")):
                i = text.find(name)
                if i >= 0:
                    ents.append((name, label, i, i + len(name)))
            out.append(ents)
        return out

    nlp = spacy.blank("zh")
    doc = nlp("第一行。\n中国人民银行行长潘功胜在北京出席会议。")
    HanLPNER(fake_hanlp)(doc)
    assert seen == [list("第一行。"), list("中国人民银行行长潘功胜在北京出席会议。")]
    assert candidates(doc) == {("潘功胜", "Person"), ("中国人民银行", "Organization"), ("北京", "Place")}
    assert {s._.kg_extractor for s in doc.spans["kg_candidates"]} == {"ner_hanlp"}


def test_hanlp_missing_model_dir_names_the_path(tmp_path, monkeypatch):
    pytest.importorskip("hanlp")
    monkeypatch.setenv("HANLP_HOME", str(tmp_path))
    with pytest.raises(BackendError) as err:
        spacy.blank("zh").add_pipe("kg_hanlp_ner")
    assert str(tmp_path / "policykg_ner") in str(err.value)


# --- how the resolver confirms what a model proposes -----------------------------------

def _resolved(text, proposals):
    """Entities the span resolver keeps when a model proposed ``proposals`` (text, label)."""
    from kg.kb import load_kb
    from kg.recognize import SpanResolver, load_rules
    from kg.spans import add_candidate

    doc = spacy.blank("zh").make_doc(text)
    for surface, label in proposals:
        start = text.index(surface)
        add_candidate(doc, start, start + len(surface), label, "ner", 0.9)
    SpanResolver(load_kb(), load_rules())(doc)
    return {(e.text, e.label_) for e in doc.ents}


def test_a_model_organization_needs_its_suffix_as_a_word_of_its_own():
    text = "国家数据局要服务国家发展大局。"
    found = _resolved(text, [("国家数据局", "Organization"), ("国家发展大局", "Organization")])
    assert ("国家数据局", "Organization") in found
    assert ("国家发展大局", "Organization") not in found       # 大局 is a word, not 局


def test_a_model_organization_may_end_with_an_office_or_a_plant():
    # rules.yaml's ner_org_suffixes: a 处 (division), a 工厂 (plant), still as words of their own
    text = "坂田街道办事处和上汽大众安亭工厂参加活动，他们相处融洽。"
    found = _resolved(text, [("坂田街道办事处", "Organization"), ("上汽大众安亭工厂", "Organization"),
                             ("他们相处", "Organization")])
    assert ("坂田街道办事处", "Organization") in found
    assert ("上汽大众安亭工厂", "Organization") in found
    assert ("他们相处", "Organization") not in found         # 相处 is a word, not 处


def test_a_model_organization_does_not_end_inside_the_next_word():
    text = "总的看，工业经济处于恢复增长的关键期。市财政局局长出席。"
    found = _resolved(text, [("工业经济处", "Organization"), ("市财政局", "Organization")])
    assert ("工业经济处", "Organization") not in found       # 处于, not a division
    assert ("市财政局", "Organization") in found             # 局长 is a post


def test_a_generic_body_is_not_a_name_even_when_a_model_says_so():
    text = "中央银行和商业银行加大信贷投放。"
    found = _resolved(text, [("中央银行", "Organization"), ("商业银行", "Organization")])
    assert not found


def test_a_model_name_must_end_where_a_name_ends():
    text = "国台办副主任潘贤掌介绍情况。国台办发言人朱凤莲表示欢迎。"
    found = _resolved(text, [("潘贤", "Person"), ("朱凤莲", "Person")])
    assert ("潘贤", "Person") not in found                     # cut inside 潘贤掌
    assert ("朱凤莲", "Person") in found                       # followed by 表示


def test_names_listed_after_one_title_all_hold_it():
    import kg

    r = kg.extract_text("国家发展改革委副主任刘苏社、赵辰昕、李春临出席发布会。", ner="spacy")
    held = {(r.entities[x.subject].name, r.entities[x.object].name, x.extractor) for x in r.relations
            if x.predicate == "holdsPosition"}
    # the rules read the first name after the title, the model the rest of the list
    assert ("刘苏社", "国家发展和改革委员会", "title_body") in held
    assert {("赵辰昕", "国家发展和改革委员会", "title_shared"),
            ("李春临", "国家发展和改革委员会", "title_shared")} <= held


def test_a_listed_name_with_its_own_title_does_not_share_the_first():
    import kg

    r = kg.extract_text("江苏省委书记信长星、省长许昆林出席会议。", ner="spacy")
    held = {(r.entities[x.subject].name, r.entities[x.object].name) for x in r.relations
            if x.predicate == "holdsPosition"}
    assert ("信长星", "中国共产党江苏省委员会") in held
    assert ("许昆林", "中国共产党江苏省委员会") not in held
