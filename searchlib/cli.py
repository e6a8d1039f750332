"""The `searchlib` command: parse arguments, call the library, format, map errors.

Exit codes: 0 success (search: at least one hit), 1 search found nothing,
2 any error (bad input, missing index, lock timeout...), 130 interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from searchlib import __version__
from searchlib.errors import (
    DocumentNotFoundError,
    IndexDamagedError,
    IndexNotFoundError,
    SearchlibError,
)
from searchlib.output import json_line, terminal_text

if TYPE_CHECKING:
    from searchlib.search.searching import Results

EXIT_OK, EXIT_NO_HITS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_INDEX = "index"
SAMPLE_DIR = Path(__file__).parent / "sample"
# The sample corpus gets an index of its own, so that trying searchlib out never mixes
# its stories into an archive's index (./index, or $SEARCHLIB_INDEX).
SAMPLE_INDEX = "searchlib-sample"
#: `stats` names this many sources, the biggest first; `stats --json` lists them all.
STATS_SOURCES = 10


class _Error(click.ClickException):
    exit_code = EXIT_ERROR


class _Group(click.Group):
    """Translates errors into one line on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # click's own handler would exit 1, as if the search had found nothing.
            raise _PipeClosed from None
        except IndexNotFoundError as exc:
            # Only the command line knows which command would have made this index.
            command = (ctx.obj or {}).get("create_command")
            raise _Error(str(IndexNotFoundError(exc.path, command))) from None
        except SearchlibError as exc:
            raise _Error(str(exc)) from None

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        if sys.stdout is None:
            _discard_stdout()  # started with stdout closed: run, as into a closed pipe
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "")
            sys.exit(EXIT_OK)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "searchlib"
            click.echo(f"Error: {exc.format_message()} (see `{command} --help`)", err=True)
            sys.exit(EXIT_ERROR)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(EXIT_ERROR)
        except (click.Abort, KeyboardInterrupt):
            click.echo(
                "\ninterrupted: the last committed index is intact; rerun to continue", err=True
            )
            sys.exit(EXIT_INTERRUPTED)
        except (BrokenPipeError, _PipeClosed):
            # The reader of our output (`| head`) has had enough: that is success, as in
            # `rg`. Point stdout at nothing so the final flush at exit is quiet too.
            _discard_stdout()
            sys.exit(EXIT_OK)
        except OSError as exc:
            # Anything the operating system refused that no layer below turned into a
            # searchlib error: still one line, never a traceback.
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(result if isinstance(result, int) else EXIT_OK)


class _PipeClosed(Exception):
    """The reader of stdout went away (not an OSError, which click would handle)."""


def _discard_stdout() -> None:
    """Send whatever is still to be written to stdout to the null device."""
    null = os.open(os.devnull, os.O_WRONLY)
    if null != 1:
        os.dup2(null, 1)
        os.close(null)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (process-wide)


def _index_option(func: Any) -> Any:
    """--index DIR and --sample, for every command that reads an index."""
    func = click.option(
        "--sample",
        is_flag=True,
        help=f"Use the sample corpus's index (./{SAMPLE_INDEX} unless --index is given).",
    )(func)
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Index folder (default: ./{DEFAULT_INDEX}, or $SEARCHLIB_INDEX).",
    )(func)


_offset_option = click.option(
    "--offset",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Skip this many hits (the next page starts where the last one ended).",
)


def _hit_output_options(func: Any) -> Any:
    """--json, --jsonl and --no-color, for the commands that print hits."""
    func = click.option(
        "--no-color", is_flag=True, help="No colour (also: NO_COLOR set, not empty)."
    )(func)
    func = click.option(
        "--jsonl",
        "output",
        flag_value="jsonl",
        help="One JSON object per hit, a line each (facets and did-you-mean on stderr).",
    )(func)
    return click.option(
        "--json",
        "output",
        flag_value="json",
        help="One JSON object: query, total, total_is_estimate, matches, offset, "
        "next_offset, hits, did_you_mean, unfiltered_total (and facets when asked).",
    )(func)


