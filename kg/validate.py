"""Check a built graph against the SHACL shapes of ``ontology.ttl`` (the graph contract).

The shapes say what every graph policykg writes must hold: each document has one
``kg:fileName``; each entity is typed and has a ``skos:prefLabel``; each statement node has
exactly one subject, predicate, object, source document, evidence sentence and a
confidence from 0 to 1, and its plain triple beside it; and the eight predicates join the
classes ``GUIDELINES.md`` allows (``kg:issued`` from an organization or place to a policy...).

    >>> report = validate("output")                       # doctest: +SKIP
    >>> report.conforms, len(report.violations)           # doctest: +SKIP
    (True, 0)
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import RDF, URIRef
from rdflib.namespace import SH

from .errors import KGError
from .graph import PREFIXES, load_graph

__all__ = ["ONTOLOGY", "Violation", "ValidationReport", "load_shapes", "validate", "validate_graph"]

#: ontology.ttl at the root of the checkout: the vocabulary and the SHACL shapes.
ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology.ttl"


@dataclass
class Violation:
    """One SHACL result: which node, along which property, broke which rule."""

    focus: str                 # the node that breaks the rule (IRI, or "_:id")
    path: str                  # the property (compact, e.g. "kg:issued"), "" for the node itself
    message: str
    value: str = ""            # the offending value, when there is one
    severity: str = "Violation"
    shape: str = ""            # the shape or constraint component that failed


@dataclass
class ValidationReport:
    """What :func:`validate` found; ``conforms`` only when there is no violation at all."""

    source: str
    triples: int
    violations: list[Violation] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        if self.conforms:
            return f"{self.source}: {self.triples:,} triples conform to the shapes"
        nodes = len({v.focus for v in self.violations})
        by_message = Counter(v.message for v in self.violations)
        top = "; ".join(f"{n} x {m}" for m, n in by_message.most_common(3))
        return (f"{self.source}: {len(self.violations)} violations on {nodes} nodes "
                f"({top})")


def _compact(term) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns):]}"
        return f"<{text}>"
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, rdflib.Literal):
        text = str(term)
        return repr(text if len(text) <= 80 else text[:77] + "...")
    return str(term)


def load_shapes(path=None) -> rdflib.Graph:
    """The shapes graph: ``ontology.ttl`` of the checkout, or the Turtle file at ``path``."""
    path = Path(path) if path is not None else ONTOLOGY
    if not path.exists():
        raise KGError(f"{path}: no shapes file; pass --shapes ontology.ttl (the file at the root "
                      "of the policykg checkout)")
    shapes = rdflib.Graph()
    try:
        shapes.parse(path, format="turtle")
    except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds
        raise KGError(f"{path}: cannot read the shapes: {exc}") from exc
    if not any(shapes.subjects(RDF.type, SH.NodeShape)):
        raise KGError(f"{path}: holds no SHACL shapes (sh:NodeShape); pass the ontology.ttl of policykg")
    return shapes


def validate_graph(graph: rdflib.Graph, shapes: rdflib.Graph | None = None, *,
                   source: str = "<graph>") -> ValidationReport:
    """Validate an rdflib graph against ``shapes`` (default: those of ``ontology.ttl``)."""
    from pyshacl import validate as shacl_validate

    shapes = shapes if shapes is not None else load_shapes()
    # No inference: the shapes name the exact classes the build writes, and the data
    # graph must not be changed by the check. "advanced" runs the SPARQL target that
    # finds statements without their plain triple.
    _conforms, results, _text = shacl_validate(graph, shacl_graph=shapes, inference="none",
                                               abort_on_first=False, allow_warnings=False,
                                               advanced=True)
    report = ValidationReport(source=source, triples=len(graph))
    for result in results.subjects(RDF.type, SH.ValidationResult):
        messages = [str(m) for m in results.objects(result, SH.resultMessage)]
        english = [str(m) for m in results.objects(result, SH.resultMessage)
                   if getattr(m, "language", None) == "en"]
        severity = results.value(result, SH.resultSeverity)
        component = results.value(result, SH.sourceConstraintComponent)
        report.violations.append(Violation(
            focus=_compact(results.value(result, SH.focusNode)),
            path=_compact(results.value(result, SH.resultPath)),
            message=(english or messages or ["(no message)"])[0],
            value=_compact(results.value(result, SH.value)),
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            shape=str(component).rsplit("#", 1)[-1] if component is not None else "",
        ))
    report.violations.sort(key=lambda v: (v.message, v.focus, v.path, v.value))
    return report


def graph_file(path) -> Path:
    """A build folder means its graph.ttl; a file is itself."""
    path = Path(path)
    if path.is_dir():
        ttl = path / "graph.ttl"
        if not ttl.exists():
            raise KGError(f"{path} has no graph.ttl; build one first with: kg build CORPUS --out {path}")
        return ttl
    if not path.exists():
        raise KGError(f"{path}: no such graph file or build folder")
    return path


def validate(path, shapes=None) -> ValidationReport:
    """Validate the graph of a build folder (its graph.ttl) or a Turtle / N-Triples file."""
    ttl = graph_file(path)
    try:
        graph = load_graph(ttl)
    except (SyntaxError, ValueError) as exc:
        raise KGError(f"{ttl}: not valid RDF: {exc}") from exc
    return validate_graph(graph, load_shapes(shapes), source=str(ttl))
