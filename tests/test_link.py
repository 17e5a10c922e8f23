"""Linking: one canonical node per real-world entity, across forms, scripts and languages."""
from kg.link import corpus_entity_id
from tests.conftest import names


def test_short_long_and_english_forms_are_one_node(extract):
    a = extract("工信部召开会议。工业和信息化部部长金壮龙出席。")
    b = extract("MIIT held a meeting in Beijing.", language="en")
    ids_a = {e.id for e in a.entities.values() if e.name == "工业和信息化部"}
    ids_b = {e.id for e in b.entities.values() if e.name == "工业和信息化部"}
    assert len(ids_a) == 1 and ids_a == ids_b


def test_traditional_and_simplified_names_share_an_id(extract):
    a = extract("国务院总理李强出席会议。")
    b = extract("國務院總理李強出席會議。")
    assert {e.id for e in a.entities.values()} == {e.id for e in b.entities.values()}
    li = next(e for e in b.entities.values() if e.name == "李强")
    assert li.name_en == "Li Qiang"


def test_regional_short_form_resolves_to_the_article_province(extract):
    result = extract("广东省近日召开全省工业和信息化工作会议，省工信厅介绍了有关情况。")
    assert "广东省工业和信息化厅" in names(result, "Organization")


def test_a_bare_province_body_whose_name_starts_with_a_level_word_resolves(extract):
    # 省 + 市场监管局: only the level word is the province's, not the 市 of 市场
    r = extract("浙江省经济和信息化厅召开会议，省市场监管局、省科技厅参加。")
    assert {"浙江省市场监督管理局", "浙江省科学技术厅"} <= names(r, "Organization")


def test_names_no_list_holds_get_stable_ids(extract):
    a = extract("国家发展改革委等部门启动实施“东数西算”工程。", file_name="a.txt")
    b = extract("“东数西算”工程全面启动。", file_name="b.txt")
    pa = {e.id for e in a.entities.values() if e.type == "Program"}
    pb = {e.id for e in b.entities.values() if e.type == "Program"}
    assert pa and pa == pb
    assert corpus_entity_id("Program", "“六个一批”工作举措") == "Program:六个一批工作举措"


def test_a_weak_short_place_name_does_not_vouch_for_itself(extract):
    # 新建 is the short form of 南昌市新建区 and an everyday verb; with no other name of
    # Jiangxi around, it is the verb
    r = extract("山东省今年将新建一批智能工厂和数字化车间。")
    assert "新建区" not in names(r, "Place")
    r = extract("江西省南昌市新建区近日新建一批智能工厂。")
    assert "新建区" in names(r, "Place")


def test_a_short_title_refers_back_to_the_listed_document_it_abbreviates(extract):
    r = extract("国务院印发《数字中国建设整体布局规划》。《规划》提出，到2025年基本形成横向打通的格局。"
                "中央网信办要推动《规划》落实。")
    policies = [e for e in r.entities.values() if e.type == "Policy"]
    assert [e.kb_id for e in policies] == ["policy:digital_china_plan"]
    assert any(r.entities[x.object].kb_id == "policy:digital_china_plan" and x.predicate == "promotes" for x in r.relations)


def test_an_english_article_calls_a_person_by_the_family_name_after_naming_them_in_full(pipeline):
    from kg.records import Article

    r = pipeline(Article(file_name="t.txt", language="en", text=(
        "Huang Qiang, governor of southwest China's Sichuan Province, met Ola Kallenius, chairman of the board of "
        "Mercedes-Benz Group, in Chengdu. "
        "Huang, who is also deputy secretary of the CPC Sichuan Provincial Committee, welcomed Kallenius. "
        "Li Wang, a researcher, and Wang Yi spoke.")))
    by_surface = {m.text: r.entities[m.entity_id].name for m in r.mentions if m.entity_id}
    assert by_surface.get("Huang") == "黄强" and by_surface.get("Kallenius") == "Ola Kallenius"
    assert "Wang" not in by_surface               # two people share the name, and no one was named Wang first
    assert any(r.entities[x.subject].name == "黄强" and r.entities[x.object].name == "中国共产党四川省委员会"
               for x in r.relations if x.predicate == "holdsPosition")


def test_a_countys_bureau_written_short_is_the_bureau_named_in_full(extract):
    r = extract("安吉县经济和信息化局、安吉县科学技术局联合印发方案。（牵头单位：县经信局；责任单位：县科技局）安吉县隶属湖州市。")
    orgs = names(r, "Organization")
    assert "安吉县经济和信息化局" in orgs and "安吉县科学技术局" in orgs
    assert not {"安吉县经信局", "安吉县科技局"} & orgs


def test_a_post_after_a_title_is_no_name(extract):
    r = extract("成立由县政府分管副县长任组长的工作专班。")
    assert "任组长" not in names(r, "Person")