def _index_dir(ctx: click.Context, value: Path | None, sample: bool = False) -> Path:
    """The index folder a command uses, noting the command that would create it.

    With --sample, only an --index typed on the command line overrides the sample's
    own folder: $SEARCHLIB_INDEX names the user's archive, which the sample must not
    be mixed into.
    """
    obj = ctx.ensure_object(dict)
    group_value = obj.get("index_dir")
    typed = value
    if typed is None and group_value and obj.get("index_typed"):
        typed = Path(group_value)
    if sample:
        target = typed or Path(SAMPLE_INDEX)
        option = f" --index {shlex.quote(str(target))}" if typed else ""
        obj["create_command"] = f"searchlib index --sample{option}"
        return target
    target = value or (Path(group_value) if group_value else Path(DEFAULT_INDEX))
    option = f" --index {shlex.quote(str(target))}" if typed else ""
    obj["create_command"] = f"searchlib index{option} PATH"
    return target


def _runnable(ctx: click.Context) -> str:
    """The command being run as a user would type it again, with a `--index` given
    before the command name (which `command_path` leaves out)."""
    root = ctx.find_root().obj or {}
    if root.get("index_typed") and root.get("index_dir"):
        return f"searchlib --index {shlex.quote(str(root['index_dir']))} {ctx.info_name}"
    return ctx.command_path


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _use_color(no_color: bool) -> bool:
    # no-color.org: NO_COLOR counts only when set to a non-empty value.
    return not no_color and not os.environ.get("NO_COLOR") and _stdout_is_terminal()


