"""The whole pipeline over one article or a corpus: ingest -> normalize -> recognize -> link -> relate.

:class:`Pipeline` loads the knowledge base and the spaCy pipelines once and turns each
article into a :class:`~kg.records.DocumentResult`; :func:`build` streams a corpus through
it (in this process, a pool of processes, or a Dask cluster) into the on-disk store of
:mod:`kg.store`, one named graph per article, and writes the graph outputs. A build into
a folder that holds an earlier build processes only the new and changed articles.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import BackendError, KGError
from .kb import KnowledgeBase, load_kb
from .link import Linker
from .normalize import normalize_article
from .recognize import Recognizer, load_rules
from .records import Article, DocumentResult, Skipped
from .relate import extract_relations, goes_without_saying
from .relmodel import MODEL_FILE, RelationModel

class Pipeline:
    """Extraction for one article at a time; cheap to call, expensive to create once.

    >>> from kg.records import Article
    >>> result = Pipeline()(Article(file_name="a.txt", text="国务院总理李强在江苏苏州调研。"))
    >>> sorted(e.name for e in result.entities.values())
    ['国务院', '李强', '江苏省', '苏州市']
    """

    def __init__(self, kb: KnowledgeBase | None = None, data_dir: str | None = None,
                 ner: str = "auto", ner_model: str | None = None, calibration=None,
                 relation_model: str | None = "default"):
        self.kb = kb or load_kb(data_dir)
        self.calibration = calibration
        self.rules = load_rules()
        #: The trained relation model beside the rules ("default": the shipped one; a path; None: rules only).
        self.relation_model = _relation_model(relation_model)
        self.recognizer = Recognizer(data_dir, ner=ner, ner_model=ner_model)
        self.linker = Linker(self.kb)
        #: What a worker process needs to build the same pipeline (see :func:`build`).
        self.settings = {"data_dir": data_dir, "ner": ner, "ner_model": ner_model,
                         "relation_model": relation_model}
        #: Seconds spent in each stage, summed over calls, when set to a dict (benchmarks).
        self.timings: dict[str, float] | None = None

    def __call__(self, article: Article) -> DocumentResult:
        if self.timings is not None:
            return self._timed(article, self.timings)
        article = normalize_article(article)
        mentions = self.recognizer(article)
        entities = self.linker.link(article, mentions)
        mentions = [m for m in mentions if m.entity_id]
        relations = self._relations(article, mentions, entities)
        return _result(article, mentions, entities, relations)

    def _relations(self, article, mentions, entities):
        relations = extract_relations(article, mentions, entities, self.kb, self.rules, self.calibration)
        if self.relation_model is not None:
            relations += [r for r in self.relation_model.add_relations(article, mentions, entities, relations, self.rules)
                          if not goes_without_saying(self.kb, r.subject, r.predicate, r.object)]
        return relations

    def _timed(self, article: Article, t: dict[str, float]) -> DocumentResult:
        clock = time.perf_counter
        t0 = clock()
        article = normalize_article(article)
        t1 = clock()
        mentions = self.recognizer(article)
        t2 = clock()
        entities = self.linker.link(article, mentions)
        mentions = [m for m in mentions if m.entity_id]
        t3 = clock()
        relations = self._relations(article, mentions, entities)
        t4 = clock()
        for stage, seconds in (("normalize", t1 - t0), ("recognize", t2 - t1), ("link", t3 - t2),
                               ("relate", t4 - t3)):
            t[stage] = t.get(stage, 0.0) + seconds
        return _result(article, mentions, entities, relations)


def _relation_model(setting: str | None) -> RelationModel | None:
    if setting is None:
        return None
    path = MODEL_FILE if setting == "default" else Path(setting)
    if not path.exists():
        raise BackendError(f"relation model not found: {path} (train one: python scripts/train_relations.py --write)")
    return RelationModel.load(path)


def _result(article, mentions, entities, relations) -> DocumentResult:
    # keep only the entities something still points at
    used = {m.entity_id for m in mentions} | {r.subject for r in relations} | {r.object for r in relations}
    entities = {k: v for k, v in entities.items() if k in used}
    return DocumentResult(article=article, mentions=mentions, entities=entities, relations=relations)




def extract(articles: Iterable[Article], pipeline: Pipeline | None = None,
            on_error: Callable[[Article, Exception], None] | None = None) -> Iterator[DocumentResult]:
    """Run the pipeline over articles; an article that breaks a stage is reported, not fatal."""
    pipeline = pipeline or Pipeline()
    for article in articles:
        try:
            yield pipeline(article)
        except Exception as exc:  # one bad article must not stop the corpus
            if on_error is None:
                raise
            on_error(article, exc)


SAMPLE_DIR = Path(__file__).parent / "data" / "sample"

#: The modules and data whose change changes what extraction produces: a build into a
#: folder built with other ones re-extracts every article.
_EXTRACTION_MODULES = ("ingest", "normalize", "recognize", "spans", "ner", "kb", "link", "relate", "relmodel",
                       "calibrate", "records", "graph", "store", "namespace")
#: (calibration/ holds the annotated articles the confidences and the relation model are fitted on:
#: what extraction reads of them is calibration.json and models/relations.json, outside it)
_NOT_EXTRACTION_DATA = ("sample", "queries", "viz", "calibration")
MANIFEST_VERSION = 1


# ---------------------------------------------------------------------------------------
# Work items and what comes back: plain picklable records, the same for every engine


@dataclass
class Task:
    """One unit of extraction: a file a worker reads, or an article already read (a JSONL line)."""

    file_name: str
    path: str = ""
    article: Article | None = None
    old_hash: str | None = None     # the manifest's hash: equal means unchanged, no extraction
    parts: bool = False             # also return the pieces of graph.ttl (see Outcome)


@dataclass
class Outcome:
    """What one task produced: a document's N-Quads, "unchanged", or the reason it was skipped."""

    file_name: str
    status: str                     # "built", "unchanged", "skipped" or "failed"
    content_hash: str = ""
    nquads: bytes = b""
    skipped: Skipped | None = None
    chars: int = 0
    #: With ``Task.parts`` (a build that extracts every article): the document's own
    #: triples (its node, its statements) as Turtle without prefixes, its entity and
    #: relation triples as N-Triples lines (merged across documents by :class:`_Union`),
    #: the entities it mentions and how many statements it has.
    turtle: bytes = b""
    shared: str = ""
    mentioned: list[str] = field(default_factory=list)
    statements: int = 0


