"""Query latency of the named queries on a generated graph: Oxigraph (memory and on-disk store) vs rdflib.

Also times graph.html at 5,000 nodes / 10,000 edges: how long kg.viz takes to write it, its
size and, where Debian's chromium and Playwright are installed, how long the page takes
to be ready in headless Chromium. Prints tables; asserts nothing about timings.

    .venv/bin/python scripts/bench_query.py                       # 1,000,000 triples
    .venv/bin/python scripts/bench_query.py --triples 100000 --rdflib-limit 10
    .venv/bin/python scripts/bench_query.py --build output --before old-output   # a real build

The generated graph has the shape of a policykg build: documents with titles, dates and
kg:mentions; entities of every type with Chinese and English labels and aliases; and
statement nodes with evidence, offsets, confidence and provenance, plus plain relation
triples. The on-disk store keeps each document's node and statements in its own named
graph and the shared entity layer in the default graph (``kg export --format nq``), and is
queried through the union of its graphs (no triple sits in two graphs, so that union is a
set even in pyoxigraph 0.5). rdflib runs each query in a forked process that is killed
after --rdflib-limit seconds ("no answer in N s").

With --build DIR it times the named queries on a real build instead: on DIR/store as
``kg query`` reads it (its default graph, the deduplicated union of the per-document
graphs), on an earlier build's store through the union of its graphs (--before), and on
DIR/graph.ttl loaded into memory.
"""
from __future__ import annotations

import argparse
import os
import pickle
import platform
import random
import select
import signal
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.graph import PREFIXES, load_graph  # noqa: E402
from kg.query import GraphSource, _repeats_across_graphs, named_queries, substitute  # noqa: E402
from kg.records import ALL_TYPES, PREDICATES  # noqa: E402

