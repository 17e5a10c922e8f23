#!/usr/bin/env python
"""Train policykg's statistical Chinese NER (``kg/data/models/zh_ner``) offline.

    python scripts/train_ner.py                 # 15 minutes of training on this machine
    python scripts/train_ner.py --minutes 5 --data ../shared/datasets/ner

Reads the public corpora under ``--data`` (default ``../shared/datasets/ner``, never copied
into the project):

* CLUENER2020 ``cluener2020/train.jsonl`` and ``dev.jsonl`` (character spans, inclusive end):
  name -> PER, government/company/organization -> ORG, address -> LOC, position -> POSITION;
  book/game/movie/scene spans are marked *missing* (neither entity nor "outside");
* MSRA ``msra/test.bio`` and People's Daily ``peoples_daily/dev.bio``/``test.bio`` (PER, LOC,
  ORG in BIO). These corpora do not annotate posts, so words that CLUENER tags as positions
  (记者, 总经理, 部长...) are marked missing there rather than taught as "outside".

Splits: CLUENER train + 90 % of the MSRA/People's Daily sentences are trained on; CLUENER
dev is the dev set that picks ``model-best``; a fixed random 10 % (seed 0) of the
MSRA/People's Daily sentences is a held-out test never trained on (sentences whose text also
occurs in the test are removed from training). Sentences over 150 characters are split at
。！？ (then ；，, then anywhere outside an entity).

Writes DocBin files (``spacy.blank("zh")``, one token per character) to ``--build``
(default ``build/ner``, ignored by git), measures this machine's training speed to set
``training.max_steps`` so that ``spacy train`` with ``scripts/ner.cfg`` ends within
``--minutes``, trains, evaluates ``model-best`` on the held-out test (PER/LOC/ORG) and on
CLUENER dev (PER/LOC/ORG/POSITION), measures inference speed (characters per second with
``nlp.pipe`` over the held-out texts), and saves the pipeline without its training settings
plus ``metrics.json`` to ``--out`` (default ``kg/data/models/zh_ner``).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "ner"
DEFAULT_BUILD = ROOT / "build" / "ner"
DEFAULT_OUT = ROOT / "kg" / "data" / "models" / "zh_ner"
DEFAULT_CALIBRATION = ROOT / "kg" / "data" / "calibration"
CONFIG = Path(__file__).resolve().parent / "ner.cfg"

CLUENER_MAP = {"name": "PER", "government": "ORG", "company": "ORG", "organization": "ORG",
               "address": "LOC", "position": "POSITION"}
CLUENER_MISSING = {"book", "game", "movie", "scene"}
BIO_FILES = ("msra/test.bio", "peoples_daily/dev.bio", "peoples_daily/test.bio")
MAX_LEN = 150
TEST_SHARE = 0.10
SEED = 0
EVAL_FREQUENCY = 200          # must match [training] eval_frequency in ner.cfg


# --------------------------------------------------------------------------------------
# Reading the corpora into plain records
# --------------------------------------------------------------------------------------
class Record:
    """One sentence: text, entity spans (start, end, label) and missing spans (start, end)."""

    __slots__ = ("text", "ents", "missing", "source")

    def __init__(self, text, ents, missing=(), source=""):
        self.text, self.ents, self.missing, self.source = text, list(ents), list(missing), source


def _drop_overlaps(spans):
    """Longest first, then leftmost; no two kept spans share a character."""
    kept, taken = [], set()
    for s in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0])):
        if any(i in taken for i in range(s[0], s[1])):
            continue
        kept.append(s)
        taken.update(range(s[0], s[1]))
    return sorted(kept)


def read_cluener(path: Path, source: str) -> tuple[list[Record], dict[str, int]]:
    records, positions = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        text = obj["text"]
        ents, missing = [], []
        for kind, surfaces in (obj.get("label") or {}).items():
            for surface, offsets in surfaces.items():
                for start, end_incl in offsets:
                    end = end_incl + 1
                    if text[start:end] != surface:
                        raise ValueError(f"{path}: span {start}-{end_incl} is not {surface!r}")
                    if kind in CLUENER_MAP:
                        ents.append((start, end, CLUENER_MAP[kind]))
                        if kind == "position":
                            positions[surface] = positions.get(surface, 0) + 1
                    elif kind in CLUENER_MISSING:
                        missing.append((start, end))
                    else:
                        raise ValueError(f"{path}: unknown CLUENER label {kind!r}")
        ents = _drop_overlaps(ents)
        taken = {i for s, e, _ in ents for i in range(s, e)}
        missing = [m for m in _drop_overlaps(missing)
                   if not any(i in taken for i in range(m[0], m[1]))]
        records.append(Record(text, ents, missing, source))
    return records, positions


def read_bio(path: Path, source: str) -> list[Record]:
    """``char<TAB or SPACE>tag`` lines, a blank line between sentences."""
    records, chars, tags = [], [], []

    def flush():
        if chars:
            records.append(Record("".join(chars), bio_spans(tags), (), source))
        chars.clear()
        tags.clear()

    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            flush()
            continue
        if len(line) < 3 or line[1] not in "\t ":
            raise ValueError(f"{path}:{n}: expected 'char<sep>tag', got {line!r}")
        chars.append(line[0])
        tags.append(line[2:].strip())
    flush()
    return records


def bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    spans, start, label = [], None, None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, lab = tag.partition("-")
        if start is not None and not (prefix == "I" and lab == label):
            spans.append((start, i, label))
            start = label = None
        if prefix == "B" or (prefix == "I" and start is None):
            start, label = i, lab
    return spans


def mark_positions_missing(records: list[Record], positions: dict[str, int]) -> int:
    """In corpora without a POSITION label, post words are unknown, not "outside"."""
    words = sorted((w for w, c in positions.items() if c >= 2 and len(w) >= 2), key=len, reverse=True)
    if not words:
        return 0
    pattern = re.compile("|".join(re.escape(w) for w in words))
    marked = 0
    for r in records:
        taken = {i for s, e, _ in r.ents for i in range(s, e)}
        for m in pattern.finditer(r.text):
            if not any(i in taken for i in range(m.start(), m.end())):
                r.missing.append((m.start(), m.end()))
                marked += 1
    return marked


# policykg's own annotated articles (kg/data/calibration): policy news, the domain
# --------------------------------------------------------------------------------------
CALIBRATION_LABELS = {"Person": "PER", "Organization": "ORG", "Place": "LOC"}


def article_number(name: str) -> int | None:
    m = re.match(r"cal_(\d+)", name)
    return int(m[1]) if m else None


def project_gold(text: str, entities: list[dict], to_simplified) -> tuple[list, list]:
    """Entity spans of ``text`` from a gold file's names and aliases (the gold gives names,
    not offsets): every occurrence of a form, longest first. Persons, organizations and
    places become PER/ORG/LOC; a Policy, Program or Event name, and any optional entity, is
    *missing* (neither taught as an entity nor as outside), and so are the names inside it."""
    forms = []
    for ent in entities:
        label = None if ent.get("optional") else CALIBRATION_LABELS.get(ent.get("type"))
        for form in {ent.get("name", ""), *ent.get("aliases", [])}:
            form = to_simplified(form.strip())
            if len(form) >= 2 and re.search("[\u4e00-\u9fff]", form):
                forms.append((form, label))
    spans = []
    for form, label in forms:
        start = text.find(form)
        while start >= 0:
            spans.append((start, start + len(form), label))
            start = text.find(form, start + 1)
    kept = _drop_overlaps(spans)
    ents = [(s, e, lab) for s, e, lab in kept if lab]
    missing = [(s, e) for s, e, lab in kept if not lab]
    return ents, missing


def read_calibration(folder: Path, hold_out_from: int | None = None) -> tuple[list[Record], list[Record]]:
    """The Chinese articles of ``folder``/corpus as the pipeline reads them (ingested,
    normalized, in Simplified characters, cut into the pieces :mod:`kg.ner` gives the model),
    labelled from ``folder``/gold. Articles numbered ``hold_out_from`` or more are returned
    apart (second list) and not trained on."""
    sys.path.insert(0, str(ROOT))
    from kg.ingest import read_article
    from kg.ner import text_pieces
    from kg.normalize import normalize_article, to_simplified

    train, test = [], []
    for gold_file in sorted((folder / "gold").glob("*.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        if gold.get("language") == "en":
            continue
        article = normalize_article(read_article(folder / "corpus" / gold["doc"]))
        text = article.simplified or article.text
        ents, missing = project_gold(text, gold["entities"], to_simplified)
        number = article_number(gold["doc"])
        into = test if hold_out_from is not None and number is not None and number >= hold_out_from else train
        for s, e in text_pieces(text, MAX_LEN):
            # a span the piece cuts through is missing in it (the part inside the piece)
            into.append(Record(text[s:e],
                               [(a - s, b - s, lab) for a, b, lab in ents if s <= a and b <= e],
                               [(max(a, s) - s, min(b, e) - s) for a, b, *label in ents + missing
                                if a < e and b > s and not (label and s <= a and b <= e)],
                               f"calibration/{gold['doc']}"))
    return train, test


# --------------------------------------------------------------------------------------
# Capping sentence length
# --------------------------------------------------------------------------------------
def split_long(r: Record, max_len: int = MAX_LEN) -> list[Record]:
    if len(r.text) <= max_len:
        return [r]
    inside = set()          # positions where a cut would break a span
    for s, e, *_ in list(r.ents) + list(r.missing):
        inside.update(range(s + 1, e))
    cuts = _cut_points(r.text, max_len, inside)
    out, prev = [], 0
    for cut in cuts + [len(r.text)]:
        if cut <= prev:
            continue
        text = r.text[prev:cut]
        if text.strip():
            ents = [(s - prev, e - prev, lab) for s, e, lab in r.ents if prev <= s and e <= cut]
            missing = [(s - prev, e - prev) for s, e in r.missing if prev <= s and e <= cut]
            out.append(Record(text, ents, missing, r.source))
        prev = cut
    return out


def _cut_points(text: str, max_len: int, inside: set[int]) -> list[int]:
    cuts, start = [], 0
    while len(text) - start > max_len:
        window = range(start + max_len, start, -1)
        cut = None
        for marks in ("。！？!?", "；;", "，,、：:"):
            cut = next((i for i in window if text[i - 1] in marks and i not in inside), None)
            if cut is not None:
                break
        if cut is None:
            cut = next((i for i in window if i not in inside), start + max_len)
        cuts.append(cut)
        start = cut
    return cuts


# --------------------------------------------------------------------------------------
# Records -> spaCy
# --------------------------------------------------------------------------------------
def to_doc(nlp, r: Record):
    doc = nlp.make_doc(r.text)

    def span(s, e, label=""):
        sp = doc.char_span(s, e, label=label, alignment_mode="strict")
        if sp is None:
            sp = doc.char_span(s, e, label=label, alignment_mode="expand")
        return sp

    ents = [sp for sp in (span(s, e, lab) for s, e, lab in r.ents) if sp is not None and len(sp)]
    missing = [sp for sp in (span(s, e) for s, e in r.missing) if sp is not None and len(sp)]
    taken = {i for sp in ents for i in range(sp.start, sp.end)}
    missing = [sp for sp in missing if not any(i in taken for i in range(sp.start, sp.end))]
    seen, clean = set(), []
    for sp in sorted(missing, key=lambda x: (x.start, -len(x))):
        if not any(i in seen for i in range(sp.start, sp.end)):
            clean.append(sp)
            seen.update(range(sp.start, sp.end))
    doc.set_ents(ents, missing=clean, default="outside")
    return doc


def write_docbin(nlp, records: list[Record], path: Path) -> None:
    from spacy.tokens import DocBin

    db = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    for r in records:
        db.add(to_doc(nlp, r))
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)


def prepare(data: Path, build: Path, calibration: Path | None = None,
            hold_out_from: int | None = None) -> dict:
    """Read, split, cap and write train/dev/test (and domain_test) .spacy files; return the
    split statistics."""
    import spacy

    train, positions = read_cluener(data / "cluener2020" / "train.jsonl", "cluener_train")
    dev, _ = read_cluener(data / "cluener2020" / "dev.jsonl", "cluener_dev")
    bio = []
    for name in BIO_FILES:
        bio.extend(read_bio(data / name, name))
    order = list(range(len(bio)))
    random.Random(SEED).shuffle(order)
    n_test = round(len(bio) * TEST_SHARE)
    test = [bio[i] for i in sorted(order[:n_test])]
    test_texts = {r.text for r in test}
    rest = [bio[i] for i in sorted(order[n_test:])]
    bio_train = [r for r in rest if r.text not in test_texts]
    dropped_dupes = len(rest) - len(bio_train)
    domain, domain_test = read_calibration(calibration, hold_out_from) if calibration else ([], [])
    # Posts (部长, 董事长...) are not annotated in these corpora either.
    marked = mark_positions_missing(bio_train + domain + domain_test, positions)
    train = train + bio_train + domain

    splits = {"train": train, "dev": dev, "test": test}
    if domain_test:
        splits["domain_test"] = domain_test
    nlp = spacy.blank("zh")
    stats = {}
    for name, records in splits.items():
        capped = [piece for r in records for piece in split_long(r)]
        write_docbin(nlp, capped, build / f"{name}.spacy")
        stats[name] = {"sentences": len(records), "docs": len(capped),
                       "chars": sum(len(r.text) for r in capped),
                       "entities": sum(len(r.ents) for r in capped)}
        if name == "train":
            stats["train"]["from_calibration"] = {
                "docs": len(domain), "chars": sum(len(r.text) for r in domain),
                "entities": sum(len(r.ents) for r in domain)}
        if name == "test":
            (build / "test_texts.json").write_text(
                json.dumps([r.text for r in capped], ensure_ascii=False), encoding="utf-8")
    if not domain_test:
        (build / "domain_test.spacy").unlink(missing_ok=True)     # from an earlier run
    stats["calibration_held_out_from"] = hold_out_from if domain_test else None
    stats["held_out_duplicates_removed_from_train"] = dropped_dupes
    stats["position_words_marked_missing"] = marked
    return stats


# --------------------------------------------------------------------------------------
# Fitting training into the time budget
# --------------------------------------------------------------------------------------
def arch_overrides(width: int | None = None, depth: int | None = None) -> dict[str, int]:
    """Config overrides of the tok2vec encoder's size (``scripts/ner.cfg`` when None): the
    encoder is most of the model's inference time."""
    out = {}
    if width:
        out["components.tok2vec.model.encode.width"] = width
    if depth:
        out["components.tok2vec.model.encode.depth"] = depth
    return out


