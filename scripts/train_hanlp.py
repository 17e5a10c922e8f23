#!/usr/bin/env python
"""Train a small HanLP NER model offline, for ``kg build --ner hanlp --ner-model DIR``.

HanLP's pretrained models are downloads (``hanlp.load("MSRA_NER_...")`` fetches them from
file.hankcs.com), so this trains one with HanLP's own API instead:
:class:`hanlp.components.ner.rnn_ner.RNNNamedEntityRecognizer` (a BiLSTM tagger over a
randomly initialised character embedding, ``embed=100``; no pretrained embedding, no
transformer, nothing downloaded) on a slice of ``../shared/datasets/ner`` (MSRA and People's
Daily, PER/LOC/ORG, one character and its BIO tag a line).

Sentences of up to ``--max-len`` characters from the three BIO files are shuffled with a
fixed seed and split into held-out test, dev and train sentences (disjoint), written as
``char<TAB>BIO`` files under ``SAVE_DIR/data``; the model is trained into SAVE_DIR, loaded
back through :func:`kg.ner.load_hanlp_model` (the loader ``--ner hanlp`` uses) and scored
on the held-out sentences: span precision, recall and F1 per label, and characters per
second. The scores go to ``SAVE_DIR/metrics.json``.

HanLP 2.1.5's CRF layer is built with ``batch_first=None`` (``RNNTaggingModel`` passes
``crf_constraints`` into CRF's ``batch_first`` argument), which breaks training and
prediction with ``crf=True``. Here the layer is fixed on the instance before training (the
saved model stays a plain ``RNNNamedEntityRecognizer``; ``load_hanlp_model`` applies the
same fix after loading); ``--no-crf`` trains a softmax tagger instead (weaker: F 53 against
60 with the defaults, in about the same time).

Training runs on one torch thread by default: on a shared 2-core machine, two threads made
an epoch take up to 30 times longer.

    python scripts/train_hanlp.py ~/.hanlp/policykg_ner            # about 100 s on one core
    kg build articles/ --ner hanlp                                  # finds $HANLP_HOME/policykg_ner

Needs the extra: ``pip install torch==2.13.0 && pip install -e '.[hanlp]'``.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets" / "ner"
BIO_FILES = ("msra/test.bio", "peoples_daily/dev.bio", "peoples_daily/test.bio")
_LINE = re.compile(r"^(.+?)[\t ]+(\S+)$")

Sentence = tuple[list[str], list[str]]


def read_bio(path: Path) -> list[Sentence]:
    """Sentences of a BIO file: one character and its tag a line (tab or space), blank lines
    between sentences."""
    sents, chars, tags = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _LINE.match(line.rstrip("\r\n"))
        if m is None:                       # a blank line (or a character without a tag)
            if chars:
                sents.append((chars, tags))
            chars, tags = [], []
            continue
        char, tag = m.groups()
        chars.append(char)
        tags.append(tag)
    if chars:
        sents.append((chars, tags))
    return sents


def bio_spans(tags: list[str]) -> set[tuple[str, int, int]]:
    """(label, start, end) of BIO tags, end exclusive; a stray I- starts a span."""
    spans, label, start = set(), None, 0
    for i, tag in enumerate([*tags, "O"]):
        inside = tag.startswith("I-") and label == tag[2:]
        if label is not None and not inside:
            spans.add((label, start, i))
            label = None
        if tag.startswith(("B-", "I-")) and not inside:
            label, start = tag[2:], i
    return spans


def make_splits(datasets: Path = DATASETS, n_train: int = 2000, n_dev: int = 200, n_test: int = 500,
                max_len: int = 100, seed: int = 1) -> dict[str, list[Sentence]]:
    """Disjoint test/dev/train slices of the MSRA and People's Daily sentences of at most
    ``max_len`` characters, shuffled with ``seed``."""
    pool = []
    for name in BIO_FILES:
        pool.extend(s for s in read_bio(datasets / name) if 0 < len(s[0]) <= max_len)
    random.Random(seed).shuffle(pool)
    if n_test + n_dev + n_train > len(pool):
        raise ValueError(f"asked for {n_test + n_dev + n_train} sentences, {len(pool)} available")
    return {"test": pool[:n_test], "dev": pool[n_test:n_test + n_dev],
            "train": pool[n_test + n_dev:n_test + n_dev + n_train]}


def write_tsv(sents: list[Sentence], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for chars, tags in sents:
            f.writelines(f"{c}\t{t}\n" for c, t in zip(chars, tags))
            f.write("\n")
    return path


def fix_crf(model) -> None:
    """HanLP 2.1.5 builds its CRF with ``batch_first=False`` for batch-first tensors."""
    crf = getattr(model, "crf", None)
    if crf is not None and hasattr(crf, "batch_first"):
        crf.batch_first = True


def score(component, sents: list[Sentence], batch_size: int = 64) -> dict:
    """Span P/R/F (percent) per label and overall, and characters per second."""
    chars = [c for c, _ in sents]
    t0 = time.perf_counter()
    predicted = component.predict(chars, batch_size=batch_size) if chars else []
    seconds = time.perf_counter() - t0
    counts: dict[str, Counter] = {}
    for (_, tags), entities in zip(sents, predicted):
        gold = bio_spans(tags)
        pred = {(label, b, e) for _, label, b, e in entities}
        for label, *_ in gold | pred:
            counts.setdefault(label, Counter())
        for span in gold | pred:
            key = "tp" if span in gold and span in pred else "fn" if span in gold else "fp"
            counts[span[0]][key] += 1
    counts["overall"] = sum(counts.values(), Counter())

    def prf(c: Counter) -> dict:
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"p": round(100 * p, 1), "r": round(100 * r, 1), "f": round(100 * f, 1),
                "tp": c["tp"], "fp": c["fp"], "fn": c["fn"]}

    n_chars = sum(len(c) for c in chars)
    return {"labels": {k: prf(v) for k, v in sorted(counts.items())},
            "sentences": len(sents), "chars": n_chars,
            "chars_per_s": round(n_chars / seconds) if seconds else None}


def train(save_dir: str | Path, n_train: int = 2000, n_dev: int = 200, n_test: int = 500,
          epochs: int = 10, max_len: int = 100, crf: bool = True, batch_size: int = 32,
          rnn_hidden: int = 128, lr: float = 0.005, seed: int = 1, datasets: str | Path = DATASETS,
          threads: int | None = 1, quiet: bool = False) -> dict:
    """Train an RNNNamedEntityRecognizer into ``save_dir``; return its metrics (also written
    to ``save_dir/metrics.json``)."""
    import torch
    from hanlp.components.ner.rnn_ner import RNNNamedEntityRecognizer

    from kg.ner import load_hanlp_model

    save_dir = Path(save_dir).expanduser().resolve()
    save_dir.mkdir(parents=True, exist_ok=True)
    splits = make_splits(Path(datasets), n_train, n_dev, n_test, max_len, seed)
    data = save_dir / "data"
    trn = write_tsv(splits["train"], data / "train.tsv")
    dev = write_tsv(splits["dev"], data / "dev.tsv")
    write_tsv(splits["test"], data / "test.tsv")

    logger = logging.getLogger("policykg.train_hanlp")
    logger.propagate = False
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)

    tagger = RNNNamedEntityRecognizer()
    if crf:                                 # fix the CRF of the model fit() builds
        build = tagger.build_model

        def build_model(**kwargs):
            model = build(**kwargs)
            fix_crf(model)
            return model

        tagger.build_model = build_model
    threads_before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    # HanLP draws its progress bars on stdout/stderr whatever the logger's level.
    sink = io.StringIO()
    quiet_out = contextlib.ExitStack()
    if quiet:
        # ... and its printers hold the streams of import time: "flash" (stderr) and the
        # progress timers (stdout, a default argument).
        from hanlp.utils import log_util
        from hanlp.utils.time_util import CountdownTimer

        quiet_out.enter_context(contextlib.redirect_stdout(sink))
        quiet_out.enter_context(contextlib.redirect_stderr(sink))
        printer, printer_out = log_util._printer, log_util._printer.out
        timer_defaults = CountdownTimer.__init__.__defaults__
        printer.out, CountdownTimer.__init__.__defaults__ = sink, (sink,)

        def restore():
            printer.out, printer._last_print_width = printer_out, 0
            CountdownTimer.__init__.__defaults__ = timer_defaults

        quiet_out.callback(restore)
    try:
        with quiet_out:
            t0 = time.perf_counter()
            tagger.fit(str(trn), str(dev), str(save_dir), batch_size=batch_size, epochs=epochs,
                       embed=100, rnn_hidden=rnn_hidden, lr=lr, crf=crf, tagging_scheme="BIO",
                       patience=epochs, seed=seed, devices=-1, logger=logger, verbose=not quiet)
            train_s = time.perf_counter() - t0
            used_threads = torch.get_num_threads()
            component = load_hanlp_model(save_dir)      # as --ner hanlp loads it
            test = score(component, splits["test"])
    finally:
        torch.set_num_threads(threads_before)
    metrics = {
        "model": "hanlp RNNNamedEntityRecognizer (BiLSTM, random char embedding 100)",
        "crf": crf, "epochs": epochs, "rnn_hidden": rnn_hidden, "lr": lr, "seed": seed, "max_len": max_len,
        "train_sentences": len(splits["train"]), "dev_sentences": len(splits["dev"]),
        "train_chars": sum(len(c) for c, _ in splits["train"]),
        "train_seconds": round(train_s, 1),
        "torch_threads": used_threads,
        "held_out_test": test,
        "model_bytes": sum(p.stat().st_size for p in save_dir.iterdir()
                           if p.is_file() and p.suffix in {".pt", ".json"}),
    }
    (save_dir / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2),
                                           encoding="utf-8")
    return metrics


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("save_dir", help="model folder to write (e.g. ~/.hanlp/policykg_ner)")
    ap.add_argument("--train", type=int, default=2000, help="training sentences")
    ap.add_argument("--dev", type=int, default=200, help="dev sentences (best epoch kept)")
    ap.add_argument("--test", type=int, default=500, help="held-out test sentences")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--max-len", type=int, default=100, help="longest sentence kept, in characters")
    ap.add_argument("--hidden", type=int, default=128, help="LSTM hidden size")
    ap.add_argument("--lr", type=float, default=0.005, help="Adam learning rate")
    ap.add_argument("--crf", action=argparse.BooleanOptionalAction, default=True,
                    help="CRF output layer (with the batch_first fix); --no-crf: softmax")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's choice)")
    ap.add_argument("--datasets", default=str(DATASETS), help="folder of msra/ and peoples_daily/")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    m = train(args.save_dir, args.train, args.dev, args.test, args.epochs, args.max_len, args.crf,
              rnn_hidden=args.hidden, lr=args.lr, seed=args.seed, datasets=args.datasets, threads=args.threads,
              quiet=args.quiet)
    test = m["held_out_test"]
    print(f"trained on {m['train_sentences']} sentences ({m['train_chars']} chars) in "
          f"{m['train_seconds']} s, {m['epochs']} epochs, crf={m['crf']}; model {m['model_bytes']} bytes")
    print(f"held-out test: {test['sentences']} sentences, {test['chars_per_s']} chars/s")
    for label, s in test["labels"].items():
        print(f"  {label:8} P {s['p']:5.1f}  R {s['r']:5.1f}  F {s['f']:5.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
