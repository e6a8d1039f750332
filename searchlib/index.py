"""`Index`: the library's entry point for creating, filling and searching an index."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Unpack

from searchlib.engine import store, versions
from searchlib.engine.verify import probe, read_all
from searchlib.errors import (
    DocumentNotFoundError,
    IndexExistsError,
    TooManyOpenFilesError,
)
from searchlib.models import DEFAULT_MAX_BYTES, Article, Hit, IndexReport, Stats
from searchlib.search import inventory
from searchlib.search.guard import guarded, guarded_lines, rereading
from searchlib.search.options import SearchKeywords, SearchOptions
from searchlib.search.results import Results
from searchlib.search.scoring import weighting
from searchlib.search.searching import run
from searchlib.search.searching import similar as similar_stories
from searchlib.search.stored import stored_article

if TYPE_CHECKING:
    from searchlib.ingest.indexing import ProgressCallback


Source = str | os.PathLike[str] | Mapping[str, Any]


def _listed(sources: Iterable[Source] | Source) -> list[Source]:
    """One source or many, as a list."""
    if isinstance(sources, str | os.PathLike | Mapping):
        return [sources]
    return list(sources)


#: Decorates `Index`'s reading methods: a read that a commit replaced is made again.
_reading = rereading(lambda index: index._replaced())


#: How deep `Index.copies` looks among the stories most like a story for its copies.
COPIES_DEPTH = 20


class Index:
    """A searchlib index on disk.

    Use `Index.create` or `Index.open`; close it (or use it as a context manager) to
    release the searcher. Searches reuse one open searcher, refreshed when another
    writer has committed.
    """

    def __init__(self, path: Path, ix: Any) -> None:
        self.path = path
        self._ix = ix
        self._searcher: Any = None
        self._generation: int | None = None  # the commit the open searcher reads
        # The folder's modification time when the searcher was last found current, and
        # when that was (`_settled`).
        self._checked: tuple[int, int] | None = None

    # -- opening -------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], overwrite: bool = False) -> Index:
        """Create a new, empty index.

        Raises:
            IndexExistsError: an index is there already and `overwrite` is false.
            IndexWriteError: the folder cannot be written.
        """
        target = Path(path)
        return cls(target, store.create(target, overwrite=overwrite))

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Index:
        """Open an existing index.

        What every search needs is checked, cheaply: each segment's files are there,
        its last stored document and field lengths read, and its postings file as long
        as its posting lists.

        Raises:
            IndexNotFoundError: no index at `path`.
            IndexVersionError: the index has another schema or index format version
                (rebuild it), or cannot be read under an untested Whoosh release.
            IndexDamagedError: the index files are missing or cannot be read.
        """
        target = Path(path)
        index = cls(target, store.open_index(target))
        try:
            index._probe()
        except TooManyOpenFilesError:
            # More segments than files may be opened at once: no search can run, but
            # `optimize`, which reads a few at a time, can.
            index.close()
        except BaseException:
            index.close()
            raise
        return index

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str]) -> Index:
        """Open the index at `path`, creating an empty one when there is none."""
        target = Path(path)
        if not store.exists(target):
            try:
                return cls.create(target)
            except IndexExistsError:
                pass  # another process created it meanwhile
        return cls.open(target)

    @classmethod
    def rebuild(
        cls, path: str | os.PathLike[str], sources: Iterable[Source] | Source, **options: Any
    ) -> IndexReport:
        """Index `sources` afresh at `path`, in place of whatever is there.

        A readable index keeps serving searches until the rebuild's first commit drops
        its documents all at once. Anything else (no index, damage of any kind, another
        schema version) gives way to a new, empty index first: rebuilding is the way
        out of damage, so no damage may stand in its way.

        Args:
            options: the other keywords of `add` (workers, batch_size, lock_timeout,
                max_bytes, prune, progress, on_wait).
        Raises:
            SourceNotFoundError: a path does not exist (the index is left as it was).
            And what `add` raises.
        """
        from searchlib.ingest.sources import check_paths

        items = _listed(sources)
        check_paths(items)
        target = Path(path)
        try:
            ix, replace_all = cls.open(target), True
        except Exception:
            ix, replace_all = cls.create(target, overwrite=store.exists(target)), False
        with ix:
            return ix.add(items, replace_all=replace_all, **options)

    def close(self) -> None:
        """Release the open searcher."""
        searcher, self._searcher, self._generation = self._searcher, None, None
        self._checked = None
        if searcher is not None:
            searcher.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------

    @guarded
    def add(
        self,
        sources: Iterable[Source] | Source,
        *,
        workers: int | None = None,
        batch_size: int | None = None,
        lock_timeout: float = 30.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        prune: bool = False,
        replace_all: bool = False,
        progress: ProgressCallback | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> IndexReport:
        """Index files, folders (walked recursively) and dict records.

        Unchanged inputs are left alone, changed ones replace their document; an
        input whose id another input of the run gives, or an indexed file that still
        exists, is skipped as an id collision (never merged); a file indexed under
        another path id takes its new one, its old document removed. Documents
        are committed in batches as they complete: `batch_size` documents each, or by
        default 10,000 at first and then as many as the index already holds, so a
        large archive ends in a few segments and searches stay fast. With more than one
        worker, each cleans documents and writes them into a segment of its own, so a
        batch is as many segments as workers; at the end, the workers merge the run's
        smallest segments (up to a quarter of its documents).

        Args:
            sources: paths and/or records (dicts with id, url, title, date, authors,
                source, tags, and html or body/text).
            workers: processes that clean and write documents (default: one per core).
            lock_timeout: seconds to wait for another writer before giving up.
            max_bytes: inputs larger than this are skipped with a reason.
            prune: also remove documents whose source file under `sources` is gone.
            replace_all: drop every existing document when the first batch commits.
            progress: called after each document with a `Progress`.
            on_wait: called once if the index is locked by another writer.
        Returns:
            Counts of added, updated, unchanged, removed and skipped inputs.
        Raises:
            SourceNotFoundError: a path does not exist (nothing is indexed).
            IndexLockedError: another writer held the index beyond `lock_timeout`.
            IndexWriteError: the disk refused a write; the last commit is intact.
        """
        # Imported here: searching never needs the indexing machinery (multiprocessing,
        # the file readers).
        from searchlib.ingest.indexing import add as _add
        from searchlib.ingest.indexing import remove_missing
        from searchlib.ingest.sources import check_paths

        items = _listed(sources)
        check_paths(items)
        self.close()  # the run replaces the files an open searcher reads
        if not replace_all:
            # Writing into a damaged index would build on what cannot be read: without
            # its id column, a segment's documents would all be added again.
            self._verify_files()
            self._probe()
        report = _add(
            self._ix,
            self.path,
            items,
            workers=workers,
            batch_size=batch_size,
            lock_timeout=lock_timeout,
            max_bytes=max_bytes,
            progress=progress,
            on_wait=on_wait,
            clear=replace_all,
        )
        if prune:
            roots = [Path(s) for s in items if not isinstance(s, Mapping)]
            report.removed = remove_missing(self._ix, self.path, roots, lock_timeout)
        return report

    @guarded
    def optimize(
        self, lock_timeout: float = 30.0, on_wait: Callable[[], None] | None = None
    ) -> int:
        """Merge all segments into one, leaving out deleted documents: searches then
        open one set of files and read each word's postings once. `on_wait` is called
        once if another writer holds the index.

        The writer lock is taken even when there is nothing to merge, so the answer
        describes the index as it is, not as another writer is changing it.

        Returns:
            The number of segments merged: 0 when there was nothing to merge (an empty
            index, or one segment without deleted documents).
        Raises:
            IndexLockedError: another writer held the index beyond `lock_timeout`.
        """
        from searchlib.ingest.indexing import merge_all

        self.close()  # the merge replaces the files an open searcher reads
        return merge_all(self._ix, self.path, lock_timeout, on_wait)

    # -- reading -------------------------------------------------------------------

    #: How long after the folder last changed its modification time is trusted to show
    #: the next change: a change within the same tick of a coarse clock (up to two
    #: seconds on some filesystems) leaves it as it was.
    SETTLED_NS = 2_000_000_000

    def _stamp(self) -> int | None:
        """The folder's modification time (None when it cannot be read)."""
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def _settled(self, stamp: int | None) -> bool:
        """Whether the folder, modified at `stamp`, is as it was when the open searcher
        was last found current, and had settled by then (`SETTLED_NS`): a `stat`
        instead of the folder listing that finding the last commit reads (30 to 80 µs,
        twice a search). A commit renames its table of contents into the folder, which
        changes the folder's modification time."""
        checked = self._checked
        return (
            stamp is not None
            and checked is not None
            and checked[0] == stamp
            and checked[1] - stamp > self.SETTLED_NS
        )

    def _current(self) -> bool:
        """Whether the open searcher reads the last commit (see `_settled`)."""
        stamp = self._stamp()  # before the listing: a commit after it changes the stamp
        if self._settled(stamp):
            return True
        self._checked = None
        if not self._searcher.up_to_date():
            return False
        if stamp is not None:
            self._checked = stamp, time.time_ns()
        return True

    def _get_searcher(self) -> Any:
        if self._searcher is not None and not self._current():
            # A fresh searcher, not refresh(): refresh() reuses segment readers and
            # after a merge counts the merged documents twice.
            self.close()
        if self._searcher is None:
            # The commit about to be read, should opening the searcher fail (`_replaced`).
            self._generation = self._ix.latest_generation()
            searcher = self._ix.searcher(weighting=weighting())
            read = searcher.reader().generation()  # None for an empty index
            if read is not None:
                self._generation = read
            self._searcher = searcher
        return self._searcher

    def _replaced(self) -> bool:
        """Whether a commit has replaced the one the open searcher reads, or was to read
        when opening it failed (True when it was never opened). Costs a `stat` of the
        index folder while it has settled, else a listing."""
        if self._generation is not None and self._settled(self._stamp()):
            return False
        try:
            return self._generation is None or self._ix.latest_generation() != self._generation
        except OSError:
            return False

    def _verify_files(self) -> None:
        """Raise IndexDamagedError if a file the last commit's segments need is gone."""
        gone = store.missing_files(self._ix.storage, store.segments(self._ix))
        if gone:
            raise versions.damaged(self.path, f"segment file {gone[0]} is missing")

    @_reading
    def _probe(self) -> None:
        """Raise IndexDamagedError for damage the cheap probe finds (see `verify.probe`)."""
        problems = probe(self._get_searcher().reader())
        if problems:
            raise versions.damaged(self.path, problems[0])

    @_reading
    def search(self, query: str | SearchOptions, **options: Unpack[SearchKeywords]) -> Results:
        """Ranked search: one page of hits.

        Give the query text with the other options as keywords, or a `SearchOptions`
        (which documents them all), whose fields keywords then change:

            ix.search("gas pipeline", since="2024", limit=20)
            ix.search(SearchOptions("gas pipeline", since="2024"), offset=20)

        Returns:
            A sequence of Hit, with `.total` the number of stories in the result list
            (`.matches` the documents, copies included).
        Raises:
            QueryError: the query holds nothing searchable, or bad options (a date
                that is not one, `since` after `until`...).
            TypeError: a keyword that is not a field of `SearchOptions`.
        """
        if isinstance(query, SearchOptions):
            asked = replace(query, **options) if options else query
        else:
            asked = SearchOptions(query, **options)
        return run(self._get_searcher(), asked)

    @_reading
    def similar(
        self, doc_id: str, limit: int = 10, offset: int = 0, collapse: bool = True
    ) -> Results:
        """Stories like the one with `doc_id` ("more like this"), a page at a time:
        `total`, `matches` and `next_offset` mean what they do for `search`.

        Raises:
            DocumentNotFoundError: no document has this id.
            QueryError: `limit` is under 1 or `offset` negative.
        """
        found = similar_stories(
            self._get_searcher(), doc_id, limit=limit, offset=offset, collapse=collapse
        )
        if found is None:
            raise DocumentNotFoundError(doc_id)
        return found

    @_reading
    def copies(self, doc_id: str, depth: int = COPIES_DEPTH) -> list[Hit]:
        """The near-identical copies of a story (syndicated copies, pages saved twice)
        that searches fold into it, most alike first.

        Raises:
            DocumentNotFoundError: no document has this id.
        """
        # `similar` leaves a story's own copies out when collapsing and keeps them when
        # not: they are the stories near the top of the second list that the first,
        # the copies of its hits included, does not hold.
        every = self.similar(doc_id, limit=depth, collapse=False)
        folded = self.similar(doc_id, limit=depth, collapse=True)
        others = {hit.id for hit in folded} | {c for hit in folded for c in hit.copies}
        return [hit for hit in every if hit.id not in others]

    @guarded
    def export(self, bulk_index: str | None = None) -> Iterator[str]:
        """The stored articles as JSON lines; with `bulk_index`, in the
        OpenSearch/Elasticsearch bulk format for that index (see `export.BULK_MAPPING`)."""
        from searchlib.search.export import export_lines

        return guarded_lines(self.path, export_lines(self._get_searcher(), bulk_index))

    @_reading
    def check(self, quick: bool = False) -> list[str]:
        """Verify the index: its version, every segment's files there and readable, and
        every posting list, stored document and column value decoded, as searches
        would; then counts and ids consistent.

        Args:
            quick: skip decoding every posting list and column value; the stored
                documents and ids are still read.
        Returns:
            The problems found (empty when the index is sound).
        Raises:
            IndexDamagedError: files are missing or unreadable in a way that stops the
                check.
        """
        self._verify_files()
        searcher = self._get_searcher()
        reader = searcher.reader()
        problems = probe(reader)
        if not quick:
            problems += read_all(reader)
        if problems:
            return problems  # reading on would fail on the same damage
        return inventory.id_problems(reader)

    @_reading
    def get(self, doc_id: str) -> Article | None:
        """Return the stored article with this id, or None."""
        fields = self._get_searcher().document(id=doc_id)
        return None if fields is None else stored_article(fields)

    @_reading
    def __len__(self) -> int:
        return int(self._get_searcher().doc_count())

    @_reading
    def stats(self) -> Stats:
        """Documents, date range, every source with its count (most first) and size on disk."""
        searcher = self._get_searcher()
        return inventory.stats(searcher.reader(), self.path, len(store.segments(self._ix)))
