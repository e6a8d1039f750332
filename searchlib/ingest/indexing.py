"""Add inputs to the index: read, skip what is unchanged, clean and write, commit in batches.

Each batch is committed atomically (Whoosh writes segment files, then renames a new
table of contents into place), so an interruption at any moment leaves the last
commit whole; re-running the same command picks up what is missing. Large inputs are
cleaned and written by worker processes, a segment each per batch (see `segments`).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searchlib.engine import store
from searchlib.engine.columns import column_lookup
from searchlib.engine.segments import SegmentWorkers, Written
from searchlib.errors import IndexDamagedError, IndexWriteError
from searchlib.ingest.documents import prepare
from searchlib.ingest.items import DICT_RECORDS, RawItem
from searchlib.ingest.paths import origin_file, path_exists, path_text, walk
from searchlib.ingest.sources import read_sources
from searchlib.models import DEFAULT_MAX_BYTES, IndexReport, Skipped

log = logging.getLogger(__name__)

#: Below this many documents to clean, worker processes cost more than they save.
PARALLEL_THRESHOLD = 48


@dataclass(frozen=True)
class Progress:
    """Reported after each document: inputs handled, files read of all files, the report."""

    done: int
    files_done: int
    files_total: int
    report: IndexReport
    current: str


ProgressCallback = Callable[[Progress], None]


def existing_checksums(ix: Any) -> tuple[dict[str, str], _Origins]:
    """Each live document's content checksum by id, and the files they were read from,
    both read from column storage (no stored fields are loaded)."""
    out: dict[str, str] = {}
    origins = _Origins()
    try:
        with ix.reader() as reader:
            if reader.doc_count_all() == 0:
                return out, origins
            ids = column_lookup(reader, "id")
            sums = column_lookup(reader, "checksum")
            places = column_lookup(reader, "origin")
            for docnum in reader.all_doc_ids():
                doc_id = ids(docnum)
                out[doc_id] = sums(docnum)
                origins.add(doc_id, places(docnum) or "")
    except (OSError, EOFError, ValueError, KeyError) as exc:
        # Opening the segments is a read: failing here means damaged files, not a full disk.
        raise IndexDamagedError.from_exception(getattr(ix.storage, "folder", "?"), exc) from exc
    origins.done()
    return out, origins


_SEPARATORS = ("/", os.sep)


class _Origins:
    """The file each indexed document was read from, by id (none for dict records), and
    the ids made from paths that each origin is indexed under.

    Most ids are the end of their origin (`news/s.txt` of `/home/a/news/s.txt`,
    `news/w.jsonl#3` of that file's third record): for those only the part before the
    id is kept, one string shared by a folder's documents, and a record's file is kept
    once for all its records. A million stories cost a dict slot each, not a million
    copies of their paths. The same slots answer which ids an origin has: each tail of
    the origin after a separator is looked up (`ids_at`). Only documents whose id is
    not the end of their origin (read through a symlinked folder) are kept by origin.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, str] = {}
        self._shared: dict[str, str] = {}
        self._odd: dict[str, list[str]] = {}

    def add(self, doc_id: str, origin: str) -> None:
        if not origin or origin.startswith(f"{DICT_RECORDS}#"):
            return  # a record given as a dict: no file to compare
        head = origin[: len(origin) - len(doc_id)]
        # A kept head ends with a separator; a file's path never does.
        if doc_id and origin.endswith(doc_id) and head.endswith(_SEPARATORS):
            value = head
        else:
            value = origin_file(origin)
            if _made_from_path(doc_id, origin, value):
                self._odd.setdefault(origin, []).append(doc_id)
            else:
                value = _GIVEN + value  # a record's own id: one marked string per file
        self._by_id[doc_id] = self._shared.setdefault(value, value)

    def done(self) -> None:
        """Drop what only reading needed."""
        self._shared = {}

    def ids_at(self, origin: str) -> list[str]:
        """The ids made from paths that the document read from `origin` is indexed under
        (more than one only in an index written before a file was kept to one id)."""
        found = list(self._odd.get(origin, ()))
        for at, char in enumerate(origin):
            if char in _SEPARATORS:
                tail = origin[at + 1 :]
                if tail and self._by_id.get(tail) == origin[: at + 1]:
                    found.append(tail)
        return found

    def file(self, doc_id: str) -> str | None:
        """The file the indexed document `doc_id` was read from, if it was read from one."""
        value = self._by_id.get(doc_id)
        if value is None:
            return None
        if value.endswith(_SEPARATORS):
            return origin_file(value + doc_id)
        return value.removeprefix(_GIVEN)

    def given(self, doc_id: str) -> bool:
        """Whether the indexed document `doc_id` is a record read from a file under its
        own id or url (not one made from the file's path)."""
        return self._by_id.get(doc_id, "").startswith(_GIVEN)


