"""The `searchlib` console command.

Loading the command line takes a moment (click, the library); a Ctrl-C in that moment
ends the command as one at any later moment does, with exit code 130 and no
traceback.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys

#: As `searchlib.cli.EXIT_INTERRUPTED`, which cannot be imported before the interrupt.
EXIT_INTERRUPTED = 130


def main() -> None:
    """Load the command line and run it."""
    # Loading makes thousands of objects and no garbage: the collector would only walk
    # them again and again. It stays off through a command that only reads and prints
    # (see `app.READING_COMMANDS`); any other turns it back on once it is known.
    gc.disable()
    try:
        from searchlib.cli.app import READING_COMMANDS, cli
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    try:
        cli(prog_name="searchlib")
    except SystemExit as done:
        if getattr(cli, "running", None) in READING_COMMANDS:
            _exit_now(done.code)
        raise


def _exit_now(code: int | str | None) -> None:
    """End the process with `code` as `sys.exit` would, once the output is written,
    without the interpreter's teardown: it frees every module and object one by one (a
    tenth of a shell search's time) in a process that is about to vanish."""
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        # A reader gone away (`| head`) or a stream closed: nothing is waiting for it.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code or 0)
