"""Statistical named-entity recognizers that add candidates for :mod:`kg.recognize`.

Two spaCy components, each appending spans to ``doc.spans["kg_candidates"]`` for
``kg_span_resolver`` to choose from, like ``kg_kb_ruler`` and ``kg_pattern_recognizer``:

``kg_statistical_ner`` (config ``{"model": None, "min_score": 0.0}``)
    runs policykg's own trained pipeline, ``kg/data/models/zh_ner`` (spaCy, one token per
    character, trained by ``python scripts/train_ner.py`` on CLUENER2020, MSRA and People's
    Daily). PER -> Person, ORG -> Organization, LOC -> Place, with
    ``span._.kg_extractor = "ner"``. POSITION spans (部长, 董事长, ...) are not entities: they
    go to ``doc.spans["kg_positions"]`` (label ``Position``) for the relation extractor.
    The greedy transition-based NER gives no per-span probability, so ``span._.kg_score``
    is the label's precision on the model's held-out test (from ``metrics.json``; 0.5 where
    unknown): a per-label prior, the same for every span of that label. ``min_score`` drops
    labels whose prior is lower. Spans without a Han character are dropped (the model
    learned Chinese names; Latin names are left to the knowledge base and patterns).
``kg_hanlp_ner`` (config ``{"model": None}``)
    runs a HanLP 2.1 NER model from a local directory (``model``, or
    ``$HANLP_HOME/policykg_ner``; ``$HANLP_HOME`` defaults to ``~/.hanlp``), with
    ``span._.kg_extractor = "ner_hanlp"`` and score 0.5. HanLP is an optional extra
    (``pip install -e '.[hanlp]'``); :func:`hanlp.load` is only ever given a directory that
    exists, never a model name or URL, so nothing is downloaded. ``python
    scripts/train_hanlp.py DIR`` trains one offline (HanLP's RNNNamedEntityRecognizer).

Both models are loaded once per component instance; texts are cut at line breaks and long
sentences into pieces, and the pieces of many docs are predicted in batches
(``nlp.pipe`` calls the components' ``pipe``). A missing model raises
:class:`kg.errors.BackendError` naming the path and how to get the model.
"""
from __future__ import annotations

import json
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from .errors import BackendError
from .kb import DATA_DIR

from .spans import add_candidate, doc_text  # also registers the span._.kg_* attributes

MODEL_DIR = DATA_DIR / "models" / "zh_ner"
CANDIDATES_KEY = "kg_candidates"
POSITIONS_KEY = "kg_positions"
POSITION_LABEL = "Position"
#: The trained model's labels -> policykg's entity types (POSITION is handled apart).
NER_LABELS = {"PER": "Person", "ORG": "Organization", "LOC": "Place"}
#: HanLP's label sets (MSRA: NR/NS/NT; OntoNotes: PERSON/GPE/LOC/ORG; PKU: PER/LOC/ORG).
HANLP_LABELS = {"PER": "Person", "PERSON": "Person", "NR": "Person",
                "LOC": "Place", "LOCATION": "Place", "GPE": "Place", "NS": "Place",
                "ORG": "Organization", "ORGANIZATION": "Organization", "NT": "Organization"}
DEFAULT_SCORE = 0.5
HANLP_EXTRA = "pip install -e '.[hanlp]'"
HANLP_DEFAULT_DIR = "policykg_ner"
TRAIN_HINT = "python scripts/train_ner.py"

_HAN_RE = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_SENT_END = "。！？!?；;"


def text_pieces(text: str, max_len: int = 200) -> list[tuple[int, int]]:
    """(start, end) of the pieces a model reads: lines, cut after 。！？ (then anywhere) when
    longer than ``max_len``, without surrounding spaces; pieces with no Han character are left
    out (a Chinese model finds nothing there)."""
    out = []
    for line in re.finditer(r"[^\r\n]+", text):
        start, end = line.start(), line.end()
        while start < end:
            stop = end
            if stop - start > max_len:
                window = text[start:start + max_len]
                cut = max(window.rfind(ch) for ch in _SENT_END)
                stop = start + (cut + 1 if cut > 0 else max_len)
            s, e = start, stop
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s and _HAN_RE.search(text, s, e):
                out.append((s, e))
            start = stop
    return out


def _add_span(doc: Doc, key: str, start: int, end: int, label: str, extractor: str,
              score: float) -> Span | None:
    return add_candidate(doc, start, end, label, extractor, score, key=key, alignment_mode="expand")


