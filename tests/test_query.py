"""kg.query and kg.export: SPARQL through Oxigraph, the named queries, formatting, networkx."""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
import rdflib

sys.path.insert(0, str(Path(__file__).parent))
from test_graph import HOSTILE, sample_results  # noqa: E402  (the shared hand-made records)

from kg.errors import QueryError  # noqa: E402
from kg.export import to_networkx  # noqa: E402
from kg.graph import build_graph, entity_iri, write_turtle  # noqa: E402
from kg.query import (QueryResult, display_width, format_csv, format_json, format_table,  # noqa: E402
                      named_queries, open_store, run_named, run_query, sparql_string)

KGR = "https://w3id.org/policykg/resource/"


@pytest.fixture(scope="module")
def graph():
    return build_graph(sample_results())


@pytest.fixture(scope="module")
def ttl(graph, tmp_path_factory):
    return write_turtle(graph, tmp_path_factory.mktemp("q") / "graph.ttl")


# ---------------------------------------------------------------- run_query

def test_prefixes_are_declared(ttl):
    r = run_query(ttl, "SELECT ?n WHERE { ?p a kg:Person ; skos:prefLabel ?n } ORDER BY ?n")
    assert r.variables == ["n"]
    assert r.rows == [("Xiao Yaqing",), ("肖亚庆",)]


def test_query_that_declares_its_own_prefix(ttl):
    r = run_query(ttl, "PREFIX k: <https://w3id.org/policykg/ontology#>\n"
                       "PREFIX kg: <https://w3id.org/policykg/ontology#>\n"
                       "SELECT (COUNT(*) AS ?n) WHERE { ?d a k:Document }")
    assert r.rows == [("2",)]


def test_sources_agree(graph, ttl, tmp_path):
    import pyoxigraph as ox

    q = "SELECT ?e ?l WHERE { ?e rdfs:label ?l } ORDER BY ?e"
    from_path = run_query(ttl, q).rows
    assert from_path and all(isinstance(e, str) and e.startswith(KGR) for e, _ in from_path)
    assert run_query(str(ttl), q).rows == from_path
    assert run_query(graph, q).rows == from_path                  # an rdflib.Graph
    assert run_query(open_store(ttl), q).rows == from_path       # a pyoxigraph.Store
    disk = ox.Store(str(tmp_path / "store"))
    disk.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE)
    disk.flush()
    del disk
    assert run_query(tmp_path / "store", q).rows == from_path    # an on-disk store directory


def test_plain_values_unbound_and_blank(ttl):
    r = run_query(ttl, 'SELECT ?a ?b ?c ?d WHERE { BIND(kg:Person AS ?a) BIND("x"@zh AS ?b) '
                       'BIND(BNODE("q") AS ?d) OPTIONAL { ?nothing kg:nope ?c } }')
    a, b, c, d = r.rows[0]
    assert a == "https://w3id.org/policykg/ontology#Person" and b == "x" and c is None
    assert d.startswith("_:")


def test_ask_and_construct(ttl):
    yes = run_query(ttl, "ASK { ?p kg:holdsPosition ?o }")
    assert yes.kind == "ask" and yes.boolean is True and yes.rows == [(True,)]
    assert run_query(ttl, "ASK { ?p kg:issued kg:nothing }").boolean is False
    c = run_query(ttl, "CONSTRUCT { ?p kg:holdsPosition ?o } WHERE { ?p kg:holdsPosition ?o }")
    assert c.kind == "construct" and c.variables == ["subject", "predicate", "object"]
    assert c.rows == [(str(entity_iri("Person:肖亚庆")), "https://w3id.org/policykg/ontology#holdsPosition",
                       str(entity_iri("org:miit")))]
    assert json.loads(format_json(yes)) == [{"boolean": True}]


def test_syntax_error_becomes_query_error_with_hint(ttl):
    with pytest.raises(QueryError) as info:
        run_query(ttl, "SELECT ?x WHERE { ?x a }")
    msg = str(info.value)
    assert "SPARQL syntax error" in msg and "1:" in msg and "hint:" in msg


def test_unknown_prefix_is_named(ttl):
    with pytest.raises(QueryError) as info:
        run_query(ttl, "SELECT ?x WHERE {\n  ?x a foaf:Person }")
    msg = str(info.value)
    assert "foaf:" in msg and "PREFIX foaf:" in msg and "kg:" in msg


def test_updates_are_refused(ttl):
    with pytest.raises(QueryError):
        run_query(ttl, "INSERT DATA { kg:a kg:b kg:c }")


def test_missing_graph_and_bad_file(tmp_path):
    with pytest.raises(QueryError, match="kg build"):
        run_query(tmp_path / "nope.ttl", "ASK {}")
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(QueryError, match="not valid RDF"):
        run_query(bad, "ASK {}")


