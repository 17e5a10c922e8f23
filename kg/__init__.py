"""policykg: a knowledge graph of actors, policies, programmes and events in policy news.

The public API, for use from Python:

>>> import kg
>>> result = kg.extract_text("国务院总理李强在江苏苏州调研。")
>>> sorted({(r.predicate, result.entities[r.object].name) for r in result.relations
...         if r.subject == "person:li_qiang"})[:2]
[('holdsPosition', '国务院'), ('visited', '江苏省')]
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

__all__ = ["extract_text", "extract_articles", "build_graph", "sparql", "to_networkx", "Pipeline"]

_PIPELINES: dict = {}


def _pipeline(ner: str = "auto", ner_model: str | None = None, relations: str = "model"):
    """One pipeline per recognizer setting, built on first use (loading models is slow)."""
    key = (ner, ner_model, relations)
    if key not in _PIPELINES:
        from .pipeline import Pipeline

        _PIPELINES[key] = Pipeline(ner=ner, ner_model=ner_model, relation_model=_relation_setting(relations))
    return _PIPELINES[key]


def _relation_setting(relations: str) -> str | None:
    if relations not in ("model", "rules"):
        raise ValueError(f"relations must be 'model' or 'rules', not {relations!r}")
    return "default" if relations == "model" else None


def __getattr__(name):
    if name == "Pipeline":
        from .pipeline import Pipeline

        return Pipeline
    raise AttributeError(name)


def extract_text(text: str, *, file_name: str = "text.txt", language: str = "", title: str = "",
                 ner: str = "auto", ner_model: str | None = None, relations: str = "model"):
    """Extract entities and relations from one text; returns a :class:`kg.records.DocumentResult`.

    ``ner`` adds a statistical recognizer beside the rules, as ``kg build --ner``:
    "spacy" (the shipped model), "hanlp" (``ner_model`` a local HanLP model folder, else
    ``$HANLP_HOME``), "auto" (HanLP when a model is there, else spaCy's). ``relations``:
    "model" (the rules and the trained relation model, as ``kg build``) or "rules"."""
    from .records import Article

    return _pipeline(ner, ner_model, relations)(Article(file_name=file_name, text=text, language=language, title=title))


def extract_articles(paths: Iterable[str | Path], *, ner: str = "auto", ner_model: str | None = None,
                     relations: str = "model"):
    """Yield a DocumentResult for every article under ``paths`` (unreadable files are skipped)."""
    from .ingest import iter_articles
    from .pipeline import extract
    from .records import Skipped

    articles = (a for a in iter_articles(paths) if not isinstance(a, Skipped))
    yield from extract(articles, _pipeline(ner, ner_model, relations), on_error=lambda article, exc: None)


def build_graph(paths_or_texts: Iterable[str | Path], *, ner: str = "auto", ner_model: str | None = None,
                relations: str = "model"):
    """An rdflib.Graph built from files/folders, or from texts (strings that are not paths)."""
    from .graph import build_graph as _build

    items = list(paths_or_texts)
    paths = [p for p in items if isinstance(p, Path) or Path(str(p)).exists()]
    texts = [t for t in items if t not in paths]
    results = list(extract_articles(paths, ner=ner, ner_model=ner_model, relations=relations)) if paths else []
    results += [extract_text(t, file_name=f"text-{i}.txt", ner=ner, ner_model=ner_model, relations=relations)
                for i, t in enumerate(texts, 1)]
    return _build(results)


def sparql(graph_or_path, query: str):
    """Run SPARQL through Oxigraph on an rdflib.Graph, a Turtle file or a build folder
    (its store/ when the build kept one, else its graph.ttl)."""
    from .query import run_query
    from .graph import to_store

    source = graph_or_path
    if hasattr(graph_or_path, "triples"):
        source = to_store(graph_or_path)
    return run_query(source, query)


def to_networkx(graph_or_path):
    """The graph as a networkx.MultiDiGraph of entities and relations."""
    from .export import to_networkx as _to_nx

    return _to_nx(graph_or_path)
