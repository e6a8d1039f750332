#!/usr/bin/env python3
"""Benchmark ingest and search side by side, in one run on the same corpus and machine.

    python scripts/import_reuters.py ../shared/data/corpora/reuters21578 reuters.jsonl
    python scripts/bench.py reuters.jsonl
    python scripts/bench.py reuters.jsonl --repeat 3 --queries 300
    python scripts/bench.py reuters.jsonl --engines searchlib --repeat 1 --api
    python scripts/import_reuters.py ../shared/data/corpora/reuters21578 reuters50x.jsonl --scale 50
    python scripts/bench.py reuters.jsonl --scale-run reuters50x.jsonl   # opt-in: about an hour
    python scripts/bench.py reuters.jsonl --scale-run reuters10x.jsonl --scale-run reuters50x.jsonl

Prints, with medians over --repeat runs: ingest docs/s for searchlib, for raw
single-process Whoosh with the same schema on the same records, and for SQLite FTS5;
query p50/p95 for searchlib (library, the index opened and one query run first) and
FTS5 (bm25 order) over three fixed query sets drawn from the corpus (OR of the words,
top 10): 2-3 words of a headline; 6-8 words of one story's body, in their order (a
known-item search: how often that story is in the top 10 is printed too); and 15-20
words, a headline's words and then its body's (a question pasted whole). Query passes
alternate between the engines, each on a freshly opened index. Then `searchlib search`
wall time from the shell (median of 5, bytecode compiled as in an installed package);
index sizes; peak memory of each ingest (the resident memory of its process and its
workers, summed); and the ratios. Each ingest runs in a subprocess so its memory and
imports are its own. The machine is shared and noisy: compare the ratios, which are
measured in the same run.

With --scale-run BIG (opt-in: a million records take about an hour on two cores), the
same run then ingests BIG once with searchlib and FTS5 (raw Whoosh would take hours),
and prints its ingest time as a multiple of the corpus's median in this run, its peak
memory, the segments it ends in, and the three query sets (one pass, their p95 also as
a multiple of the corpus's) and the shell search on it. --scale-run may be given more
than once (a 10x and a 50x corpus, say): each is run in turn. --optimize adds `searchlib optimize` on the big index (time and peak
memory) and the queries again after it.

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
from dataclasses import dataclass
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


def optimize_searchlib(corpus: Path, target: Path) -> dict[str, Any]:
    """`Index.optimize` on the index at `target` (`corpus` is not read)."""
    from searchlib import Index

    start = time.perf_counter()
    with Index.open(target) as ix:
        merged = ix.optimize()
    return {"seconds": time.perf_counter() - start, "docs": 0, "merged": merged}


ENGINES = {
    "searchlib": ingest_searchlib,
    "whoosh": ingest_whoosh,
    "fts5": ingest_fts5,
    "optimize": optimize_searchlib,
}


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


#: Records read from the head of the corpus to draw queries from: enough for variety,
#: few enough that a million-record corpus is not read twice.
QUERY_SOURCES = 20_000

#: The query sets: a label and how many words a query has. Short queries are what
#: people type; known-item queries recall words of one story; questions are pasted
#: whole, and every word of them is looked up.
QUERY_SETS = {
    "short": ("2-3 words of a headline", (2, 3)),
    "known": ("6-8 words of a story (known item)", tuple(range(6, 9))),
    "question": ("15-20 words (a question)", tuple(range(15, 21))),
}


@dataclass(frozen=True)
class Query:
    """The words of one query, and the story it was drawn from (the known item)."""

    words: tuple[str, ...]
    source: str

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _words(text: str) -> list[str]:
    """The words of at least four letters: no stopwords or query operators."""
    return [w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)]


def make_queries(corpus: Path, count: int, seed: int = 7) -> dict[str, list[Query]]:
    """`count` fixed queries of each set, drawn from the stories at the head of the
    corpus that have a headline of three such words and a body of twenty."""
    rng = random.Random(seed)
    stories: list[tuple[str, list[str], list[str]]] = []
    for record in _records(corpus):
        title, body = _words(record.get("title") or ""), _words(record.get("body") or "")
        if len(title) >= 3 and len(body) >= 20:
            stories.append((str(record["id"]), title, body))
        if len(stories) >= QUERY_SOURCES:
            break
    queries: dict[str, list[Query]] = {name: [] for name in QUERY_SETS}
    for _ in range(count):
        doc_id, title, body = rng.choice(stories)
        queries["short"].append(Query(tuple(rng.sample(title, rng.choice((2, 3)))), doc_id))
        size = rng.choice(QUERY_SETS["known"][1])
        picked = sorted(rng.sample(range(len(body)), size))  # in the story's order
        queries["known"].append(Query(tuple(body[at] for at in picked), doc_id))
        size = rng.choice(QUERY_SETS["question"][1])
        extra = sorted(rng.sample(range(len(body)), min(len(body), max(0, size - len(title)))))
        words = (title + [body[at] for at in extra])[:size]
        queries["question"].append(Query(tuple(words), doc_id))
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


#: What one pass over a query set gives: each query's seconds, and how many of the
#: queries had the story they were drawn from in their top 10.
Timed = tuple[list[float], int]


def time_searchlib(index: Path, sets: dict[str, list[Query]]) -> dict[str, Timed]:
    from searchlib import Index

    out: dict[str, Timed] = {}
    with Index.open(index) as ix:
        ix.search(next(iter(sets.values()))[0].text)  # open the searcher, as a user would
        for name, queries in sets.items():
            times, found = [], 0
            for query in queries:
                start = time.perf_counter()
                hits = ix.search(query.text, limit=10)
                times.append(time.perf_counter() - start)
                found += any(hit.id == query.source for hit in hits)
            out[name] = (times, found)
    return out


def time_fts5(db_path: Path, sets: dict[str, list[Query]]) -> dict[str, Timed]:
    out: dict[str, Timed] = {}
    db = sqlite3.connect(db_path)
    for name, queries in sets.items():
        times, found = [], 0
        for query in queries:
            expression = " OR ".join(f'"{w}"' for w in query.words)
            start = time.perf_counter()
            rows = db.execute(
                "SELECT id, title, snippet(docs, 2, '[', ']', '…', 20) FROM docs"
                " WHERE docs MATCH ? ORDER BY rank LIMIT 10",
                (expression,),
            ).fetchall()
            times.append(time.perf_counter() - start)
            found += any(row[0] == query.source for row in rows)
        out[name] = (times, found)
    db.close()
    return out


TIMERS = {"searchlib": time_searchlib, "fts5": time_fts5}


def bench_queries(
    targets: dict[str, Path], engines: list[str], sets: dict[str, list[Query]], passes: int
) -> dict[str, dict[str, tuple[float, float]]]:
    """Time every query set on each engine, in `passes` passes that alternate between
    the engines (so drift in machine load hits all alike); print p50/p95 (the median
    over passes) and the known item's top-10 share; return (p50, p95) by set and engine."""
    timed = [e for e in engines if e in TIMERS]
    runs: dict[str, list[dict[str, Timed]]] = {e: [] for e in timed}
    for _ in range(passes):
        for engine in timed:
            runs[engine].append(TIMERS[engine](targets[engine], sets))
    count = len(next(iter(sets.values())))
    print(
        f"\nqueries ({count} fixed OR queries a set, top 10; median of {passes} passes)"
        "\n  set                                  engine      p50 ms   p95 ms   top-10 hit"
    )
    stats: dict[str, dict[str, tuple[float, float]]] = {}
    for name, (label, _) in QUERY_SETS.items():
        stats[name] = {}
        for engine in timed:
            p50 = statistics.median(percentile(r[name][0], 0.5) for r in runs[engine])
            p95 = statistics.median(percentile(r[name][0], 0.95) for r in runs[engine])
            found = runs[engine][-1][name][1] / count
            rounds = ", ".join(f"{percentile(r[name][0], 0.5) * 1000:.1f}" for r in runs[engine])
            print(
                f"  {label:<36} {engine:<10} {p50 * 1000:>7.1f} {p95 * 1000:>8.1f}"
                f" {found:>11.0%}   (p50 of each pass: {rounds})"
            )
            stats[name][engine] = p50, p95
        if len(timed) == 2:
            ratio = stats[name]["searchlib"][0] / stats[name]["fts5"][0]
            print(f"  {'':<36} searchlib / fts5 p50: {ratio:.2f}")
    return stats