#: Marks the file of records indexed under their own ids (no path holds a NUL).
_GIVEN = "\0"


def _made_from_path(doc_id: str, origin: str, file: str) -> bool:
    """Whether `doc_id`, indexed from `origin` (read from `file`), was made from a path:
    a file's id always is; a record's is when it ends with the file's name and the
    record's "#line", as `records.record_item` makes it for a record without id or url."""
    if file == origin:
        return True
    line = origin[len(file) :]  # "#3"
    if not doc_id.endswith(line):
        return False
    name = doc_id[: len(doc_id) - len(line)]
    for sep in _SEPARATORS:
        name = name.rsplit(sep, 1)[-1]
    return name == Path(file).name


def count_files(sources: Iterable[Any] | Any, exclude: Path) -> int:
    """How many files `sources` name (records count as one), for progress display."""
    if isinstance(sources, str | os.PathLike | Mapping):
        sources = [sources]
    total = 0
    for source in sources:
        if isinstance(source, Mapping):
            total += 1
        else:
            total += sum(1 for _ in walk([source], exclude=exclude))
    return total


def _chain(first: list[RawItem], rest: Iterator[RawItem]) -> Iterator[RawItem]:
    yield from first
    yield from rest


#: Documents in the first commits of a run without a fixed batch size (about ten
#: seconds of work on two cores). Later batches hold as many documents as the index
#: held before them: segments grow geometrically, so their count (and the per-segment
#: cost of every search) grows with the logarithm of the corpus.
FIRST_BATCH = 10_000


def add(
    ix: Any,
    path: Path,
    sources: Iterable[str | os.PathLike[str] | Mapping[str, Any]]
    | str
    | os.PathLike[str]
    | Mapping[str, Any],
    *,
    workers: int | None = None,
    batch_size: int | None = None,
    lock_timeout: float = 30.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: ProgressCallback | None = None,
    on_wait: Callable[[], None] | None = None,
    clear: bool = False,
) -> IndexReport:
    """Index `sources` into `ix`; see `Index.add` for the arguments."""
    # The whole run holds the lock, from before it reads what is indexed to its last
    # commit: a second run waits, then reads what this one wrote, so the two never
    # both add a document neither saw (an id twice in the index).
    lock = store.lock_index(ix, path, lock_timeout, on_wait)
    try:
        return _add_locked(
            ix,
            path,
            lock,
            sources,
            workers=workers,
            batch_size=batch_size,
            max_bytes=max_bytes,
            progress=progress,
            clear=clear,
        )
    finally:
        store.unlock(lock)


