"""kg.graph: records -> the contract's graph, IRIs, Turtle round trips, atomic writes."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg import graph as kg_graph
from kg.graph import (PREFIXES, build_graph, document_iri, entity_iri, load_graph, statement_iri,
                      write_ntriples, write_turtle)
from kg.namespace import KG, KGR
from kg.query import run_query
from kg.records import Article, DocumentResult, Entity, Mention, Relation

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"

HOSTILE = 'He said "hi" \\ back\\slash\nnew line <script>alert(1)</script> """ \'\'\' end\\'


# ---------------------------------------------------------------- sample records

def _entities():
    return {
        "person": Entity(id="Person:肖亚庆", type="Person", name="肖亚庆", aliases={"肖亞慶"},
                         name_en="Xiao Yaqing"),
        "miit": Entity(id="org:miit", type="Organization", name="工业和信息化部",
                       aliases={"工信部", "MIIT"}, name_en="Ministry of Industry and Information Technology",
                       kb_id="org:miit"),
        "jinan": Entity(id="place:jinan", type="Place", name="济南市", aliases={"济南"}, name_en="Jinan"),
        "shandong": Entity(id="place:shandong", type="Place", name="山东省", aliases={"山东"}),
        "sdgov": Entity(id="org:sd_gov", type="Organization", name="山东省人民政府"),
        "event": Entity(id="Event:世界先进制造业大会", type="Event", name="世界先进制造业大会"),
        "program": Entity(id="Program:智能制造工程", type="Program", name="智能制造工程"),
        "policy": Entity(id="Policy:制造业数字化转型行动方案", type="Policy", name="制造业数字化转型行动方案"),
        "concept": Entity(id="Concept:新质生产力", type="Concept", name="新质生产力"),
    }


def _rel(s, p, o, fname, evidence, start, conf=0.8, extractor="verb_frame", title=""):
    return Relation(subject=s, predicate=p, object=o, file_name=fname, evidence=evidence,
                    start=start, end=start + len(evidence), extractor=extractor,
                    confidence=conf, title=title)


