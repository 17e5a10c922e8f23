"""Relations with their evidence, on sentences written for these tests."""
from tests.conftest import triples


def test_title_chain_gives_holds_position(extract):
    r = extract("工业和信息化部党组书记、部长金壮龙出席会议并讲话。")
    assert ("金壮龙", "holdsPosition", "工业和信息化部") in triples(r)
    rel = next(x for x in r.relations if x.predicate == "holdsPosition")
    assert rel.evidence.startswith("工业和信息化部党组书记") and rel.extractor == "title_body"
    assert 0 < rel.confidence <= 1 and "部长" in rel.title


def test_implied_body_visit_and_located_in(extract):
    r = extract("国务院总理李强在江苏苏州调研。")
    t = triples(r)
    assert ("李强", "holdsPosition", "国务院") in t
    assert ("李强", "visited", "苏州市") in t
    assert ("苏州市", "locatedIn", "江苏省") in t


def test_event_organizers_place_and_participants(extract):
    r = extract("由工业和信息化部、天津市人民政府共同主办的2024世界智能产业博览会在天津开幕。"
                "工业和信息化部部长金壮龙出席并致辞。")
    t = triples(r)
    assert ("工业和信息化部", "organized", "2024世界智能产业博览会") in t
    assert ("天津市人民政府", "organized", "2024世界智能产业博览会") in t
    assert ("2024世界智能产业博览会", "locatedIn", "天津市") in t
    assert ("金壮龙", "participatedIn", "2024世界智能产业博览会") in t


def test_verbs_give_issued_implements_and_promotes(extract):
    r = extract("国务院印发《推动大规模设备更新和消费品以旧换新行动方案》。")
    assert ("国务院", "issued", "推动大规模设备更新和消费品以旧换新行动方案") in triples(r)
    r = extract("国家发展改革委等部门启动实施“东数西算”工程。")
    # “东数西算”工程 is the knowledge base's 东数西算 programme
    assert ("国家发展和改革委员会", "implements", "东数西算") in triples(r)


def test_a_person_promotes_and_the_subject_carries_over(extract):
    r = extract("国务院总理李强在广东调研。他强调，要大力推动“人工智能+”行动。")
    assert ("李强", "promotes", "“人工智能+”行动") in triples(r) or \
        any(p == "promotes" and s == "李强" for s, p, o in triples(r))


def test_english_premier_and_visit(extract):
    r = extract("Chinese Premier Li Qiang visited Shanghai on Tuesday.", language="en")
    t = triples(r)
    assert ("李强", "holdsPosition", "国务院") in t
    assert ("李强", "visited", "上海市") in t
