"""The index a server reads, opened a few times over and shared by the requests: a
Whoosh searcher is not made for concurrent use, so each open copy serves one request
at a time, and each swaps its searcher for a fresh one when another process commits.
With several copies a costly search does not hold up every other reader."""

from __future__ import annotations

import queue
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from searchlib.errors import IndexDamagedError
from searchlib.index import Index
from searchlib.models import Article, Hit, Stats
from searchlib.search.options import SearchOptions
from searchlib.search.results import Results

T = TypeVar("T")

#: Copies of the index open at once: requests served side by side. Python runs one
#: thread at a time, so more copies do not search faster; they let a cheap search
#: through while a costly one runs. Each keeps its own caches (a few MB).
READERS = 4
#: Seconds `close` waits for the copies that requests still use.
CLOSE_WAIT = 5.0


class Archive:
    """Read-only access to an index for a web server: every call borrows one of
    READERS open copies, waiting while all are busy."""

    def __init__(self, path: Path, readers: int = READERS) -> None:
        """Open the index at `path` (raises what `Index.open` raises)."""
        self.readers = readers
        self.free: queue.SimpleQueue[Index] = queue.SimpleQueue()
        self.damage_seen = 0  # how many times a read found the index damaged
        self.seen: dict[int, int] = {}  # per copy, the count it last read afresh at
        for _ in range(readers):
            index = Index.open(path)
            self.seen[id(index)] = 0
            self.free.put(index)

    def _locked(self, call: Callable[[Index], T]) -> T:
        index = self.free.get()
        try:
            if self.seen[id(index)] != self.damage_seen:
                index.close()  # opened before damage was seen: read the files afresh
                self.seen[id(index)] = self.damage_seen
            return call(index)
        except IndexDamagedError:
            # Every copy reads afresh next time: the files may be repaired (or put
            # back) without a new commit, which is what otherwise makes a copy reopen.
            self.damage_seen += 1
            raise
        finally:
            self.free.put(index)

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
        """Release the copies' searchers, waiting up to CLOSE_WAIT for each copy a
        request still uses. The copies stay usable: one reopens when next asked."""
        closed: list[Index] = []
        try:
            while len(closed) < self.readers:
                index = self.free.get(timeout=CLOSE_WAIT)
                index.close()
                closed.append(index)
        except queue.Empty:
            pass  # a request still holds the rest; the process is ending
        finally:
            for index in closed:
                self.free.put(index)