def sample_results() -> list[DocumentResult]:
    """Two documents: a Chinese one and an English one sharing MIIT, the person and the program."""
    e = _entities()
    a_text = ("工业和信息化部部长肖亚庆通过视频方式致辞。大会由工业和信息化部主办，在济南开幕。"
              "工业和信息化部将推动智能制造工程。济南市位于山东省。山东省深入实施智能制造工程。")
    a = Article(file_name="000_a.txt", text=a_text, title="世界先进制造业大会开幕", date="2021-09-15",
                url="http://www.news.cn/2021-09/15/c_1127866.htm", source="新华社", language="zh-Hans")
    s1, s2, s3, s4, s5 = (a_text.index(x) for x in ("工业和信息化部部长", "大会由", "工业和信息化部将", "济南市位于", "山东省深入"))
    ev1 = a_text[s1:a_text.index("。", s1) + 1]
    ev2 = a_text[s2:a_text.index("。", s2) + 1]
    ev3 = a_text[s3:a_text.index("。", s3) + 1]
    ev4 = a_text[s4:a_text.index("。", s4) + 1]
    ev5 = a_text[s5:a_text.index("。", s5) + 1]
    doc_a = DocumentResult(
        article=a,
        mentions=[Mention(0, 7, "工业和信息化部", "Organization", "kb", candidates=("org:miit",), entity_id="org:miit"),
                  Mention(s2 + 3, s2 + 10, "工业和信息化部", "Organization", "kb", entity_id="org:miit"),
                  Mention(9, 12, "肖亚庆", "Person", "title_name", entity_id="Person:肖亚庆")],
        entities={x.id: x for x in (e["person"], e["miit"], e["jinan"], e["shandong"], e["event"],
                                    e["program"], e["concept"])},
        relations=[
            _rel("Person:肖亚庆", "holdsPosition", "org:miit", "000_a.txt", ev1, s1, 0.9, "title_name", "部长"),
            _rel("Person:肖亚庆", "participatedIn", "Event:世界先进制造业大会", "000_a.txt", ev1, s1, 0.7),
            _rel("org:miit", "organized", "Event:世界先进制造业大会", "000_a.txt", ev2, s2, 0.8),
            _rel("Event:世界先进制造业大会", "locatedIn", "place:jinan", "000_a.txt", ev2, s2, 0.6),
            _rel("org:miit", "promotes", "Program:智能制造工程", "000_a.txt", ev3, s3, 0.75),
            _rel("place:jinan", "locatedIn", "place:shandong", "000_a.txt", ev4, s4, 0.95),
            _rel("place:shandong", "implements", "Program:智能制造工程", "000_a.txt", ev5, s5, 0.85),
        ])
    b_text = ("MIIT will promote the Intelligent Manufacturing Project. Shandong carries out the project. "
              "The Shandong government, based in Shandong, implements the digital transformation plan. "
              "MIIT issued the plan.")
    b = Article(file_name="001_b.txt", text=b_text, title="MIIT plans", date="2021-09-16T08:30:00+08:00",
                url="not a url", source="Xinhua", language="en")
    miit_b = Entity(id="org:miit", type="Organization", name="工业和信息化部", aliases={"MIIT", "Ministry of Industry"},
                    name_en="Ministry of Industry and Information Technology", kb_id="org:miit")
    sentences = [x.strip() + "." for x in b_text.split(".") if x.strip()]
    starts = [b_text.index(x) for x in sentences]
    doc_b = DocumentResult(
        article=b,
        entities={x.id: x for x in (miit_b, e["shandong"], e["sdgov"], e["program"], e["policy"])},
        relations=[
            _rel("org:miit", "promotes", "Program:智能制造工程", "001_b.txt", sentences[0], starts[0], 0.65),
            _rel("place:shandong", "implements", "Program:智能制造工程", "001_b.txt", sentences[1], starts[1], 0.7),
            _rel("org:sd_gov", "locatedIn", "place:shandong", "001_b.txt", sentences[2], starts[2], 0.9),
            _rel("org:sd_gov", "implements", "Policy:制造业数字化转型行动方案", "001_b.txt", sentences[2], starts[2], 0.8),
            _rel("org:miit", "issued", "Policy:制造业数字化转型行动方案", "001_b.txt", sentences[3], starts[3], 0.85),
        ])
    return [doc_a, doc_b]


@pytest.fixture
def results():
    return sample_results()


@pytest.fixture
def g(results):
    return build_graph(results)


# ---------------------------------------------------------------- IRIs and literals

def test_entity_iri_maps_prefix_and_encodes():
    assert entity_iri("org:miit") == KGR["org/miit"]
    assert entity_iri("place:suzhou_js") == KGR["place/suzhou_js"]
    assert str(entity_iri("Person:肖亚庆")) == str(KGR) + "person/肖亚庆"
    assert str(entity_iri("Program:“人工智能+”")) == str(KGR) + "program/%E2%80%9C人工智能%2B%E2%80%9D"
    assert str(entity_iri("Person:Li Qiang")) == str(KGR) + "person/Li%20Qiang"
    assert str(entity_iri("Policy:a/b#c%d")) == str(KGR) + "policy/a%2Fb%23c%25d"
    assert entity_iri("Person:肖亚庆") == entity_iri("Person:肖亚庆")   # stable
    assert entity_iri("Person:A") != entity_iri("Person:B")


def test_iris_are_valid_for_oxigraph():
    import pyoxigraph as ox

    for eid in ("Person:肖亚庆", 'Policy:《"引号"》<x>{y}|^`\\', "Event:a b\tc\nd", "nocolon", ":x"):
        ox.NamedNode(str(entity_iri(eid)))     # raises on an invalid IRI
    ox.NamedNode(str(document_iri("f.jsonl#12")))
    assert str(document_iri("000_6f9fa337138fde07.txt")) == str(KGR) + "doc/000_6f9fa337138fde07.txt"
    assert str(document_iri("f.jsonl#12")) == str(KGR) + "doc/f.jsonl%2312"


