"""searchlib: full-text search for news archives.

Clean raw articles (`clean_html`, `clean_text`), index them (`Index.add`) and search
them ranked (`Index.search`, with keywords or a `SearchOptions`). The cleaner is
imported lazily, so searching never loads the HTML stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from searchlib.errors import (
    DocumentNotFoundError,
    IndexDamagedError,
    IndexExistsError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    IndexWriteError,
    QueryError,
    SearchlibError,
    SourceNotFoundError,
    TooManyOpenFilesError,
)
from searchlib.models import Article, Hit, IndexReport, Skipped, Stats

if TYPE_CHECKING:
    from searchlib.clean import clean_html, clean_text
    from searchlib.index import Index
    from searchlib.search.options import SearchOptions
    from searchlib.search.results import Results

__version__ = "0.2.0"

__all__ = [
    "Article",
    "DocumentNotFoundError",
    "Hit",
    "Index",
    "IndexDamagedError",
    "IndexExistsError",
    "IndexLockedError",
    "IndexNotFoundError",
    "IndexReport",
    "IndexVersionError",
    "IndexWriteError",
    "QueryError",
    "Results",
    "SearchOptions",
    "SearchlibError",
    "Skipped",
    "SourceNotFoundError",
    "Stats",
    "TooManyOpenFilesError",
    "__version__",
    "clean_html",
    "clean_text",
]

_LAZY = {
    "clean_html": "searchlib.clean",
    "clean_text": "searchlib.clean",
    "Index": "searchlib.index",
    "Results": "searchlib.search.results",
    "SearchOptions": "searchlib.search.options",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'searchlib' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