def calibrate(build: Path, seconds: float = 15.0, sizes=(100, 1000), overrides=None) -> dict:
    """Time nlp.update on this machine with the real config and spaCy's own batcher, at the
    smallest and the largest batch size of the schedule (median seconds per step), and the
    evaluation of the dev set."""
    import statistics

    import spacy
    from spacy.training import Corpus
    from spacy.training.batchers import minibatch_by_words
    from spacy.util import load_config, load_model_from_config

    config = load_config(CONFIG, overrides={"paths.train": str(build / "train.spacy"),
                                            "paths.dev": str(build / "dev.spacy"),
                                            **(overrides or {})})
    nlp = load_model_from_config(config, auto_fill=True)
    examples = list(Corpus(build / "train.spacy")(nlp))
    random.Random(1).shuffle(examples)
    nlp.initialize(lambda: examples[:2000])
    optimizer = nlp.create_optimizer()
    streams = {size: minibatch_by_words(examples * 10, size=size, tolerance=0.2) for size in sizes}
    for _ in range(5):                                   # warm-up
        nlp.update(next(streams[sizes[-1]]), sgd=optimizer, drop=0.1)
    times = {size: [] for size in sizes}
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end or min(len(v) for v in times.values()) < 10:
        for size in sizes:
            for _ in range(5):
                batch = next(streams[size])
                t0 = time.perf_counter()
                nlp.update(batch, sgd=optimizer, drop=0.1)
                times[size].append(time.perf_counter() - t0)
    step_s = {size: statistics.median(v) for size, v in times.items()}
    dev_texts = [eg.reference.text for eg in Corpus(build / "dev.spacy")(nlp)]
    t0 = time.perf_counter()
    for _ in nlp.pipe(dev_texts, batch_size=256):
        pass
    return {"step_s_small": step_s[sizes[0]], "step_s_large": step_s[sizes[-1]],
            "size_small": sizes[0], "size_large": sizes[-1],
            "train_chars_per_s_large": sizes[-1] / step_s[sizes[-1]],
            "dev_eval_s": time.perf_counter() - t0}


