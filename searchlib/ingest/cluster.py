"""Run the cleaning of a corpus into shards: in local worker processes, or on a Dask
cluster (`dask.distributed`, the optional `searchlib[dask]` extra).

Each partition (see `shards.plan`) is one task that writes one shard; the same tasks
run either way, so the shards are the same. Tasks are submitted as the inputs are
planned, a bounded number ahead, so a corpus of millions of files is never listed in
memory at once. A task that fails is retried (by Dask, which also re-runs the tasks of
a worker that dies); one that fails for good is reported with its reason, and its shard
is left for the next run to redo.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from searchlib.errors import SearchlibError
from searchlib.ingest.shards import (
    SHARD_ARTICLES,
    CleanReport,
    Partition,
    ShardResult,
    clean_partition,
    kept_result,
    plan,
    prepare_folder,
    remove_beyond,
    remove_partials,
    write_manifest,
)
from searchlib.models import DEFAULT_MAX_BYTES, Skipped

#: Tasks submitted ahead of those finished, per worker: enough that no worker waits
#: for the planner, few enough that the plan of a huge corpus is not held at once.
AHEAD_PER_WORKER = 4

#: How often Dask re-runs a task that raised before its shard counts as failed (a
#: worker that dies is handled by the scheduler itself, which re-runs its tasks).
RETRIES = 2

#: Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT = 10.0
#: Seconds to wait for a first worker to join a scheduler that has none: workers
#: started with it are there well within this; none at all would leave a run waiting.
WORKER_WAIT = 60.0


class ClusterError(SearchlibError):
    """The Dask cluster cannot be used: the extra is missing, or the scheduler is not there."""


@dataclass(frozen=True)
class CleanProgress:
    """Reported as each shard is finished (or found finished by an earlier run)."""

    shards_done: int
    articles: int
    skipped: int
    last: str


ProgressCallback = Callable[[CleanProgress], None]


def clean_corpus(
    sources: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    dask: str | None = None,
    workers: int | None = None,
    shard_size: int = SHARD_ARTICLES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: ProgressCallback | None = None,
) -> CleanReport:
    """Clean `sources` (files and folders) into shards in the folder `out`.

    Args:
        dask: the address of a Dask scheduler (`tcp://host:8786`), or `local:N` to
            start a local cluster of N worker processes; None cleans in `workers`
            local processes (default: one per core). Every worker must be able to read
            the inputs and write `out` at the same paths (a shared file system).
        shard_size: articles per shard. Shards finished by an earlier run over the same
            inputs (same paths, sizes, times) are kept; the others are cleaned again.
    Returns:
        The report; shards that failed are listed in it, not raised.
    Raises:
        SourceNotFoundError: a path does not exist.
        ShardsError: `out` cannot be written.
        ClusterError: `dask` names a scheduler that cannot be reached, or the extra
            is not installed.
    """
    from searchlib.ingest.paths import check_paths

    sources = list(sources)
    check_paths(sources)
    folder = prepare_folder(Path(out))
    report = CleanReport(out=str(folder))
    results: list[ShardResult] = []
    with ExitStack() as stack:
        # Runs last, once the workers are stopped, whichever way the run ends.
        stack.callback(remove_partials, folder)
        if dask is not None:
            runner: _Runner = _DaskRunner(stack, dask)
        else:
            runner = _LocalRunner(stack, workers or os.cpu_count() or 1)

        def finished(result: ShardResult) -> None:
            report.add(result)
            results.append(result)
            if progress:
                progress(
                    CleanProgress(report.shards, report.articles, report.skipped_count, result.name)
                )

        count = 0
        for partition in _pending(plan(sources, shard_size, exclude=folder), report):
            count += 1
            kept = kept_result(folder, partition)
            if kept is not None:
                finished(kept)
                continue
            for outcome in runner.submit(partition, str(folder), max_bytes):
                _take(outcome, report, finished)
        for outcome in runner.drain():
            _take(outcome, report, finished)
    remove_beyond(folder, count)
    results.sort(key=lambda r: r.number)
    write_manifest(folder, report, shard_size, results)
    return report


def _pending(entries: Iterator[Partition | Skipped], report: CleanReport) -> Iterator[Partition]:
    """The partitions of a plan; its notes (inputs passed over) go in the report."""
    for entry in entries:
        if isinstance(entry, Skipped):
            report.skips.skip(entry)
        else:
            yield entry


Outcome = tuple[Partition, ShardResult | BaseException]


def _take(outcome: Outcome, report: CleanReport, finished: Callable[[ShardResult], None]) -> None:
    partition, result = outcome
    if isinstance(result, ShardResult):
        finished(result)
    else:
        detail = " ".join(str(result).split())
        report.failed.append((partition.name, f"{type(result).__name__}: {detail}".rstrip(": ")))


class _Runner:
    """Submits tasks, a bounded number ahead; gives back the outcomes of those finished."""

    limit = 1

    def submit(self, partition: Partition, out: str, max_bytes: int) -> Iterator[Outcome]:
        raise NotImplementedError

    def drain(self) -> Iterator[Outcome]:
        raise NotImplementedError


class _LocalRunner(_Runner):
    """Local worker processes; one worker cleans in this process."""

    def __init__(self, stack: ExitStack, workers: int) -> None:
        self.pool: ProcessPoolExecutor | None = None
        if workers > 1:
            import multiprocessing

            # Forked, as the index's own workers are: nothing to import again.
            ctx: Any = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
            self.pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_quiet_worker)
            stack.push(self._close)
        self.limit = workers * AHEAD_PER_WORKER
        self.running: dict[Future[ShardResult], Partition] = {}

    def _close(self, kind: type[BaseException] | None, *_: object) -> None:
        """Wait for the workers after a run; after an interrupt or an error, stop them
        at once: the shards they were writing are redone by the next run."""
        assert self.pool is not None
        if kind is None:
            self.pool.shutdown(wait=True)
            return
        # The executor has no way to stop a running task: end its processes (listed
        # before the shutdown, which forgets them).
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()

    def submit(self, partition: Partition, out: str, max_bytes: int) -> Iterator[Outcome]:
        if self.pool is None:
            try:
                yield partition, clean_partition(partition, out, max_bytes)
            except Exception as exc:
                yield partition, exc
            return
        self.running[self.pool.submit(clean_partition, partition, out, max_bytes)] = partition
        while len(self.running) >= self.limit:
            yield from self._some(FIRST_COMPLETED)

    def drain(self) -> Iterator[Outcome]:
        while self.running:
            yield from self._some(FIRST_COMPLETED)

    def _some(self, when: str) -> Iterator[Outcome]:
        done, _ = wait(list(self.running), return_when=when)
        for future in sorted(done, key=lambda f: self.running[f].number):
            partition = self.running.pop(future)
            exc = future.exception()
            yield partition, exc if exc is not None else future.result()


def _quiet_worker() -> None:
    """A worker process leaves Ctrl-C to the run's own process, which stops it: a
    terminal's Ctrl-C reaches every process of the group, and each would print a
    traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class _DaskRunner(_Runner):
    """Tasks on a Dask cluster: an existing scheduler, or a `LocalCluster` (`local:N`)."""

    def __init__(self, stack: ExitStack, address: str) -> None:
        try:
            import distributed as dask_distributed
        except ImportError:
            raise ClusterError("--dask needs Dask: pip install 'searchlib[dask]'") from None
        # Used as untyped: its annotations are partial.
        distributed: Any = dask_distributed
        self.distributed = distributed
        if address.startswith("local:"):
            count = address.removeprefix("local:")
            if not count.isdigit() or int(count) < 1:
                raise ClusterError(
                    f"bad Dask address {address!r}: local:N needs a number of workers, as in local:2"
                )
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=int(count),
                    threads_per_worker=1,  # cleaning holds the GIL: one task per process
                    processes=True,
                    dashboard_address=None,
                )
            )
            target: Any = cluster
        else:
            _check_reachable(address)
            target = address
        self.client = stack.enter_context(_connect(distributed, target, address))
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT)
        except TimeoutError:
            raise ClusterError(
                f"no Dask worker joined the scheduler at {address} in {WORKER_WAIT:g}s: "
                f"start some with `dask worker {address}`"
            ) from None
        workers = sum(self.client.nthreads().values()) or 1
        self.limit = workers * AHEAD_PER_WORKER
        self.running: dict[Any, Partition] = {}

    def submit(self, partition: Partition, out: str, max_bytes: int) -> Iterator[Outcome]:
        future = self.client.submit(
            clean_partition,
            partition,
            out,
            max_bytes,
            key=f"searchlib-clean-{partition.name}-{partition.fingerprint}",
            pure=False,
            retries=RETRIES,
        )
        self.running[future] = partition
        while len(self.running) >= self.limit:
            yield from self._some()

    def drain(self) -> Iterator[Outcome]:
        while self.running:
            yield from self._some()

    def _some(self) -> Iterator[Outcome]:
        done, _ = self.distributed.wait(list(self.running), return_when="FIRST_COMPLETED")
        for future in sorted(done, key=lambda f: self.running[f].number):
            partition = self.running.pop(future)
            try:
                yield partition, future.result()
            except Exception as exc:  # the task's own error, or KilledWorker
                yield partition, exc


