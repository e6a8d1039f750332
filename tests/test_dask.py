"""`searchlib clean --dask` on a real `dask.distributed` LocalCluster of two worker
processes, shared by the module's tests (starting one takes seconds)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import distributed as dask_distributed
import pytest
from click.testing import CliRunner

from searchlib import Index
from searchlib.cli import EXIT_OK, cli
from searchlib.ingest.cluster import CleanProgress, clean_corpus

from .conftest import FIXTURES, SEED

distributed: Any = dask_distributed  # a dev dependency: these tests always run

#: Seconds a killed worker may take to leave the scheduler's list.
GONE_WITHIN = 10.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    """Twenty-four pages and texts, and one binary file to skip."""
    folder = tmp_path / "pages"
    folder.mkdir()
    sources = [*sorted((FIXTURES / "pages").glob("*.html")), SEED]
    for n in range(24):
        source = sources[n % len(sources)]
        (folder / f"{n:02d}-{source.name}").write_bytes(source.read_bytes())
    (folder / "blob.html").write_bytes(b"\x00\x01\x02" * 100)
    return folder


def shard_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("part-*.jsonl.gz"))}


def test_dask_shards_equal_a_local_run(cluster: Any, pages: Path, tmp_path: Path) -> None:
    local = clean_corpus([pages], tmp_path / "local", workers=1, shard_size=4)
    remote = clean_corpus([pages], tmp_path / "dask", dask=cluster.scheduler_address, shard_size=4)
    assert shard_bytes(tmp_path / "dask") == shard_bytes(tmp_path / "local")
    assert (remote.articles, remote.shards) == (local.articles, local.shards) == (24, 7)
    # A bad input is skipped with its reason, as locally.
    assert [(Path(n.source).name, n.reason) for n in remote.skipped] == [
        ("blob.html", "binary file")
    ]
    assert remote.skips.skip_counts == local.skips.skip_counts == {"binary file": 1}


def test_a_worker_killed_mid_run_loses_nothing(cluster: Any, pages: Path, tmp_path: Path) -> None:
    clean_corpus([pages], tmp_path / "local", workers=1, shard_size=1)
    killed: list[str] = []
    with distributed.Client(cluster.scheduler_address) as client:

        def kill_a_busy_worker(progress: CleanProgress) -> None:
            if killed:
                return
            busy = [w for w, tasks in client.processing().items() if tasks]
            if not busy:
                return
            killed.append(busy[0])
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + GONE_WITHIN
            while busy[0] in client.scheduler_info()["workers"]:
                assert time.monotonic() < deadline, "the worker was not killed"
                time.sleep(0.05)

        report = clean_corpus(
            [pages],
            tmp_path / "dask",
            dask=cluster.scheduler_address,
            shard_size=1,
            progress=kill_a_busy_worker,
        )
        client.wait_for_workers(2, timeout=GONE_WITHIN)  # the nanny starts a new one
    assert killed, "no worker was busy to kill"
    assert not report.failed and report.articles == 24
    assert shard_bytes(tmp_path / "dask") == shard_bytes(tmp_path / "local")


def test_dask_shards_index_as_the_pages_do(cluster: Any, pages: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    address = cluster.scheduler_address
    for args in (
        ["clean", str(pages), "--out", "shards", "--dask", address, "--shard-size", "5"],
        ["index", "--index", "raw", str(pages)],
        ["index", "--index", "cleaned", "shards"],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.startswith("24 added, 0 updated, 0 unchanged, 0 skipped")
    with Index.open(tmp_path / "raw") as raw, Index.open(tmp_path / "cleaned") as cleaned:
        for query in ("festival", "Putin summit", "tidal power", "café OR Innenstadt"):
            expected = [(h.id, h.title, h.score) for h in raw.search(query, limit=30)]
            assert [(h.id, h.title, h.score) for h in cleaned.search(query, limit=30)] == expected
            assert expected, query
        assert list(cleaned.export()) == list(raw.export())
    shutil.rmtree(tmp_path / "shards")


def test_a_scheduler_without_workers_is_one_line_not_a_wait(
    pages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchlib.ingest import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "WORKER_WAIT", 1.0)
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=":0") as empty:
        address = empty.scheduler_address
        result = CliRunner().invoke(
            cli, ["clean", str(pages), "--out", str(tmp_path / "out"), "--dask", address]
        )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: no Dask worker joined the scheduler at {address}")
    assert result.stderr.count("\n") == 1


def test_an_address_where_no_scheduler_answers_is_one_line_not_a_wait(
    pages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Something listens but never speaks Dask (a dashboard, any other server): the
    client's handshake would wait without end."""
    import socket

    from searchlib.ingest import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 1.0)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = CliRunner().invoke(
            cli, ["clean", str(pages), "--out", str(tmp_path / "out"), "--dask", address]
        )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: no Dask scheduler answered at {address}")
    assert result.stderr.count("\n") == 1
    assert time.monotonic() - started < 30
