"""Crashes and concurrent use: a killed writer never damages the last commit, never
leaves a lock behind, and a re-run completes the rest exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchlib import Index

from .conftest import write_jsonl

WRITER = """
import sys
from searchlib import Index
def progress(p):
    print(p.report.added, flush=True)
with Index.open_or_create(sys.argv[1]) as ix:
    ix.add(sys.argv[2], batch_size=int(sys.argv[3]), workers=1, progress=progress)
print("done", flush=True)
"""


def _start_writer(index: Path, corpus: Path, batch: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(index), str(corpus), str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _corpus(tmp_path: Path, count: int) -> Path:
    records = [
        {"id": f"r{i}", "title": f"Record {i}", "body": f"kingfisher sighting number {i} " * 20}
        for i in range(count)
    ]
    return write_jsonl(tmp_path / "records.jsonl", records)


@pytest.mark.parametrize("kill_after", [150, 420, 777])
def test_sigkill_keeps_last_commit_and_rerun_completes(tmp_path: Path, kill_after: int) -> None:
    corpus = _corpus(tmp_path, 1000)
    index = tmp_path / "ix"
    writer = _start_writer(index, corpus, batch=100)
    assert writer.stdout is not None
    for line in writer.stdout:
        if line.strip().isdigit() and int(line) >= kill_after:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
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
