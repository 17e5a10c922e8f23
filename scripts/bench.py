"""Benchmark kg build on generated corpora of 100, 1,000 and 10,000 articles.

For each size it writes a corpus with scripts/benchcorpus.py (the sample articles with
names and numbers varied), builds it in a fresh process, and reports articles/s and
characters/s per stage (ingest, normalize, recognize, link, relate, graph, serialize),
peak memory (getrusage of the build process and its workers), output sizes, and the same
text through jieba.posseg alone (in its own process) with the ratio build / jieba. Also:

  --parallel N     the 1,000-article build with 1 and with N worker processes (speed-up)
  --incremental    a rebuild with nothing changed, and with 1% of the articles changed
  --sparql         each named query on the largest graph: the build's on-disk store,
                   Oxigraph in memory (graph.ttl), and rdflib (graph.ttl), with a time limit
  --profile        pyinstrument's profile of a one-process build of the smallest size

    python scripts/bench.py                                   # 100, 1,000, 10,000
    python scripts/bench.py --sizes 1000 --parallel 2 --profile
    python scripts/bench.py --sizes 10000 --sparql --markdown

Timings are wall-clock seconds of build() (model loading excluded, as jieba's dictionary
load is) on whatever machine runs it: say which when you quote them.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

STAGES = ("ingest", "normalize", "recognize", "link", "relate", "graph", "serialize")


def _maxrss_mib(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0     # Linux: KiB


def _dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def corpus(n: int, work: Path, seed: int = 0) -> Path:
    """The generated corpus of ``n`` articles under ``work`` (written once, then reused)."""
    from benchcorpus import generate

    out = work / f"corpus-{n}"
    marker = out / f".bench-{n}-{seed}"
    if not marker.exists():
        shutil.rmtree(out, ignore_errors=True)
        generate(n, out, seed)
        marker.write_text("ok")
    return out


# ------------------------------------------------------------------ child processes

def child_build(args) -> dict:
    """Build one corpus; print what it took as JSON (run in a fresh process)."""
    from kg.pipeline import Pipeline, build

    import jieba

    pipeline = Pipeline(ner=args.ner)
    pipeline.recognizer.nlp("zh")
    pipeline.recognizer.nlp("en")
    jieba.setLogLevel(60)
    jieba.initialize()       # the recognizer segments with jieba: its dictionary is model loading too
    timings: dict[str, float] = {}
    if args.fresh:
        shutil.rmtree(args.out, ignore_errors=True)
    t = time.perf_counter()
    report = build([args.corpus], args.out, html=args.html, pipeline=pipeline, jobs=args.jobs,
                   timings=timings if args.jobs == 1 else None)
    seconds = time.perf_counter() - t
    out = Path(args.out)
    return {
        "seconds": seconds, "timings": timings, "phases": report.phases, "articles": report.articles,
        "extracted": report.extracted,
        "chars": report.chars, "entities": report.entities, "relations": report.relations,
        "changes": report.changes(), "skipped": len(report.skipped),
        "rss_mib": _maxrss_mib(resource.RUSAGE_SELF), "children_rss_mib": _maxrss_mib(resource.RUSAGE_CHILDREN),
        "ttl_bytes": _dir_size(out / "graph.ttl"), "store_bytes": _dir_size(out / "store"),
        "html_bytes": _dir_size(out / "graph.html") if (out / "graph.html").exists() else 0,
    }


def child_jieba(args) -> dict:
    """jieba.posseg over the same text the build reads (normalized, Simplified)."""
    import jieba
    import jieba.posseg as pseg

    from kg.ingest import iter_articles
    from kg.normalize import normalize_article
    from kg.records import Skipped

    jieba.setLogLevel(60)
    jieba.initialize()
    texts = [normalize_article(a) for a in iter_articles([args.corpus]) if not isinstance(a, Skipped)]
    texts = [a.simplified or a.text for a in texts]
    t = time.perf_counter()
    words = 0
    for text in texts:
        for _ in pseg.cut(text):
            words += 1
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "chars": sum(map(len, texts)), "words": words, "articles": len(texts)}


def child_rdflib(args) -> dict:
    """Each named query through rdflib's engine on graph.ttl, each with a time limit."""
    import signal

    from kg.graph import load_graph
    from kg.query import PREFIXES, named_queries, substitute

    t = time.perf_counter()
    graph = load_graph(Path(args.out) / "graph.ttl")
    load = time.perf_counter() - t
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

    class Timeout(Exception):
        pass

    def alarm(*_):
        raise Timeout()

    signal.signal(signal.SIGALRM, alarm)
    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
    out = {"load": load, "queries": {}}
    for name, q in sorted(named_queries().items()):
        sparql = prologue + substitute(q, PARAMS.get(name, {}))
        signal.alarm(args.limit)
        t = time.perf_counter()
        try:
            rows = len(list(graph.query(sparql)))
            out["queries"][name] = {"seconds": time.perf_counter() - t, "rows": rows}
        except Timeout:
            out["queries"][name] = {"seconds": None, "rows": None, "why": "no answer"}
        except MemoryError:
            out["queries"][name] = {"seconds": None, "rows": None, "why": "over 8 GiB"}
        except Exception as exc:  # noqa: BLE001 - rdflib's engine fails on some queries
            out["queries"][name] = {"seconds": None, "rows": None, "why": f"fails: {type(exc).__name__}"}
        finally:
            signal.alarm(0)
    return out


