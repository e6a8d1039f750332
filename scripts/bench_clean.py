"""Measure `searchlib clean`: pages per second cleaned locally and on a local Dask
cluster, and the time to index the shards against indexing the raw inputs.

    python scripts/bench_clean.py SOURCES... [--workers 2] [--shard-size 50]

Every figure is measured in this run, on the same inputs; the ratios are what to
compare (the machine's load moves the absolute figures). The Dask cluster is started
before its run is timed, and its start-up reported apart.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from searchlib import Index
from searchlib.ingest.cluster import clean_corpus


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--shard-size", type=int, default=50, help="articles per shard (one task each)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-clean-"))
    n, size = args.workers, args.shard_size
    try:
        rows: list[tuple[str, float, int]] = []

        def clean(name: str, **options: Any) -> None:
            seconds, report = timed(
                lambda: clean_corpus(args.sources, work / name, shard_size=size, **options)
            )
            rows.append((name, seconds, report.articles))

        clean("local-1", workers=1)
        clean(f"local-{n}", workers=n)
        import distributed

        started, cluster = timed(
            lambda: distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
        )
        with cluster:
            clean(f"dask-{n}", dask=cluster.scheduler_address)
        same = all(
            (work / name / p.name).read_bytes() == p.read_bytes()
            for name, _, _ in rows[1:]
            for p in (work / "local-1").glob("part-*.jsonl.gz")
        )
        base = rows[0][1]
        print(f"clean ({size} articles a shard; the Dask cluster took {started:.1f}s to start)")
        for name, seconds, articles in rows:
            rate = articles / seconds
            print(
                f"  {name:10} {articles:6} articles {seconds:7.1f}s {rate:7.1f}/s  x{base / seconds:.2f}"
            )
        print(f"  shards identical across the runs: {same}")

        def index(folder: str, sources: list[Any]) -> Any:
            with Index.create(work / folder) as ix:
                return ix.add(sources, workers=n)

        raw_s, raw = timed(lambda: index("ix-raw", args.sources))
        shard_s, cleaned = timed(lambda: index("ix-shards", [work / "local-1"]))
        print(f"index ({n} workers)")
        print(f"  raw inputs {raw.added:6} docs {raw_s:7.1f}s")
        print(f"  shards     {cleaned.added:6} docs {shard_s:7.1f}s  x{raw_s / shard_s:.1f} faster")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
