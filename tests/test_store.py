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