def test_statement_iri_is_sha1_prefix():
    import hashlib

    want = hashlib.sha1("f.txt|org:a|promotes|Program:b|12".encode()).hexdigest()[:16]
    assert statement_iri("f.txt", "org:a", "promotes", "Program:b", 12) == KGR[f"statement/{want}"]


# ---------------------------------------------------------------- the contract's shape

def test_document_node(g):
    doc = document_iri("000_a.txt")
    assert (doc, RDF.type, KG.Document) in g
    assert g.value(doc, KG.fileName) == Literal("000_a.txt")
    assert g.value(doc, DCTERMS.date) == Literal("2021-09-15", datatype=rdflib.XSD.date)
    assert g.value(doc, DCTERMS.source) == URIRef("http://www.news.cn/2021-09/15/c_1127866.htm")
    assert g.value(doc, DCTERMS.publisher) == Literal("新华社")
    assert g.value(doc, KG.language) == Literal("zh-Hans")
    assert len(str(g.value(doc, KG.contentHash))) == 64
    title = g.value(doc, DCTERMS.title)
    assert str(title) == "世界先进制造业大会开幕" and title.language.lower() == "zh-hans"
    doc_b = document_iri("001_b.txt")
    assert g.value(doc_b, DCTERMS.date).datatype == rdflib.XSD.dateTime
    assert g.value(doc_b, DCTERMS.source) == Literal("not a url")


def test_entities_typed_labelled_and_mentioned(g):
    miit = entity_iri("org:miit")
    assert (miit, RDF.type, KG.Organization) in g
    assert (document_iri("000_a.txt"), KG.mentions, miit) in g
    assert (document_iri("001_b.txt"), KG.mentions, miit) in g
    assert Literal("工业和信息化部", lang="zh") in set(g.objects(miit, SKOS.prefLabel))
    assert Literal("Ministry of Industry and Information Technology", lang="en") in set(g.objects(miit, SKOS.prefLabel))
    alts = set(g.objects(miit, SKOS.altLabel))
    # labels accumulate across documents: 工信部 and MIIT from A, "Ministry of Industry" from B
    assert alts == {Literal("工信部", lang="zh"), Literal("MIIT", lang="en"), Literal("Ministry of Industry", lang="en")}
    assert list(g.objects(miit, RDFS.label)) == [Literal("工业和信息化部")]
    assert g.value(miit, KG.kbId) == Literal("org:miit")
    assert g.value(miit, KG.mentionCount) == Literal(2)
    assert (entity_iri("Concept:新质生产力"), RDF.type, KG.Concept) in g


def test_same_entity_in_two_documents_is_one_node(g):
    nodes = set(g.subjects(RDFS.label, Literal("工业和信息化部")))
    assert nodes == {entity_iri("org:miit")}
    assert len(set(g.subjects(RDF.type, KG.Organization))) == 2
    program = entity_iri("Program:智能制造工程")
    assert {d for d in g.subjects(KG.mentions, program)} == {document_iri("000_a.txt"), document_iri("001_b.txt")}
    assert len(set(g.objects(program, SKOS.prefLabel))) == 1


