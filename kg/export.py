"""The knowledge graph for other tools: networkx, RDF files with provenance, Gephi and Neo4j.

    >>> from kg.export import to_networkx, export
    >>> G = to_networkx("output")                            # doctest: +SKIP
    >>> G.nodes["https://w3id.org/policykg/resource/person/li_qiang"]["label"]   # doctest: +SKIP
    '李强'
    >>> export("output", "graphml")                          # doctest: +SKIP
    [PosixPath('output/graph.graphml')]

Reading goes through Oxigraph SPARQL (single-pattern scans, no joins in rdflib), on the
build folder's store/ when there is one, else on its graph.ttl. Every file is written
through :mod:`kg.atomic`: a reader sees the old file or the new one, never half of one.

=========  =========================================================================
format     what is written (into the build folder unless a path is given)
=========  =========================================================================
ttl, nt    every triple, statement nodes included (``graph.ttl``, ``graph.nt``)
nq         N-Quads: each document's node and statements in a named graph (``graph.nq``)
jsonld     JSON-LD with the policykg prefixes as its context (``graph.jsonld``)
graphml    property graph for networkx, yEd, Gephi (``graph.graphml``)
gexf       property graph for Gephi (``graph.gexf``)
csv        ``nodes.csv`` + ``edges.csv`` with neo4j-admin import headers
=========  =========================================================================
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from kg.atomic import atomic_write
from kg.errors import KGError
from kg.graph import PREFIXES
from kg.query import GraphSource, _as_source
from kg.records import ALL_TYPES, ENTITY_TYPES, PREDICATES

__all__ = ["to_networkx", "to_rdflib", "to_property_graph", "document_quads", "export", "FORMATS",
           "write_rdf", "write_nquads", "write_jsonld", "write_graphml", "write_gexf", "write_neo4j_csv"]

KG_NS = PREFIXES["kg"]
_TYPES = {KG_NS + t: t for t in ALL_TYPES}
_PREDICATES = {KG_NS + p: p for p in PREDICATES}

_Q_TYPES = """SELECT ?e ?c WHERE {
  VALUES ?c { kg:Person kg:Organization kg:Place kg:Policy kg:Program kg:Event kg:Concept }
  ?e a ?c }"""
_Q_LABELS = """SELECT ?e ?p ?l WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel kg:kbId kg:mentionCount }
  ?e ?p ?l }"""
_Q_MENTIONS = "SELECT ?e (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d kg:mentions ?e } GROUP BY ?e"
_Q_PLAIN = """SELECT ?s ?p ?o WHERE {
  VALUES ?p { kg:holdsPosition kg:visited kg:locatedIn kg:organized kg:participatedIn
              kg:promotes kg:implements kg:issued }
  ?s ?p ?o }"""
_Q_STATEMENTS = """SELECT ?s ?p ?o ?ev ?c ?f ?title ?start WHERE {
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  OPTIONAL { ?st kg:evidence ?ev }
  OPTIONAL { ?st kg:confidence ?c }
  OPTIONAL { ?st kg:positionTitle ?title }
  OPTIONAL { ?st kg:charStart ?start }
  OPTIONAL { ?st prov:wasDerivedFrom ?d . ?d kg:fileName ?f } }"""
_Q_DOCUMENTS = """SELECT ?d ?f ?date ?title WHERE {
  ?d a kg:Document .
  OPTIONAL { ?d kg:fileName ?f }
  OPTIONAL { ?d dcterms:date ?date }
  OPTIONAL { ?d dcterms:title ?title } }"""


def _float(term) -> float | None:
    try:
        return float(term.value) if term is not None else None
    except ValueError:
        return None


def to_networkx(graph_or_path) -> nx.MultiDiGraph:
    """Entities and relations of a graph (a build folder, a .ttl/.nt path, a
    :class:`~kg.query.GraphSource`, an rdflib.Graph or a pyoxigraph.Store).

    Nodes are keyed by entity IRI, with ``type`` (Person ... Concept), ``label``
    (display name), ``label_en``, ``aliases`` (sorted list), ``iri``, ``kb_id``,
    ``documents`` (how many documents mention it) and ``mention_count`` (0 when unknown).
    Each (subject, predicate, object) is one edge with key = predicate and attributes
    ``predicate``, ``evidence`` (distinct sentences), ``confidence`` (the highest, or
    None), ``documents`` (file names), ``titles`` (post titles of holdsPosition) and
    ``evidence_count`` (number of statement nodes; 0 for a bare triple) and
    ``document_statements`` (file name -> statements from that document).
    ``G.graph["documents"]`` maps each document's file name to its ``iri``, ``date``
    (ISO text or None) and ``title``.
    """
    source = _as_source(graph_or_path)

    def rows(sparql):
        return source.query(sparql)

    G = nx.MultiDiGraph()
    types: dict[str, list[str]] = defaultdict(list)
    for sol in rows(_Q_TYPES):
        if isinstance(sol["e"], ox.NamedNode):
            types[sol["e"].value].append(_TYPES[sol["c"].value])
    order = {t: i for i, t in enumerate(ENTITY_TYPES + ("Concept",))}
    for iri, ts in types.items():
        ts.sort(key=order.__getitem__)
        G.add_node(iri, iri=iri, type=ts[0], types=ts, label=None, label_en=None, aliases=[],
                   kb_id=None, documents=0, mention_count=0)

    pref: dict[str, dict[str, str]] = defaultdict(dict)   # iri -> language -> prefLabel
    plain: dict[str, str] = {}
    aliases: dict[str, set[str]] = defaultdict(set)
    for sol in rows(_Q_LABELS):
        e = sol["e"]
        if not isinstance(e, ox.NamedNode) or e.value not in G:
            continue
        iri, p, lit = e.value, sol["p"].value, sol["l"]
        if not isinstance(lit, ox.Literal):
            continue
        if p.endswith("#label"):
            if iri not in plain or lit.value < plain[iri]:
                plain[iri] = lit.value
        elif p.endswith("#prefLabel"):
            lang = (lit.language or "").lower()
            if lang not in pref[iri] or lit.value < pref[iri][lang]:
                pref[iri][lang] = lit.value
        elif p.endswith("#altLabel"):
            aliases[iri].add(lit.value)
        elif p.endswith("#kbId"):
            G.nodes[iri]["kb_id"] = lit.value
        elif p.endswith("#mentionCount"):
            try:
                G.nodes[iri]["mention_count"] = int(lit.value)
            except ValueError:
                pass
    for iri, data in G.nodes(data=True):
        langs = pref.get(iri, {})
        zh = next((v for k, v in sorted(langs.items()) if k.startswith("zh")), None)
        data["label_en"] = langs.get("en")
        data["label"] = plain.get(iri) or zh or data["label_en"] or next(iter(sorted(langs.values())), None) or iri
        shown = {data["label"], data["label_en"]} | set(langs.values())
        data["aliases"] = sorted(aliases.get(iri, set()) - shown)
    for sol in rows(_Q_MENTIONS):
        e = sol["e"]
        if isinstance(e, ox.NamedNode) and e.value in G:
            G.nodes[e.value]["documents"] = int(sol["n"].value)

    edges: dict[tuple[str, str, str], dict] = {}

    def edge(s, p, o):
        key = (s, p, o)
        if key not in edges:
            for n in (s, o):
                if n not in G:  # a relation end without a kg: type: keep it, untyped
                    G.add_node(n, iri=n, type=None, types=[], label=n, label_en=None, aliases=[],
                               kb_id=None, documents=0, mention_count=0)
            edges[key] = {"predicate": p, "evidence": [], "confidence": None, "documents": [],
                          "titles": [], "evidence_count": 0, "document_statements": {},
                          "_ev": [], "_seen": set()}
        return edges[key]

    for sol in rows(_Q_PLAIN):
        s, o = sol["s"], sol["o"]
        if isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
            edge(s.value, _PREDICATES[sol["p"].value], o.value)
    for sol in rows(_Q_STATEMENTS):
        s, p, o = sol["s"], sol["p"], sol["o"]
        if not (isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode)) or p.value not in _PREDICATES:
            continue
        data = edge(s.value, _PREDICATES[p.value], o.value)
        data["evidence_count"] += 1
        f = sol["f"].value if sol["f"] is not None else None
        ev = sol["ev"].value if sol["ev"] is not None else None
        start = _float(sol["start"])
        if ev is not None and ev not in data["_seen"]:
            data["_seen"].add(ev)
            data["_ev"].append((f or "", start if start is not None else -1.0, ev))
        if f is not None and f not in data["documents"]:
            data["documents"].append(f)
        if f is not None:
            data["document_statements"][f] = data["document_statements"].get(f, 0) + 1
        title = sol["title"].value if sol["title"] is not None else None
        if title and title not in data["titles"]:
            data["titles"].append(title)
        c = _float(sol["c"])
        if c is not None and (data["confidence"] is None or c > data["confidence"]):
            data["confidence"] = c
    for (s, p, o), data in edges.items():
        data["evidence"] = [ev for _, _, ev in sorted(data.pop("_ev"))]
        data.pop("_seen")
        data["documents"].sort()
        data["titles"].sort()
        G.add_edge(s, o, key=p, **data)
    documents: dict[str, dict] = {}
    for sol in rows(_Q_DOCUMENTS):
        d = sol["d"]
        name = sol["f"].value if sol["f"] is not None else d.value
        info = documents.setdefault(name, {"iri": d.value, "date": None, "title": None})
        for field in ("date", "title"):
            if sol[field] is not None and (info[field] is None or sol[field].value < info[field]):
                info[field] = sol[field].value
    G.graph["documents"] = dict(sorted(documents.items()))
    return G


# ---------------------------------------------------------------- RDF files

FORMATS = ("ttl", "nt", "nq", "jsonld", "graphml", "gexf", "csv")
_FILE_NAMES = {"ttl": "graph.ttl", "nt": "graph.nt", "nq": "graph.nq", "jsonld": "graph.jsonld",
               "graphml": "graph.graphml", "gexf": "graph.gexf"}

_Q_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"

# A document's named graph holds what the document itself says: its own node (title, date,
# kg:mentions...) and the statement nodes derived from it (evidence, offsets, confidence).
# The default graph holds the shared layer every document adds to: entities, their labels
# and the plain relation triples. Each triple lives in exactly one graph. That matters:
# pyoxigraph 0.5 evaluates the union of graphs as a bag (oxigraph issue #1919, fixed after
# 0.5.13), so a triple repeated in two graphs would be counted twice by queries on a store
# loaded from this file.
_Q_DOC_GRAPHS = (
    "SELECT ?d ?s ?p ?o WHERE { ?d a kg:Document . BIND(?d AS ?s) ?s ?p ?o }",
    """SELECT ?d ?s ?p ?o WHERE {
         { SELECT ?s (MIN(STR(?dd)) AS ?first) WHERE { ?s prov:wasDerivedFrom ?dd . ?dd a kg:Document
                                                       FILTER NOT EXISTS { ?s a kg:Document } } GROUP BY ?s }
         BIND(IRI(?first) AS ?d) ?s ?p ?o }""",
)
_Q_NO_DOCUMENT = """SELECT ?s ?p ?o WHERE {
  ?s ?p ?o .
  FILTER NOT EXISTS { ?s a kg:Document }
  FILTER NOT EXISTS { ?s prov:wasDerivedFrom ?d1 . ?d1 a kg:Document }
}"""


def _triples(source: GraphSource):
    """Every triple of the graph (the union of a store's graphs, each triple once)."""
    return source.query(_Q_ALL)


def write_rdf(graph_or_path, path, fmt: str = "ttl") -> Path:
    """Write every triple, statement nodes included, as Turtle (``ttl``) or N-Triples (``nt``).

    >>> write_rdf("output", "out/graph.nt", "nt")          # doctest: +SKIP
    """
    rdf_format = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}[fmt]
    source = _as_source(graph_or_path)
    prefixes = PREFIXES if fmt == "ttl" else None
    return atomic_write(path, lambda fh: ox.serialize(_triples(source), fh, rdf_format, prefixes=prefixes))


