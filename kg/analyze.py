"""The questions analysts ask of the actor network, answered with networkx.

Plain functions named for what they return, in the style of networkx: the graph argument
is ``G``, the MultiDiGraph of :func:`kg.export.to_networkx` (entities as nodes keyed by IRI,
relations as edges keyed by predicate, with evidence), and anything random takes
``seed=None``.

    >>> from kg.export import to_networkx
    >>> from kg.analyze import most_central, communities, evidence_path
    >>> G = to_networkx("output")                                   # doctest: +SKIP
    >>> [r["label"] for r in most_central(G, 3)]                    # doctest: +SKIP
    ['国务院', '工业和信息化部', '李强']
    >>> evidence_path(G, "李强", "工业和信息化部")                   # doctest: +SKIP

Centrality is computed on the undirected, simple view of the graph (a relation is a tie
whichever way it points; parallel relations add their evidence counts to the tie's
weight): degree (distinct neighbours), betweenness (sampled from 500 sources with ``seed``
above 2,000 nodes) and weighted PageRank.
"""
from __future__ import annotations

import difflib
import io
import unicodedata
import warnings
from collections import Counter, defaultdict
from pathlib import Path

import networkx as nx

from kg.atomic import atomic_write
from kg.errors import KGError

__all__ = [
    "ACTOR_TYPES", "simple_graph", "centrality", "most_central", "most_central_by_type", "communities",
    "find_entity", "ego_network", "ego_edges", "evidence_path", "programs_by_support", "statement_timeline",
    "plot_centrality", "plot_timeline", "analysis",
]

#: Types the ontology calls actors (kg:Actor); places act too, so rankings cover every type.
ACTOR_TYPES = ("Person", "Organization")
_TYPE_ORDER = ("Person", "Organization", "Place", "Policy", "Program", "Event", "Concept")
EXACT_BETWEENNESS_UP_TO = 2000


class EntityNotFoundError(KGError, LookupError):
    """No entity has the label asked for."""


def _label(G, n) -> str:
    return G.nodes[n].get("label") or str(n)


def _weight(data) -> int:
    return max(int(data.get("evidence_count") or 0), 1)


def simple_graph(G) -> nx.Graph:
    """The undirected simple graph of ``G``: one tie per connected pair, ``weight`` = summed evidence.

    >>> H = simple_graph(nx.MultiDiGraph([(1, 2), (2, 1), (2, 3)]))
    >>> sorted(H.edges(data="weight"))
    [(1, 2, 2), (2, 3, 1)]
    """
    H = nx.Graph()
    H.add_nodes_from(G.nodes(data=True))
    for u, v, data in G.edges(data=True):
        if u == v:
            continue
        w = _weight(data)
        if H.has_edge(u, v):
            H[u][v]["weight"] += w
        else:
            H.add_edge(u, v, weight=w)
    return H


def centrality(G, *, seed=None) -> dict:
    """Node -> ``degree`` (distinct neighbours), ``betweenness`` and ``pagerank``.

    Betweenness is exact up to 2,000 nodes and estimated from 500 sampled sources above
    (``seed`` makes the sample repeatable); PageRank is weighted by evidence.
    """
    H = simple_graph(G)
    if H.number_of_nodes() == 0:
        return {}
    k = None if H.number_of_nodes() <= EXACT_BETWEENNESS_UP_TO else 500
    between = nx.betweenness_centrality(H, k=k, seed=seed, normalized=True)
    rank = nx.pagerank(H, weight="weight") if H.number_of_edges() else {n: 1 / len(H) for n in H}
    return {n: {"degree": H.degree(n), "betweenness": between[n], "pagerank": rank[n]} for n in H}


def _row(G, n, scores, rank) -> dict:
    data = G.nodes[n]
    s = scores[n]
    return {"rank": rank, "iri": n, "label": _label(G, n), "type": data.get("type"),
            "degree": s["degree"], "betweenness": round(s["betweenness"], 4), "pagerank": round(s["pagerank"], 4)}


