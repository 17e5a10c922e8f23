"""Shared fixtures: the shipped knowledge base and one pipeline, built once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def kb():
    from kg.kb import load_kb

    return load_kb()


@pytest.fixture(scope="session")
def pipeline():
    from kg.pipeline import Pipeline

    return Pipeline()


@pytest.fixture(scope="session")
def extract(pipeline):
    """extract(text, language="") -> DocumentResult, with helpers to read it by name."""
    from kg.records import Article

    def run(text, language="", file_name="t.txt"):
        return pipeline(Article(file_name=file_name, text=text, language=language))

    return run


def names(result, type_=None):
    return {e.name for e in result.entities.values() if type_ is None or e.type == type_}


def triples(result):
    """(subject name, predicate, object name) for every relation of a result."""
    ents = result.entities
    return {(ents[r.subject].name, r.predicate, ents[r.object].name) for r in result.relations}
