"""Property-based tests (hypothesis): whatever text comes in, the whole pipeline never crashes
and every graph it writes is valid RDF that three parsers read the same way and that
conforms to the SHACL shapes.

Inputs: random Unicode, Chinese and English policy sentences mutated character by character
(insertions of Turtle, HTML and control characters, deletions, repeats, swaps), random HTML
fragments around them, and random file names. Each goes through ingest (as a .txt, .md,
.html or a JSONL line), normalize, recognize, link, relate, :func:`kg.graph.build_graph` and
:func:`kg.graph.write_turtle`; an input that ingest refuses must be refused with an
InputError that names it, never with another exception.
"""
from __future__ import annotations

import json
import os

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="pip install hypothesis (a test extra)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kg.errors import InputError  # noqa: E402
from kg.graph import build_graph, write_turtle  # noqa: E402
from kg.ingest import article_from_text  # noqa: E402
from kg.records import PREDICATES, Article  # noqa: E402
from kg.validate import load_shapes, validate_graph  # noqa: E402
from tests.rdfcheck import check_rdf  # noqa: E402

#: Written for these tests: the kinds of sentence policy news is made of.
SENTENCES = [
    "国务院总理李强在江苏苏州调研，了解企业推进智能制造的情况。",
    "工业和信息化部党组书记、部长金壮龙出席会议并讲话。",
    "国务院印发《推动大规模设备更新和消费品以旧换新行动方案》。",
    "江苏省人民政府将深入实施制造强省“八大行动”，推进“智改数转”。",
    "2024世界先进制造业大会在济南开幕，工业和信息化部、山东省人民政府共同主办。",
    "他强调，要加快推动“人工智能+”行动，促进专精特新企业蓬勃发展。",
    "國務院總理李強在廣東深圳考察，了解聯(lián)合研發(fā)情況。",
    "广州市将出台《关于支持低空经济高质量发展的若干措施》。",
    "李强来到苏州汇川技术有限公司，察看生产线。",
    "Premier Li Qiang visited Suzhou in Jiangsu Province on Tuesday.",
    "The Ministry of Industry and Information Technology, led by Minister Jin Zhuanglong, will implement the plan.",
    "中共中央政治局常务委员会召开会议，研究部署推进新型工业化。",
]
#: Characters that break writers that do not escape: Turtle, HTML, JSON, control, BOM.
NASTY = list('<>&"\'\\{}@#%;.,:_^`|~\n\r\t\x00\x01\x0b\x0c\x1b\x7f\x85\u00a0\u2028\u2029\ufeff\u200b\u3000《》“”「」')
TAGS = ["p", "div", "script", "style", "a", "b", "br", "table", "td", "h1", "span", "nav", "footer", "iframe"]

nasty_char = st.sampled_from(NASTY)
any_text = st.text(max_size=40)


@st.composite
def mutated(draw):
    """A few policy sentences, then up to six random edits."""
    text = "".join(draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4)))
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 20)))
        op = draw(st.sampled_from(["insert", "nasty", "delete", "repeat", "swap"]))
        if op == "insert":
            text = text[:i] + draw(any_text) + text[i:]
        elif op == "nasty":
            text = text[:i] + "".join(draw(st.lists(nasty_char, min_size=1, max_size=6))) + text[i:]
        elif op == "delete":
            text = text[:i] + text[j:]
        elif op == "repeat":
            text = text[:j] + text[i:j] * draw(st.integers(1, 5)) + text[j:]
        else:
            text = text[i:j] + text[:i] + text[j:]
    return text


@st.composite
def html_fragment(draw, inner):
    """``inner`` wrapped in random, possibly unclosed or broken tags."""
    text = draw(inner)
    for _ in range(draw(st.integers(1, 4))):
        tag = draw(st.sampled_from(TAGS))
        attrs = draw(st.sampled_from(["", ' class="content"', ' class="share"', " style='display:none'",
                                      ' href="javascript:alert(1)"', ' onload="x()"', ' id="a<b"']))
        close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "<!--"]))
        text = f"<{tag}{attrs}>{text}{close}"
    return text


