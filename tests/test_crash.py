"""Crashes and concurrent use: a killed writer never damages the last commit, never
leaves a lock behind, and a re-run completes the rest exactly once."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchlib import Index
from searchlib.engine import mergepolicy

from .conftest import kill_at, write_jsonl

WRITER = """
import sys
from searchlib import Index
def progress(p):
    print(p.report.added, flush=True)
with Index.open_or_create(sys.argv[1]) as ix:
    ix.add(sys.argv[2], batch_size=int(sys.argv[3]), workers=int(sys.argv[4]), progress=progress)
print("done", flush=True)
"""


def _start_writer(index: Path, corpus: Path, batch: int, workers: int = 1) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(index), str(corpus), str(batch), str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _kill_when_paused(script: str, *args: str) -> None:
    """Run `script` in a subprocess, wait for it to say "paused", and kill it there."""
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "paused"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()


def _corpus(tmp_path: Path, count: int) -> Path:
    records = [
        {"id": f"r{i}", "title": f"Record {i}", "body": f"kingfisher sighting number {i} " * 20}
        for i in range(count)
    ]
    return write_jsonl(tmp_path / "records.jsonl", records)


@pytest.mark.parametrize(("kill_after", "workers"), [(150, 1), (420, 1), (777, 1), (420, 2)])
def test_sigkill_keeps_last_commit_and_rerun_completes(
    tmp_path: Path, kill_after: int, workers: int
) -> None:
    # With two workers, each writes a segment of its own and the parent commits them.
    corpus = _corpus(tmp_path, 1000)
    index = tmp_path / "ix"
    writer = _start_writer(index, corpus, batch=100, workers=workers)
    kill_at(writer, kill_after)
    with Index.open(index) as ix:
        committed = len(ix)
        assert committed % 100 == 0  # whole batches only
        assert committed <= kill_after + 100
        assert len(ix.search("kingfisher", limit=2000, collapse=False)) == committed
        report = ix.add(corpus, batch_size=100, lock_timeout=5)  # the lock died with its holder
        assert report.added == 1000 - committed
        assert report.unchanged == committed
        assert len(ix) == 1000
        assert ix.check() == []


def test_search_sees_last_commit_while_a_writer_runs(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, 2000)
    index = tmp_path / "ix"
    with Index.create(index) as ix:
        ix.add([{"id": "seed", "title": "Seed", "body": "kingfisher"}])
    writer = _start_writer(index, corpus, batch=500)
    assert writer.stdout is not None
    seen = []
    try:
        with Index.open(index) as ix:
            for line in writer.stdout:
                if line.startswith("done"):
                    break
                if int(line) % 100:
                    continue
                count = len(ix)  # the searcher reopens when another writer has committed
                assert (count - 1) % 500 == 0  # only ever whole commits
                assert ix.search("kingfisher", limit=3, snippets=False)
                seen.append(count)
            time.sleep(0.05)
            assert len(ix) == 2001
    finally:
        writer.wait(timeout=120)
        writer.stdout.close()
    assert seen


class _FullDisk:
    """A file that accepts `budget` bytes, then fails as a full disk does."""

    def __init__(self, raw, budget: list[int], error: int) -> None:  # type: ignore[no-untyped-def]
        self._raw = raw
        self._budget = budget
        self._error = error

    def write(self, data) -> int:  # type: ignore[no-untyped-def]
        self._budget[0] -= len(data)
        if self._budget[0] < 0:
            raise OSError(self._error, os.strerror(self._error))
        return int(self._raw.write(data))

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._raw, name)


# When a write fails, Whoosh drops the half-written segment's files without closing them;
# they close when collected, so the warning about them is not this test's concern.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize(
    ("error", "budget", "workers"),
    [(28, 20_000, 1), (28, 0, 1), (30, 0, 1), (28, 20_000, 2), (28, 0, 2)],  # ENOSPC, EROFS
)
def test_full_or_read_only_disk_keeps_the_last_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: int, budget: int, workers: int
) -> None:
    # With two workers the failing writes are theirs, in other processes.
    from searchlib.engine.store import DurableStorage
    from searchlib.errors import IndexWriteError

    index = tmp_path / "ix"
    with Index.create(index) as ix:
        ix.add(_corpus(tmp_path, 50))
    left = [budget]
    original = DurableStorage.create_file

    def failing(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        made = original(self, name, *args, **kwargs)
        made.file = _FullDisk(made.file, left, error)
        return made

    monkeypatch.setattr(DurableStorage, "create_file", failing)
    more = write_jsonl(
        tmp_path / "more.jsonl",
        [{"id": f"m{i}", "title": "More", "body": "heron " * 400} for i in range(300)],
    )
    with Index.open(index) as ix, pytest.raises(IndexWriteError) as raised:
        ix.add(more, workers=workers)
    assert os.strerror(error) in str(raised.value)
    del raised  # its traceback holds the dropped writer's files
    monkeypatch.undo()
    with Index.open(index) as ix:
        assert len(ix) == 50  # the failed batch left nothing behind
        assert ix.check() == []
        assert not ix.search("heron")
        report = ix.add(more, workers=1)  # space is back: the run completes
        assert report.added == 300 and len(ix) == 350
    gc.collect()  # close the dropped files here, under this test's warning filter


def test_segment_files_reach_the_disk_before_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import searchlib.engine.store as store

    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(Path(f"/proc/self/fd/{fd}").readlink().name)
        real_fsync(fd)

    monkeypatch.setattr(store.os, "fsync", recording_fsync)
    with Index.create(tmp_path / "ix") as ix:
        ix.add(_corpus(tmp_path, 20))
    suffixes = {Path(name).suffix for name in synced}
    assert {".trm", ".pst", ".col"} <= suffixes  # the segment's data
    assert any(".toc" in name for name in synced)  # the new table of contents
    assert "ix" in synced  # and the folder that names them


# A writer that stops inside its third commit, at a chosen moment, and says so.
PAUSING_WRITER = """
import sys, time
import whoosh.index
from whoosh.filedb.filestore import FileStorage
from searchlib import Index

