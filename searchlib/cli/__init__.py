"""The `searchlib` command: parse arguments, call the library, format, map errors.

Exit codes: 0 success (search: at least one hit), 1 search found nothing,
2 any error (bad input, missing index, lock timeout...), 130 interrupted.

The group and how commands end are in `app`, what commands share in `common`; the
commands by subject in `indexing` (index, optimize), `searching` (search, similar),
`documents` (show, export, stats, check), `cleaning` (clean) and `serve`, each imported
when one of its commands is run (`app.COMMAND_MODULES`).
"""

from __future__ import annotations

from searchlib.cli.app import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_NO_HITS, EXIT_OK, cli, main
from searchlib.cli.common import DEFAULT_INDEX, SAMPLE_DIR, SAMPLE_INDEX

__all__ = [
    "DEFAULT_INDEX",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NO_HITS",
    "EXIT_OK",
    "SAMPLE_DIR",
    "SAMPLE_INDEX",
    "cli",
    "main",
]
