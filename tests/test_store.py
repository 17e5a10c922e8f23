"""The per-document store: each document's graph holds what kg.graph.add_document would
add for it, and graph.ttl (their union) is the graph the one-graph build made."""
from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from kg.graph import _ox_triples, add_document, build_graph, document_iri, load_graph, new_graph
from kg.ingest import iter_articles
from kg.pipeline import SAMPLE_DIR, build, extract
from kg.records import Skipped
from kg.store import GraphStore, document_nquads
from tests.conftest import SHARED

SEEDS = SHARED / "corpus" / "seeds"


@pytest.fixture(scope="module")
def results(pipeline):
    paths = [SAMPLE_DIR] + ([SEEDS] if SEEDS.is_dir() else [])
    return list(extract((a for a in iter_articles(paths) if not isinstance(a, Skipped)), pipeline))


def test_document_quads_are_what_add_document_adds(results):
    for r in results:
        g = new_graph()
        add_document(g, r)
        want = set(_ox_triples(g))
        quads = list(ox.parse(document_nquads(r), format=ox.RdfFormat.N_QUADS))
        assert {q.graph_name.value for q in quads} == {str(document_iri(r.article.file_name))}
        got = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        assert len(got) == len(set(got)) and set(got) == want, r.article.file_name


def test_union_of_document_graphs_is_the_one_graph_build(tmp_path, results, pipeline):
    paths = [SAMPLE_DIR] + ([SEEDS] if SEEDS.is_dir() else [])
    report = build(paths, tmp_path, html=False, pipeline=pipeline)
    assert report.articles == len(results)
    one_graph = build_graph(results)
    assert isomorphic(load_graph(tmp_path / "graph.ttl"), one_graph)
    # entities are counted once however many documents mention them
    assert report.entities == len({e for r in results for e in r.entities})


def test_union_sums_mention_counts_and_keeps_the_first_label(tmp_path):
    a, b = "https://w3id.org/policykg/resource/doc/a.txt", "https://w3id.org/policykg/resource/doc/b.txt"
    e = "<https://w3id.org/policykg/resource/person/x>"
    kg = "https://w3id.org/policykg/ontology#"
    rdfs = "http://www.w3.org/2000/01/rdf-schema#label"
    data = (f'{e} <{kg}mentionCount> "2"^^<http://www.w3.org/2001/XMLSchema#integer> <{a}> .\n'
            f'{e} <{kg}mentionCount> "3"^^<http://www.w3.org/2001/XMLSchema#integer> <{b}> .\n'
            f'{e} <{rdfs}> "second" <{b}> .\n{e} <{rdfs}> "first" <{a}> .\n'
            f'{e} <{kg}kbId> "x" <{a}> .\n{e} <{kg}kbId> "x" <{b}> .\n').encode()
    store = GraphStore(tmp_path / "store")
    store.store.load(input=data, format=ox.RdfFormat.N_QUADS)
    got = {(t.predicate.value, t.object.value) for t in store.union_triples({a: 0, b: 1})}
    assert got == {(kg + "mentionCount", "5"), (rdfs, "first"), (kg + "kbId", "x")}
    got = {(t.predicate.value, t.object.value) for t in store.union_triples({a: 1, b: 0})}
    assert (rdfs, "second") in got


def test_page_is_the_page_of_graph_ttl(tmp_path, pipeline):
    from kg.viz import graph_to_html

    build(None, tmp_path, pipeline=pipeline)
    graph_to_html(load_graph(tmp_path / "graph.ttl"), tmp_path / "from_ttl.html")
    assert (tmp_path / "graph.html").read_bytes() == (tmp_path / "from_ttl.html").read_bytes()


def test_page_of_a_big_graph_shows_the_best_connected(tmp_path, pipeline):
    from kg.store import VizCollector
    from kg.viz import graph_to_html

    build(None, tmp_path, pipeline=pipeline, html=False)
    store = GraphStore(tmp_path / "store", read_only=True)
    viz = VizCollector(store, max_nodes=6)
    for t in store.union_triples():
        viz(t)
    assert len(viz.keep) == 6 and viz.note.startswith("the 6 best-connected of ")
    page = graph_to_html(viz.result(), tmp_path / "small.html")
    assert page.stat().st_size > 1000


# ---------------------------------------------------------------- the deduplicated default graph
#
# pyoxigraph 0.5.13 evaluates a union of named graphs as a bag (oxigraph #1919): a triple
# two article graphs hold counts twice. The store's default graph holds the union once.

SHARING = {   # two articles that share 国务院 and 李强, and one that names 金壮龙 alone
    "a.txt": "国务院总理李强主持召开国务院常务会议。",
    "b.txt": "国务院总理李强出席会议。国务院印发《推动大规模设备更新和消费品以旧换新行动方案》。",
    "c.txt": "工业和信息化部部长金壮龙出席世界智能产业博览会。",
}
COUNTS = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "typed": "SELECT (COUNT(*) AS ?n) WHERE { ?e a ?c }",
    "people": "SELECT (COUNT(*) AS ?n) WHERE { ?e a kg:Person ; rdfs:label ?l }",
    "mentions": "SELECT (SUM(?c) AS ?n) WHERE { ?e kg:mentionCount ?c }",
}


