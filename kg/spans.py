"""Candidate spans and what each one carries: which rule proposed it, its score, KB ids.

spaCy keys a span's custom attributes by its character offsets, so two candidates over
the same characters (the KB's 山东省人民政府 and a model's) would share and overwrite
them. The metadata therefore lives in the span's own identity: ``span.id_`` holds
"extractor|score" and ``span.kb_id_`` the comma-joined knowledge-base ids; the
``span._.kg_*`` attributes are read-only views of them.
"""
from __future__ import annotations

from spacy.tokens import Doc, Span

CANDIDATES = "kg_candidates"
TEXT_KEY = "kg_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once: spaCy rebuilds it from every token on each access, and
    the components ask for it many times per article (a third of the recognizer's time)."""
    text = doc.user_data.get(TEXT_KEY)      # a Doc's text never changes once it is made
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


def extractor_of(span: Span) -> str:
    return span.id_.split("|", 1)[0]


def score_of(span: Span) -> float:
    parts = span.id_.split("|", 1)
    return float(parts[1]) if len(parts) == 2 and parts[1] else 1.0


def candidates_of(span: Span) -> tuple[str, ...]:
    return tuple(x for x in span.kb_id_.split(",") if x)


for _name, _getter in (("kg_extractor", extractor_of), ("kg_score", score_of), ("kg_candidates", candidates_of)):
    if Span.has_extension(_name):
        Span.remove_extension(_name)
    Span.set_extension(_name, getter=_getter)


def make_span(doc: Doc, start: int, end: int, label: str, extractor: str, score: float = 1.0,
              candidates=(), alignment_mode: str = "strict") -> Span | None:
    """A span over characters ``start:end`` carrying its rule, score and KB candidates."""
    return doc.char_span(start, end, label=label, alignment_mode=alignment_mode,
                         kb_id=",".join(candidates), span_id=f"{extractor}|{score:.4f}")


def add_candidate(doc: Doc, start: int, end: int, label: str, extractor: str, score: float = 1.0,
                  candidates=(), key: str = CANDIDATES, alignment_mode: str = "strict") -> Span | None:
    """Append a candidate to ``doc.spans[key]``; None when the characters do not align."""
    span = make_span(doc, start, end, label, extractor, score, candidates, alignment_mode)
    if span is None or not span.text.strip():
        return None
    doc.spans.setdefault(key, []).append(span)
    return span


def with_meta(span: Span, *, extractor: str | None = None, score: float | None = None,
              candidates=None) -> Span:
    """A copy of ``span`` with some of its metadata replaced."""
    return make_span(span.doc, span.start_char, span.end_char, span.label_,
                     extractor if extractor is not None else extractor_of(span),
                     score if score is not None else score_of(span),
                     candidates if candidates is not None else candidates_of(span))