def test_store_cache_sees_a_rewritten_file(tmp_path):
    path = write_turtle(build_graph(sample_results()[:1]), tmp_path / "g.ttl")
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?d a kg:Document }"
    assert run_query(path, q).rows == [("1",)]
    write_turtle(build_graph(sample_results()), path)
    assert run_query(path, q).rows == [("2",)]


def test_open_store_with_ontology_follows_subclasses(ttl):
    store = open_store(ttl, ontology=Path(__file__).resolve().parents[1] / "ontology.ttl")
    r = run_query(store, "SELECT DISTINCT ?n WHERE { ?x a/rdfs:subClassOf* kg:Actor ; rdfs:label ?n } ORDER BY ?n")
    assert [n for (n,) in r.rows] == ["山东省人民政府", "工业和信息化部", "肖亚庆"]


# ---------------------------------------------------------------- named queries

def test_named_queries_are_shipped_with_headers():
    qs = named_queries()
    assert {"posts", "promoters", "provinces", "about", "events", "entities", "documents"} <= set(qs)
    for q in qs.values():
        assert q.title and q.description and "SELECT" in q.sparql
        assert not q.sparql.lstrip().startswith("#")
    assert qs["about"].parameters == ("label",)
    assert all(q.parameters == () for name, q in qs.items() if name != "about")


def test_every_named_query_runs_on_every_source_kind(graph, ttl):
    for name, q in named_queries().items():
        params = {"label": "工信部"} if q.parameters else {}
        from_file = run_named(ttl, name, **params)
        assert from_file.rows, name
        assert run_named(graph, name, **params).rows == from_file.rows, name


def test_posts(ttl):
    r = run_named(ttl, "posts")
    assert r.variables[:5] == ["person", "organization", "title", "evidence", "document"]
    assert [row[:5] for row in r.rows] == [
        ("肖亚庆", "工业和信息化部", "部长", "工业和信息化部部长肖亚庆通过视频方式致辞。", "000_a.txt")]
    assert r.rows[0][5] == "0.9"


def test_promoters(ttl):
    r = run_named(ttl, "promoters")
    assert r.dicts() == [{"actor": "工业和信息化部", "actorType": "Organization", "target": "智能制造工程",
                          "targetType": "Program", "evidence": "2", "documents": "2"}]


def test_provinces(ttl):
    r = run_named(ttl, "provinces")
    assert r.dicts() == [
        {"place": "山东省", "program": "智能制造工程", "programType": "Program", "documents": "2", "through": None},
        {"place": "山东省", "program": "制造业数字化转型行动方案", "programType": "Policy", "documents": "1",
         "through": "山东省人民政府"},
    ]


def test_about_by_alias_and_case_insensitive_english(ttl):
    r = run_named(ttl, "about", label="工信部")
    triples = {(s, p, o, d) for s, p, o, *_, d, _c in [(*row[:3], row[5], row[6]) for row in r.rows]}
    assert triples == {
        ("肖亚庆", "holdsPosition", "工业和信息化部", "000_a.txt"),
        ("工业和信息化部", "organized", "世界先进制造业大会", "000_a.txt"),
        ("工业和信息化部", "promotes", "智能制造工程", "000_a.txt"),
        ("工业和信息化部", "promotes", "智能制造工程", "001_b.txt"),
        ("工业和信息化部", "issued", "制造业数字化转型行动方案", "001_b.txt"),
    }
    assert all(row[4] for row in r.rows)                      # every statement has its sentence
    assert run_named(ttl, "about", label="miit").rows == r.rows
    assert run_named(ttl, "about", label="工业和信息化部").rows == r.rows
    assert run_named(ttl, "about", label="nobody").rows == []


def test_about_without_label_raises_query_error_naming_it(ttl):
    with pytest.raises(QueryError, match="'label'"):
        run_named(ttl, "about")
    with pytest.raises(QueryError, match="no parameter 'lable'"):
        run_named(ttl, "about", label="x", lable="y")
    with pytest.raises(QueryError, match="no query named 'postz'.*posts"):
        run_named(ttl, "postz")


def test_about_label_is_escaped(tmp_path):
    res = sample_results()
    res[0].entities["Person:肖亚庆"].aliases.add(HOSTILE)
    path = write_turtle(build_graph(res), tmp_path / "g.ttl")
    r = run_named(path, "about", label=HOSTILE)
    assert {row[1] for row in r.rows} == {"holdsPosition", "participatedIn"}
    for evil in ('" } SELECT * { ?s ?p ?o } #', "$label", "\\", "\n", '"""'):
        assert run_named(path, "about", label=evil).rows == []


def test_sparql_string():
    assert sparql_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert sparql_string("李强") == '"李强"'


def test_events(ttl):
    [row] = run_named(ttl, "events").dicts()
    assert row["event"] == "世界先进制造业大会"
    assert set(row["organizers"].split("; ")) == {"工业和信息化部"}
    assert set(row["participants"].split("; ")) == {"肖亚庆"}
    assert row["places"] == "济南市" and row["documents"] == "1"


