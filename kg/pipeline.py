"""The whole pipeline over one article or a corpus: ingest -> normalize -> recognize -> link -> relate.

:class:`Pipeline` loads the knowledge base and the spaCy pipelines once and turns each
article into a :class:`~kg.records.DocumentResult`; :func:`build` runs it over files and
writes the graph outputs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .kb import KnowledgeBase, load_kb
from .link import Linker
from .normalize import normalize_article
from .recognize import Recognizer, load_rules
from .records import Article, DocumentResult, Skipped
from .relate import extract_relations


class Pipeline:
    """Extraction for one article at a time; cheap to call, expensive to create once.

    >>> from kg.records import Article
    >>> result = Pipeline()(Article(file_name="a.txt", text="国务院总理李强在江苏苏州调研。"))
    >>> sorted(e.name for e in result.entities.values())
    ['国务院', '李强', '江苏省', '苏州市']
    """

    def __init__(self, kb: KnowledgeBase | None = None, data_dir: str | None = None,
                 ner: str = "rules", ner_model: str | None = None, calibration=None):
        self.kb = kb or load_kb(data_dir)
        self.calibration = calibration
        self.rules = load_rules()
        self.recognizer = Recognizer(data_dir, ner=ner, ner_model=ner_model)
        self.linker = Linker(self.kb)

    def __call__(self, article: Article) -> DocumentResult:
        article = normalize_article(article)
        mentions = self.recognizer(article)
        entities = self.linker.link(article, mentions)
        mentions = [m for m in mentions if m.entity_id]
        relations = extract_relations(article, mentions, entities, self.kb, self.rules, self.calibration)
        # keep only the entities something still points at
        used = {m.entity_id for m in mentions} | {r.subject for r in relations} | {r.object for r in relations}
        entities = {k: v for k, v in entities.items() if k in used}
        return DocumentResult(article=article, mentions=mentions, entities=entities, relations=relations)


@dataclass
class BuildReport:
    """What a build did, for the CLI to print and tests to check."""

    articles: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    entities: int = 0
    relations: int = 0
    seconds: float = 0.0
    outputs: dict[str, Path] = field(default_factory=dict)


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


def build(paths: Iterable[str | Path] | None, out_dir: str | Path, *, html: bool = True,
          pipeline: Pipeline | None = None, progress: Callable[[Iterable], Iterable] | None = None,
          on_skip: Callable[[Skipped], None] | None = None) -> BuildReport:
    """Build ``out_dir/graph.ttl`` (and ``graph.html``) from the articles under ``paths``.

    ``paths`` of ``None`` builds the sample corpus shipped with policykg. Files that cannot
    be read, and articles that break a stage, are reported through ``on_skip`` and left
    out; everything else is built. Outputs are replaced atomically.
    """
    from .graph import build_graph, write_turtle
    from .ingest import iter_articles

    started = time.perf_counter()
    report = BuildReport()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    items = list(iter_articles([SAMPLE_DIR] if not paths else list(paths)))
    articles = []
    for item in items:
        if isinstance(item, Skipped):
            report.skipped.append(item)
            if on_skip:
                on_skip(item)
        else:
            articles.append(item)

    def failed(article: Article, exc: Exception):
        skip = Skipped(path=article.path or article.file_name, reason=f"extraction failed: {exc!r}", line=article.line)
        report.skipped.append(skip)
        if on_skip:
            on_skip(skip)

    seq = progress(articles) if progress else articles
    results = list(extract(seq, pipeline, on_error=failed))
    report.articles = len(results)
    graph = build_graph(results)
    entity_ids = {eid for r in results for eid in r.entities}
    report.entities = len(entity_ids)
    report.relations = sum(len(r.relations) for r in results)
    ttl = out_dir / "graph.ttl"
    write_turtle(graph, ttl)
    report.outputs["turtle"] = ttl
    if html:
        from .viz import graph_to_html

        report.outputs["html"] = graph_to_html(graph, out_dir / "graph.html")
    report.seconds = time.perf_counter() - started
    return report