def run_task(task: Task, pipeline: Pipeline, timings: dict[str, float] | None = None) -> Outcome:
    """Read (when needed), hash, and extract one article into its document's N-Quads."""
    from .ingest import _read_any
    from .store import document_nquads

    clock = time.perf_counter
    t0 = clock()
    article = task.article
    if article is None:
        items = list(_read_any(Path(task.path)))
        article = items[0] if items else Skipped(task.path, "nothing to read")
        if isinstance(article, Skipped):
            return Outcome(task.file_name, "skipped", skipped=article)
    digest = article.content_hash
    if timings is not None:
        timings["ingest"] = timings.get("ingest", 0.0) + clock() - t0
    if digest == task.old_hash:
        return Outcome(article.file_name, "unchanged", digest)
    try:
        result = pipeline(article)
        t1 = clock()
        if task.parts:
            outcome = _document_parts(result)
        else:
            outcome = Outcome("", "built", nquads=document_nquads(result))
        if timings is not None:
            timings["graph"] = timings.get("graph", 0.0) + clock() - t1
    except Exception as exc:  # noqa: BLE001 - one bad article must not stop the corpus
        return Outcome(article.file_name, "failed", digest, skipped=Skipped(
            path=article.path or article.file_name, reason=f"extraction failed: {exc!r}", line=article.line))
    outcome.file_name, outcome.content_hash, outcome.chars = article.file_name, digest, len(article.text)
    return outcome