def steps_for_budget(seconds: float, cal: dict, start=100, stop=1000, compound=1.001,
                     fixed_s: float = 25.0) -> int:
    """How many steps of the config's batch_by_words schedule (sizes compounding from
    ``start`` to ``stop``; seconds per step interpolated between the calibrated sizes), with
    an evaluation every EVAL_FREQUENCY steps, fit into ``seconds``; a multiple of
    EVAL_FREQUENCY, so that the last steps are evaluated too."""
    s0, s1 = cal["size_small"], cal["size_large"]
    t0, t1 = cal["step_s_small"], cal["step_s_large"]
    slope = (t1 - t0) / (s1 - s0)
    elapsed, size, step = fixed_s, float(start), 0
    while True:
        cost = max(t0 + (size - s0) * slope, 1e-3)
        if (step + 1) % EVAL_FREQUENCY == 0:
            cost += cal["dev_eval_s"] + 1.0          # evaluation + saving a checkpoint
        if elapsed + cost > seconds:
            break
        elapsed += cost
        step += 1
        size = min(size * compound, stop)
    return max(step // EVAL_FREQUENCY * EVAL_FREQUENCY, EVAL_FREQUENCY)


# --------------------------------------------------------------------------------------
# Training, evaluation, export
# --------------------------------------------------------------------------------------
def train(build: Path, max_steps: int, deadline_s: float | None = None, overrides=None) -> dict:
    """Run ``spacy train``; past ``deadline_s`` (a loaded machine runs slower than it was
    calibrated) stop it right after its next evaluation, when model-best is on disk."""
    import signal

    out = build / "model"
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "spacy", "train", str(CONFIG), "--output", str(out),
           "--paths.train", str(build / "train.spacy"), "--paths.dev", str(build / "dev.spacy"),
           "--training.max_steps", str(max_steps)]
    for key, value in (overrides or {}).items():
        cmd += [f"--{key}", str(value)]
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    rows, stopped = [], False
    for line in proc.stdout:
        print(line, end="", flush=True)
        m = re.match(r"^\s*(\d+)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", line)
        if m:
            rows.append({"epoch": int(m[1]), "step": int(m[2]), "ents_f": float(m[3]),
                         "score": float(m[6])})
            if (deadline_s and not stopped and int(m[2]) < max_steps
                    and time.perf_counter() - t0 > deadline_s):
                print(f"time budget passed at step {m[2]}: stopping (model-best is saved)",
                      flush=True)
                proc.send_signal(signal.SIGINT)
                stopped = True
    if proc.wait() != 0 and not stopped:
        raise SystemExit(f"spacy train failed with exit status {proc.returncode}")
    if not (out / "model-best" / "config.cfg").is_file():
        raise SystemExit(f"spacy train left no {out / 'model-best'}")
    seconds = time.perf_counter() - t0
    best = max(rows, key=lambda r: r["score"]) if rows else {}
    last = rows[-1] if rows else {}
    return {"seconds": round(seconds, 1), "max_steps": max_steps, "stopped_at_deadline": stopped,
            "steps": last.get("step"), "epochs_started": (last.get("epoch", -1) + 1) if rows else None,
            "best_step": best.get("step"), "best_dev_ents_f": best.get("ents_f")}


