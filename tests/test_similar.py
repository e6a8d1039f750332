"""`similar` counts and pages like `search`; `optimize` always takes the writer lock and
says when there is nothing to merge."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as windex

from searchlib import DocumentNotFoundError, Index
from searchlib.cli import EXIT_ERROR, EXIT_OK, cli
from searchlib.engine import mergepolicy


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="searchlib")
    return result.exit_code, result.stdout, result.stderr


#: The words of the stories about wheat; each story holds its own half of them, so the
#: stories share key terms without being near-identical copies of one another.
WHEAT = [f"wheat{n}" for n in range(24)]


def _records(n: int) -> list[dict[str, object]]:
    """`n` stories about wheat, then 10 about something else that match none of them."""
    records: list[dict[str, object]] = []
    for i in range(n):
        words = random.Random(i).sample(WHEAT, 12)
        records.append({"id": f"s{i}", "title": "Harvest", "body": " ".join(words * 3)})
    for i in range(10):
        body = " ".join(f"steel{(i + j) % 15}" for j in range(30))
        records.append({"id": f"other{i}", "title": "Mills", "body": body})
    return records


@pytest.fixture
def stories(index_dir: Path) -> Path:
    with Index.create(index_dir) as ix:
        ix.add(_records(40), workers=1)
    return index_dir


def test_similar_counts_do_not_depend_on_the_limit(stories: Path) -> None:
    with Index.open(stories) as ix:
        pages = {limit: ix.similar("s0", limit=limit) for limit in (1, 5, 30)}
        everything = ix.similar("s0", limit=100)
    assert {len(r) for r in pages.values()} == {1, 5, 30}
    assert {(r.total, r.matches) for r in pages.values()} == {(39, 39)}  # all but itself
    assert not any(r.total_is_estimate for r in pages.values())
    assert [r.next_offset for r in pages.values()] == [1, 5, 30]
    assert len(everything) == 39 and everything.next_offset is None
    assert "s0" not in {hit.id for hit in everything}


def test_similar_pages_visit_every_story_once(stories: Path) -> None:
    with Index.open(stories) as ix:
        whole = [hit.id for hit in ix.similar("s3", limit=100)]
        seen: list[str] = []
        offset: int | None = 0
        while offset is not None:
            page = ix.similar("s3", limit=7, offset=offset)
            seen += [hit.id for hit in page]
            offset = page.next_offset
    assert seen == whole and len(seen) == 39


def test_similar_leaves_out_copies_of_the_story_and_folds_copies_of_others(
    index_dir: Path,
) -> None:
    records = _records(10)
    records += [{**records[0], "id": "copy-of-s0"}, {**records[1], "id": "copy-of-s1"}]
    with Index.create(index_dir) as ix:
        ix.add(records, workers=1)
        found = ix.similar("s0", limit=100)
        apart = ix.similar("s0", limit=100, collapse=False)
    assert "copy-of-s0" not in {hit.id for hit in found}
    assert found.total == 9 and found.matches == 10  # s1 and its copy are one story
    assert apart.total == apart.matches == 11  # with its own copy, as documents


def test_copies_are_the_documents_folded_into_a_story(index_dir: Path) -> None:
    records = _records(10)
    records += [{**records[0], "id": f"copy{k}-of-s0"} for k in range(2)]
    records.append({**records[1], "id": "copy-of-s1"})
    with Index.create(index_dir) as ix:
        ix.add(records, workers=1)
        assert sorted(hit.id for hit in ix.copies("s0")) == ["copy0-of-s0", "copy1-of-s0"]
        assert [hit.id for hit in ix.copies("copy-of-s1")] == ["s1"]
        assert ix.copies("s2") == []
        with pytest.raises(DocumentNotFoundError):
            ix.copies("nope")


def test_similar_command_pages_and_counts(stories: Path) -> None:
    for limit in ("3", "10"):
        code, out, _ = run("similar", "s0", "-n", limit, "--json")
        data = json.loads(out)
        assert code == EXIT_OK
        assert (data["total"], data["matches"]) == (39, 39)
        assert data["next_offset"] == int(limit)
    code, out, err = run("similar", "s0", "-n", "10", "--offset", "30", "--json")
    data = json.loads(out)
    assert data["offset"] == 30 and len(data["hits"]) == 9 and data["next_offset"] is None
    code, _, err = run("similar", "s0", "-n", "10")
    assert "results 1-10 of 39; next page: --offset 10" in err


def _holding_the_lock(index_dir: Path, *args: str) -> tuple[int, str, str]:
    holder = windex.open_dir(str(index_dir), indexname="MAIN").writer()
    try:
        return run(*args)
    finally:
        holder.cancel()


@pytest.mark.parametrize("documents", [0, 3])
def test_optimize_waits_for_the_lock_even_with_nothing_to_merge(
    index_dir: Path, documents: int
) -> None:
    with Index.create(index_dir) as ix:
        if documents:
            ix.add(_records(documents), workers=1)
    code, out, err = _holding_the_lock(index_dir, "optimize", "--lock-timeout", "0.2")
    assert code == EXIT_ERROR and out == ""
    assert "waiting up to 0.2s" in err and "locked by another writer" in err
    code, out, _ = run("optimize")
    shape = "one segment" if documents else "empty"
    assert code == EXIT_OK and out == f"nothing to merge: the index is {shape}\n"


def test_optimize_merges_segments_and_says_how_many(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mergepolicy, "plan", lambda sizes: [])  # keep every batch's segment
    with Index.create(index_dir) as ix:
        ix.add(_records(30), workers=1, batch_size=10)
        before = ix.stats().segments
    assert before >= 2
    code, out, _ = run("optimize")
    assert code == EXIT_OK and out.startswith(f"merged {before} segments into 1 in ")
    with Index.open(index_dir) as ix:
        assert ix.stats().segments == 1 and len(ix) == 40
        assert ix.optimize() == 0  # now one segment: nothing written
