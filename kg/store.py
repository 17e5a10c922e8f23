"""The on-disk graph of a build: one named graph per document in an Oxigraph store.

``kg build`` writes ``DIR/store/`` (a pyoxigraph on-disk store) in batches as articles
are extracted, so a corpus of any size builds in bounded memory. Each document's
triples live in the named graph whose name is its document IRI
(:func:`kg.graph.document_iri`): its ``kg:Document`` node, its ``kg:mentions``, its
statements and plain relation triples, and the type and label triples of every entity it
mentions. Replacing or dropping one article is then replacing or dropping one graph.

``DIR/graph.ttl`` is the union of those graphs, each triple once, written by
:func:`GraphStore.write_turtle`. Three facts about an entity are whole-corpus facts and
are merged when the union is written, as the one-graph build merged them: its
``kg:mentionCount`` (each document graph holds that document's count; the union holds the
sum), and its ``rdfs:label`` and ``skos:definition`` (one each: the first document's).

The store's default graph holds that union too, each triple once (a copy of graph.ttl,
loaded when the build closes the store: :func:`sync_union`), so the store can be queried
as it is:

    >>> store = pyoxigraph.Store.read_only("output/store")                # doctest: +SKIP
    >>> store.query("SELECT ...")                                        # doctest: +SKIP

(not ``use_default_graph_as_union=True``: pyoxigraph 0.5 evaluates a union of graphs as a
bag, and it would hold every triple twice besides). :func:`union_problem` says whether a
store's default graph is that union (a store of an earlier policykg has none).
"""
from __future__ import annotations

import functools
import itertools
import shutil
from pathlib import Path
from typing import IO, Iterable, Iterator

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from .atomic import atomic_write
from .graph import (PREFIXES, _TYPE_BY_PREFIX, _confidence, _date_literal, _doc_lang,
                    _script_tag, _source_term, document_iri, entity_iri, statement_iri)
from .namespace import KG
from .records import ALL_TYPES, PREDICATES, DocumentResult

__all__ = ["document_graph", "document_nquads", "GraphStore", "mirror_union", "sync_union", "union_problem"]


def _iri(iri) -> str:
    return f"<{iri}>"


_T = _iri(RDF.type)
_PREF, _ALT, _RLABEL, _DEF = _iri(SKOS.prefLabel), _iri(SKOS.altLabel), _iri(RDFS.label), _iri(SKOS.definition)
_MENTIONS, _COUNT, _KBID = _iri(KG.mentions), _iri(KG.mentionCount), _iri(KG.kbId)
_DOCUMENT, _STATEMENT = _iri(KG.Document), _iri(KG.Statement)
_SUBJ, _PRED, _OBJ = _iri(RDF.subject), _iri(RDF.predicate), _iri(RDF.object)
_DERIVED, _EVIDENCE = _iri(PROV.wasDerivedFrom), _iri(KG.evidence)
_START, _END, _CONF, _SCORE = _iri(KG.charStart), _iri(KG.charEnd), _iri(KG.confidence), _iri(KG.score)
_EXTRACTOR, _TITLE_P = _iri(KG.extractor), _iri(KG.positionTitle)
_FILE, _DTITLE, _DDATE = _iri(KG.fileName), _iri(DCTERMS.title), _iri(DCTERMS.date)
_PUBLISHER, _SOURCE, _LANG, _HASH = _iri(DCTERMS.publisher), _iri(DCTERMS.source), _iri(KG.language), _iri(KG.contentHash)
_INTEGER, _DECIMAL = _iri(XSD.integer), _iri(XSD.decimal)
_CLASS = {t: _iri(KG[t]) for t in ALL_TYPES}
_PRED_NODE = {p: _iri(KG[p]) for p in PREDICATES}