def _score(value: float) -> str:
    """A score to three significant digits: recency can make every score tiny, and
    two decimals would print them all as 0.00."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


class _QueryCommand(click.Command):
    """A command whose arguments are query words: click reads a word such as `-oil` as
    an option, so a usage error involving one says how to pass it (after `--`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # click's parser consumes the list it is given
        try:
            return super().parse_args(ctx, args)
        except click.UsageError:
            options, words = self._split(given)
            # A mistyped --option is an option, not a word: leave click's message.
            dashed = [w for w in words if w.startswith("-") and not w.startswith("--")]
            if not dashed or dashed[0] == "-":
                raise
            example = shlex.join([*options, "--", *words])
            raise click.UsageError(
                f"{dashed[0]} is not an option of `{ctx.command_path}`; to search for it, "
                f"put the query after `--`: `{_runnable(ctx)} {example}`",
                ctx,
            ) from None

    def _split(self, args: list[str]) -> tuple[list[str], list[str]]:
        """The arguments that are this command's options (with their values), and the rest."""
        takes_value: dict[str, bool] = {}
        for param in self.params:
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not param.is_flag and not param.count
        options: list[str] = []
        words: list[str] = []
        pending = False
        for i, arg in enumerate(args):
            name = arg.split("=", 1)[0]
            if pending:
                options.append(arg)
                pending = False
            elif arg == "--":
                words.extend(args[i + 1 :])
                break
            elif name in takes_value:
                options.append(arg)
                pending = takes_value[name] and "=" not in arg
            else:
                words.append(arg)
        return options, words


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="searchlib")
@click.option(
    "--index",
    "index_dir",
    envvar="SEARCHLIB_INDEX",
    default=None,
    type=click.Path(file_okay=False),
    help="Index folder for every command.",
)
@click.option("-v", "--verbose", count=True, help="Log more (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, index_dir: str | None, verbose: int) -> None:
    """Search a news archive: clean articles, index them, search them ranked."""
    ctx.ensure_object(dict)
    ctx.obj["index_dir"] = index_dir
    # Typed on the command line, as opposed to taken from $SEARCHLIB_INDEX (see --sample).
    source = ctx.get_parameter_source("index_dir")
    ctx.obj["index_typed"] = index_dir is not None and source is ParameterSource.COMMANDLINE
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


class _StatusLine:
    """A progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = 0.0
        self.start = time.monotonic()

    def __call__(self, progress: Any) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and progress.current):
            return
        self.last = now
        report = progress.report
        total = max(progress.files_total, 1)
        share = min(progress.files_done / total, 1.0)
        bar = "#" * int(share * 24) + "-" * (24 - int(share * 24))
        rate = progress.done / max(now - self.start, 1e-6)
        line = (
            f"\r[{bar}] {share:4.0%} {progress.files_done}/{progress.files_total} files · "
            f"{report.added} added · {report.updated} updated · {report.unchanged} unchanged · "
            f"{report.skipped_count} skipped · {rate:,.0f} docs/s"
        )
        click.echo(line[:200], nl=False, err=True)

    def close(self) -> None:
        if self.enabled:
            click.echo("\r" + " " * 200 + "\r", nl=False, err=True)


class _OneInterrupt:
    """While indexing, the first Ctrl-C stops the run and later ones are ignored: the
    run is tidying up and exiting already, and a second one would end it by the signal
    (not exit code 130) or with a traceback."""

    def __enter__(self) -> None:
        self.active = threading.current_thread() is threading.main_thread()
        if self.active:  # only the main thread may set a handler
            self.previous = signal.signal(signal.SIGINT, _interrupt_once)

    def __exit__(self, *exc: object) -> None:
        if self.active and signal.getsignal(signal.SIGINT) is _interrupt_once:  # no Ctrl-C
            # None: a handler set outside Python, which cannot be put back; Python's then.
            previous = self.previous
            if previous is None:
                previous = signal.default_int_handler
            signal.signal(signal.SIGINT, previous)


def _interrupt_once(signum: int, frame: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_index_option
@click.option("--rebuild", is_flag=True, help="Start a fresh index, replacing the old one.")
@click.option("--prune", is_flag=True, help="Remove documents whose source file is gone.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes that clean and write documents (default: one per core).",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds to wait for another indexing run, which holds the index until it ends.",
)
@click.option(
    "--max-size",
    "max_mb",
    type=click.FloatRange(0.001),
    default=20.0,
    show_default=True,
    help="Skip inputs larger than this many MB.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=None,
    help="Documents per commit [default: 10000, growing to the index's size].",
)
@click.option("--show-skipped", is_flag=True, help="List every skipped input with its reason.")
@click.pass_context
def index(
    ctx: click.Context,
    paths: tuple[Path, ...],
    index_dir: Path | None,
    sample: bool,
    rebuild: bool,
    prune: bool,
    workers: int | None,
    lock_timeout: float,
    max_mb: float,
    batch_size: int | None,
    show_skipped: bool,
) -> None:
    """Index files and folders of articles (.html, .txt, .jsonl/.json, also .gz).

    `searchlib index --sample` indexes the sample corpus that ships with searchlib into
    an index of its own (./searchlib-sample), which `searchlib search --sample` searches.
    """
    from searchlib.engine import store
    from searchlib.index import Index
    from searchlib.ingest.sources import check_paths

    if sample and paths:
        raise click.UsageError("give PATHs or --sample, not both")
    if not sample and not paths:
        # Never guess: an index created in whatever folder this runs in is a surprise.
        raise click.UsageError(
            "give the files or folders to index (`searchlib index ~/archive`), "
            "or --sample to index the sample corpus"
        )
    target = _index_dir(ctx, index_dir, sample)
    sources = [SAMPLE_DIR] if sample else list(paths)
    check_paths(sources)
    replace_all = False
    if rebuild:
        try:
            ix = Index.open(target)
            replace_all = True  # old documents vanish atomically at the first commit
        except Exception:
            # Whatever stops the old index from opening, a rebuild starts afresh: it is
            # the way out of damage, so no kind of damage may stand in its way.
            ix = Index.create(target, overwrite=store.exists(target))
    else:
        ix = Index.open_or_create(target)
    status = _StatusLine()

    def waiting() -> None:
        click.echo(
            f"index at {target} is in use by another writer, which holds it until its run "
            f"ends; waiting up to {lock_timeout:g}s…",
            err=True,
        )

    start = time.monotonic()
    try:
        with _OneInterrupt():
            report = ix.add(
                sources,
                workers=workers,
                lock_timeout=lock_timeout,
                prune=prune,
                max_bytes=int(max_mb * 1024 * 1024),
                batch_size=batch_size,
                replace_all=replace_all,
                progress=status,
                on_wait=waiting,
            )
    finally:
        status.close()
        ix.close()
    if show_skipped:
        for item in report.skipped:
            click.echo(terminal_text(f"skipped {item.source}: {item.reason}"), err=True)
        if report.skipped_count > len(report.skipped):
            click.echo(f"… and {report.skipped_count - len(report.skipped)} more", err=True)
    click.echo(f"{report.summary()} in {time.monotonic() - start:.1f}s → {target}")


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


@cli.command(cls=_QueryCommand)
@click.argument("query", nargs=-1, required=True)
@_index_option
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

    text = " ".join(query)
    with Index.open(_index_dir(ctx, index_dir, sample)) as ix:
        results = ix.search(
            text,
            limit=limit,
            offset=offset,
            since=since,
            until=until,
            sort=sort,  # type: ignore[arg-type]
            source=source,
            author=author,
            tag=tag,
            half_life_days=half_life,
            recent_from=recent_from,
            expand=expand,
            collapse=not no_collapse,
            facets=facets,
            explain=explain,
            proximity=proximity,
        )
    given = {"since": since, "until": until, "source": source, "author": author, "tag": tag}
    filters = [f"--{name} {shlex.quote(value)}" for name, value in given.items() if value]
    _print_results(results, text, output, no_color, filters)
    ctx.exit(EXIT_OK if len(results) else EXIT_NO_HITS)


@cli.command()
@click.argument("doc_id")
@_index_option
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

    with Index.open(_index_dir(ctx, index_dir, sample)) as ix:
        results = ix.similar(
            _given_id(doc_id), limit=limit, offset=offset, collapse=not no_collapse
        )
    _print_results(results, f"stories like {doc_id}", output, no_color)
    ctx.exit(EXIT_OK if len(results) else EXIT_NO_HITS)


def _results_data(results: Results) -> dict[str, object]:
    """The whole page as one JSON object, with what a script needs to page on."""
    data: dict[str, object] = {
        "query": results.query,
        "total": results.total,
        "total_is_estimate": results.total_is_estimate,
        "matches": results.matches,
        "offset": results.offset,
        "next_offset": results.next_offset,
        "hits": [hit.to_dict() for hit in results],
        "did_you_mean": results.suggestion,
        "unfiltered_total": results.unfiltered_total,
    }
    if results.facets is not None:
        data["facets"] = {name: dict(counts) for name, counts in results.facets.items()}
    return data


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
        click.echo(json_line(_results_data(results)))
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
        command = _runnable(click.get_current_context())
        suggestion = terminal_text(shlex.quote(results.suggestion))
        click.echo(f"did you mean: {command} {suggestion}", err=True)
    for rank, hit in enumerate(results, results.offset + 1):
        # Stored text is shown, never obeyed: its control characters come out escaped.
        title = terminal_text(hit.title) or "(untitled)"
        click.echo(f"{rank}. {click.style(title, bold=True) if color else title}")
        meta = [
            hit.date.strftime("%Y-%m-%d") if hit.date else "undated",
            terminal_text(hit.source or hit.url or ""),
            f"score {_score(hit.score)}",
            f"id {terminal_text(hit.id)}",
        ]
        if hit.copies:
            meta.append(f"+{len(hit.copies)} near-identical")
        click.echo("   " + " · ".join(m for m in meta if m))
        if hit.snippet:
            click.echo("   " + _highlight(hit.snippet, hit.highlights, color))
        if hit.explanation:
            parts = ", ".join(
                f"{field}:{term} {_score(score)}" for field, term, score in hit.explanation
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


@cli.command()
@_index_option
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds to wait for another writer to finish.",
)
@click.pass_context
def optimize(ctx: click.Context, index_dir: Path | None, sample: bool, lock_timeout: float) -> None:
    """Merge the index's segments into one, for faster searches."""
    from searchlib.index import Index

    target = _index_dir(ctx, index_dir, sample)

    def waiting() -> None:
        click.echo(
            f"index at {target} is in use by another writer; waiting up to {lock_timeout:g}s…",
            err=True,
        )

    start = time.monotonic()
    with Index.open(target) as ix:
        merged = ix.optimize(lock_timeout=lock_timeout, on_wait=waiting)
        empty = not merged and len(ix) == 0
    if empty:
        click.echo("nothing to merge: the index is empty")
    elif not merged:
        click.echo("nothing to merge: the index is one segment")
    elif merged == 1:
        elapsed = time.monotonic() - start
        click.echo(f"rewrote the one segment without its deleted documents in {elapsed:.1f}s")
    else:
        click.echo(f"merged {merged} segments into 1 in {time.monotonic() - start:.1f}s")


@cli.command()
@_index_option
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
    index_dir: Path | None,
    sample: bool,
    fmt: str,
    bulk_index: str,
    mapping: bool,
) -> None:
    """Write the cleaned articles to stdout (for a bigger engine, or a backup)."""
    from searchlib.index import Index
    from searchlib.search.export import BULK_MAPPING

    if mapping:
        click.echo(json.dumps(BULK_MAPPING, indent=2))
        return
    with Index.open(_index_dir(ctx, index_dir, sample)) as ix:
        for line in ix.export(bulk_index if fmt == "bulk" else None):
            click.echo(line)


