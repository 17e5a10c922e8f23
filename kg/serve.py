"""A local, read-only SPARQL 1.1 Protocol endpoint over a built graph, on the standard library's http.server.

    >>> server = make_server("output", port=0)          # doctest: +SKIP
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()   # doctest: +SKIP
    >>> server.url                                      # doctest: +SKIP
    'http://127.0.0.1:40213'

Routes:

``/sparql``
    GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``) or POST
    ``application/sparql-query``; optional ``default-graph-uri`` / ``named-graph-uri``.
    Results by content negotiation (``Accept``): SPARQL JSON, XML, CSV or TSV for SELECT
    and ASK; Turtle, N-Triples, RDF/XML or JSON-LD for CONSTRUCT and DESCRIBE. A
    ``format=`` parameter (json, xml, csv, tsv, ttl, nt, rdfxml, jsonld) overrides Accept.
``/`` and ``/graph.html``
    the build's interactive graph page.
``/queries``
    the named queries of ``kg/data/queries`` with a form each, and a box to run your own.
``/named/NAME?param=value``
    a named query with its parameters substituted as escaped string literals.

What is refused, and why: SPARQL Update (``update=``, ``application/sparql-update``, or a
query text that parses as an update) with 403, because the graph is read-only; any query
whose syntax tree holds a ``SERVICE`` pattern with 400, because a query must never reach
the network (Oxigraph would otherwise call the remote endpoint); PUT, DELETE and PATCH
with 405.

Limits: each query runs in a process forked for it (the parent's store is shared
copy-on-write) and is killed after ``timeout`` seconds: the client gets 503, and no
runaway query keeps a CPU busy (pyoxigraph cannot cancel a query). Where ``os.fork`` is
missing, ``isolation="thread"`` runs queries in threads that are abandoned on timeout (503
too) and stop only at the next result row, or when the query ends. At most ``workers``
queries run at once; results are cut at ``max_rows`` rows (or triples), and a cut result
carries the header ``KG-Result-Truncated: <max_rows>``.
"""
from __future__ import annotations

import html
import ipaddress
import json
import os
import pickle
import re
import select
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pyoxigraph as ox

from kg.errors import KGError, QueryError
from kg.query import GraphSource, _as_source, _hint, _strip_strings_and_comments, named_queries, substitute

__all__ = ["make_server", "serve", "SparqlServer", "check_query", "QueryRefused", "negotiate",
           "RESULT_TYPES", "GRAPH_TYPES"]

#: Media types offered for SELECT and ASK results, in order of preference.
RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
}
#: Media types offered for CONSTRUCT and DESCRIBE results, in order of preference.
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/xml": ox.RdfFormat.RDF_XML,
}
_FORMAT_PARAM = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "ttl": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
    "rdfxml": "application/rdf+xml", "jsonld": "application/ld+json",
}
#: For a format= naming a result format on a CONSTRUCT (or a graph format on a SELECT).
_FORMAT_FALLBACK = {"application/sparql-results+json": "application/ld+json",
                    "application/sparql-results+xml": "application/rdf+xml",
                    "text/csv": "text/turtle", "text/tab-separated-values": "application/n-triples",
                    "text/turtle": "application/sparql-results+json",
                    "application/n-triples": "text/tab-separated-values",
                    "application/rdf+xml": "application/sparql-results+xml",
                    "application/ld+json": "application/sparql-results+json"}

MAX_QUERY_CHARS = 100_000
MAX_BODY_BYTES = 1_000_000


# ---------------------------------------------------------------- refusing what must not run

class QueryRefused(KGError):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


_SERVICE_WORD = re.compile(r"(?<![\w:?$.-])SERVICE(?![\w:.-])", re.IGNORECASE)


def _has_service(node) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_has_service(v) for v in node.values())
    if isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        return any(_has_service(v) for v in node)
    return False


_PARSE_LOCK = threading.Lock()   # pyparsing's grammar objects are shared and not thread-safe


