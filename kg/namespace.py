"""The policykg vocabulary, declared once.

Every term here is declared in ``ontology.ttl`` at the repository root (a test checks
both directions). ``_fail = True`` makes a typo such as ``KG.holdPosition`` raise at
import time instead of silently writing a wrong triple.
"""
from rdflib import Namespace
from rdflib.namespace import DefinedNamespace
from rdflib.term import URIRef

ONTOLOGY_IRI = "https://w3id.org/policykg/ontology"


class KG(DefinedNamespace):
    """Classes and properties of https://w3id.org/policykg/ontology#."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # Classes
    Document: URIRef
    Actor: URIRef
    Person: URIRef
    Organization: URIRef
    Place: URIRef
    Policy: URIRef
    Program: URIRef
    Event: URIRef
    Concept: URIRef
    Statement: URIRef

    # Documents
    fileName: URIRef
    mentions: URIRef
    language: URIRef
    contentHash: URIRef

    # The eight relations of the graph contract
    holdsPosition: URIRef
    visited: URIRef
    locatedIn: URIRef
    organized: URIRef
    participatedIn: URIRef
    promotes: URIRef
    implements: URIRef
    issued: URIRef

    # Statement provenance
    evidence: URIRef
    charStart: URIRef
    charEnd: URIRef
    confidence: URIRef
    score: URIRef
    extractor: URIRef
    positionTitle: URIRef

    # Entities
    kbId: URIRef
    mentionCount: URIRef


#: Where entity, document and statement IRIs live (not the vocabulary).
KGR = Namespace("https://w3id.org/policykg/resource/")
