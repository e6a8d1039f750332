#!/usr/bin/env python3
"""Benchmark ingest and search side by side, in one run on the same corpus and machine.

    python scripts/import_reuters.py ../shared/data/corpora/reuters21578 reuters.jsonl
    python scripts/bench.py reuters.jsonl
    python scripts/bench.py reuters.jsonl --repeat 3 --queries 300
    python scripts/bench.py reuters.jsonl --engines searchlib --repeat 1 --api

Prints, with medians over --repeat runs: ingest docs/s for searchlib, for raw
single-process Whoosh with the same schema on the same records, and for SQLite FTS5;
query p50/p95 over one fixed set of 2-3-word OR queries for searchlib (library, the
index opened and one query run first) and FTS5 (bm25 order), in passes that alternate
between the two, each pass on a freshly opened index; `searchlib search` wall time from the shell; index
sizes; peak memory of each ingest (the resident memory of its process and its workers,
summed); and the ratios. Each ingest runs in a subprocess so its memory and imports are
its own. The machine is shared and noisy: compare the ratios, which are measured in the
same run.

With --api (opt-in), `searchlib serve` is started on the searchlib index the run built
and a bounded local load generator (--api-concurrency clients, each on one kept-alive
connection, sharing --api-requests requests of the fixed query set) measures p50/p95 ms
and requests/s of /api/search and of the search page, with one client and with 50.
Client and server share the machine's cores, so the figures are a floor for a server
of its own.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode


def _records(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def ingest_searchlib(corpus: Path, target: Path) -> dict[str, Any]:
    from searchlib import Index

    start = time.perf_counter()
    with Index.create(target) as ix:
        report = ix.add(corpus)
    return {"seconds": time.perf_counter() - start, "docs": report.added}


def ingest_whoosh(corpus: Path, target: Path) -> dict[str, Any]:
    """A default single-process Whoosh writer with the same fields and analysis chain as
    searchlib's (which analyses in its cleaning workers), fed the records as given."""
    from whoosh import index as windex
    from whoosh.fields import ID, STORED, TEXT, Schema

    from searchlib.engine.schema import name_analyzer, text_analyzer

    schema = Schema(
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=text_analyzer(), stored=True, phrase=True),
        body=STORED(),
        content=TEXT(analyzer=text_analyzer(), phrase=True),
        source=TEXT(analyzer=name_analyzer(), stored=True, phrase=True),
        source_key=ID(sortable=True),
        tags=TEXT(analyzer=name_analyzer(), stored=True, phrase=True),
    )
    start = time.perf_counter()
    target.mkdir(parents=True)
    ix = windex.create_in(str(target), schema)
    writer = ix.writer()
    docs = 0
    for record in _records(corpus):
        title, body = record.get("title") or "", record.get("body") or ""
        writer.add_document(
            id=record["id"],
            title=title,
            body=body,
            content=f"{title}\n\n{body}",
            source=record.get("source") or "",
            source_key=record.get("source") or "",
            tags="\n".join(record.get("tags") or []),
        )
        docs += 1
    writer.commit()
    return {"seconds": time.perf_counter() - start, "docs": docs}


def ingest_fts5(corpus: Path, target: Path) -> dict[str, Any]:
    start = time.perf_counter()
    db = sqlite3.connect(target)
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='porter unicode61')"
    )
    docs = 0
    with db:
        for record in _records(corpus):
            db.execute(
                "INSERT INTO docs VALUES (?, ?, ?)",
                (record["id"], record.get("title") or "", record.get("body") or ""),
            )
            docs += 1
    db.close()
    return {"seconds": time.perf_counter() - start, "docs": docs}


ENGINES = {"searchlib": ingest_searchlib, "whoosh": ingest_whoosh, "fts5": ingest_fts5}