def most_central(G, k: int = 10, *, by: str = "pagerank", types=None, seed=None, scores=None) -> list[dict]:
    """The ``k`` most central entities (of ``types`` when given), best first.

    ``by`` is "pagerank", "betweenness" or "degree"; ties go to the other two measures,
    then to the label. Each row has rank, iri, label, type, degree, betweenness, pagerank.

    >>> G = nx.MultiDiGraph([("a", "hub"), ("b", "hub"), ("c", "hub")])
    >>> most_central(G, 1)[0]["iri"]
    'hub'
    """
    if by not in ("pagerank", "betweenness", "degree"):
        raise ValueError(f"by must be pagerank, betweenness or degree, not {by!r}")
    scores = centrality(G, seed=seed) if scores is None else scores
    others = [m for m in ("pagerank", "betweenness", "degree") if m != by]
    nodes = [n for n in scores if types is None or G.nodes[n].get("type") in types]
    nodes.sort(key=lambda n: (-scores[n][by], -scores[n][others[0]], -scores[n][others[1]], _label(G, n), str(n)))
    return [_row(G, n, scores, i) for i, n in enumerate(nodes[:k], 1)]


def most_central_by_type(G, k: int = 5, *, by: str = "pagerank", seed=None, scores=None) -> dict[str, list[dict]]:
    """Type -> its ``k`` most central entities (see :func:`most_central`), types in ontology order."""
    scores = centrality(G, seed=seed) if scores is None else scores
    present = {G.nodes[n].get("type") for n in G}
    order = [t for t in _TYPE_ORDER if t in present] + sorted(t for t in present - set(_TYPE_ORDER) if t)
    return {t: most_central(G, k, by=by, types={t}, scores=scores) for t in order}


def communities(G, *, seed=None, resolution: float = 1.0) -> list[dict]:
    """Louvain communities of the weighted undirected graph, largest first.

    Each has ``id`` (1...), ``size``, ``nodes`` (IRIs) and ``labels`` (by degree, then
    label), and ``types`` (count per type). The same ``seed`` gives the same communities.
    """
    H = simple_graph(G)
    if H.number_of_nodes() == 0:
        return []
    parts = nx.community.louvain_communities(H, weight="weight", resolution=resolution, seed=seed)
    out = []
    for part in parts:
        members = sorted(part, key=lambda n: (-H.degree(n), _label(G, n), str(n)))
        out.append({"nodes": members, "labels": [_label(G, n) for n in members], "size": len(members),
                    "types": dict(Counter(G.nodes[n].get("type") or "untyped" for n in members).most_common())})
    out.sort(key=lambda c: (-c["size"], c["labels"][0]))
    for i, c in enumerate(out, 1):
        c["id"] = i
    return [{"id": c["id"], "size": c["size"], "labels": c["labels"], "types": c["types"], "nodes": c["nodes"]}
            for c in out]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def find_entity(G, label: str):
    """The node whose label, English label, alias or IRI is ``label`` (case and width folded).

    When several entities share the label, the best connected wins. An unknown label
    raises :class:`EntityNotFoundError` naming close matches.
    """
    if label in G:
        return label
    want = _fold(label)
    hits = []
    for n, data in G.nodes(data=True):
        names = [data.get("label"), data.get("label_en"), *(data.get("aliases") or [])]
        if any(x and _fold(x) == want for x in names):
            hits.append(n)
    if hits:
        return max(hits, key=lambda n: (G.degree(n), str(n)))
    labels = sorted({d.get("label") for _, d in G.nodes(data=True) if d.get("label")}
                    | {d.get("label_en") for _, d in G.nodes(data=True) if d.get("label_en")})
    close = difflib.get_close_matches(label, labels, n=5, cutoff=0.4)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    raise EntityNotFoundError(f"no entity is called {label!r}{hint}")


def ego_network(G, center, radius: int = 1) -> nx.MultiDiGraph:
    """The entities within ``radius`` hops of ``center`` (a node or a label), edges either way."""
    node = find_entity(G, center)
    return nx.ego_graph(G, node, radius=radius, undirected=True)


