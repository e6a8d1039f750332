"""What the commands share: the index folder they use, their common options, the
hint each library error gets on the command line, and query words that look like
options."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from searchlib.engine.versions import IndexFormatError
from searchlib.errors import (
    DocumentNotFoundError,
    IndexDamagedError,
    IndexExistsError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
    SearchlibError,
    TooManyOpenFilesError,
)

DEFAULT_INDEX = "index"
SAMPLE_DIR = Path(__file__).parent.parent / "sample"
# The sample corpus gets an index of its own, so that trying searchlib out never mixes
# its stories into an archive's index (./index, or $SEARCHLIB_INDEX).
SAMPLE_INDEX = "searchlib-sample"

#: The command-line option for each `SearchOptions` field a QueryError can name.
OPTION_FLAGS = {"half_life_days": "--recent DAYS"}


class CliError(click.ClickException):
    """An error printed as one line, exit code 2."""

    exit_code = 2


def rebuild_command(path: str) -> str:
    """The command that rebuilds the index at `path`, its sources left to fill in."""
    return f"searchlib index --index {shlex.quote(path)} --rebuild SOURCES..."


#: The next step on the command line for each library error whose message leaves it
#: out. Exact types: a subclass with a message of its own says what to do itself.
_HINTS: dict[type[SearchlibError], Callable[[Any, str | None], str]] = {
    IndexNotFoundError: lambda exc, command: (
        f"{exc}: run `{command}` to create it"
        if command
        else f"{exc}: run `searchlib index` first, with the files or folders to index"
    ),
    IndexExistsError: lambda exc, _: f"{exc}: use --rebuild to start afresh",
    IndexVersionError: lambda exc, _: f"{exc} with `{rebuild_command(exc.path)}`",
    IndexFormatError: lambda exc, _: f"{exc} with `{rebuild_command(exc.path)}`",
    IndexDamagedError: lambda exc, _: f"{exc} with `{rebuild_command(exc.path)}`",
    TooManyOpenFilesError: lambda exc, _: f"{exc} with `searchlib optimize`",
    IndexLockedError: lambda exc, _: (
        f"{exc.problem}: wait for it to finish or raise --lock-timeout"
    ),
    DocumentNotFoundError: lambda exc, _: f"{exc}: `searchlib search` shows each hit's id",
}


def describe(exc: SearchlibError, create_command: str | None = None) -> str:
    """The line the command line prints for `exc`: the library's message with the
    command that is the next step. `create_command` makes the missing index."""
    hint = _HINTS.get(type(exc))
    if hint is not None:
        return hint(exc, create_command)
    if isinstance(exc, QueryError) and exc.option in OPTION_FLAGS:
        return f"{exc.problem} ({OPTION_FLAGS[exc.option]})"
    return str(exc)


def index_option(func: Any) -> Any:
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


#: Worker processes a run may ask for: more than the cores only adds switching.
MAX_WORKERS = 64


def workers_option(help_text: str) -> Callable[[Any], Any]:
    """--workers N, for the commands that clean in worker processes."""
    return click.option(
        "--workers", type=click.IntRange(1, MAX_WORKERS), default=None, help=help_text
    )


def max_size_option(
    help_text: str = "Skip inputs larger than this many MB.",
) -> Callable[[Any], Any]:
    """--max-size MB (as `max_mb`), for the commands that read inputs."""
    return click.option(
        "--max-size",
        "max_mb",
        type=click.FloatRange(0.001),
        default=20.0,
        show_default=True,
        help=help_text,
    )


def index_folder(ctx: click.Context, value: Path | None, sample: bool = False) -> Path:
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


def sample_by_default(ctx: click.Context, value: Path | None) -> bool:
    """Whether a command given no index and no input may use the sample's: nothing
    names an index (no --index, no $SEARCHLIB_INDEX) and ./index does not exist, so
    the sample's own folder can be meant and no archive can be mixed up with it."""
    named = value is not None or ctx.ensure_object(dict).get("index_dir") is not None
    return not named and not Path(DEFAULT_INDEX).exists()


def runnable(ctx: click.Context) -> str:
    """The command being run as a user would type it again, with a `--index` given
    before the command name (which `command_path` leaves out)."""
    root = ctx.find_root().obj or {}
    if root.get("index_typed") and root.get("index_dir"):
        return f"searchlib --index {shlex.quote(str(root['index_dir']))} {ctx.info_name}"
    return ctx.command_path


#: Where a query command keeps its options as typed (`click.Context.meta`).
TYPED_OPTIONS = "searchlib.typed_options"


def rerun_with(ctx: click.Context, query: str) -> str:
    """The command being run, with its options as typed (but `--offset`: the new query
    starts at its first page) and `query` in place of its words."""
    options: list[str] = []
    typed = ctx.meta.get(TYPED_OPTIONS, [])
    skip = False
    for i, arg in enumerate(typed):
        if skip:
            skip = False
            continue
        if arg == "--offset":
            skip = i + 1 < len(typed)
            continue
        if not arg.startswith("--offset="):
            options.append(arg)
    words = shlex.quote(query)
    # A query starting with a dash ("-oil coffee") would be read as an option.
    separator = ["--"] if query.startswith("-") else []
    return " ".join([runnable(ctx), *map(shlex.quote, options), *separator, words])


class QueryCommand(click.Command):
    """A command whose arguments are query words: click reads a word such as `-oil` as
    an option, so a usage error involving one says how to pass it (after `--`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # click's parser consumes the list it is given
        try:
            parsed = super().parse_args(ctx, args)
        except click.UsageError:
            options, words = self._split(given)
            # A mistyped --option is an option, not a word: leave click's message.
            dashed = [w for w in words if w.startswith("-") and not w.startswith("--")]
            if not dashed or dashed[0] == "-":
                raise
            example = shlex.join([*options, "--", *words])
            raise click.UsageError(
                f"{dashed[0]} is not an option of `{ctx.command_path}`; to search for it, "
                f"put the query after `--`: `{runnable(ctx)} {example}`",
                ctx,
            ) from None
        # The options as typed, for a command line that runs the query corrected.
        ctx.meta[TYPED_OPTIONS] = self._split(given)[0]
        return parsed

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


def given_id(text: str) -> str:
    """A document id typed on the command line. Bytes that are not UTF-8 (the name of
    a file that is not, say) are written as the index writes them in ids: \\xNN."""
    from searchlib.ingest.sources import path_text

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return path_text(text)
    return text
