"""Load a built graph into an external SPARQL store over the SPARQL 1.1 Graph Store Protocol.

    >>> push("output", "http://localhost:8890/sparql-graph-crud-auth",
    ...      graph="https://w3id.org/policykg/resource/graph", user="dba", password="dba")   # doctest: +SKIP
    PushReport(triples=934527, requests=19, ...)

The graph (``DIR/graph.ttl``, or any Turtle / N-Triples file) is streamed in batches of
N-Triples lines, which are valid Turtle: the first batch replaces the target graph (HTTP
PUT), the others are added to it (POST), so a graph of any size goes up without holding
it in memory and without a request body the server refuses for its size. With
``fmt="nquads"`` the build's per-document graphs (``DIR/store``) are POSTed as
``application/n-quads`` to the endpoint itself, for stores that accept whole datasets
(Oxigraph server, Fuseki); Virtuoso's Graph Store endpoint takes one graph at a time.

Authentication: HTTP Digest (Virtuoso's ``/sparql-graph-crud-auth``) or Basic, whichever
the server asks for. Only the standard library is used.
"""
from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

from .errors import KGError
from .namespace import KGR

__all__ = ["push", "PushReport", "DEFAULT_GRAPH"]

#: The graph a push replaces when no other is named.
DEFAULT_GRAPH = str(KGR) + "graph"

_FORMATS = {"turtle": "text/turtle; charset=utf-8", "nquads": "application/n-quads"}


class PushError(KGError):
    """The SPARQL store refused the graph or could not be reached."""


@dataclass
class PushReport:
    triples: int = 0
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    url: str = ""


def _opener(url: str, user: str | None, password: str | None):
    handlers = []
    if user is not None:
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, url, user, password or "")
        handlers += [urllib.request.HTTPDigestAuthHandler(mgr), urllib.request.HTTPBasicAuthHandler(mgr)]
    return urllib.request.build_opener(*handlers)


def target_url(endpoint: str, graph: str | None) -> str:
    """``endpoint?graph=<IRI>`` (percent-encoded), or ``endpoint?default`` for ``graph=None``.

    >>> target_url("http://h/gsp", "https://x/g 1")
    'http://h/gsp?graph=https%3A%2F%2Fx%2Fg%201'
    >>> target_url("http://h/gsp?x=1", None)
    'http://h/gsp?x=1&default'
    """
    sep = "&" if "?" in endpoint else "?"
    if graph is None:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}graph={urllib.parse.quote(graph, safe='')}"


def _batches(source: Path, fmt: str, batch: int) -> Iterator[tuple[bytes, int]]:
    if fmt == "nquads":
        store = ox.Store.read_only(str(source))
        # the per-document graphs only: the store's default graph is its own deduplicated
        # copy of their union (for local queries), which the receiving store would repeat
        quads = (q for q in store.quads_for_pattern(None, None, None, None)
                 if not isinstance(q.graph_name, ox.DefaultGraph))
        out_format = ox.RdfFormat.N_QUADS
    else:
        parse_format = ox.RdfFormat.N_TRIPLES if source.suffix.lower() in (".nt", ".ntriples") else ox.RdfFormat.TURTLE
        quads = (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(source), format=parse_format))
        out_format = ox.RdfFormat.N_TRIPLES
    chunk: list = []
    for q in quads:
        chunk.append(q)
        if len(chunk) >= batch:
            yield ox.serialize(chunk, format=out_format), len(chunk)
            chunk = []
    if chunk:
        yield ox.serialize(chunk, format=out_format), len(chunk)


def _source(path: Path, fmt: str) -> Path:
    path = Path(path)
    if fmt == "nquads":
        store = path / "store" if (path / "store").is_dir() else path
        if not store.is_dir():
            raise PushError(f"{path} has no store/: --format nquads pushes a build's per-document graphs; "
                            "rebuild with kg build, or push graph.ttl with --format turtle")
        return store
    if path.is_dir():
        ttl = path / "graph.ttl"
        if not ttl.is_file():
            raise PushError(f"{path} has no graph.ttl; build one first with: kg build CORPUS --out {path}")
        return ttl
    return path


def push(path, endpoint: str, *, graph: str | None = DEFAULT_GRAPH, user: str | None = None,
         password: str | None = None, fmt: str = "turtle", batch: int = 50_000, replace: bool = True,
         timeout: float = 300.0) -> PushReport:
    """Send the graph of ``path`` (a build folder or a graph file) to ``endpoint``.

    ``graph`` names the target graph (``None``: the store's default graph); ``replace``
    makes the first request a PUT, so what the graph held before is gone; otherwise every
    request is a POST that adds. Raises :class:`PushError` with the server's answer.
    """
    if fmt not in _FORMATS:
        raise PushError(f"unknown format {fmt!r}: choose turtle or nquads")
    source = _source(Path(path), fmt)
    url = endpoint if fmt == "nquads" else target_url(endpoint, graph)
    opener = _opener(endpoint, user, password)
    report = PushReport(url=url)
    started = time.perf_counter()
    first = True
    for body, n in _batches(source, fmt, batch):
        method = "PUT" if first and replace and fmt == "turtle" else "POST"
        _send(opener, url, method, body, _FORMATS[fmt], timeout)
        first = False
        report.triples += n
        report.requests += 1
        report.bytes += len(body)
    if first and replace and fmt == "turtle":       # an empty graph still replaces the old one
        _send(opener, url, "PUT", b"", _FORMATS[fmt], timeout)
        report.requests += 1
    report.seconds = time.perf_counter() - started
    return report


def _send(opener, url: str, method: str, body: bytes, content_type: str, timeout: float) -> None:
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with opener.open(req, timeout=timeout) as resp:
            resp.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace").strip()
        hint = {401: "check --user and --password (Virtuoso: the dba account, on /sparql-graph-crud-auth)",
                403: "the account may not write graphs (Virtuoso: grant SPARQL_UPDATE, or use "
                     "/sparql-graph-crud-auth with a user that may)",
                404: "check the endpoint path (Virtuoso: /sparql-graph-crud-auth; Fuseki: /DATASET/data; "
                     "Oxigraph server: /store)",
                415: "the store does not take this format: try --format turtle"}.get(exc.code, "")
        raise PushError(f"{method} {url}: HTTP {exc.code} {exc.reason}"
                        + (f": {detail}" if detail else "") + (f"; {hint}" if hint else "")) from None
    except urllib.error.URLError as exc:
        raise PushError(f"{method} {url}: cannot reach the store ({exc.reason}); is it running, "
                        "and is the endpoint URL right?") from None
    except OSError as exc:
        raise PushError(f"{method} {url}: {exc}") from None