def _corpus(folder, files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _count(source, sparql) -> str:
    from kg.query import run_query

    return run_query(source, sparql).rows[0][0]


def _default_graph(out) -> set:
    store = ox.Store.read_only(str(out / "store"))
    return {ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def _ttl(out) -> set:
    return {q.triple for q in ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)}


@pytest.fixture
def pinned(monkeypatch):
    """Pin the extraction fingerprint: an edit to kg/ while the suite runs must not turn an
    incremental build into a full one."""
    monkeypatch.setattr("kg.pipeline.fingerprint", lambda settings: "pinned for the test")


@pytest.fixture
def shared_build(tmp_path, pipeline, pinned):
    out = tmp_path / "out"
    build([_corpus(tmp_path / "c", SHARING)], out, html=False, pipeline=pipeline)
    return tmp_path / "c", out


def test_store_counts_each_triple_once_like_graph_ttl(shared_build):
    from kg.query import open_source, run_query

    corpus, out = shared_build
    src = open_source(out)
    assert src.kind == "store" and not src.union and src.note is None
    ttl = open_source(out / "graph.ttl")
    assert ttl.kind == "file"
    for name, sparql in COUNTS.items():
        assert _count(src, sparql) == _count(ttl, sparql), name
    assert _default_graph(out) == _ttl(out)
    # the bag union of the article graphs, what readers saw before, counts shared triples twice
    bag = run_query(ox.Store.read_only(str(out / "store")),
                    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?e a kg:Person } }").rows[0][0]
    assert int(bag) > int(_count(ttl, "SELECT (COUNT(*) AS ?n) WHERE { ?e a kg:Person }"))


def test_replacing_and_removing_an_article_keeps_what_others_still_hold(shared_build, pipeline):
    from kg.query import open_source

    corpus, out = shared_build
    li = "<https://w3id.org/policykg/resource/person/li_qiang>"
    jin = "<https://w3id.org/policykg/resource/person/jin_zhuanglong>"

    def has(node):
        return _count(open_source(out), f"SELECT (COUNT(*) AS ?n) WHERE {{ {node} a kg:Person }}") == "1"

    assert has(li) and has(jin)
    (corpus / "a.txt").unlink()                                   # 李强 stays in b.txt
    _corpus(corpus, {"c.txt": "住房和城乡建设部部长倪虹在北京调研。"})   # 金壮龙 was only in c.txt
    report = build([corpus], out, html=False, pipeline=pipeline)
    assert report.changes() == "0 new, 1 changed, 1 unchanged, 1 removed"
    assert has(li) and not has(jin)
    assert has("<https://w3id.org/policykg/resource/person/ni_hong>")
    assert _default_graph(out) == _ttl(out)
    src, ttl = open_source(out), open_source(out / "graph.ttl")
    assert src.kind == "store" and not src.union
    for name, sparql in COUNTS.items():
        assert _count(src, sparql) == _count(ttl, sparql), name
    assert "a.txt" not in (out / "graph.ttl").read_text(encoding="utf-8")


def test_export_and_networkx_of_the_store_see_each_triple_once(shared_build, tmp_path):
    from kg.export import export, to_networkx

    corpus, out = shared_build
    nt = export(out, "nt", tmp_path / "g.nt")[0]
    assert {q.triple for q in ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES)} == _ttl(out)
    assert export(out, "ttl") == []          # graph.ttl is that already, and stays as it is
    nq = export(out, "nq", tmp_path / "g.nq")[0]
    quads = list(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == len({q.triple for q in quads}) and {q.triple for q in quads} == _ttl(out)
    on_store, on_ttl = to_networkx(out), to_networkx(out / "graph.ttl")
    assert dict(on_store.nodes(data="mention_count")) == dict(on_ttl.nodes(data="mention_count"))
    assert sorted(on_store.edges(keys=True)) == sorted(on_ttl.edges(keys=True))


def test_a_store_without_the_union_falls_back_to_graph_ttl(shared_build):
    from kg.query import open_source
    from kg.store import UNION_MARKER, union_problem

    corpus, out = shared_build
    assert union_problem(out / "store") is None
    marker = out / "store" / UNION_MARKER
    saved = marker.read_bytes()
    marker.unlink()                      # as a store written by an earlier policykg
    src = open_source(out)
    assert src.kind == "file" and "#1919" in src.note and "kg build" in src.note
    marker.write_bytes(saved)
    assert open_source(out).kind == "store"
    ttl = out / "graph.ttl"
    ttl.write_text(ttl.read_text(encoding="utf-8") + "\n", encoding="utf-8")   # rewritten since
    assert "rewritten" in union_problem(out / "store")
    assert open_source(out).kind == "file"


def test_kg_query_and_analyze_read_the_store(shared_build):
    from click.testing import CliRunner

    from kg.cli import cli

    corpus, out = shared_build
    r = CliRunner().invoke(cli, ["query", str(out), COUNTS["typed"], "--format", "csv"])
    assert r.exit_code == 0 and "note:" not in r.output, r.output
    on_ttl = CliRunner().invoke(cli, ["query", str(out / "graph.ttl"), COUNTS["typed"], "--format", "csv"])
    assert r.output == on_ttl.output
    r = CliRunner().invoke(cli, ["analyze", str(out), "--json"])
    on_ttl = CliRunner().invoke(cli, ["analyze", str(out / "graph.ttl"), "--json"])
    assert r.exit_code == 0 and r.output == on_ttl.output