def _add_locked(
    ix: Any,
    path: Path,
    lock: Any,
    sources: Iterable[str | os.PathLike[str] | Mapping[str, Any]]
    | str
    | os.PathLike[str]
    | Mapping[str, Any],
    *,
    workers: int | None,
    batch_size: int | None,
    max_bytes: int,
    progress: ProgressCallback | None,
    clear: bool,
) -> IndexReport:
    """`add`, under the index's lock, which the caller holds."""
    report = IndexReport()
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    writer = store.acquire_writer(ix, path, lock=lock, limitmb=128)
    run = _Run(ix, path, lock, writer, report, batch_size, clear)
    try:
        if not clear:
            run.known, origins = existing_checksums(ix)
        else:
            origins = _Origins()
        files_total = count_files(sources, path) if progress else 0
        files_done = 0
        last_file = ""
        done = 0
        claims = _Claims()

        def todo() -> Iterator[tuple[RawItem, tuple[str, ...]]]:
            """The items to write, each with the ids its file is indexed under and
            loses (it was read from another folder given before)."""
            nonlocal done, files_done, last_file
            # Changed records of the current file whose ids it gave before: held back
            # until the file ends, as a later line may repeat the id with the version
            # the index holds (the last one wins, and an unchanged file changes nothing).
            held: dict[str, RawItem] = {}
            # Ids of this file written before its end (too many were held): their later
            # lines must be written too, whatever the index held before.
            early: set[str] = set()
            for entry in read_sources(sources, max_bytes=max_bytes, exclude=path):
                where = (entry.source if isinstance(entry, Skipped) else entry.origin).split("#")[0]
                if where != last_file:
                    yield from _release(held)
                    early.clear()
                    files_done += 1
                    last_file = where
                if isinstance(entry, Skipped):
                    report.skip(entry)
                    done += 1
                    continue
                if (clash := claims.clash(entry)) is not None:
                    report.skip(clash)
                    done += 1
                    continue
                moved = False
                if (other := _other_file(entry, origins)) is not None:
                    if path_exists(other):
                        # An id is another file's story while that file exists; only a
                        # record's own id names its story in any file (a feed exported
                        # again under another name), and only against such a record.
                        if entry.from_path or not origins.given(entry.doc_id):
                            report.skip(_indexed_clash(entry, other))
                            done += 1
                            continue
                    else:
                        # Moved or renamed: this file is now the story's, even unchanged,
                        # so that its stored origin (shown, and used by --prune) follows.
                        moved = True
                stale: tuple[str, ...] = ()
                if entry.from_path:
                    # One file, one document: read through a wider or narrower folder than
                    # before, it takes its new id and its old one goes in the same commit.
                    stale = tuple(i for i in origins.ids_at(entry.origin) if i != entry.doc_id)
                if held.pop(entry.doc_id, None) is not None:
                    done += 1  # an earlier line of this file, revised by this one
                changed = run.known.get(entry.doc_id) != entry.checksum
                if moved or stale or changed or entry.doc_id in early:
                    if (
                        changed
                        and not entry.from_path
                        and other is None
                        and entry.doc_id in run.known
                    ):
                        held[entry.doc_id] = entry
                        if len(held) > HELD_BACK:
                            for item in _release(held, 1):
                                early.add(item[0].doc_id)
                                yield item
                    else:
                        yield entry, stale
                else:
                    report.unchanged += 1
                    done += 1
            yield from _release(held)

        items = todo()
        head = list(itertools.islice(items, PARALLEL_THRESHOLD))
        if workers > 1 and len(head) >= PARALLEL_THRESHOLD:
            run.start_workers(workers)
        for item, stale in itertools.chain(head, items):
            done += 1
            run.put(item, stale)
            if progress:
                progress(Progress(done, files_done, files_total, report, item.origin))
        run.finish()
        if progress:
            progress(Progress(done, files_total, files_total, report, ""))
    except OSError as exc:
        run.abandon()
        if exc.errno in _WRITE_ERRORS:
            raise IndexWriteError.from_os(path, exc) from exc
        raise
    except BaseException:
        run.abandon()
        raise
    return report