_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A literal in N-Triples syntax (UTF-8 kept; only \\, ", LF and CR escaped)."""
    body = '"' + text.translate(_ESCAPE) + '"'
    if lang:
        return f"{body}@{lang.lower()}"
    if datatype:
        return f"{body}^^{datatype}"
    return body


@functools.lru_cache(maxsize=1 << 16)
def _label(text: str) -> str:
    return _lit(text, _script_tag(text))


@functools.lru_cache(maxsize=4096)
def _conf(value: float) -> tuple[str, float]:
    """kg:confidence as written (three decimals, as :func:`kg.graph._confidence`), and its value."""
    lexical = str(_confidence(value))
    return _lit(lexical, datatype=_DECIMAL), float(lexical)


@functools.lru_cache(maxsize=1 << 16)
def _entity_node(entity_id: str) -> str:
    return _iri(entity_iri(entity_id))


def _rdflib_term(term) -> str:
    if isinstance(term, URIRef):
        return _iri(term)
    if term.language:
        return _lit(str(term), term.language)
    if term.datatype is not None and str(term.datatype) != str(XSD.string):
        return _lit(str(term), datatype=_iri(term.datatype))
    return _lit(str(term))


def document_graph(result: DocumentResult) -> list[tuple[str, str, str]]:
    """The triples of one document's graph as N-Triples terms (``"<iri>"``, ``'"text"@zh'``),
    in the order :func:`kg.graph.add_document` adds them to an empty graph, and the same
    triples (``tests/test_store.py`` checks).

    Written as N-Triples text directly: going through rdflib cost 7 ms an article, and
    pyoxigraph term objects 2.5 ms, for triples that go straight into the store.
    """
    art = result.article
    doc = _iri(document_iri(art.file_name))
    out: dict[tuple, None] = {}     # an ordered set of (s, p, o)
    single: dict[tuple, str] = {}   # graph.set(...) targets: (s, p) -> o

    def add(s, p, o):
        out[(s, p, o)] = None

    def set_(s, p, o):
        old = single.get((s, p))
        if old is not None:
            out.pop((s, p, old), None)
        single[(s, p)] = o
        out[(s, p, o)] = None

    add(doc, _T, _DOCUMENT)
    set_(doc, _FILE, _lit(art.file_name))
    lang = _doc_lang(art.language, art.title or art.text[:200])
    if art.title:
        set_(doc, _DTITLE, _lit(art.title, lang))
    if art.date:
        set_(doc, _DDATE, _rdflib_term(_date_literal(art.date)))
    if art.source:
        set_(doc, _PUBLISHER, _lit(art.source))
    if art.url:
        set_(doc, _SOURCE, _rdflib_term(_source_term(art.url)))
    if art.language:
        set_(doc, _LANG, _lit(art.language))
    set_(doc, _HASH, _lit(art.content_hash))

    counts: dict[str, int] = {}
    for m in result.mentions:
        if m.entity_id:
            counts[m.entity_id] = counts.get(m.entity_id, 0) + 1
    labelled: set = set()           # nodes with an rdfs:label / skos:definition already
    defined: set = set()
    typed: set = set()
    totals: dict = {}
    for eid, entity in result.entities.items():
        node = _entity_node(entity.id)
        etype = entity.type if entity.type in ALL_TYPES else "Concept"
        add(node, _T, _CLASS[etype])
        typed.add(node)
        name = entity.name or entity.id.partition(":")[2] or entity.id
        name_lit = _label(name)
        add(node, _PREF, name_lit)
        if node not in labelled:
            add(node, _RLABEL, _lit(name))
            labelled.add(node)
        preferred = {name}
        if entity.name_en and entity.name_en != name:
            add(node, _ALT if name_lit.endswith('"@en') else _PREF, _lit(entity.name_en, "en"))
            preferred.add(entity.name_en)
        for alias in sorted(entity.aliases):
            if alias and alias not in preferred:
                add(node, _ALT, _label(alias))
        if entity.kb_id:
            add(node, _KBID, _lit(entity.kb_id))
        if entity.description and node not in defined:
            add(node, _DEF, _label(entity.description))
            defined.add(node)
        add(doc, _MENTIONS, node)
        if counts.get(eid):
            totals[node] = totals.get(node, 0) + counts[eid]
            set_(node, _COUNT, _lit(str(totals[node]), datatype=_INTEGER))

    def ensure(entity_id: str) -> str:
        node = _entity_node(entity_id)
        if node not in typed:
            etype = _TYPE_BY_PREFIX.get(entity_id.partition(":")[0].lower())
            if etype:
                typed.add(node)
                add(node, _T, _CLASS[etype])
                name = entity_id.partition(":")[2]
                add(node, _PREF, _label(name))
                add(node, _RLABEL, _lit(name))
                labelled.add(node)
        return node

    ev_lang = _doc_lang(art.language, art.text[:200])
    statements: dict = {}
    scores: dict = {}
    for rel in result.relations:
        if rel.predicate not in PREDICATES:
            continue
        s = ensure(rel.subject)
        o = ensure(rel.object)
        add(doc, _MENTIONS, s)
        add(doc, _MENTIONS, o)
        p = _PRED_NODE[rel.predicate]
        add(s, p, o)
        st = _iri(statement_iri(rel.file_name or art.file_name, rel.subject, rel.predicate, rel.object, rel.start))
        if st in statements:
            if statements[st] < rel.confidence:
                lit, statements[st] = _conf(rel.confidence)
                set_(st, _CONF, lit)
        else:
            conf_lit, statements[st] = _conf(rel.confidence)
            add(st, _T, _STATEMENT)
            add(st, _SUBJ, s)
            add(st, _PRED, p)
            add(st, _OBJ, o)
            add(st, _DERIVED, doc)
            add(st, _EVIDENCE, _lit(rel.evidence, ev_lang))
            add(st, _START, _lit(str(int(rel.start)), datatype=_INTEGER))
            add(st, _END, _lit(str(int(rel.end)), datatype=_INTEGER))
            set_(st, _CONF, conf_lit)
        if rel.score is not None and scores.get(st, -1.0) < rel.score:
            score_lit, scores[st] = _conf(rel.score)
            set_(st, _SCORE, score_lit)
        if rel.extractor:
            add(st, _EXTRACTOR, _lit(rel.extractor))
        if rel.title:
            add(st, _TITLE_P, _label(rel.title))
    return list(out)


def document_nquads(result: DocumentResult) -> bytes:
    """:func:`document_graph` as N-Quads in the named graph of the document IRI: what a
    worker sends back, what a shard holds, what :meth:`GraphStore.replace` loads."""
    g = _iri(document_iri(result.article.file_name))
    text = "".join(f"{s} {p} {o} {g} .\n" for s, p, o in document_graph(result))
    return text.encode("utf-8", "replace")   # a lone surrogate cannot be RDF: it becomes ?


# ---------------------------------------------------------------- the store


def _graph_node(file_name: str) -> ox.NamedNode:
    return ox.NamedNode(str(document_iri(file_name)))


_OX_COUNT, _OX_LABEL, _OX_DEF = (ox.NamedNode(str(x)) for x in (KG.mentionCount, RDFS.label, SKOS.definition))
_OX_INTEGER = ox.NamedNode(str(XSD.integer))


_Q_UNION = """SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o }
  FILTER(?p NOT IN (kg:mentionCount, rdfs:label, skos:definition)) }"""
_Q_SINGLE = """SELECT DISTINCT ?s ?p ?o WHERE { VALUES ?p { rdfs:label skos:definition } GRAPH ?g { ?s ?p ?o } }"""
_Q_COUNTS = """SELECT ?s (SUM(?c) AS ?n) WHERE { GRAPH ?g { ?s kg:mentionCount ?c } } GROUP BY ?s"""


_Q_TYPED = """SELECT DISTINCT ?e WHERE {
  VALUES ?c { kg:Person kg:Organization kg:Place kg:Policy kg:Program kg:Event kg:Concept }
  GRAPH ?g { ?e a ?c } }"""
_Q_RELATIONS = """SELECT DISTINCT ?s ?p ?o WHERE {
  VALUES ?p { kg:holdsPosition kg:visited kg:locatedIn kg:organized kg:participatedIn
              kg:promotes kg:implements kg:issued }
  GRAPH ?g { ?s ?p ?o } }"""
_Q_STATEMENT_ENDS = """SELECT ?st ?s ?o WHERE { GRAPH ?g { ?st rdf:subject ?s ; rdf:object ?o } }"""


def _tee(triples, also):
    for t in triples:
        also(t)
        yield t


class GraphStore:
    """``DIR/store``: an on-disk Oxigraph store with one named graph per document."""

    def __init__(self, path, *, fresh: bool = False, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            self.store = ox.Store.read_only(str(self.path))
            return
        if fresh and self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.store = ox.Store(str(self.path))

    # -- writing ------------------------------------------------------------------------
    def replace(self, docs: Iterable[tuple[str, bytes]], *, clear_first: bool = True) -> None:
        """Write a batch: for each (file name, N-Quads bytes) drop the document's old graph
        (when ``clear_first`` and it has one), then load the batch's quads at once.

        The batch goes through Oxigraph's bulk loader (parsed in Rust, written as sorted
        files): 2.3x faster than a transaction per batch and a store a quarter the size
        on the 1,000-article benchmark. A crash mid-batch can leave part of it: the
        manifest is written after the store, so the next build extracts it again.
        """
        store = self.store
        parts: list[bytes] = []
        for file_name, data in docs:
            if clear_first:
                g = _graph_node(file_name)
                if store.contains_named_graph(g):
                    store.remove_graph(g)
            parts.append(data)
        if parts:
            store.bulk_load(input=b"".join(parts), format=ox.RdfFormat.N_QUADS)

    def remove(self, file_names: Iterable[str]) -> int:
        """Drop the graphs of these documents; how many there were."""
        n = 0
        for name in file_names:
            g = _graph_node(name)
            if self.store.contains_named_graph(g):
                self.store.remove_graph(g)
                n += 1
        return n

    def load_nquads(self, path) -> None:
        """Bulk-load an N-Quads file (a shard) into the store."""
        self.store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)

    def flush(self) -> None:
        self.store.flush()

    # -- reading ------------------------------------------------------------------------
    union_ready = False     # the default graph holds the deduplicated union (see mirror_union)

    def count(self, sparql: str) -> int:
        """A COUNT over the union: the default graph once it is the deduplicated union,
        else every graph (then count DISTINCT: a union of graphs is a bag in pyoxigraph 0.5)."""
        rows = list(self.store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=not self.union_ready))
        return int(rows[0][0].value) if rows and rows[0][0] is not None else 0

    def entity_count(self) -> int:
        return self.count("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?d kg:mentions ?e }")

    def statement_count(self) -> int:
        return self.count("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a kg:Statement }")

    def union_triples(self, order: dict[str, int] | None = None) -> Iterator[ox.Triple]:
        """Every triple of the union of the document graphs once, grouped by subject.

        ``kg:mentionCount`` values of one entity are summed over its graphs; of several
        ``rdfs:label`` or ``skos:definition`` values the one in the earliest document (by
        ``order``: document IRI -> position, else by IRI) is kept.

        DISTINCT runs inside Oxigraph on encoded terms (1.1 s for 200,000 quads, where
        reading every quad into Python took 2.1 s and ORDER BY 11 s); grouping by subject
        happens here, so Turtle writes one block per node.
        """
        store = self.store
        order = order or {}
        big = len(order)

        def rows(sparql):
            return store.query(sparql, prefixes=PREFIXES)

        by_subject: dict = {}
        for r in rows(_Q_UNION):
            s = r[0]
            t = ox.Triple(s, r[1], r[2])
            found = by_subject.get(s)
            if found is None:
                by_subject[s] = [t]
            else:
                found.append(t)
        firsts: dict = {}
        several: set = set()
        for r in rows(_Q_SINGLE):
            key = (r[0], r[1])
            if key in firsts:
                several.add(key)
            else:
                firsts[key] = r[2]
        for s, p in several:       # rare: two documents name one node differently
            cands = []
            for r in store.quads_for_pattern(s, p, None, None):
                g = r.graph_name.value if isinstance(r.graph_name, ox.NamedNode) else ""
                cands.append(((order.get(g, big), g), r.object))
            firsts[(s, p)] = min(cands, key=lambda c: c[0])[1]
        for (s, p), o in firsts.items():
            by_subject.setdefault(s, []).append(ox.Triple(s, p, o))
        for r in rows(_Q_COUNTS):
            if r[1] is not None:
                by_subject.setdefault(r[0], []).append(
                    ox.Triple(r[0], _OX_COUNT, ox.Literal(r[1].value, datatype=_OX_INTEGER)))
        for triples in by_subject.values():
            yield from triples

    def write_turtle(self, path, order: dict[str, int] | None = None, also=None) -> Path:
        """Write the union graph as Turtle to ``path`` atomically (the build's graph.ttl);
        ``also(triple)`` sees each triple on the way (see :class:`VizCollector`)."""
        triples = self.union_triples(order)
        if also is not None:
            triples = _tee(triples, also)

        def write(fh: IO[bytes]):
            ox.serialize(triples, fh, ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        return atomic_write(path, write)

    def typed_entities(self) -> set:
        rows = self.store.query(_Q_TYPED, prefixes=PREFIXES)
        return {r[0] for r in rows if isinstance(r[0], ox.NamedNode)}

    def write_ntriples(self, fh: IO[bytes], order: dict[str, int] | None = None) -> None:
        ox.serialize(self.union_triples(order), fh, ox.RdfFormat.N_TRIPLES)

    def close(self) -> None:
        if not self.read_only:
            self.flush()
            sync_union(self)    # the default graph: a copy of graph.ttl beside the store, for readers
        del self.store


# ---------------------------------------------------------------- the deduplicated default graph
#
# pyoxigraph 0.5.13 evaluates the union of named graphs as a bag (oxigraph issue #1919):
# an entity's type triple held by 500 document graphs matches 500 times, so counts are
# wrong and joins over labels explode. So the store also keeps, in its default graph,
# the union with each triple once: a copy of graph.ttl, loaded when a build that wrote
# graph.ttl closes the store (:func:`sync_union`). Readers query the default graph alone.
#
# Why a copy of graph.ttl and not per-article inserts and deletes: the union is not a
# plain set union (kg:mentionCount is summed over documents, rdfs:label and
# skos:definition are the first document's), graph.ttl is rewritten from the whole store
# on every change anyway, and Oxigraph clears the default graph in milliseconds and
# bulk-loads graph.ttl in about 7 s at 10,000 articles (935,000 triples), then
# compacts the store in 4 s.
#
# ``store/policykg-union.json`` says the default graph is that copy, and of which file
# (its size, modification time and SHA-256). It is removed before the default graph is
# cleared and written back after the load, so a reader that finds it, with graph.ttl
# beside the store unchanged since, finds the whole union; one that does not (a store of
# an earlier policykg, a load cut short, graph.ttl rewritten since) falls back to
# graph.ttl (:func:`kg.query.open_source`).

UNION_MARKER = "policykg-union.json"
UNION_VERSION = 1
_MIRROR_CHUNK = 200_000


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def mirror_union(store: "GraphStore", ttl) -> None:
    """Make the default graph of ``store`` a copy of the Turtle file ``ttl`` (the union
    graph.ttl just written from it), and say so in ``store/policykg-union.json``."""
    import json
    import os

    ttl = Path(ttl)
    marker = store.path / UNION_MARKER
    marker.unlink(missing_ok=True)
    default = ox.DefaultGraph()
    store.store.clear_graph(default)      # milliseconds: Oxigraph drops the default graph's key ranges
    # lenient: graph.ttl was written by Oxigraph's own serializer, no need to re-check IRIs.
    # In chunks: one bulk_load of the file took 5.1 s but 900 MiB at 10,000 articles (the
    # loader holds what it sorts), chunks of 200,000 quads about 7 s and 300 MiB.
    quads = ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE, lenient=True)
    while True:
        chunk = list(itertools.islice(quads, _MIRROR_CHUNK))
        if not chunk:
            break
        store.store.bulk_extend(chunk)
    store.store.flush()
    # Compact: bulk loads leave many overlapping files, and clearing leaves tombstones
    # over the old copy. 4 s at 10,000 articles; the named queries on the store then
    # take half as long (about: 7.2 s -> 4.4 s, documents: 1.9 s -> 1.5 s).
    store.store.optimize()
    st = ttl.stat()
    try:
        where = os.path.relpath(ttl.resolve(), store.path.resolve().parent)
    except ValueError:   # another drive
        where = str(ttl.resolve())
    info = {"version": UNION_VERSION, "graph": where, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "sha256": _sha256(ttl),
            "about": "the default graph of this store is the union of its document graphs, each triple "
                     "once: a copy of this file (policykg, kg/store.py)"}
    atomic_write(marker, lambda fh: fh.write(json.dumps(info, indent=1).encode("utf-8")))
    store.union_ready = True


