"""The one index a server reads, opened once and shared by every request under a lock:
Whoosh's searcher is not made for concurrent use, and the index swaps it for a fresh
one when another process commits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from searchlib.index import Index
from searchlib.models import Article, Hit, Stats
from searchlib.search.options import SearchOptions
from searchlib.search.results import Results

T = TypeVar("T")


class Archive:
    """Read-only access to an index for a web server; every call takes the lock."""

    def __init__(self, path: Path) -> None:
        """Open the index at `path` (raises what `Index.open` raises)."""
        self.index = Index.open(path)
        self.lock = threading.Lock()

    def _locked(self, call: Callable[[Index], T]) -> T:
        with self.lock:
            return call(self.index)

    def search(self, options: SearchOptions) -> Results:
        """One page of a search (raises QueryError for a query it cannot search)."""
        return self._locked(lambda ix: ix.search(options))

    def get(self, doc_id: str) -> Article | None:
        """The stored article, or None."""
        return self._locked(lambda ix: ix.get(doc_id))

    def similar(
        self, doc_id: str, limit: int = 10, offset: int = 0, collapse: bool = True
    ) -> Results:
        """Stories like `doc_id` (raises DocumentNotFoundError for an unknown id)."""
        return self._locked(lambda ix: ix.similar(doc_id, limit, offset, collapse))

    def copies(self, doc_id: str) -> list[Hit]:
        """The near-identical copies of a story."""
        return self._locked(lambda ix: ix.copies(doc_id))

    def explain(self, query: str, doc_id: str, depth: int) -> Hit | None:
        """The hit for `doc_id` among the first `depth` matches of `query`, with its
        score's parts; None when it is not among them."""
        options = SearchOptions(query, limit=depth, collapse=False, snippets=False, explain=True)
        results = self._locked(lambda ix: ix.search(options))
        return next((hit for hit in results if hit.id == doc_id), None)

    def stats(self) -> Stats:
        """The index's figures."""
        return self._locked(lambda ix: ix.stats())

    def size(self) -> int:
        """How many documents the index holds."""
        return self._locked(len)

    def close(self) -> None:
        """Release the index's searcher."""
        with self.lock:
            self.index.close()