@cli.command()
@_index_option
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

    target = _index_dir(ctx, index_dir, sample)
    with Index.open(target) as ix:
        problems = ix.check(quick=quick)
        count = len(ix)
    if problems:
        for problem in problems[:20]:
            click.echo(f"problem: {problem}", err=True)
        raise IndexDamagedError(str(target), f"{len(problems)} problem(s)")
    click.echo(f"index at {target} is sound: {count} documents")


def _given_id(text: str) -> str:
    """A document id typed on the command line. Bytes that are not UTF-8 (the name of
    a file that is not, say) are written as the index writes them in ids: \\xNN."""
    from searchlib.ingest.sources import path_text

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return path_text(text)
    return text


def _print_article(article: Any, as_json: bool, extra: dict[str, Any] | None = None) -> None:
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
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@click.option("--url", default=None, help="The page's URL, if known.")
def clean(file: Path, as_json: bool, url: str | None) -> None:
    """Show what the cleaner keeps of FILE (.html, .txt, .jsonl/.json, also .gz)."""
    from searchlib.clean import clean_html, clean_text
    from searchlib.clean.encoding import decode, is_binary
    from searchlib.ingest.documents import article_for
    from searchlib.ingest.sources import kind_of, read_bytes, read_file
    from searchlib.models import Skipped

    kind, gz = kind_of(file)
    if kind == "record":
        for item in read_file(file, file.name):
            if isinstance(item, Skipped):
                click.echo(terminal_text(f"skipped {item.source}: {item.reason}"), err=True)
            else:
                _print_article(article_for(item), as_json, {"id": item.doc_id})
                click.echo()
        return
    try:
        data = read_bytes(file, gz, 200 * 1024 * 1024)
    except Exception as exc:
        raise _Error(f"cannot read {file}: {exc}") from None
    if is_binary(data):
        raise _Error(f"{file} is a binary file, not a page or text")
    if kind == "html" or (kind is None and b"<" in data[:2048] and b">" in data[:4096]):
        article = clean_html(data, url=url)
    else:
        article = clean_text(decode(data))
    _print_article(article, as_json)