def _tree_rss_kb(root: int) -> int:
    """Resident memory of process `root` and all its descendants, in KB (Linux /proc)."""
    parents: dict[int, int] = {}
    pages: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        pid = int(entry.name)
        parents[pid], pages[pid] = int(fields[1]), int(fields[21])
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(pages.get(pid, 0) for pid in tree) * (os.sysconf("SC_PAGE_SIZE") // 1024)


class _MemoryWatch(threading.Thread):
    """Samples the summed memory of this process and its workers: the peak of the sum,
    which ru_maxrss (the peak of the largest single process) understates."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))


def _child(engine: str, corpus: str, target: str) -> None:
    watch = _MemoryWatch() if Path("/proc/self/stat").exists() else None
    if watch is not None:
        watch.start()
    result = ENGINES[engine](Path(corpus), Path(target))
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["max_rss_mb"] = max(usage, children) / 1024
    if watch is not None:
        watch.stopped.set()
        watch.join()
        result["max_rss_mb"] = max(result["max_rss_mb"], watch.peak_kb / 1024)
    print(json.dumps(result))


def run_ingest(engine: str, corpus: Path, target: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", engine, str(corpus), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def make_queries(corpus: Path, count: int, seed: int = 7) -> list[list[str]]:
    """Fixed 2-3-word queries drawn from the corpus's own headlines."""
    rng = random.Random(seed)
    words: list[list[str]] = []
    for record in _records(corpus):
        title = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", record.get("title") or "")]
        if len(title) >= 3:
            words.append(title)
        if len(words) >= 20000:
            break
    queries = []
    for _ in range(count):
        title = rng.choice(words)
        queries.append(rng.sample(title, rng.choice((2, 3))))
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def time_searchlib(index: Path, queries: list[list[str]]) -> list[float]:
    from searchlib import Index

    times = []
    with Index.open(index) as ix:
        ix.search(" ".join(queries[0]))  # open the searcher once, as a library user would
        for words in queries:
            start = time.perf_counter()
            ix.search(" ".join(words), limit=10)
            times.append(time.perf_counter() - start)
    return times


def time_fts5(db_path: Path, queries: list[list[str]]) -> list[float]:
    db = sqlite3.connect(db_path)
    times = []
    for words in queries:
        expression = " OR ".join(f'"{w}"' for w in words)
        start = time.perf_counter()
        db.execute(
            "SELECT id, title, snippet(docs, 2, '[', ']', '…', 20) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10",
            (expression,),
        ).fetchall()
        times.append(time.perf_counter() - start)
    db.close()
    return times


def time_cli(index: Path, query: str, repeat: int) -> float:
    exe = shutil.which("searchlib") or ""
    command = [exe] if exe else [sys.executable, "-m", "searchlib"]
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [*command, "--index", str(index), "search", query, "--no-color"],
            capture_output=True,
            check=False,
        )
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def _serve(index: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`searchlib serve` on `index` in its own process, once it answers; and its port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [sys.executable, "-m", "searchlib", "serve", "--index", str(index)]
    server = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/stats")
            if connection.getresponse().status == 200:
                connection.close()
                return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    server.wait()
    raise SystemExit(f"searchlib serve did not answer on port {port}")


def load(port: int, paths: list[str], concurrency: int) -> tuple[list[float], float, int]:
    """GET each of `paths` once, from `concurrency` threads that each keep one connection
    alive and take the next path when their last response is read. Returns the latencies
    in seconds, the wall time, and how many responses were not 200."""
    pending = iter(paths)
    lock = threading.Lock()
    latencies: list[float] = []
    failures = 0

    def worker() -> None:
        nonlocal failures
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        bad = 0
        while True:
            with lock:
                path = next(pending, None)
            if path is None:
                break
            start = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            bad += response.status != 200
        connection.close()
        with lock:
            latencies.extend(mine)
            failures += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - start, failures


def bench_api(
    index: Path, queries: list[list[str]], requests: int, concurrencies: list[int]
) -> None:
    """Each route at each concurrency: one client shows a request's own time, many show
    it with the queueing a single server process adds (latency ≈ clients / throughput)."""
    server, port = _serve(index)
    try:
        texts = [" ".join(words) for words in queries]
        print(
            f"\nserve ({requests} requests of the fixed queries per line, one server process)"
            "\n  route            clients   p50 ms   p95 ms   req/s   non-200"
        )
        for label, route in (("/api/search", "/api/search?"), ("/ (search page)", "/?")):
            paths = [route + urlencode({"q": texts[i % len(texts)]}) for i in range(requests)]
            for concurrency in concurrencies:
                load(port, paths[: 2 * concurrency], concurrency)  # warm up the connections
                latencies, wall, failures = load(port, paths, concurrency)
                print(
                    f"  {label:<16} {concurrency:>7} {percentile(latencies, 0.5) * 1000:>8.1f}"
                    f" {percentile(latencies, 0.95) * 1000:>8.1f} {len(latencies) / wall:>7.0f}"
                    f" {failures:>9}"
                )
    finally:
        server.terminate()
        server.wait()


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(*sys.argv[2:5])
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path, help="JSON-lines records (scripts/import_reuters.py)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="ingest runs and query passes per engine (default 3)"
    )
    parser.add_argument(
        "--queries", type=int, default=300, help="queries in the fixed set (default 300)"
    )
    parser.add_argument("--engines", default="searchlib,whoosh,fts5")
    parser.add_argument(
        "--api",
        action="store_true",
        help="also load `searchlib serve` on the searchlib index (/api/search and /)",
    )
    parser.add_argument(
        "--api-requests",
        type=int,
        default=2000,
        help="requests per route with --api (default 2000)",
    )
    parser.add_argument(
        "--api-concurrency",
        default="1,50",
        help="concurrent clients with --api, one run per number (default 1,50)",
    )
    args = parser.parse_args()
    engines = args.engines.split(",")
    if args.api and "searchlib" not in engines:
        parser.error("--api serves the searchlib index: keep searchlib in --engines")
    work = Path(tempfile.mkdtemp(prefix="searchlib-bench-"))
    try:
        ingest: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
        targets = {
            "searchlib": work / "searchlib",
            "whoosh": work / "whoosh",
            "fts5": work / "fts5.db",
        }
        for round_ in range(args.repeat):
            for engine in engines:  # interleaved, so drift in machine load hits all alike
                target = targets[engine]
                if target.exists():
                    shutil.rmtree(target) if target.is_dir() else target.unlink()
                ingest[engine].append(run_ingest(engine, args.corpus, target))
                print(
                    f"  round {round_ + 1} {engine}: {ingest[engine][-1]['seconds']:.1f}s",
                    file=sys.stderr,
                )
        rates = {
            e: statistics.median(r["docs"] / r["seconds"] for r in runs)
            for e, runs in ingest.items()
        }
        print(
            f"corpus {args.corpus} · {ingest[engines[0]][0]['docs']} docs · {os.cpu_count()} cores · median of {args.repeat}"
        )
        print("\ningest            docs/s   peak RSS MB   index MB")
        for engine in engines:
            peak = max(r["max_rss_mb"] for r in ingest[engine])
            print(
                f"  {engine:<12} {rates[engine]:>9.0f} {peak:>12.0f} {size_of(targets[engine]) / 2**20:>10.1f}"
            )
        if "whoosh" in rates and "searchlib" in rates:
            print(f"  searchlib / raw whoosh ingest: {rates['searchlib'] / rates['whoosh']:.2f}x")
        if "fts5" in rates and "searchlib" in rates:
            print(f"  searchlib / fts5 ingest:       {rates['searchlib'] / rates['fts5']:.2f}x")
        queries = make_queries(args.corpus, args.queries)
        print(
            f"\nqueries ({len(queries)} fixed 2-3-word OR queries, top 10;"
            f" median of {args.repeat} passes)   p50 ms   p95 ms"
        )
        timers = {"searchlib": time_searchlib, "fts5": time_fts5}
        passes: dict[str, list[tuple[float, float]]] = {e: [] for e in engines if e in timers}
        for _ in range(args.repeat):
            for engine in passes:  # interleaved, each pass on a freshly opened index
                times = timers[engine](targets[engine], queries)
                passes[engine].append((percentile(times, 0.5), percentile(times, 0.95)))
        p50 = {e: statistics.median(p for p, _ in runs) for e, runs in passes.items()}
        p95 = {e: statistics.median(p for _, p in runs) for e, runs in passes.items()}
        for engine in passes:
            rounds = ", ".join(f"{p * 1000:.1f}" for p, _ in passes[engine])
            print(
                f"  {engine:<12} {p50[engine] * 1000:>8.1f} {p95[engine] * 1000:>8.1f}"
                f"   (p50 of each pass: {rounds})"
            )
        if len(passes) == 2:
            print(f"  searchlib / fts5 p50: {p50['searchlib'] / p50['fts5']:.2f}")
        if "searchlib" in engines:
            wall = time_cli(targets["searchlib"], " ".join(queries[0]), 5)
            print(f"\n`searchlib search` from the shell: {wall:.3f}s wall (median of 5)")
        if args.api:
            concurrencies = [int(n) for n in args.api_concurrency.split(",")]
            bench_api(targets["searchlib"], queries, args.api_requests, concurrencies)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
