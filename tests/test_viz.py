"""kg.viz: one self-contained HTML page per graph, safe with hostile labels, usable at 5,000 nodes.

The browser tests need Debian's chromium (`apt-get install -y chromium`) and, for Chinese
labels to render as glyphs in screenshots, `fonts-noto-cjk`. They are skipped, with the
reason, where /usr/bin/chromium is missing. Set KG_SCREENSHOT_DIR to keep the screenshots.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, BNode, Literal
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.namespace import KG, KGR
from kg.records import ALL_TYPES, PREDICATES
from kg.viz import FocusNotFoundError, _force_layout, _json_for_script, graph_to_html

HOSTILE = "<script>alert(1)</script>"
QUOTED = 'say "hi" \\ back\\slash\nnew line \u2028 </script><!-- 《条例》'
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# ---------------------------------------------------------------------------------------
# Graphs


class _Builder:
    def __init__(self):
        self.g = rdflib.Graph()
        self.g.bind("kg", KG)

    def entity(self, key, type_, zh=None, en=None, aliases=()):
        e = KGR[key]
        self.g.add((e, RDF.type, KG[type_]))
        if zh:
            self.g.add((e, SKOS.prefLabel, Literal(zh, lang="zh")))
            self.g.add((e, RDFS.label, Literal(zh, lang="zh")))
        if en:
            self.g.add((e, SKOS.prefLabel, Literal(en, lang="en")))
            self.g.add((e, RDFS.label, Literal(en, lang="en")))
        for a in aliases:
            self.g.add((e, SKOS.altLabel, Literal(a)))
        return e

    def document(self, file_name, *mentions):
        d = KGR["doc/" + file_name]
        self.g.add((d, RDF.type, KG.Document))
        self.g.add((d, KG.fileName, Literal(file_name)))
        self.g.add((d, DCTERMS.title, Literal("标题")))
        for e in mentions:
            self.g.add((d, KG.mentions, e))
        return d

    def relation(self, s, p, o, doc=None, evidence=None, confidence=0.8, plain=True, title=None):
        if plain:
            self.g.add((s, KG[p], o))
        if doc is None:
            return
        st = BNode()
        for pred, obj in ((RDF.type, KG.Statement), (RDF.subject, s), (RDF.predicate, KG[p]),
                          (RDF.object, o), (PROV.wasDerivedFrom, doc), (KG.evidence, Literal(evidence)),
                          (KG.confidence, Literal(confidence, datatype=rdflib.namespace.XSD.decimal)),
                          (KG.extractor, Literal("verb_frame"))):
            self.g.add((st, pred, obj))
        if title:
            self.g.add((st, KG.positionTitle, Literal(title, lang="zh")))


@pytest.fixture()
def small():
    b = _Builder()
    li = b.entity("person/li-qiang", "Person", "李强", "Li Qiang", ["李总理", "Premier Li"])
    gwy = b.entity("org/state-council", "Organization", "国务院", "State Council")
    sz = b.entity("place/suzhou", "Place", "苏州市", "Suzhou", ["苏州"])
    js = b.entity("place/jiangsu", "Place", "江苏省", "Jiangsu")
    nj = b.entity("place/nanjing", "Place", en="Nanjing")               # English only
    bad = b.entity("concept/bad", "Concept", HOSTILE, aliases=["<img src=x onerror=alert(3)>"])
    law = b.entity("policy/law", "Policy", QUOTED)
    prog = b.entity("program/zjtx", "Program", "专精特新")
    b.entity("event/lonely", "Event", "世界先进制造业大会")              # no relations at all
    b.g.add((BNode(), RDF.type, KG.Statement))                           # a broken statement: ignored
    d1 = b.document("000_a.txt", li, gwy, sz, js, bad, law, prog)
    d2 = b.document("001_b.txt", li, gwy)
    b.relation(li, "holdsPosition", gwy, d1, "国务院总理李强在江苏苏州调研。", 0.95, title="总理")
    b.relation(li, "holdsPosition", gwy, d2, "Chinese Premier Li Qiang said ...", 0.9, title="Premier")
    b.relation(li, "visited", sz, d1, "李强来到苏州汇川技术有限公司。" + HOSTILE, 0.8)
    b.relation(sz, "locatedIn", js, d1, "苏州 is in 江苏 \"quoted\" \\ </script>", 0.7)
    b.relation(gwy, "issued", law, d1, "国务院印发条例。", 0.6)
    b.relation(bad, "promotes", prog, d1, "x", 0.5)
    b.relation(li, "promotes", prog, d1, "促进专精特新企业蓬勃发展。", 0.75, plain=False)  # statement only
    b.relation(nj, "locatedIn", js)                                       # plain triple, no statement
    b.relation(js, "locatedIn", KGR["place/unknown"])                     # object is no entity: ignored
    b.relation(law, "promotes", prog, d1, "NaN confidence", float("nan"))
    return b.g


def _data(path: Path) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>',
                  path.read_text(encoding="utf-8"), re.S)
    assert m, "the page embeds its data as JSON"
    return json.loads(m.group(1))


def _node(data, name):
    return next(n for n in data["nodes"] if n["n"] == name)


# ---------------------------------------------------------------------------------------
# Static checks


def test_page_is_self_contained(small, tmp_path):
    out = graph_to_html(small, tmp_path / "g.html")
    assert out == tmp_path / "g.html"
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert "vis.Network" in page or "Network" in page
    assert len(re.findall(r"</script", page, re.I)) == 3          # vis, data, app: nothing closes early


def test_hostile_labels_are_escaped(small, tmp_path):
    out = graph_to_html(small, tmp_path / "g.html", title='<b>"policy" & kg</b>')
    page = out.read_text(encoding="utf-8")
    assert HOSTILE not in page
    assert "<img src=x" not in page
    assert "\u2028" not in page and "\u2029" not in page
    # Every occurrence of the payload is inside JSON, with its angle brackets escaped.
    for m in re.finditer(re.escape("alert(1)"), page):
        assert page[m.start() - 20:m.start()].endswith("\\u003cscript\\u003e")
    assert "<title>&lt;b&gt;&quot;policy&quot; &amp; kg&lt;/b&gt;</title>" in page
    data = _data(out)
    assert _node(data, HOSTILE)["t"] == "Concept"                  # the data keeps the text as is
    assert _node(data, QUOTED)["t"] == "Policy"


def test_json_for_script_round_trips():
    value = {"a": HOSTILE, "b": QUOTED, "c": "\u2029 & <!-- -->"}
    text = _json_for_script(value)
    assert "</" not in text and "<!--" not in text and "<" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == value


def test_nodes_edges_and_evidence(small, tmp_path):
    data = _data(graph_to_html(small, tmp_path / "g.html"))
    assert len(data["nodes"]) == 9
    li = _node(data, "李强")
    assert li["en"] == "Li Qiang" and li["t"] == "Person"
    assert set(li["a"]) >= {"李总理", "Premier Li"}
    assert data["base"] + li["r"] == str(KGR["person/li-qiang"])
    assert [data["strings"][i] for i in li["docs"]] == ["000_a.txt", "001_b.txt"]
    assert len(li["ev"]) == 4 and li["d"] == 3
    nanjing = _node(data, "Nanjing")
    assert "en" not in nanjing                                     # not repeated on a second line
    edges = {(data["nodes"][e["s"]]["n"], e["p"], data["nodes"][e["o"]]["n"]): e for e in data["edges"]}
    assert set(edges) == {
        ("李强", "holdsPosition", "国务院"), ("李强", "visited", "苏州市"), ("苏州市", "locatedIn", "江苏省"),
        ("国务院", "issued", QUOTED), (HOSTILE, "promotes", "专精特新"), ("李强", "promotes", "专精特新"),
        ("Nanjing", "locatedIn", "江苏省"), (QUOTED, "promotes", "专精特新")}
    post = edges[("李强", "holdsPosition", "国务院")]
    assert post["n"] == 2 and post["c"] == 0.95                  # two statements, one edge
    assert [data["strings"][row[1]] for row in post["ev"]] == ["000_a.txt", "001_b.txt"]
    assert {row[4] for row in post["ev"]} == {"总理", "Premier"}
    assert edges[("Nanjing", "locatedIn", "江苏省")]["n"] == 0
    nan = edges[(QUOTED, "promotes", "专精特新")]
    assert "c" not in nan and nan["ev"] == [[data["strings"].index("NaN confidence"),
                                             data["strings"].index("000_a.txt"), None, "verb_frame"]]
    assert {t["name"]: t["count"] for t in data["types"]}["Place"] == 3
    assert [r["name"] for r in data["relations"]] == list(PREDICATES)
    assert data["physics"] is True and data["notes"] == []


@pytest.mark.parametrize("label", ["李强", "Li Qiang", "李总理", " li  qiang "])
def test_focus_keeps_the_neighbourhood(small, tmp_path, label):
    data = _data(graph_to_html(small, tmp_path / "ego.html", focus=label, depth=1))
    assert {n["n"] for n in data["nodes"]} == {"李强", "国务院", "苏州市", "专精特新"}
    assert [n["n"] for n in data["nodes"] if n.get("f")] == ["李强"]
    assert "within 1 hop of 李强" in data["notes"][0]


def test_focus_depth(small, tmp_path):
    two = _data(graph_to_html(small, tmp_path / "a.html", focus="李强"))
    assert {n["n"] for n in two["nodes"]} == {"李强", "国务院", "苏州市", "专精特新", "江苏省", QUOTED, HOSTILE}
    assert len(two["edges"]) == 7                    # Nanjing is 3 hops away
    zero = _data(graph_to_html(small, tmp_path / "b.html", focus="李强", depth=0))
    assert [n["n"] for n in zero["nodes"]] == ["李强"] and zero["edges"] == []


def test_unknown_focus_suggests_close_labels(small, tmp_path):
    with pytest.raises(ValueError, match=r"no entity labelled '李强强'.*close matches: .*李强"):
        graph_to_html(small, tmp_path / "x.html", focus="李强强")
    with pytest.raises(FocusNotFoundError, match="Suzhou"):
        graph_to_html(small, tmp_path / "x.html", focus="Suzhuo")
    assert not (tmp_path / "x.html").exists()


def test_max_nodes_keeps_the_best_connected(small, tmp_path):
    data = _data(graph_to_html(small, tmp_path / "g.html", max_nodes=3))
    # the two with degree 3, then the first of five with degree 2 (ties broken by name)
    assert {n["n"] for n in data["nodes"]} == {"李强", "专精特新", QUOTED}
    assert data["notes"] == ["Showing the 3 best-connected of 9 entities (max_nodes=3); the rest are left out."]
    assert data["total"] == 9


def test_bad_arguments(small, tmp_path):
    with pytest.raises(ValueError, match="depth"):
        graph_to_html(small, tmp_path / "g.html", depth=-1)
    with pytest.raises(ValueError, match="max_nodes"):
        graph_to_html(small, tmp_path / "g.html", max_nodes=0)


def test_empty_graph(tmp_path):
    data = _data(graph_to_html(rdflib.Graph(), tmp_path / "empty.html"))
    assert data["nodes"] == [] and data["edges"] == [] and data["total"] == 0


def test_write_is_atomic_and_replaces(small, tmp_path):
    target = tmp_path / "sub" / "g.html"
    graph_to_html(rdflib.Graph(), target)
    first = target.read_text(encoding="utf-8")
    graph_to_html(small, target)
    assert target.read_text(encoding="utf-8") != first
    assert [p.name for p in target.parent.iterdir()] == ["g.html"]   # no temp file left behind


def test_layout_is_deterministic_and_finite():
    pairs = [(i % 300, (i * 7 + 1) % 300) for i in range(600)]
    a = _force_layout(300, pairs, seed=0, iterations=20)
    assert a == _force_layout(300, pairs, seed=0, iterations=20)
    assert len(a) == 300 and all(abs(x) < 1e6 and abs(y) < 1e6 for x, y in a)
    assert _force_layout(0, []) == [] and _force_layout(1, []) == [(0.0, 0.0)]


# ---------------------------------------------------------------------------------------
# A large graph: 5,000 entities, 10,000 relations with evidence


def _large_graph(n_nodes=5000, n_edges=10000, seed=0) -> rdflib.Graph:
    rng = random.Random(seed)
    b = _Builder()
    ents = [b.entity(f"e{i}", ALL_TYPES[i % len(ALL_TYPES)], f"实体{i}号", f"Entity {i}") for i in range(n_nodes)]
    docs = [b.document(f"{j:03d}_doc.txt") for j in range(100)]
    seen = set()
    while len(seen) < n_edges:
        # a few hubs, like 中国 and 国务院 in real news, and a long tail
        s = min(int(rng.paretovariate(1.2)), n_nodes) - 1 if rng.random() < 0.3 else rng.randrange(n_nodes)
        o = rng.randrange(n_nodes)
        p = PREDICATES[len(seen) % len(PREDICATES)]
        if s == o or (s, p, o) in seen:
            continue
        seen.add((s, p, o))
        d = docs[len(seen) % len(docs)]
        b.g.add((d, KG.mentions, ents[s]))
        b.g.add((d, KG.mentions, ents[o]))
        b.relation(ents[s], p, ents[o], d, f"第{len(seen)}句：实体{s}号与实体{o}号之间的关系由这句话说明。",
                   round(0.5 + rng.random() / 2, 2))
    return b.g


@pytest.fixture(scope="module")
def large_page(tmp_path_factory):
    g = _large_graph()
    path = tmp_path_factory.mktemp("large") / "large.html"
    t0 = time.perf_counter()
    graph_to_html(g, path)
    return path, time.perf_counter() - t0


def test_large_graph_is_written(large_page, capsys):
    path, seconds = large_page
    data = _data(path)
    assert len(data["nodes"]) == 5000 and len(data["edges"]) == 10000
    assert data["physics"] is False and all("x" in n and "y" in n for n in data["nodes"])
    with capsys.disabled():
        print(f"\n[viz] 5,000 nodes / 10,000 edges: {path.stat().st_size / 1e6:.2f} MB HTML, "
              f"written in {seconds:.1f} s")


# ---------------------------------------------------------------------------------------
# In a real browser, with no network


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (and fonts-noto-cjk for CJK glyphs)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class _Page:
    """A page that records every request, page error and dialog."""

    def __init__(self, browser, path: Path):
        self.path = path
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.requests, self.errors, self.dialogs, self.console_errors = [], [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        # A request the page's Content-Security-Policy blocks fires no "request" event, but
        # it does log a console error: both must stay empty.
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def open(self, timeout_ms=60_000) -> float:
        t0 = time.perf_counter()
        self.page.goto(self.path.as_uri())
        self.page.wait_for_function("window.kg && window.kg.ready === true", timeout=timeout_ms)
        return time.perf_counter() - t0

    def js(self, expr):
        return self.page.evaluate(expr)

    def screenshot(self, tmp_path: Path, name: str) -> Path:
        shot = tmp_path / name
        self.page.screenshot(path=str(shot))
        keep = os.environ.get("KG_SCREENSHOT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / name)
        return shot

    def assert_clean(self):
        assert self.requests == [self.path.as_uri()], "the page must make no request but itself"
        assert self.errors == []
        assert self.console_errors == []
        assert self.dialogs == [], "a label was executed as script"


@pytest.mark.browser
def test_page_in_browser(browser, small, tmp_path):
    page = _Page(browser, graph_to_html(small, tmp_path / "g.html"))
    page.open()
    assert page.js("kg.network.body.data.nodes.length") == 9
    assert page.js("kg.network.body.data.edges.length") == 8
    li = page.js("kg.data.nodes.find(n => n.n === '李强').id")
    assert page.js(f"kg.nodes.get({li}).label") == "李强\nLi Qiang"
    assert page.js("kg.nodes.get(kg.data.nodes.find(n => n.n === 'Nanjing').id).label") == "Nanjing"
    assert page.js("kg.network.physics.options.enabled") is False     # switched off once settled

    # Search: by alias, then by English name; the node is selected and its details shown.
    page.page.fill("#kg-search", "苏州")
    page.page.wait_for_function("kg.network.getSelectedNodes().length === 1")
    assert page.js("kg.network.getSelectedNodes()") == [page.js("kg.data.nodes.find(n => n.n === '苏州市').id")]
    page.page.fill("#kg-search", "li qiang")
    page.page.wait_for_function(f"kg.network.getSelectedNodes()[0] === {li}")
    assert "李总理" in page.page.inner_text("#kg-details")
    page.page.wait_for_timeout(500)                                  # let the zoom animation end

    # Hover tooltip: the hostile label shows as text and does not run.
    bad = page.js(f"kg.data.nodes.find(n => n.n === {json.dumps(HOSTILE)}).id")
    pos = page.js(f"kg.network.canvasToDOM(kg.network.getPositions([{bad}])[{bad}])")
    box = page.page.locator("#kg-network").bounding_box()
    page.page.mouse.move(box["x"] + pos["x"] - 6, box["y"] + pos["y"] - 6)
    page.page.mouse.move(box["x"] + pos["x"], box["y"] + pos["y"], steps=3)
    page.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=5000)
    tip = page.page.inner_text("div.vis-tooltip")
    assert HOSTILE in tip and "Concept" in tip
    assert page.js("document.querySelectorAll('#kg-network script, #kg-panel script, #kg-network img').length") == 0
    page.page.mouse.move(box["x"] + 8, box["y"] + box["height"] - 8, steps=3)   # empty canvas: tooltip hides

    # Type filter: unchecking Place hides every Place and their relations.
    suzhou = page.js("kg.data.nodes.find(n => n.n === '苏州市').id")
    before = page.js(f"kg.network.getPositions([{suzhou}])[{suzhou}]")
    page.page.uncheck("#kg-type-Place")
    page.page.wait_for_function("kg.network.body.data.nodes.length === 6")
    assert page.js("kg.network.body.data.nodes.get().filter(n => n.group === 'Place').length") == 0
    assert page.js("kg.network.body.data.edges.length") == 5
    page.page.check("#kg-type-Place")
    page.page.wait_for_function("kg.network.body.data.nodes.length === 9")
    assert page.js(f"kg.network.getPositions([{suzhou}])[{suzhou}]") == before   # back where it was
    # Relation filter.
    page.page.uncheck("#kg-relation-holdsPosition")
    page.page.wait_for_function("kg.network.body.data.edges.length === 7")
    page.page.check("#kg-relation-holdsPosition")

    page.page.fill("#kg-search", "李强")
    page.page.wait_for_timeout(400)                                  # let the zoom animation end
    shot = page.screenshot(tmp_path, "viz_small.png")
    assert shot.stat().st_size > 10_000
    page.assert_clean()


@pytest.mark.browser
def test_ego_and_empty_pages_in_browser(browser, small, tmp_path):
    page = _Page(browser, graph_to_html(small, tmp_path / "ego.html", focus="Li Qiang", depth=1))
    page.open()
    assert page.js("kg.network.body.data.nodes.length") == 4
    assert page.js("kg.network.getSelectedNodes()") == [page.js("kg.data.nodes.find(n => n.n === '李强').id")]
    assert "within 1 hop" in page.page.inner_text("#kg-notes")
    page.screenshot(tmp_path, "viz_ego.png")
    page.assert_clean()

    empty = _Page(browser, graph_to_html(rdflib.Graph(), tmp_path / "empty.html"))
    empty.open()
    assert empty.js("kg.network.body.data.nodes.length") == 0
    assert "no entities" in empty.page.inner_text("#kg-notes")
    empty.assert_clean()


@pytest.mark.browser
def test_large_page_in_browser(browser, large_page, tmp_path, capsys):
    path, _ = large_page
    page = _Page(browser, path)
    seconds = page.open(timeout_ms=180_000)
    ready_ms = page.js("kg.readyMs")
    assert page.js("kg.network.body.data.nodes.length") == 5000
    assert page.js("kg.network.body.data.edges.length") == 10000
    page.page.fill("#kg-search", "实体1号")
    page.page.wait_for_function("kg.network.getSelectedNodes().length === 1")
    assert page.js("kg.data.nodes[kg.network.getSelectedNodes()[0]].n") == "实体1号"
    page.page.wait_for_timeout(600)                                  # let the zoom animation end
    page.screenshot(tmp_path, "viz_large.png")
    page.assert_clean()
    with capsys.disabled():
        print(f"\n[viz] 5,000 nodes / 10,000 edges in chromium: ready {ready_ms / 1000:.1f} s after "
              f"navigation start ({seconds:.1f} s wall, load + first draw)")
