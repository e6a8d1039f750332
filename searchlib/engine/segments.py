"""Worker processes that clean documents and write each into a segment of its own.

Whoosh writes a segment in one process, and that one writer bounded ingest: the
workers that cleaned documents waited on it for half of every run. Here each worker
cleans the items it takes and adds them to its own segment writer. At the end of a
batch every worker finishes its segment and hands it back; the parent then deletes the
documents being replaced and commits the new segments in one table of contents, so a
batch still lands whole or not at all. Whoosh's multiprocessing writer
(`whoosh.multiproc`, with `multisegment=True`) finishes segments the same way.

The segment writers are Whoosh's, with their postings held in memory and written a
list at a time (`blockwriter`); a worker whose postings reach its memory budget writes
them to a run file, merged into the segment when it is finished: a worker writes one
segment a batch. Between batches the workers can also merge
segments (`merge`), which the end of a run uses. A worker's writer takes no lock and
commits nothing (`blockwriter.open_side_writer`): the parent holds the lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from searchlib.engine import store
from searchlib.engine.blockwriter import finish_side_writer, open_side_writer
from searchlib.engine.merging import merge_into
from searchlib.errors import IndexWriteError
from searchlib.models import Skipped

#: Items sent to a worker at a time: enough to make queue traffic cheap, few enough to
#: keep the workers evenly loaded.
CHUNK = 16

_END = "end"  # a job: finish the batch's segments and report them
_MERGE = "merge"  # a job: (_MERGE, number, segments): merge them into one, report it
_GO = "go"  # a control message: start the next batch
_STOP = "stop"  # a control message, or a job between batches: exit


@dataclass
class Written:
    """What one worker wrote in one batch."""

    segments: list[Any] = field(default_factory=list)  # the finished Whoosh segments
    ids: list[str] = field(default_factory=list)  # document ids written, in order
    skipped: list[tuple[str, Skipped]] = field(default_factory=list)  # (id, reason)


def _get(source: Any, parent: int) -> Any:
    """The next message, or None once the parent process is gone (where the kernel does
    not kill the workers with it, see `_die_with_parent`)."""
    while True:
        try:
            return source.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                return None


#: prctl(2)'s request for a signal on the death of the parent (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the process that started it dies.

    A killed parent (kill -9, or SIGTERM) runs no cleanup: a worker would go on
    cleaning what is queued, and one blocked handing back a report no one reads would
    never exit. Only Linux offers this; elsewhere `_get` notices the parent is gone.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            args = (ctypes.c_ulong(value) for value in (signal.SIGKILL, 0, 0, 0))
            libc.prctl(_PR_SET_PDEATHSIG, *args)
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _open_writer(path: str) -> Any:
    return open_side_writer(store.open_index(Path(path)))


class _Stopped(BaseException):
    """The parent terminated this worker (Ctrl-C, or an error elsewhere)."""


def _stop(signum: int, frame: Any) -> None:
    raise _Stopped


class Item(Protocol):
    """What a worker is sent: an item with the id of the document it makes."""

    @property
    def doc_id(self) -> str: ...


#: Turns an item into the fields of its document, or says why it is skipped: the
#: ingest stage's cleaning, run in the workers.
Prepare = Callable[[Any], dict[str, Any] | Skipped]


def _work(
    path: str,
    jobs: Any,
    control: Any,
    results: Any,
    limitmb: int,
    parent: int,
    prepare: Prepare,
) -> None:
    """A worker's loop: prepare (clean) and write items until the end of each batch."""
    _die_with_parent(parent)
    # The parent holds the index's lock for its whole run; a worker never does, so the
    # lock dies with the parent whatever becomes of its workers.
    store.close_inherited_locks()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _stop)  # leave through `finally`, removing the pool folder
    if _CAN_BLOCK:
        # Blocked by the parent around the fork (see `_sigint_blocked`); one sent
        # meanwhile is dropped now that it is ignored.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    writer: Any | None = None
    done = Written()
    budget = limitmb * 2**20
    try:
        while True:
            job = _get(jobs, parent)
            if job is None or job == _STOP:
                return
            if job == _END:
                if (segment := finish_side_writer(writer)) is not None:
                    done.segments.append(segment)
                writer = None
                results.put(("done", done))
                done = Written()
                if _get(control, parent) != _GO:
                    return
                continue
            if isinstance(job, tuple) and job[0] == _MERGE:
                writer = _open_writer(path)
                merged = merge_into(writer, job[2])
                finish_side_writer(writer, keep=False)  # written: only its folder is left
                writer = None
                results.put(("merged", job[1], merged))
                continue
            item: Item
            for item in job:
                result = prepare(item)
                if isinstance(result, Skipped):
                    done.skipped.append((item.doc_id, result))
                    continue
                if writer is None:
                    writer = _open_writer(path)
                writer.add_document(**result)
                done.ids.append(item.doc_id)
                if writer.pool.size >= budget and not writer.spill():
                    # The postings fill the memory budget and the segment has all the
                    # run files it may: finish it, and go on in another (the batch's
                    # commit lists both).
                    done.segments.append(finish_side_writer(writer))
                    writer = None
    except _Stopped:
        # The parent stopped reading: do not wait at exit to hand it anything. (Otherwise a
        # worker's report must reach the pipe before it exits, or the error is lost.)
        results.cancel_join_thread()
    except OSError as exc:
        results.put(("oserror", exc.errno, exc.strerror or str(exc)))
    except BaseException as exc:  # reported to the parent, which raises it there
        results.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        # Tidying up is not interrupted by a second stop, which would print a traceback.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if os.getppid() != parent:
            results.cancel_join_thread()  # no one will read a report: do not wait to send it
        # An abandoned segment's files are never committed; failing to tidy them is moot.
        with contextlib.suppress(Exception):
            finish_side_writer(writer, keep=False)


