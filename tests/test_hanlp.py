"""The HanLP backend for real: a tiny HanLP NER model trained offline with HanLP's own API
(scripts/train_hanlp.py), saved, and loaded back through ``--ner hanlp``.

Needs the extra (``pip install torch==2.13.0 && pip install -e '.[hanlp]'``) and
``../shared/datasets/ner``; skipped without either. Nothing here may reach the network:
every test of this module runs with socket connections and name lookups refused. The
tests check the plumbing, not the model's quality (it trains for seconds).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("hanlp")

from click.testing import CliRunner  # noqa: E402

from kg.cli import cli  # noqa: E402
from kg.errors import BackendError  # noqa: E402
from kg.ner import HANLP_DEFAULT_DIR, HANLP_LABELS, HanLPNER, load_hanlp_model  # noqa: E402
from kg.recognize import build_nlp  # noqa: E402
from tests.conftest import ROOT, SHARED  # noqa: E402

DATASETS = SHARED / "datasets" / "ner"
if not (DATASETS / "msra" / "test.bio").is_file():
    pytest.skip(f"no NER datasets at {DATASETS}", allow_module_level=True)

_spec = importlib.util.spec_from_file_location("train_hanlp", ROOT / "scripts" / "train_hanlp.py")
train_hanlp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_hanlp)

KNOWN = "国务院总理李强在江苏苏州调研，工业和信息化部部长金壮龙出席会议。"


@pytest.fixture(scope="module", autouse=True)
def no_network():
    def refuse(*args, **kwargs):
        raise OSError(f"network access in an offline test: {args[:2]}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        mp.setenv("HANLP_VERBOSE", "0")
        yield


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, no_network):
    """A HanLP RNNNamedEntityRecognizer trained for 2 epochs on 300 sentences (~15 s)."""
    save = tmp_path_factory.mktemp("hanlp") / "tiny_ner"
    metrics = train_hanlp.train(save, n_train=300, n_dev=50, n_test=50, epochs=2,
                                rnn_hidden=64, datasets=DATASETS, quiet=True)
    assert metrics["train_sentences"] == 300 and metrics["crf"] is True
    return save


@pytest.fixture(scope="module")
def sample_text(model_dir):
    """Forty of the sentences it was trained on, one a line, and a sentence of our own."""
    sents = train_hanlp.read_bio(model_dir / "data" / "train.tsv")[:40]
    return "\n".join("".join(chars) for chars, _ in sents) + "\n" + KNOWN + "\n"


def test_training_writes_a_self_contained_hanlp_model(model_dir):
    import json

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["classpath"] == "hanlp.components.ner.rnn_ner.RNNNamedEntityRecognizer"
    assert config["embed"] == 100 and config["crf"] is True
    assert (model_dir / "model.pt").is_file() and (model_dir / "vocabs.json").is_file()
    metrics = json.loads((model_dir / "metrics.json").read_text(encoding="utf-8"))
    assert {"p", "r", "f"} <= set(metrics["held_out_test"]["labels"]["overall"])
    component = load_hanlp_model(model_dir)
    assert component.model.crf.batch_first is True          # HanLP 2.1.5's CRF bug, fixed


def test_bio_spans():
    assert train_hanlp.bio_spans(["B-PER", "I-PER", "O", "I-LOC", "B-ORG", "B-ORG", "I-ORG"]) == {
        ("PER", 0, 2), ("LOC", 3, 4), ("ORG", 4, 5), ("ORG", 5, 7)}


def test_build_nlp_puts_hanlp_spans_among_the_candidates(model_dir, sample_text):
    nlp = build_nlp("zh", ner="hanlp", ner_model=str(model_dir))
    component = nlp.get_pipe("kg_hanlp_ner")
    assert isinstance(component, HanLPNER)
    from hanlp.components.ner.rnn_ner import RNNNamedEntityRecognizer
    assert isinstance(component.predict, RNNNamedEntityRecognizer)

    # What the HanLP model itself says about each line, in the project's types.
    lines = [line for line in sample_text.split("\n") if line]
    expected, offset = set(), 0
    for line, entities in zip(lines, load_hanlp_model(model_dir)([list(line) for line in lines])):
        start = sample_text.index(line, offset)
        for _, label, b, e in entities:
            if label in HANLP_LABELS:
                expected.add((start + b, start + e, HANLP_LABELS[label]))
        offset = start + len(line)

    doc = nlp(sample_text)
    found = {(s.start_char, s.end_char, s.label_) for s in doc.spans["kg_candidates"]
             if s._.kg_extractor == "ner_hanlp"}
    assert found == expected
    for span in doc.spans["kg_candidates"]:
        if span._.kg_extractor == "ner_hanlp":
            assert span._.kg_score == 0.5
    # The resolver chooses among them and the rules' spans; nothing else sets ner_hanlp.
    assert {(e.start_char, e.end_char, e.label_) for e in doc.ents
            if e._.kg_extractor == "ner_hanlp"} <= expected
    # Batched (nlp.pipe) and one-by-one agree.
    batched = next(nlp.pipe([sample_text]))
    assert {(s.start_char, s.end_char, s.label_) for s in batched.spans["kg_candidates"]
            if s._.kg_extractor == "ner_hanlp"} == found


def test_kg_build_with_ner_hanlp_and_a_model_folder(model_dir, sample_text, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(sample_text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(article), "--ner", "hanlp", "--ner-model", str(model_dir),
                                      "--out", str(out), "--no-html", "-q"])
    assert result.exit_code == 0, result.output
    assert "1 articles read" in result.stdout
    assert "Building model" not in result.stdout             # HanLP's progress line stays quiet
    ttl = (out / "graph.ttl").read_text(encoding="utf-8")
    assert "李强" in ttl


def test_parallel_build_with_hanlp_does_not_hang(model_dir, tmp_path):
    """-j 2 forks the loaded pipeline; torch's thread pool must not be inherited as is (the
    workers hung in their first LSTM forward). A subprocess, so a hang is a failure."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(4):
        (corpus / f"a{i}.txt").write_text(KNOWN + f"\n第{i}篇。\n", encoding="utf-8")
    kg = Path(sys.executable).with_name("kg")
    proc = subprocess.Popen([str(kg), "build", str(corpus), "-j", "2", "--ner", "hanlp", "--ner-model",
                             str(model_dir), "--out", str(tmp_path / "out"), "--no-html", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)            # the pool's workers too
        proc.communicate()
        pytest.fail("kg build -j 2 --ner hanlp did not finish in 180 s")
    assert proc.returncode == 0, stderr
    assert "4 articles read" in stdout


def test_the_model_under_hanlp_home_is_found_without_ner_model(model_dir, tmp_path, monkeypatch):
    home = tmp_path / "hanlp_home"
    shutil.copytree(model_dir, home / HANLP_DEFAULT_DIR)
    monkeypatch.setenv("HANLP_HOME", str(home))
    nlp = build_nlp("zh", ner="hanlp")
    assert "kg_hanlp_ner" in nlp.pipe_names
    doc = nlp(KNOWN)
    assert all(s.label_ in {"Person", "Place", "Organization"} for s in doc.spans["kg_candidates"]
               if s._.kg_extractor == "ner_hanlp")
    article = tmp_path / "a.txt"
    article.write_text(KNOWN, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(article), "--ner", "hanlp", "--out",
                                      str(tmp_path / "out"), "--no-html", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "graph.ttl").is_file()


def test_a_folder_named_like_a_pretrained_model_is_loaded_not_downloaded(model_dir, tmp_path,
                                                                          monkeypatch):
    """hanlp.load("MSRA_NER_ELECTRA_SMALL_ZH") means a download; a folder of that name in the
    working directory must be read from disk."""
    shutil.copytree(model_dir, tmp_path / "MSRA_NER_ELECTRA_SMALL_ZH")
    monkeypatch.chdir(tmp_path)
    component = load_hanlp_model("MSRA_NER_ELECTRA_SMALL_ZH")
    assert component.config["load_path"] == str(tmp_path / "MSRA_NER_ELECTRA_SMALL_ZH")


def test_a_missing_model_folder_is_named(tmp_path, monkeypatch):
    missing = tmp_path / "no_such_model"
    with pytest.raises(BackendError) as err:
        build_nlp("zh", ner="hanlp", ner_model=str(missing))
    assert str(missing) in str(err.value)

    result = CliRunner().invoke(cli, ["build", "--ner", "hanlp", "--ner-model", str(missing),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert str(missing) in result.output

    monkeypatch.setenv("HANLP_HOME", str(tmp_path / "empty_home"))
    result = CliRunner().invoke(cli, ["build", "--ner", "hanlp", "--out", str(tmp_path / "out2")])
    assert result.exit_code != 0
    assert str(tmp_path / "empty_home" / HANLP_DEFAULT_DIR) in result.output


def test_a_folder_that_is_not_a_hanlp_model_fails_with_its_path(tmp_path):
    bogus = tmp_path / "bogus"
    bogus.mkdir()
    (bogus / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(BackendError) as err:
        load_hanlp_model(bogus)
    assert str(bogus) in str(err.value)