PARAMS = {"about": {"label": "国务院"}}


def _child(kind: str, timeout: float | None = None, **kw) -> dict:
    cmd = [sys.executable, __file__, "_" + kind]
    for k, v in kw.items():
        if v is True:
            cmd.append(f"--{k}")
        elif v not in (None, False):
            cmd += [f"--{k}", str(v)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ SPARQL on the store

def child_oxigraph(args) -> dict:
    """Named queries on Oxigraph: "memory" loads graph.ttl; "store" opens the build's
    on-disk store read-only as ``kg query`` does (:func:`kg.query.open_source`: its default
    graph, the deduplicated union of the per-document graphs; one query per process:
    ``--query``)."""
    import pyoxigraph as ox

    from kg.query import GraphSource, named_queries, open_source, substitute

    out = Path(args.out)
    queries = named_queries()
    if args.source == "store":
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))   # a union of graphs can blow up joins
        t = time.perf_counter()
        source = open_source(out)
        load = time.perf_counter() - t
        if source.kind != "store":
            raise SystemExit(f"{out}: the store has no deduplicated default graph: {source.note}")
        names = [args.query]
    else:
        t = time.perf_counter()
        store = ox.Store()
        store.bulk_load(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)
        source = GraphSource(store, kind="file")
        load = time.perf_counter() - t
        names = sorted(queries)
    res = {"load": load, "queries": {}}
    for name in names:
        sparql = substitute(queries[name], PARAMS.get(name, {}))
        t = time.perf_counter()
        rows = len(list(source.query(sparql)))
        res["queries"][name] = {"seconds": time.perf_counter() - t, "rows": rows}
    return res


def sparql_all(out: Path, limit: int) -> dict:
    from kg.query import named_queries

    mem = _child("oxigraph", out=out, source="memory")
    store: dict = {}
    for name in sorted(named_queries()):
        try:
            store[name] = _child("oxigraph", out=out, source="store", query=name, timeout=limit)["queries"][name]
        except (SystemExit, subprocess.TimeoutExpired) as exc:
            store[name] = {"seconds": None, "rows": None,
                           "why": "timeout" if isinstance(exc, subprocess.TimeoutExpired) else "fails"}
    return {"memory": mem, "store": store}


# ------------------------------------------------------------------ report

