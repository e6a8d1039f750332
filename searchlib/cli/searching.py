"""`searchlib search` and `similar`: a page of hits as text, JSON or JSON lines."""

from __future__ import annotations

import functools
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from searchlib.cli.app import EXIT_NO_HITS, EXIT_OK, cli
from searchlib.cli.common import QueryCommand, given_id, index_folder, index_option, rerun_with
from searchlib.output import json_line, terminal_text

if TYPE_CHECKING:
    from searchlib.search.options import SortOrder
    from searchlib.search.results import Results

_offset_option = click.option(
    "--offset",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Skip this many hits (the next page starts where the last one ended).",
)


def _hit_output_options(func: Any) -> Any:
    """--json, --jsonl and --no-color, for the commands that print hits; the command
    gets `output` ("json", "jsonl" or None). Both formats at once are refused: the
    last given would otherwise win without a word."""

    @functools.wraps(func)
    def command(*args: Any, as_json: bool, as_jsonl: bool, **kwargs: Any) -> Any:
        if as_json and as_jsonl:
            raise click.UsageError("--json and --jsonl are two formats: give one")
        output = "json" if as_json else "jsonl" if as_jsonl else None
        return func(*args, output=output, **kwargs)

    command = click.option(
        "--no-color", is_flag=True, help="No colour (also: NO_COLOR set, not empty)."
    )(command)
    command = click.option(
        "--jsonl",
        "as_jsonl",
        is_flag=True,
        help="One JSON object per hit, a line each (facets and did-you-mean on stderr).",
    )(command)
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="One JSON object: query, total, total_is_estimate, matches, offset, "
        "next_offset, hits, did_you_mean, unfiltered_total (and facets when asked).",
    )(command)


def stdout_is_terminal() -> bool:
    """Whether stdout is a terminal (colour is for terminals only)."""
    return sys.stdout.isatty()


def _use_color(no_color: bool) -> bool:
    # no-color.org: NO_COLOR counts only when set to a non-empty value.
    return not no_color and not os.environ.get("NO_COLOR") and stdout_is_terminal()


