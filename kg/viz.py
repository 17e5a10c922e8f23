"""Knowledge graph -> one self-contained interactive HTML page (vis-network, no network access).

The page is written from our own small template (``kg/data/viz/``) around the vis-network
build that pyvis ships in its package, so it opens from disk with no request at all: no
CDN, no Bootstrap, no fonts. Entities, relations and evidence are read straight from the
rdflib graph with ``Graph.triples``-style iteration (rdflib's SPARQL joins stall on large
graphs), turned into compact node/edge lists, and embedded as JSON that the page's
script turns into vis-network data sets and DOM tooltips (text only, never HTML).

Example::

    >>> import rdflib
    >>> from kg.viz import graph_to_html
    >>> g = rdflib.Graph().parse("output/graph.ttl")            # doctest: +SKIP
    >>> graph_to_html(g, "output/graph.html")                    # doctest: +SKIP
    PosixPath('output/graph.html')
    >>> graph_to_html(g, "output/liqiang.html", focus="李强", depth=1)  # doctest: +SKIP
    PosixPath('output/liqiang.html')
"""
from __future__ import annotations

import difflib
import html
import json
import math
import re
import unicodedata
from collections import defaultdict, deque
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, Literal
from rdflib.namespace import PROV, SKOS

from .errors import KGError
from .atomic import atomic_write_text
from .namespace import KG, KGR
from .records import ALL_TYPES, PREDICATES

__all__ = ["graph_to_html", "FocusNotFoundError", "TYPE_COLORS", "PREDICATE_GLOSS"]

#: Fixed node palette (Tableau 10), one colour per entity type.
TYPE_COLORS = {
    "Person": "#e15759",
    "Organization": "#4e79a7",
    "Place": "#59a14f",
    "Policy": "#f28e2b",
    "Program": "#edc948",
    "Event": "#b07aa1",
    "Concept": "#9c9c9c",
}
TYPE_GLOSS = {
    "Person": "人物", "Organization": "机构", "Place": "地点", "Policy": "政策",
    "Program": "项目", "Event": "活动", "Concept": "概念",
}
#: Chinese gloss of each relation predicate, shown in legends and tooltips.
PREDICATE_GLOSS = {
    "holdsPosition": "任职", "visited": "考察", "locatedIn": "位于", "organized": "主办",
    "participatedIn": "参加", "promotes": "推动", "implements": "实施", "issued": "发布",
}
PREDICATE_COLORS = {
    "holdsPosition": "#c0504d", "visited": "#2c7fb8", "locatedIn": "#4d9a3a",
    "organized": "#8064a2", "participatedIn": "#a0719b", "promotes": "#d9822b",
    "implements": "#9c7a1c", "issued": "#5f6b7a",
}

#: Above this many nodes, positions are computed in Python and physics stays off.
LAYOUT_IN_PYTHON_ABOVE = 1000
MAX_EVIDENCE = 5          # evidence sentences per tooltip
MAX_SENTENCE = 240        # characters of one evidence sentence in a tooltip
MAX_LABEL = 24            # characters of a node label on the canvas (full name in the tooltip)
MAX_ALIASES = 12
MAX_DOCS = 5

_DATA_DIR = "data/viz"


class FocusNotFoundError(KGError, ValueError):
    """The ``focus`` label names no entity of the graph."""


# ---------------------------------------------------------------------------------------
# Reading the graph


@dataclass
class _Entity:
    iri: str
    type: str
    name: str                       # Chinese prefLabel where known, else the best label
    name_en: str = ""
    aliases: list[str] = field(default_factory=list)
    kb_id: str = ""
    docs: set[str] = field(default_factory=set)


@dataclass
class _Evidence:
    sentence: str
    file: str
    confidence: float | None
    extractor: str
    title: str


def _lang(lit) -> str:
    return (getattr(lit, "language", None) or "").lower()


def _sorted_literals(values) -> list[Literal]:
    return sorted((v for v in values if isinstance(v, Literal)), key=lambda v: (_lang(v), str(v)))


def _local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


def _class_map(g: rdflib.Graph) -> dict:
    """kg: class -> type name, including subclasses declared in the graph itself."""
    mapping = {}
    for t in ALL_TYPES:
        for cls in g.transitive_subjects(RDFS.subClassOf, KG[t]):
            mapping.setdefault(cls, t)
    return mapping