# --------------------------------------------------------------------------------------
# policykg's trained spaCy model
# --------------------------------------------------------------------------------------
def load_statistical_model(path: str | Path | None = None):
    """The trained pipeline at ``path`` (default ``kg/data/models/zh_ner``)."""
    import spacy

    path = Path(path) if path else MODEL_DIR
    if not (path / "config.cfg").is_file():
        raise BackendError(
            f"no trained NER model at {path}: train it with `{TRAIN_HINT}` "
            "(reads ../shared/datasets/ner, writes kg/data/models/zh_ner), or pass "
            "config={'model': '/path/to/model'}")
    try:
        return spacy.load(path)
    except Exception as e:  # a corrupt copy or an incompatible spaCy version
        raise BackendError(f"cannot load the NER model at {path}: {e}; "
                           f"retrain it with `{TRAIN_HINT}`") from e


def label_scores(path: str | Path | None = None) -> dict[str, float]:
    """Each label's precision on the held-out test (CLUENER dev for POSITION), 0..1."""
    metrics = Path(path) if path else MODEL_DIR
    try:
        data = json.loads((metrics / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for split in ("cluener_dev", "held_out_test"):       # held-out first wins below
        for label, prf in (data.get(split) or {}).items():
            if label != "overall" and isinstance(prf, dict) and prf.get("tp", 0) + prf.get("fp", 0):
                out[label] = round(float(prf["p"]) / 100.0, 3)
    return out


class StatisticalNER:
    """Adds the trained model's PER/ORG/LOC spans as candidates and POSITION spans apart."""

    extractor = "ner"

    def __init__(self, model_path: str | Path | None = None, min_score: float = 0.0,
                 max_len: int = 200):
        self.path = Path(model_path) if model_path else MODEL_DIR
        self.model = load_statistical_model(self.path)
        self.scores = label_scores(self.path)
        self.min_score = float(min_score)
        self.max_len = max_len

    def score(self, label: str) -> float:
        return self.scores.get(label, DEFAULT_SCORE)

    def __call__(self, doc: Doc) -> Doc:
        self._annotate([doc], batch_size=64)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            self._annotate(batch, batch_size)
            yield from batch

    def _annotate(self, docs: list[Doc], batch_size: int) -> None:
        jobs = []                                         # (doc, piece start, piece text)
        for doc in docs:
            doc.spans.setdefault(CANDIDATES_KEY, [])
            doc.spans.setdefault(POSITIONS_KEY, [])
            text = doc_text(doc)
            jobs.extend((doc, s, text[s:e]) for s, e in text_pieces(text, self.max_len))
        texts = [t for _, _, t in jobs]
        for (doc, offset, _), pred in zip(jobs, self.model.pipe(texts, batch_size=max(batch_size, 64))):
            for ent in pred.ents:
                if not _HAN_RE.search(ent.text):
                    continue                # "title", "tags": Latin words are not its domain
                start, end = offset + ent.start_char, offset + ent.end_char
                score = self.score(ent.label_)
                if score < self.min_score:
                    continue
                if ent.label_ == "POSITION":
                    _add_span(doc, POSITIONS_KEY, start, end, POSITION_LABEL, self.extractor, score)
                elif ent.label_ in NER_LABELS:
                    _add_span(doc, CANDIDATES_KEY, start, end, NER_LABELS[ent.label_],
                              self.extractor, score)


@Language.factory("kg_statistical_ner", default_config={"model": None, "min_score": 0.0})
def make_statistical_ner(nlp: Language, name: str, model: str | None, min_score: float):
    return StatisticalNER(model, min_score)


# --------------------------------------------------------------------------------------
# HanLP (optional extra)
# --------------------------------------------------------------------------------------
def hanlp_model_dir(model: str | Path | None = None) -> Path:
    """``model`` if it is an existing path or absolute, else ``$HANLP_HOME/<model>``;
    no model: ``$HANLP_HOME/policykg_ner``."""
    home = Path(os.environ.get("HANLP_HOME") or Path.home() / ".hanlp").expanduser()
    if not model:
        return home / HANLP_DEFAULT_DIR
    path = Path(model).expanduser()
    return path if path.is_absolute() or path.exists() else home / path


def _remote_references(config_file: Path) -> list[str]:
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found = []

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, str) and re.match(r"(?i)^(https?|ftp)://", x):
            found.append(x)

    walk(data)
    return found


_FORK_GUARD: list[bool] = []


def _one_torch_thread_after_fork() -> None:
    """A process forked after torch ran (``kg build -j N`` forks the loaded pipeline) hangs
    in its first LSTM forward on torch's inherited intra-op thread pool: workers use one
    torch thread each (they are the parallelism)."""
    if _FORK_GUARD or not hasattr(os, "register_at_fork"):
        return
    import torch

    os.register_at_fork(after_in_child=lambda: torch.set_num_threads(1))
    _FORK_GUARD.append(True)


def load_hanlp_model(model: str | Path | None = None):
    """A HanLP NER component from a local directory; never a download."""
    try:
        import hanlp  # noqa: F401  (optional, about 1 GB with torch)
    except ImportError as e:
        raise BackendError(f"the HanLP NER backend needs HanLP: {HANLP_EXTRA} "
                           f"(then put a trained model in $HANLP_HOME/{HANLP_DEFAULT_DIR})") from e
    path = hanlp_model_dir(model)
    if not path.is_dir():
        raise BackendError(
            f"no HanLP NER model at {path}: pass config={{'model': '/path/to/model_dir'}} or "
            f"put one there, e.g. `python scripts/train_hanlp.py {path}` (policykg only loads "
            f"local directories; it never downloads)")
    remote = _remote_references(path / "config.json")
    if remote:
        raise BackendError(f"the HanLP model at {path} refers to remote resources "
                           f"({remote[0]}): use a self-contained local model")
    # Fail fast instead of reaching the Hugging Face hub for a transformer named in the
    # model's config (only if the user has not chosen otherwise).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # hanlp.load maps a string that is one of its pretrained names (a relative folder called
    # MSRA_NER_ELECTRA_SMALL_ZH, say) to a download URL: give it the absolute path, and no
    # "Building model ..." progress line on stdout.
    try:
        component = hanlp.load(str(path.resolve()), verbose=False)
    except Exception as e:
        raise BackendError(f"cannot load the HanLP model at {path}: {e}") from e
    crf = getattr(getattr(component, "model", None), "crf", None)
    if crf is not None and hasattr(crf, "batch_first") and not crf.batch_first:
        # HanLP 2.1.5's RNNTaggingModel passes crf_constraints (None) as the CRF's
        # batch_first: a model trained with crf=True then predicts nothing (or IndexError).
        crf.batch_first = True
    _one_torch_thread_after_fork()
    return component


def _hanlp_entity(item) -> tuple[str, int, int] | None:
    """(label, start, end) of one HanLP entity: (text, label, start, end) tuples, with token
    offsets and an exclusive end, as RNN/TransformerNamedEntityRecognizer return."""
    if isinstance(item, dict):
        label = item.get("label") or item.get("type")
        start, end = item.get("begin", item.get("start")), item.get("end")
    elif isinstance(item, (tuple, list)) and len(item) >= 4:
        _, label, start, end = item[:4]
    elif isinstance(item, (tuple, list)) and len(item) == 3:
        label, start, end = item
    else:
        return None
    try:
        return str(label), operator.index(start), operator.index(end)
    except TypeError:
        return None


class HanLPNER:
    """Adds a HanLP NER model's spans as candidates; ``predict`` takes a batch of character
    lists and returns, for each, a list of (entity, label, start, end) tuples."""

    extractor = "ner_hanlp"

    def __init__(self, predict: Callable, max_len: int = 200, score: float = DEFAULT_SCORE):
        self.predict, self.max_len, self.default_score = predict, max_len, score

    def __call__(self, doc: Doc) -> Doc:
        self._annotate([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            self._annotate(batch)
            yield from batch

    def _annotate(self, docs: list[Doc]) -> None:
        jobs = []
        for doc in docs:
            doc.spans.setdefault(CANDIDATES_KEY, [])
            text = doc_text(doc)
            jobs.extend((doc, s, list(text[s:e])) for s, e in text_pieces(text, self.max_len))
        if not jobs:
            return
        results = self.predict([chars for _, _, chars in jobs])
        if len(jobs) == 1 and results and not isinstance(results[0], list):
            results = [results]                # a flat answer for a single sentence
        for (doc, offset, chars), entities in zip(jobs, results):
            for item in entities or ():
                parsed = _hanlp_entity(item)
                if parsed is None:
                    continue
                label, start, end = parsed
                kind = HANLP_LABELS.get(label.upper())
                if kind is None or not 0 <= start < end <= len(chars):
                    continue
                _add_span(doc, CANDIDATES_KEY, offset + start, offset + end, kind,
                          self.extractor, self.default_score)


@Language.factory("kg_hanlp_ner", default_config={"model": None})
def make_hanlp_ner(nlp: Language, name: str, model: str | None):
    return HanLPNER(load_hanlp_model(model))
