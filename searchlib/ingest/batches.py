"""The batches of one indexing run: cleaned and written in this process or by segment
workers, each committed atomically, and the index's segments merged at the run's end."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from searchlib.engine import store
from searchlib.engine.commit import commit_batch, commit_segments, discard
from searchlib.engine.segments import SegmentWorkers, Written
from searchlib.ingest.documents import prepare
from searchlib.ingest.items import RawItem
from searchlib.models import IndexReport, Skipped

#: Documents in the first commits of a run without a fixed batch size (about ten
#: seconds of work on two cores). Later batches hold as many documents as the index
#: held before them: segments grow geometrically, so their count (and the per-segment
#: cost of every search) grows with the logarithm of the corpus.
FIRST_BATCH = 10_000


class Run:
    """The batches of one `indexing.add` call: cleaned and written here, or in segment
    workers.

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
        self.workers = SegmentWorkers(self.path, count, max(32, 128 // count), prepare)

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
            commit_batch(self.writer, self.clear)
        else:
            self._commit_written(self.workers.end_batch())
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

        Each batch leaves a segment per worker (more only where a worker's segment
        took all the run files it may, see `blockwriter.MAX_RUNS`), and every search
        pays per segment. Merging a postings block at a time costs about a third of
        what writing the documents did.
        """
        from searchlib.engine.mergepolicy import balance, plan
        from searchlib.engine.merging import merge_beside

        writer = self.writer
        self.writer = None
        report = self.report
        if not (report.added or report.updated or report.reidentified):
            discard(writer)
            return
        # Segments whose every document was replaced are dropped, not merged.
        live = [s for s in writer.segments if s.doc_count()]
        sizes = [s.doc_count() for s in live]
        workers = self.workers
        planned = plan(sizes)
        if workers is not None:
            planned = balance(planned, sizes, workers.count)
        groups = [[live[at] for at in group] for group in planned]
        if not groups and len(live) == len(writer.segments):
            discard(writer)
            return

        def listing() -> list[Any]:
            if workers is not None:
                merged = workers.merge(groups)
            else:
                merged = [merge_beside(writer, group) for group in groups]
            gone = {s.segment_id() for group in groups for s in group}
            return [s for s in live if s.segment_id() not in gone] + merged

        commit_segments(writer, self.path, listing)

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

    def _commit_written(self, written: list[Written]) -> None:
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

        commit_segments(writer, self.path, listing)


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
