"""The merge policy: segments stay few across runs, merges stay cheap, and a process's
limit on open files neither stops `optimize` nor passes for a damaged index."""

from __future__ import annotations

import errno
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import searchlib
from searchlib import Index, IndexDamagedError, TooManyOpenFilesError
from searchlib.engine import merging, store
from searchlib.engine.mergepolicy import FACTOR, FLOOR, PER_TIER, allowed, balance, plan
from searchlib.ingest.documents import prepare
from searchlib.ingest.sources import read_sources

from .conftest import write_jsonl

WORDS = [
    "harbour",
    "ferry",
    "storm",
    "council",
    "budget",
    "wind",
    "farm",
    "strike",
    "flood",
    "bridge",
    "pier",
    "tide",
]


def _records(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"r{n}",
            "title": f"{WORDS[n % 12]} {WORDS[n * 7 % 12]} report {n}",
            "body": " ".join(WORDS[(n * k) % 12] for k in range(1, 9 + n % 23)) + f" item{n}",
            "date": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
        }
        for n in range(start, start + count)
    ]


def _bound(documents: int) -> float:
    """The policy's stated bound: PER_TIER segments in each tier of FLOOR, FLOOR *
    FACTOR, FLOOR * FACTOR**2, … documents that the index fills."""
    return max(PER_TIER, PER_TIER * (1 + math.log(documents / FLOOR, FACTOR)))


def _ranked(ix: Index, query: str) -> list[tuple[str, float]]:
    hits = ix.search(query, limit=1000, collapse=False, snippets=False)
    return sorted(((hit.id, hit.score) for hit in hits), key=lambda pair: (-pair[1], pair[0]))


def test_incremental_runs_keep_few_segments_and_the_results_of_one_run(
    tmp_path: Path, index_dir: Path
) -> None:
    # Sixteen runs of 50 documents, as two writing processes write them, left 32
    # segments, one per run and process, never merged. Now every run ends within the
    # policy's bound: for 800 documents, 6 segments (5 in the tier of 100 documents, and
    # one in that of 1,000, begun); 5 * (1 + log10(800 / 100)) = 9.5 bounds that.
    runs = [_records(50 * run, 50) for run in range(16)]
    with Index.create(index_dir) as ix:
        for number, records in enumerate(runs, 1):
            report = ix.add(write_jsonl(tmp_path / f"run{number}.jsonl", records), workers=2)
            assert report.added == 50
            documents = 50 * number
            assert ix.stats().segments <= allowed(documents) <= _bound(documents)
        assert ix.stats().segments <= 6
        assert len(ix) == 800 and ix.check() == []
        everything = [record for records in runs for record in records]
        with Index.create(tmp_path / "one") as one:
            one.add(write_jsonl(tmp_path / "all.jsonl", everything), workers=2)
            for query in ["harbour", "storm flood", "wind farm pier", "item7", '"ferry storm"']:
                got, expected = _ranked(ix, query), _ranked(one, query)
                assert [i for i, _ in got] == [i for i, _ in expected]
                assert all(
                    abs(a - b) <= 1e-9 * max(1.0, b)
                    for (_, a), (_, b) in zip(got, expected, strict=True)
                )


def test_the_plan_keeps_the_bound_and_copies_each_document_about_once_a_tier() -> None:
    # Many runs, simulated on sizes alone: 300 runs of two 50-document segments, 2,000
    # runs of one document, and a 20,000-document index taking 100-document runs.
    for first, runs, added in (([], 300, [50, 50]), ([], 2000, [1]), ([12000, 8000], 200, [100])):
        sizes = list(first)
        copied = 0
        for _ in range(runs):
            sizes += added
            groups = plan(sizes)
            merged = [sum(sizes[at] for at in group) for group in groups]
            copied += sum(merged)
            gone = {at for group in groups for at in group}
            sizes = [size for at, size in enumerate(sizes) if at not in gone] + merged
            assert len(sizes) <= allowed(sum(sizes)) <= _bound(sum(sizes))
        written = runs * sum(added)
        tiers = 1 + math.log(sum(sizes) / FLOOR, FACTOR)
        if sum(added) >= FLOOR:
            assert copied / written <= tiers  # each copy takes a document up a tier
        else:
            # Segments under the floor merge as if they held FLOOR documents: a run of
            # one document costs copying a few dozen, on average.
            assert copied / runs <= FLOOR / 2
    # A run's large segments within the bound are left alone: a full Reuters run on
    # two cores (three batches, two segments each) merges nothing.
    assert plan([5000, 5000, 5000, 5000, 789, 788]) == []
    # Segments of like size merge together; a large one does not join the small ones.
    assert plan([1000] + [30] * 8) == [[1, 2, 3, 4, 5, 6, 7, 8]]