@functools.lru_cache(maxsize=1)
def _turtle_header() -> bytes:
    """The @prefix lines pyoxigraph writes for :data:`kg.graph.PREFIXES` (written once)."""
    import pyoxigraph as ox

    from .graph import PREFIXES

    one = ox.serialize(ox.parse(b"<urn:x:s> <urn:x:p> <urn:x:o> .\n", format=ox.RdfFormat.N_TRIPLES),
                       format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    return one[: one.rindex(b"@prefix ")] + one[one.rindex(b"@prefix "):].split(b"\n", 1)[0] + b"\n"


def _turtle_body(ntriples: str) -> bytes:
    """N-Triples lines (grouped by subject) as Turtle with :data:`kg.graph.PREFIXES`, less the
    @prefix lines: pieces that concatenate, after one header, into one Turtle file."""
    import pyoxigraph as ox

    from .graph import PREFIXES

    if not ntriples:
        return b""
    data = ox.serialize(ox.parse(ntriples.encode("utf-8", "replace"), format=ox.RdfFormat.N_TRIPLES),
                        format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    header = _turtle_header()
    if not data.startswith(header):    # pragma: no cover - a pyoxigraph that writes prefixes otherwise
        raise KGError("pyoxigraph wrote an unexpected Turtle header")
    return data[len(header):]


def _document_parts(result: DocumentResult) -> Outcome:
    """One document's N-Quads (for the store) and its share of graph.ttl, made in the worker.

    The triples whose subject is the document or one of its statements belong to this
    document alone: they go into graph.ttl as they are (Turtle written here, in the
    worker). Entity and relation triples can sit in many documents' graphs: they come back
    as N-Triples lines for the builder to merge (:class:`_Union`), as
    :meth:`kg.store.GraphStore.union_triples` merges them.
    """
    from .graph import document_iri
    from .store import _MENTIONS, _STATEMENT, _T, document_graph

    doc = f"<{document_iri(result.article.file_name)}>"
    triples = document_graph(result)
    own_subjects = {doc} | {s for s, p, o in triples if p == _T and o == _STATEMENT}
    own: dict[str, list[str]] = {}
    shared: list[str] = []
    mentioned: list[str] = []
    for s, p, o in triples:
        line = f"{s} {p} {o} .\n"
        if s in own_subjects:
            own.setdefault(s, []).append(line)
            if p == _MENTIONS and s == doc:
                mentioned.append(o)
        else:
            shared.append(line)
    g = f" {doc} .\n"
    nquads = "".join(f"{s} {p} {o}{g}" for s, p, o in triples).encode("utf-8", "replace")
    turtle = _turtle_body("".join(line for lines in own.values() for line in lines))
    return Outcome("", "built", nquads=nquads, turtle=turtle, shared="".join(shared),
                   mentioned=mentioned, statements=len(own_subjects) - 1)


class _Union:
    """The entity and relation triples of the documents of a build, merged as
    :meth:`kg.store.GraphStore.union_triples` merges the store's graphs: each triple once,
    ``kg:mentionCount`` summed, the first document's ``rdfs:label`` and ``skos:definition``.

    Holds one entry per distinct entity or relation triple (not per document), plus the
    set of mentioned entities.
    """

    def __init__(self):
        from .records import ALL_TYPES
        from .store import _CLASS, _COUNT, _DEF, _RLABEL, _T

        self._count, self._single, self._type = _COUNT, (_RLABEL, _DEF), _T
        self._classes = {_CLASS[t] + " .\n" for t in ALL_TYPES}
        #: entities typed with a kg: class (what VizCollector asks the store for)
        self.typed: set[str] = set()
        self.by_subject: dict[str, dict[str, None]] = {}
        self.firsts: dict[tuple[str, str], str] = {}
        self.counts: dict[str, int] = {}
        self.mentioned: set[str] = set()
        self.statements = 0

    def add(self, outcome: Outcome) -> None:
        self.mentioned.update(outcome.mentioned)
        self.statements += outcome.statements
        by_subject, count, single = self.by_subject, self._count, self._single
        for line in outcome.shared.splitlines(keepends=True):
            s, p, rest = line.split(" ", 2)
            if p == count:
                lexical = rest[1:rest.index('"', 1)]
                self.counts[s] = self.counts.get(s, 0) + int(lexical)
            elif p in single:
                self.firsts.setdefault((s, p), line)
            else:
                if p == self._type and rest in self._classes:
                    self.typed.add(s)
                found = by_subject.get(s)
                if found is None:
                    by_subject[s] = {line: None}
                else:
                    found[line] = None

    def ntriples(self) -> str:
        """The merged triples as N-Triples, grouped by subject."""
        from .store import _INTEGER

        extra: dict[str, list[str]] = {}
        for (s, _p), line in self.firsts.items():
            extra.setdefault(s, []).append(line)
        for s, n in self.counts.items():
            extra.setdefault(s, []).append(f'{s} {self._count} "{n}"^^{_INTEGER} .\n')
        out = []
        for s, lines in self.by_subject.items():
            out.extend(lines)
            out.extend(extra.pop(s, ()))
        for lines in extra.values():
            out.extend(lines)
        return "".join(out)


# ---------------------------------------------------------------------------------------
# Engines: the same run_task in this process, in a pool of processes, or on Dask


_WORKER: dict = {}


def _init_worker(settings: dict):
    """Pool initializer: the pipeline inherited through fork, or built once per process."""
    if _WORKER.get("settings") != settings or _WORKER.get("pipeline") is None:
        _WORKER["pipeline"] = Pipeline(**settings)
        _WORKER["settings"] = settings


def _worker_task(task: Task) -> Outcome:
    return run_task(task, _WORKER["pipeline"])


def _worker_batch(tasks: list[Task], settings: dict) -> list[Outcome]:
    """A Dask task: a batch of articles, with one pipeline per worker process."""
    _init_worker(settings)
    return [run_task(t, _WORKER["pipeline"]) for t in tasks]


def _start_pool(pipeline: Pipeline, jobs: int):
    """A pool of ``jobs`` worker processes, each with its own pipeline."""
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    # fork shares the loaded pipeline (no second load of the KB and spaCy per worker)
    ctx = mp.get_context("fork" if "fork" in methods else methods[0])
    if ctx.get_start_method() == "fork":
        _WORKER.update(pipeline=pipeline, settings=pipeline.settings)
    try:
        return ctx.Pool(jobs, initializer=_init_worker, initargs=(pipeline.settings,))
    finally:
        _WORKER.clear()


_CHUNK = 8


def _run_local(tasks: Iterable[Task], pipeline: Pipeline, pool, jobs: int,
               timings: dict[str, float] | None) -> Iterator[Outcome]:
    if pool is None:
        for task in tasks:
            yield run_task(task, pipeline, timings)
        return
    ahead = jobs * _CHUNK * 4
    gate = threading.Semaphore(ahead)
    stop = threading.Event()

    def bounded():
        # Pool.imap reads its input eagerly (a whole JSONL corpus would sit in memory):
        # stay at most `ahead` tasks in front of the results taken
        for task in tasks:
            gate.acquire()
            if stop.is_set():
                return
            yield task

    try:
        for outcome in pool.imap(_worker_task, bounded(), chunksize=_CHUNK):
            gate.release()
            yield outcome
    finally:
        stop.set()
        gate.release()       # let the pool's feeder thread see the stop and end


def _run_dask(tasks: Iterable[Task], settings: dict, jobs: int, scheduler: str | None,
              batch: int = 64) -> Iterator[tuple[int, list[Outcome]]]:
    """(batch number, outcomes) for batches of ``batch`` tasks, in submission order."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise KGError("--engine dask needs dask.distributed: pip install -e '.[dask]'") from exc
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=jobs > 1,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        in_flight = max(4, 2 * len(client.scheduler_info().get("workers", {})) or 4)
        pending: dict = {}
        done: dict[int, list[Outcome]] = {}
        next_out = 0
        seq = as_completed()
        it = iter(tasks)
        n = 0
        exhausted = False

        def submit():
            nonlocal n, exhausted
            part = []
            for task in it:
                part.append(task)
                if len(part) >= batch:
                    break
            if not part:
                exhausted = True
                return
            fut = client.submit(_worker_batch, part, settings, pure=False)
            pending[fut.key] = n
            seq.add(fut)
            n += 1

        while not exhausted and len(pending) < in_flight:
            submit()
        for fut in seq:
            idx = pending.pop(fut.key)
            done[idx] = fut.result()
            fut.release()
            while next_out in done:
                yield next_out, done.pop(next_out)
                next_out += 1
            while not exhausted and len(pending) < in_flight:
                submit()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _StoreWriter:
    """Loads batches into the store in a thread, while the next batch is extracted.

    The bulk loader runs in Rust without the GIL: on two cores it overlaps with
    extraction instead of adding to it. At most two batches wait; an error in the thread
    is raised by :meth:`close`.
    """

    def __init__(self, store, clear_first: bool, cpu: int | None = None):
        import queue

        self.store, self.clear_first, self.cpu = store, clear_first, cpu
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._run, name="kg-store-writer", daemon=True)
        self.thread.start()

    def _run(self):
        if self.cpu is not None:
            # Linux affinity is per thread, and the bulk loader's threads inherit this one's
            os.sched_setaffinity(0, {self.cpu})
        while True:
            batch = self.queue.get()
            if batch is None:
                return
            if self.error is not None:
                continue
            t = time.perf_counter()
            try:
                self.store.replace(batch, clear_first=self.clear_first)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the builder's thread
                self.error = exc
            self.seconds += time.perf_counter() - t

    def put(self, batch):
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class _TypedFromUnion:
    """What :class:`kg.store.VizCollector` asks of the store before it is loaded: the
    typed entities, here from the merged entity triples."""

    def __init__(self, union: _Union):
        import pyoxigraph as ox

        self.typed = {ox.NamedNode(s[1:-1]) for s in union.typed}

    def typed_entities(self) -> set:
        return self.typed


#: VizCollector's default ``max_nodes``
_VIZ_MAX_NODES = 5000


def _finish_parts(report, store, writer, spool, union, live, pool, out_dir, store_dir, current, fp, *,
                  html, timings, started) -> BuildReport:
    """The rest of a full build: graph.ttl from the workers' pieces, then the store is
    finished (its last batches and its default graph) in a thread while graph.html is
    drawn here; the manifest last."""
    import pyoxigraph as ox

    from .store import VizCollector, sync_union

    clock = time.perf_counter
    report.articles = len(current)
    if pool is not None:
        pool.terminate()        # every result is in: free the workers' cores for what follows
    report.phases["extract"] = clock() - started
    report.entities, report.relations = len(union.mentioned), union.statements
    ttl, page = out_dir / "graph.ttl", out_dir / "graph.html"
    t = clock()
    merged = _write_union_turtle(ttl, spool, union)
    spool.close()
    if timings is not None:
        timings["serialize"] = clock() - t
    # graph.html, when the documents' triples were gathered while they came in: drawn in a
    # forked process, so that it has a core and an interpreter of its own beside the store's
    # last work (its default graph is parsed from graph.ttl in Python too)
    t = clock()
    if live.importer is not None:
        live.importer.join()      # no fork while another thread holds an import lock
    drawing = _draw_in_child(live.viz, merged, page) if html and live.viz is not None else None
    failed: list[BaseException] = []
    store_seconds = [0.0]

    def finish_store():
        t0 = clock()
        try:
            if writer is not None:
                writer.close()
                store_seconds[0] += writer.seconds
            store.flush()
            sync_union(store)      # the default graph: a copy of the graph.ttl just written
        except BaseException as exc:  # noqa: BLE001 - re-raised in the builder's thread
            failed.append(exc)
        store_seconds[0] += clock() - t0

    finisher = threading.Thread(target=finish_store, name="kg-store-finish", daemon=True)
    finisher.start()
    try:
        if drawing is not None:
            drawing()
            report.outputs["html"] = page
        elif html:
            viz = live.viz
            if viz is not None:         # the documents' triples are in: add the merged ones
                _draw(viz, merged, page)
            else:
                typed = _TypedFromUnion(union)
                if len(typed.typed) > _VIZ_MAX_NODES:   # then VizCollector ranks them by the store's relations
                    finisher.join()
                    if failed:
                        raise failed[0]
                    typed = store
                viz = VizCollector(typed)
                for quad in ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE):
                    viz(quad)
                _draw(viz, [], page)
            report.outputs["html"] = page
        if html and timings is not None:
            timings["html"] = clock() - t + live.seconds
    finally:
        finisher.join()
    if failed:
        raise failed[0]
    store.close()
    _write_manifest(out_dir, current, fp)
    report.outputs["turtle"] = ttl
    report.outputs["store"] = store_dir
    if timings is not None:
        timings["store"] = store_seconds[0]
    report.seconds = clock() - started
    report.phases["finish"] = report.seconds - report.phases["extract"]
    return report


def _draw(viz, merged, page: Path) -> None:
    """graph.html from a VizCollector that holds everything but ``merged``."""
    from .viz import graph_to_html

    for quad in merged:
        viz(quad)
    title = "policykg" + (f": {viz.note}" if viz.note else "")
    graph_to_html(viz.result(), page, title=title)


def _draw_in_child(viz, merged, page: Path) -> Callable[[], None] | None:
    """:func:`_draw` in a forked process; returns a function that waits for it and raises
    what it raised. None where there is no fork (then the caller draws itself)."""
    if not hasattr(os, "fork"):
        return None
    import pickle

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                # the child: draw, report a failure through the pipe, never return
        code = 0
        try:
            os.close(r)
            _draw(viz, merged, page)
        except BaseException as exc:  # noqa: BLE001 - sent to the parent
            code = 1
            try:
                data = pickle.dumps(exc)
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                data = pickle.dumps(KGError(f"drawing graph.html failed: {exc!r}"))
            with os.fdopen(w, "wb") as fh:
                fh.write(data)
        finally:
            os._exit(code)
    os.close(w)

    def wait() -> None:
        with os.fdopen(r, "rb") as fh:
            data = fh.read()
        _, status = os.waitpid(pid, 0)
        if data:
            raise pickle.loads(data)
        if os.waitstatus_to_exitcode(status) != 0:
            raise KGError(f"drawing graph.html failed: its process ended with status {status}")
    return wait


def _write_union_turtle(path: Path, spool, union: _Union) -> list:
    """graph.ttl, atomically: the prefixes, the documents' own Turtle from ``spool``, then
    the merged entity and relation triples, which are returned (pyoxigraph quads)."""
    import shutil

    import pyoxigraph as ox

    from .atomic import atomic_write
    from .graph import PREFIXES

    merged = list(ox.parse(union.ntriples().encode("utf-8", "replace"), format=ox.RdfFormat.N_TRIPLES))
    body = ox.serialize(merged, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) if merged else b""
    header = _turtle_header()
    if body and not body.startswith(header):    # pragma: no cover - a pyoxigraph that writes prefixes otherwise
        raise KGError("pyoxigraph wrote an unexpected Turtle header")

    def write(fh):
        fh.write(header)
        spool.seek(0)
        shutil.copyfileobj(spool, fh, 1 << 20)
        fh.write(body[len(header):])
    atomic_write(path, write)
    return merged


class _NothingTyped:
    def typed_entities(self) -> set:
        return set()


class _LiveViz:
    """graph.html's triples gathered while articles come in, each document's own triples
    as it arrives (by the builder, which waits on the workers otherwise), so that only
    the merged entity triples and the drawing are left for after extraction.

    :class:`kg.store.VizCollector` keeps every entity up to its ``max_nodes``; past that
    it ranks entities by the whole graph's relations, known at the end only: then this
    gives up and the page is gathered from graph.ttl afterwards.
    """

    def __init__(self, union: _Union, enabled: bool):
        self.union = union
        self.viz = None
        if enabled:
            from .store import VizCollector

            self.viz = VizCollector(_NothingTyped())
        self.seconds = 0.0
        self.importer: threading.Thread | None = None

    def add(self, turtle: bytes) -> None:
        if self.viz is None:
            return
        if len(self.union.typed) > _VIZ_MAX_NODES:
            self.viz = None
            return
        import pyoxigraph as ox

        t = time.perf_counter()
        viz = self.viz
        for quad in ox.parse(_turtle_header() + turtle, format=ox.RdfFormat.TURTLE):
            viz(quad)
        self.seconds += time.perf_counter() - t


def _import_viz():
    """kg.viz imports pyvis, networkx and numpy (0.2 s or more): done while the articles
    are extracted, by a thread of the builder, instead of after."""
    try:
        from . import viz  # noqa: F401
        viz._vis_network_js()
    except Exception:  # noqa: BLE001 - the drawing reports it later, where it belongs
        pass


# ---------------------------------------------------------------------------------------
# Manifest


def fingerprint(settings: dict) -> str:
    """A hash of the extraction code, its data and the recognizer settings."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    here = Path(__file__).parent
    for name in _EXTRACTION_MODULES:
        p = here / f"{name}.py"
        if p.exists():
            h.update(p.read_bytes())
    data = here / "data"
    for p in sorted(data.rglob("*")):
        rel = p.relative_to(data)
        if p.is_file() and rel.parts[0] not in _NOT_EXTRACTION_DATA:
            h.update(str(rel).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def read_manifest(out_dir: Path) -> dict:
    """``DIR/manifest.json``: {"articles": {file name: content hash}, "fingerprint": ...}."""
    try:
        data = json.loads((Path(out_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    return data


def _write_manifest(out_dir: Path, articles: dict[str, str], fp: str) -> Path:
    from .atomic import atomic_write_text

    data = {"version": MANIFEST_VERSION, "fingerprint": fp, "articles": articles}
    return atomic_write_text(Path(out_dir) / "manifest.json", json.dumps(data, ensure_ascii=False, indent=1))


# ---------------------------------------------------------------------------------------
# build


@dataclass
class BuildReport:
    """What a build did, for the CLI to print and tests to check."""

    articles: int = 0               # articles in the graph after the build
    skipped: list[Skipped] = field(default_factory=list)
    entities: int = 0
    relations: int = 0
    seconds: float = 0.0
    outputs: dict[str, Path] = field(default_factory=dict)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    rebuilt: str = ""               # why every article was extracted again, if it was
    chars: int = 0                  # characters of the articles extracted in this build
    #: wall seconds of "extract" (reading, extraction, loading the store) and "finish"
    #: (graph.ttl, graph.html, manifest): --jobs shortens only the first
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def extracted(self) -> int:
        return self.new + self.changed

    def changes(self) -> str:
        """"1 new, 0 changed, 5 unchanged, 0 removed"."""
        return f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged, {self.removed} removed"


def _tasks(paths: list, old: dict[str, str], report: BuildReport, on_skip, seen: set) -> Iterator[Task]:
    """The corpus as tasks, streamed: files are left for the worker to read, JSONL lines
    are read here (one file, many articles)."""
    from .ingest import _read_any, iter_articles

    def read(path: Path):
        if path.suffix.lower() == ".jsonl":
            yield from _read_any(path)
        else:
            yield path

    for item in iter_articles(paths, read=read):
        if isinstance(item, Skipped):
            report.skipped.append(item)
            if on_skip:
                on_skip(item)
            continue
        if isinstance(item, Path):
            name, path, article = item.name, str(item), None
        else:
            name, path, article = item.file_name, item.path, item
        if name in seen:
            skip = Skipped(path or name, f"another input has the file name {name!r}; each article is one "
                                         "document keyed by its file name: rename one of them", getattr(article, "line", None))
            report.skipped.append(skip)
            if on_skip:
                on_skip(skip)
            continue
        seen.add(name)
        yield Task(name, path=path, article=article, old_hash=old.get(name))


def _with_parts(tasks: Iterable[Task]) -> Iterator[Task]:
    for task in tasks:
        task.parts = True
        yield task


def build(paths: Iterable[str | Path] | None, out_dir: str | Path, *, html: bool = True,
          pipeline: Pipeline | None = None, progress: Callable[[Iterable], Iterable] | None = None,
          on_skip: Callable[[Skipped], None] | None = None, jobs: int = 1, engine: str = "local",
          scheduler: str | None = None, full: bool = False, batch_docs: int = 256,
          timings: dict[str, float] | None = None) -> BuildReport:
    """Build ``out_dir`` from the articles under ``paths``: ``store/`` (one named graph per
    article), ``graph.ttl`` (their union), ``graph.html`` and ``manifest.json``.

    ``paths`` of ``None`` builds the sample corpus shipped with policykg. Articles are
    streamed: read, extracted and written to the store in batches of ``batch_docs``, so
    memory does not grow with the corpus. Files that cannot be read, and articles that
    break a stage, are reported through ``on_skip`` and left out.

    When ``out_dir`` holds an earlier build made with the same extraction code and data,
    only new and changed articles (by content hash) are extracted; a changed article's
    graph is replaced and a removed article's graph is dropped (``full`` re-extracts all).

    ``engine`` "local" runs ``jobs`` processes (1: this one); "dask" runs the extraction
    on a Dask cluster (``scheduler`` address, else a local cluster of ``jobs`` workers)
    and writes ``out_dir/shards/part-*.nq`` before loading them. ``timings``, a dict,
    receives seconds per stage (one-process builds only).

    >>> report = build(["corpus/"], "output", jobs=2)          # doctest: +SKIP
    >>> report.changes()                                       # doctest: +SKIP
    '120 new, 0 changed, 0 unchanged, 0 removed'
    """
    started = time.perf_counter()
    report = BuildReport()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if engine not in ("local", "dask"):
        raise KGError(f"unknown engine {engine!r}: choose local or dask")
    pipeline = pipeline or Pipeline()
    if timings is not None and engine == "local" and jobs <= 1:
        pipeline.timings = timings
    else:
        timings = None
    settings = pipeline.settings
    fp = fingerprint(settings)

    store_dir = out_dir / "store"
    manifest = read_manifest(out_dir)
    old: dict[str, str] = dict(manifest.get("articles") or {})
    if full:
        report.rebuilt = "asked for a full build"
    elif not manifest or not store_dir.is_dir():
        report.rebuilt = "first build" if not (out_dir / "graph.ttl").exists() else "no earlier manifest"
    elif manifest.get("fingerprint") != fp:
        report.rebuilt = "extraction code, data or settings changed"
    if report.rebuilt:
        old = {}

    source = [SAMPLE_DIR] if not paths else list(paths)
    seen: set[str] = set()
    tasks = _tasks(source, old, report, on_skip, seen)
    if report.rebuilt and engine == "local":
        # every article is extracted: graph.ttl is made from what the workers send back
        # (no pass over the store afterwards; see _Union)
        tasks = _with_parts(tasks)
    # the pool forks before the store is opened: no RocksDB state in the children
    pool = _start_pool(pipeline, jobs) if engine == "local" and jobs > 1 else None
    try:
        return _build(report, tasks, pipeline, pool, out_dir, store_dir, manifest, old, fp, html=html,
                      progress=progress, on_skip=on_skip, jobs=jobs, engine=engine, scheduler=scheduler,
                      batch_docs=batch_docs, timings=timings, started=started)
    finally:
        pipeline.timings = None
        if pool is not None:
            pool.terminate()
            pool.join()


def _build(report, tasks, pipeline, pool, out_dir, store_dir, manifest, old, fp, *, html, progress,
           on_skip, jobs, engine, scheduler, batch_docs, timings, started) -> BuildReport:
    from .store import GraphStore

    clock = time.perf_counter
    settings = pipeline.settings
    store = GraphStore(store_dir, fresh=bool(report.rebuilt))
    if not report.rebuilt:
        present = {g.value for g in store.store.named_graphs()}
        from .graph import document_iri

        missing = [n for n in old if str(document_iri(n)) not in present]
        if missing:        # the store lost graphs the manifest lists: extract those again
            for n in missing:
                old.pop(n)

    current: dict[str, str] = {}
    batch: list[tuple[str, bytes]] = []
    # A build that extracts every article writes graph.ttl from the pieces the workers
    # return: each document's own triples already as Turtle, spooled to an unnamed file in
    # input order, and the entity triples merged here. The store is not read back.
    union = spool = live = None
    if report.rebuilt and engine == "local":
        import tempfile

        union = _Union()
        spool = tempfile.TemporaryFile(dir=out_dir)
        live = _LiveViz(union, html)
        if html:
            live.importer = threading.Thread(target=_import_viz, name="kg-import-viz", daemon=True)
            live.importer.start()
    t_store = 0.0
    writer = None

    def flush_batch():
        if batch:
            writer.put(list(batch))
            batch.clear()

    def take(outcome: Outcome):
        if outcome.status in ("skipped", "failed"):
            report.skipped.append(outcome.skipped)
            if on_skip:
                on_skip(outcome.skipped)
            return False
        current[outcome.file_name] = outcome.content_hash
        if outcome.status == "unchanged":
            report.unchanged += 1
            return False
        if outcome.file_name in old:
            report.changed += 1
        else:
            report.new += 1
        report.chars += outcome.chars
        if union is not None:
            spool.write(outcome.turtle)
            union.add(outcome)
            live.add(outcome.turtle)
        return True

    shards = out_dir / "shards"
    if engine == "dask":
        import shutil

        shutil.rmtree(shards, ignore_errors=True)
        shards.mkdir(parents=True)
        stream = _run_dask(tasks, settings, jobs, scheduler)
        stream = progress(stream) if progress else stream
        written = []
        for idx, outcomes in stream:
            parts = [o.nquads for o in outcomes if take(o)]
            if parts:
                shard = shards / f"part-{idx:05d}.nq"
                shard.write_bytes(b"".join(parts))
                written.append(shard)
        t = clock()
        # a changed article's old graph goes before its new triples are loaded
        store.remove(n for n in current if n in old and old[n] != current[n])
        for shard in written:
            store.load_nquads(shard)
        t_store += clock() - t
    else:
        # One extraction process on a machine with two cores or more: the store's loader
        # threads keep to one core, so extraction always has another. Unpinned, they took
        # turns with extraction on both cores and the 10,000-article extraction phase ran
        # 14x the 1,000-article one. (Extraction itself is left free to move.)
        writer_cpu = None
        if pool is None and hasattr(os, "sched_setaffinity"):
            cpus = sorted(os.sched_getaffinity(0))
            if len(cpus) >= 2:
                writer_cpu = cpus[-1]
        # (Loading the store after extraction instead, beside the drawing of graph.html, when
        # worker processes hold every core, was slower: the load became the last thing to
        # finish, 3.8 s of finish phase instead of 2.5 to 3 s for 1,000 articles with two jobs.)
        writer = _StoreWriter(store, clear_first=not report.rebuilt, cpu=writer_cpu)
        stream = _run_local(tasks, pipeline, pool, jobs, timings)
        stream = progress(stream) if progress else stream
        done = False
        try:
            for outcome in stream:
                if take(outcome):
                    batch.append((outcome.file_name, outcome.nquads))
                    if len(batch) >= batch_docs:
                        flush_batch()
            flush_batch()
            done = True
        finally:
            if writer is not None and (union is None or not done):
                t = clock()
                writer.close()
                t_store += writer.seconds + clock() - t     # loading time, mostly hidden behind extraction
        if union is not None:
            return _finish_parts(report, store, writer, spool, union, live, pool, out_dir, store_dir,
                                 current, fp, html=html, timings=timings, started=started)

    # Inputs named in the old manifest and absent now (or now unreadable) are removed.
    gone = [n for n in manifest.get("articles", {}) if n not in current] if not report.rebuilt else []
    t = clock()
    report.removed = store.remove(gone)
    store.flush()
    t_store += clock() - t
    report.articles = len(current)
    if pool is not None:
        pool.terminate()        # every result is in: free the workers' cores for what follows
    report.phases["extract"] = clock() - started
    changed = bool(report.extracted or report.removed or report.rebuilt)
    ttl, page = out_dir / "graph.ttl", out_dir / "graph.html"
    write_ttl = changed or not ttl.exists()
    write_html = html and (changed or not page.exists())
    from .graph import document_iri

    order = {str(document_iri(n)): i for i, n in enumerate(current)} if (write_ttl or write_html) else {}
    # From here on the store is only read. (Drawing graph.html in a second process that
    # read the store beside this one was slower at 10,000 articles: both passes decode
    # the same quads, so the page is gathered on graph.ttl's pass instead.)
    viz = None
    if write_ttl or write_html:
        from .store import VizCollector

        t = clock()
        viz = VizCollector(store) if write_html else None
        also = viz
        if viz is not None and timings is not None:   # the page's share of the pass, timed apart
            t_viz = [0.0]

            def also(triple, collect=viz):
                t0 = clock()
                collect(triple)
                t_viz[0] += clock() - t0
        if write_ttl and union is not None:
            _write_union_turtle(ttl, spool, union)
            if also is not None:
                import pyoxigraph as ox

                for quad in ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE):
                    also(quad)
        elif write_ttl:
            store.write_turtle(ttl, order, also=also)
        else:
            for triple in store.union_triples(order):
                also(triple)
        if timings is not None:
            timings["serialize"] = clock() - t - (t_viz[0] if also is not viz else 0.0)
            if also is not viz:
                timings["html"] = t_viz[0]
    report.outputs["turtle"] = ttl
    report.outputs["store"] = store_dir
    if engine == "dask":
        report.outputs["shards"] = shards
    if union is not None:
        report.entities, report.relations = len(union.mentioned), union.statements
        spool.close()
    else:
        report.entities = store.entity_count()
        report.relations = store.statement_count()
    store.close()
    _write_manifest(out_dir, current, fp)
    if html:
        report.outputs["html"] = page
    if viz is not None:
        from .viz import graph_to_html

        t = clock()
        title = "policykg" + (f": {viz.note}" if viz.note else "")
        graph_to_html(viz.result(), page, title=title)
        if timings is not None:
            timings["html"] = timings.get("html", 0.0) + clock() - t
    if timings is not None:
        timings["store"] = t_store
    report.seconds = time.perf_counter() - started
    report.phases["finish"] = report.seconds - report.phases["extract"]
    return report
