"""Commits of an indexing run's batches, through the steps of Whoosh's own commit.

Whoosh's `commit` runs its merge policy, which merged small segments through its slow
indexing path at every commit. A run instead commits the segments it lists (written by
its workers, or merged by `merging`) in one table of contents, and merges nothing in a
batch written in its own process: it merges at its end (see `mergepolicy`). Either way
the new table of contents is renamed into place, so an interruption at any moment
leaves the last commit whole.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from whoosh.writing import CLEAR, NO_MERGE

from searchlib.engine import store
from searchlib.errors import IndexWriteError


def commit_segments(writer: Any, path: Path, listing: Callable[[], list[Any]]) -> None:
    """Commit the segments `listing()` gives (it may write them) as the index at `path`,
    in one table of contents, and the documents `writer` deleted from them.

    Raises:
        IndexWriteError: the disk refused a write; the writer is cancelled and the last
            commit stays as it was (as on any other failure, which is raised as it is).
    """
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


def commit_batch(writer: Any, clear: bool) -> None:
    """Commit a batch written through `writer` in this process, merging nothing; when
    `clear`, in place of every earlier segment, even an empty batch (to drop the old
    data). An empty batch is otherwise not committed: a re-run that changes nothing
    writes nothing. (In a run, a document is only deleted as another is added.)

    Raises:
        IndexWriteError: the disk refused a write; the writer is cancelled.
    """
    if not clear and not writer._added:
        discard(writer)
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


def discard(writer: Any) -> None:
    """Cancel `writer`, and delete the files it opened for the segment it did not write:
    no commit lists them, so none would remove them before the next one."""
    store.cancel(writer)
    storage = writer.storage
    for name in writer.newsegment.list_files(storage):
        with suppress(OSError):  # the next commit removes it instead
            storage.delete_file(name)
