"""Independent checks of the RDF files policykg writes: three parsers must agree.

rdflib and pyoxigraph read every file in the tests; raptor's ``rapper`` (Debian's
raptor2-utils, installed by .ci/run) reads it too where it is installed. Where it is
missing, :func:`rapper_count` returns None and the tests that need it skip with the reason.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import rdflib

RAPPER = shutil.which("rapper")
RAPPER_MISSING = "rapper is missing: apt-get install raptor2-utils (a second, independent Turtle parser)"

#: How many files the checks below have read in this test session (for the README counts).
CHECKED = {"files": 0, "rapper": 0}


def rapper_count(path, syntax: str = "turtle") -> int | None:
    """Triples ``rapper -c`` counts in ``path`` (it fails the test on a parse error); None without rapper."""
    if RAPPER is None:
        return None
    done = subprocess.run([RAPPER, "-i", syntax, "-c", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"rapper rejects {path}:\n{done.stderr[-2000:]}"
    m = re.search(r"returned (\d+) triples", done.stderr)
    assert m, done.stderr
    CHECKED["rapper"] += 1
    return int(m.group(1))


def check_rdf(path, syntax: str = "turtle") -> rdflib.Graph:
    """Parse ``path`` with rdflib, pyoxigraph and (where installed) rapper; all three must
    read the same number of triples. Returns the rdflib graph."""
    path = Path(path)
    fmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}[syntax]
    g = rdflib.Graph().parse(path, format={"turtle": "turtle", "ntriples": "nt"}[syntax])
    n_ox = len(set(ox.parse(path=str(path), format=fmt)))
    assert n_ox == len(g), f"{path}: pyoxigraph reads {n_ox} triples, rdflib {len(g)}"
    n_rapper = rapper_count(path, syntax)
    if n_rapper is not None:
        # rapper counts every triple as written; repeated triples would make it read more
        assert n_rapper == len(g), f"{path}: rapper reads {n_rapper} triples, rdflib {len(g)}"
    CHECKED["files"] += 1
    return g