def fmt_rate(n: float, seconds: float) -> str:
    if not seconds:
        return "-"
    r = n / seconds
    return f"{r:,.0f}" if r >= 100 else f"{r:,.1f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000", help="comma-separated corpus sizes")
    ap.add_argument("--work", default=os.environ.get("KG_BENCH_DIR", "/tmp/kg-bench"), type=Path)
    ap.add_argument("--no-html", dest="html", action="store_false", help="leave graph.html out of the build")
    ap.add_argument("--ner", default="auto", choices=["auto", "rules", "spacy"],
                    help="the build's statistical recognizer (kg build --ner; default auto, as kg build)")
    ap.add_argument("--parallel", type=int, default=0, metavar="N", help="also time 1,000 articles with N jobs")
    ap.add_argument("--incremental", action="store_true", help="also time rebuilds with 0%% and 1%% changed")
    ap.add_argument("--sparql", action="store_true", help="time the named queries on the largest graph")
    ap.add_argument("--limit", type=int, default=60, help="seconds an rdflib query may run")
    ap.add_argument("--profile", action="store_true", help="pyinstrument profile of the smallest build")
    ap.add_argument("--json", type=Path, help="also write every number to this file")
    ap.add_argument("--reuse", action="store_true", help="skip the builds: time --sparql on the last ones")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": machine(), "sizes": {}}
    print(f"machine: {results['machine']}")

    for n in ([] if args.reuse else sizes):
        c = corpus(n, args.work)
        out = args.work / f"out-{n}"
        b = _child("build", ner=args.ner, corpus=c, out=out, jobs=1, html=args.html, fresh=True)
        j = _child("jieba", corpus=c)
        results["sizes"][n] = {"build": b, "jieba": j}
        print(f"\n== {n:,} articles, {b['chars']:,} characters: build {b['seconds']:.1f}s "
              f"(extraction phase {b['phases']['extract']:.1f}s, graph.ttl + graph.html {b['phases']['finish']:.1f}s) "
              f"({b['articles']:,} documents, {b['entities']:,} entities, {b['relations']:,} statements), "
              f"jieba.posseg {j['seconds']:.1f}s, ratio {b['seconds'] / j['seconds']:.2f}")
        print(f"   {'stage':<10} {'seconds':>8} {'articles/s':>11} {'chars/s':>11}")
        for stage in STAGES + ("store", "html"):   # store: in a writer thread, overlapping extraction
            s = b["timings"].get(stage)
            if s is None:
                continue
            print(f"   {stage:<10} {s:8.2f} {fmt_rate(b['extracted'], s):>11} {fmt_rate(b['chars'], s):>11}")
        print(f"   {'jieba':<10} {j['seconds']:8.2f} {fmt_rate(j['articles'], j['seconds']):>11} "
              f"{fmt_rate(j['chars'], j['seconds']):>11}")
        print(f"   peak RSS {b['rss_mib']:.0f} MiB; graph.ttl {b['ttl_bytes'] / 2**20:.1f} MiB, "
              f"store {b['store_bytes'] / 2**20:.1f} MiB, graph.html {b['html_bytes'] / 2**20:.1f} MiB")

    for a, z in ([] if args.reuse else zip(sizes, sizes[1:])):
        ta, tz = results["sizes"][a]["build"]["seconds"], results["sizes"][z]["build"]["seconds"]
        print(f"scaling {a:,} -> {z:,} articles ({z / a:.0f}x): time x{tz / ta:.1f}")

    if args.incremental:
        n = sizes[-1]
        c, out = corpus(n, args.work), args.work / f"out-{n}"
        same = _child("build", ner=args.ner, corpus=c, out=out, jobs=1, html=args.html)
        changed = _touch(c, max(1, n // 100))
        after = _child("build", ner=args.ner, corpus=c, out=out, jobs=1, html=args.html)
        results["incremental"] = {"unchanged": same, "changed": after, "n_changed": changed}
        print(f"\nincremental, {n:,} articles: nothing changed {same['seconds']:.1f}s ({same['changes']}); "
              f"{changed} changed {after['seconds']:.1f}s ({after['changes']})")

    if args.parallel:
        c = corpus(1000, args.work)
        runs = {}
        for jobs in (1, args.parallel):
            runs[jobs] = _child("build", ner=args.ner, corpus=c, out=args.work / f"out-1000-j{jobs}", jobs=jobs,
                                html=args.html, fresh=True)
        s1, sn = runs[1]["seconds"], runs[args.parallel]["seconds"]
        results["parallel"] = {str(k): v for k, v in runs.items()}
        e1, en = runs[1]["phases"]["extract"], runs[args.parallel]["phases"]["extract"]
        print(f"\nparallel, 1,000 articles: 1 job {s1:.1f}s, {args.parallel} jobs {sn:.1f}s: "
              f"speed-up {s1 / sn:.2f}x; extraction phase {e1:.1f}s -> {en:.1f}s ({e1 / en:.2f}x), "
              f"then graph.ttl and graph.html {runs[1]['phases']['finish']:.1f}s -> "
              f"{runs[args.parallel]['phases']['finish']:.1f}s (one process) "
              f"(peak RSS {runs[args.parallel]['rss_mib']:.0f} MiB main, "
              f"{runs[args.parallel]['children_rss_mib']:.0f} MiB largest worker)")

    if args.sparql:
        n = sizes[-1]
        out = args.work / f"out-{n}"
        ox_res = sparql_all(out, args.limit)
        rl = _child("rdflib", out=out, limit=args.limit)
        results["sparql"] = {"oxigraph": ox_res, "rdflib": rl}
        mem = ox_res["memory"]

        def cell(r, why="no answer"):
            if r.get("seconds") is None:
                w = r.get("why", why)
                return w if w.startswith(("over", "fails")) else f"{w} in {args.limit}s"
            return f"{r['seconds']:.3f} ({r['rows']:,})"
        print(f"\nSPARQL on the {n:,}-article graph: seconds (rows). graph.ttl loaded into Oxigraph in "
              f"{mem['load']:.1f}s, into rdflib in {rl['load']:.1f}s; each query limited to {args.limit}s; the "
              f"store column queries DIR/store's default graph, the deduplicated union of its per-document graphs")
        print(f"   {'query':<10} {'oxigraph memory':>18} {'oxigraph store':>18} {'rdflib':>18}")
        for name, r in mem["queries"].items():
            print(f"   {name:<10} {cell(r):>18} {cell(ox_res['store'][name]):>18} {cell(rl['queries'][name]):>18}")

    if args.profile:
        n = sizes[0]
        path = profile(corpus(n, args.work), args.work / f"profile-{n}")
        print(f"\nprofile of the {n:,}-article build: {path}")

    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


def _touch(corpus_dir: Path, k: int) -> int:
    """Change ``k`` articles of the corpus (a sentence appended), for the incremental run."""
    files = sorted(p for p in corpus_dir.iterdir() if p.suffix in (".txt", ".md"))[:k]
    for p in files:
        with open(p, "a", encoding="utf-8") as fh:
            fh.write(f"\n工业和信息化部将推动{int(time.time()) % 997}家企业开展数字化转型。\n")
    return len(files)


def profile(corpus_dir: Path, out: Path) -> Path:
    from pyinstrument import Profiler

    from kg.pipeline import Pipeline, build

    pipeline = Pipeline()
    pipeline.recognizer.nlp("zh")
    pipeline.recognizer.nlp("en")
    shutil.rmtree(out, ignore_errors=True)
    prof = Profiler(interval=0.001)
    prof.start()
    build([corpus_dir], out, pipeline=pipeline)
    prof.stop()
    text = prof.output_text(unicode=True, color=False)
    path = out.with_suffix(".txt")
    path.write_text(text, encoding="utf-8")
    return path


def machine() -> str:
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) / 2**20
    except OSError:
        pass
    return (f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def _child_main(argv):
    kind = argv[0]
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus")
    ap.add_argument("--out")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--html", action="store_true")
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--ner", default="auto")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--source", default="memory")
    ap.add_argument("--query")
    a = ap.parse_args(argv[1:])
    fn = {"_build": child_build, "_jieba": child_jieba, "_rdflib": child_rdflib, "_oxigraph": child_oxigraph}[kind]
    print(json.dumps(fn(a)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        _child_main(sys.argv[1:])
    else:
        main()