def test_relations_plain_triple_and_statement(g):
    s, o = entity_iri("Person:肖亚庆"), entity_iri("org:miit")
    assert (s, KG.holdsPosition, o) in g
    sts = list(g.subjects(RDF.predicate, KG.holdsPosition))
    assert len(sts) == 1
    st = sts[0]
    assert (st, RDF.type, KG.Statement) in g
    assert g.value(st, RDF.subject) == s and g.value(st, RDF.object) == o
    assert g.value(st, PROV.wasDerivedFrom) == document_iri("000_a.txt")
    ev = g.value(st, KG.evidence)
    assert str(ev) == "工业和信息化部部长肖亚庆通过视频方式致辞。" and ev.language.lower() == "zh-hans"
    assert g.value(st, KG.charStart) == Literal(0) and g.value(st, KG.charStart).datatype == rdflib.XSD.integer
    assert g.value(st, KG.charEnd) == Literal(len(str(ev)))
    conf = g.value(st, KG.confidence)
    assert conf.datatype == rdflib.XSD.decimal and conf.toPython() == Decimal("0.9")
    assert g.value(st, KG.extractor) == Literal("title_name")
    assert str(g.value(st, KG.positionTitle)) == "部长"
    en = next(g.subjects(RDF.predicate, KG.issued))
    assert g.value(en, KG.evidence).language == "en"
    assert len(set(g.subjects(RDF.type, KG.Statement))) == 12


def test_confidence_is_rounded_and_clamped():
    res = sample_results()[1]
    res.relations[0].confidence = 0.123456
    res.relations[1].confidence = 1.7
    g = build_graph([res])
    values = {str(o) for o in g.objects(None, KG.confidence)}
    assert "0.123" in values and "1" in values
    assert all(0 <= Decimal(v) <= 1 for v in values)


def test_duplicate_relation_one_statement_node_max_confidence():
    res = sample_results()[1]
    dup = res.relations[0]
    res.relations.append(_rel(dup.subject, dup.predicate, dup.object, dup.file_name, dup.evidence,
                              dup.start, 0.95, "kb_pattern"))
    g = build_graph([res])
    st = statement_iri(dup.file_name, dup.subject, dup.predicate, dup.object, dup.start)
    assert list(g.objects(st, KG.confidence)) == [Literal("0.95", datatype=rdflib.XSD.decimal)]
    assert set(map(str, g.objects(st, KG.extractor))) == {"verb_frame", "kb_pattern"}


def test_relation_to_entity_missing_from_entities_is_typed_from_its_id():
    res = sample_results()[1]
    res.relations.append(_rel("Person:李强", "visited", "place:suzhou", "001_b.txt", "x.", 0))
    g = build_graph([res])
    li = entity_iri("Person:李强")
    assert (li, RDF.type, KG.Person) in g and (li, RDFS.label, Literal("李强")) in g
    assert (document_iri("001_b.txt"), KG.mentions, li) in g
    assert (li, KG.visited, entity_iri("place:suzhou")) in g


def test_empty_input(tmp_path):
    g = build_graph([])
    assert len(g) == 0
    write_turtle(g, tmp_path / "g.ttl")
    assert len(load_graph(tmp_path / "g.ttl")) == 0


def test_one_document_corpus(results, tmp_path):
    g = build_graph(results[:1])
    path = write_turtle(g, tmp_path / "g.ttl")
    assert isomorphic(g, load_graph(path))


def test_build_graph_adds_to_given_graph(results):
    g = build_graph(results[:1])
    n = len(g)
    same = build_graph(results[1:], g)
    assert same is g and len(g) > n
    assert isomorphic(g, build_graph(results))


# ---------------------------------------------------------------- the scorer's SPARQL, rdflib vs Oxigraph

