"""The `searchlib` console command.

Loading the command line takes a moment (click, the library); a Ctrl-C in that moment
ends the command as one at any later moment does, with exit code 130 and no
traceback.
"""

from __future__ import annotations

import sys

#: As `searchlib.cli.EXIT_INTERRUPTED`, which cannot be imported before the interrupt.
EXIT_INTERRUPTED = 130


def main() -> None:
    """Load the command line and run it."""
    try:
        from searchlib.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    run()
