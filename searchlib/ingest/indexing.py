"""Add inputs to the index: read, skip what is unchanged, clean and write, commit in
batches; and the index's upkeep: pruning what is gone, merging every segment.

Each batch is committed atomically (Whoosh writes segment files, then renames a new
table of contents into place), so an interruption at any moment leaves the last
commit whole; re-running the same command picks up what is missing. Large inputs are
cleaned and written by worker processes, a segment each per batch (see `batches`).
What a run writes is chosen as it reads (see `selection`), against what the index
holds (see `origins`).
"""

from __future__ import annotations

import errno
import itertools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from searchlib.engine import store
from searchlib.engine.columns import column_lookup
from searchlib.engine.commit import commit_segments
from searchlib.errors import IndexWriteError
from searchlib.ingest.batches import Run
from searchlib.ingest.items import Sources
from searchlib.ingest.origins import SEPARATORS, Origins, existing_checksums
from searchlib.ingest.paths import origin_file, path_exists, path_text, walk
from searchlib.ingest.selection import Selection
from searchlib.ingest.sources import read_sources
from searchlib.models import DEFAULT_MAX_BYTES, IndexReport

#: Below this many documents to clean, worker processes cost more than they save.
PARALLEL_THRESHOLD = 48

#: What a disk says when it refuses a write: full, read-only, over quota, failing.
_WRITE_ERRORS = frozenset(
    {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO, errno.EACCES, errno.EPERM, errno.EFBIG}
)


@dataclass(frozen=True)
class Progress:
    """Reported after each document: inputs handled, files read of all files, the report."""

    done: int
    files_done: int
    files_total: int
    report: IndexReport
    current: str


ProgressCallback = Callable[[Progress], None]


def count_files(sources: Sources, exclude: Path) -> int:
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


def add(
    ix: Any,
    path: Path,
    sources: Sources,
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
    sources: Sources,
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
    run = Run(ix, path, lock, writer, report, batch_size, clear)
    try:
        if not clear:
            run.known, origins = existing_checksums(ix)
        else:
            origins = Origins()
        files_total = count_files(sources, path) if progress else 0
        selection = Selection(report, run.known, origins)
        items = selection.items(read_sources(sources, max_bytes=max_bytes, exclude=path))
        head = list(itertools.islice(items, PARALLEL_THRESHOLD))
        if workers > 1 and len(head) >= PARALLEL_THRESHOLD:
            run.start_workers(workers)
        for item, stale in itertools.chain(head, items):
            selection.done += 1
            run.put(item, stale)
            if progress:
                done, files_done = selection.done, selection.files_done
                progress(Progress(done, files_done, files_total, report, item.origin))
        run.finish()
        if progress:
            progress(Progress(selection.done, files_total, files_total, report, ""))
    except OSError as exc:
        run.abandon()
        if exc.errno in _WRITE_ERRORS:
            raise IndexWriteError.from_os(path, exc) from exc
        raise
    except BaseException:
        run.abandon()
        raise
    return report


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
    commit_segments(writer, path, lambda: [merge_into(writer, segments)])
    return len(segments)


def remove_missing(ix: Any, path: Path, roots: Iterable[Path], lock_timeout: float) -> int:
    """Delete documents whose source file under one of `roots` no longer exists."""
    resolved = [path_text(r.resolve()) for r in roots]
    # A root is a file, or a folder whose files are below a separator: `news` must not
    # take in the stories of `news-old`.
    files = set(resolved)
    folders = tuple(root if root.endswith(SEPARATORS) else root + os.sep for root in resolved)
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
