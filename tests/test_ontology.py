"""ontology.ttl: parses, declares every kg: term in both languages, and matches the contract."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, URIRef
from rdflib.collection import Collection

sys.path.insert(0, str(Path(__file__).parent))
from test_graph import sample_results  # noqa: E402

from kg.graph import build_graph  # noqa: E402
from kg.namespace import KG, ONTOLOGY_IRI  # noqa: E402
from kg.records import ALL_TYPES, ENTITY_TYPES, PREDICATES  # noqa: E402

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology.ttl"
NS = str(KG._NS)
CLASSES = {"Document", "Actor", "Person", "Organization", "Place", "Policy", "Program", "Event",
           "Concept", "Statement"}
DATATYPE = {"fileName", "language", "contentHash", "evidence", "charStart", "charEnd", "confidence", "score",
            "extractor", "positionTitle", "kbId", "mentionCount"}
OBJECT = set(PREDICATES) | {"mentions"}

# GUIDELINES.md, "Relation types": subject classes -> object classes
CONTRACT = {
    "holdsPosition": ({"Person"}, {"Organization"}),
    "visited": ({"Person"}, {"Organization", "Place"}),
    "locatedIn": ({"Organization", "Place", "Event"}, {"Place"}),
    "organized": ({"Organization", "Place"}, {"Event"}),
    "participatedIn": ({"Person", "Organization", "Place"}, {"Event"}),
    "promotes": ({"Person", "Organization", "Place"}, {"Policy", "Program"}),
    "implements": ({"Organization", "Place"}, {"Policy", "Program"}),
    "issued": ({"Organization", "Place"}, {"Policy"}),
}


@pytest.fixture(scope="module")
def onto():
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


def _kg_terms():
    return [name for name in KG.__annotations__ if not name.startswith("_")]


def test_parses_with_both_parsers(onto):
    import pyoxigraph as ox

    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in onto
    assert len(list(ox.parse(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE))) == len(onto)


def test_namespace_matches_the_declared_kinds():
    assert set(_kg_terms()) == CLASSES | DATATYPE | OBJECT


@pytest.mark.parametrize("name", _kg_terms())
def test_every_namespace_term_is_declared_with_labels_and_comments(onto, name):
    term = KG[name]
    kind = OWL.Class if name in CLASSES else OWL.DatatypeProperty if name in DATATYPE else OWL.ObjectProperty
    assert (term, RDF.type, kind) in onto, f"{name} is not declared as {kind}"
    for prop in (RDFS.label, RDFS.comment):
        langs = {o.language for o in onto.objects(term, prop)}
        assert {"zh", "en"} <= langs, f"{name} lacks {prop} in zh and en"
    assert (term, RDFS.isDefinedBy, URIRef(ONTOLOGY_IRI)) in onto


def test_every_declared_kg_term_is_in_the_namespace(onto):
    declared = {s for s in onto.subjects() if isinstance(s, URIRef) and str(s).startswith(NS)}
    used = {t for t in onto.all_nodes() if isinstance(t, URIRef) and str(t).startswith(NS)}
    assert {str(t)[len(NS):] for t in declared | used} <= set(_kg_terms())


def test_every_kg_term_used_in_a_built_graph_is_declared(onto):
    g = build_graph(sample_results())
    used = {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(NS)}
    assert used, "the sample graph uses no kg: terms?"
    undeclared = {t for t in used if (t, RDF.type, None) not in onto}
    assert not undeclared


def test_the_six_scored_classes(onto):
    """The scorer's groups: exactly kg:Person ... kg:Event, each only itself."""
    q = ("PREFIX kg: <%s>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
         "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* kg:%s }")
    for top in ENTITY_TYPES:
        assert {c for (c,) in onto.query(q % (NS, top))} == {KG[top]}, top
    scored = set(ENTITY_TYPES)
    for cls in ALL_TYPES + ("Actor", "Document", "Statement"):
        supers = {str(o)[len(NS):] for o in onto.transitive_objects(KG[cls], RDFS.subClassOf)}
        assert supers & scored <= {cls}, f"{cls} must not fall under another scored class"
    assert not {str(o)[len(NS):] for o in onto.transitive_objects(KG.Concept, RDFS.subClassOf)} & scored


def test_reused_w3c_vocabularies(onto):
    sub = lambda c: set(onto.objects(KG[c], RDFS.subClassOf))  # noqa: E731
    assert {KG.Actor, URIRef("http://www.w3.org/ns/org#Organization")} <= sub("Organization")
    assert KG.Actor in sub("Person")
    assert KG.Actor not in sub("Place")
    assert RDF.Statement in sub("Statement")
    assert URIRef("http://www.w3.org/ns/prov#Entity") in sub("Document")
    assert URIRef("http://www.w3.org/2004/02/skos/core#Concept") in sub("Concept")
    see = set(onto.objects(KG.holdsPosition, RDFS.seeAlso))
    assert {URIRef("http://www.w3.org/ns/org#memberOf"), URIRef("http://www.w3.org/ns/org#holds")} <= see


def _classes(onto, node) -> set[str]:
    if isinstance(node, URIRef):
        return {str(node)[len(NS):]}
    members = onto.value(node, OWL.unionOf)
    return {str(m)[len(NS):] for m in Collection(onto, members)}


@pytest.mark.parametrize("predicate", PREDICATES)
def test_domain_and_range_follow_the_guidelines(onto, predicate):
    domain, range_ = CONTRACT[predicate]
    assert _classes(onto, onto.value(KG[predicate], RDFS.domain)) == domain
    assert _classes(onto, onto.value(KG[predicate], RDFS.range)) == range_


def test_datatype_ranges(onto):
    XSD = rdflib.namespace.XSD
    assert onto.value(KG.charStart, RDFS.range) == XSD.integer
    assert onto.value(KG.charEnd, RDFS.range) == XSD.integer
    assert onto.value(KG.mentionCount, RDFS.range) == XSD.integer
    conf = onto.value(KG.confidence, RDFS.range)
    assert onto.value(conf, OWL.onDatatype) == XSD.decimal
    facets = {p: float(o) for r in Collection(onto, onto.value(conf, OWL.withRestrictions))
              for p, o in onto.predicate_objects(r)}
    assert facets == {XSD.minInclusive: 0.0, XSD.maxInclusive: 1.0}
    for name in ("fileName", "language", "contentHash", "extractor", "kbId"):
        assert onto.value(KG[name], RDFS.range) == XSD.string
    assert onto.value(KG.mentions, RDFS.domain) == KG.Document
    assert _classes(onto, onto.value(KG.mentions, RDFS.range)) == set(ALL_TYPES)