def ego_edges(G, center, radius: int = 1) -> list[dict]:
    """The relations of :func:`ego_network` as rows: subject, predicate, object, evidence_count, confidence."""
    E = ego_network(G, center, radius)
    rows = [{"subject": _label(G, u), "predicate": d.get("predicate") or k, "object": _label(G, v),
             "evidence_count": d.get("evidence_count", 0), "confidence": d.get("confidence")}
            for u, v, k, d in E.edges(keys=True, data=True)]
    rows.sort(key=lambda r: (r["subject"], r["predicate"], r["object"]))
    return rows


def evidence_path(G, source, target) -> list[dict]:
    """A shortest path between two entities (nodes or labels), one row per relation crossed.

    Each row: ``from``, ``predicate``, ``to`` (as the relation is stated, which may point
    back along the path), ``evidence`` (a sentence that states it), ``document`` and
    ``confidence``. Raises :class:`KGError` when no path joins them.
    """
    a, b = find_entity(G, source), find_entity(G, target)
    H = simple_graph(G)
    try:
        nodes = nx.shortest_path(H, a, b)
    except nx.NetworkXNoPath:
        raise KGError(f"no path joins {_label(G, a)!r} and {_label(G, b)!r}: they are in "
                      "different parts of the graph") from None
    steps = []
    for u, v in zip(nodes, nodes[1:]):
        candidates = [(u, v, k, d) for k, d in (G.get_edge_data(u, v) or {}).items()]
        candidates += [(v, u, k, d) for k, d in (G.get_edge_data(v, u) or {}).items()]
        s, o, k, d = max(candidates, key=lambda c: (c[3].get("evidence_count") or 0,
                                                    c[3].get("confidence") or 0.0, str(c[2])))
        evidence = d.get("evidence") or []
        documents = d.get("documents") or []
        steps.append({"from": _label(G, s), "predicate": d.get("predicate") or k, "to": _label(G, o),
                      "evidence": evidence[0] if evidence else None,
                      "document": documents[0] if documents else None, "confidence": d.get("confidence")})
    return steps


def programs_by_support(G, *, types=("Program", "Policy")) -> list[dict]:
    """Programmes and policies ranked by how many distinct actors promote or implement them.

    Rows: label, type, supporters (distinct promoters or implementers), promoters,
    implementers (counts) and their names.
    """
    rows = []
    for n, data in G.nodes(data=True):
        if data.get("type") not in types:
            continue
        promoters, implementers = set(), set()
        for s, _, d in G.in_edges(n, data=True):
            if d.get("predicate") == "promotes":
                promoters.add(s)
            elif d.get("predicate") == "implements":
                implementers.add(s)
        if not promoters and not implementers:
            continue
        rows.append({"label": _label(G, n), "type": data.get("type"),
                     "supporters": len(promoters | implementers), "promoters": len(promoters),
                     "implementers": len(implementers),
                     "promoted_by": sorted(_label(G, s) for s in promoters),
                     "implemented_by": sorted(_label(G, s) for s in implementers)})
    rows.sort(key=lambda r: (-r["supporters"], -r["promoters"], -r["implementers"], r["label"]))
    return rows


_PERIOD = {"day": 10, "month": 7, "year": 4}


