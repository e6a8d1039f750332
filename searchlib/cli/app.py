"""The `searchlib` group: logging, the index it names, and how every command ends (an
exit code; errors as one line on stderr; a reader that leaves early is success)."""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
from typing import Any

import click
from click.core import ParameterSource

from searchlib import __version__
from searchlib.cli.common import CliError, describe
from searchlib.errors import SearchlibError

EXIT_OK, EXIT_NO_HITS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

#: The module that defines each command, imported when that command is run or listed:
#: `searchlib search` then never imports the server (sockets, a browser, subprocesses)
#: or the indexing commands' modules.
COMMAND_MODULES = {
    "check": "searchlib.cli.documents",
    "clean": "searchlib.cli.cleaning",
    "export": "searchlib.cli.documents",
    "index": "searchlib.cli.indexing",
    "optimize": "searchlib.cli.indexing",
    "search": "searchlib.cli.searching",
    "serve": "searchlib.cli.serve",
    "show": "searchlib.cli.documents",
    "similar": "searchlib.cli.searching",
    "stats": "searchlib.cli.documents",
}


#: Commands that write an index: a Ctrl-C during one leaves its last commit, and a
#: re-run goes on from there.
WRITING_COMMANDS = frozenset({"index", "optimize"})

#: Commands that read an index and print, and make little garbage that only the cyclic
#: collector could free: the console command runs them with the collector off and ends
#: them without the interpreter's teardown (see `searchlib._console`).
READING_COMMANDS = frozenset({"search", "similar", "show", "stats"})


class _Group(click.Group):
    """Loads each command's module when the command is asked for, and translates errors
    into one line on stderr and a documented exit code."""

    #: The command being run, once click has resolved it.
    running: str | None = None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self.running = cmd_name
        if cmd_name not in READING_COMMANDS:
            gc.enable()  # off while the console command loads (see READING_COMMANDS)
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(COMMAND_MODULES[cmd_name])  # registers it on `cli`
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands})

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # click's own handler would exit 1, as if the search had found nothing.
            raise _PipeClosed from None
        except SearchlibError as exc:
            # Only the command line knows which command would have made a missing index.
            raise CliError(describe(exc, (ctx.obj or {}).get("create_command"))) from None

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
            if self.running in WRITING_COMMANDS:
                message = "interrupted: the last committed index is intact; rerun to continue"
            else:
                message = "interrupted"  # a read changes nothing
            click.echo(f"\n{message}", err=True)
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="searchlib")