SCORER_PREFIXES = ("PREFIX kg: <https://w3id.org/policykg/ontology#>\n"
                   "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                   "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
                   "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
SCORER_QUERIES = [
    "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* kg:Person }",
    "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* kg:Organization }",
    "SELECT DISTINCT ?c WHERE { ?c rdfs:subClassOf* kg:Program }",
    "SELECT ?d ?f WHERE { ?d kg:fileName ?f }",
    "SELECT ?d ?e ?c WHERE { ?d kg:mentions ?e . ?e a ?c }",
    "SELECT ?e ?l WHERE { ?e skos:prefLabel|skos:altLabel|rdfs:label ?l }",
    ("SELECT ?d ?s ?p ?o ?c WHERE { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; "
     "prov:wasDerivedFrom ?d . OPTIONAL { ?st kg:confidence ?c } }"),
]


@pytest.mark.parametrize("sparql", SCORER_QUERIES)
def test_scorer_queries_agree_between_rdflib_and_oxigraph(g, tmp_path, sparql):
    path = write_turtle(g, tmp_path / "g.ttl")
    both = rdflib.Graph()
    both.parse(path, format="turtle")                  # the scorer's own parser
    both.parse(REPO / "ontology.ttl", format="turtle")
    want = {tuple(None if v is None else str(v) for v in row) for row in both.query(SCORER_PREFIXES + sparql)}
    assert want, sparql
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    store.bulk_load(path=str(REPO / "ontology.ttl"), format=ox.RdfFormat.TURTLE)
    got = set(run_query(store, SCORER_PREFIXES + sparql).rows)
    assert got == want


def test_scorer_class_groups(g):
    """Through the ontology, each entity node falls into exactly the group of its type."""
    both = g + rdflib.Graph().parse(REPO / "ontology.ttl")
    group_of = {}
    for top in ("Person", "Organization", "Place", "Policy", "Program", "Event"):
        for (c,) in both.query(SCORER_PREFIXES + f"SELECT DISTINCT ?c WHERE {{ ?c rdfs:subClassOf* kg:{top} }}"):
            group_of.setdefault(c, set()).add(top)
    assert group_of == {KG[t]: {t} for t in ("Person", "Organization", "Place", "Policy", "Program", "Event")}
    found = {str(n): {t for c in both.objects(n, RDF.type) for t in group_of.get(c, ())}
             for n in both.objects(None, KG.mentions)}
    assert found[str(entity_iri("Person:肖亚庆"))] == {"Person"}
    assert found[str(entity_iri("Concept:新质生产力"))] == set()


# ---------------------------------------------------------------- Turtle and N-Triples files

def test_turtle_round_trip(g, tmp_path):
    path = write_turtle(g, tmp_path / "out" / "graph.ttl")
    assert path.exists()
    text = path.read_text(encoding="utf-8")
    for prefix in ("kg", "kgr", "skos", "prov", "dcterms", "rdf", "rdfs", "org", "xsd"):
        assert f"@prefix {prefix}: <{PREFIXES[prefix]}>" in text
    assert "肖亚庆" in text                                   # readable, not \u-escaped
    back = load_graph(path)
    assert isomorphic(g, back)
    assert isomorphic(g, rdflib.Graph().parse(path, format="turtle"))   # rdflib's parser agrees
    assert dict(back.namespaces())["kg"] == URIRef(PREFIXES["kg"])


def test_ntriples_round_trip(g, tmp_path):
    path = write_ntriples(g, tmp_path / "graph.nt")
    assert isomorphic(g, load_graph(path))
    assert isomorphic(g, rdflib.Graph().parse(path, format="nt"))


def test_rdflib_fallback_writes_the_same_graph(g, tmp_path, monkeypatch):
    monkeypatch.setattr(kg_graph, "ox", None)
    path = write_turtle(g, tmp_path / "g.ttl")
    back = rdflib.Graph().parse(path, format="turtle")
    assert isomorphic(g, back)
    assert isomorphic(g, load_graph(path))


def test_output_is_deterministic(results, tmp_path):
    a = write_turtle(build_graph(sample_results()), tmp_path / "a.ttl").read_bytes()
    b = write_turtle(build_graph(sample_results()), tmp_path / "b.ttl").read_bytes()
    assert a == b


def test_write_turtle_is_atomic(g, tmp_path, monkeypatch):
    path = tmp_path / "graph.ttl"
    write_turtle(g, path)
    before = path.read_bytes()

    def broken(graph, fh, fmt):
        fh.write(b"@prefix kg: <https://w3id.org/policykg/ontology#> .\nkg:half")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(kg_graph, "_serialize", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_turtle(build_graph([]), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]   # no temp file left
    with pytest.raises(RuntimeError):
        write_ntriples(g, tmp_path / "new.nt")
    assert not (tmp_path / "new.nt").exists()


def test_write_keeps_file_mode(g, tmp_path):
    path = tmp_path / "graph.ttl"
    path.write_text("")
    path.chmod(0o640)
    write_turtle(g, path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_hostile_labels_round_trip(tmp_path):
    res = sample_results()[0]
    person = res.entities["Person:肖亚庆"]
    person.aliases = {HOSTILE, "tab\there", "\r\ncrlf"}
    person.name_en = 'Xiao "Yaqing" \\ <b>'
    res.relations[0].evidence = HOSTILE
    res.relations[0].title = '部长"""\\'
    res.article.title = HOSTILE
    res.article.source = "<script>alert('x')</script>"
    g = build_graph([res])
    for path in (write_turtle(g, tmp_path / "g.ttl"), write_ntriples(g, tmp_path / "g.nt")):
        for back in (load_graph(path), rdflib.Graph().parse(path)):
            assert isomorphic(g, back)
            node = entity_iri("Person:肖亚庆")
            assert HOSTILE in {str(x) for x in back.objects(node, SKOS.altLabel)}
            assert 'Xiao "Yaqing" \\ <b>' in {str(x) for x in back.objects(node, SKOS.prefLabel)}
            assert HOSTILE in {str(x) for x in back.objects(None, KG.evidence)}
            assert str(back.value(document_iri("000_a.txt"), DCTERMS.title)) == HOSTILE


def test_hostile_entity_ids_make_valid_files(tmp_path):
    res = sample_results()[1]
    bad = Entity(id='Policy:《"x"》 <a> {b} | ^ ` \\ \n %41', type="Policy", name='《"x"》')
    res.entities[bad.id] = bad
    res.relations.append(_rel("org:miit", "issued", bad.id, "001_b.txt", "x.", 1))
    g = build_graph([res])
    path = write_turtle(g, tmp_path / "g.ttl")
    assert isomorphic(g, rdflib.Graph().parse(path, format="turtle"))


# ---------------------------------------------------------------- the real scorer

def _seed_results():
    li = Entity(id="Person:李强", type="Person", name="李强", name_en="Li Qiang")
    gov = Entity(id="org:state_council", type="Organization", name="国务院", aliases={"State Council"},
                 kb_id="org:state_council")
    out = []
    for fname, lang, ev in (("000_6f9fa337138fde07.txt", "zh-Hans", "国务院总理李强在江苏调研。"),
                            ("001_51b6e11b8c3e64d1.txt", "en", "Chinese Premier Li Qiang visited.")):
        art = Article(file_name=fname, text=ev, language=lang)
        out.append(DocumentResult(
            article=art, entities={li.id: li, gov.id: gov},
            relations=[_rel(li.id, "holdsPosition", gov.id, fname, ev, 0, 0.9, "title_name", "总理")]))
    return out


@pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(), reason="shared/eval/score.py is absent")
def test_scorer_sees_entities_and_relations(tmp_path):
    path = write_turtle(build_graph(_seed_results()), tmp_path / "G.ttl")
    proc = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(path),
                           "--ontology", str(REPO / "ontology.ttl"), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout[: proc.stdout.rindex("}") + 1])
    assert res["documents"]["found_in_graph"] == 2
    assert res["entities"]["Person"]["tp"] == 2 and res["entities"]["Person"]["fp"] == 0
    # 国务院 is required gold in 000 and optional in 001 (matched, but neither tp nor fp)
    assert res["entities"]["Organization"]["tp"] == 1 and res["entities"]["Organization"]["fp"] == 0
    assert res["relations"]["typed"]["tp"] == 2 and res["relations"]["typed"]["fp"] == 0
    assert res["cross_document_linking"]["items"] >= 2
    assert res["cross_document_linking"]["bcubed_f1"] == 1.0
    assert res["calibration"]["statements_with_confidence"] == 2
