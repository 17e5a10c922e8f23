"""The ``kg`` command: build a knowledge graph from policy news, then query and browse it.

Each command is a thin call into the stage modules; library errors become messages that
say how to fix the problem.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import KGError


def _graph_file(path: Path) -> Path:
    """A build folder means its graph.ttl."""
    if path.is_dir():
        ttl = path / "graph.ttl"
        if not ttl.exists():
            raise click.ClickException(f"{path} has no graph.ttl; build one first with: kg build CORPUS --out {path}")
        return ttl
    return path


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
@click.option("--ner", type=click.Choice(["auto", "rules", "spacy", "hanlp"]), default="rules", show_default=True,
              help="Statistical recognizer beside the rules: none (rules), the shipped spaCy model, a HanLP model, "
                   "or auto (the spaCy model when shipped).")
@click.option("--ner-model", type=click.Path(path_type=Path),
              help="Model folder for --ner hanlp (default: $HANLP_HOME) or --ner spacy.")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any input was skipped.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
def build(paths, out_dir, html, ner, ner_model, strict, quiet):
    """Build the knowledge graph of PATHS (files or folders) into OUT.

    With no PATHS, builds the sample corpus shipped with policykg. Inputs are .txt, .md
    and .html articles (front matter, HTML and page boilerplate are handled; UTF-8,
    GB18030 and Big5 are detected) and .jsonl files with one article per line
    (`text`, optional `title`, `date`, `url`, `source`, `language`). A file that cannot be
    read is reported with the reason and skipped; the rest still builds.

    \b
    Example:
        kg build corpus/ --out output/
    """
    from .pipeline import Pipeline, build as run_build

    def on_skip(skip):
        where = f"{skip.path}:{skip.line}" if skip.line else skip.path
        click.echo(f"skipped {where}: {skip.reason}", err=True)

    def progress(items):
        if quiet or len(items) < 20 or not sys.stderr.isatty():
            return items
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
        pipeline = Pipeline(ner=ner, ner_model=str(ner_model) if ner_model else None)
        pipeline.recognizer.nlp("zh")   # load models now, so a missing one fails before any work
        report = run_build(paths or None, out_dir, html=html, pipeline=pipeline,
                           progress=progress_ctx, on_skip=on_skip)
    except KGError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{report.articles} articles read, {len(report.skipped)} skipped; "
               f"{report.entities} entities, {report.relations} relations in {report.seconds:.1f}s")
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
    declared for you. Queries run on Oxigraph.

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
        source = _graph_file(graph)
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


def main():  # pragma: no cover - console entry point
    cli()
