"""The storage engine: the schema and analysis, the index's files, versions, lock and
storage, commits, the postings codec, the segment writer, merging and its policy,
top-k retrieval and columns.

The only package that reads or writes Whoosh's codec, file and writer internals
(tests/test_engine_wall.py holds the rest of searchlib to that), and it writes them
only under the Whoosh release it is tested with (`versions`).
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from typing import Any

#: Whoosh's table of English word endings, for its Variations query (which searchlib
#: never makes). `whoosh.query` imports it, and compiling its patterns takes 5 ms, a
#: twentieth of a search from the shell.
_ENDINGS = "whoosh.lang.morph_en"


def _defer_endings() -> None:
    """Put a stand-in for the endings table in place before `whoosh.query` is imported:
    its `variations` loads the real table on first use."""
    if _ENDINGS in sys.modules:
        return

    @functools.cache
    def load() -> Any:
        del sys.modules[_ENDINGS]  # the stand-in, so that the real module is imported
        return importlib.import_module(_ENDINGS).variations

    stand_in = types.ModuleType(_ENDINGS)
    stand_in.variations = lambda word: load()(word)  # type: ignore[attr-defined]
    sys.modules[_ENDINGS] = stand_in


_defer_endings()