def document_quads(graph_or_path):
    """The graph as quads: each document's triples in the named graph of the document's IRI.

    A store kept by the build already holds quads and is read as it is. Otherwise they
    are derived: a document's graph holds its own node (with its ``kg:mentions``) and the
    statement nodes whose ``prov:wasDerivedFrom`` is the document; entities, labels and
    plain relation triples, which several documents share, go to the default graph once.
    Across all graphs the triples are exactly the graph's, each in one graph only.
    """
    source = _as_source(graph_or_path)
    if source.union:
        yield from source.store.quads_for_pattern(None, None, None, None)
        return
    for sparql in _Q_DOC_GRAPHS:
        for sol in source.query(sparql):
            yield ox.Quad(sol["s"], sol["p"], sol["o"], sol["d"])
    for sol in source.query(_Q_NO_DOCUMENT):
        yield ox.Quad(sol["s"], sol["p"], sol["o"], ox.DefaultGraph())


def write_nquads(graph_or_path, path) -> Path:
    """Write N-Quads with one named graph per document (see :func:`document_quads`)."""
    source = _as_source(graph_or_path)
    return atomic_write(path, lambda fh: ox.serialize(document_quads(source), fh, ox.RdfFormat.N_QUADS))


def to_rdflib(graph_or_path):
    """The graph as an rdflib.Graph with the policykg prefixes bound (a store's union of graphs).

    >>> g = to_rdflib("output")            # doctest: +SKIP
    """
    import rdflib

    from kg.graph import load_graph, new_graph, rdflib_term_converter

    if isinstance(graph_or_path, rdflib.Graph):
        return graph_or_path
    source = _as_source(graph_or_path)
    if source.kind == "file" and source.path is not None and source.path.suffix.lower() in (".ttl", ".nt"):
        return load_graph(source.path)
    graph = new_graph()
    term = rdflib_term_converter()
    for t in _triples(source):
        graph.add((term(t.subject), term(t.predicate), term(t.object)))
    return graph