def _read_entities(g: rdflib.Graph) -> dict:
    order = {t: i for i, t in enumerate(ALL_TYPES)}
    types: dict = {}
    for cls, t in _class_map(g).items():
        for e in g.subjects(RDF.type, cls):
            if isinstance(e, Literal):
                continue
            if e not in types or order[t] < order[types[e]]:
                types[e] = t
    entities = {}
    for e, t in types.items():
        pref = _sorted_literals(g.objects(e, SKOS.prefLabel))
        alt = _sorted_literals(g.objects(e, SKOS.altLabel))
        rlabels = _sorted_literals(g.objects(e, RDFS.label))
        zh = [str(v) for v in pref if _lang(v).startswith("zh")]
        en = [str(v) for v in pref if _lang(v).startswith("en")]
        other = [str(v) for v in pref if not _lang(v).startswith(("zh", "en"))]
        # zh-Hans sorts before zh-Hant, and "zh" before both: Simplified first.
        name = (zh or other or en or [str(v) for v in rlabels] or [_local_name(str(e))])[0]
        name_en = en[0] if en and en[0] != name else ""
        seen = {name, name_en}
        aliases = []
        for v in [*zh, *other, *en, *(str(a) for a in alt), *(str(r) for r in rlabels)]:
            if v and v not in seen:
                seen.add(v)
                aliases.append(v)
        kb = g.value(e, KG.kbId)
        entities[e] = _Entity(str(e), t, name, name_en, aliases, str(kb) if kb is not None else "")
    return entities


def _file_name(g: rdflib.Graph, doc, cache: dict) -> str:
    if doc is None:
        return ""
    if doc not in cache:
        fn = g.value(doc, KG.fileName)
        cache[doc] = str(fn) if fn is not None else _local_name(str(doc))
    return cache[doc]


def _as_float(lit) -> float | None:
    if lit is None:
        return None
    try:
        value = float(lit.toPython() if isinstance(lit, Literal) else lit)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None     # JSON has no NaN


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_relations(g: rdflib.Graph, entities: dict) -> dict:
    """(subject, predicate name, object) -> list of evidence, for the eight kg: predicates."""
    by_iri = {KG[p]: p for p in PREDICATES}
    edges: dict = {}
    for p_iri, p in by_iri.items():
        for s, o in g.subject_objects(p_iri):
            if s in entities and o in entities:
                edges.setdefault((s, p, o), [])
    files: dict = {}
    statements = set(g.subjects(RDF.type, KG.Statement)) | set(g.subjects(RDF.subject, None))
    for st in statements:
        s, p_iri, o = g.value(st, RDF.subject), g.value(st, RDF.predicate), g.value(st, RDF.object)
        p = by_iri.get(p_iri)
        if p is None or s not in entities or o not in entities:
            continue
        sentence = g.value(st, KG.evidence)
        ev = _Evidence(
            sentence=_clip(sentence, MAX_SENTENCE) if sentence is not None else "",
            file=_file_name(g, g.value(st, PROV.wasDerivedFrom), files),
            confidence=_as_float(g.value(st, KG.confidence)),
            extractor=str(g.value(st, KG.extractor) or ""),
            title=str(g.value(st, KG.positionTitle) or ""),
        )
        edges.setdefault((s, p, o), []).append(ev)
    for key, evs in edges.items():
        # One entry per (sentence, file); most confident first, then stable by text.
        unique = {}
        for ev in evs:
            k = (ev.sentence, ev.file)
            if k not in unique or (ev.confidence or 0) > (unique[k].confidence or 0):
                unique[k] = ev
        edges[key] = sorted(unique.values(), key=lambda ev: (-(ev.confidence or 0), ev.file, ev.sentence))
    return edges


def _read_mentions(g: rdflib.Graph, entities: dict) -> None:
    files: dict = {}
    for doc, e in g.subject_objects(KG.mentions):
        if e in entities:
            entities[e].docs.add(_file_name(g, doc, files))


# ---------------------------------------------------------------------------------------
# Choosing what to show


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _find_focus(focus: str, entities: dict) -> list:
    key = _norm(focus)
    hits = [e for e, ent in entities.items()
            if key in {_norm(x) for x in (ent.name, ent.name_en, *ent.aliases) if x}]
    if hits:
        return hits
    labels = sorted({x for ent in entities.values() for x in (ent.name, ent.name_en, *ent.aliases) if x})
    by_norm = defaultdict(list)
    for x in labels:
        by_norm[_norm(x)].append(x)
    close = difflib.get_close_matches(key, list(by_norm), n=5, cutoff=0.5)
    # Substring matches help most with long policy names, which difflib scores low.
    close += [k for k in by_norm if key and key in k and k not in close][: 5 - len(close)]
    suggestions = [by_norm[k][0] for k in close]
    hint = ("; close matches: " + ", ".join(suggestions)) if suggestions else \
        f"; the graph has {len(entities)} entities and none is close"
    raise FocusNotFoundError(f"no entity labelled {focus!r}{hint}")