moment = sys.argv[3]
calls = {"n": 0}

def pause_on_third(real):
    def paused(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            print("paused", flush=True)
            time.sleep(60)
        return real(*args, **kwargs)
    return paused

with Index.open_or_create(sys.argv[1]) as ix:  # creating writes a first, empty commit
    if moment == "segment-written":  # the segment's files are on disk, no contents table yet
        whoosh.index.TOC.write = pause_on_third(whoosh.index.TOC.write)
    else:  # the new table of contents is written under a temporary name, not yet renamed
        FileStorage.rename_file = pause_on_third(FileStorage.rename_file)
    ix.add(sys.argv[2], batch_size=100, workers=1)
"""


@pytest.mark.parametrize("moment", ["segment-written", "toc-not-renamed"])
def test_sigkill_inside_a_commit_keeps_the_commit_before(tmp_path: Path, moment: str) -> None:
    corpus = _corpus(tmp_path, 1000)
    index = tmp_path / "ix"
    _kill_when_paused(PAUSING_WRITER, str(index), str(corpus), moment)
    with Index.open(index) as ix:
        assert len(ix) == 200  # the two commits before; nothing of the third
        assert ix.check() == []
        assert len(ix.search("kingfisher", limit=2000, collapse=False)) == 200
        report = ix.add(corpus, batch_size=100, lock_timeout=5)
        assert (report.added, report.unchanged) == (800, 200)
        assert len(ix) == 1000 and ix.check() == []


MERGING_WRITER = """
import sys, time
import whoosh.index
from searchlib import Index

real = whoosh.index.TOC.write

def paused(*args, **kwargs):  # the merged segment is written; the old ones still listed
    print("paused", flush=True)
    time.sleep(60)
    return real(*args, **kwargs)

with Index.open(sys.argv[1]) as ix:
    whoosh.index.TOC.write = paused
    ix.optimize()
"""


def test_sigkill_during_a_merge_keeps_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "ix"
    monkeypatch.setattr(mergepolicy, "plan", lambda sizes: [])  # keep every batch's segment
    with Index.create(index) as ix:
        ix.add(_corpus(tmp_path, 300), batch_size=100)
        before = ix.stats().segments
    assert before >= 3
    _kill_when_paused(MERGING_WRITER, str(index))
    with Index.open(index) as ix:
        assert len(ix) == 300 and ix.check() == []
        assert ix.stats().segments == before  # the merge never happened
        assert ix.optimize() == before  # and can be run again
        assert len(ix) == 300 and ix.stats().segments == 1


RUN_MERGE_PAUSED = """
import sys, time
import searchlib.engine.segments
from searchlib import Index

real = searchlib.engine.segments.SegmentWorkers.merge

def paused(self, groups):  # the merged segments are written; the last commit lists the parts
    merged = real(self, groups)
    print("paused", flush=True)
    time.sleep(60)
    return merged

searchlib.engine.segments.SegmentWorkers.merge = paused
with Index.open(sys.argv[1]) as ix:
    ix.add(sys.argv[2], batch_size=40, workers=2)
"""


def test_sigkill_during_the_merge_at_the_end_of_a_run_keeps_its_batches(tmp_path: Path) -> None:
    index = tmp_path / "ix"
    Index.create(index).close()
    _kill_when_paused(RUN_MERGE_PAUSED, str(index), str(_corpus(tmp_path, 300)))
    with Index.open(index) as ix:
        # Every batch was committed before the merge began; the merge never landed.
        assert len(ix) == 300 and ix.check() == []
        # One segment per worker and batch of 40; a worker that took none of a batch's
        # records (the other was quicker) writes none.
        batches = -(-300 // 40)
        assert batches <= ix.stats().segments <= 2 * batches
        assert len(ix.search("kingfisher", limit=400, collapse=False)) == 300
        assert ix.add(_corpus(tmp_path, 300)).unchanged == 300
        assert ix.optimize() > 1 and len(ix) == 300 and ix.stats().segments == 1
    # The files the killed merge wrote were never listed, and the next commit removed them.
    assert len({f.name.split(".")[0] for f in index.glob("MAIN_*.*")}) == 1


def test_a_killed_writers_posting_pool_is_removed_by_the_next(tmp_path: Path) -> None:
    # A worker killed mid-batch leaves its posting-pool folder in the index folder.
    index = tmp_path / "ix"
    with Index.create(index) as ix:
        ix.add(_corpus(tmp_path, 5))
        stale = index / "MAIN.k3n1d2.tmp"
        stale.mkdir()
        (stale / "run.0").write_bytes(b"x" * 1000)
        ix.add({"id": "late", "title": "Late", "body": "a late kingfisher"})
        assert not stale.exists()
        assert len(ix) == 6


def test_a_writer_cancelled_while_its_runs_merge_prints_nothing(tmp_path: Path) -> None:
    """Ctrl-C while a writer's sorting pool merged its run files: cancelling removed
    the files, and each suspended run reader, once collected, failed to remove its
    own again, printed by Python as an "Exception ignored" traceback."""
    from searchlib.engine import store

    with Index.create(tmp_path / "ix"):
        pass
    ix = store.open_index(tmp_path / "ix")
    writer = store.acquire_writer(ix, tmp_path / "ix")
    pool = writer.pool
    for n in range(3):  # three run files on disk
        pool.add((b"content", f"w{n}".encode(), n, 1.0, b""))
        pool.save()
    merging = pool.items()
    next(iter(merging))  # the merge under way, each run's reader suspended
    store.cancel(writer)
    unraisable: list[object] = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        del merging
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert unraisable == []
