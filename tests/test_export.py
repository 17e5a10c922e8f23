"""kg export and kg.query.open_source on a built sample graph: every format parses back, the store answers like rdflib."""
from __future__ import annotations

import csv
import json

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from click.testing import CliRunner

from kg.cli import cli
from kg.export import FORMATS, document_quads, export, to_networkx, to_property_graph
from kg.graph import PREFIXES
from kg.query import named_queries, open_source, run_named, run_query, substitute

KG = PREFIXES["kg"]
KGR = PREFIXES["kgr"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "output"
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def turtle(built):
    return rdflib.Graph().parse(built / "graph.ttl")


@pytest.fixture(scope="module")
def with_store(built, tmp_path_factory):
    """A build folder with a store/ like the one builds keep: each document's quads in its own graph."""
    folder = tmp_path_factory.mktemp("with_store")
    (folder / "graph.html").write_bytes((built / "graph.html").read_bytes())
    nq = export(built, "nq", folder / "load.nq")[0]
    store = ox.Store(str(folder / "store"))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store   # close it: open_source opens it read-only
    return folder


def _export(built, fmt, out):
    result = CliRunner().invoke(cli, ["export", str(built), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result


def test_every_format_is_offered():
    assert set(FORMATS) == {"ttl", "nt", "nq", "jsonld", "graphml", "gexf", "csv"}


@pytest.mark.parametrize("fmt,name,parser", [("ttl", "g.ttl", "turtle"), ("nt", "g.nt", "nt"),
                                             ("jsonld", "g.jsonld", "json-ld")])
def test_rdf_formats_parse_back_to_the_same_graph(built, turtle, tmp_path, fmt, name, parser):
    result = _export(built, fmt, tmp_path / name)
    assert f"{fmt}: {tmp_path / name}" in result.output
    back = rdflib.Graph().parse(tmp_path / name, format=parser)
    assert rdflib.compare.isomorphic(back, turtle)
    statements = set(back.subjects(rdflib.RDF.type, rdflib.URIRef(KG + "Statement")))
    assert statements and all((s, rdflib.PROV.wasDerivedFrom, None) in back for s in statements)


def test_nquads_put_each_document_in_its_graph(built, turtle, tmp_path):
    _export(built, "nq", tmp_path / "g.nq")
    ds = rdflib.Dataset()
    ds.parse(tmp_path / "g.nq", format="nquads")
    quads = list(ds.quads((None, None, None, None)))
    triples = [q[:3] for q in quads]
    assert set(triples) == set(turtle)
    assert len(triples) == len(set(triples))          # each triple in one graph only
    docs = set(turtle.subjects(rdflib.RDF.type, rdflib.URIRef(KG + "Document")))
    named = {q[3] for q in quads if isinstance(q[3], rdflib.URIRef) and q[3] in docs}
    assert named == docs and len(docs) == 5
    for s, _p, _o, g in quads:                          # a statement lives in its document's graph
        if (s, rdflib.RDF.type, rdflib.URIRef(KG + "Statement")) in turtle:
            assert (s, rdflib.PROV.wasDerivedFrom, g) in turtle


def test_property_graphs_parse_back(built, tmp_path):
    _export(built, "graphml", tmp_path / "g.graphml")
    _export(built, "gexf", tmp_path / "g.gexf")
    G = to_networkx(built)
    gml = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    gexf = nx.read_gexf(tmp_path / "g.gexf")
    li, sc = KGR + "person/li_qiang", KGR + "org/state_council"
    expected = G.edges[li, sc, "holdsPosition"]
    for H in (gml, gexf):
        assert H.number_of_nodes() == G.number_of_nodes()
        assert H.number_of_edges() == G.number_of_edges()
        assert H.nodes[li]["label"] == "李强" and H.nodes[li]["type"] == "Person"
        edges = [d for _u, v, d in H.out_edges(li, data=True) if d["predicate"] == "holdsPosition" and v == sc]
        assert len(edges) == 1 and edges[0]["evidence_count"] == expected["evidence_count"] == 2
        assert edges[0]["confidence"] == pytest.approx(expected["confidence"])


def test_property_graph_attributes_are_scalars_and_xml_safe():
    G = nx.MultiDiGraph()
    G.add_node("a", label="bad\x0bname", type="Person", types=["Person"], aliases=["x", "y"], label_en=None,
               kb_id=None, documents=1, mention_count=0)
    G.add_node("b", label="b", type=None, types=[], aliases=[], documents=0, mention_count=0)
    G.add_edge("a", "b", key="promotes", predicate="promotes", evidence=["s1", "s2"], confidence=None,
               documents=["d1"], titles=[], evidence_count=0)
    P = to_property_graph(G)
    for _n, data in P.nodes(data=True):
        assert all(isinstance(v, (str, int, float)) for v in data.values())
    assert P.nodes["a"]["label"] == "badname" and P.nodes["a"]["aliases"] == "x;y"
    (_u, _v, data), = P.edges(data=True)
    assert "confidence" not in data and data["weight"] == 1.0 and data["evidence"] == "s1 | s2"


def test_csv_has_neo4j_headers(built, tmp_path):
    result = _export(built, "csv", tmp_path / "neo4j")
    assert "nodes.csv" in result.output and "edges.csv" in result.output
    with open(tmp_path / "neo4j" / "nodes.csv", encoding="utf-8", newline="") as fh:
        nodes = list(csv.reader(fh))
    with open(tmp_path / "neo4j" / "edges.csv", encoding="utf-8", newline="") as fh:
        edges = list(csv.reader(fh))
    assert nodes[0][:3] == ["id:ID", "label", "type:LABEL"]
    assert edges[0][:5] == [":START_ID", ":END_ID", ":TYPE", "evidence_count:int", "confidence:float"]
    ids = {row[0] for row in nodes[1:]}
    assert all(row[0] in ids and row[1] in ids for row in edges[1:])
    li = next(row for row in nodes[1:] if row[0] == KGR + "person/li_qiang")
    assert li[1:3] == ["李强", "Person"]
    expected = to_networkx(built).edges[KGR + "person/li_qiang", KGR + "org/state_council", "holdsPosition"]
    row = next(r for r in edges[1:] if r[:3] == [KGR + "person/li_qiang", KGR + "org/state_council", "holdsPosition"])
    assert row[3] == "2" and float(row[4]) == pytest.approx(expected["confidence"])


def test_default_destination_is_the_build_folder(built):
    result = CliRunner().invoke(cli, ["export", str(built), "-f", "graphml"])
    assert result.exit_code == 0, result.output
    assert (built / "graph.graphml").is_file()
    same = CliRunner().invoke(cli, ["export", str(built), "-f", "ttl"])   # graph.ttl is that already
    assert same.exit_code == 0 and "nothing written" in same.output


def test_writes_are_atomic(built, tmp_path, monkeypatch):
    target = tmp_path / "g.nt"
    target.write_text("old", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ox, "serialize", broken)
    with pytest.raises(RuntimeError):
        export(built, "nt", target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.nt"]     # no temporary file left


def test_unknown_format_and_missing_graph(tmp_path):
    result = CliRunner().invoke(cli, ["export", str(tmp_path), "-f", "xlsx"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["export", str(tmp_path), "-f", "nt"])
    assert result.exit_code == 1 and "kg build" in result.output


# ---------------------------------------------------------------- the store and rdflib agree

def test_open_source_picks_the_store_when_there_is_one(built, with_store):
    src = open_source(built)     # a build's store: its default graph is the union, each triple once
    assert src.kind == "store" and not src.union and src.note is None and src.copy_of == built / "graph.ttl"
    src = open_source(with_store)   # a store without it, where no triple repeats: the union of its graphs
    assert src.kind == "store" and src.union
    assert len(list(src.store.named_graphs())) == 5


def _cell(v) -> str:
    """A cell, with GROUP_CONCAT lists sorted (their order is up to the engine)."""
    return "" if v is None else "; ".join(sorted(str(v).split("; ")))


def _rows(result):
    return sorted(tuple(_cell(v) for v in row) for row in result.rows)


POSTS = """SELECT ?person ?org ?title ?doc WHERE {
  ?st a kg:Statement ; rdf:predicate kg:holdsPosition ; rdf:subject ?p ; rdf:object ?o ;
      prov:wasDerivedFrom ?d ; kg:positionTitle ?title .
  ?d kg:fileName ?doc . ?p rdfs:label ?person . ?o rdfs:label ?org }"""


def test_a_query_answers_the_same_on_rdflib_and_on_the_store(turtle, with_store):
    on_rdflib = sorted(tuple(str(v) for v in row) for row in turtle.query(POSTS, initNs=PREFIXES))
    on_store = _rows(run_query(with_store, POSTS))
    assert on_rdflib == on_store and len(on_store) >= 2
    counts = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert run_query(with_store, counts).rows == [(str(len(turtle)),)]   # no triple counted twice


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_queries_answer_the_same_on_the_store_and_on_turtle(built, with_store, name):
    nq = named_queries()[name]
    params = {p: "李强" for p in nq.parameters}
    assert _rows(run_named(built, name, **params)) == _rows(run_named(with_store, name, **params))


def test_kg_query_reads_the_store(with_store):
    result = CliRunner().invoke(cli, ["query", str(with_store), "--named", "posts", "--format", "csv"])
    assert result.exit_code == 0, result.output
    people = [row[0] for row in csv.reader(result.output.strip().splitlines()[1:])]
    assert sorted(set(people)) == ["李强", "金壮龙"] and len(people) >= 4


def test_document_quads_of_a_store_are_its_own(with_store):
    quads = list(document_quads(with_store))
    assert quads and all(isinstance(q, ox.Quad) for q in quads)
    assert len({q.graph_name for q in quads}) == 6     # five documents and the default graph
    json.dumps([str(q) for q in quads[:3]])
    substitute(named_queries()["about"], {"label": "李强"})


def test_a_store_that_repeats_triples_across_graphs_is_not_trusted(built, tmp_path):
    """pyoxigraph 0.5 counts a triple once per graph in a union (oxigraph #1919): graph.ttl answers instead."""
    folder = tmp_path / "dup"
    folder.mkdir()
    (folder / "graph.ttl").write_bytes((built / "graph.ttl").read_bytes())
    store = ox.Store(str(folder / "store"))
    store.bulk_load(path=str(built / "graph.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(KGR + "g1"))
    store.bulk_load(path=str(built / "graph.ttl"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(KGR + "g2"))
    store.flush()
    del store
    src = open_source(folder)
    assert src.kind == "file" and "#1919" in src.note
    assert _rows(run_named(folder, "posts")) == _rows(run_named(built, "posts"))
    result = CliRunner().invoke(cli, ["query", str(folder), "--named", "posts"])
    assert result.exit_code == 0 and "#1919" in result.stderr