def format_score(value: float) -> str:
    """A score to three significant digits: recency can make every score tiny, and
    two decimals would print them all as 0.00."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _highlight(text: str, spans: tuple[tuple[int, int], ...], color: bool) -> str:
    """A snippet with its matched words marked; the pieces are escaped one by one, as
    the spans count characters of the stored text."""
    out, pos = [], 0
    for start, end in spans:
        out.append(terminal_text(text[pos:start]))
        word = terminal_text(text[start:end])
        out.append(click.style(word, fg="yellow", bold=True) if color else f"[{word}]")
        pos = end
    out.append(terminal_text(text[pos:]))
    return "".join(out)


@cli.command(cls=QueryCommand)
@click.argument("query", nargs=-1, required=True)
@index_option
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(1, 10_000),
    default=10,
    show_default=True,
    help="Hits per page.",
)
@_offset_option
@click.option(
    "--since",
    metavar="DATE",
    help="Only stories from DATE on: 2024, 2024-03, 2024-03-05 or an ISO 8601 time.",
)
@click.option(
    "--until",
    metavar="DATE",
    help="Only stories up to the end of DATE (2024: through 31 December 2024).",
)
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date", "oldest"]),
    default="relevance",
    show_default=True,
)
@click.option("--source", help="Only stories from this source (words of its name).")
@click.option("--author", help="Only stories by this author (words of the name).")
@click.option("--tag", help="Only stories with this tag.")
@click.option(
    "--recent",
    "half_life",
    type=click.FloatRange(min=0.001),
    default=None,
    metavar="DAYS",
    help="Blend in recency: a story's score halves every DAYS days of age.",
)
@click.option(
    "--recent-from",
    metavar="DATE",
    help="Measure --recent ages from this date; default: the newest story in the index.",
)
@click.option(
    "--expand", is_flag=True, help="Add words from the top stories and search again (RM3)."
)
@click.option(
    "--no-collapse", is_flag=True, help="Show near-identical copies of a story separately."
)
@click.option("--facets", is_flag=True, help="Also count matches by source, month and tag.")
@click.option("--explain", is_flag=True, help="Show each hit's score per field and word.")
@click.option(
    "--proximity",
    is_flag=True,
    help="Rank stories where the query words stand together higher (re-ranks the top 100).",
)
@_hit_output_options
@click.pass_context
def search(
    ctx: click.Context,
    query: tuple[str, ...],
    index_dir: Path | None,
    sample: bool,
    limit: int,
    offset: int,
    since: str | None,
    until: str | None,
    sort: str,
    source: str | None,
    author: str | None,
    tag: str | None,
    half_life: float | None,
    recent_from: str | None,
    expand: bool,
    no_collapse: bool,
    facets: bool,
    explain: bool,
    proximity: bool,
    output: str | None,
    no_color: bool,
) -> None:
    """Ranked search for QUERY: words, "phrases", -exclude, OR, prefix*, field:value.

    Several words are one query (`searchlib search gas pipeline`); quote a phrase
    inside it (`searchlib search '"power of siberia"' gas`). When a word starts with
    a dash (-oil), put the query after `--`: `searchlib search -- -oil gas`.
    """
    from searchlib.index import Index
    from searchlib.search.options import SearchOptions

    text = " ".join(query)
    _warn_options_in_query(ctx, query)
    with Index.open(index_folder(ctx, index_dir, sample)) as ix:
        # Checked once the index is open: a missing index is the first thing to say.
        options = SearchOptions(
            text,
            limit=limit,
            offset=offset,
            since=since,
            until=until,
            source=source,
            author=author,
            tag=tag,
            sort=cast("SortOrder", sort),
            half_life_days=half_life,
            recent_from=recent_from,
            collapse=not no_collapse,
            expand=expand,
            proximity=proximity,
            explain=explain,
            facets=facets,
        )
        results = ix.search(options)
    given = {"since": since, "until": until, "source": source, "author": author, "tag": tag}
    filters = [f"--{name} {shlex.quote(value)}" for name, value in given.items() if value]
    _print_results(results, text, output, no_color, filters)
    ctx.exit(EXIT_OK if len(results) else EXIT_NO_HITS)


@cli.command()
@click.argument("doc_id")
@index_option
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@_offset_option
@click.option("--no-collapse", is_flag=True, help="Show near-identical copies separately.")
@_hit_output_options
@click.pass_context
def similar(
    ctx: click.Context,
    doc_id: str,
    index_dir: Path | None,
    sample: bool,
    limit: int,
    offset: int,
    no_collapse: bool,
    output: str | None,
    no_color: bool,
) -> None:
    """Stories like the one with id DOC_ID (more like this)."""
    from searchlib.index import Index

    with Index.open(index_folder(ctx, index_dir, sample)) as ix:
        results = ix.similar(given_id(doc_id), limit=limit, offset=offset, collapse=not no_collapse)
    _print_results(results, f"stories like {doc_id}", output, no_color)
    ctx.exit(EXIT_OK if len(results) else EXIT_NO_HITS)


def _warn_options_in_query(ctx: click.Context, words: tuple[str, ...]) -> None:
    """Say so when a word after `--` is one of the command's options (`-- gas -n 5`):
    it is searched for as a word, which is rarely what was meant."""
    names = {name for param in ctx.command.params for name in getattr(param, "opts", ())}
    for word in words:
        if word.split("=", 1)[0] in names:
            click.echo(
                f"note: {word!r} comes after '--', so it is searched for as a query word; "
                "put options before '--'",
                err=True,
            )
            return


def _no_results(query: str, filters: list[str], unfiltered: int | None) -> str:
    """'no results for ...', naming the filters that may be why."""
    if not filters:
        return f"no results for {query!r}"
    message = f"no results for {query!r} with {' '.join(filters)}"
    if unfiltered:
        # Documents, copies included: the filters were the only reason nothing showed.
        story = "document matches" if unfiltered == 1 else "documents match"
        return f"{message} ({unfiltered} {story} without the filters)"
    return f"{message} (nor without the filters)" if unfiltered == 0 else message


def _print_results(
    results: Results,
    query: str,
    output: str | None,
    no_color: bool,
    filters: list[str] | None = None,
) -> None:
    if output == "json":
        click.echo(json_line(results.to_dict()))
        return
    if output == "jsonl":
        for hit in results:
            click.echo(json_line(hit.to_dict()))
        # stdout holds hits only; facets and suggestions go to stderr, also as JSON.
        for name, counts in (results.facets or {}).items():
            click.echo(json_line({"facet": name, "counts": dict(counts)}), err=True)
        if results.suggestion:
            click.echo(json_line({"did_you_mean": results.suggestion}), err=True)
        return
    color = _use_color(no_color)
    if not results and results.offset and results.total:
        click.echo(
            f"--offset {results.offset} is past the last result: {query!r} has "
            f"{results.total} (try --offset 0)",
            err=True,
        )
    elif not results:
        click.echo(_no_results(query, filters or [], results.unfiltered_total), err=True)
    if results.suggestion:
        again = rerun_with(click.get_current_context(), results.suggestion)
        click.echo(f"did you mean: {terminal_text(again)}", err=True)
    for rank, hit in enumerate(results, results.offset + 1):
        # Stored text is shown, never obeyed: its control characters come out escaped.
        title = terminal_text(hit.title) or "(untitled)"
        click.echo(f"{rank}. {click.style(title, bold=True) if color else title}")
        meta = [
            hit.date.strftime("%Y-%m-%d") if hit.date else "undated",
            terminal_text(hit.source or hit.url or ""),
            f"score {format_score(hit.score)}",
            f"id {terminal_text(hit.id)}",
        ]
        if hit.copies:
            meta.append(f"+{len(hit.copies)} near-identical")
        click.echo("   " + " · ".join(m for m in meta if m))
        if hit.snippet:
            click.echo("   " + _highlight(hit.snippet, hit.highlights, color))
        if hit.explanation:
            parts = ", ".join(
                f"{field}:{term} {format_score(score)}" for field, term, score in hit.explanation
            )
            click.echo(f"   why: {terminal_text(parts)}")
        click.echo()
    if results:
        about = "about " if results.total_is_estimate else ""
        shown = f"{results.offset + 1}-{results.offset + len(results)}"
        line = f"results {shown} of {about}{results.total}"
        if results.next_offset is not None:
            line += f"; next page: --offset {results.next_offset}"
        click.echo(line, err=True)
    if results.facets:
        click.echo(f"matching documents ({results.matches}, copies included) by")
    for name, counts in (results.facets or {}).items():
        shown = ", ".join(f"{terminal_text(str(key))} ({n})" for key, n in counts)
        click.echo(f"  {name}: " + (shown or "none"))