def write_jsonld(graph_or_path, path) -> Path:
    """Write JSON-LD (rdflib's serializer) with the policykg prefixes as the ``@context``."""
    graph = to_rdflib(graph_or_path)
    data = graph.serialize(format="json-ld", context=dict(PREFIXES), indent=1, encoding="utf-8")
    return atomic_write(path, lambda fh: fh.write(data))


# ---------------------------------------------------------------- property graphs

# Characters XML 1.0 forbids: a label with one of them would make GraphML/GEXF unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value) -> str:
    return _NOT_XML.sub("", str(value))


def _joined(values, sep: str = ";") -> str:
    return sep.join(_xml_text(v).replace("\r", " ").replace("\n", " ") for v in values)


def to_property_graph(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of :func:`to_networkx`'s graph whose attributes are all GraphML-legal scalars.

    Nodes (keyed by IRI): ``label``, ``type`` (empty when untyped), ``types``, ``label_en``,
    ``aliases`` (";"-joined), ``kb_id``, ``documents`` and ``mention_count``. Edges (keyed
    ``e0``, ``e1``... so ids are unique): ``predicate`` (also the edge ``label``),
    ``evidence_count``, ``confidence`` (left out when unknown), ``weight`` (the evidence
    count, at least 1), ``documents`` and ``evidence`` (sentences joined by " | "). Missing
    values are left out, never None; control characters XML forbids are dropped.
    """
    P = nx.MultiDiGraph(name="policykg")
    for node, data in G.nodes(data=True):
        attrs = {"label": _xml_text(data.get("label") or node), "type": data.get("type") or "",
                 "types": ";".join(data.get("types") or []),
                 "documents": int(data.get("documents") or 0),
                 "mention_count": int(data.get("mention_count") or 0)}
        if data.get("label_en"):
            attrs["label_en"] = _xml_text(data["label_en"])
        if data.get("aliases"):
            attrs["aliases"] = _joined(data["aliases"])
        if data.get("kb_id"):
            attrs["kb_id"] = _xml_text(data["kb_id"])
        P.add_node(_xml_text(node), **attrs)
    ordered = sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], PREDICATES.index(e[3])
                                                                   if e[3] in PREDICATES else 99, e[1]))
    for i, (u, v, _key, data) in enumerate(ordered):
        count = int(data.get("evidence_count") or 0)
        attrs = {"predicate": data.get("predicate") or _key, "label": data.get("predicate") or _key,
                 "evidence_count": count, "weight": float(max(count, 1)),
                 "documents": _joined(data.get("documents") or []),
                 "evidence": _joined(data.get("evidence") or [], " | ")}
        if data.get("confidence") is not None:
            attrs["confidence"] = float(data["confidence"])
        if data.get("titles"):
            attrs["titles"] = _joined(data["titles"])
        P.add_edge(_xml_text(u), _xml_text(v), key=f"e{i}", **attrs)
    return P


def write_graphml(G: nx.MultiDiGraph, path) -> Path:
    """Write :func:`to_property_graph` of ``G`` as GraphML (reads back with ``nx.read_graphml``)."""
    P = to_property_graph(G)
    return atomic_write(path, lambda fh: nx.write_graphml(P, fh, encoding="utf-8"))


def write_gexf(G: nx.MultiDiGraph, path) -> Path:
    """Write :func:`to_property_graph` of ``G`` as GEXF 1.2 for Gephi (reads back with ``nx.read_gexf``)."""
    P = to_property_graph(G)
    return atomic_write(path, lambda fh: nx.write_gexf(P, fh, encoding="utf-8"))


NODE_HEADER = ["id:ID", "label", "type:LABEL", "label_en", "aliases:string[]", "kb_id",
               "documents:int", "mention_count:int"]
EDGE_HEADER = [":START_ID", ":END_ID", ":TYPE", "evidence_count:int", "confidence:float",
               "documents:string[]", "evidence"]


def _csv_bytes(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def write_neo4j_csv(G: nx.MultiDiGraph, folder) -> list[Path]:
    """Write ``nodes.csv`` and ``edges.csv`` for ``neo4j-admin database import full``.

    Headers follow its conventions (``id:ID``, ``type:LABEL``, ``:START_ID``, ``:END_ID``,
    ``:TYPE``, typed properties); arrays use its default ``;`` delimiter. Each file is
    written atomically on its own.

    >>> write_neo4j_csv(to_networkx("output"), "neo4j/")   # doctest: +SKIP
    """
    folder = Path(folder)
    P = to_property_graph(G)
    nodes = [[n, d["label"], d["type"], d.get("label_en", ""), d.get("aliases", ""), d.get("kb_id", ""),
              d["documents"], d["mention_count"]] for n, d in P.nodes(data=True)]
    edges = [[u, v, d["predicate"], d["evidence_count"],
              "" if d.get("confidence") is None else d["confidence"], d["documents"],
              d["evidence"]] for u, v, d in P.edges(data=True)]
    return [atomic_write(folder / "nodes.csv", lambda fh: fh.write(_csv_bytes(NODE_HEADER, nodes))),
            atomic_write(folder / "edges.csv", lambda fh: fh.write(_csv_bytes(EDGE_HEADER, edges)))]


# ---------------------------------------------------------------- one entry point

def export(graph_or_path, fmt: str, out=None) -> list[Path]:
    """Write the graph of a build folder (or graph file, store, rdflib graph) in ``fmt``.

    ``out`` is the file to write (for ``csv``, the folder for nodes.csv and edges.csv);
    by default the file goes into the build folder (``graph.<fmt>``, or nodes.csv and
    edges.csv). Returns the paths written. Exporting ``ttl`` of a folder onto its own
    graph.ttl writes nothing: that file is already the Turtle (and a build's store holds a
    copy of it, which rewriting it would make look stale).
    """
    if fmt not in FORMATS:
        raise KGError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    source = _as_source(graph_or_path)
    if out is None:
        if not isinstance(graph_or_path, (str, Path)):
            raise KGError("give the path to write (out=...) when exporting a graph object")
        base = Path(graph_or_path)
        folder = base if base.is_dir() else base.parent
        out = folder if fmt == "csv" else folder / _FILE_NAMES[fmt]
    out = Path(out)
    if fmt in ("ttl", "nt"):
        same = source.path if source.kind == "file" else source.copy_of   # the store's default graph: graph.ttl
        if same is not None and out.resolve() == same.resolve():
            return []
        return [write_rdf(source, out, fmt)]
    if fmt == "nq":
        return [write_nquads(source, out)]
    if fmt == "jsonld":
        return [write_jsonld(source, out)]
    G = to_networkx(source)
    if fmt == "graphml":
        return [write_graphml(G, out)]
    if fmt == "gexf":
        return [write_gexf(G, out)]
    return write_neo4j_csv(G, out)
