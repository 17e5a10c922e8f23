"""The knowledge base data under kg/data/ loads, is consistent, and answers lookups."""
import json

import pytest

from kg.errors import KnowledgeBaseError
from kg.kb import DATA_DIR, KBEntry, KnowledgeBase, alias_key


def test_every_reference_points_at_an_entry(kb):
    for e in kb.entries.values():
        for ref in (e.parent, e.located_in):
            assert ref is None or ref in kb, f"{e.id} refers to missing {ref}"
    for p in kb.posts.values():
        assert p.implies is None or p.implies in kb, f"post {p.title} implies missing {p.implies}"


def test_ministries_provinces_and_cities_are_there(kb):
    assert [e.id for e in kb.candidates("工信部")] == [e.id for e in kb.candidates("工业和信息化部")]
    assert kb.candidates("MIIT")[0].name == "工业和信息化部"
    assert kb.candidates("国家发展改革委")[0].name == "国家发展和改革委员会"
    provinces = [e for e in kb.entries.values() if e.category in ("province", "municipality", "autonomous_region", "sar")]
    assert len(provinces) == 34
    cities = [e for e in kb.entries.values() if e.type == "Place" and e.category in ("prefecture_city", "sub_provincial_city")]
    assert len(cities) > 250
    suzhou = kb.candidates("苏州市")[0]
    assert kb.get(suzhou.located_in).name == "江苏省"
    assert kb.ancestors(suzhou.id)[-1] == kb.candidates("中国")[0].id


def test_regional_bodies_are_generated_from_templates(kb):
    body = kb.candidates("江苏省工信厅")
    assert [e.name for e in body] == ["江苏省工业和信息化厅"]
    assert body[0].located_in == kb.candidates("江苏省")[0].id
    assert kb.candidates("山东省政府")[0].name == "山东省人民政府"


def test_traditional_and_english_aliases(kb):
    assert kb.candidates("國務院")[0].name == "国务院"
    assert kb.candidates("Li Qiang")[0].name == "李强"
    assert kb.candidates("li qiang")[0].name == "李强"


def test_posts_imply_their_body(kb):
    assert kb.get(kb.posts["总理"].implies).name == "国务院"
    assert kb.posts["部长"].implies is None


def test_alias_key_ignores_quotes_space_and_case():
    assert alias_key("“人工智能+” ") == alias_key("人工智能+")
    assert alias_key("Li Qiang") == "liqiang"


def test_duplicate_ids_and_bad_lines_are_errors(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="duplicate"):
        KnowledgeBase([KBEntry("x:a", "Place", "甲地"), KBEntry("x:a", "Place", "乙地")])
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "bad.jsonl").write_text('{"id": "x:a", "type": "Place", "name": "甲地"}\n{oops\n', encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"bad\.jsonl:2"):
        KnowledgeBase.from_dir(tmp_path)


