"""kg serve: the SPARQL 1.1 Protocol endpoint on a built sample graph, on an ephemeral loopback port."""
from __future__ import annotations

import csv
import http.client
import io
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import cli
from kg.export import export
from kg.serve import QueryRefused, check_query, make_server, negotiate, RESULT_TYPES

PERSONS = "SELECT ?name WHERE { ?p a kg:Person ; skos:prefLabel ?name } ORDER BY ?name"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
SPARQL_NS = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("serve") / "output"
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def _start(folder, **options):
    server = make_server(folder, port=0, quiet=True, **options)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def server(built):
    srv = _start(built, timeout=20.0, max_rows=50)   # generous: other tests may load the machine
    yield srv
    srv.shutdown()
    srv.server_close()


def request(server, path, *, data=None, headers=None, method=None):
    """(status, headers, body bytes) of one request; HTTP errors are answers too."""
    req = urllib.request.Request(server.url + path, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get(server, query, accept=None, **params):
    qs = urllib.parse.urlencode({"query": query, **params})
    return request(server, f"/sparql?{qs}", headers={"Accept": accept} if accept else {})


def _names_json(body):
    data = json.loads(body)
    assert data["head"]["vars"] == ["name"]
    return [b["name"]["value"] for b in data["results"]["bindings"]]


def test_binds_loopback_by_default(server):
    assert server.server_address[0] == "127.0.0.1" and server.loopback_only


def test_get_in_each_format(server):
    status, headers, body = get(server, PERSONS)
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    names = _names_json(body)
    assert "李强" in names and "Li Qiang" in names

    status, headers, body = get(server, PERSONS, "application/sparql-results+xml")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    literals = [e.text for e in ET.fromstring(body).iter(f"{SPARQL_NS}literal")]
    assert literals == names

    status, headers, body = get(server, PERSONS, "text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["name"] and [r[0] for r in rows[1:]] == names

    status, headers, body = get(server, PERSONS, "text/tab-separated-values")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    parsed = ox.parse_query_results(body, ox.QueryResultsFormat.TSV)
    assert [s["name"].value for s in parsed] == names
    assert '"李强"@zh' in body.decode("utf-8")

    status, _, body = get(server, PERSONS, format="csv")           # format= overrides Accept
    assert status == 200 and body.decode("utf-8").startswith("name")


def test_post_form_and_sparql_query(server):
    form = urllib.parse.urlencode({"query": PERSONS}).encode()
    status, _, body = request(server, "/sparql", data=form,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and "李强" in _names_json(body)
    status, headers, body = request(server, "/sparql", data=PERSONS.encode("utf-8"),
                                    headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and "李强" in body.decode()


def test_ask_and_construct(server):
    status, _, body = get(server, "ASK { ?p a kg:Person }")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, headers, body = get(server, "CONSTRUCT WHERE { ?p a kg:Person ; skos:prefLabel ?n }")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=body.decode("utf-8"), format="turtle")
    assert len(g) > 4


def test_negotiation():
    assert negotiate(None, RESULT_TYPES) == "application/sparql-results+json"
    assert negotiate("text/*;q=0.9, text/csv;q=0.1", RESULT_TYPES) == "text/tab-separated-values"
    assert negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                     RESULT_TYPES) == "application/xml"


def test_unacceptable_type_is_406(server):
    status, _, body = get(server, PERSONS, "image/png")
    assert status == 406 and b"text/csv" in body


@pytest.mark.parametrize("how", ["get-update", "post-update", "post-form-update", "text"])
def test_update_is_refused(server, how):
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    if how == "get-update":
        status, _, body = request(server, "/sparql?" + urllib.parse.urlencode({"update": update}))
    elif how == "post-update":
        status, _, body = request(server, "/sparql", data=update.encode(),
                                  headers={"Content-Type": "application/sparql-update"})
    elif how == "post-form-update":
        status, _, body = request(server, "/sparql", data=urllib.parse.urlencode({"update": update}).encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    else:
        status, _, body = get(server, update)
    assert status == 403 and b"read-only" in body
    assert get(server, "ASK { <http://example.org/a> ?p ?o }")[2].find(b"false") > 0


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://example.org/sparql> { ?s ?q ?r } } } LIMIT 1",
    "ASK { FILTER EXISTS { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { service <http://example.org/sparql> { ?s ?p ?o } } } }",
])
def test_service_is_refused(server, query):
    status, _, body = get(server, query)
    assert status == 400 and b"SERVICE" in body


def test_service_is_found_by_parsing_not_by_substring():
    check_query('SELECT ?service WHERE { ?service rdfs:label "SERVICE <http://x> { }" } # SERVICE')
    with pytest.raises(QueryRefused) as err:
        check_query("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")
    assert err.value.status == 400


def test_a_slow_query_times_out(built):
    srv = _start(built, timeout=1.0)
    try:
        started = time.monotonic()
        status, headers, body = get(srv, SLOW)
        assert status == 503 and b"1 s timeout" in body
        assert time.monotonic() - started < 10
        assert not srv.children                                # the query's process is gone
    finally:
        srv.shutdown()
        srv.server_close()


def test_results_are_cut_at_max_rows(server):
    status, headers, body = get(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200 and headers["KG-Result-Truncated"] == "50"
    assert len(json.loads(body)["results"]["bindings"]) == 50
    status, headers, _ = get(server, PERSONS)
    assert headers.get("KG-Result-Truncated") is None


def test_syntax_error_says_where(server):
    status, _, body = get(server, "SELECT ?x WHERE { ?x ?y }")
    assert status == 400 and b"syntax error" in body and b"^" in body


def test_graph_html_is_served(server, built):
    for path in ("/", "/graph.html"):
        status, headers, body = request(server, path)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert body == (built / "graph.html").read_bytes()


def test_queries_page_lists_the_named_queries(server):
    from kg.query import named_queries

    status, headers, body = request(server, "/queries")
    page = body.decode("utf-8")
    assert status == 200 and "Content-Security-Policy" in headers
    assert "<textarea" in page and "http" not in page.split("<script>")[1].replace("http-equiv", "")
    for name, nq in named_queries().items():
        assert f"/named/{name}" in page
    assert "SELECT ?name WHERE {" in page and "&lt;" not in page.split("<textarea")[1][:10]


def test_named_query_route(server):
    status, _, body = request(server, "/named/posts", headers={"Accept": "text/csv"})
    assert status == 200 and body.decode().startswith("person,organization")
    status, _, body = request(server, "/named/about?" + urllib.parse.urlencode({"label": "李强"}))
    assert status == 200 and json.loads(body)["results"]["bindings"]
    assert request(server, "/named/about")[0] == 400            # the parameter is missing
    assert request(server, "/named/nothing")[0] == 404


def test_writes_and_foreign_hosts_are_refused(server):
    assert request(server, "/sparql", data=b"x", method="PUT")[0] == 405
    assert request(server, "/sparql", data=b"x", method="DELETE")[0] == 405
    assert request(server, "/sparql", data=b"query=x", headers={"Content-Type": "text/plain"})[0] == 415
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/queries", headers={"Host": "attacker.example"})
    assert conn.getresponse().status == 403
    conn.close()


def test_thread_isolation_gives_up_too(built):
    # A query that streams rows: the abandoned thread stops at the next row after the timeout.
    srv = _start(built, timeout=1.0, isolation="thread", max_rows=10**12)
    try:
        status, _, _ = get(srv, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", "text/csv")
        assert status == 503
        assert get(srv, "ASK { ?s ?p ?o }")[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()


def test_the_store_serves_the_same_answers(server, built, tmp_path):
    folder = tmp_path / "with_store"
    folder.mkdir()
    nq = export(built, "nq", tmp_path / "g.nq")[0]
    store = ox.Store(str(folder / "store"))
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    srv = _start(folder, timeout=20.0)
    ttl = _start(built / "graph.ttl", timeout=20.0)
    try:
        assert srv.source.kind == "store"
        assert server.source.kind == "store" and not server.source.union   # a build's: its default graph
        assert ttl.source.kind == "file"
        query = "SELECT ?p ?n WHERE { ?p a kg:Person ; rdfs:label ?n } ORDER BY ?p"
        on_store = get(srv, query, "text/csv")
        on_ttl = get(ttl, query, "text/csv")
        assert on_store[0] == 200 and on_store[2] == on_ttl[2] and "李强" in on_store[2].decode()
        assert get(server, query, "text/csv")[2] == on_ttl[2]
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"    # each triple once, as in graph.ttl
        assert get(server, count, "text/csv")[2] == get(ttl, count, "text/csv")[2]
    finally:
        for s in (srv, ttl):
            s.shutdown()
            s.server_close()


@pytest.mark.browser
def test_queries_page_runs_queries_in_a_browser(server):
    """The /queries page in headless Chromium: the box runs a query, a named query's form runs, text stays text."""
    from pathlib import Path

    chromium = "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip(f"{chromium} is missing: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            errors, dialogs, requests = [], [], []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(server.url + "/queries")
            page.fill("#own-query", 'SELECT ?name ?x WHERE { ?p a kg:Person ; skos:prefLabel ?name '
                                    'BIND("<img src=x onerror=alert(1)>" AS ?x) } ORDER BY ?name')
            page.click("#out-own >> xpath=preceding-sibling::form[1]//button[@type='submit']")
            page.wait_for_selector("#out-own table")
            cells = page.eval_on_selector_all("#out-own td", "tds => tds.map(td => td.textContent)")
            assert "李强 @zh" in cells and "<img src=x onerror=alert(1)>" in cells
            assert page.eval_on_selector_all("#out-own img", "imgs => imgs.length") == 0
            form = page.locator("form[action='/named/posts']")
            form.locator("button[type=submit]").click()
            section = form.locator("xpath=..")
            section.locator("table").wait_for()
            assert "金壮龙" in section.locator("table").inner_text()
            assert errors == [] and dialogs == []
            assert all(u.startswith(server.url) for u in requests)
        finally:
            browser.close()
