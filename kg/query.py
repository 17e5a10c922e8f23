"""Answer SPARQL over the built graph through Oxigraph, and the named queries shipped in kg/data/queries.

rdflib's own SPARQL engine can stall on multi-pattern joins (FACTS.md), so every query
runs in pyoxigraph. The usual prefixes are declared for you:

    >>> r = run_query("output/graph.ttl",
    ...               "SELECT ?n WHERE { ?p a kg:Person ; skos:prefLabel ?n }")   # doctest: +SKIP
    >>> print(format_table(r))                                                    # doctest: +SKIP

Named queries take ``$name`` parameters, substituted as SPARQL string literals:

    >>> run_named("output/graph.ttl", "about", label="李强")                      # doctest: +SKIP
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import QueryError
from kg.graph import PREFIXES

__all__ = [
    "QueryResult", "NamedQuery", "GraphSource", "QUERY_DIR", "open_store", "open_source", "run_query",
    "named_queries",
    "run_named", "sparql_string", "format_table", "format_csv", "format_json",
]

QUERY_DIR = Path(__file__).parent / "data" / "queries"


@dataclass
class QueryResult:
    """What a query returned, as plain Python values.

    ``rows`` hold IRIs as full strings, literals as their lexical form, blank nodes as
    ``_:id`` and unbound cells as None. A SELECT has its projected ``variables``; an ASK
    has ``variables == ["boolean"]``, one row ``(True,)`` or ``(False,)`` and ``boolean``
    set; a CONSTRUCT or DESCRIBE has ``variables == ["subject", "predicate", "object"]``
    and one row per triple.
    """

    variables: list[str]
    rows: list[tuple] = field(default_factory=list)
    kind: str = "select"            # "select", "ask" or "construct"
    boolean: bool | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> list[dict]:
        """The rows as dicts keyed by variable name."""
        return [dict(zip(self.variables, row)) for row in self.rows]


@dataclass
class NamedQuery:
    """A query shipped as ``kg/data/queries/<name>.rq``."""

    name: str
    title: str
    description: str
    sparql: str
    parameters: tuple[str, ...] = ()
    path: Path | None = None


# ---------------------------------------------------------------- stores

_CACHE: dict[tuple, ox.Store] = {}
_CACHE_SIZE = 2


def _rdf_format(path: Path) -> ox.RdfFormat:
    suffix = path.suffix.lower()
    if suffix in (".nt", ".ntriples"):
        return ox.RdfFormat.N_TRIPLES
    if suffix in (".nq",):
        return ox.RdfFormat.N_QUADS
    if suffix in (".trig",):
        return ox.RdfFormat.TRIG
    if suffix in (".rdf", ".owl", ".xml"):
        return ox.RdfFormat.RDF_XML
    if suffix in (".jsonld",):
        return ox.RdfFormat.JSON_LD
    return ox.RdfFormat.TURTLE


def open_store(path, *, ontology=None, cache: bool = True) -> ox.Store:
    """A pyoxigraph Store for a graph file (Turtle, N-Triples...) or an on-disk store directory.

    A file is bulk-loaded into memory (about 1 s per million triples); ``ontology``, when
    given, is loaded beside it so queries can follow ``rdfs:subClassOf``. A directory is
    opened read-only, so a build may hold it at the same time. In-memory stores are
    cached by path, modification time and size: asking twice does not parse twice.

    >>> store = open_store("output/graph.ttl")              # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise QueryError(f"{path}: no such graph file or store; run `kg build` first "
                         "or pass the path of a .ttl/.nt file or an Oxigraph store directory")
    if path.is_dir():
        try:
            return ox.Store.read_only(str(path))
        except OSError as exc:
            raise QueryError(f"{path}: cannot open as an Oxigraph store ({exc}); "
                             "pass a directory written by pyoxigraph.Store(path)") from exc
    files = [path] + ([Path(ontology)] if ontology is not None else [])
    key = tuple((str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if cache and key in _CACHE:
        return _CACHE[key]
    store = ox.Store()
    for p in files:
        try:
            store.bulk_load(path=str(p), format=_rdf_format(p))
        except SyntaxError as exc:
            raise QueryError(f"{p}: not valid RDF: {exc}; rebuild the graph or fix the file") from exc
        except (OSError, ValueError) as exc:
            raise QueryError(f"{p}: cannot load: {exc}") from exc
    if cache:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = store
    return store


@dataclass
class GraphSource:
    """A graph ready to query: a pyoxigraph Store and how to read it.

    ``kind`` is "store" for an on-disk Oxigraph store opened read-only (``DIR/store``:
    one named graph per document, and in the default graph their union with each triple
    once, which queries read), "file" for a Turtle/N-Triples file bulk-loaded into
    memory, and "memory" for a Store or rdflib graph handed over in Python. With
    ``union`` the default graph of every query is the union of all graphs instead: for
    a store of an earlier policykg with no deduplicated default graph, where that is RDF
    set semantics only when no triple sits in two graphs (pyoxigraph 0.5 evaluates the
    union as a bag, oxigraph issue #1919, so :func:`open_source` checks). Either way
    queries written for graph.ttl answer the same on the store.

    >>> src = open_source("output")                  # doctest: +SKIP
    >>> src.kind, src.union                          # doctest: +SKIP
    ('file', False)
    """

    store: ox.Store
    path: Path | None = None
    kind: str = "memory"
    union: bool = False
    note: str | None = None     # why this source was chosen over another, for people
    copy_of: Path | None = None  # a store whose default graph is a copy of this file (graph.ttl)

    def query(self, sparql: str, **kwargs):
        """``Store.query`` with the policykg prefixes and, with ``union``, the union default graph."""
        kwargs.setdefault("prefixes", PREFIXES)
        if self.union and not kwargs.get("default_graph"):
            kwargs.setdefault("use_default_graph_as_union", True)
        return self.store.query(sparql, **kwargs)

    def describe(self) -> str:
        """One line for people: what was opened."""
        what = {"store": "Oxigraph store (read-only)", "file": "graph file loaded into memory"}
        return f"{self.path} ({what.get(self.kind, 'in-memory graph')})" if self.path else what.get(self.kind, "in-memory graph")


def _is_oxigraph_dir(path: Path) -> bool:
    return (path / "CURRENT").is_file() or any(path.glob("MANIFEST-*"))


def open_source(path, *, ontology=None) -> GraphSource:
    """The graph behind a build folder, a graph file or a store directory, ready to query.

    A build folder with ``store/`` (the on-disk Oxigraph store a build keeps) opens that
    store read-only, so a running build may hold it at the same time; a build folder
    without one bulk-loads its ``graph.ttl`` into memory (cached, see
    :func:`open_store`). A file is loaded; a directory that is itself an Oxigraph store is
    opened read-only. Queries on a store read its default graph, which ``kg build`` keeps
    as the union of the per-document graphs with each triple once (a copy of graph.ttl);
    a store without it (an earlier policykg's) is read as before: through the union of
    its graphs when no triple repeats across them, else from ``graph.ttl`` with a
    :attr:`GraphSource.note` saying why.

    >>> run_query(open_source("output"), "ASK { ?d a kg:Document }").boolean   # doctest: +SKIP
    True
    """
    path = Path(path)
    if not path.exists():
        raise QueryError(f"{path}: no such build folder, graph file or store; run `kg build CORPUS --out {path}` "
                         "first or pass the path of a .ttl/.nt file")
    if path.is_dir():
        store_dir = path / "store"
        ttl = path / "graph.ttl"
        if store_dir.is_dir():
            return _store_source(store_dir, ttl if ttl.is_file() else None, ontology)
        if ttl.is_file():
            return GraphSource(open_store(ttl, ontology=ontology), path=ttl, kind="file")
        if _is_oxigraph_dir(path):
            ttl = path.parent / "graph.ttl"
            return _store_source(path, ttl if ttl.is_file() else None, ontology)
        raise QueryError(f"{path} has no graph.ttl and no store/; build one first with: kg build CORPUS --out {path}")
    return GraphSource(open_store(path, ontology=ontology), path=path, kind="file")


def _store_source(store_dir: Path, ttl: Path | None, ontology) -> GraphSource:
    """A build's store: its default graph when that is the deduplicated union of the
    document graphs (what ``kg build`` keeps, :func:`kg.store.union_problem`); else, for a
    store of an earlier policykg, the union of its graphs when no triple repeats across
    them, or ``ttl`` loaded into memory (with a note saying why)."""
    from kg.store import union_problem

    store = _open_read_only(store_dir)
    problem = union_problem(store_dir)
    if problem is None:
        return GraphSource(store, path=store_dir, kind="store", copy_of=ttl)
    if not _repeats_across_graphs(store):
        return GraphSource(store, path=store_dir, kind="store", union=True)
    why = (f"{problem}; its document graphs share triples, and pyoxigraph {ox.__version__} would count "
           f"each once per graph (oxigraph issue #1919)")
    if ttl is not None:
        return GraphSource(open_store(ttl, ontology=ontology), path=ttl, kind="file",
                           note=f"{why}: answering from {ttl}, the union with each triple once "
                                "(`kg build` again to query the store directly)")
    return GraphSource(store, path=store_dir, kind="store", union=True,
                       note=f"{why}, and there is no graph.ttl: rows may repeat")


def _repeats_across_graphs(store: ox.Store, graphs: int = 500, per_graph: int = 20) -> bool:
    """Whether triples of ``store`` sit in two graphs, judged from a sample.

    A union default graph is a set only without such triples in pyoxigraph 0.5 (oxigraph
    issue #1919, fixed after 0.5.13). The first ``per_graph`` quads of up to ``graphs``
    graphs (and of the default graph) are looked up in every graph: a few thousand index
    lookups, milliseconds, where a full check (a SPARQL join of the store with itself)
    took 37 s on a million triples. A layout that repeats what documents share (entity
    types and labels in every document graph) shows up in any sample; a store where only
    a rare triple repeats can pass it.
    """
    from itertools import islice

    named = list(islice(store.named_graphs(), graphs))
    if not named:
        return False
    for graph in [ox.DefaultGraph(), *named]:
        for quad in islice(store.quads_for_pattern(None, None, None, graph), per_graph):
            same = islice(store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None), 2)
            if sum(1 for _ in same) > 1:
                return True
    return False


def _open_read_only(path: Path) -> ox.Store:
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise QueryError(f"{path}: cannot open as an Oxigraph store ({exc}); "
                         "pass a directory written by pyoxigraph.Store(path), or rebuild with kg build") from exc


def _as_source(source) -> GraphSource:
    """Whatever a caller handed over (path, build folder, Store, rdflib graph) as a GraphSource."""
    if isinstance(source, GraphSource):
        return source
    if isinstance(source, ox.Store):
        has_named = next(iter(source.named_graphs()), None) is not None
        return GraphSource(source, kind="memory", union=has_named)
    if isinstance(source, (str, os.PathLike)):
        return open_source(source)
    try:  # an rdflib graph
        import rdflib
    except ImportError:  # pragma: no cover
        rdflib = None
    if rdflib is not None and isinstance(source, rdflib.Graph):
        from kg.graph import to_store

        return GraphSource(to_store(source), kind="memory")
    raise QueryError(f"cannot query {type(source).__name__}: pass a build folder, a graph path, a store "
                     "directory, a pyoxigraph.Store or an rdflib.Graph")


def _as_store(source) -> ox.Store:
    return _as_source(source).store


# ---------------------------------------------------------------- running

def _value(term) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _hint(message: str, sparql: str) -> str:
    m = re.search(r"error at (\d+):(\d+)", message)
    where = ""
    if m:
        line_no, col = int(m.group(1)), int(m.group(2))
        lines = sparql.splitlines() or [""]
        if 1 <= line_no <= len(lines):
            line = lines[line_no - 1]
            where = f"\n  {line}\n  {' ' * display_width(line[: max(col - 1, 0)])}^"
        if "Prefix not found" in message:
            tail = sparql.splitlines()[line_no - 1][: col - 1] if 1 <= line_no <= len(lines) else ""
            pm = re.search(r"([A-Za-z][\w.-]*)?:[^\s:]*$", tail)
            prefix = pm.group(1) if pm and pm.group(1) else ""
            return (f"undeclared prefix {prefix + ':' if prefix else ''} at {line_no}:{col}{where}\n"
                    f"hint: add a line `PREFIX {prefix or 'p'}: <...>`; these are declared for you: "
                    + " ".join(f"{p}:" for p in PREFIXES))
    short = message if len(message) <= 300 else message[:300] + "…"
    return (f"{short}{where}\nhint: check the SPARQL syntax near that point; the prefixes "
            + " ".join(f"{p}:" for p in PREFIXES) + " are declared for you, and only "
            "SELECT, ASK, CONSTRUCT and DESCRIBE are allowed (the graph is read-only)")


def run_query(source, sparql: str) -> QueryResult:
    """Run one SPARQL query on ``source`` (a build folder, a .ttl/.nt path, a store
    directory, a :class:`GraphSource`, a pyoxigraph.Store or an rdflib.Graph) through Oxigraph.

    >>> r = run_query(store, "SELECT (COUNT(*) AS ?n) WHERE { ?d a kg:Document }")  # doctest: +SKIP
    >>> r.rows                                                                    # doctest: +SKIP
    [('5',)]
    """
    src = _as_source(source)
    try:
        answer = src.query(sparql)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {_hint(str(exc), sparql)}") from exc
    except (OSError, ValueError, TypeError) as exc:
        raise QueryError(f"the query failed: {exc}") from exc
    try:
        if isinstance(answer, ox.QueryBoolean):
            value = bool(answer)
            return QueryResult(["boolean"], [(value,)], kind="ask", boolean=value)
        if isinstance(answer, ox.QueryTriples):
            rows = [(_value(t.subject), _value(t.predicate), _value(t.object)) for t in answer]
            return QueryResult(["subject", "predicate", "object"], rows, kind="construct")
        variables = [v.value for v in answer.variables]
        rows = [tuple(_value(t) for t in solution) for solution in answer]
        return QueryResult(variables, rows)
    except (OSError, ValueError, TypeError) as exc:  # evaluation errors surface while iterating
        raise QueryError(f"the query failed while running: {exc}") from exc


# ---------------------------------------------------------------- named queries

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _parse_rq(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    body_lines: list[str] = []
    key = None
    for line in text.splitlines():
        m = re.match(r"\s*#\s*(title|description)\s*:\s*(.*)$", line)
        if body_lines:
            body_lines.append(line)
        elif m:
            key = m.group(1)
            header[key] = (header.get(key, "") + " " + m.group(2).strip()).strip()
        elif line.lstrip().startswith("#"):
            if key is not None and line.strip("# \t"):  # continuation of the last header field
                header[key] = header[key] + " " + line.strip("# \t")
        elif line.strip():
            body_lines.append(line)
    body = "\n".join(body_lines).strip() + "\n"
    params = tuple(dict.fromkeys(_PARAM.findall(_strip_strings_and_comments(body))))
    return NamedQuery(name=path.stem, title=header.get("title", path.stem),
                      description=header.get("description", ""), sparql=body,
                      parameters=params, path=path)


def _strip_strings_and_comments(sparql: str) -> str:
    """The query with string literals, IRIs and comments blanked (so `$x` inside them is no parameter)."""
    return re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                  r'|<[^<>"{}|^`\\\s]*>|#[^\n]*', lambda m: " " * len(m.group()), sparql)


def named_queries(directory=None) -> dict[str, NamedQuery]:
    """The shipped queries by name (file stem), read from ``kg/data/queries/*.rq``.

    >>> sorted(named_queries())                                          # doctest: +SKIP
    ['about', 'documents', 'entities', 'events', 'posts', 'promoters', 'provinces']
    """
    directory = Path(directory) if directory is not None else QUERY_DIR
    return {p.stem: _parse_rq(p) for p in sorted(directory.glob("*.rq"))}


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def sparql_string(value) -> str:
    """``value`` as a SPARQL string literal, every quote, backslash and line break escaped.

    >>> sparql_string('a "b"\\n')
    '"a \\\\"b\\\\"\\\\n"'
    """
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in str(value)) + '"'