def test_entities(ttl):
    assert run_named(ttl, "entities").rows == [
        ("Person", "1", "1"), ("Organization", "2", "3"), ("Place", "2", "3"),
        ("Policy", "1", "1"), ("Program", "1", "2"), ("Event", "1", "1"), ("Concept", "1", "1")]


def test_documents(ttl):
    r = run_named(ttl, "documents")
    assert [(d["document"], d["entities"], d["statements"]) for d in r.dicts()] == [
        ("000_a.txt", "7", "7"), ("001_b.txt", "5", "5")]
    assert r.dicts()[0]["date"] == "2021-09-15"


def test_named_queries_on_an_empty_graph(tmp_path):
    path = write_turtle(build_graph([]), tmp_path / "empty.ttl")
    for name, q in named_queries().items():
        params = {"label": "x"} if q.parameters else {}
        assert run_named(path, name, **params).rows == [], name


# ---------------------------------------------------------------- formatting

def test_format_table_aligns_chinese():
    r = QueryResult(["name", "type", "n"], [("工业和信息化部", "Organization", "2"), ("Li Qiang", "Person", None),
                                            ("肖亚庆", "人物", "10")])
    lines = format_table(r).splitlines()
    assert len(lines) == 5
    col2 = {display_width(line[: line.index(cell)]) for line, cell in
            zip(lines[2:], ("Organization", "Person", "人物"))}
    assert col2 == {16}                                      # 7 wide characters + 2 spaces
    assert lines[1].startswith("-" * 14 + "  ")
    assert display_width("工信部") == 6 and display_width("ab") == 2


def test_format_table_flattens_newlines_and_truncates():
    r = QueryResult(["evidence"], [("第一行\n第二行\t尾",)])
    assert format_table(r).splitlines()[2] == "第一行 第二行 尾"
    cut = format_table(r, max_width=7).splitlines()[2]
    assert cut.endswith("…") and display_width(cut) <= 7


def test_format_csv_and_json_round_trip(ttl):
    r = run_named(ttl, "posts")
    rows = list(csv.reader(io.StringIO(format_csv(r))))
    assert rows[0] == r.variables and rows[1][:3] == ["肖亚庆", "工业和信息化部", "部长"]
    text = format_json(r)
    assert "肖亚庆" in text                                   # ensure_ascii=False
    assert json.loads(text) == r.dicts()
    hostile = QueryResult(["x"], [(HOSTILE,), (None,)])
    assert json.loads(format_json(hostile)) == [{"x": HOSTILE}, {"x": None}]
    assert list(csv.reader(io.StringIO(format_csv(hostile))))[1:] == [[HOSTILE], [""]]


# ---------------------------------------------------------------- networkx export

def test_to_networkx(graph, ttl):
    G = to_networkx(ttl)
    assert G.number_of_nodes() == 9
    miit = str(entity_iri("org:miit"))
    node = G.nodes[miit]
    assert node["type"] == "Organization" and node["label"] == "工业和信息化部" and node["iri"] == miit
    assert node["label_en"] == "Ministry of Industry and Information Technology"
    assert node["aliases"] == ["MIIT", "Ministry of Industry", "工信部"]
    assert node["kb_id"] == "org:miit" and node["documents"] == 2 and node["mention_count"] == 2
    program = str(entity_iri("Program:智能制造工程"))
    edge = G.edges[miit, program, "promotes"]
    assert edge["predicate"] == "promotes" and edge["evidence_count"] == 2
    assert edge["documents"] == ["000_a.txt", "001_b.txt"]
    assert edge["confidence"] == 0.75
    assert edge["evidence"] == ["工业和信息化部将推动智能制造工程。", "MIIT will promote the Intelligent Manufacturing Project."]
    post = G.edges[str(entity_iri("Person:肖亚庆")), miit, "holdsPosition"]
    assert post["titles"] == ["部长"]
    assert G.number_of_edges() == 10      # 12 statements; promotes and implements stated in both documents
    # the same answer from the rdflib graph and from a store
    G2 = to_networkx(graph)
    assert set(G2.edges(keys=True)) == set(G.edges(keys=True))
    assert dict(G2.nodes(data=True)) == dict(G.nodes(data=True))


def test_to_networkx_counts_bare_triples():
    g = rdflib.Graph()
    kg = rdflib.Namespace("https://w3id.org/policykg/ontology#")
    a, b = rdflib.URIRef(KGR + "org/a"), rdflib.URIRef(KGR + "place/b")
    g.add((a, rdflib.RDF.type, kg.Organization))
    g.add((a, kg.locatedIn, b))
    G = to_networkx(g)
    assert G.edges[str(a), str(b), "locatedIn"]["evidence_count"] == 0
    assert G.nodes[str(b)]["type"] is None                   # an end with no kg: type is kept
    assert G.nodes[str(a)]["label"] == str(a)
