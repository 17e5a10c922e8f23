"""Bad input never breaks a build, and hostile names come out escaped (issue 6).

Every bad file is reported with its name (and line), the rest of the corpus builds, and
``--strict`` turns any skip into exit status 1. Hostile names go through the real
pipeline (the recognizer finds them) and come back unchanged from Turtle (three parsers),
from ``kg query --format json`` and from the data of graph.html, never as markup.
"""
from __future__ import annotations

import builtins
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.ingest import iter_articles, limits
from kg.records import Article, Skipped
from tests.rdfcheck import check_rdf

GOOD = "国务院总理李强在江苏苏州调研，了解企业推进智能制造的情况。"
GOOD_HANT = "國務院總理李強在江蘇蘇州調研，了解企業推進智慧製造的情況。"
KG = os.path.join(os.path.dirname(sys.executable), "kg")

#: What each bad input must be reported as: file name (with :line) -> words of the reason.
BAD = {
    "empty.txt": "empty file",
    "blank.md": "empty file",
    "image.txt": "binary file",
    "nul.html": "binary file",
    "huge.txt": "--max-bytes",
    "oneline.txt": "--max-chars",
    "invalid-utf8.txt": "cannot decode",
    "lines.jsonl:2": "not valid json",
    "lines.jsonl:3": "not valid utf-8",
    "lines.jsonl:4": "unpaired surrogate",
    "loop.txt": "symbolic link loop",
    "dangling.md": "broken symbolic link",
}
#: Inputs that are odd but readable: each must end up as a document of the graph.
READABLE = ("truncated.html", "utf8.txt", "gb18030.txt", "big5.txt", "utf16.txt", "lines.jsonl#1",
            "lines.jsonl#5", "crlf.md")


