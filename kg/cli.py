"""The ``kg`` command: build a knowledge graph from policy news, then query and browse it.

Each command is a thin call into the stage modules; library errors become messages that
say how to fix the problem.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import KGError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policykg")
def cli():
    """policykg: a knowledge graph of the actors, policies, programmes and events in policy news.

    \b
    Start with the bundled sample:
        kg build                      # builds output/graph.ttl and output/graph.html
        kg query output --named posts # who holds which post
    Then your own articles (.txt, .md, .html, .jsonl; Chinese or English):
        kg build corpus/ --out output/
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "-o", "out_dir", default="output", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for graph.ttl and graph.html.")
@click.option("--html/--no-html", default=True, show_default=True, help="Also write the interactive graph.html.")
@click.option("--ner", type=click.Choice(["auto", "rules", "spacy", "hanlp"]), default="auto", show_default=True,
              help="Statistical recognizer beside the rules: auto (the shipped spaCy model, kg/data/models/zh_ner, "
                   "when it is there), spacy, a HanLP model (hanlp), or none (rules: faster, fewer unlisted names).")
@click.option("--ner-model", type=click.Path(path_type=Path),
              help="Model folder for --ner hanlp (default: $HANLP_HOME) or --ner spacy.")
@click.option("--relations", type=click.Choice(["model", "rules"]), default="model", show_default=True,
              help="model: the rules' relations plus those the trained relation model finds between names of one "
                   "sentence (extractor relation_model, its probability as kg:confidence); rules: the rules alone.")
@click.option("--relation-model", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A relation model trained by scripts/train_relations.py (default: the shipped one).")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any input was skipped.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=1, show_default=True,
              help="Worker processes for extraction (with --engine dask: workers of the local cluster).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine; dask: a Dask cluster, writing OUT/shards/part-*.nq first.")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786); default: a local cluster.")
@click.option("--full", is_flag=True, help="Extract every article again, not only new and changed ones.")
@click.option("--max-bytes", type=click.IntRange(1), default=10 * 2**20, show_default=True,
              help="Skip article files (and JSONL lines) larger than this, unread.")
@click.option("--max-chars", type=click.IntRange(1), default=500_000, show_default=True,
              help="Skip articles whose text (markup removed) is longer than this.")
@click.option("--wait", type=click.FloatRange(0), default=0, show_default=True,
              help="Seconds to wait while another build holds OUT; then refuse.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
def build(paths, out_dir, html, ner, ner_model, relations, relation_model, strict, jobs, engine, scheduler, full, max_bytes, max_chars,
          wait, quiet):
    """Build the knowledge graph of PATHS (files or folders) into OUT.

    With no PATHS, builds the sample corpus shipped with policykg. Inputs are .txt, .md
    and .html articles (front matter, HTML and page boilerplate are handled; UTF-8,
    GB18030 and Big5 are detected) and .jsonl files with one article per line
    (`text`, optional `title`, `date`, `url`, `source`, `language`). A file that cannot be
    read is reported with the reason and skipped; the rest still builds. One build at a
    time writes into OUT: a second waits --wait seconds, then refuses.

    \b
    Example:
        kg build corpus/ --out output/
    """
    from .atomic import folder_lock
    from .ingest import limits
    from .pipeline import Pipeline, build as run_build

    def on_skip(skip):
        where = f"{skip.path}:{skip.line}" if skip.line else skip.path
        click.echo(f"skipped {where}: {skip.reason}", err=True)

    def progress(items):
        if quiet or not sys.stderr.isatty():
            return items     # articles are streamed: the bar counts them, it knows no total
        return click.progressbar(items, label="extracting", file=sys.stderr, show_pos=True)

    def progress_ctx(items):
        bar = progress(items)
        if bar is items:
            yield from items
            return
        with bar as it:
            yield from it

    if not paths and not quiet:
        click.echo("no input given: building the bundled sample corpus", err=True)
    try:
        with folder_lock(out_dir, wait=wait), limits(max_bytes=max_bytes, max_chars=max_chars):
            relation_setting = None if relations == "rules" else str(relation_model or "default")
            pipeline = Pipeline(ner=ner, ner_model=str(ner_model) if ner_model else None,
                                relation_model=relation_setting)
            pipeline.recognizer.nlp("zh")   # load models now, so a missing one fails before any work
            report = run_build(paths or None, out_dir, html=html, pipeline=pipeline,
                               progress=progress_ctx, on_skip=on_skip, jobs=jobs, engine=engine,
                               scheduler=scheduler, full=full)
    except KGError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{report.articles} articles read, {len(report.skipped)} skipped; "
               f"{report.entities} entities, {report.relations} relations in {report.seconds:.1f}s")
    click.echo(f"  {report.changes()}" + (f" ({report.rebuilt})" if report.rebuilt else ""))
    if not quiet:
        for kind, path in report.outputs.items():
            click.echo(f"  {kind}: {path}")
    if strict and report.skipped:
        sys.exit(1)


