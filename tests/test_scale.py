"""Past one machine: the Dask engine writes N-Quads shards that load into the same graph,
and kg push loads a graph into a real SPARQL store (Virtuoso, started here on loopback)."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib.compare import isomorphic

from rdflib import RDFS, XSD

from kg.cli import cli
from kg.namespace import KG
from kg.graph import load_graph
from kg.pipeline import build

ARTICLES = {
    "premier.txt": "国务院总理李强主持召开国务院常务会议。",
    "miit.txt": "工业和信息化部部长金壮龙出席世界智能产业博览会。世界智能产业博览会在天津举办。",
    "expo.jsonl": '{"text": "中国国际进口博览会在上海举办。", "title": "进博会"}\n'
                  '{"text": "商务部部长王文涛会见外国客人。"}\n',
}


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_dask_engine_writes_shards_and_builds_the_same_graph(tmp_path, corpus, pipeline, monkeypatch):
    pytest.importorskip("dask.distributed")
    # an edit to kg/ while the suite runs must not make the second build a full one
    monkeypatch.setattr("kg.pipeline.fingerprint", lambda settings: "pinned for the test")
    local = build([corpus], tmp_path / "local", html=False, pipeline=pipeline)
    report = build([corpus], tmp_path / "dask", html=False, pipeline=pipeline, engine="dask", jobs=1)
    assert report.changes() == "4 new, 0 changed, 0 unchanged, 0 removed" == local.changes()
    shards = sorted((tmp_path / "dask" / "shards").glob("part-*.nq"))
    assert shards
    # the shards alone are the dataset: any store bulk-loads them
    store = ox.Store()
    for shard in shards:
        store.bulk_load(path=str(shard), format=ox.RdfFormat.N_QUADS)
    assert len({q.graph_name for q in store}) == 4
    assert isomorphic(load_graph(tmp_path / "dask" / "graph.ttl"), load_graph(tmp_path / "local" / "graph.ttl"))
    again = build([corpus], tmp_path / "dask", html=False, pipeline=pipeline, engine="dask", jobs=1)
    assert again.changes() == "0 new, 0 changed, 4 unchanged, 0 removed", again.rebuilt


def _triples(path) -> set:
    return {str(q.triple) for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)}


def test_graph_ttl_from_the_workers_is_the_union_of_the_store(tmp_path, pipeline):
    """A build that extracts every article writes graph.ttl from what the workers return
    (kg.pipeline._Union), not from the store: it must be the store's union all the same
    (mentionCount summed over documents, the first document's rdfs:label), with one job
    or two, and so must the page drawn from it."""
    from kg.pipeline import SAMPLE_DIR
    from kg.store import GraphStore

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for p in SAMPLE_DIR.iterdir():
        shutil.copy(p, corpus / p.name)
    # one entity in several documents, with different counts
    for i in range(3):
        (corpus / f"extra{i}.txt").write_text("国务院总理李强在江苏苏州调研。李强强调，" * (i + 1), encoding="utf-8")
    reports = {}
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        reports[jobs] = build([corpus], out, pipeline=pipeline, jobs=jobs)
        store = GraphStore(out / "store", read_only=True)
        union = {str(t) for t in store.union_triples()}
        assert reports[jobs].entities == store.entity_count()
        assert reports[jobs].relations == store.statement_count()
        # the case that needs merging: one entity counted in several document graphs
        li = next(q.subject for q in store.store.quads_for_pattern(None, ox.NamedNode(str(RDFS.label)),
                                                                    ox.Literal("李强"), None))
        counts = [int(q.object.value) for q in store.store.quads_for_pattern(li, ox.NamedNode(str(KG.mentionCount)),
                                                                               None, None)
                  if isinstance(q.graph_name, ox.NamedNode)]      # the document graphs
        del store
        assert len(counts) >= 4
        assert f'{li} <{KG.mentionCount}> "{sum(counts)}"^^<{XSD.integer}>' in union
        assert _triples(out / "graph.ttl") == union
    assert (tmp_path / "j1" / "graph.html").read_bytes() == (tmp_path / "j2" / "graph.html").read_bytes()
    assert (tmp_path / "j1" / "graph.ttl").read_bytes() == (tmp_path / "j2" / "graph.ttl").read_bytes()


def test_page_past_the_live_collectors_limit_is_the_same_page(tmp_path, pipeline, monkeypatch):
    """Above VizCollector's max_nodes the builder stops gathering the page while articles
    come in and gathers it from graph.ttl (with the store) afterwards: with the limit at
    one entity, that path must draw the page the live path draws."""
    import kg.pipeline as kp

    build(None, tmp_path / "live", pipeline=pipeline)
    monkeypatch.setattr(kp, "_VIZ_MAX_NODES", 1)
    gave_up = []
    add = kp._LiveViz.add

    def spy(self, turtle):
        add(self, turtle)
        gave_up.append(self.viz is None)
    monkeypatch.setattr(kp._LiveViz, "add", spy)
    build(None, tmp_path / "after", pipeline=pipeline, jobs=2)
    assert gave_up and gave_up[-1]
    assert (tmp_path / "live" / "graph.html").read_bytes() == (tmp_path / "after" / "graph.html").read_bytes()


# ---------------------------------------------------------------------------- Virtuoso

VIRTUOSO = shutil.which("virtuoso-t")
INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sparql(base: str, query: str):
    url = f"{base}/sparql?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["results"]["bindings"]


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    if VIRTUOSO is None:
        pytest.skip("virtuoso-t is not installed (Debian package virtuoso-opensource; .ci/run installs it)")
    d = tmp_path_factory.mktemp("virtuoso")
    http, sql = _free_port(), _free_port()
    (d / "virtuoso.ini").write_text(INI.format(d=d, http=http, sql=sql), encoding="utf-8")
    proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(d / "virtuoso.ini")],
                            cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _sparql(base, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (d / "virtuoso.log").read_text(errors="replace")[-2000:] if (d / "virtuoso.log").exists() else ""
                    pytest.fail(f"Virtuoso did not start on port {http}: {log}")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_push_loads_the_graph_into_virtuoso(tmp_path, corpus, pipeline, virtuoso):
    out = tmp_path / "out"
    build([corpus], out, html=False, pipeline=pipeline)
    triples = len(load_graph(out / "graph.ttl"))
    iri = "https://w3id.org/policykg/resource/graph/test"
    endpoint = f"{virtuoso}/sparql-graph-crud-auth"
    args = ["push", str(out), "--endpoint", endpoint, "--graph", iri, "--user", "dba", "--password", "dba",
            "--batch", "50"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"{triples:,} triples in" in result.stdout

    count = _sparql(virtuoso, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    assert int(count[0]["n"]["value"]) == triples
    names = _sparql(virtuoso, f"""SELECT ?n WHERE {{ GRAPH <{iri}> {{
        ?p a <https://w3id.org/policykg/ontology#Person> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?n }} }}""")
    assert {"李强", "金壮龙", "王文涛"} <= {b["n"]["value"] for b in names}

    # a second push replaces the graph (PUT first), it does not add to it
    again = CliRunner().invoke(cli, args[:-2] + ["--batch", "100000"])
    assert again.exit_code == 0, again.output
    count = _sparql(virtuoso, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    assert int(count[0]["n"]["value"]) == triples


def test_push_says_how_to_fix_a_refusal(tmp_path, corpus, pipeline, virtuoso):
    out = tmp_path / "out"
    build([corpus], out, html=False, pipeline=pipeline)
    bad = CliRunner().invoke(cli, ["push", str(out), "--endpoint", f"{virtuoso}/sparql-graph-crud-auth",
                                   "--user", "dba", "--password", "wrong"])
    assert bad.exit_code == 1
    assert "HTTP 401" in bad.output and "--password" in bad.output
    nowhere = CliRunner().invoke(cli, ["push", str(out), "--endpoint", f"http://127.0.0.1:{_free_port()}/gsp"])
    assert nowhere.exit_code == 1 and "cannot reach the store" in nowhere.output


def test_push_nquads_posts_every_document_graph(tmp_path, corpus, pipeline):
    """--format nquads sends the store's named graphs to a dataset endpoint (Oxigraph
    server's /store, Fuseki's /DATASET/data): checked with a recording HTTP server."""
    import http.server
    import threading

    got = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append((self.command, self.path, self.headers["Content-Type"],
                        self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = tmp_path / "out"
        build([corpus], out, html=False, pipeline=pipeline)
        url = f"http://127.0.0.1:{server.server_port}/store"
        result = CliRunner().invoke(cli, ["push", str(out), "--endpoint", url, "--format", "nquads", "--batch", "40"])
        assert result.exit_code == 0, result.output
    finally:
        server.shutdown()
    assert len(got) > 1 and {(m, p, t) for m, p, t, _ in got} == {("POST", "/store", "application/n-quads")}
    quads = [q for *_, body in got for q in ox.parse(body, format=ox.RdfFormat.N_QUADS)]
    stored = list(ox.Store.read_only(str(out / "store")))
    per_document = [q for q in stored if not isinstance(q.graph_name, ox.DefaultGraph)]
    # the documents' graphs, not the store's local copy of their union in its default graph
    assert len(per_document) < len(stored)
    assert sorted(map(str, quads)) == sorted(map(str, per_document))
