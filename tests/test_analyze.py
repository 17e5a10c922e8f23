"""kg.analyze on a small hand-made network with known answers, and kg analyze on the built sample."""
from __future__ import annotations

import json

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.analyze import (EntityNotFoundError, communities, ego_edges, ego_network, evidence_path, find_entity,
                        most_central, most_central_by_type, plot_centrality, plot_timeline, programs_by_support,
                        statement_timeline)
from kg.cli import cli
from kg.errors import KGError


def _node(G, key, label, type_, aliases=()):
    G.add_node(key, label=label, type=type_, label_en=None, aliases=list(aliases), documents=1, mention_count=1)


def _edge(G, s, p, o, sentence, doc="a.txt", n=1, confidence=0.8):
    G.add_edge(s, o, key=p, predicate=p, evidence=[sentence], documents=[doc], confidence=confidence,
               evidence_count=n, titles=[], document_statements={doc: n})


@pytest.fixture()
def network():
    """Two triangles of actors joined only through the hub 'miit'; programmes promoted and implemented."""
    G = nx.MultiDiGraph()
    for key, label, t in [("li", "李强", "Person"), ("sc", "国务院", "Organization"),
                          ("jin", "金壮龙", "Person"), ("miit", "工业和信息化部", "Organization"),
                          ("gd", "广东省", "Place"), ("sz", "深圳市", "Place"),
                          ("p1", "专精特新", "Program"), ("p2", "设备更新", "Program"), ("lone", "北京市", "Place")]:
        _node(G, key, label, t, aliases=["MIIT"] if key == "miit" else ())
    _edge(G, "li", "holdsPosition", "sc", "国务院总理李强主持会议。", "a.txt", 2)
    _edge(G, "sc", "issued", "p2", "国务院印发设备更新方案。", "a.txt")
    _edge(G, "li", "participatedIn", "p2", "李强部署设备更新。", "a.txt")
    _edge(G, "jin", "holdsPosition", "miit", "工业和信息化部部长金壮龙表示。", "b.txt")
    _edge(G, "sc", "promotes", "miit", "国务院要求工信部推进。", "b.txt")      # the only bridge
    _edge(G, "miit", "promotes", "p1", "工信部培育专精特新企业。", "b.txt")
    _edge(G, "gd", "promotes", "p1", "广东省支持专精特新。", "c.txt")
    _edge(G, "sz", "implements", "p1", "深圳市落实专精特新。", "c.txt")
    _edge(G, "sz", "locatedIn", "gd", "深圳市位于广东省。", "c.txt")
    _edge(G, "miit", "implements", "p2", "工信部实施设备更新。", "a.txt")
    G.graph["documents"] = {"a.txt": {"date": "2024-03-13"}, "b.txt": {"date": "2024-03-20T10:00:00"},
                            "c.txt": {"date": None}}
    return G


def test_the_hub_is_most_central(network):
    top = most_central(network, 3)
    assert top[0]["iri"] == "miit" and top[0]["rank"] == 1
    assert most_central(network, 1, by="betweenness")[0]["iri"] == "miit"
    assert most_central(network, 1, by="degree")[0]["label"] == "工业和信息化部"
    people = most_central(network, 5, types={"Person"})
    assert [r["iri"] for r in people] == ["li", "jin"]
    by_type = most_central_by_type(network, 1)
    assert list(by_type) == ["Person", "Organization", "Place", "Program"]
    assert by_type["Organization"][0]["iri"] == "miit"
    with pytest.raises(ValueError):
        most_central(network, by="closeness")


def test_communities_with_a_seed_are_deterministic(network):
    first = communities(network, seed=7)
    assert first == communities(network, seed=7)
    assert sum(c["size"] for c in first) == network.number_of_nodes()
    assert any(c["nodes"] == ["lone"] for c in first)
    together = next(c for c in first if "li" in c["nodes"])
    assert "sc" in together["nodes"] and "gd" not in together["nodes"]