@cli.command()
@click.argument("graph", type=click.Path(exists=True, path_type=Path))
@click.argument("sparql", required=False)
@click.option("--file", "-f", "query_file", type=click.File(encoding="utf-8"), help="Read the query from a .rq file.")
@click.option("--named", "-n", help="Run a query shipped with policykg (see --list).")
@click.option("--param", "-p", multiple=True, metavar="NAME=VALUE", help="A parameter of a named query, e.g. -p label=李强.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--list", "list_named", is_flag=True, help="List the named queries and exit.")
def query(graph, sparql, query_file, named, param, fmt, list_named):
    """Ask GRAPH (a build folder or a .ttl file) a SPARQL question.

    The prefixes kg:, kgr:, skos:, prov:, rdf:, rdfs:, dcterms:, org: and xsd: are
    declared for you. Queries run on Oxigraph: on the folder's store/ (read-only, the
    union of its per-document graphs) when the build kept one, else on its graph.ttl.

    \b
    Examples:
        kg query output 'SELECT ?name WHERE { ?p a kg:Person ; skos:prefLabel ?name }'
        kg query output --named posts
        kg query output --named about -p label=工业和信息化部 --format csv
    """
    from . import query as q

    try:
        if list_named:
            for name, nq in sorted(q.named_queries().items()):
                click.echo(f"{name:<12} {nq.title}")
            return
        source = q.open_source(graph)   # DIR/store when the build kept one, else graph.ttl
        if source.note:
            click.echo(f"note: {source.note}", err=True)
        given = [x for x in (sparql, query_file, named) if x]
        if len(given) != 1:
            raise click.UsageError("give exactly one of: a SPARQL string, --file, or --named NAME")
        params = {}
        for p in param:
            if "=" not in p:
                raise click.UsageError(f"--param {p!r} is not NAME=VALUE")
            k, v = p.split("=", 1)
            params[k] = v
        if named:
            result = q.run_named(source, named, **params)
        else:
            text = sparql if sparql else query_file.read()
            result = q.run_query(source, text)
    except KGError as exc:
        raise click.ClickException(str(exc)) from exc
    formatter = {"table": q.format_table, "csv": q.format_csv, "json": q.format_json}[fmt]
    click.echo(formatter(result))


