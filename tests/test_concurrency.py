"""Writers under an adversary: runs at the same time, a killed parent, Ctrl-C, a full disk.

Each test runs `searchlib index` in a session of its own, so that every process it
starts (the writer and its workers) is in one process group, found by scanning /proc.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from searchlib import Index
from searchlib.errors import IndexWriteError

from .conftest import load_script, write_jsonl

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds processes through /proc"
)

#: scripts/stress.py, whose trials these are on a small corpus: it finds processes.
stress = load_script("stress")


def _corpus(tmp_path: Path, count: int) -> tuple[Path, list[str]]:
    ids = [f"c{i}" for i in range(count)]
    records = [
        {"id": doc_id, "title": f"Crane {i}", "body": f"crane {i} over marsh {i % 31} " * 30}
        for i, doc_id in enumerate(ids)
    ]
    return write_jsonl(tmp_path / "cranes.jsonl", records), ids


class _Runs:
    """Runs of `searchlib index`, each in a session of its own (its pid is its process
    group's id); whatever is left of them is killed when the test ends."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self, index: Path, corpus: Path, *options: str, output: bool = True
    ) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "searchlib", "index", "--index", str(index)]
        run = subprocess.Popen(
            [*command, *options, str(corpus)],
            stdout=subprocess.PIPE if output else subprocess.DEVNULL,
            stderr=subprocess.PIPE if output else subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.started.append(run)
        return run

    def kill_all(self) -> None:
        for run in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)  # its workers too, orphaned or not
            run.communicate()


@pytest.fixture
def runs() -> Iterator[_Runs]:
    started = _Runs()
    yield started
    started.kill_all()


def _children(parent: int) -> list[int]:
    return [pid for pid, of, _ in stress.processes() if of == parent]


def _left_after(group: int, seconds: float) -> list[int]:
    """The processes of `group` still alive after waiting up to `seconds` for them."""
    deadline = time.monotonic() + seconds
    while (left := stress.in_group(group)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    return left


def _wait_for_workers(process: subprocess.Popen[str], count: int) -> None:
    deadline = time.monotonic() + 60
    while len(_children(process.pid)) < count:
        assert process.poll() is None, "the run ended before its workers started"
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _ids(index: Path) -> list[str]:
    with Index.open(index) as ix:
        return [json.loads(line)["id"] for line in ix.export()]


def test_concurrent_runs_write_each_id_once(tmp_path: Path, runs: _Runs) -> None:
    """Three runs of one corpus at once, on an index none of them found: each decides
    what is new under the lock, against what the others committed, so every id is in
    the index once. (Each used to read the indexed ids once, then commit batch by
    batch, taking the lock again for each: the index held many ids twice.)"""
    corpus, ids = _corpus(tmp_path, 1200)
    index = tmp_path / "ix"
    started = [
        runs.start(index, corpus, "--workers", workers, "--batch-size", batch)
        for workers, batch in (("1", "40"), ("2", "30"), ("2", "50"))
    ]
    added = 0
    for run in started:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert "Traceback" not in err
        added += int(re.match(r"(\d+) added", out).group(1))  # type: ignore[union-attr]
    assert added == len(ids)
    assert Counter(_ids(index)) == Counter(ids)
    with Index.open(index) as ix:
        assert ix.check() == []


def test_a_killed_parent_leaves_no_worker_and_no_lock(tmp_path: Path, runs: _Runs) -> None:
    """kill -9 of a run with worker processes, in its first batch: the workers die with
    it (they used to go on, and could sit at exit waiting to hand over a report), and
    none holds the lock (they held a copy of it), so a re-run starts at once and
    completes the index."""
    corpus, ids = _corpus(tmp_path, 2000)
    index = tmp_path / "ix"
    run = runs.start(index, corpus, "--workers", "2", "--batch-size", "5000", output=False)
    _wait_for_workers(run, 2)
    time.sleep(0.3)  # the workers are cleaning and writing
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)  # (not for its output: workers left behind would hold it open)
    again = runs.start(index, corpus, "--lock-timeout", "0", "--workers", "2")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "waiting" not in err
    assert _left_after(run.pid, 5) == []
    assert Counter(_ids(index)) == Counter(ids)
    with Index.open(index) as ix:
        assert ix.check() == []