def substitute(query: NamedQuery, params: dict) -> str:
    """The query text with each ``$name`` replaced by the escaped string literal of ``params[name]``."""
    missing = [p for p in query.parameters if p not in params or params[p] is None]
    if missing:
        raise QueryError(f"query {query.name!r} needs the parameter {missing[0]!r}"
                         + "".join(f", {m!r}" for m in missing[1:])
                         + f"; give it as {missing[0]}=VALUE (for example: "
                         f"kg query GRAPH --named {query.name} -p {missing[0]}=李强)")
    unknown = [p for p in params if p not in query.parameters]
    if unknown:
        takes = ", ".join(query.parameters) if query.parameters else "no parameters"
        raise QueryError(f"query {query.name!r} has no parameter {unknown[0]!r}; it takes {takes}")
    # Replace only outside strings, IRIs and comments, in one pass so a value that
    # itself contains "$name" is never substituted again.
    masked = _strip_strings_and_comments(query.sparql)
    out, last = [], 0
    for m in _PARAM.finditer(query.sparql):
        if masked[m.start()] != "$" or m.group(1) not in params:
            continue
        out.append(query.sparql[last:m.start()])
        out.append(sparql_string(params[m.group(1)]))
        last = m.end()
    out.append(query.sparql[last:])
    return "".join(out)