def statement_timeline(G, *, by: str = "month") -> list[dict]:
    """Statements per period of article date (``by`` day, month or year), oldest first.

    Rows: period (``None`` for undated articles, last), documents, statements and one
    count per predicate. Dates come from ``G.graph["documents"]`` (dcterms:date).
    """
    if by not in _PERIOD:
        raise ValueError(f"by must be day, month or year, not {by!r}")
    dates = {f: (info.get("date") or None) for f, info in G.graph.get("documents", {}).items()}
    periods: dict = defaultdict(lambda: {"documents": set(), "statements": 0, "predicates": Counter()})
    for _, _, d in G.edges(data=True):
        for f, count in (d.get("document_statements") or {}).items():
            date = dates.get(f)
            period = date[: _PERIOD[by]] if date and len(date) >= _PERIOD[by] else None
            bucket = periods[period]
            bucket["documents"].add(f)
            bucket["statements"] += count
            bucket["predicates"][d.get("predicate")] += count
    rows = []
    for period in sorted(periods, key=lambda p: (p is None, p or "")):
        b = periods[period]
        rows.append({"period": period, "documents": len(b["documents"]), "statements": b["statements"],
                     "predicates": dict(sorted(b["predicates"].items(), key=lambda kv: (-kv[1], kv[0])))})
    return rows


# ---------------------------------------------------------------- charts

_CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
              "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "DejaVu Sans"]


def _save(fig, path) -> Path:
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or "png"
    if fmt not in ("png", "svg", "pdf"):
        raise KGError(f"{path}: a chart is written as .png, .svg or .pdf")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=150, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    return atomic_write(path, lambda fh: fh.write(buf.getvalue()))


def _figure(height: float):
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams["svg.hashsalt"] = "policykg"      # the same chart gives the same SVG
    fig = Figure(figsize=(8, height))
    return fig


def plot_centrality(rows: list[dict], path, *, by: str = "pagerank", title: str | None = None) -> Path:
    """A horizontal bar chart of a :func:`most_central` ranking, written to a .png/.svg/.pdf file."""
    import matplotlib

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": _CJK_FONTS}), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")   # a missing CJK font only turns glyphs into boxes
        fig = _figure(max(2.5, 0.35 * len(rows) + 1))
        ax = fig.add_subplot()
        labels = [f"{r['label']} ({r['type'] or '?'})" for r in rows][::-1]
        ax.barh(labels, [r[by] for r in rows][::-1], color="#4e79a7")
        ax.set_xlabel(by)
        ax.set_title(title or f"Most central entities by {by}")
        return _save(fig, path)


def plot_timeline(rows: list[dict], path, *, title: str | None = None) -> Path:
    """A bar chart of :func:`statement_timeline`: statements per period, stacked by predicate."""
    import matplotlib

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": _CJK_FONTS}), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = _figure(4)
        ax = fig.add_subplot()
        periods = [r["period"] or "undated" for r in rows]
        predicates = sorted({p for r in rows for p in r["predicates"]})
        bottom = [0] * len(rows)
        for p in predicates:
            values = [r["predicates"].get(p, 0) for r in rows]
            ax.bar(periods, values, bottom=bottom, label=p)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_ylabel("statements")
        ax.set_title(title or "Statements by article date")
        if predicates:
            ax.legend(fontsize=8, ncols=2)
        ax.tick_params(axis="x", labelrotation=45)
        return _save(fig, path)


# ---------------------------------------------------------------- everything at once

def analysis(G, *, k: int = 10, per_type: int = 5, by: str = "pagerank", seed=None, focus=None,
             radius: int = 1, path=None, timeline_by: str = "month") -> dict:
    """Every answer :command:`kg analyze` prints, as one JSON-ready dict."""
    scores = centrality(G, seed=seed)
    out = {
        "graph": {"entities": G.number_of_nodes(), "relations": G.number_of_edges(),
                  "documents": len(G.graph.get("documents", {}))},
        "most_central": most_central(G, k, by=by, scores=scores),
        "most_central_by_type": most_central_by_type(G, per_type, by=by, scores=scores),
        "communities": [{kk: v for kk, v in c.items() if kk != "nodes"} for c in communities(G, seed=seed)],
        "programs": programs_by_support(G),
        "timeline": statement_timeline(G, by=timeline_by),
    }
    if focus is not None:
        node = find_entity(G, focus)
        out["ego"] = {"center": _label(G, node), "radius": radius, "edges": ego_edges(G, node, radius)}
    if path is not None:
        out["path"] = {"from": path[0], "to": path[1], "steps": evidence_path(G, path[0], path[1])}
    return out