#: Whether signals can be blocked (not on Windows, where workers are spawned anyway).
_CAN_BLOCK = hasattr(signal, "pthread_sigmask")


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold Ctrl-C off while workers are forked: a worker that got it before it set its
    own handler would print a traceback, and one forked after the parent's interrupt
    would not be stopped. The parent gets a Ctrl-C sent meanwhile at the end."""
    if not _CAN_BLOCK:
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class SegmentWorkers:
    """A pool of cleaning and segment-writing processes for one index."""

    def __init__(self, path: Path, count: int, limitmb: int, prepare: Prepare) -> None:
        self.path = path
        self.count = count
        ctx: Any = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        self._jobs: Any = ctx.Queue(maxsize=count * 4)
        self._results: Any = ctx.Queue()
        self._controls: list[Any] = [ctx.Queue() for _ in range(count)]
        # This process never waits at exit to hand the workers what it queued: once it
        # is exiting, no worker will read it, and the feeder thread blocked on a full
        # pipe would hold the exit forever (after Ctrl-C, or a disk-full error).
        for outgoing in (self._jobs, *self._controls):
            outgoing.cancel_join_thread()
        self._chunk: list[Item] = []
        parent = os.getpid()
        self._procs = [
            ctx.Process(
                target=_work,
                args=(str(path), self._jobs, control, self._results, limitmb, parent, prepare),
                daemon=True,
            )
            for control in self._controls
        ]
        try:
            with _sigint_blocked():
                for proc in self._procs:
                    proc.start()
        except BaseException:
            self.terminate()
            raise

    def send(self, item: Item) -> None:
        """Queue one item for cleaning and writing in the current batch."""
        self._chunk.append(item)
        if len(self._chunk) >= CHUNK:
            self._put(self._chunk)
            self._chunk = []

    def end_batch(self) -> list[Written]:
        """Have every worker finish its segment; return what each wrote.

        Raises:
            OSError: a worker could not write its segment (a full or read-only disk).
            IndexWriteError: a worker failed otherwise, or died.
        """
        if self._chunk:
            self._put(self._chunk)
            self._chunk = []
        for _ in self._procs:
            self._put(_END)
        return [self._written(self._result()) for _ in self._procs]

    def merge(self, groups: list[list[Any]]) -> list[Any]:
        """Merge each group of segments into one, the groups in parallel; return the
        merged segments, in the order of `groups`. Call between batches, after `resume`.

        Raises:
            OSError: a worker could not write (a full or read-only disk).
            IndexWriteError: a worker failed otherwise, or died.
        """
        for number, group in enumerate(groups):
            self._put((_MERGE, number, group))
        merged: dict[int, Any] = {}
        while len(merged) < len(groups):
            message = self._result()
            if message[0] != "merged":
                self._written(message)  # raises the error reported
            merged[message[1]] = message[2]
        return [merged[number] for number in range(len(groups))]

    def resume(self) -> None:
        """Start the next batch, once the last one is committed."""
        for control in self._controls:
            control.put(_GO)

    def close(self) -> None:
        """Stop the workers (after `end_batch` or `merge`)."""
        for control in self._controls:
            control.put(_STOP)  # for a worker waiting to start a batch
            self._put(_STOP)  # for one waiting for a job
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)

    def terminate(self) -> None:
        """Stop the workers at once, dropping the open batch. The caller, which holds the
        lock, removes what they wrote (`store.remove_leftovers`)."""
        # Killed, not asked: a worker in the middle of a large document, or of a write
        # to a full disk, would keep an interrupted run waiting.
        for proc in self._procs:
            if proc.is_alive():
                proc.kill()
        for proc in self._procs:
            if proc.pid is not None:  # started
                proc.join(timeout=5)

    def _result(self) -> tuple[Any, ...]:
        """The next report of a worker, checking meanwhile that none has stopped."""
        while True:
            try:
                message: tuple[Any, ...] = self._results.get(timeout=1.0)
                return message
            except queue.Empty:
                self._check_alive()

    def _put(self, job: Any) -> None:
        while True:
            try:
                self._jobs.put(job, timeout=1.0)
                return
            except queue.Full:
                self._check_alive()

    def _written(self, message: tuple[Any, ...]) -> Written:
        """A worker's report, or the error it reports raised here."""
        if message[0] == "done":
            written: Written = message[1]
            return written
        if message[0] == "oserror":
            raise OSError(message[1], message[2])
        raise IndexWriteError(str(self.path), f"a writing process failed: {message[1]}")

    def _check_alive(self) -> None:
        """Raise the error of a worker that stopped, as it reported it if it did."""
        if all(proc.is_alive() for proc in self._procs):
            return
        while True:
            try:
                message = self._results.get(timeout=0.5)
            except queue.Empty:
                break
            if message[0] != "done":
                self._written(message)
        stopped = next(proc for proc in self._procs if not proc.is_alive())
        raise IndexWriteError(
            str(self.path), f"a writing process stopped (exit code {stopped.exitcode})"
        )