def test_a_large_run_s_merges_are_shared_out_between_workers() -> None:
    """A million-story run leaves 148 segments of ~7,700 stories; the plan merges 100
    of them in one merge, which one worker made alone. Balanced, no merge holds more
    than a worker's share, the largest go first, and the index stays within bounds."""
    sizes = [7750] * 134 + [6000, 5000, 5000, 5000, 4900, 4900, 4500, 4500, 4000, 2700, 2600]
    sizes += [2100, 2000, 1000]
    planned = plan(sizes)
    assert max(len(group) for group in planned) >= 50  # what balancing is for
    groups = balance(planned, sizes, 2)
    docs = [sum(sizes[at] for at in group) for group in groups]
    assert docs == sorted(docs, reverse=True)
    assert max(docs) <= sum(docs) / 2
    assert sorted(at for group in groups for at in group) == sorted(
        at for group in planned for at in group
    )  # the same segments merged, each once
    assert all(len(group) >= 2 for group in groups)
    left = len(sizes) - sum(len(group) - 1 for group in groups)
    assert left == len(sizes) - sum(len(group) - 1 for group in planned) + 1
    assert left <= allowed(sum(sizes))
    # One worker, or merges within a share already: the plan as it was, largest first.
    assert balance(planned, sizes, 1) == sorted(
        planned, key=lambda group: -sum(sizes[at] for at in group)
    )
    assert balance([], sizes, 2) == []
    # Merges under SPLIT_FROM documents stay whole: a later run would join the halves.
    small = [size // 100 for size in sizes]
    assert balance(plan(small), small, 2) == sorted(
        plan(small), key=lambda group: -sum(small[at] for at in group)
    )


def test_balancing_never_passes_the_bound() -> None:
    """At the bound, a large merge stays whole: a segment more would pass it."""
    sizes = [100] * 40
    planned = plan(sizes)
    after = len(sizes) - sum(len(group) - 1 for group in planned)
    groups = balance(planned, sizes, 2)
    assert len(sizes) - sum(len(group) - 1 for group in groups) <= max(after, allowed(sum(sizes)))


def _many_segments(tmp_path: Path, path: Path, count: int) -> int:
    """An index of `count` segments of five documents, each committed alone (as runs of
    earlier releases left them), of the records in many.jsonl."""
    source = write_jsonl(tmp_path / "many.jsonl", _records(0, 5 * count))
    documents = [prepare(item) for item in read_sources([source])]
    Index.create(path).close()
    ix = store.open_index(path)
    for start in range(0, len(documents), 5):
        writer = ix.writer(compound=False)
        for fields in documents[start : start + 5]:
            writer.add_document(**fields)
        writer.commit(merge=False)
    assert len(store.segments(ix)) == count
    return len(documents)


def _cli_with_open_files(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """`searchlib ARGS` in a process that may open at most `limit` files."""
    script = (
        "import resource, sys\n"
        "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]\n"
        f"resource.setrlimit(resource.RLIMIT_NOFILE, ({limit}, hard))\n"
        "from searchlib.cli import main\n"
        "sys.argv = ['searchlib', *sys.argv[1:]]\n"
        "main()\n"
    )
    # The searchlib this test imported, wherever the checkout is.
    paths = [str(Path(searchlib.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in paths if path)}
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE")
def test_too_many_open_files_is_said_so_and_optimize_merges_within_the_limit(
    tmp_path: Path, index_dir: Path
) -> None:
    # 40 segments: opening the index reads 3 files of each, a search more, and a merge
    # of all at once 13 of each (520 here). Whichever file the limit stops, it is said.
    documents = _many_segments(tmp_path, index_dir, 40)
    for limit in (48, 72, 96):
        found = _cli_with_open_files(limit, "search", "--index", str(index_dir), "harbour")
        assert found.returncode == 2, found.stderr
        assert "too many open files" in found.stderr
        assert "damaged" not in found.stderr and "--rebuild" not in found.stderr
        assert "ulimit -n" in found.stderr and "searchlib optimize" in found.stderr

    # Under a limit of 96 the index opens without being read whole, and `optimize`
    # merges its segments three at a time.
    merged = _cli_with_open_files(96, "optimize", "--index", str(index_dir))
    assert merged.returncode == 0, merged.stderr
    assert "merged 40 segments into 1" in merged.stdout
    with Index.open(index_dir) as ix:
        assert ix.stats().segments == 1 and len(ix) == documents and ix.check() == []
        assert len(ix.search("harbour", limit=1000, collapse=False)) > 0
    after = _cli_with_open_files(48, "search", "--index", str(index_dir), "harbour")
    assert after.returncode == 0, after.stderr


def test_the_system_running_out_of_files_is_not_damage() -> None:
    for code in (errno.EMFILE, errno.ENFILE):
        error = IndexDamagedError.from_exception("ix", OSError(code, os.strerror(code)))
        assert isinstance(error, TooManyOpenFilesError)
        assert not isinstance(error, IndexDamagedError)
    damaged = IndexDamagedError.from_exception("ix", OSError(errno.EIO, "I/O error"))
    assert isinstance(damaged, IndexDamagedError)


def _noting(merge: Any, calls: list[int]) -> Any:
    """`merge`, noting in `calls` how many segments each call reads."""

    def merge_noted(writer: Any, segments: list[Any]) -> Any:
        calls.append(len(segments))
        return merge(writer, segments)

    return merge_noted


def test_a_merge_in_rounds_gives_the_index_a_merge_at_once_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under a low limit a merge reads a few segments at a time, into segments no commit
    # lists, then merges those: the documents and scores are those of one merge, and
    # the commit leaves none of the in-between files.
    queries = ["harbour", "storm flood", "wind farm pier", "item7", '"ferry storm"']
    results = []
    for name, limit in (("once", 100), ("rounds", 2)):
        path = tmp_path / name
        _many_segments(tmp_path, path, 12)
        monkeypatch.setattr(merging, "fan_in", lambda schema, limit=limit: limit)
        reads: list[int] = []
        monkeypatch.setattr(merging, "merge_at_once", _noting(merging.merge_at_once, reads))
        with Index.open(path) as ix:
            assert ix.optimize() == 12
        # Each merge reads at most `limit` segments: in rounds, 11 merges of 2.
        assert reads == ([12] if limit >= 12 else [2] * 11)
        with Index.open(path) as ix:
            assert ix.stats().segments == 1 and ix.check() == []
            results.append([_ranked(ix, query) for query in queries])
        assert len({file.name.split(".")[0] for file in path.glob("MAIN_*.*")}) == 1
    for once, rounds in zip(*results, strict=True):
        assert [i for i, _ in once] == [i for i, _ in rounds]
        assert all(
            abs(a - b) <= 1e-9 * max(1.0, b) for (_, a), (_, b) in zip(once, rounds, strict=True)
        )


def test_a_rerun_that_changes_nothing_writes_nothing(tmp_path: Path, index_dir: Path) -> None:
    # Whoosh's own merge, run by the commit that ended every run, merged small segments
    # through its indexing path even when nothing had changed: 10 s on a Reuters index
    # of 34 segments. A re-run that changes nothing commits nothing, and merges nothing.
    documents = _many_segments(tmp_path, index_dir, 12)
    before = sorted(path.name for path in index_dir.iterdir())
    for workers in (1, 2):
        with Index.open(index_dir) as ix:
            report = ix.add(tmp_path / "many.jsonl", workers=workers)
            assert report.unchanged == documents and report.added == report.updated == 0
            assert ix.stats().segments == 12
        assert sorted(path.name for path in index_dir.iterdir()) == before