@pytest.mark.parametrize("target", ["group", "parent"])
def test_ctrl_c_exits_130_and_leaves_no_process(tmp_path: Path, runs: _Runs, target: str) -> None:
    """Ctrl-C, pressed again and again until the run ends, sent to the whole process
    group (as a terminal does) or to the parent alone: the run exits with 130, says
    so without a traceback, and leaves no worker behind. (A second Ctrl-C used to
    end it by the signal, or with a traceback, as it tidied up or exited.)"""
    corpus, _ = _corpus(tmp_path, 2000)
    index = tmp_path / "ix"
    run = runs.start(index, corpus, "--workers", "2", "--batch-size", "200")
    _wait_for_workers(run, 2)
    time.sleep(0.3)
    started = time.monotonic()
    while run.poll() is None and time.monotonic() - started < 30:
        try:
            if target == "group":
                os.killpg(run.pid, signal.SIGINT)
            else:
                os.kill(run.pid, signal.SIGINT)
        except ProcessLookupError:
            break  # it ended between the poll and the signal
        time.sleep(0.02)
    _, err = run.communicate(timeout=30)
    assert time.monotonic() - started < 10  # generous: it takes well under a second
    assert run.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert _left_after(run.pid, 5) == []
    with Index.open(index) as ix:
        assert ix.check() == []
        committed = len(ix)
    assert committed % 200 == 0  # whole batches only


class _FullDisk:
    """A file that fails as a full disk does once the processes writing the index
    (this one and its workers, which inherit it) have written `left` bytes."""

    def __init__(self, raw: Any, left: Any) -> None:
        self._raw = raw
        self._left = left

    def write(self, data: bytes) -> int:
        with self._left.get_lock():
            self._left.value -= len(data)
            full = self._left.value < 0
        if full:
            raise OSError(28, os.strerror(28))
        return int(self._raw.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _unlisted(index: Path) -> list[str]:
    """The files in the index folder that its last commit does not list."""
    from searchlib.engine import store

    ix = store.open_index(index)
    with ix.reader() as reader:
        listed = {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}
    unlisted = []
    for name in (entry.name for entry in index.iterdir()):
        kept = (f"{store.INDEX_NAME}_WRITELOCK", store.META_FILE)
        if name in kept or name == f"_{store.INDEX_NAME}_{ix.latest_generation()}.toc":
            continue
        segment = re.match(rf"({store.INDEX_NAME}_[0-9a-z]+)\.", name)
        if segment is None or segment.group(1) not in listed:
            unlisted.append(name)
    return unlisted


# When a write fails, Whoosh drops the half-written segment's files without closing them;
# they close when collected, so the warning about them is not this test's concern.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("workers", [1, 2])
def test_a_failed_batch_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The disk fills in the middle of a run's second batch: the files written for that
    batch (by the writer, or by the workers, which inherit the full disk) are removed
    at once, not left taking space until a later run commits; the run's first batch
    and the commits before it stay whole."""
    from searchlib.engine.store import DurableStorage

    index = tmp_path / "ix"
    with Index.create(index) as ix:
        ix.add(_corpus(tmp_path, 40)[0], batch_size=20)
    # A batch of `more` is about 110 kB of index files: the disk fills in the second.
    left = multiprocessing.Value("q", 160_000)
    original = DurableStorage.create_file

    def failing(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        made = original(self, name, *args, **kwargs)
        made.file = _FullDisk(made.file, left)
        return made

    monkeypatch.setattr(DurableStorage, "create_file", failing)
    more = write_jsonl(
        tmp_path / "more.jsonl",
        [{"id": f"m{i}", "title": "More", "body": f"heron {i} " * 300} for i in range(300)],
    )
    with Index.open(index) as ix, pytest.raises(IndexWriteError):
        ix.add(more, workers=workers, batch_size=100)
    monkeypatch.undo()
    gc.collect()  # close the dropped files here, under this test's warning filter
    assert _unlisted(index) == []
    with Index.open(index) as ix:
        assert ix.check() == []
        assert len(ix) == 140  # the first 40, and this run's first batch
        assert ix.add(more, workers=1).added == 200