file_names = st.one_of(st.sampled_from(["a.txt", "news.md", "page.html", "b.jsonl#3"]),
                       st.text(min_size=1, max_size=30).map(lambda s: s + ".txt"))


class Run:
    """The pipeline on one input, checked; counts what the properties saw."""

    def __init__(self, pipeline, tmp_path):
        self.pipeline, self.tmp = pipeline, tmp_path
        self.results = []
        self.seen = {"inputs": 0, "refused": 0, "articles": 0, "relations": 0, "turtle files": 0}

    def __call__(self, text, kind, file_name):
        self.seen["inputs"] += 1
        try:
            if kind == "jsonl":
                # a JSONL line: the text goes through json as a scraper would write it
                line = json.loads(json.dumps({"text": text}, ensure_ascii=False))
                article = article_from_text(line["text"], file_name=file_name, kind="txt", line=1)
            elif kind == "raw":
                article = Article(file_name=file_name, text=text)      # the Python API, no ingest
            else:
                article = article_from_text(text, file_name=file_name, kind=kind)
        except InputError as exc:
            assert file_name in str(exc)                        # a refusal names its input
            self.seen["refused"] += 1
            return
        result = self.pipeline(article)
        self.seen["articles"] += 1
        self.seen["relations"] += len(result.relations)
        for r in result.relations:
            assert 0.0 <= r.confidence <= 1.0
            assert 0 <= r.start <= r.end <= len(result.article.text)
            assert r.predicate in PREDICATES and r.subject and r.object
        graph = build_graph([result])
        path = write_turtle(graph, self.tmp / "g.ttl")
        parsed = check_rdf(path)                                # rdflib, pyoxigraph, rapper agree
        assert len(parsed) == len(graph)
        self.seen["turtle files"] += 1
        self.results.append(result)

    def validate(self, shapes):
        """The union of every graph of the run conforms to the shapes (one pySHACL pass)."""
        graph = build_graph(self.results)
        report = validate_graph(graph, shapes)
        assert report.conforms, [v.__dict__ for v in report.violations[:5]]
        return len(graph)


#: Under CI the examples are the same on every run; elsewhere each run draws new ones.
#: KG_PROPERTY_EXAMPLES=2000 explores longer (the defaults keep the suite fast).
EXAMPLES = int(os.environ.get("KG_PROPERTY_EXAMPLES", "0"))
SETTINGS = dict(deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def shapes():
    return load_shapes()


def _report(name, run, triples):
    print(f"[properties] {name}: {run.seen} -> {triples} triples validated by SHACL")


def test_random_unicode_never_breaks_the_pipeline(pipeline, shapes, tmp_path):
    run = Run(pipeline, tmp_path)

    @settings(max_examples=EXAMPLES or 60, **SETTINGS)
    @given(text=st.text(max_size=300), kind=st.sampled_from(["txt", "md", "html", "jsonl", "raw"]),
           file_name=file_names)
    def prop(text, kind, file_name):
        run(text, kind, file_name)

    prop()
    _report("random unicode", run, run.validate(shapes))


def test_mutated_policy_sentences_never_break_the_pipeline(pipeline, shapes, tmp_path):
    run = Run(pipeline, tmp_path)

    @settings(max_examples=EXAMPLES or 80, **SETTINGS)
    @given(text=mutated(), kind=st.sampled_from(["txt", "md", "jsonl", "raw"]), file_name=file_names)
    def prop(text, kind, file_name):
        run(text, kind, file_name)

    prop()
    assert run.seen["relations"] > 0                            # the sentences still state relations
    _report("mutated sentences", run, run.validate(shapes))


def test_random_html_never_breaks_the_pipeline(pipeline, shapes, tmp_path):
    run = Run(pipeline, tmp_path)

    @settings(max_examples=EXAMPLES or 60, **SETTINGS)
    @given(text=html_fragment(st.one_of(mutated(), st.text(max_size=80))),
           kind=st.sampled_from(["html", "txt", "md"]), file_name=file_names)
    def prop(text, kind, file_name):
        run(text, kind, file_name)

    prop()
    assert run.seen["articles"] > 0
    _report("random HTML", run, run.validate(shapes))
