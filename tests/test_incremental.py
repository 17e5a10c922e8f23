"""Incremental builds: only new and changed articles are extracted; each document's graph
is replaced or dropped alone; the result equals a fresh build of the same corpus."""
from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib.compare import isomorphic

from kg.cli import cli
from kg.graph import document_iri, load_graph
from kg.pipeline import build

ARTICLES = {
    "premier.txt": "国务院总理李强主持召开国务院常务会议。",
    "miit.txt": "工业和信息化部部长金壮龙出席世界智能产业博览会。世界智能产业博览会在天津举办。",
    "renewal.txt": "2024年3月，国务院印发《推动大规模设备更新和消费品以旧换新行动方案》。",
}


@pytest.fixture(autouse=True)
def same_code(monkeypatch, request):
    """Pin the extraction fingerprint: an edit to kg/ while the suite runs must not turn
    an incremental build into a full one (the test of that pins its own)."""
    if "rebuild_everything" not in request.node.name:
        monkeypatch.setattr("kg.pipeline.fingerprint", lambda settings: "pinned for the test")


def write(folder, files):
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def graphs(out):
    """Document IRI -> the set of its quads, read from out/store (its named graphs; the
    default graph holds their union, see tests/test_store.py)."""
    store = ox.Store.read_only(str(out / "store"))
    found = {}
    for g in store.named_graphs():
        for q in store.quads_for_pattern(None, None, None, g):
            found.setdefault(q.graph_name.value, set()).add(str(q))
    return found


def run(pipeline, corpus, out, **kw):
    return build([corpus], out, html=False, pipeline=pipeline, **kw)


def labels(out):
    g = load_graph(out / "graph.ttl")
    return {str(o) for o in g.objects()}


def test_first_build_then_nothing_changed(tmp_path, pipeline):
    corpus, out = write(tmp_path / "c", ARTICLES), tmp_path / "out"
    first = run(pipeline, corpus, out)
    assert first.changes() == "3 new, 0 changed, 0 unchanged, 0 removed"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["articles"]) == sorted(ARTICLES)
    assert set(graphs(out)) == {str(document_iri(n)) for n in ARTICLES}
    before = (out / "graph.ttl").read_bytes()

    again = run(pipeline, corpus, out)
    assert again.changes() == "0 new, 0 changed, 3 unchanged, 0 removed"
    assert again.articles == 3 and again.extracted == 0
    assert (out / "graph.ttl").read_bytes() == before


def test_new_article_adds_its_graph_and_leaves_the_others(tmp_path, pipeline):
    corpus, out = write(tmp_path / "c", ARTICLES), tmp_path / "out"
    run(pipeline, corpus, out)
    before = graphs(out)
    write(corpus, {"mofcom.txt": "商务部部长王文涛会见外国客人。"})
    report = run(pipeline, corpus, out)
    assert report.changes() == "1 new, 0 changed, 3 unchanged, 0 removed"
    after = graphs(out)
    assert {k: v for k, v in after.items() if k in before} == before
    assert str(document_iri("mofcom.txt")) in after
    assert "王文涛" in labels(out) and "商务部" in labels(out)


def test_changed_article_replaces_only_its_own_statements(tmp_path, pipeline):
    corpus, out = write(tmp_path / "c", ARTICLES), tmp_path / "out"
    run(pipeline, corpus, out)
    before = graphs(out)
    assert "金壮龙" in labels(out)
    write(corpus, {"miit.txt": "住房和城乡建设部部长倪虹在北京调研。"})
    report = run(pipeline, corpus, out)
    assert report.changes() == "0 new, 1 changed, 2 unchanged, 0 removed"
    after = graphs(out)
    miit = str(document_iri("miit.txt"))
    assert after[miit] != before[miit]
    assert {k: v for k, v in after.items() if k != miit} == {k: v for k, v in before.items() if k != miit}
    now = labels(out)
    assert "金壮龙" not in now and "世界智能产业博览会" not in now     # only that article named them
    assert "倪虹" in now and "住房和城乡建设部" in now


def test_removed_article_loses_its_graph(tmp_path, pipeline):
    corpus, out = write(tmp_path / "c", ARTICLES), tmp_path / "out"
    run(pipeline, corpus, out)
    (corpus / "renewal.txt").unlink()
    report = run(pipeline, corpus, out)
    assert report.changes() == "0 new, 0 changed, 2 unchanged, 1 removed"
    assert str(document_iri("renewal.txt")) not in graphs(out)
    text = (out / "graph.ttl").read_text(encoding="utf-8")
    assert "renewal.txt" not in text and "以旧换新" not in text
    assert "renewal.txt" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["articles"]


def test_incremental_result_equals_a_fresh_build(tmp_path, pipeline):
    corpus, out, fresh = write(tmp_path / "c", ARTICLES), tmp_path / "out", tmp_path / "fresh"
    run(pipeline, corpus, out)
    write(corpus, {"miit.txt": "工业和信息化部部长金壮龙在江苏苏州调研。", "city.txt": "苏州市位于江苏省。"})
    (corpus / "premier.txt").unlink()
    report = run(pipeline, corpus, out)
    assert report.changes() == "1 new, 1 changed, 1 unchanged, 1 removed"
    run(pipeline, corpus, fresh)
    assert isomorphic(load_graph(out / "graph.ttl"), load_graph(fresh / "graph.ttl"))


def test_other_extraction_settings_rebuild_everything(tmp_path, pipeline, monkeypatch):
    corpus, out = write(tmp_path / "c", ARTICLES), tmp_path / "out"
    run(pipeline, corpus, out)
    monkeypatch.setattr("kg.pipeline.fingerprint", lambda settings: "another version")
    report = run(pipeline, corpus, out)
    assert report.changes() == "3 new, 0 changed, 0 unchanged, 0 removed"
    assert "changed" in report.rebuilt


def test_cli_says_what_changed_and_rewrites_the_page(tmp_path):
    corpus, out = write(tmp_path / "c", ARTICLES), tmp_path / "out"
    first = CliRunner().invoke(cli, ["build", str(corpus), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "3 new, 0 changed, 0 unchanged, 0 removed" in first.stdout
    write(corpus, {"expo.txt": "中国国际进口博览会在上海举办。"})
    page = (out / "graph.html").read_text(encoding="utf-8")
    second = CliRunner().invoke(cli, ["build", str(corpus), "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert "1 new, 0 changed, 3 unchanged, 0 removed" in second.stdout
    assert (out / "graph.html").read_text(encoding="utf-8") != page
    assert "中国国际进口博览会" in (out / "graph.ttl").read_text(encoding="utf-8")


@pytest.mark.parametrize("jobs", [2])
def test_processes_build_the_same_graph(tmp_path, pipeline, jobs):
    corpus = write(tmp_path / "c", ARTICLES)
    run(pipeline, corpus, tmp_path / "one")
    report = run(pipeline, corpus, tmp_path / "many", jobs=jobs)
    assert report.changes() == "3 new, 0 changed, 0 unchanged, 0 removed"
    assert isomorphic(load_graph(tmp_path / "one" / "graph.ttl"), load_graph(tmp_path / "many" / "graph.ttl"))
