"""The commands about stored documents and the index as a whole: `show`, `export`,
`stats` and `check` (`clean` is in `cleaning`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from searchlib.cli.app import cli
from searchlib.cli.common import given_id, index_folder, index_option
from searchlib.errors import DocumentNotFoundError, IndexDamagedError
from searchlib.models import Article
from searchlib.output import json_line, terminal_text

#: `stats` names this many sources, the biggest first; `stats --json` lists them all.
STATS_SOURCES = 10


def _print_article(article: Article, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        data = {**(extra or {}), **article.to_dict()}
        click.echo(json_line(data, indent=2))
        return
    click.echo(terminal_text(article.title))
    meta = [
        article.date.strftime("%Y-%m-%d") if article.date else "",
        ", ".join(article.authors),
        article.site or "",
        article.url or "",
    ]
    if any(meta):
        click.echo(terminal_text(" · ".join(m for m in meta if m)))
    if article.tags:
        click.echo(terminal_text("tags: " + ", ".join(article.tags)))
    click.echo()
    click.echo(terminal_text(article.body, lines=True))


@cli.command()
@click.argument("doc_id")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@click.pass_context
def show(
    ctx: click.Context, doc_id: str, index_dir: Path | None, sample: bool, as_json: bool
) -> None:
    """Show the stored article with id DOC_ID."""
    from searchlib.index import Index

    with Index.open(index_folder(ctx, index_dir, sample)) as ix:
        doc_id = given_id(doc_id)
        article = ix.get(doc_id)
    if article is None:
        raise DocumentNotFoundError(doc_id)
    _print_article(article, as_json, {"id": doc_id})


@cli.command()
@click.argument(
    "shards", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@index_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "bulk"]),
    default="jsonl",
    show_default=True,
    help="JSON lines, or the OpenSearch/Elasticsearch bulk format.",
)
@click.option(
    "--bulk-index", default="news", show_default=True, help="Target index name for --format bulk."
)
@click.option("--mapping", is_flag=True, help="Print the matching index mapping instead.")
@click.pass_context
def export(
    ctx: click.Context,
    shards: Path | None,
    index_dir: Path | None,
    sample: bool,
    fmt: str,
    bulk_index: str,
    mapping: bool,
) -> None:
    """Write the cleaned articles to stdout (for a bigger engine, or a backup), from the
    index, or from SHARDS, a folder `searchlib clean --out` wrote."""
    from searchlib.index import Index
    from searchlib.search.export import BULK_MAPPING, shard_export_lines

    if mapping:
        click.echo(json.dumps(BULK_MAPPING, indent=2))
        return
    if shards is not None:
        if index_dir is not None or sample:
            raise click.UsageError("give SHARDS or an index (--index, --sample), not both")
        for line in shard_export_lines(shards, bulk_index if fmt == "bulk" else None):
            click.echo(line)
        return
    with Index.open(index_folder(ctx, index_dir, sample)) as ix:
        for line in ix.export(bulk_index if fmt == "bulk" else None):
            click.echo(line)


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def stats(ctx: click.Context, index_dir: Path | None, sample: bool, as_json: bool) -> None:
    """Documents, date range, sources (the 10 biggest; --json: all) and size of the index."""
    from searchlib.index import Index

    with Index.open(index_folder(ctx, index_dir, sample)) as ix:
        figures = ix.stats()
    if as_json:
        click.echo(json_line(figures.to_dict()))
        return
    day = "%Y-%m-%d"
    click.echo(f"index      {figures.path}")
    click.echo(f"documents  {figures.documents}")
    if figures.first_date and figures.last_date:
        click.echo(f"dates      {figures.first_date:{day}} … {figures.last_date:{day}}")
    click.echo(
        f"size       {figures.size_bytes / 1024 / 1024:.1f} MB in {figures.segments} segment(s)"
    )
    if figures.sources:
        # Every source is in --json; the text shows the biggest, and how many more.
        top = figures.sources[:STATS_SOURCES]
        shown = terminal_text(", ".join(f"{name} ({n})" for name, n in top))
        more = len(figures.sources) - STATS_SOURCES
        click.echo(
            f"sources    {shown}" + (f", and {more} more (--json lists all)" if more > 0 else "")
        )


@cli.command()
@index_option
@click.option(
    "--quick",
    is_flag=True,
    help="Skip decoding every posting list and column value (stored documents and ids "
    "are still read).",
)
@click.pass_context
def check(ctx: click.Context, index_dir: Path | None, sample: bool, quick: bool) -> None:
    """Verify the index: read every file a search reads, and the counts; exit 2 when
    anything is wrong."""
    from searchlib.index import Index

    target = index_folder(ctx, index_dir, sample)
    with Index.open(target) as ix:
        problems = ix.check(quick=quick)
        count = len(ix)
    if problems:
        for problem in problems[:20]:
            click.echo(f"problem: {problem}", err=True)
        raise IndexDamagedError(str(target), f"{len(problems)} problem(s)")
    click.echo(f"index at {target} is sound: {count} documents")