def run_named(source, name: str, **params) -> QueryResult:
    """Run the named query ``name`` on ``source`` with its ``$parameters`` filled in.

    >>> run_named("output/graph.ttl", "about", label="工业和信息化部")    # doctest: +SKIP
    """
    queries = named_queries()
    if name not in queries:
        raise QueryError(f"no query named {name!r}; choose one of: {', '.join(sorted(queries))}")
    return run_query(source, substitute(queries[name], params))


# ---------------------------------------------------------------- formatting

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters count 2."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _truncate(text: str, max_width: int) -> str:
    if display_width(text) <= max_width:
        return text
    out, width = [], 0
    for ch in text:
        w = display_width(ch)
        if width + w > max_width - 1:
            break
        out.append(ch)
        width += w
    return "".join(out) + "…"


def format_table(result: QueryResult, max_width: int | None = None) -> str:
    """An aligned plain-text table (Chinese characters count as two columns).

    Line breaks and tabs inside cells become spaces; ``max_width`` cuts long cells
    (evidence sentences) with "…".

    >>> print(format_table(QueryResult(["name", "n"], [("李强", "2"), ("Li Qiang", "1")])))
    name      n
    --------  -
    李强      2
    Li Qiang  1
    """
    header = list(result.variables)
    body = [[re.sub(r"[\r\n\t\v\f]+", " ", _cell(v)) for v in row] for row in result.rows]
    if max_width is not None:
        body = [[_truncate(c, max_width) for c in row] for row in body]
    widths = [display_width(h) for h in header]
    for row in body:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], display_width(c))

    def line(cells):
        padded = [c + " " * (widths[i] - display_width(c)) for i, c in enumerate(cells)]
        return "  ".join(padded).rstrip()

    lines = [line(header), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in body]
    return "\n".join(lines)


def format_csv(result: QueryResult) -> str:
    """CSV with a header row; unbound cells are empty."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()


def format_json(result: QueryResult, indent: int | None = 2) -> str:
    """A JSON list of objects, one per row, keyed by variable (unbound cells are null).

    An ASK answers ``[{"boolean": true}]``. Chinese stays readable (``ensure_ascii=False``).
    """
    return json.dumps(result.dicts(), ensure_ascii=False, indent=indent)