def count_ner(examples) -> dict[str, list[int]]:
    """tp, fp, fn per label, by the rule of spaCy's ``get_ner_prf``: a prediction over a
    token whose gold annotation is missing is neither right nor wrong."""
    counts: dict[str, list[int]] = {}
    for eg in examples:
        if not eg.y.has_annotation("ENT_IOB"):
            continue
        golds = {(e.label_, e.start, e.end) for e in eg.y.ents}
        x2y = eg.alignment.x2y
        for ent in eg.x.ents:
            c = counts.setdefault(ent.label_, [0, 0, 0])
            idx = x2y[ent.start:ent.end]
            if not len(idx):
                continue
            if all(t.ent_iob != 0 for t in eg.y[idx[0]:idx[-1] + 1]):
                key = (ent.label_, idx[0], idx[-1] + 1)
                if key in golds:
                    c[0] += 1
                    golds.remove(key)
                else:
                    c[1] += 1
        for label, _, _ in golds:
            counts.setdefault(label, [0, 0, 0])[2] += 1
    return counts


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p * 100, 2), "r": round(r * 100, 2), "f": round(f * 100, 2),
            "tp": tp, "fp": fp, "fn": fn}


def score(nlp, examples, labels=None) -> dict:
    """P/R/F per label and overall (micro); predictions outside ``labels`` are ignored."""
    from spacy.training import Example

    preds = list(nlp.pipe([eg.reference.text for eg in examples], batch_size=256))
    scored = []
    for pred, eg in zip(preds, examples):
        if labels is not None:
            pred.ents = [e for e in pred.ents if e.label_ in labels]
        scored.append(Example(pred, eg.reference))
    counts = count_ner(scored)
    out = {label: _prf(*counts.get(label, [0, 0, 0])) for label in sorted(labels or counts)}
    totals = [sum(c[i] for label, c in counts.items() if label in out) for i in range(3)]
    out["overall"] = _prf(*totals)
    return out