def _ego(centers: list, adjacency: dict, depth: int) -> set:
    seen = set(centers)
    frontier = deque((c, 0) for c in centers)
    while frontier:
        node, d = frontier.popleft()
        if d >= depth:
            continue
        for nb in adjacency.get(node, ()):
            if nb not in seen:
                seen.add(nb)
                frontier.append((nb, d + 1))
    return seen


# ---------------------------------------------------------------------------------------
# Layout for large graphs (networkx' spring_layout needs scipy above 500 nodes; this does not)


def _morton(qx, qy):
    """Interleave the bits of two 16-bit grid coordinates (Z-order): near cells, near keys."""
    def spread(v):
        v = (v | (v << 8)) & 0x00FF00FF
        v = (v | (v << 4)) & 0x0F0F0F0F
        v = (v | (v << 2)) & 0x33333333
        return (v | (v << 1)) & 0x55555555
    return spread(qx) | (spread(qy) << 1)


def _force_layout(n: int, pairs: list[tuple[int, int]], *, seed: int = 0,
                  iterations: int = 80, k: float = 90.0, samples: int = 32, window: int = 8,
                  gravity: float = 1.0, attraction: float = 0.5) -> list[tuple[float, float]]:
    """Fruchterman-Reingold in O(n * (samples + window)) per iteration, numpy only.

    Repulsion has two parts: the far field, from ``samples`` random nodes scaled up to
    stand for all of them, and the near field, exact between each node and its ``window``
    successors in Z-order of a randomly shifted grid (sampling alone misses the close
    neighbours, and nodes would pile up). Edges pull with ``d * (d / k) ** attraction``
    (1.0 is Fruchterman-Reingold's d²/k; 0.5 keeps hubs from crushing their neighbourhoods
    into one blot), and a linear pull to the centre keeps disconnected pieces on screen.
    Deterministic for a given ``seed``.
    """
    import numpy as np

    if n == 0:
        return []
    if n == 1:
        return [(0.0, 0.0)]
    rng = np.random.default_rng(seed)
    side = k * math.sqrt(n)
    pos = rng.uniform(-side / 2, side / 2, size=(n, 2))
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    dst = np.array([b for _, b in pairs], dtype=np.int64)
    m = min(n - 1, samples)
    scale = (n - 1) / m
    window = min(window, n - 1)
    temp = side / 8
    cool = temp / (iterations + 1)

    def push(disp, a, b, limit2):
        delta = pos[a] - pos[b]
        d2 = np.einsum("ij,ij->i", delta, delta) + 1e-2
        f = delta * np.where(d2 < limit2, (k * k) / d2, 0.0)[:, None]
        for axis in (0, 1):
            disp[:, axis] += np.bincount(a, f[:, axis], minlength=n)
            disp[:, axis] -= np.bincount(b, f[:, axis], minlength=n)

    for _ in range(iterations):
        partners = rng.integers(0, n, size=(n, m))
        delta = pos[:, None, :] - pos[partners]
        d2 = np.einsum("ijk,ijk->ij", delta, delta) + 1e-2
        disp = np.einsum("ij,ijk->ik", (k * k) / d2, delta) * scale
        q = np.clip((pos - pos.min(axis=0)) / (2 * k) + rng.uniform(0, 1, 2), 0, 65535).astype(np.int64)
        order = np.argsort(_morton(q[:, 0], q[:, 1]), kind="stable")
        for off in range(1, window + 1):
            push(disp, order[:-off], order[off:], (3 * k) ** 2)
        if len(src):
            delta = pos[src] - pos[dst]
            dist = np.sqrt(np.einsum("ij,ij->i", delta, delta)) + 1e-9
            f = delta * ((dist / k) ** attraction)[:, None]
            for axis in (0, 1):
                disp[:, axis] -= np.bincount(src, f[:, axis], minlength=n)
                disp[:, axis] += np.bincount(dst, f[:, axis], minlength=n)
        # Linear gravity: a uniform disc of radius k * sqrt(n / gravity) is in balance with
        # the repulsion, and unconnected nodes settle on its rim instead of drifting away.
        disp -= gravity * pos
        length = np.sqrt(np.einsum("ij,ij->i", disp, disp)) + 1e-9
        pos += disp * (np.minimum(length, temp) / length)[:, None]
        temp -= cool
    pos -= pos.mean(axis=0)
    return [(round(float(x), 1), round(float(y), 1)) for x, y in pos]