KG, KGR = PREFIXES["kg"], PREFIXES["kgr"]
RDF, RDFS, SKOS = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["skos"]
PROV, DCT, XSD = PREFIXES["prov"], PREFIXES["dcterms"], PREFIXES["xsd"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
TYPE_PREFIX = {"Person": "person", "Organization": "org", "Place": "place", "Policy": "policy",
               "Program": "program", "Event": "event", "Concept": "concept"}
# Which subject and object types each predicate joins, so the named queries find rows.
SHAPES = {"holdsPosition": ("Person", "Organization"), "visited": ("Person", "Place"),
          "locatedIn": ("Organization", "Place"), "organized": ("Organization", "Event"),
          "participatedIn": ("Person", "Event"), "promotes": ("Organization", "Program"),
          "implements": ("Place", "Program"), "issued": ("Organization", "Policy")}


def N(iri):
    return ox.NamedNode(iri)


def generate(target: int, seed: int = 0):
    """Quads of a policykg-shaped graph of about ``target`` triples, and a label to ask about."""
    rng = random.Random(seed)
    n_docs = max(10, target // 100)             # sized so that target=1,000,000 gives about 1.0M triples
    n_entities = max(50, target // 13)
    n_statements = max(50, target // 19)
    quads, default = [], ox.DefaultGraph()
    a, label, pref, alt = N(RDF + "type"), N(RDFS + "label"), N(SKOS + "prefLabel"), N(SKOS + "altLabel")
    by_type: dict[str, list] = {t: [] for t in ALL_TYPES}
    for i in range(n_entities):
        t = ALL_TYPES[i % 6]          # no Concept
        node = N(f"{KGR}{TYPE_PREFIX[t]}/e{i}")
        zh = (SURNAMES[i % len(SURNAMES)] + "某" + str(i)) if t == "Person" else f"实体{i}号{t}"
        by_type[t].append((node, zh))
        quads += [ox.Quad(node, a, N(KG + t), default), ox.Quad(node, label, ox.Literal(zh), default),
                  ox.Quad(node, pref, ox.Literal(zh, language="zh"), default),
                  ox.Quad(node, pref, ox.Literal(f"Entity {i}", language="en"), default),
                  ox.Quad(node, alt, ox.Literal(f"别名{i}", language="zh"), default)]
    docs = []
    for j in range(n_docs):
        d = N(f"{KGR}doc/{j:06d}.txt")
        docs.append(d)
        date = f"20{20 + j % 5}-{1 + j % 12:02d}-{1 + j % 28:02d}"
        quads += [ox.Quad(d, a, N(KG + "Document"), d), ox.Quad(d, N(KG + "fileName"), ox.Literal(f"{j:06d}.txt"), d),
                  ox.Quad(d, N(DCT + "title"), ox.Literal(f"第{j}篇政策新闻", language="zh"), d),
                  ox.Quad(d, N(DCT + "date"), ox.Literal(date, datatype=N(XSD + "date")), d)]
    plain = set()
    for k in range(n_statements):
        p = PREDICATES[k % len(PREDICATES)]
        st, ot = SHAPES[p]
        s, _ = rng.choice(by_type[st])
        o, _ = rng.choice(by_type[ot])
        d = docs[k % n_docs]
        node = N(f"{KGR}statement/s{k}")
        quads += [ox.Quad(node, a, N(KG + "Statement"), d), ox.Quad(node, N(RDF + "subject"), s, d),
                  ox.Quad(node, N(RDF + "predicate"), N(KG + p), d), ox.Quad(node, N(RDF + "object"), o, d),
                  ox.Quad(node, N(PROV + "wasDerivedFrom"), d, d),
                  ox.Quad(node, N(KG + "evidence"), ox.Literal(f"第{k}句说明了这一关系。", language="zh"), d),
                  ox.Quad(node, N(KG + "charStart"), ox.Literal(str(k % 500), datatype=N(XSD + "integer")), d),
                  ox.Quad(node, N(KG + "confidence"), ox.Literal("0.8", datatype=N(XSD + "decimal")), d),
                  ox.Quad(d, N(KG + "mentions"), s, d), ox.Quad(d, N(KG + "mentions"), o, d)]
        if p == "holdsPosition":
            quads.append(ox.Quad(node, N(KG + "positionTitle"), ox.Literal("部长", language="zh"), d))
        if (s, p, o) not in plain:
            plain.add((s, p, o))
            quads.append(ox.Quad(s, N(KG + p), o, default))
    quads = list(dict.fromkeys(quads))       # kg:mentions repeat within a document
    return quads, by_type["Person"][0][1]


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def _timed_in_child(fn, limit: float, memory: int | None = 4 << 30):
    """(value, seconds) of ``fn()`` in a forked process with ``memory`` bytes of address
    space (None: no limit), or (None, why) past ``limit`` seconds or out of memory."""
    import resource

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            if memory is not None:
                resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            t0 = time.perf_counter()
            value = fn()
            os.write(w, pickle.dumps((value, time.perf_counter() - t0)))
        except MemoryError:
            os.write(w, pickle.dumps((None, f"over {memory >> 30} GiB")))
        except BaseException as exc:  # noqa: BLE001 - reported in the table
            os.write(w, pickle.dumps((None, f"fails ({type(exc).__name__})")))
        finally:
            os._exit(0)
    os.close(w)
    ready, _, _ = select.select([r], [], [], limit)
    data = os.read(r, 1 << 16) if ready else b""
    os.close(r)
    if not data:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if data:
        return pickle.loads(data)
    return None, (f"no answer in {limit:g} s" if not ready else f"killed (status {status})")


def rdflib_in_child(graph, sparql: str, limit: float):
    """(rows, seconds) of rdflib's own engine in a forked process, or (None, limit) past the limit."""
    rows, seconds = _timed_in_child(lambda: len(list(graph.query(sparql, initNs=PREFIXES))), limit, memory=None)
    return (rows, seconds) if rows is not None else (None, limit)


def oxigraph(source: GraphSource, sparql: str):
    def run():
        return len(list(source.query(sparql)))
    return timed(run)


def bench_queries(args, tmp: Path):
    print(f"generating a graph of about {args.triples:,} triples…", flush=True)
    (quads, person), gen_s = timed(lambda: generate(args.triples))
    nq, ttl = tmp / "g.nq", tmp / "g.ttl"
    ox.serialize(quads, str(nq), ox.RdfFormat.N_QUADS)
    ox.serialize((q.triple for q in quads), str(ttl), ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    n = len(quads)
    del quads
    memory = ox.Store()
    _, mem_load = timed(lambda: memory.bulk_load(path=str(ttl), format=ox.RdfFormat.TURTLE))
    disk = ox.Store(str(tmp / "store"))
    _, disk_load = timed(lambda: (disk.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS), disk.flush()))
    del disk
    ro, open_s = timed(lambda: ox.Store.read_only(str(tmp / "store")))
    repeats, probe_s = timed(lambda: _repeats_across_graphs(ro))
    graph, rdflib_load = timed(lambda: load_graph(ttl))
    print(f"\n{n:,} triples ({gen_s:.1f} s to generate); Python {platform.python_version()}, "
          f"pyoxigraph {ox.__version__}, {os.cpu_count()} CPUs, {platform.machine()}\n")
    print("| load | seconds |\n|---|---|")
    print(f"| Oxigraph in memory: bulk_load of the Turtle | {mem_load:.1f} |")
    print(f"| Oxigraph on disk: bulk_load of the N-Quads (one graph per document) | {disk_load:.1f} |")
    print(f"| Oxigraph on disk: open read-only | {open_s:.2f} |")
    print(f"| Oxigraph on disk: sampled check that no triple sits in two graphs (kg.query.open_source) | "
          f"{probe_s:.3f} ({'repeats found' if repeats else 'none'}) |")
    print(f"| rdflib: parse the Turtle into a Graph (through pyoxigraph's parser) | {rdflib_load:.1f} |")
    mem_src = GraphSource(memory, kind="file")
    disk_src = GraphSource(ro, kind="store", union=True)
    print(f"\n| named query | rows | Oxigraph memory (s) | Oxigraph store (s) | rdflib (s) |\n|---|---|---|---|---|")
    for name, nq_ in sorted(named_queries().items()):
        sparql = substitute(nq_, {p: person for p in nq_.parameters})
        (rows, mem_s) = oxigraph(mem_src, sparql)
        (rows_disk, disk_s) = oxigraph(disk_src, sparql)
        rl_rows, rl_s = rdflib_in_child(graph, sparql, args.rdflib_limit)
        rl = f"no answer in {args.rdflib_limit:g} s" if rl_rows is None else f"{rl_s:.2f}"
        if rl_rows is not None and rl_rows != rows:
            rl += f" ({rl_rows} rows)"
        same = "" if rows_disk == rows else f" ({rows_disk} rows)"
        print(f"| {name} | {rows:,} | {mem_s:.3f} | {disk_s:.3f}{same} | {rl} |", flush=True)


# ---------------------------------------------------------------- a real build folder

def bench_build(args):
    """The named queries on a build folder's store and on its graph.ttl in memory, each
    query in a process of its own (so one that blows up takes nothing else down)."""
    from kg.query import open_source
    from kg.store import union_problem

    out = Path(args.build)
    params = {"label": args.label}
    queries = sorted(named_queries().items())
    columns = []
    src, open_s = timed(lambda: open_source(out))
    if src.kind != "store" or src.union:
        raise SystemExit(f"{out}: not a store with the deduplicated default graph ({src.note or src.kind}); "
                         "build it again with kg build")
    columns.append((f"DIR/store, default graph (kg query, kg serve; opened in {open_s:.2f} s)", src))
    if args.before:
        old = Path(args.before) / "store"
        why = union_problem(old)
        ro = ox.Store.read_only(str(old))
        columns.append((f"{args.before}/store, union of the graphs ({'earlier build' if why else 'same layout'})",
                        GraphSource(ro, kind="store", union=True)))
    mem = ox.Store()
    _, load_s = timed(lambda: mem.bulk_load(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    columns.append((f"graph.ttl in memory (loaded in {load_s:.1f} s)", GraphSource(mem, kind="file")))
    print(f"{out}: Python {platform.python_version()}, pyoxigraph {ox.__version__}, {os.cpu_count()} CPUs, "
          f"{platform.machine()}; seconds to the last row (rows), best of {args.repeat}, "
          f"{args.limit:g} s and 4 GiB at most\n")
    print("| named query | " + " | ".join(c for c, _ in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, q in queries:
        sparql = substitute(q, {p: params.get(p, args.label) for p in q.parameters})
        cells = []
        for _, source in columns:
            best = None
            for _ in range(args.repeat):
                rows, secs = _timed_in_child(lambda: len(list(source.query(sparql))), args.limit)
                if rows is None:
                    best = (None, secs)
                    break
                if best is None or secs < best[1]:
                    best = (rows, secs)
            cells.append(best[1] if best[0] is None else f"{best[1]:.3f} ({best[0]:,})")
        label = f"{name} (-p label={args.label})" if q.parameters else name
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def bench_html(tmp: Path):
    import rdflib
    from rdflib import RDF as R, RDFS as RS, Literal, BNode
    from rdflib.namespace import DCTERMS, PROV as P, SKOS as S

    from kg.namespace import KG as K, KGR as KR
    from kg.viz import graph_to_html

    rng = random.Random(0)
    g = rdflib.Graph()
    ents = []
    for i in range(5000):
        e = KR[f"e{i}"]
        g.add((e, R.type, K[ALL_TYPES[i % len(ALL_TYPES)]]))
        g.add((e, S.prefLabel, Literal(f"实体{i}号", lang="zh")))
        g.add((e, RS.label, Literal(f"实体{i}号", lang="zh")))
        ents.append(e)
    docs = [KR[f"doc/{j:03d}.txt"] for j in range(100)]
    for d in docs:
        g.add((d, R.type, K.Document))
        g.add((d, K.fileName, Literal(str(d).rsplit("/", 1)[1])))
        g.add((d, DCTERMS.title, Literal("标题")))
    seen = set()
    while len(seen) < 10000:
        s = min(int(rng.paretovariate(1.2)), 5000) - 1 if rng.random() < 0.3 else rng.randrange(5000)
        o = rng.randrange(5000)
        p = PREDICATES[len(seen) % len(PREDICATES)]
        if s == o or (s, p, o) in seen:
            continue
        seen.add((s, p, o))
        d = docs[len(seen) % 100]
        g.add((ents[s], K[p], ents[o]))
        st = BNode()
        for pred, obj in ((R.type, K.Statement), (R.subject, ents[s]), (R.predicate, K[p]), (R.object, ents[o]),
                          (P.wasDerivedFrom, d), (K.evidence, Literal(f"第{len(seen)}句。")),
                          (K.confidence, Literal("0.8", datatype=rdflib.XSD.decimal))):
            g.add((st, pred, obj))
    path = tmp / "large.html"
    _, write_s = timed(lambda: graph_to_html(g, path))
    print(f"\n| graph.html, 5,000 nodes / 10,000 edges | value |\n|---|---|")
    print(f"| written by kg.viz.graph_to_html | {write_s:.1f} s |")
    print(f"| size | {path.stat().st_size / 1e6:.2f} MB |")
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if not chromium.exists() or sync_playwright is None:
        print("| load in headless Chromium | not measured: needs /usr/bin/chromium and playwright |")
        return
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        t0 = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_function("window.kg && window.kg.ready === true", timeout=180_000)
        wall = time.perf_counter() - t0
        ready_ms = page.evaluate("kg.readyMs")
        browser.close()
    print(f"| ready in headless Chromium (page's own clock, navigation start to first draw) | {ready_ms / 1000:.1f} s |")
    print(f"| ready in headless Chromium (wall clock from goto) | {wall:.1f} s |")
    print(f"| network requests besides the page itself | {len(requests) - 1} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--rdflib-limit", type=float, default=60.0, help="seconds rdflib may take per query")
    ap.add_argument("--no-html", action="store_true", help="skip the graph.html part")
    ap.add_argument("--build", metavar="DIR", help="instead: time the named queries on this build folder's "
                    "store (its default graph) and on its graph.ttl in memory")
    ap.add_argument("--before", metavar="DIR", help="with --build: also on this folder's store through the "
                    "union of its graphs (a build of an earlier policykg, for comparison)")
    ap.add_argument("--label", default="国务院", help="with --build: the label the about query asks for")
    ap.add_argument("--limit", type=float, default=60.0, help="with --build: seconds a query may take")
    ap.add_argument("--repeat", type=int, default=3, help="with --build: runs of each query (the best is shown)")
    args = ap.parse_args(argv)
    if args.build:
        bench_build(args)
        return
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as tmp:
        bench_queries(args, Path(tmp))
        if not args.no_html:
            bench_html(Path(tmp))


if __name__ == "__main__":
    main()