def sync_union(store: "GraphStore") -> bool:
    """Make the default graph of ``store`` (``DIR/store``) a copy of ``DIR/graph.ttl``
    unless it is one already; whether it loaded it. :meth:`GraphStore.close` calls it, so
    a build mirrors whichever way it wrote graph.ttl; a build that changed nothing and
    left graph.ttl as it was loads nothing."""
    import json

    ttl = store.path.parent / "graph.ttl"
    if not ttl.is_file():
        return False
    try:
        info = json.loads((store.path / UNION_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    st = ttl.stat()
    if (isinstance(info, dict) and info.get("version") == UNION_VERSION and info.get("graph") == ttl.name
            and info.get("size") == st.st_size and info.get("mtime_ns") == st.st_mtime_ns):
        store.union_ready = True
        return False
    mirror_union(store, ttl)
    return True


def union_problem(store_dir) -> str | None:
    """None when the default graph of the store at ``store_dir`` is the deduplicated union
    (see :func:`mirror_union`), else why not, for people."""
    import json

    store_dir = Path(store_dir)
    marker = store_dir / UNION_MARKER
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return (f"{store_dir} has no deduplicated default graph (written by an earlier policykg, "
                "or a build stopped before writing graph.ttl)")
    except (OSError, ValueError) as exc:
        return f"{marker} is unreadable ({exc})"
    if not isinstance(info, dict) or info.get("version") != UNION_VERSION:
        return f"{marker} is of another version than this policykg's ({UNION_VERSION})"
    ttl = Path(info.get("graph") or "")
    ttl = ttl if ttl.is_absolute() else store_dir.parent / ttl
    try:
        st = ttl.stat()
    except FileNotFoundError:
        return None              # the store travelled without graph.ttl: its default graph is whole
    except OSError as exc:
        return f"cannot read {ttl} ({exc})"
    if st.st_size == info.get("size") and (st.st_mtime_ns == info.get("mtime_ns")
                                           or _sha256(ttl) == info.get("sha256")):
        return None
    return f"{ttl} was rewritten after the default graph of {store_dir} was (a build is writing it)"



# ---------------------------------------------------------------- what graph.html reads


def _ns(prefix: str, *names: str) -> set:
    return {ox.NamedNode(PREFIXES[prefix] + n) for n in names}


_VIZ_ENTITY = _ns("skos", "prefLabel", "altLabel") | _ns("rdfs", "label") | _ns("kg", "kbId")
_VIZ_RELATION = _ns("kg", *PREDICATES)
_VIZ_STATEMENT = (_ns("rdf", "subject", "predicate", "object") | _ns("kg", "evidence", "confidence", "extractor",
                                                                     "positionTitle") | _ns("prov", "wasDerivedFrom"))
_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_VIZ_CLASSES = _ns("kg", *ALL_TYPES, "Statement")
_MENTIONS_P, _FILE_P = ox.NamedNode(PREFIXES["kg"] + "mentions"), ox.NamedNode(PREFIXES["kg"] + "fileName")


class VizCollector:
    """The triples :func:`kg.viz.graph_to_html` reads, gathered while graph.ttl is written.

    Loading all of graph.ttl into rdflib to draw it cost a third of a 1,000-article build
    and 43 s and 1 GiB at 10,000 articles. The page reads only entity types and labels,
    the eight relations, the statements' provenance and the documents' file names, so
    only those are kept. Above ``max_nodes`` entities the page shows the best-connected
    ``max_nodes`` anyway: then only they, the relations and statements among them and
    the documents that mention them are kept (degrees of shown nodes then count only
    shown neighbours).
    """

    def __init__(self, store: GraphStore, max_nodes: int = 5000):
        import rdflib

        from .graph import bind_prefixes

        # rdflib's SimpleMemory store: the same page, 20% faster to fill and 35% faster for
        # kg.viz to read than the default Memory store (1,000-article benchmark)
        self.graph = bind_prefixes(rdflib.Graph(store="SimpleMemory", bind_namespaces="core"))
        self.total = 0
        self.keep: set | None = None
        self.statements: set | None = None
        typed = store.typed_entities()
        self.total = len(typed)
        if len(typed) > max_nodes:
            degree: dict = {}
            for r in store.store.query(_Q_RELATIONS, prefixes=PREFIXES):
                if r[0] in typed and r[2] in typed:
                    degree[r[0]] = degree.get(r[0], 0) + 1
                    degree[r[2]] = degree.get(r[2], 0) + 1
            ranked = sorted(typed, key=lambda e: (-degree.get(e, 0), e.value))
            self.keep = set(ranked[:max_nodes])
            self.statements = {r[0] for r in store.store.query(_Q_STATEMENT_ENDS, prefixes=PREFIXES)
                               if r[1] in self.keep and r[2] in self.keep}
        self._terms: dict = {}
        self._pending: list = []

    @property
    def note(self) -> str:
        if self.keep is None:
            return ""
        return f"the {len(self.keep):,} best-connected of {self.total:,} entities"

    def _term(self, t):
        found = self._terms.get(t)
        if found is None:
            from .graph import _rdflib_term

            found = _rdflib_term(t)
            if not isinstance(t, ox.Literal):
                self._terms[t] = found
        return found

    def __call__(self, t: ox.Triple) -> None:
        s, p, o = t.subject, t.predicate, t.object
        keep, statements = self.keep, self.statements
        if p == _RDF_TYPE:
            if o not in _VIZ_CLASSES:
                return
            if keep is not None and s not in keep and s not in statements:
                return
        elif p in _VIZ_ENTITY:
            if keep is not None and s not in keep:
                return
        elif p in _VIZ_RELATION:
            if keep is not None and (s not in keep or o not in keep):
                return
        elif p in _VIZ_STATEMENT:
            if statements is not None and s not in statements:
                return
        elif p == _MENTIONS_P:
            if keep is not None and o not in keep:
                return
        elif p != _FILE_P:
            return
        self._pending.append((self._term(s), self._term(p), self._term(o), self.graph))
        if len(self._pending) >= 50_000:
            self.flush()

    def flush(self) -> None:
        """Add what was gathered to :attr:`graph` (addN: about twice as fast as add)."""
        if self._pending:
            self.graph.addN(self._pending)
            self._pending = []

    def result(self):
        """The rdflib graph for :func:`kg.viz.graph_to_html`."""
        self.flush()
        return self.graph