def speed(nlp, texts: list[str], repeats: int = 3) -> float:
    for _ in nlp.pipe(texts[:50]):
        pass
    chars = sum(map(len, texts))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=256):
            pass
        best = min(best, time.perf_counter() - t0)
    return chars / best


def print_table(title: str, scores: dict) -> None:
    print(f"\n{title}")
    print(f"  {'label':<10}{'P':>8}{'R':>8}{'F':>8}{'gold':>8}")
    for label, s in scores.items():
        print(f"  {label:<10}{s['p']:>8.2f}{s['r']:>8.2f}{s['f']:>8.2f}{s['tp'] + s['fn']:>8}")


def export(model_dir: Path, out: Path, metrics: dict) -> None:
    """Save model-best without training settings (no corpus paths, no training section)."""
    import spacy

    nlp = spacy.load(model_dir)
    cfg = nlp.config
    for key in list(cfg.get("paths", {})):
        cfg["paths"][key] = None
    cfg.pop("pretraining", None)
    cfg["corpora"] = {}
    nlp.meta.update({
        "name": "zh_ner", "version": "0.1.0", "lang": "zh",
        "description": "policykg's statistical Chinese NER (PER, ORG, LOC, POSITION), "
                       "characters as tokens; trained by scripts/train_ner.py",
        "sources": [
            {"name": "CLUENER2020", "url": "https://github.com/CLUEbenchmark/CLUENER2020"},
            {"name": "MSRA NER (SIGHAN 2006) test", "url": "https://github.com/OYE93/Chinese-NLP-Corpus"},
            {"name": "People's Daily 1998 NER dev/test", "url": "https://github.com/OYE93/Chinese-NLP-Corpus"},
        ],
        "license": "research corpora; see the sources",
    })
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def evaluate(model_dir: Path, build: Path) -> dict:
    import spacy
    from spacy.training import Corpus

    nlp = spacy.load(model_dir)
    test = list(Corpus(build / "test.spacy")(nlp))
    dev = list(Corpus(build / "dev.spacy")(nlp))
    held_out = score(nlp, test, labels={"PER", "LOC", "ORG"})
    cluener = score(nlp, dev)
    texts = json.loads((build / "test_texts.json").read_text(encoding="utf-8"))
    cps = speed(nlp, texts)
    print_table(f"held-out test (10% of MSRA test + People's Daily dev/test, {len(test)} docs; "
                "POSITION predictions ignored: these corpora do not annotate posts)", held_out)
    print_table(f"CLUENER2020 dev ({len(dev)} docs; book/game/movie/scene missing)", cluener)
    print(f"\ninference: {cps:,.0f} chars/s (nlp.pipe over the held-out texts, 1 process)")
    results = {"held_out_test": held_out, "cluener_dev": cluener, "chars_per_s": round(cps)}
    if (build / "domain_test.spacy").exists():
        domain = list(Corpus(build / "domain_test.spacy")(nlp))
        results["domain_test"] = score(nlp, domain, labels={"PER", "LOC", "ORG"})
        print_table(f"policy news held out (calibration articles not trained on, {len(domain)} "
                    "pieces; labels projected from their gold names)", results["domain_test"])
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the NER corpora")
    ap.add_argument("--build", type=Path, default=DEFAULT_BUILD, help="work folder (not in git)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the trained pipeline goes")
    ap.add_argument("--minutes", type=float, default=15.0, help="time budget of spacy train")
    ap.add_argument("--max-steps", type=int, default=None,
                    help="train this many steps instead of fitting --minutes")
    ap.add_argument("--calibration", type=Path, default=DEFAULT_CALIBRATION,
                    help="annotated policy news (corpus/ and gold/) trained on beside the public "
                         "corpora; 'none' for the public corpora alone")
    ap.add_argument("--hold-out-from", type=int, metavar="N",
                    help="do not train on calibration articles numbered N or more: score the "
                         "model on them instead (domain_test in metrics.json)")
    ap.add_argument("--width", type=int, help="tok2vec width (default: scripts/ner.cfg)")
    ap.add_argument("--depth", type=int, help="tok2vec depth (default: scripts/ner.cfg)")
    ap.add_argument("--skip-train", action="store_true",
                    help="re-evaluate and export the existing BUILD/model/model-best")
    args = ap.parse_args(argv)

    if not (args.data / "cluener2020" / "train.jsonl").exists():
        ap.error(f"no CLUENER2020 data under {args.data} (see ../shared/datasets/README.md)")
    args.build.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    calibration = None if str(args.calibration) == "none" else args.calibration
    if calibration and not (calibration / "gold").is_dir():
        ap.error(f"no gold/ folder under {calibration} (or pass --calibration none)")
    stats = prepare(args.data, args.build, calibration, args.hold_out_from)
    print(json.dumps(stats, indent=2), flush=True)

    training = {}
    overrides = arch_overrides(args.width, args.depth)
    if not args.skip_train:
        if args.max_steps:
            max_steps, cal = args.max_steps, {}
        else:
            cal = calibrate(args.build, overrides=overrides)
            max_steps = steps_for_budget(args.minutes * 60, cal)
            print(f"calibration: {cal['step_s_small'] * 1000:.0f} ms per step of "
                  f"{cal['size_small']} words, {cal['step_s_large'] * 1000:.0f} ms per step of "
                  f"{cal['size_large']} ({cal['train_chars_per_s_large']:,.0f} chars/s), dev eval "
                  f"{cal['dev_eval_s']:.1f} s -> max_steps {max_steps} for {args.minutes} min",
                  flush=True)
        deadline = None if args.max_steps else args.minutes * 60 * 1.05
        training = train(args.build, max_steps, deadline, overrides)
        training["architecture"] = overrides
        training["minutes_budget"] = args.minutes
        training["calibration"] = {k: round(v, 6) for k, v in cal.items()}
        (args.build / "training.json").write_text(json.dumps(training, indent=2), encoding="utf-8")
    elif (args.build / "training.json").exists():
        training = json.loads((args.build / "training.json").read_text(encoding="utf-8"))

    best = args.build / "model" / "model-best"
    results = evaluate(best, args.build)
    metrics = {
        "created": date.today().isoformat(),
        "labels": ["PER", "ORG", "LOC", "POSITION"],
        "label_map": {"CLUENER2020": CLUENER_MAP, "CLUENER2020 missing": sorted(CLUENER_MISSING),
                      "MSRA/People's Daily": {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}},
        "data": stats,
        "training": training,
        **results,
        "notes": "held_out_test = a fixed random 10% (seed 0) of MSRA test + People's Daily "
                 "dev/test sentences, never trained on, scored on PER/LOC/ORG (POSITION "
                 "predictions ignored). cluener_dev chose model-best. chars_per_s: nlp.pipe, "
                 "1 process, on the held-out texts.",
    }
    export(best, args.out, metrics)
    size = dir_size(args.out)
    metrics["model_bytes"] = size
    (args.out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    print(f"\nsaved {args.out} ({size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