def test_path_has_the_evidence_of_each_edge(network):
    steps = evidence_path(network, "李强", "深圳市")
    assert [s["from"] for s in steps][0] == "李强" and steps[-1]["from"] == "深圳市"
    assert all(s["evidence"] and s["document"] for s in steps)
    assert steps[0] == {"from": "李强", "predicate": "holdsPosition", "to": "国务院",
                        "evidence": "国务院总理李强主持会议。", "document": "a.txt", "confidence": 0.8}
    with pytest.raises(KGError, match="no path"):
        evidence_path(network, "李强", "北京市")


def test_find_entity_by_label_alias_or_iri(network):
    assert find_entity(network, "miit") == "miit"
    assert find_entity(network, "MIIT") == "miit"        # alias, case folded
    assert find_entity(network, "ｍｉｉｔ") == "miit"     # full width folded
    with pytest.raises(EntityNotFoundError, match="工业和信息化部"):
        find_entity(network, "工业和信息化")


def test_ego_network(network):
    E = ego_network(network, "金壮龙", radius=1)
    assert set(E) == {"jin", "miit"}
    assert set(ego_network(network, "金壮龙", radius=2)) == {"jin", "miit", "sc", "p1", "p2"}
    assert ego_edges(network, "金壮龙") == [{"subject": "金壮龙", "predicate": "holdsPosition", "object": "工业和信息化部",
                                            "evidence_count": 1, "confidence": 0.8}]


def test_programs_ranked_by_distinct_supporters(network):
    rows = programs_by_support(network)
    assert [r["label"] for r in rows] == ["专精特新", "设备更新"]
    assert rows[0]["supporters"] == 3 and rows[0]["promoters"] == 2 and rows[0]["implementers"] == 1
    assert rows[0]["promoted_by"] == ["工业和信息化部", "广东省"]


def test_timeline_by_article_date(network):
    days = statement_timeline(network, by="day")
    assert [r["period"] for r in days] == ["2024-03-13", "2024-03-20", None]
    assert days[0]["statements"] == 5 and days[0]["documents"] == 1
    months = statement_timeline(network, by="month")
    assert months[0] == {"period": "2024-03", "documents": 2, "statements": 8,
                         "predicates": {"holdsPosition": 3, "implements": 1, "issued": 1,
                                        "participatedIn": 1, "promotes": 2}}


@pytest.mark.parametrize("suffix,magic", [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_charts(network, tmp_path, suffix, magic):
    a = plot_centrality(most_central(network, 5), tmp_path / f"c{suffix}")
    b = plot_timeline(statement_timeline(network), tmp_path / f"t{suffix}")
    assert a.read_bytes().startswith(magic) and b.read_bytes().startswith(magic)
    with pytest.raises(KGError):
        plot_centrality([], tmp_path / "c.jpg")


def test_empty_graph():
    G = nx.MultiDiGraph()
    assert most_central(G) == [] and communities(G, seed=1) == [] and statement_timeline(G) == []


# ---------------------------------------------------------------- the command on the sample

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("analyze") / "output"
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_kg_analyze_text_and_json(built, tmp_path):
    text = CliRunner().invoke(cli, ["analyze", str(built), "--focus", "李强", "--path", "李强", "工业和信息化部"])
    assert text.exit_code == 0, text.output
    for heading in ("Most central entities", "Communities", "Programmes", "Statements by article date",
                    "Ego network of 李强", "Path from 李强 to 工业和信息化部"):
        assert heading in text.output
    chart = tmp_path / "c.svg"
    as_json = CliRunner().invoke(cli, ["analyze", str(built), "--json", "--chart", str(chart)])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["graph"]["documents"] == 5 and report["most_central"][0]["rank"] == 1
    assert chart.read_bytes().startswith(b"<?xml")
    again = json.loads(CliRunner().invoke(cli, ["analyze", str(built), "--json"]).stdout)
    assert again["communities"] == report["communities"]          # seeded: the same every run


def test_kg_analyze_unknown_entity(built):
    result = CliRunner().invoke(cli, ["analyze", str(built), "--focus", "李强强强"])
    assert result.exit_code == 1 and "no entity is called" in result.output and "李强" in result.output