@cli.command()
@click.argument("doc_id")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@click.pass_context
def show(
    ctx: click.Context, doc_id: str, index_dir: Path | None, sample: bool, as_json: bool
) -> None:
    """Show the stored article with id DOC_ID."""
    from searchlib.index import Index

    with Index.open(_index_dir(ctx, index_dir, sample)) as ix:
        doc_id = _given_id(doc_id)
        article = ix.get(doc_id)
    if article is None:
        raise DocumentNotFoundError(doc_id)
    _print_article(article, as_json, {"id": doc_id})


@cli.command()
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def stats(ctx: click.Context, index_dir: Path | None, sample: bool, as_json: bool) -> None:
    """Documents, date range, sources (the 10 biggest; --json: all) and size of the index."""
    from searchlib.index import Index

    with Index.open(_index_dir(ctx, index_dir, sample)) as ix:
        figures = ix.stats()
    day = "%Y-%m-%d"
    if as_json:
        click.echo(
            json_line(
                {
                    "path": figures.path,
                    "documents": figures.documents,
                    "segments": figures.segments,
                    "first_date": figures.first_date.strftime(day) if figures.first_date else None,
                    "last_date": figures.last_date.strftime(day) if figures.last_date else None,
                    "size_bytes": figures.size_bytes,
                    "sources": dict(figures.sources),
                }
            )
        )
        return
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="searchlib")