@cli.command()
@click.argument("graph", type=click.Path(exists=True, path_type=Path))
@click.option("--port", "-p", default=8000, show_default=True, help="TCP port (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback lets other machines query the graph.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds a query may run before it is stopped (HTTP 503).")
@click.option("--max-rows", default=10_000, show_default=True, help="Rows (or triples) a result is cut at.")
@click.option("--workers", type=int, help="Queries run at once (default: CPU count, at least 2).")
@click.option("--quiet", "-q", is_flag=True, help="Do not log each request.")
def serve(graph, port, host, timeout, max_rows, workers, quiet):
    """Serve GRAPH (a build folder or a graph file) as a read-only SPARQL endpoint.

    SPARQL 1.1 Protocol at /sparql (GET ?query=, POST form or application/sparql-query;
    JSON, XML, CSV or TSV results by Accept), the graph page at /graph.html, and the
    named queries with a box to run your own at /queries. Each query runs in its own
    process and is stopped after --timeout seconds; SPARQL Update (403) and federated
    SERVICE (400) are refused. Uses DIR/store when the build kept one, else DIR/graph.ttl.

    \b
    Example:
        kg serve output --port 8000
        curl -H 'Accept: text/csv' 'http://127.0.0.1:8000/sparql' \\
             --data-urlencode 'query=SELECT ?n WHERE { ?p a kg:Person ; skos:prefLabel ?n }'
    """
    from .serve import serve as run_server

    try:
        run_server(graph, host, port, timeout=timeout, max_rows=max_rows, workers=workers, quiet=quiet,
                   echo=click.echo)
    except KGError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                                   "choose another --port (0 picks a free one)") from exc


@cli.command()
@click.argument("graph", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "-f", "fmt", required=True,
              type=click.Choice(["ttl", "nt", "nq", "jsonld", "graphml", "gexf", "csv"]),
              help="ttl/nt/nq/jsonld: RDF with statement provenance (nq: a named graph per document); "
                   "graphml/gexf: property graph for networkx and Gephi; csv: nodes.csv + edges.csv for Neo4j.")
@click.option("--output", "-o", "out", type=click.Path(path_type=Path),
              help="File to write (for csv: the folder); default: into GRAPH's folder as graph.<format>.")
def export(graph, fmt, out):
    """Export GRAPH (a build folder or a graph file) for other tools; every file is written atomically.

    \b
    Examples:
        kg export output --format graphml              # output/graph.graphml for Gephi, networkx
        kg export output --format nq -o graph.nq       # a named graph per document
        kg export output --format csv -o neo4j/        # neo4j/nodes.csv, neo4j/edges.csv
    """
    from .export import export as run_export

    try:
        written = run_export(graph, fmt, out)
    except KGError as exc:
        raise click.ClickException(str(exc)) from exc
    if not written:
        click.echo(f"{graph}: its graph.ttl is already the Turtle of this graph; nothing written "
                   "(give -o PATH for a copy)")
    for path in written:
        click.echo(f"{fmt}: {path} ({path.stat().st_size:,} bytes)")