class _Claims:
    """The ids read in one run, each with the input (file, or the dict records) that gave it.

    Two inputs giving one id would replace each other's document, so the later one is
    skipped with a note naming both: it is checked as items are read, before any
    cleaning, so one writer and many workers report the same. An id repeated within one
    input (a record revised further down a JSON-lines file) is that input's own update:
    the later record replaces the earlier, as on a re-run.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, str] = {}
        # One string per input, shared by all its ids: a million records of one file
        # cost a million dict slots, not a million copies of the file's path.
        self._inputs: dict[str, str] = {}

    def clash(self, item: RawItem) -> Skipped | None:
        """Claim `item`'s id for its input; a note if another input claimed it first.
        (A file reached twice is read once: see `sources.read_sources`.)"""
        # A record's origin is its file and "#line"; a file's origin is its path alone
        # (which may itself hold a "#").
        source = item.origin.rsplit("#", 1)[0] if item.kind == "record" else item.origin
        source = self._inputs.setdefault(source, source)
        first = self._by_id.setdefault(item.doc_id, source)
        if first is source:
            return None
        if item.kind == "record":
            advice = "give the records distinct ids"
        else:
            advice = "index one folder that holds both, or rename one of them"
        earlier = "the records given" if first == DICT_RECORDS else first
        return Skipped(
            item.origin,
            f"id collision: {item.doc_id!r} is also given by {earlier}, read earlier in "
            f"this run; {advice}",
        )


#: At most this many changed records of one file are held back (see `add`); beyond it
#: the oldest is written, at worst once more than needed, so memory stays bounded.
HELD_BACK = 1000


def _release(
    held: dict[str, RawItem], count: int | None = None
) -> Iterator[tuple[RawItem, tuple[str, ...]]]:
    """Yield the `count` oldest held-back records (all by default) for writing."""
    for doc_id in list(itertools.islice(held, count)):
        yield held.pop(doc_id), ()


def _other_file(item: RawItem, origins: _Origins) -> str | None:
    """The file the index holds `item`'s id from, when that is another file than item's."""
    indexed = origins.file(item.doc_id)
    if indexed is None or indexed == origin_file(item.origin):
        return None
    return indexed


def _indexed_clash(item: RawItem, other: str) -> Skipped:
    """The note for an input whose id is already a story read from another, existing file.

    Ids made from paths hold the folder's name, not where it is: a second folder of one
    name would otherwise replace the first one's stories, each counted as "updated".
    """
    if item.from_path:
        advice = "index one folder that holds both, rename one of them"
    else:
        advice = "give the record another id"
    return Skipped(
        item.origin,
        f"id collision: {item.doc_id!r} is also given by {other}, indexed earlier; "
        f"{advice}, or start afresh with --rebuild",
    )


class _Run:
    """The batches of one `add` call: cleaned and written here, or in segment workers.

    Batches end at a size, and before an id repeats within one (so the update sees the
    earlier version). Each batch is one commit.
    """

    def __init__(
        self,
        ix: Any,
        path: Path,
        lock: Any,
        writer: Any,
        report: IndexReport,
        batch_size: int | None,
        clear: bool,
    ) -> None:
        self.ix, self.path, self.lock, self.writer = ix, path, lock, writer
        self.report, self.batch_size, self.clear = report, batch_size, clear
        self.known: dict[str, str] = {}
        self.workers: SegmentWorkers | None = None
        # This batch's ids, with the checksum each had before it (None: a new document).
        self.batch: dict[str, str | None] = {}
        # For the batch's ids that replace a document of another id (its file read from
        # another folder), those ids with their checksums: deleted in the same commit.
        self.stale: dict[str, dict[str, str | None]] = {}

    def start_workers(self, count: int) -> None:
        # The posting memory of one writer, shared out, so the total stays the same.
        self.workers = SegmentWorkers(self.path, count, limitmb=max(32, 128 // count))

    def put(self, item: RawItem, stale: tuple[str, ...] = ()) -> None:
        """Write `item` in the open batch, deleting the documents of the `stale` ids
        (its file's earlier ids) in the same commit."""
        if item.doc_id in self.batch:
            self.commit()  # the same id twice in one batch: commit first
        self.batch[item.doc_id] = self.known.get(item.doc_id)
        self.known[item.doc_id] = item.checksum
        if stale:
            self.stale[item.doc_id] = {old: self.known.pop(old, None) for old in stale}
        if self.workers is not None:
            self.workers.send(item)
        else:
            result = prepare(item)
            if isinstance(result, Skipped):
                self._unknow(item.doc_id)
                self.report.skip(result)
            elif stale:
                for old in stale:
                    self.writer.delete_by_term("id", old)
                if self.batch[item.doc_id] is not None:
                    self.writer.update_document(**result)
                else:
                    self.writer.add_document(**result)
                self.report.reidentified += 1
            elif self.batch[item.doc_id] is not None:
                self.writer.update_document(**result)
                self.report.updated += 1
            else:
                self.writer.add_document(**result)
                self.report.added += 1
        if len(self.batch) >= (self.batch_size or max(FIRST_BATCH, len(self.known) // 2)):
            self.commit()

    def commit(self) -> None:
        """Commit the open batch, and open the next one."""
        if self.workers is None:
            _finish(self.writer, self.clear)
        else:
            self._commit_segments(self.workers.end_batch())
        self.writer = None
        self.clear = False
        self.batch.clear()
        self.stale.clear()
        self.writer = store.acquire_writer(self.ix, self.path, lock=self.lock, limitmb=128)
        if self.workers is not None:
            self.workers.resume()

    def finish(self) -> None:
        self.commit()  # the last batch; the merge commits as one more
        self._merge_segments()
        if self.workers is not None:
            self.workers.close()
            self.workers = None

    def _merge_segments(self) -> None:
        """Merge the index's segments as the merge policy says (see `mergepolicy`), in
        the workers when there are any (idle by now), else in this process, in one
        commit. A run that changed nothing leaves the index as it found it.

        Each batch leaves a segment per worker (more where a worker's postings filled
        its memory budget), and every search pays per segment. Merging a postings
        block at a time costs about a third of what writing the documents did.
        """
        from searchlib.engine.mergepolicy import plan
        from searchlib.engine.merging import merge_beside

        writer = self.writer
        self.writer = None
        report = self.report
        if not (report.added or report.updated or report.reidentified):
            _discard(writer)
            return
        # Segments whose every document was replaced are dropped, not merged.
        live = [s for s in writer.segments if s.doc_count()]
        groups = [[live[at] for at in group] for group in plan([s.doc_count() for s in live])]
        if not groups and len(live) == len(writer.segments):
            _discard(writer)
            return
        workers = self.workers

        def listing() -> list[Any]:
            if workers is not None:
                merged = workers.merge(groups)
            else:
                merged = [merge_beside(writer, group) for group in groups]
            gone = {s.segment_id() for group in groups for s in group}
            return [s for s in live if s.segment_id() not in gone] + merged

        _commit(writer, self.path, listing)

    def abandon(self) -> None:
        """Drop the open batch: the last commit stays as it was, and the files written
        for the batch are removed at once (on a full disk, their space is needed)."""
        with _interrupts_held_off():
            if self.workers is not None:
                self.workers.terminate()
                self.workers = None
            if self.writer is not None:
                store.cancel(self.writer)
                self.writer = None
            store.remove_leftovers(self.ix.storage)

    def _unknow(self, doc_id: str) -> None:
        """Forget a batch item that was not written: the index keeps what it had."""
        before = self.batch[doc_id]
        if before is None:
            self.known.pop(doc_id, None)
        else:
            self.known[doc_id] = before
        for old, checksum in self.stale.pop(doc_id, {}).items():
            if checksum is not None:
                self.known[old] = checksum

    def _commit_segments(self, written: list[Written]) -> None:
        """Commit the workers' segments, replacing the documents they update."""
        writer = self.writer

        def listing() -> list[Any]:
            for part in written:
                for doc_id, reason in part.skipped:
                    self._unknow(doc_id)
                    self.report.skip(reason)
                for doc_id in part.ids:
                    stale = self.stale.get(doc_id, {})
                    for old in stale:
                        writer.delete_by_term("id", old)
                    if self.batch[doc_id] is not None:
                        writer.delete_by_term("id", doc_id)
                    if stale:
                        self.report.reidentified += 1
                    elif self.batch[doc_id] is not None:
                        self.report.updated += 1
                    else:
                        self.report.added += 1
            # No merge here: Whoosh's policy would merge small segments through its slow
            # path while the workers wait. The run merges segments at its end.
            new = [segment for part in written for segment in part.segments]
            return ([] if self.clear else list(writer.segments)) + new

        _commit(writer, self.path, listing)


@contextlib.contextmanager
def _interrupts_held_off() -> Iterator[None]:
    """Ignore Ctrl-C while an interrupted run tidies up: the run is stopping already,
    and a second Ctrl-C would leave workers running or files behind. (Only the main
    thread can set signal handlers; elsewhere, Ctrl-C does not reach the run.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        # None: a handler set outside Python, which cannot be put back; Python's own it is.
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)


def _commit(writer: Any, path: Path, listing: Callable[[], list[Any]]) -> None:
    """Commit the segments `listing()` gives (it may write them) as the index, in one
    table of contents. On any failure the writer is cancelled and the last commit
    stays as it was."""
    try:
        segments = listing()
        writer._close_segment()
        writer._commit_toc(segments)
    except OSError as exc:
        store.cancel(writer)
        raise IndexWriteError.from_os(path, exc) from exc
    except BaseException:
        store.cancel(writer)
        raise
    writer._finish()
    store.fsync_dir(writer.storage)


#: What a disk says when it refuses a write: full, read-only, over quota, failing.
_WRITE_ERRORS = frozenset(
    {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EACCES, errno.EPERM, errno.EFBIG}
)


def _finish(writer: Any, clear: bool) -> None:
    """Commit a batch written in this process, merging nothing (the run merges at its
    end, see `_Run._merge_segments`); when clearing, an empty batch too, to drop the
    old data. An empty batch is otherwise not committed: a re-run that changes nothing
    writes nothing. (Here a document is only deleted as another is added.)"""
    from whoosh.writing import CLEAR, NO_MERGE

    if not clear and not writer._added:
        _discard(writer)
        return
    try:
        # Whoosh's own policy merged small segments through its indexing path, at
        # every commit: a re-run that changed nothing took 10 s on a Reuters index of
        # 34 segments.
        writer.commit(mergetype=CLEAR if clear else NO_MERGE)
    except OSError as exc:
        store.cancel(writer)
        raise IndexWriteError.from_os(getattr(writer.storage, "folder", "?"), exc) from exc
    store.fsync_dir(writer.storage)


def _discard(writer: Any) -> None:
    """Cancel `writer`, and delete the files it opened for the segment it did not write:
    no commit lists them, so none would remove them before the next one."""
    from contextlib import suppress

    store.cancel(writer)
    storage = writer.storage
    for name in writer.newsegment.list_files(storage):
        with suppress(OSError):  # the next commit removes it instead
            storage.delete_file(name)


def merge_all(
    ix: Any, path: Path, lock_timeout: float, on_wait: Callable[[], None] | None = None
) -> int:
    """Merge every segment of the index into one, in one commit, and return how many
    were merged: 0, writing nothing, when the index is empty or one segment without
    deleted documents. The segments are counted under the writer lock."""
    from searchlib.engine.merging import merge_into

    writer = store.acquire_writer(ix, path, lock_timeout, on_wait)
    segments = list(writer.segments)
    if len(segments) < 2 and not any(segment.has_deletions() for segment in segments):
        store.cancel(writer)
        return 0
    _commit(writer, path, lambda: [merge_into(writer, segments)])
    return len(segments)


def remove_missing(ix: Any, path: Path, roots: Iterable[Path], lock_timeout: float) -> int:
    """Delete documents whose source file under one of `roots` no longer exists."""
    resolved = [path_text(r.resolve()) for r in roots]
    # A root is a file, or a folder whose files are below a separator: `news` must not
    # take in the stories of `news-old`.
    files = set(resolved)
    folders = tuple(root if root.endswith(_SEPARATORS) else root + os.sep for root in resolved)
    gone: list[str] = []
    # Read under the lock, as `add` does: what is deleted is what the index holds now.
    lock = store.lock_index(ix, path, lock_timeout)
    try:
        with ix.reader() as reader:
            if reader.doc_count_all():
                origins = column_lookup(reader, "origin")
                ids = column_lookup(reader, "id")
                for docnum in reader.all_doc_ids():
                    origin = origin_file(str(origins(docnum) or ""))
                    under = origin in files or origin.startswith(folders)
                    if under and not path_exists(origin):
                        gone.append(ids(docnum))
        if not gone:
            return 0
        writer = store.acquire_writer(ix, path, lock=lock)
        try:
            for doc_id in gone:
                writer.delete_by_term("id", doc_id)
            writer.commit()
        except BaseException:
            store.cancel(writer)
            store.remove_leftovers(ix.storage)
            raise
    finally:
        store.unlock(lock)
    return len(gone)