def check_query(sparql: str) -> None:
    """Raise :class:`QueryRefused` for text that is an Update or that holds a SERVICE pattern.

    The text is parsed with rdflib's SPARQL grammar and its syntax tree searched for
    ``ServiceGraphPattern`` (SERVICE in any nesting: OPTIONAL, subqueries, EXISTS). Text
    rdflib cannot parse as a query is tried as an Update (403). Text neither grammar
    accepts, which Oxigraph may still parse (its extensions), is refused when the
    keyword SERVICE stands outside strings, IRIs and comments; Oxigraph reports any
    other syntax error itself.

    >>> check_query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    kg.serve.QueryRefused: federated SERVICE queries are refused: this endpoint never calls the network
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if len(sparql) > MAX_QUERY_CHARS:
        raise QueryRefused(413, f"the query has {len(sparql):,} characters; the limit is {MAX_QUERY_CHARS:,}")
    with _PARSE_LOCK:
        try:
            tree = parseQuery(sparql)
        except ParseException:
            tree = None
        except Exception:  # noqa: BLE001 - rdflib raises more than ParseException on odd input
            tree = None
        if tree is None:
            try:
                parseUpdate(sparql)
                is_update = True
            except Exception:
                is_update = False
    if tree is not None:
        if _has_service(tree):
            raise QueryRefused(400, "federated SERVICE queries are refused: this endpoint never calls the network")
        return
    if is_update:
        raise QueryRefused(403, "SPARQL Update is refused: this endpoint is read-only "
                                "(rebuild with kg build to change the graph)")
    if _SERVICE_WORD.search(_strip_strings_and_comments(sparql)):
        raise QueryRefused(400, "federated SERVICE queries are refused: this endpoint never calls the network")


# ---------------------------------------------------------------- content negotiation

def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        items = [x.strip() for x in part.split(";")]
        media = items[0].lower()
        if not media:
            continue
        q = 1.0
        for param in items[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def negotiate(accept: str | None, offers) -> str | None:
    """The offered media type the ``Accept`` header prefers, or None when none is acceptable.

    The most specific matching range gives an offer its quality (``text/csv`` over
    ``text/*`` over ``*/*``); ties go to the first offer. No header means the first offer.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULT_TYPES)
    'application/sparql-results+xml'
    >>> negotiate("image/png", RESULT_TYPES) is None
    True
    """
    offers = list(offers)
    if not accept or not accept.strip():
        return offers[0]
    ranges = _accept_ranges(accept)
    best, best_q = None, 0.0
    for offer in offers:
        kind = offer.split("/")[0]
        q, specificity = None, -1
        for media, mq in ranges:
            s = 2 if media == offer else 1 if media == f"{kind}/*" else 0 if media == "*/*" else -1
            if s > specificity:
                q, specificity = mq, s
        if q is not None and q > best_q:
            best, best_q = offer, q
    return best


# ---------------------------------------------------------------- running one query

@dataclass
class Response:
    """An HTTP answer as plain data (it crosses the pipe from a query's process)."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict = field(default_factory=dict)


def _text(status: int, message: str) -> Response:
    return Response(status, (message.rstrip("\n") + "\n").encode("utf-8"))


def _content_type(media: str) -> str:
    return media + ("; charset=utf-8" if media.startswith("text/") or media.endswith("json") else "")


def _tsv_term(term) -> str:
    return "" if term is None else str(term)


def evaluate(source: GraphSource, sparql: str, *, accept: str | None = None, fmt: str | None = None,
             max_rows: int = 10_000, dataset: dict | None = None, cancel: threading.Event | None = None) -> Response:
    """Check and run one query and serialize its answer as the client asked: a :class:`Response`.

    SELECT rows past ``max_rows`` are dropped (header ``KG-Result-Truncated``); the kept
    rows are passed through SPARQL TSV, whose term syntax is exactly pyoxigraph's, so
    pyoxigraph writes every format. ``cancel`` (thread isolation) stops between rows.
    """
    try:
        check_query(sparql)
    except QueryRefused as exc:
        return _text(exc.status, str(exc))
    wanted = _FORMAT_PARAM.get((fmt or "").strip().lower()) if fmt else None
    if fmt and wanted is None:
        return _text(400, f"unknown format={fmt!r}; use one of: {', '.join(_FORMAT_PARAM)}")
    try:
        answer = source.query(sparql, **(dataset or {}))
    except SyntaxError as exc:
        return _text(400, f"SPARQL syntax error: {_hint(str(exc), sparql)}")
    except (OSError, ValueError, TypeError) as exc:
        return _text(500, f"the query failed: {exc}")
    try:
        return _serialize(answer, accept, wanted, max_rows, cancel)
    finally:
        # pyoxigraph's result iterators must be dropped on the thread that made them
        del answer


def _serialize(answer, accept, wanted, max_rows, cancel) -> Response:
    is_graph = isinstance(answer, ox.QueryTriples)
    offers = GRAPH_TYPES if is_graph else RESULT_TYPES
    if wanted is not None:
        media = wanted if wanted in offers else _FORMAT_FALLBACK.get(wanted)
    else:
        media = negotiate(accept, offers)
    if media is None:
        return _text(406, f"none of the accepted types ({accept}) fits a "
                          f"{'CONSTRUCT/DESCRIBE' if is_graph else 'SELECT/ASK'} result; this endpoint "
                          f"writes: {', '.join(offers)}")
    headers = {}
    try:
        if isinstance(answer, ox.QueryBoolean):
            body = answer.serialize(format=RESULT_TYPES[media])
        elif is_graph:
            triples = []
            for t in answer:
                if len(triples) == max_rows:
                    headers["KG-Result-Truncated"] = str(max_rows)
                    break
                triples.append(t)
                if cancel is not None and len(triples) % 1000 == 0 and cancel.is_set():
                    return _text(503, "query abandoned after the timeout")
            from kg.graph import PREFIXES

            rdf_format = GRAPH_TYPES[media]
            body = ox.serialize(triples, format=rdf_format,
                                prefixes=PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None)
        else:
            variables = [v.value for v in answer.variables]
            lines = ["\t".join(f"?{v}" for v in variables)]
            n = 0
            for solution in answer:
                if n == max_rows:
                    headers["KG-Result-Truncated"] = str(max_rows)
                    break
                lines.append("\t".join(_tsv_term(t) for t in solution))
                n += 1
                if cancel is not None and n % 1000 == 0 and cancel.is_set():
                    return _text(503, "query abandoned after the timeout")
            kept = ox.parse_query_results(("\n".join(lines) + "\n").encode("utf-8"), ox.QueryResultsFormat.TSV)
            body = kept.serialize(format=RESULT_TYPES[media])
    except (OSError, ValueError, TypeError, SyntaxError) as exc:
        return _text(500, f"the query failed while running: {exc}")
    return Response(200, body, _content_type(media), headers)


# ---------------------------------------------------------------- isolation and timeouts

def _run_in_process(work, timeout: float, children: set) -> Response | None:
    """``work()`` in a forked process; None when it did not answer within ``timeout`` seconds."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, write, leave without running the parent's cleanup
        try:
            os.close(read_fd)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)   # dies even inside Rust code,
            signal.alarm(int(timeout) + 2)                  # and when the parent is gone
            try:
                data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: BLE001 - any failure becomes a 500 for the client
                data = pickle.dumps(_text(500, f"the query failed: {exc!r}"))
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view):]
        finally:
            os._exit(0)
    os.close(write_fd)
    children.add(pid)
    chunks, deadline, finished = [], time.monotonic() + timeout, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if ready:
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    finished = True
                    break
                chunks.append(chunk)
    finally:
        os.close(read_fd)
        if not finished:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(pid, 0)
        children.discard(pid)
    if not finished:
        return None
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - a child killed from outside leaves a cut pickle
        return _text(500, "the query's process ended without an answer")


def _run_in_thread(work, timeout: float, done: threading.Semaphore) -> Response | None:
    """``work(cancel)`` in a daemon thread that is abandoned after ``timeout`` seconds (None)."""
    box: list = []
    cancel = threading.Event()

    def target():
        try:
            box.append(work(cancel))
        except BaseException as exc:  # noqa: BLE001
            box.append(_text(500, f"the query failed: {exc!r}"))
        finally:
            done.release()   # the slot frees when the query really ends, not at the timeout

    thread = threading.Thread(target=target, daemon=True, name="kg-query")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        cancel.set()
        return None
    return box[0]


# ---------------------------------------------------------------- the HTTP side

_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


class SparqlServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding the graph and the endpoint's limits; see :func:`make_server`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, source: GraphSource, *, html_path: Path | None = None, timeout: float = 10.0,
                 max_rows: int = 10_000, workers: int | None = None, isolation: str | None = None,
                 quiet: bool = False):
        if isolation is None:
            isolation = "process" if hasattr(os, "fork") else "thread"
        if isolation not in ("process", "thread"):
            raise ValueError(f"isolation must be 'process' or 'thread', not {isolation!r}")
        if isolation == "process" and not hasattr(os, "fork"):
            raise ValueError("isolation='process' needs os.fork; use isolation='thread' on this platform")
        if timeout <= 0 or max_rows < 1:
            raise ValueError("timeout must be positive and max_rows at least 1")
        self.source = source
        self.html_path = html_path
        self.timeout = float(timeout)
        self.max_rows = int(max_rows)
        self.isolation = isolation
        self.quiet = quiet
        self.slots = threading.BoundedSemaphore(workers or max(2, os.cpu_count() or 2))
        self.children: set[int] = set()
        self.triples = len(source.store) if source.kind != "store" else None
        super().__init__(address, _Handler)
        self.loopback_only = _is_loopback(self.server_address[0])

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}"

    def run_query(self, sparql: str, *, accept=None, fmt=None, dataset=None) -> Response:
        """Run one query under the timeout, the worker limit and the row limit."""
        if not self.slots.acquire(timeout=self.timeout):
            return Response(503, b"every query worker is busy; try again shortly\n",
                            headers={"Retry-After": str(int(self.timeout))})
        if self.isolation == "process":
            try:
                answer = _run_in_process(
                    lambda: evaluate(self.source, sparql, accept=accept, fmt=fmt, max_rows=self.max_rows,
                                     dataset=dataset), self.timeout, self.children)
            finally:
                self.slots.release()
        else:
            answer = _run_in_thread(
                lambda cancel: evaluate(self.source, sparql, accept=accept, fmt=fmt, max_rows=self.max_rows,
                                        dataset=dataset, cancel=cancel), self.timeout, self.slots)
        if answer is None:
            return Response(503, f"no answer within the {self.timeout:g} s timeout; the query was stopped. "
                                 "Narrow it (LIMIT, more specific patterns) or restart with a longer "
                                 "--timeout\n".encode("utf-8"), headers={"Retry-After": "1"})
        return answer

    def server_close(self):
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        super().server_close()


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "policykg-sparql/1"

    # ------------------------------------------------------------ plumbing

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, response: Response, head_only: bool = False):
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        if response.status == 405:
            self.send_header("Allow", "GET, POST")
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(response.body)

    def _host_ok(self) -> bool:
        """Refuse a Host that is not this machine on a loopback server (DNS rebinding)."""
        if not self.server.loopback_only:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        name = host[1:host.find("]")] if host.startswith("[") else host.split(":")[0]
        if not host or name in _LOOPBACK_NAMES or _is_loopback(name):
            return True
        self._send(_text(403, f"Host {host!r} is not this machine: the endpoint answers loopback names only"))
        return False

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None:
            self._send(_text(411, "a POST needs a Content-Length"))
            return None
        try:
            size = int(length)
        except ValueError:
            self._send(_text(400, f"bad Content-Length {length!r}"))
            return None
        if size > MAX_BODY_BYTES:
            self._send(_text(413, f"the request body has {size:,} bytes; the limit is {MAX_BODY_BYTES:,}"))
            return None
        return self.rfile.read(size)

    # ------------------------------------------------------------ methods

    def _url(self):
        """The request target; raw UTF-8 in it (curl sends 李强 unencoded) read as UTF-8, not Latin-1."""
        try:
            return urlsplit(self.path.encode("latin-1").decode("utf-8"))
        except UnicodeError:
            return urlsplit(self.path)

    def do_GET(self):  # noqa: N802 - http.server's naming
        if not self._host_ok():
            return
        url = self._url()
        params = parse_qs(url.query, keep_blank_values=True)
        if url.path == "/sparql":
            self._sparql(params)
        elif url.path in ("/", "/graph.html", "/index.html"):
            self._graph_page()
        elif url.path in ("/queries", "/queries/"):
            self._send(Response(200, queries_page(self.server).encode("utf-8"), "text/html; charset=utf-8",
                                {"Content-Security-Policy": _PAGE_CSP}))
        elif url.path.startswith("/named/"):
            self._named(url.path[len("/named/"):], params)
        else:
            self._send(_text(404, f"nothing at {url.path}; try /sparql, /queries or /graph.html"))

    def do_POST(self):  # noqa: N802
        if not self._host_ok():
            return
        url = self._url()
        if url.path != "/sparql":
            self._send(_text(404 if url.path not in ("/", "/graph.html", "/queries") else 405,
                             f"POST goes to /sparql, not {url.path}"))
            return
        params = parse_qs(url.query, keep_blank_values=True)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            self._send(_text(403, "SPARQL Update is refused: this endpoint is read-only"))
            return
        body = self._read_body()
        if body is None:
            return
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self._send(_text(400, "the request body is not UTF-8"))
            return
        if ctype == "application/x-www-form-urlencoded":
            form = parse_qs(text, keep_blank_values=True)
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
        elif ctype == "application/sparql-query":
            if "query" in params:
                self._send(_text(400, "give the query in the body or in ?query=, not both"))
                return
            params["query"] = [text]
        else:
            self._send(_text(415, f"POST a query as application/sparql-query or as an "
                                  f"application/x-www-form-urlencoded form, not {ctype or 'no Content-Type'}"))
            return
        self._sparql(params)

    def _refuse_method(self):
        self._send(_text(405, "this endpoint is read-only: GET and POST queries only"))

    do_PUT = do_DELETE = do_PATCH = _refuse_method  # noqa: N815

    # ------------------------------------------------------------ routes

    def _sparql(self, params: dict):
        if "update" in params:
            self._send(_text(403, "SPARQL Update is refused: this endpoint is read-only"))
            return
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            self._send(_text(400, "give exactly one query: /sparql?query=SELECT... (see /queries for examples)"))
            return
        dataset = {}
        try:
            if params.get("default-graph-uri"):
                dataset["default_graph"] = [ox.NamedNode(u) for u in params["default-graph-uri"]]
            if params.get("named-graph-uri"):
                dataset["named_graphs"] = [ox.NamedNode(u) for u in params["named-graph-uri"]]
        except ValueError as exc:
            self._send(_text(400, f"bad graph IRI: {exc}"))
            return
        fmt = (params.get("format") or [None])[0]
        self._send(self.server.run_query(queries[0], accept=self.headers.get("Accept"), fmt=fmt, dataset=dataset))

    def _named(self, name: str, params: dict):
        from urllib.parse import unquote

        name = unquote(name).strip("/")
        fmt = (params.pop("format", None) or [None])[0]
        values = {k: v[-1] for k, v in params.items()}
        try:
            queries = named_queries()
            if name not in queries:
                raise QueryError(f"no query named {name!r}; choose one of: {', '.join(sorted(queries))}")
            sparql = substitute(queries[name], values)
        except QueryError as exc:
            self._send(_text(400 if "no query named" not in str(exc) else 404, str(exc)))
            return
        self._send(self.server.run_query(sparql, accept=self.headers.get("Accept"), fmt=fmt))

    def _graph_page(self):
        path = self.server.html_path
        if path is None or not path.is_file():
            self._send(Response(404, _NO_GRAPH_PAGE.encode("utf-8"), "text/html; charset=utf-8"))
            return
        self._send(Response(200, path.read_bytes(), "text/html; charset=utf-8"))


_PAGE_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
             "connect-src 'self'; form-action 'self'; base-uri 'none'")
_NO_GRAPH_PAGE = """<!doctype html><meta charset="utf-8"><title>policykg</title>
<p>This build has no graph.html (it was built with --no-html). Build it with
<code>kg build CORPUS --out DIR</code>, or use <a href="/queries">the queries</a>.</p>
"""


# ---------------------------------------------------------------- the /queries page

_PAGE_SCRIPT = r"""
function cellText(b) {
  if (!b) return "";
  if (b.type === "literal" && b["xml:lang"]) return b.value + " @" + b["xml:lang"];
  return b.value;
}
function showTable(out, data) {
  const table = document.createElement("table");
  if (data.boolean !== undefined) {
    const p = document.createElement("p"); p.textContent = "ASK: " + data.boolean; out.appendChild(p); return;
  }
  const head = table.createTHead().insertRow();
  for (const v of data.head.vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
  const body = table.createTBody();
  for (const row of data.results.bindings) {
    const tr = body.insertRow();
    for (const v of data.head.vars) { tr.insertCell().textContent = cellText(row[v]); }
  }
  const n = document.createElement("p");
  n.className = "note";
  n.textContent = data.results.bindings.length + " row" + (data.results.bindings.length === 1 ? "" : "s");
  out.appendChild(n);
  out.appendChild(table);
}
async function run(form, ev) {
  ev.preventDefault();
  const out = document.getElementById(form.dataset.out);
  const fmt = form.querySelector("[name=format]");
  const want = fmt ? fmt.value : "json";
  const accept = {json: "application/sparql-results+json, text/turtle;q=0.9",
                  csv: "text/csv, text/turtle;q=0.9", tsv: "text/tab-separated-values, text/turtle;q=0.9",
                  xml: "application/sparql-results+xml, application/rdf+xml;q=0.9"}[want];
  out.textContent = "running…";
  let resp;
  try {
    if (form.method.toLowerCase() === "post") {
      const q = form.querySelector("[name=query]").value;
      resp = await fetch(form.action, {method: "POST", headers: {"Content-Type": "application/sparql-query", "Accept": accept}, body: q});
    } else {
      const params = new URLSearchParams(new FormData(form));
      params.delete("format");
      resp = await fetch(form.action + "?" + params.toString(), {headers: {"Accept": accept}});
    }
  } catch (e) { out.textContent = "request failed: " + e; return; }
  const text = await resp.text();
  out.textContent = "";
  if (!resp.ok) { const pre = document.createElement("pre"); pre.className = "error"; pre.textContent = resp.status + " " + text; out.appendChild(pre); return; }
  const cut = resp.headers.get("KG-Result-Truncated");
  if (cut) { const p = document.createElement("p"); p.className = "error"; p.textContent = "cut at " + cut + " rows"; out.appendChild(p); }
  const ctype = resp.headers.get("Content-Type") || "";
  if (ctype.indexOf("sparql-results+json") >= 0) { showTable(out, JSON.parse(text)); return; }
  const pre = document.createElement("pre"); pre.textContent = text; out.appendChild(pre);
}
function edit(button) {
  const box = document.getElementById("own-query");
  box.value = button.closest("section").querySelector("pre.sparql").textContent;
  box.focus();
}
document.addEventListener("submit", (ev) => { if (ev.target.dataset.out) run(ev.target, ev); });
document.addEventListener("click", (ev) => { if (ev.target.classList.contains("edit")) edit(ev.target); });
"""

_PAGE_STYLE = """
body { font: 15px/1.45 system-ui, "Noto Sans CJK SC", sans-serif; margin: 1.5em auto; max-width: 70em; padding: 0 1em; }
section { border-top: 1px solid #ccc; padding: .6em 0; }
pre { background: #f5f5f5; padding: .5em; overflow-x: auto; white-space: pre-wrap; }
textarea { width: 100%; font: 13px monospace; }
table { border-collapse: collapse; margin: .5em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
.note { color: #555; } .error { color: #a00; }
"""


def queries_page(server: SparqlServer) -> str:
    """The /queries page: every named query with a form, and a box for your own (all text escaped)."""
    e = html.escape
    source = server.source
    size = f"{server.triples:,} triples" if server.triples is not None else "on-disk store"
    parts = [f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>policykg SPARQL</title>
<style>{_PAGE_STYLE}</style></head><body>
<h1>policykg SPARQL endpoint</h1>
<p class="note">Graph: {e(source.describe())}, {e(size)}. Endpoint: <code>{e(server.url)}/sparql</code>
(GET or POST; JSON, XML, CSV, TSV by Accept). Read-only; SERVICE refused; timeout {server.timeout:g} s;
at most {server.max_rows:,} rows. The prefixes kg: kgr: skos: prov: rdf: rdfs: dcterms: org: xsd: are declared.
<a href="/graph.html">The graph</a>.</p>
<section><h2>Your own query</h2>
<form method="post" action="/sparql" data-out="out-own">
<textarea id="own-query" name="query" rows="8" spellcheck="false">SELECT ?name WHERE {{ ?p a kg:Person ; skos:prefLabel ?name }} LIMIT 20</textarea>
<p><label>format <select name="format"><option>json</option><option>csv</option><option>tsv</option><option>xml</option></select></label>
<button type="submit">Run</button></p></form>
<div id="out-own"></div></section>
<h2>Named queries</h2>"""]
    for i, (name, nq) in enumerate(sorted(named_queries().items())):
        inputs = "".join(
            f'<label>{e(p)} <input name="{e(p)}" required value="{e("李强" if p == "label" else "")}"></label> '
            for p in nq.parameters)
        parts.append(f"""<section><h3>{e(name)}: {e(nq.title)}</h3>
<p class="note">{e(nq.description)}</p>
<form method="get" action="/named/{e(quote(name))}" data-out="out-{i}">{inputs}
<label>format <select name="format"><option>json</option><option>csv</option><option>tsv</option><option>xml</option></select></label>
<button type="submit">Run</button> <button type="button" class="edit">Edit in the box above</button></form>
<details><summary>SPARQL</summary><pre class="sparql">{e(nq.sparql.strip())}</pre></details>
<div id="out-{i}"></div></section>""")
    parts.append(f"<script>{_PAGE_SCRIPT}</script></body></html>\n")
    return "\n".join(parts)


# ---------------------------------------------------------------- entry points

def make_server(dir_or_file, host: str = "127.0.0.1", port: int = 8000, **options) -> SparqlServer:
    """A :class:`SparqlServer` bound to ``host:port`` (port 0: any free port) over a build folder or graph file.

    ``options``: ``timeout`` (seconds, default 10), ``max_rows`` (default 10,000),
    ``workers`` (queries at once), ``isolation`` ("process" or "thread"), ``quiet``.
    The graph is opened with :func:`kg.query.open_source`: ``DIR/store`` read-only when
    the build kept one, else ``DIR/graph.ttl`` loaded into memory.
    """
    source = _as_source(dir_or_file)
    base = Path(dir_or_file) if isinstance(dir_or_file, (str, os.PathLike)) else None
    html_path = None
    if base is not None:
        html_path = (base if base.is_dir() else base.parent) / "graph.html"
    import rdflib.plugins.sparql.parser  # noqa: F401 - build the grammar once, before any fork

    return SparqlServer((host, port), source, html_path=html_path, **options)


def serve(dir_or_file, host: str = "127.0.0.1", port: int = 8000, *, echo=print, **options) -> None:
    """Serve until interrupted (Ctrl-C)."""
    server = make_server(dir_or_file, host, port, **options)
    echo(f"serving {server.source.describe()}")
    if server.source.note:
        echo(f"  note: {server.source.note}")
    echo(f"  SPARQL endpoint: {server.url}/sparql")
    echo(f"  named queries:   {server.url}/queries")
    if server.html_path is not None and server.html_path.is_file():
        echo(f"  graph:           {server.url}/graph.html")
    if not server.loopback_only:
        echo(f"warning: listening on {host}: other machines can query this graph")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        server.server_close()
