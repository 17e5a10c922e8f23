"""The knowledge graph as a networkx MultiDiGraph: entities as nodes, relations as edges.

    >>> from kg.export import to_networkx
    >>> G = to_networkx("output/graph.ttl")                 # doctest: +SKIP
    >>> G.nodes["https://w3id.org/policykg/resource/person/李强"]["label"]   # doctest: +SKIP
    '李强'

Reading goes through Oxigraph SPARQL (single-pattern scans, no joins in rdflib).
"""
from __future__ import annotations

from collections import defaultdict

import networkx as nx
import pyoxigraph as ox

from kg.graph import PREFIXES
from kg.query import _as_store
from kg.records import ALL_TYPES, ENTITY_TYPES, PREDICATES

__all__ = ["to_networkx"]

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


def _float(term) -> float | None:
    try:
        return float(term.value) if term is not None else None
    except ValueError:
        return None


def to_networkx(graph_or_path) -> nx.MultiDiGraph:
    """Entities and relations of a graph (rdflib.Graph, pyoxigraph.Store or a .ttl/.nt path).

    Nodes are keyed by entity IRI, with ``type`` (Person ... Concept), ``label``
    (display name), ``label_en``, ``aliases`` (sorted list), ``iri``, ``kb_id``,
    ``documents`` (how many documents mention it) and ``mention_count`` (0 when unknown).
    Each (subject, predicate, object) is one edge with key = predicate and attributes
    ``predicate``, ``evidence`` (distinct sentences), ``confidence`` (the highest, or
    None), ``documents`` (file names), ``titles`` (post titles of holdsPosition) and
    ``evidence_count`` (number of statement nodes; 0 for a bare triple).
    """
    store = _as_store(graph_or_path)

    def rows(sparql):
        return store.query(sparql, prefixes=PREFIXES)

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
                          "titles": [], "evidence_count": 0, "_ev": [], "_seen": set()}
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
    return G