@cli.command()
@click.argument("graph", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--top", "-k", default=10, show_default=True, help="Entities in the overall centrality ranking.")
@click.option("--per-type", default=5, show_default=True, help="Entities per type in the per-type rankings.")
@click.option("--by", type=click.Choice(["pagerank", "betweenness", "degree"]), default="pagerank",
              show_default=True, help="Measure the rankings sort by.")
@click.option("--focus", help="Also show the ego network of this entity (label, alias or English name).")
@click.option("--radius", default=1, show_default=True, help="Hops around --focus.")
@click.option("--path", "path", nargs=2, metavar="A B", help="Also show a shortest path from A to B with evidence.")
@click.option("--timeline-by", type=click.Choice(["day", "month", "year"]), default="month", show_default=True)
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a chart (.png, .svg or .pdf) of the centrality ranking or, with --chart-of timeline, the timeline.")
@click.option("--chart-of", type=click.Choice(["centrality", "timeline"]), default="centrality", show_default=True)
@click.option("--seed", default=0, show_default=True, help="Seed for Louvain communities and sampled betweenness.")
def analyze(graph, as_json, top, per_type, by, focus, radius, path, timeline_by, chart, chart_of, seed):
    """Analyze the actor network of GRAPH: centrality, communities, programmes, timeline.

    Most central entities (degree, betweenness, PageRank) overall and per type; Louvain
    communities (seeded); programmes and policies ranked by distinct promoters and
    implementers; statements by article date; with --focus an ego network and with
    --path the relations joining two entities, each with its evidence sentence.

    \b
    Examples:
        kg analyze output
        kg analyze output --focus 李强 --path 李强 工业和信息化部
        kg analyze output --json --chart central.png
    """
    import json as _json

    from . import analyze as an
    from .export import to_networkx

    try:
        G = to_networkx(graph)
        report = an.analysis(G, k=top, per_type=per_type, by=by, seed=seed, focus=focus, radius=radius,
                             path=tuple(path) if path else None, timeline_by=timeline_by)
        if chart is not None:
            if chart_of == "timeline":
                an.plot_timeline(report["timeline"], chart)
            else:
                an.plot_centrality(report["most_central"], chart, by=by)
    except KGError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(_json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(_analysis_text(report, by))
    if chart is not None:
        click.echo(f"chart: {chart}", err=as_json)


def _analysis_text(report: dict, by: str) -> str:
    from .query import QueryResult, format_table

    def table(columns, rows, width=60):
        return format_table(QueryResult(list(columns), [tuple(r) for r in rows]), max_width=width)

    g = report["graph"]
    cols = ("rank", "entity", "type", "degree", "betweenness", "pagerank")

    def ranking(rows):
        return table(cols, [(r["rank"], r["label"], r["type"] or "", r["degree"], f"{r['betweenness']:.4f}",
                             f"{r['pagerank']:.4f}") for r in rows])

    out = [f"{g['entities']} entities, {g['relations']} relations, {g['documents']} documents", "",
           f"Most central entities (by {by})", ranking(report["most_central"])]
    for etype, rows in report["most_central_by_type"].items():
        out += ["", f"Most central: {etype}", ranking(rows)]
    groups = [c for c in report["communities"] if c["size"] > 1]
    alone = len(report["communities"]) - len(groups)
    out += ["", "Communities (Louvain)",
            table(("id", "size", "members"), [(c["id"], c["size"], "、".join(c["labels"][:6])
                                              + ("…" if c["size"] > 6 else "")) for c in groups], 80)]
    if alone:
        out.append(f"and {alone} entities with no relation to any other")
    out += ["", "Programmes and policies by distinct promoters and implementers",
            table(("programme", "type", "supporters", "promoters", "implementers"),
                  [(r["label"], r["type"], r["supporters"], r["promoters"], r["implementers"])
                   for r in report["programs"]])]
    out += ["", "Statements by article date",
            table(("period", "documents", "statements", "predicates"),
                  [(r["period"] or "undated", r["documents"], r["statements"],
                    ", ".join(f"{p} {n}" for p, n in r["predicates"].items())) for r in report["timeline"]], 80)]
    if "ego" in report:
        e = report["ego"]
        out += ["", f"Ego network of {e['center']} (radius {e['radius']})",
                table(("subject", "predicate", "object", "evidence"),
                      [(r["subject"], r["predicate"], r["object"], r["evidence_count"]) for r in e["edges"]])]
    if "path" in report:
        p = report["path"]
        out += ["", f"Path from {p['from']} to {p['to']}",
                table(("from", "predicate", "to", "evidence", "document"),
                      [(s["from"], s["predicate"], s["to"], s["evidence"] or "", s["document"] or "")
                       for s in p["steps"]], 50)]
    return "\n".join(out)


@cli.command()
@click.argument("graph", type=click.Path(exists=True, path_type=Path))
@click.option("--focus", help="Draw only this entity (label, alias or English name) and its neighbourhood.")
@click.option("--depth", default=2, show_default=True, help="Hops around --focus.")
@click.option("--max-nodes", default=5000, show_default=True, help="Keep at most this many, best connected first.")
@click.option("--output", "-o", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write; default GRAPH's folder: graph.html, or ego-LABEL.html with --focus.")
def viz(graph, focus, depth, max_nodes, out):
    """Write GRAPH as one self-contained interactive HTML page (no network access).

    Search box, type and relation filters, tooltips with evidence; with --focus only the
    entities within --depth hops of one entity.

    \b
    Examples:
        kg viz output                                  # output/graph.html
        kg viz output --focus 李强 --depth 2 -o liqiang.html
    """
    import re as _re

    from .export import to_rdflib
    from .viz import graph_to_html

    folder = graph if graph.is_dir() else graph.parent
    if out is None:
        slug = _re.sub(r"[^\w.-]+", "_", focus).strip("_") if focus else ""
        out = folder / (f"ego-{slug or 'focus'}.html" if focus else "graph.html")
    try:
        g = to_rdflib(graph)
        path = graph_to_html(g, out, focus=focus, depth=depth, max_nodes=max_nodes)
    except (KGError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"html: {path} ({path.stat().st_size:,} bytes)")


@cli.command()
@click.argument("graph", type=click.Path(exists=True, path_type=Path))
@click.option("--shapes", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="SHACL shapes in Turtle (default: the ontology.ttl of policykg).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--max-shown", default=50, show_default=True, help="Violations listed in text output (0: all).")
def validate(graph, shapes, fmt, max_shown):
    """Check GRAPH (a build folder or a .ttl file) against the SHACL shapes of the graph contract.

    Lists each violation (focus node, property, message, value) and exits with status 0
    only when there is none, 1 otherwise.

    \b
    Examples:
        kg validate output
        kg validate output/graph.ttl --format json
    """
    import json as _json

    from .validate import validate as run_validate

    try:
        report = run_validate(graph, shapes)
    except KGError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(_json.dumps({"source": report.source, "triples": report.triples,
                                "conforms": report.conforms,
                                "violations": [v.__dict__ for v in report.violations]},
                               ensure_ascii=False, indent=2))
    else:
        shown = report.violations if max_shown <= 0 else report.violations[:max_shown]
        for v in shown:
            where = f"{v.focus} {v.path}".rstrip()
            click.echo(f"{where}: {v.message}" + (f" (value {v.value})" if v.value and v.value != v.focus else ""))
        if len(shown) < len(report.violations):
            click.echo(f"... and {len(report.violations) - len(shown)} more (--max-shown 0 lists all)")
        click.echo(report.summary())
    if not report.conforms:
        sys.exit(1)


@cli.command()
@click.argument("graph", type=click.Path(exists=True, path_type=Path))
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol endpoint, e.g. http://host:8890/sparql-graph-crud-auth (Virtuoso).")
@click.option("--graph", "graph_iri", metavar="IRI", help="Target graph (default: kgr:graph).")
@click.option("--default", "default_graph", is_flag=True, help="Write the store's default graph instead.")
@click.option("--user", help="User for HTTP Digest or Basic authentication.")
@click.option("--password", help="Password (or set KG_PUSH_PASSWORD).", envvar="KG_PUSH_PASSWORD")
@click.option("--format", "fmt", type=click.Choice(["turtle", "nquads"]), default="turtle", show_default=True,
              help="turtle: graph.ttl into one graph; nquads: the per-document graphs of OUT/store to a dataset endpoint.")
@click.option("--append", is_flag=True, help="Add to the graph instead of replacing it (POST only).")
@click.option("--batch", default=50_000, show_default=True, help="Triples per request.")
def push(graph, endpoint, graph_iri, default_graph, user, password, fmt, append, batch):
    """Load GRAPH (a build folder or a .ttl file) into a SPARQL store over the Graph Store Protocol.

    The first request replaces the target graph (PUT), the rest add to it (POST), each
    at most --batch triples of N-Triples sent as text/turtle.

    \b
    Example:
        kg push output --endpoint http://localhost:8890/sparql-graph-crud-auth --user dba --password dba
        kg push output --endpoint http://fuseki:3030/kg/data --graph https://example.org/policy
    """
    from .push import DEFAULT_GRAPH, push as run_push

    if graph_iri and default_graph:
        raise click.UsageError("give --graph IRI or --default, not both")
    target = None if default_graph else (graph_iri or DEFAULT_GRAPH)
    try:
        report = run_push(graph, endpoint, graph=target, user=user, password=password, fmt=fmt,
                          batch=batch, replace=not append)
    except KGError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{report.triples:,} triples in {report.requests} requests ({report.bytes / 2**20:.1f} MiB) "
               f"to {report.url} in {report.seconds:.1f}s")


def main():  # pragma: no cover - console entry point
    cli()