# ---------------------------------------------------------------------------------------
# The page


def _vis_network_js() -> str:
    lib = resources.files("pyvis") / "templates" / "lib"
    candidates = []
    for d in lib.iterdir():
        m = re.fullmatch(r"vis-(\d+)\.(\d+)\.(\d+)", d.name)
        if m and (d / "vis-network.min.js").is_file():
            candidates.append((tuple(map(int, m.groups())), d / "vis-network.min.js"))
    if not candidates:
        raise KGError(f"pyvis ships no vis-network build under {lib}; reinstall pyvis>=0.3.2")
    return max(candidates)[1].read_text(encoding="utf-8")


def _asset(name: str) -> str:
    return (resources.files("kg") / _DATA_DIR / name).read_text(encoding="utf-8")


def _script_safe(js: str) -> str:
    """Make library code safe inside a <script> element (it cannot contain '</script')."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _json_for_script(obj) -> str:
    """JSON that can sit inside <script> whatever the labels hold.

    Every ``<``, ``>`` and ``&`` becomes a \\u escape (so neither ``</script>`` nor ``<!--``
    can appear; this is stricter than escaping ``</`` alone), and U+2028/U+2029 are escaped
    for old JavaScript parsers. All of these occur only inside JSON strings, so the result
    parses to the same value.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def graph_to_html(graph: rdflib.Graph, path, *, focus: str | None = None, depth: int = 2,
                  max_nodes: int = 5000, title: str = "policykg") -> Path:
    """Write the graph as one self-contained interactive HTML page and return its path.

    The page makes no network request: vis-network is embedded, data is inline JSON. It has
    a search box (selects and zooms to the node whose label or alias contains the text),
    type and relation filters that double as the legend, hover tooltips with aliases and
    evidence sentences, and a layout that settles (vis physics stabilised for at most 200
    iterations and then switched off; positions computed here above
    ``LAYOUT_IN_PYTHON_ABOVE`` nodes).

    ``focus``: a label (Chinese or English, prefLabel, altLabel or rdfs:label) whose
    entity and everything within ``depth`` undirected hops is drawn; an unknown label
    raises :class:`FocusNotFoundError` (a ``ValueError``) with close matches.
    ``max_nodes``: above this many entities, keep the best-connected ones and say so.

    >>> graph_to_html(g, tmp / "ego.html", focus="Li Qiang", depth=1)   # doctest: +SKIP
    """
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, not {depth}")
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, not {max_nodes}")
    path = Path(path)

    entities = _read_entities(graph)
    relations = _read_relations(graph, entities)
    _read_mentions(graph, entities)

    adjacency: dict = defaultdict(set)
    degree: dict = defaultdict(int)
    for s, _p, o in relations:
        adjacency[s].add(o)
        adjacency[o].add(s)
        degree[s] += 1
        degree[o] += 1

    notes = []
    total = len(entities)
    keep = set(entities)
    centers: list = []
    if focus is not None:
        centers = _find_focus(focus, entities)
        keep = _ego(centers, adjacency, depth)
        names = ", ".join(sorted({entities[c].name for c in centers}))
        notes.append(f"Entities within {depth} hop{'s' if depth != 1 else ''} of {names}: "
                     f"{len(keep):,} of {total:,}.")
    if len(keep) > max_nodes:
        focused = set(centers)
        ranked = sorted(keep, key=lambda e: (e not in focused, -degree[e], entities[e].name, str(e)))
        shown = len(keep)
        keep = set(ranked[:max_nodes])
        notes.append(f"Showing the {max_nodes:,} best-connected of {shown:,} entities "
                     f"(max_nodes={max_nodes:,}); the rest are left out.")

    order = sorted(keep, key=lambda e: (ALL_TYPES.index(entities[e].type), entities[e].name, str(e)))
    index = {e: i for i, e in enumerate(order)}
    edge_keys = sorted((k for k in relations if k[0] in index and k[2] in index),
                       key=lambda k: (index[k[0]], PREDICATES.index(k[1]), index[k[2]]))

    # Sentences and file names are stored once and referenced by number.
    strings: dict[str, int] = {}

    def ref(text: str) -> int:
        if text not in strings:
            strings[text] = len(strings)
        return strings[text]

    def ev_row(ev: _Evidence) -> list:
        conf = None if ev.confidence is None else round(ev.confidence, 3)
        row = [ref(ev.sentence), ref(ev.file), conf, ev.extractor, ev.title]
        while row and row[-1] in ("", None):     # trailing blanks cost bytes at 10,000 edges
            row.pop()
        return row

    node_ev: dict = defaultdict(list)
    for (s, p, o), evs in relations.items():
        for ev in evs:
            if ev.sentence:
                node_ev[s].append((ev, p))
                node_ev[o].append((ev, p))

    shown_degree: dict = defaultdict(int)
    edges = []
    for s, p, o in edge_keys:
        evs = relations[(s, p, o)]
        shown_degree[s] += 1
        shown_degree[o] += 1
        confs = [ev.confidence for ev in evs if ev.confidence is not None]
        edge = {"s": index[s], "o": index[o], "p": p, "n": len(evs),
                "ev": [ev_row(ev) for ev in evs[:MAX_EVIDENCE]]}
        if confs:
            edge["c"] = round(max(confs), 3)
        edges.append(edge)

    positions = None
    if len(order) > LAYOUT_IN_PYTHON_ABOVE:
        positions = _force_layout(len(order), [(index[s], index[o]) for s, _p, o in edge_keys], seed=0)

    base = str(KGR)
    center_set = set(centers)
    nodes = []
    for i, e in enumerate(order):
        ent = entities[e]
        evs = sorted(node_ev.get(e, ()), key=lambda x: (-(x[0].confidence or 0), x[0].file, x[0].sentence))
        seen, rows = set(), []
        for ev, p in evs:
            if (ev.sentence, ev.file) in seen:
                continue
            seen.add((ev.sentence, ev.file))
            if len(rows) < MAX_EVIDENCE:
                rows.append([ref(ev.sentence), ref(ev.file), PREDICATES.index(p)])
        # The page derives the canvas label from n and en (clipped to MAX_LABEL characters).
        node = {"t": ent.type, "n": ent.name, "d": shown_degree[e]}
        if ent.iri.startswith(base):
            node["r"] = ent.iri[len(base):]
        else:
            node["iri"] = ent.iri
        if degree[e] != shown_degree[e]:
            node["dg"] = degree[e]
        if ent.name_en:
            node["en"] = ent.name_en
        if ent.aliases:
            node["a"] = ent.aliases[:MAX_ALIASES]
            if len(ent.aliases) > MAX_ALIASES:
                node["na"] = len(ent.aliases)
        if ent.kb_id:
            node["kb"] = ent.kb_id
        if ent.docs:
            docs = sorted(ent.docs)
            node["docs"] = [ref(f) for f in docs[:MAX_DOCS]]
            node["nd"] = len(docs)
        if rows:
            node["ev"] = rows
            node["ne"] = len(seen)
        if e in center_set:
            node["f"] = 1
        if positions:
            node["x"], node["y"] = positions[i]
        nodes.append(node)

    type_counts = defaultdict(int)
    for e in order:
        type_counts[entities[e].type] += 1
    rel_counts = defaultdict(int)
    for _s, p, _o in edge_keys:
        rel_counts[p] += 1
    data = {
        "title": title,
        "notes": notes,
        "physics": positions is None,
        "types": [{"name": t, "zh": TYPE_GLOSS[t], "color": TYPE_COLORS[t], "count": type_counts[t]}
                  for t in ALL_TYPES],
        "relations": [{"name": p, "zh": PREDICATE_GLOSS[p], "color": PREDICATE_COLORS[p],
                       "count": rel_counts[p]} for p in PREDICATES],
        "base": base,
        "maxLabel": MAX_LABEL,
        "strings": list(strings),
        "nodes": nodes,
        "edges": edges,
        "total": total,
    }
    page = _asset("template.html")
    parts = {
        "@@TITLE@@": html.escape(title, quote=True),
        "@@CSS@@": _asset("viz.css").replace("</", "<\\/"),
        "@@VIS_JS@@": _script_safe(_vis_network_js()),
        "@@DATA@@": _json_for_script(data),
        "@@APP_JS@@": _script_safe(_asset("viz.js")),
    }
    # One pass, so nothing inserted is ever scanned for placeholders again.
    page = re.sub("|".join(map(re.escape, parts)), lambda m: parts[m.group(0)], page)
    atomic_write_text(path, page)
    return path