def _check_reachable(address: str) -> None:
    """Fail at once, with the address, when nothing listens at a tcp:// scheduler
    address (Dask's client would retry until its timeout)."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme in OTHER_TRANSPORTS:
        return  # Dask's client says what it finds
    if parts.scheme not in ("tcp", "tls"):
        raise ClusterError(
            f"bad Dask address {address!r}: give tcp://HOST:PORT (the scheduler's port, "
            "8786 by default, not its dashboard's) or local:N"
        )
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise ClusterError(f"bad Dask address {address!r}: give tcp://HOST:PORT or local:N")
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}; "
            "start one with `dask scheduler`, or give --dask local:N"
        ) from None


#: Transports Dask's client speaks besides TCP and TLS, passed to it as they are.
OTHER_TRANSPORTS = ("ucx", "ws", "wss", "inproc")


def _connect(distributed: Any, target: Any, address: str) -> Any:
    """A Dask client of the scheduler at `target`.

    Something other than a scheduler at the address (its dashboard, any web server)
    can leave Dask's handshake waiting without end, or fail inside Dask's decoding:
    the client is made in a thread given CONNECT_TIMEOUT and a margin, and any failure
    becomes one ClusterError.

    Raises:
        ClusterError: no Dask scheduler answered at the address.
    """
    made: list[Any] = []
    failed: list[BaseException] = []

    def connect() -> None:
        try:
            made.append(distributed.Client(target, timeout=CONNECT_TIMEOUT))
        except BaseException as exc:  # reported in the caller's thread below
            failed.append(exc)

    worker = threading.Thread(target=connect, name="dask-connect", daemon=True)
    worker.start()
    worker.join(CONNECT_TIMEOUT * 2)
    if made:
        return made[0]
    reason = (
        f"{type(failed[0]).__name__}: {failed[0]}".strip().rstrip(":")
        if failed
        else f"no answer in {CONNECT_TIMEOUT * 2:g}s"
    )
    raise ClusterError(
        f"no Dask scheduler answered at {address} ({reason[:200]}); is it the scheduler's "
        "port (8786 by default), not its dashboard's?"
    )