def time_cli(index: Path, query: str, repeat: int, pycache: Path) -> float:
    """Median wall time of `searchlib search` from the shell, as an installed package
    runs it: with its bytecode compiled (into `pycache`, by one untimed run first; a
    PYTHONDONTWRITEBYTECODE in the environment would otherwise compile every module
    on every run)."""
    exe = shutil.which("searchlib") or ""
    command = [exe] if exe else [sys.executable, "-m", "searchlib"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    walls = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(
            [*command, "--index", str(index), "search", query, "--no-color"],
            capture_output=True,
            check=False,
            env=env,
        )
        walls.append(time.perf_counter() - start)
    return statistics.median(walls[1:])


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


def bench_api(index: Path, texts: list[str], requests: int, concurrencies: list[int]) -> None:
    """Each route at each concurrency: one client shows a request's own time, many show
    it with the queueing a single server process adds (latency ≈ clients / throughput)."""
    server, port = _serve(index)
    try:
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


def _print_ingest(
    ingest: dict[str, list[dict[str, Any]]], targets: dict[str, Path], rates: dict[str, float]
) -> None:
    print("\ningest            docs/s   peak RSS MB   index MB")
    for engine, runs in ingest.items():
        peak = max(r["max_rss_mb"] for r in runs)
        print(
            f"  {engine:<12} {rates[engine]:>9.0f} {peak:>12.0f}"
            f" {size_of(targets[engine]) / 2**20:>10.1f}"
        )


def _segments(index: Path) -> int:
    from searchlib import Index

    with Index.open(index) as ix:
        return ix.stats().segments


def scale_run(
    big: Path,
    work: Path,
    engines: list[str],
    base_seconds: dict[str, float],
    base_queries: dict[str, dict[str, tuple[float, float]]],
    queries: int,
    optimize: bool,
) -> None:
    """Ingest `big` once with each engine, compare with the corpus's median ingest
    time and query p95s of the same run, and query it (see the module's docstring)."""
    targets = {"searchlib": work / f"{big.stem}-searchlib", "fts5": work / f"{big.stem}-fts5.db"}
    engines = [e for e in engines if e in targets]
    print(f"\nscale run: {big}")
    ingest = {}
    for engine in engines:
        ingest[engine] = run_ingest(engine, big, targets[engine])
        print(f"  {engine}: {ingest[engine]['seconds']:.0f}s", file=sys.stderr)
    print("  engine          docs   ingest s   x corpus's   peak RSS MB   index MB")
    for engine, result in ingest.items():
        times = result["seconds"] / base_seconds[engine] if engine in base_seconds else 0.0
        print(
            f"  {engine:<10} {result['docs']:>9} {result['seconds']:>10.0f} {times:>11.1f}x"
            f" {result['max_rss_mb']:>13.0f} {size_of(targets[engine]) / 2**20:>10.0f}"
        )
    if "searchlib" in engines:
        print(f"  searchlib segments: {_segments(targets['searchlib'])}")
    sets = make_queries(big, queries)
    stats = bench_queries(targets, engines, sets, 1)
    for engine in engines:
        ratios = ", ".join(
            f"{name} {stats[name][engine][1] / base_queries[name][engine][1]:.1f}x"
            for name in QUERY_SETS
            if engine in base_queries.get(name, {})
        )
        print(f"  {engine} p95 / the corpus's p95: {ratios}")
    if "searchlib" in engines:
        query = sets["short"][0].text
        wall = time_cli(targets["searchlib"], query, 5, work / "pycache")
        print(f"\n`searchlib search` on the big index: {wall:.3f}s wall (median of 5)")
        if optimize:
            result = run_ingest("optimize", big, targets["searchlib"])
            print(
                f"\n`optimize`: {result['merged']} segments merged in {result['seconds']:.0f}s,"
                f" peak RSS {result['max_rss_mb']:.0f} MB (summed over processes)"
            )
            bench_queries(targets, ["searchlib"], sets, 1)


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
        "--queries", type=int, default=300, help="queries in each fixed set (default 300)"
    )
    parser.add_argument("--engines", default="searchlib,whoosh,fts5")
    parser.add_argument(
        "--scale-run",
        type=Path,
        metavar="BIG",
        action="append",
        default=[],
        help="then ingest and query BIG (a --scale corpus) once with searchlib and fts5"
        " (repeatable: each in turn)",
    )
    parser.add_argument(
        "--optimize",
        action="store_true",
        help="with --scale-run: also time `optimize` on the big index and query it again",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the indexes built (their folder is printed)"
    )
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
            f"corpus {args.corpus} · {ingest[engines[0]][0]['docs']} docs"
            f" · {os.cpu_count()} cores · median of {args.repeat}"
        )
        _print_ingest(ingest, targets, rates)
        for engine in engines:
            rounds = ", ".join(f"{r['seconds']:.1f}" for r in ingest[engine])
            print(f"  {engine} ingest seconds: {rounds}")
        if "whoosh" in rates and "searchlib" in rates:
            print(f"  searchlib / raw whoosh ingest: {rates['searchlib'] / rates['whoosh']:.2f}x")
        if "fts5" in rates and "searchlib" in rates:
            print(f"  searchlib / fts5 ingest:       {rates['searchlib'] / rates['fts5']:.2f}x")
        if "searchlib" in engines:
            print(f"  searchlib segments: {_segments(targets['searchlib'])}")
        sets = make_queries(args.corpus, args.queries)
        base_queries = bench_queries(targets, engines, sets, args.repeat)
        if "searchlib" in engines:
            wall = time_cli(targets["searchlib"], sets["short"][0].text, 5, work / "pycache")
            print(f"\n`searchlib search` from the shell: {wall:.3f}s wall (median of 5)")
        if args.api:
            concurrencies = [int(n) for n in args.api_concurrency.split(",")]
            texts = [query.text for query in sets["short"]]
            bench_api(targets["searchlib"], texts, args.api_requests, concurrencies)
        seconds = {e: statistics.median(r["seconds"] for r in runs) for e, runs in ingest.items()}
        for big in args.scale_run:
            scale_run(big, work, engines, seconds, base_queries, args.queries, args.optimize)
    finally:
        if args.keep:
            print(f"\nindexes kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