def bad_corpus(root: Path) -> Path:
    """A folder of everything scrapers produce, good and bad."""
    c = root / "corpus"
    (c / "enc").mkdir(parents=True)
    (c / "empty.txt").write_bytes(b"")
    (c / "blank.md").write_bytes(b" \n\t\n")
    (c / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (c / "nul.html").write_bytes(b"<p>" + b"\x00\x01" * 500 + b"</p>")
    with open(c / "huge.txt", "wb") as fh:                       # a 50 MB article
        line = (GOOD + "\n").encode("utf-8")
        fh.write(line * (50 * 2**20 // len(line) + 1))
    (c / "oneline.txt").write_text(("工业和信息化部推动中小企业数字化转型，" * 60000)[:1_000_000], encoding="utf-8")
    (c / "invalid-utf8.txt").write_bytes(GOOD.encode("utf-8") + b"\xff\xfe\xfa" + GOOD.encode("utf-8"))
    (c / "truncated.html").write_text("<html><head><title>苏州调研</title></head><body><div class=\"content\">"
                                      f"<p>{GOOD}</p><p>工业和信息化部部长金壮龙出席会议，强调要加快", encoding="utf-8")
    (c / "enc" / "utf8.txt").write_text("江西省人民政府印发《关于推进制造业数字化转型的实施意见》。", encoding="utf-8")
    (c / "enc" / "gb18030.txt").write_bytes("湖南省人民政府印发《关于推进工业互联网发展的实施意见》。".encode("gb18030"))
    (c / "enc" / "big5.txt").write_bytes(GOOD_HANT.encode("big5"))
    (c / "enc" / "utf16.txt").write_bytes("四川省人民政府印发《关于推进智能制造发展的实施意见》。".encode("utf-16"))
    (c / "crlf.md").write_bytes("# 标题\r\n\r\n山东省人民政府印发《关于推进新型工业化的实施意见》。\r\n".encode("utf-8"))
    (c / "lines.jsonl").write_bytes(
        json.dumps({"text": "工业和信息化部部长金壮龙出席会议。", "title": "会议"}, ensure_ascii=False).encode() + b"\n"
        + b'{"text": "broken\n'
        + b'{"text": "\xff\xfe"}\n'
        + b'{"text": "\\ud83d half an emoji"}\n'
        + json.dumps({"text": "The State Council issued a plan on equipment renewal."}).encode() + b"\n")
    os.symlink("loop.txt", c / "loop.txt")
    os.symlink("nowhere.md", c / "dangling.md")
    os.symlink("..", c / "enc" / "up")                          # a folder loop: walked once
    (c / "locked").mkdir()
    (c / "locked" / "x.txt").write_text(GOOD, encoding="utf-8")
    (c / "secret.txt").write_text(GOOD, encoding="utf-8")
    return c


#: With permissions that apply (see _unprivileged), these are reported too.
UNREADABLE = {"secret.txt": "cannot read: permission denied", "locked": "cannot list folder: permission denied"}


def _lines_naming(stderr: str, name: str) -> list[str]:
    file, _, line = name.partition(":")
    pattern = re.escape(file) + (rf":{line}\b" if line else r"(?::\d+)?:")
    return [x for x in stderr.splitlines() if re.search(pattern, x)]


def test_bad_inputs_are_named_and_the_rest_builds(tmp_path):
    corpus = bad_corpus(tmp_path)
    out = tmp_path / "out"
    prefix = _unprivileged()
    bad = dict(BAD)
    if prefix is None:    # root without user namespaces: mode 000 cannot stop root's reads
        shutil.rmtree(corpus / "locked")
        (corpus / "secret.txt").unlink()
    else:
        bad.update(UNREADABLE)
        os.chmod(corpus / "secret.txt", 0)
        os.chmod(corpus / "locked", 0)
    t0 = time.perf_counter()
    try:
        done = subprocess.run((prefix or []) + [KG, "build", str(corpus), "--out", str(out), "--no-html", "--strict",
                                              "-q"], capture_output=True, text=True, timeout=300)
    finally:
        if prefix is not None:
            os.chmod(corpus / "secret.txt", 0o644)
            os.chmod(corpus / "locked", 0o755)
    seconds = time.perf_counter() - t0
    assert done.returncode == 1, done.stdout + done.stderr     # --strict: something was skipped
    assert seconds < 60, f"bad input made the build take {seconds:.0f} s"
    for name, words in bad.items():
        lines = _lines_naming(done.stderr, name)
        assert lines, f"no warning names {name}:\n{done.stderr}"
        assert any(words in x.lower() for x in lines), (name, lines)
    assert f"{len(READABLE)} articles read, {len(bad)} skipped" in done.stdout
    g = check_rdf(out / "graph.ttl")
    files = {str(o) for o in g.objects(None, g.namespace_manager.expand_curie("kg:fileName"))}
    assert files == set(READABLE)
    labels = {str(o) for o in g.objects(None, g.namespace_manager.expand_curie("skos:prefLabel"))}
    for name in ("江西省人民政府", "湖南省人民政府", "四川省人民政府", "山东省人民政府", "李强", "金壮龙", "苏州市",
                 "关于推进工业互联网发展的实施意见"):
        assert name in labels, name                              # every encoding decoded right


@pytest.fixture()
def fast_cli(monkeypatch, pipeline):
    """`kg build` in this process with the session's pipeline instead of loading another."""
    import kg.pipeline as kp

    monkeypatch.setattr(kp, "Pipeline", lambda *a, **kw: pipeline)


def test_without_strict_skips_still_exit_zero_and_a_clean_build_passes_strict(tmp_path, fast_cli):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text(GOOD, encoding="utf-8")
    strict = CliRunner().invoke(cli, ["build", str(tmp_path / "c"), "--out", str(tmp_path / "o"),
                                      "--no-html", "--strict", "-q"])
    assert strict.exit_code == 0, strict.output
    (tmp_path / "c" / "b.txt").write_bytes(b"")
    lax = CliRunner().invoke(cli, ["build", str(tmp_path / "c"), "--out", str(tmp_path / "o"), "--no-html", "-q"])
    assert lax.exit_code == 0 and "1 skipped" in lax.stdout and "b.txt: empty file" in lax.stderr


def test_size_limits_are_options(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(GOOD * 10, encoding="utf-8")
    (s,) = [x for x in _read(f, max_bytes=100)]
    assert isinstance(s, Skipped) and "more than the 100 bytes" in s.reason and "--max-bytes" in s.reason
    (s,) = [x for x in _read(f, max_chars=50)]
    assert isinstance(s, Skipped) and "more than the 50 an article may have" in s.reason
    (a,) = [x for x in _read(f)]
    assert isinstance(a, Article)                               # the limits were restored
    jl = tmp_path / "b.jsonl"
    jl.write_text(json.dumps({"text": GOOD * 20}, ensure_ascii=False) + "\n"
                  + json.dumps({"text": GOOD}, ensure_ascii=False) + "\n", encoding="utf-8")
    items = _read(jl, max_bytes=500)
    assert isinstance(items[0], Skipped) and items[0].line == 1 and "--max-bytes" in items[0].reason
    assert isinstance(items[1], Article)


def _read(path, **kw):
    with limits(**kw):
        return list(iter_articles([path]))


def test_unreadable_file_and_folder_by_a_failing_open(tmp_path, monkeypatch):
    """As root, permissions do not stop reads: simulate them where the reader opens files."""
    (tmp_path / "ok.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "secret.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.txt").write_text(GOOD, encoding="utf-8")
    real_open, real_scandir = builtins.open, os.scandir

    def fake_open(file, *a, **kw):
        if str(file).endswith("secret.txt"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **kw)

    def fake_scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    items = list(iter_articles([tmp_path]))
    got = {Path(x.path).name: (x.reason if isinstance(x, Skipped) else "ok") for x in items}
    assert got == {"ok.txt": "ok", "secret.txt": "cannot read: permission denied",
                   "locked": "cannot list folder: Permission denied"}


def _unprivileged() -> list[str] | None:
    """A command prefix under which file permissions apply (None: they cannot be made to)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("unshare") is None:
        return None
    # In a new user namespace root keeps its uid but loses CAP_DAC_OVERRIDE over files:
    # mode 000 then stops reads as it does for anyone else.
    probe = subprocess.run(["unshare", "--user", "true"], capture_output=True)
    return ["unshare", "--user"] if probe.returncode == 0 else None


def test_an_article_whose_extraction_raises_is_reported_and_skipped(tmp_path, monkeypatch, pipeline):
    import kg.pipeline as kp

    real = kp.extract_relations

    def flaky(article, *a, **kw):
        if "爆炸" in article.text:
            raise RuntimeError("a rule broke")
        return real(article, *a, **kw)

    monkeypatch.setattr(kp, "extract_relations", flaky)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "c" / "b.txt").write_text("国务院印发爆炸性的行动方案。", encoding="utf-8")
    (tmp_path / "c" / "c.jsonl").write_text(json.dumps({"text": "工业和信息化部部长金壮龙说，爆炸。"},
                                                       ensure_ascii=False) + "\n", encoding="utf-8")
    skipped = []
    report = kp.build([tmp_path / "c"], tmp_path / "o", html=False, pipeline=pipeline, on_skip=skipped.append)
    assert report.articles == 1
    assert sorted((Path(s.path).name, s.line) for s in skipped) == [("b.txt", None), ("c.jsonl", 1)]
    assert all("extraction failed" in s.reason and "a rule broke" in s.reason for s in skipped)
    assert '"a.txt"' in (tmp_path / "o" / "graph.ttl").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------
# Hostile content, through the real pipeline

LONG = "长" * 10_000
#: Sentences that make the recognizer find names holding markup, quotes, backslashes and
#: Turtle syntax; the page shows them as text (escaped in its HTML), as a news page would.
HOSTILE_SENTENCES = [
    "工业和信息化部部长金壮龙来到<script>alert`1`</script>有限公司调研。",
    "金壮龙出席<script>世界</script>制造业大会。",
    "李强来到</script><!--注释-->科技有限公司考察。",
    '国务院印发《"引号"\\反斜杠\\的若干措施》。',
    '工业和信息化部印发《关于推进"""> { } @prefix 的行动方案》。',
    "国务院印发《关于'单引号'和\\u0041的实施方案》。",
    '金壮龙来到苏州"汇川"技术有限公司调研。',
    "金壮龙出席“<b>粗体</b>&amp;”大会。",
    "国务院印发《关于推进" + "新" * 60 + "的实施意见》。",
]
#: Each must occur in at least one name the pipeline finds (so the test tests something).
HOSTILE_PARTS = ["<script>", "</script>", "-->", '"', '"""', "\\", "'", "{ }", "@prefix", "&amp;", "<b>"]
#: Document fields that may hold anything: newlines, markup, 10,000 characters.
HOSTILE_TITLE = 'a "title"\nwith <script>alert(3)</script> \\ and """ \'\' {} @prefix x: <y> .\n' + LONG
HOSTILE_SOURCE = "</script><script>alert(4)</script>\r\n\\\""
HOSTILE_FILE = 'we"ird <b>名字 \\.txt'


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory, pipeline):
    """(build folder, the entity names the pipeline finds in the hostile corpus)."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "c").mkdir()
    (root / "c" / "hostile.html").write_text(
        "<html><body>" + "".join(f"<p>{html.escape(t)}</p>" for t in HOSTILE_SENTENCES) + "</body></html>",
        encoding="utf-8")
    # JSONL metadata is taken as it is: newlines, markup, 10,000 characters.
    line = json.dumps({"text": GOOD, "title": HOSTILE_TITLE, "source": HOSTILE_SOURCE,
                       "url": 'https://example.org/a b"<c>'}, ensure_ascii=False)
    (root / "c" / "hostile.jsonl").write_text(line + "\n", encoding="utf-8")
    (root / "c" / HOSTILE_FILE).write_text(GOOD, encoding="utf-8")
    names = set()
    for article in iter_articles([root / "c"]):
        names |= {e.name for e in pipeline(article).entities.values()}
    for part in HOSTILE_PARTS:
        assert any(part in n for n in names), f"no name holds {part!r}: {sorted(names)}"
    out = root / "out"
    with pytest.MonkeyPatch.context() as mp:
        import kg.pipeline as kp

        mp.setattr(kp, "Pipeline", lambda *a, **kw: pipeline)
        result = CliRunner().invoke(cli, ["build", str(root / "c"), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out, {n for n in names if any(part in n for part in HOSTILE_PARTS) or len(n) > 60}


def test_hostile_names_round_trip_through_turtle(hostile_build):
    out, hostile = hostile_build
    g = check_rdf(out / "graph.ttl")
    labels = {str(o) for o in g.objects(None, g.namespace_manager.expand_curie("skos:prefLabel"))}
    assert hostile <= labels                                    # written and read back unchanged
    titles = {str(o) for o in g.objects(None, g.namespace_manager.expand_curie("dcterms:title"))}
    assert HOSTILE_TITLE.replace("\n", " ").strip() in titles or HOSTILE_TITLE in titles, \
        sorted(t[:80] for t in titles)
    publishers = {str(o) for o in g.objects(None, g.namespace_manager.expand_curie("dcterms:publisher"))}
    assert any("</script><script>" in p for p in publishers), publishers
    files = {str(o) for o in g.objects(None, g.namespace_manager.expand_curie("kg:fileName"))}
    assert HOSTILE_FILE in files


def test_hostile_names_round_trip_through_json(hostile_build):
    out, hostile = hostile_build
    runner = CliRunner()
    result = runner.invoke(cli, ["query", str(out), "SELECT ?name WHERE { ?e skos:prefLabel ?name }",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert hostile <= {row["name"] for row in json.loads(result.stdout)}
    result = runner.invoke(cli, ["query", str(out), "SELECT ?t ?f WHERE { ?d kg:fileName ?f OPTIONAL { ?d dcterms:title ?t } }",
                                 "--format", "json"])
    rows = json.loads(result.stdout)
    assert any("<script>alert(3)</script>" in (r["t"] or "") and len(r["t"]) > 10_000 for r in rows)
    assert HOSTILE_FILE in {r["f"] for r in rows}


def test_hostile_names_are_inert_in_html(hostile_build):
    out, hostile = hostile_build
    page = (out / "graph.html").read_text(encoding="utf-8")
    for payload in ("<script>alert", "<script>世界", "</script><!--", "<!--注释", "<b>粗体", "<c>"):
        assert payload not in page, payload
    assert len(re.findall(r"</script", page, re.I)) == 3             # vis, data, app: nothing closes early
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    shown = json.dumps(json.loads(m.group(1)), ensure_ascii=False)
    for name in hostile:
        assert json.dumps(name, ensure_ascii=False)[1:-1] in shown, name   # the text itself is kept
