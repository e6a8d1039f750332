"""Add inputs to the index: read, skip what is unchanged, clean in parallel, commit in batches.

Each batch is committed atomically (Whoosh writes segment files, then renames a new
table of contents into place), so an interruption at any moment leaves the last
commit whole; re-running the same command picks up what is missing.
"""

from __future__ import annotations

import collections
import errno
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searchlib import store
from searchlib.columns import column_lookup
from searchlib.documents import prepare
from searchlib.errors import IndexDamagedError, IndexWriteError
from searchlib.models import DEFAULT_MAX_BYTES, IndexReport, Skipped
from searchlib.sources import RawItem, path_exists, path_text, read_sources, walk

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


def existing_checksums(ix: Any) -> dict[str, str]:
    """Map each live document id to its content checksum, read from column storage."""
    out: dict[str, str] = {}
    try:
        with ix.reader() as reader:
            if reader.doc_count_all() == 0:
                return out
            ids = column_lookup(reader, "id")
            sums = column_lookup(reader, "checksum")
            for docnum in reader.all_doc_ids():
                out[ids(docnum)] = sums(docnum)
    except (OSError, EOFError, ValueError, KeyError) as exc:
        # Opening the segments is a read: failing here means damaged files, not a full disk.
        raise IndexDamagedError.from_exception(getattr(ix.storage, "folder", "?"), exc) from exc
    return out


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the parent, which cancels the open batch cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _clean_stream(
    items: Iterator[RawItem], workers: int
) -> Iterator[tuple[RawItem, dict[str, Any] | Skipped]]:
    """Clean items in order, in worker processes when there are enough of them.

    At most a fixed number of items are in flight, so memory stays bounded however
    large the input is.
    """
    head: list[RawItem] = []
    for item in items:
        head.append(item)
        if len(head) >= PARALLEL_THRESHOLD:
            break
    if workers <= 1 or len(head) < PARALLEL_THRESHOLD:
        for item in head:
            yield item, prepare(item)
        for item in items:
            yield item, prepare(item)
        return

    window = threading.BoundedSemaphore(workers * 64)
    stop = threading.Event()
    pending: collections.deque[RawItem] = collections.deque()  # results come back in order

    def feed() -> Iterator[RawItem]:
        for item in _chain(head, items):
            while not window.acquire(timeout=0.1):
                if stop.is_set():
                    return
            pending.append(item)
            yield item

    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    pool = ctx.Pool(workers, initializer=_ignore_sigint)
    try:
        for result in pool.imap(prepare, feed(), chunksize=8):
            item = pending.popleft()
            window.release()
            yield item, result
        pool.close()
    finally:
        stop.set()
        pool.terminate()
        pool.join()


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


#: Documents in the first commits of a run without a fixed batch size. Later batches
#: hold half as many documents as the index: segments grow geometrically, so their count
#: (and the per-segment cost of every search) grows with the logarithm of the corpus,
#: with no merge pass, which Whoosh makes as slow as indexing itself.
FIRST_BATCH = 2000


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
    report = IndexReport()
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    writer = store.acquire_writer(ix, path, lock_timeout, on_wait, limitmb=128)
    try:
        known = {} if clear else existing_checksums(ix)
        in_batch: set[str] = set()
        done = 0
        files_total = count_files(sources, path) if progress else 0
        files_done = 0
        last_file = ""

        def todo() -> Iterator[RawItem]:
            nonlocal done, files_done, last_file
            for entry in read_sources(sources, max_bytes=max_bytes, exclude=path):
                where = (entry.source if isinstance(entry, Skipped) else entry.origin).split("#")[0]
                if where != last_file:
                    files_done += 1
                    last_file = where
                # This may run in the pool's feeder thread: count here, report from
                # the main thread only.
                if isinstance(entry, Skipped):
                    report.skip(entry)
                    done += 1
                elif known.get(entry.doc_id) == entry.checksum:
                    report.unchanged += 1
                    done += 1
                else:
                    yield entry

        for item, result in _clean_stream(todo(), workers):
            done += 1
            if isinstance(result, Skipped):
                report.skip(result)
            else:
                if item.doc_id in in_batch:
                    # The same id twice in one batch: commit first so the update sees it.
                    writer = _commit(writer, ix, path, lock_timeout, clear)
                    clear = False
                    in_batch.clear()
                if item.doc_id in known:
                    writer.update_document(**result)
                    report.updated += 1
                else:
                    writer.add_document(**result)
                    report.added += 1
                known[item.doc_id] = item.checksum
                in_batch.add(item.doc_id)
                if len(in_batch) >= (batch_size or max(FIRST_BATCH, len(known) // 2)):
                    writer = _commit(writer, ix, path, lock_timeout, clear)
                    clear = False
                    in_batch.clear()
            if progress:
                progress(Progress(done, files_done, files_total, report, item.origin))
        _finish(writer, clear)
        writer = None
        if progress:
            progress(Progress(done, files_total, files_total, report, ""))
    except OSError as exc:
        if writer is not None:
            store.cancel(writer)
        if exc.errno in _WRITE_ERRORS:
            raise IndexWriteError.from_os(path, exc) from exc
        raise
    except BaseException:
        if writer is not None:
            store.cancel(writer)
        raise
    return report


#: What a disk says when it refuses a write: full, read-only, over quota, failing.
_WRITE_ERRORS = frozenset(
    {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EACCES, errno.EPERM, errno.EFBIG}
)


def _finish(writer: Any, clear: bool) -> None:
    """Commit the last batch (an empty commit only when clearing, to drop old data)."""
    from whoosh.writing import CLEAR

    try:
        if clear:
            writer.commit(mergetype=CLEAR)
        else:
            writer.commit()
    except OSError as exc:
        store.cancel(writer)
        raise IndexWriteError.from_os(getattr(writer.storage, "folder", "?"), exc) from exc
    store.fsync_dir(writer.storage)


def _commit(writer: Any, ix: Any, path: Path, lock_timeout: float, clear: bool) -> Any:
    _finish(writer, clear)
    return store.acquire_writer(ix, path, lock_timeout, None, limitmb=128)


def remove_missing(ix: Any, path: Path, roots: Iterable[Path], lock_timeout: float) -> int:
    """Delete documents whose source file under one of `roots` no longer exists."""
    resolved = [path_text(r.resolve()) for r in roots]
    gone: list[str] = []
    with ix.reader() as reader:
        if reader.doc_count_all():
            origins = column_lookup(reader, "origin")
            ids = column_lookup(reader, "id")
            for docnum in reader.all_doc_ids():
                origin = str(origins(docnum) or "").split("#", 1)[0]
                if origin.startswith(tuple(resolved)) and not path_exists(origin):
                    gone.append(ids(docnum))
    if not gone:
        return 0
    writer = store.acquire_writer(ix, path, lock_timeout)
    try:
        for doc_id in gone:
            writer.delete_by_term("id", doc_id)
        writer.commit()
    except BaseException:
        store.cancel(writer)
        raise
    return len(gone)