def test_data_files_are_json_lines():
    for path in (DATA_DIR / "kb").glob("*.jsonl"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                json.loads(line)


def test_county_level_divisions_are_places_in_their_city(extract):
    from tests.conftest import names, triples

    r = extract("浙江省杭州市萧山区加快数字经济发展，淳安县推进生态保护。")
    assert {"萧山区", "淳安县"} <= names(r, "Place")
    assert ("萧山区", "locatedIn", "杭州市") in triples(r)
    # everyday words that are also the short forms of county names are not places
    quiet = extract("会议直播开到各地市和县（市、区），推动合作共赢、惠民利企，优化资源配置。")
    assert not names(quiet, "Place") & {"和县", "合作市", "惠民县", "资源县"}


def _company_rows():
    path = DATA_DIR / "kb" / "companies.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_company_names_belong_to_one_entry_only(kb):
    rows = _company_rows()
    assert len(rows) > 150
    for r in rows:
        assert r["id"].startswith("org:") and r["type"] == "Organization"
        assert r["category"] in ("soe", "bank", "insurer", "company", "association")
        assert r.get("located_in") is None or kb.get(r["located_in"]).type == "Place"
        for n in [r["name"], *r["aliases"], *r.get("weak_aliases", []), r["en"], *r["en_aliases"]]:
            assert len(n) > 1
            assert [e.id for e in kb.candidates(n, weak=True)] == [r["id"]], f"{n} of {r['id']}"


def test_companies_resolve_to_one_node_each(extract):
    from tests.conftest import names

    r = extract("华为公司和比亚迪股份有限公司的总部都在深圳。比亚迪与宁德时代都生产动力电池，"
                "华为技术有限公司则以通信设备闻名；中國工商銀行的总部在北京。")
    orgs = [e for e in r.entities.values() if e.type == "Organization"]
    assert sorted(e.name for e in orgs) == sorted(
        ["华为技术有限公司", "比亚迪股份有限公司", "宁德时代新能源科技股份有限公司", "中国工商银行股份有限公司"])
    assert {e.kb_id for e in orgs} == {"org:huawei", "org:byd", "org:catl", "org:icbc"}
    assert {"深圳市", "北京市"} <= names(r, "Place")
    # short names that are also ordinary words are not aliases: 美的 (beautiful), 小米 (millet), 联想 (to associate)
    quiet = extract("这是一个美的故事，小米粥很好喝，读到这里他产生了联想。")
    assert not names(quiet, "Organization")


def test_associations_exchanges_and_institutes_own_their_names(kb, extract):
    from tests.conftest import names

    path = DATA_DIR / "kb" / "associations.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) > 50
    for r in rows:
        assert r["category"] in ("exchange", "association", "society", "alliance", "institute", "commission")
        assert kb.get(r["located_in"]).type == "Place"
        for n in [r["name"], *r["aliases"], r["en"], *r["en_aliases"]]:
            assert [e.id for e in kb.candidates(n, weak=True)] == [r["id"]], f"{n} of {r['id']}"
    r = extract("中汽协数据显示，新能源汽车产销两旺；北交所、上交所和深交所发布公告。")
    assert {"中国汽车工业协会", "北京证券交易所", "上海证券交易所", "深圳证券交易所"} <= names(r, "Organization")


def test_a_bare_legislative_council_is_the_one_of_the_region_at_hand(extract):
    hk = extract("香港特區行政長官李家超在立法會發表施政報告，立法會主席梁君彥主持會議。")
    assert "香港特别行政区立法会" in {e.name for e in hk.entities.values()}
    macao = extract("澳門特區行政長官岑浩輝在立法會發表施政報告。")
    assert "澳门特别行政区立法会" in {e.name for e in macao.entities.values()}
    assert "香港特别行政区立法会" not in {e.name for e in macao.entities.values()}


def test_county_level_cities_have_english_names_matched_only_capitalised(extract):
    from tests.conftest import names

    r = extract("Foreign firms expanded in Kunshan and Taicang, two county-level cities under Suzhou. "
                "Output rose for a long time; he walked a mile.")
    assert {"昆山市", "太仓市"} <= names(r, "Place")
    assert "弥勒市" not in names(r, "Place")


def test_districts_and_counties_have_english_names_when_only_one_has_it(kb, extract):
    from tests.conftest import names

    r = extract("AstraZeneca opened a plant in Xinwu District of Wuxi, and Geely expanded in Xiaoshan District.")
    assert {"新吴区", "萧山区"} <= names(r, "Place")
    # 德清县 (Zhejiang) and 德庆县 (Guangdong) would both be Deqing County: neither gets it
    assert not [e for e in kb.entries.values() if e.en == "Deqing County"]


def test_national_designations_and_regional_brands_are_listed_programmes(extract):
    r = extract("广西加快推进西部陆海新通道建设，健全产业链链长制，支持企业建设灯塔工厂。")
    ids = {e.kb_id for e in r.entities.values() if e.type == "Program"}
    assert {"program:western_land_sea_corridor", "program:chain_chief_system", "program:lighthouse_factories"} <= ids
    en = extract("Hong Kong will speed up the Northern Metropolis and the San Tin Technopole.")
    assert {"program:northern_metropolis", "program:san_tin_technopole"} <= {e.kb_id for e in en.entities.values()}


def test_party_bodies_answer_to_the_party_spelled_out_as_xinhua_writes_it(kb):
    for name in ("Communist Party of China (CPC) Shanghai Municipal Committee",
                 "Communist Party of China Shanghai Municipal Committee",
                 "General Office of the Communist Party of China Central Committee",
                 "Political Bureau of the Communist Party of China (CPC) Central Committee"):
        assert [e.type for e in kb.candidates(name)] == ["Organization"], name
    assert kb.candidates("General Office of the Communist Party of China (CPC) Central Committee")[0].name == "中共中央办公厅"
