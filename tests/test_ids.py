"""Document ids: unique per input, the same on every run, and collisions reported."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib import Index, IndexVersionError
from searchlib.cli import EXIT_OK, cli
from searchlib.engine.store import META_FILE

from .conftest import kill_at, write_jsonl


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def story(folder: Path, name: str, title: str, words: str = "") -> Path:
    """Write a text story `name` into `folder` (made if need be)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"{title}\n\n{words or title} was reported on the day, with more to follow.",
        encoding="utf-8",
    )
    return path


def ids(ix: Index) -> set[str]:
    return {json.loads(line)["id"] for line in ix.export()}


@pytest.fixture
def two_folders(tmp_path: Path) -> tuple[Path, Path]:
    """coll/f1 and coll/f2, each holding an a.txt of its own."""
    f1, f2 = tmp_path / "coll" / "f1", tmp_path / "coll" / "f2"
    story(f1, "a.txt", "Lighthouse keeper retires")
    story(f2, "a.txt", "Ferry timetable changes")
    return f1, f2


def test_two_folders_with_the_same_file_names_keep_both_through_the_cli(
    two_folders: tuple[Path, Path], index_dir: Path
) -> None:
    f1, f2 = two_folders
    code, out, _ = run("index", str(f1), str(f2))
    assert code == EXIT_OK
    assert out.startswith("2 added, 0 updated, 0 unchanged, 0 skipped")
    code, out, _ = run("show", "f1/a.txt", "--json")
    assert code == EXIT_OK and json.loads(out)["title"] == "Lighthouse keeper retires"
    code, out, _ = run("show", "f2/a.txt", "--json")
    assert code == EXIT_OK and json.loads(out)["title"] == "Ferry timetable changes"


def test_dated_archive_folders_each_keep_their_index_page(tmp_path: Path, index_dir: Path) -> None:
    days = [tmp_path / "archive" / f"2024-01-0{day}" for day in range(1, 4)]
    for day in days:
        day.mkdir(parents=True)
        (day / "index.html").write_text(
            f"<html><head><title>Briefing of {day.name}</title></head><body><article>"
            + f"<p>The council met on {day.name} and voted on the harbour budget.</p>" * 4
            + "</article></body></html>",
            encoding="utf-8",
        )
    with Index.create(index_dir) as ix:
        report = ix.add(days)
        assert (report.added, report.updated) == (3, 0)
        assert ids(ix) == {f"{day.name}/index.html" for day in days}


def test_two_folders_through_the_library(two_folders: tuple[Path, Path], index_dir: Path) -> None:
    f1, f2 = two_folders
    with Index.create(index_dir) as ix:
        report = ix.add([f1, f2])
        assert (report.added, report.updated, report.skipped) == (2, 0, [])
        assert ids(ix) == {"f1/a.txt", "f2/a.txt"}
        first, second = ix.get("f1/a.txt"), ix.get("f2/a.txt")
        assert first is not None and first.title == "Lighthouse keeper retires"
        assert second is not None and second.title == "Ferry timetable changes"


def test_indexing_the_same_tree_again_gives_the_same_ids_and_changes_nothing(
    two_folders: tuple[Path, Path], index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f1, f2 = two_folders
    story(f1 / "deep", "b.txt", "Orchard harvest begins")
    with Index.create(index_dir) as ix:
        ix.add([f1, f2])
        before = ids(ix)
        assert before == {"f1/a.txt", "f1/deep/b.txt", "f2/a.txt"}
        again = ix.add([f1, f2])
        assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
        # The same folders, named another way: from inside one, and with a trailing slash.
        monkeypatch.chdir(f1)
        again = ix.add([".", f"{f2}/"])
        assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
        assert ids(ix) == before


def test_prune_removes_a_deleted_file_by_its_new_id(
    two_folders: tuple[Path, Path], index_dir: Path
) -> None:
    f1, f2 = two_folders
    assert run("index", str(f1), str(f2))[0] == EXIT_OK
    (f1 / "a.txt").unlink()
    code, out, _ = run("index", str(f1), str(f2), "--prune")
    assert code == EXIT_OK
    assert out.startswith("0 added, 0 updated, 1 unchanged, 0 skipped, 1 removed")
    with Index.open(index_dir) as ix:
        assert ids(ix) == {"f2/a.txt"}


def two_archives(tmp_path: Path, count: int = 50) -> tuple[Path, Path]:
    """a/news and b/news, holding stories of the same names: enough for workers to start."""
    first, second = tmp_path / "a" / "news", tmp_path / "b" / "news"
    for i in range(count):
        story(first, f"s{i:02d}.txt", f"Alpha story {i}", f"kestrel {i}")
        story(second, f"s{i:02d}.txt", f"Beta story {i}", f"merlin {i}")
    return first, second


@pytest.mark.parametrize("workers", [1, 2])
def test_a_collision_in_one_run_is_reported_and_the_first_story_kept(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    first, second = two_archives(tmp_path)
    with Index.create(index_dir) as ix:
        report = ix.add([first, second], workers=workers)
        assert (report.added, report.updated, report.unchanged) == (50, 0, 0)
        assert report.skip_counts == {"id collision": 50}
        note = report.skipped[7]
        assert note.source == str((second / "s07.txt").resolve())
        assert note.reason == (
            f"id collision: 'news/s07.txt' is also given by {(first / 's07.txt').resolve()}, "
            "read earlier in this run; index one folder that holds both, or rename one of them"
        )
        found = ix.get("news/s07.txt")
        assert found is not None and found.title == "Alpha story 7"
        assert len(ix.search("merlin", limit=100)) == 0
        # Run again: the first folder's stories are unchanged, the clash is reported again.
        again = ix.add([first, second], workers=workers)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 50)
        assert again.skip_counts == {"id collision": 50}
        # Their common parent gives every story an id of its own.
        both = ix.add(tmp_path, workers=workers, replace_all=True)
        assert (both.added, both.skipped) == (100, [])
        assert len(ix) == 100


def test_a_collision_is_listed_by_the_cli(tmp_path: Path, index_dir: Path) -> None:
    first = story(tmp_path / "a", "x.txt", "Glacier retreat measured")
    second = story(tmp_path / "b", "x.txt", "Harbour crane toppled")
    code, out, err = run("index", str(first), str(second), "--show-skipped")
    assert code == EXIT_OK
    assert out.startswith("1 added, 0 updated, 0 unchanged, 1 skipped (1 id collision)")
    assert err == (
        f"skipped {second.resolve()}: id collision: 'x.txt' is also given by "
        f"{first.resolve()}, read earlier in this run; index one folder that holds both, "
        "or rename one of them\n"
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_records_with_one_id_in_two_files_collide_but_repeat_within_one(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    # The second file revises r7 further down (its own update), and shares r3 with the first.
    records = [
        {"id": f"r{i}", "title": f"Wire {i}", "body": f"plover {i} " * 20} for i in range(60)
    ]
    extra = [{"id": f"x{i}", "title": f"Extra {i}", "body": f"avocet {i} " * 20} for i in range(60)]
    extra += [{"id": "r3", "title": "Other r3", "body": "sanderling " * 20}]
    extra += [{"id": "x7", "title": "Extra 7 revised", "body": "avocet revised " * 20}]
    one = write_jsonl(tmp_path / "one.jsonl", records)
    two = write_jsonl(tmp_path / "two.jsonl", extra)
    with Index.create(index_dir) as ix:
        report = ix.add([one, two], workers=workers)
        assert (report.added, report.updated) == (120, 1)
        assert [(note.source, note.reason) for note in report.skipped] == [
            (
                f"{two.resolve()}#61",
                f"id collision: 'r3' is also given by {one.resolve()}, read earlier in this "
                "run; give the records distinct ids",
            )
        ]
        kept, revised = ix.get("r3"), ix.get("x7")
        assert kept is not None and kept.title == "Wire 3"
        assert revised is not None and revised.title == "Extra 7 revised"
        assert len(ix) == 120


def test_an_index_of_the_old_id_rule_is_refused_with_a_rebuild_hint(
    two_folders: tuple[Path, Path], index_dir: Path
) -> None:
    Index.create(index_dir).close()
    meta = json.loads((index_dir / META_FILE).read_text())
    meta["schema_version"] = 6  # ids relative to the folder given, without its name
    (index_dir / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match="rebuild it from its sources"):
        Index.open(index_dir)
    f1, f2 = two_folders
    code, out, _ = run("index", str(f1), str(f2), "--rebuild")
    assert code == EXIT_OK and out.startswith("2 added")
    with Index.open(index_dir) as ix:
        assert ids(ix) == {"f1/a.txt", "f2/a.txt"}


def indexed_clash(doc_id: str, other: Path) -> str:
    return (
        f"id collision: {doc_id!r} is also given by {other.resolve()}, indexed earlier; index "
        "one folder that holds both, rename one of them, or start afresh with --rebuild"
    )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_folder_of_the_same_name_in_a_later_run_is_skipped_through_the_cli(
    tmp_path: Path, index_dir: Path, workers: str
) -> None:
    first, second = two_archives(tmp_path)
    story(second, "only-b.txt", "Beta has a story of its own")
    assert run("index", str(first), "--workers", workers)[0] == EXIT_OK
    code, out, err = run("index", str(second), "--workers", workers, "--show-skipped")
    assert code == EXIT_OK
    assert out.startswith("1 added, 0 updated, 0 unchanged, 50 skipped (50 id collision)")
    lines = err.splitlines()
    assert len(lines) == 50
    assert lines[7] == (
        f"skipped {(second / 's07.txt').resolve()}: "
        + indexed_clash("news/s07.txt", first / "s07.txt")
    )
    code, out, _ = run("show", "news/s07.txt", "--json")
    assert code == EXIT_OK and json.loads(out)["title"] == "Alpha story 7"
    # The advice holds: starting afresh gives the second folder's stories.
    code, out, _ = run("index", str(second), "--workers", workers, "--rebuild")
    assert code == EXIT_OK and out.startswith("51 added, 0 updated, 0 unchanged, 0 skipped")
    code, out, _ = run("show", "news/s07.txt", "--json")
    assert code == EXIT_OK and json.loads(out)["title"] == "Beta story 7"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_folder_of_the_same_name_in_a_later_run_loses_nothing_indexed(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    first, second = two_archives(tmp_path)
    with Index.create(index_dir) as ix:
        assert ix.add(first, workers=workers).added == 50
        report = ix.add(second, workers=workers)
        assert (report.added, report.updated, report.unchanged) == (0, 0, 0)
        assert report.skip_counts == {"id collision": 50}
        note = report.skipped[7]
        assert note.source == str((second / "s07.txt").resolve())
        assert note.reason == indexed_clash("news/s07.txt", first / "s07.txt")
        assert len(ix) == 50
        assert len(ix.search("kestrel", limit=100)) == 50
        assert len(ix.search("merlin", limit=100)) == 0
        # Every run says so again, changed or not, and the first folder stays unchanged.
        story(second, "s03.txt", "Beta story 3 revised")
        again = ix.add(second, workers=workers)
        assert (again.added, again.updated, again.skip_counts) == (0, 0, {"id collision": 50})
        kept = ix.add(first, workers=workers)
        assert (kept.added, kept.updated, kept.unchanged, kept.skipped) == (0, 0, 50, [])
        found = ix.get("news/s03.txt")
        assert found is not None and found.title == "Alpha story 3"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_moved_folder_updates_its_stories_and_they_follow_it(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    first, _ = two_archives(tmp_path)
    moved = tmp_path / "c" / "news"
    with Index.create(index_dir) as ix:
        assert ix.add(first, workers=workers).added == 50
        moved.parent.mkdir()
        first.rename(moved)
        story(moved, "s04.txt", "Alpha story 4 revised")
        report = ix.add(moved, workers=workers)
        # Unchanged stories too: each now records the file it is read from.
        assert (report.added, report.updated, report.unchanged, report.skipped) == (0, 50, 0, [])
        revised = ix.get("news/s04.txt")
        assert revised is not None and revised.title == "Alpha story 4 revised"
        again = ix.add(moved, workers=workers)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 50)
        # A new folder where the old one was is another archive, not the moved one.
        story(first, "s01.txt", "Gamma story 1")
        clash = ix.add(first, workers=workers)
        assert [(n.source, n.reason) for n in clash.skipped] == [
            (str((first / "s01.txt").resolve()), indexed_clash("news/s01.txt", moved / "s01.txt"))
        ]
        # --prune knows the stories by their new place.
        (moved / "s02.txt").unlink()
        pruned = ix.add(moved, workers=workers, prune=True)
        assert (pruned.unchanged, pruned.removed) == (49, 1)
        assert len(ix) == 49


@pytest.mark.parametrize("workers", [1, 2])
def test_only_ids_made_from_paths_are_checked_against_the_index(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    def feed(folder: Path, word: str, with_ids: bool) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        records = [
            {"title": f"{word} {i}", "body": f"{word} {i} " * 20}
            | ({"id": f"w{i}"} if with_ids else {})
            for i in range(50)
        ]
        return write_jsonl(folder / "wire.jsonl", records)

    # Records without id or url: their ids are the file's path and line, as for files.
    plain_a = feed(tmp_path / "a" / "feed", "plover", with_ids=False)
    plain_b = feed(tmp_path / "b" / "feed", "avocet", with_ids=False)
    # Records with ids: the same id is the same story, whatever file it is read from
    # (a feed exported again under another name).
    export = feed(tmp_path / "exports" / "may", "curlew", with_ids=True)
    reexport = feed(tmp_path / "exports" / "may-again", "dunlin", with_ids=True)
    with Index.create(index_dir) as ix:
        assert ix.add([plain_a, export], workers=workers).added == 100
        report = ix.add([plain_b, reexport], workers=workers)
        assert (report.added, report.updated, report.unchanged) == (0, 50, 0)
        assert report.skip_counts == {"id collision": 50}
        note = report.skipped[2]
        assert note.source == f"{plain_b.resolve()}#3"
        assert note.reason == indexed_clash("wire.jsonl#3", plain_a)
        assert len(ix.search("plover", limit=100)) == 50
        assert len(ix.search("curlew", limit=100)) == 0
        assert len(ix.search("dunlin", limit=100)) == 50
        # Records given as dicts keep the rule of ids too.
        dicts = ix.add([{"id": "w1", "title": "Given", "body": "godwit " * 20}])
        assert (dicts.updated, dicts.skipped) == (1, [])


def test_prune_reads_a_folder_whose_name_holds_a_hash_as_a_path(
    tmp_path: Path, index_dir: Path
) -> None:
    # Only a record's origin ends in "#line": "c#1/s.txt" is a file that exists.
    archive = tmp_path / "archive"
    kept = story(archive / "c#1", "s.txt", "Issue one of the bulletin")
    with Index.create(index_dir) as ix:
        ix.add(archive)
        report = ix.add(archive, prune=True)
        assert (report.unchanged, report.removed) == (1, 0)
        assert ids(ix) == {"archive/c#1/s.txt"}
        kept.unlink()
        assert ix.add(archive / "c#1", prune=True).removed == 1
        assert len(ix) == 0


# -- one file, one document: a file read from a wider or narrower folder -------------------


def word(folder: str, number: int) -> str:
    """A word found in one story only (letters: digits would be split off)."""
    return "zorb" + folder + "".join(chr(ord("a") + int(d)) for d in f"{number:03d}")


def arch_tree(tmp_path: Path, count: int = 30) -> Path:
    """arch/a/news and arch/b/news, holding stories of the same names."""
    arch = tmp_path / "arch"
    for side in ("a", "b"):
        for i in range(count):
            story(arch / side / "news", f"s{i:02d}.txt", f"Story {side} {i}", word(side, i))
    return arch


def web_tree(tmp_path: Path, count: int = 20) -> Path:
    """web/2008-01 to web/2008-03, each holding pages of the same names."""
    web = tmp_path / "web"
    for month in ("01", "02", "03"):
        for i in range(count):
            story(web / f"2008-{month}", f"p{i:02d}.txt", f"Page {month} {i}", word(month, i))
    return web


def assert_one_document_per_file(index_dir: Path, expected: dict[str, str]) -> None:
    """`expected` maps each file's word to the id its one document must have."""
    with Index.open(index_dir) as ix:
        assert len(ix) == len(expected)
        assert ids(ix) == set(expected.values())
        for unique, doc_id in expected.items():
            hits = ix.search(unique, limit=5, collapse=False, snippets=False)
            assert [hit.id for hit in hits] == [doc_id], unique
        assert ix.check() == []
    code, out, _ = run("check")
    assert code == EXIT_OK, out


def arch_ids(prefix_a: str, prefix_b: str, count: int = 30) -> dict[str, str]:
    return {
        word(side, i): f"{prefix}/s{i:02d}.txt"
        for side, prefix in (("a", prefix_a), ("b", prefix_b))
        for i in range(count)
    }


@pytest.mark.parametrize("workers", ["1", "2"])
def test_indexing_the_folder_that_holds_both_gives_each_file_one_document_through_the_cli(
    tmp_path: Path, index_dir: Path, workers: str
) -> None:
    arch = arch_tree(tmp_path)
    assert run("index", str(arch / "a" / "news"), "--workers", workers)[0] == EXIT_OK
    code, out, _ = run("index", str(arch / "b" / "news"), "--workers", workers)
    assert code == EXIT_OK and out.startswith("0 added, 0 updated, 0 unchanged, 30 skipped")
    # Following the advice: a's stories take their new ids, b's are added.
    code, out, _ = run("index", str(arch), "--workers", workers)
    assert code == EXIT_OK
    assert out.startswith("30 added, 0 updated, 0 unchanged, 0 skipped, 30 given new ids in ")
    assert_one_document_per_file(index_dir, arch_ids("arch/a/news", "arch/b/news"))
    code, out, _ = run("index", str(arch), "--workers", workers)
    assert code == EXIT_OK and out.startswith("0 added, 0 updated, 60 unchanged, 0 skipped in ")
    # The narrower folder gives its files their short ids again; b's keep theirs, as
    # `news/…` is a's.
    code, out, _ = run("index", str(arch / "a" / "news"), "--workers", workers)
    assert code == EXIT_OK
    assert out.startswith("0 added, 0 updated, 0 unchanged, 0 skipped, 30 given new ids in ")
    code, out, _ = run("index", str(arch / "b" / "news"), "--workers", workers)
    assert code == EXIT_OK and out.startswith("0 added, 0 updated, 0 unchanged, 30 skipped")
    assert_one_document_per_file(index_dir, arch_ids("news", "arch/b/news"))


@pytest.mark.parametrize("workers", ["1", "2"])
def test_indexing_the_parent_of_dated_folders_gives_each_page_one_document_through_the_cli(
    tmp_path: Path, index_dir: Path, workers: str
) -> None:
    web = web_tree(tmp_path)
    months = [str(web / f"2008-{month}") for month in ("01", "02", "03")]
    code, out, _ = run("index", *months, "--workers", workers)
    assert code == EXIT_OK and out.startswith("60 added")
    code, out, _ = run("index", str(web), "--workers", workers)
    assert code == EXIT_OK
    assert out.startswith("0 added, 0 updated, 0 unchanged, 0 skipped, 60 given new ids in ")
    expected = {
        word(month, i): f"web/2008-{month}/p{i:02d}.txt"
        for month in ("01", "02", "03")
        for i in range(20)
    }
    assert_one_document_per_file(index_dir, expected)
    code, out, _ = run("index", str(web), "--workers", workers)
    assert code == EXIT_OK and out.startswith("0 added, 0 updated, 60 unchanged, 0 skipped in ")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_read_from_another_folder_replaces_its_document_through_the_library(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    arch, web = arch_tree(tmp_path), web_tree(tmp_path)
    months = [web / f"2008-{month}" for month in ("01", "02", "03")]
    story(months[1], "p05.txt", "Page 02 5 revised", word("02", 5))  # changed as well
    with Index.create(index_dir) as ix:
        assert ix.add([arch / "a" / "news", *months], workers=workers).added == 90
        assert ix.add(arch / "b" / "news", workers=workers).skip_counts == {"id collision": 30}
        report = ix.add([arch, web], workers=workers)
        assert (report.added, report.updated, report.unchanged, report.reidentified) == (
            30,
            0,
            0,
            90,
        )
        assert report.skipped == []
        assert len(ix) == 120
        again = ix.add([arch, web], workers=workers)
        assert (again.added, again.updated, again.unchanged, again.reidentified) == (0, 0, 120, 0)
        # And back: the narrower folders give their files their short ids.
        back = ix.add(months, workers=workers)
        assert (back.added, back.updated, back.unchanged, back.reidentified) == (0, 0, 0, 60)
    expected = arch_ids("arch/a/news", "arch/b/news") | {
        word(month, i): f"2008-{month}/p{i:02d}.txt"
        for month in ("01", "02", "03")
        for i in range(20)
    }
    assert_one_document_per_file(index_dir, expected)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_given_twice_in_one_run_through_nested_folders_is_read_once(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    arch = arch_tree(tmp_path)
    inner = arch / "a" / "news"
    with Index.create(index_dir) as ix:
        report = ix.add([inner, arch], workers=workers)
        assert (report.added, report.reidentified) == (60, 0)
        assert report.skip_counts == {"already read": 30}
        note = report.skipped[3]
        assert note.source == str((inner / "s03.txt").resolve())
        assert note.reason == (
            f"already read: {(inner / 's03.txt').resolve()} was read as 'news/s03.txt' "
            "earlier in this run; give either the folder or the one inside it, not both"
        )
    assert_one_document_per_file(index_dir, arch_ids("news", "arch/b/news"))


@pytest.mark.parametrize("workers", [1, 2])
def test_records_without_ids_follow_their_file_and_records_with_ids_keep_theirs(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    feed = tmp_path / "feeds" / "may"
    feed.mkdir(parents=True)
    write_jsonl(
        feed / "plain.jsonl",
        [{"title": f"Plain {i}", "body": f"{word('p', i)} " * 20} for i in range(50)],
    )
    write_jsonl(
        feed / "given.jsonl",
        [
            {"id": f"w{i}", "title": f"Given {i}", "body": f"{word('g', i)} " * 20}
            for i in range(30)
        ],
    )
    with Index.create(index_dir) as ix:
        assert ix.add(feed, workers=workers).added == 80
        # Enough new ids for the workers to start.
        report = ix.add(tmp_path / "feeds", workers=workers)
        assert (report.added, report.updated, report.unchanged, report.reidentified) == (
            0,
            0,
            30,
            50,
        )
    expected = {word("p", i): f"feeds/may/plain.jsonl#{i + 1}" for i in range(50)}
    expected |= {word("g", i): f"w{i}" for i in range(30)}
    assert_one_document_per_file(index_dir, expected)


def test_prune_after_new_ids_removes_only_what_is_gone(tmp_path: Path, index_dir: Path) -> None:
    arch = arch_tree(tmp_path, count=5)
    inner = arch / "a" / "news"
    assert run("index", str(inner))[0] == EXIT_OK
    code, out, _ = run("index", str(arch), "--prune")
    assert code == EXIT_OK
    assert out.startswith("5 added, 0 updated, 0 unchanged, 0 skipped, 5 given new ids in ")
    (inner / "s01.txt").unlink()
    code, out, _ = run("index", str(inner), "--prune")
    assert code == EXIT_OK
    assert out.startswith("0 added, 0 updated, 0 unchanged, 0 skipped, 4 given new ids, 1 removed")
    with Index.open(index_dir) as ix:
        assert len(ix) == 9
        assert ids(ix) == {f"news/s{i:02d}.txt" for i in (0, 2, 3, 4)} | {
            f"arch/b/news/s{i:02d}.txt" for i in range(5)
        }


def test_prune_of_a_folder_leaves_a_folder_whose_name_begins_alike(
    tmp_path: Path, index_dir: Path
) -> None:
    news, old = tmp_path / "news", tmp_path / "news-old"
    story(news, "a.txt", "Current story")
    gone = story(old, "b.txt", "Old story")
    assert run("index", str(news), str(old))[0] == EXIT_OK
    gone.unlink()
    code, out, _ = run("index", str(news), "--prune")
    assert code == EXIT_OK and out.startswith("0 added, 0 updated, 1 unchanged, 0 skipped in ")
    with Index.open(index_dir) as ix:
        assert ids(ix) == {"news/a.txt", "news-old/b.txt"}


KILLED_WRITER = """
import sys
from searchlib import Index
def progress(p):
    print(p.report.reidentified, flush=True)
with Index.open(sys.argv[1]) as ix:
    ix.add(sys.argv[2], batch_size=20, workers=int(sys.argv[3]), progress=progress)
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_killed_while_giving_new_ids_leaves_each_file_once(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    arch = tmp_path / "arch"
    inner = arch / "a" / "news"
    for i in range(200):
        story(inner, f"s{i:03d}.txt", f"Story {i}", word("k", i))
    with Index.create(index_dir) as ix:
        assert ix.add(inner).added == 200
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(index_dir), str(arch), str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    kill_at(writer, 90)
    with Index.open(index_dir) as ix:
        # Each story once, under its old id or its new one: never both, never neither.
        found = ids(ix)
        assert len(ix) == len(found) == 200
        moved = {doc_id for doc_id in found if doc_id.startswith("arch/")}
        assert 0 < len(moved) < 200 and len(moved) % 20 == 0  # whole batches only
        assert ix.check() == []
        rest = ix.add(arch, workers=workers)
        assert (rest.reidentified, rest.unchanged) == (200 - len(moved), len(moved))
    assert_one_document_per_file(
        index_dir, {word("k", i): f"arch/a/news/s{i:03d}.txt" for i in range(200)}
    )


# -- names that are not UTF-8, and escapes ---------------------------------------------------


def raw_name(folder: Path, name: bytes) -> Path:
    """`folder` / a name given as bytes (not necessarily UTF-8)."""
    return folder / os.fsdecode(name)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_prune_keeps_the_stories_of_a_folder_whose_name_is_not_utf8(
    tmp_path: Path, index_dir: Path, workers: str
) -> None:
    arch = tmp_path / "arch"
    odd = raw_name(arch, b"d\xff")
    for i in range(50):
        story(odd, f"s{i:02d}.txt", f"Plain headline {i}")
    code, out, _ = run("index", str(arch), "--workers", workers)
    assert code == EXIT_OK and out.startswith("50 added")
    code, out, _ = run("index", str(arch), "--workers", workers, "--prune")
    assert code == EXIT_OK
    assert out.startswith("0 added, 0 updated, 50 unchanged, 0 skipped in ")
    (odd / "s07.txt").unlink()
    code, out, _ = run("index", str(arch), "--workers", workers, "--prune")
    assert code == EXIT_OK
    assert out.startswith("0 added, 0 updated, 49 unchanged, 0 skipped, 1 removed")
    with Index.open(index_dir) as ix:
        assert len(ix) == 49 and "arch/d\\xff/s08.txt" in ids(ix)


@pytest.mark.parametrize(
    "name",
    [b"a\xfe.txt", b"a\\xfe.txt", b"a\\\xfe.txt", b"a\\\\xfe.txt", b"a\\b.txt", b"\xff\\"],
)
def test_a_path_given_as_text_reads_back_as_itself(name: bytes) -> None:
    from searchlib.ingest.sources import path_text, text_path

    path = Path("/arch") / os.fsdecode(b"c\xfe\\x41") / os.fsdecode(name)
    text = path_text(path)
    assert not re.search("[\ud800-\udfff]", text)  # no lone surrogate: it can be stored
    assert os.fsencode(text_path(text)) == os.fsencode(path)


def test_utf8_names_keep_their_text() -> None:
    from searchlib.ingest.sources import path_text

    for name in ("news/s.txt", "Zeitung/Größe.txt", "c\\d.txt", "c\\xZZ.txt", "#1/a b.txt"):
        assert path_text(name) == name


@pytest.mark.parametrize("workers", [1, 2])
def test_a_name_with_an_escaped_byte_and_one_spelling_the_escape_keep_both_stories(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    coll = tmp_path / "c"
    byte = story(coll, os.fsdecode(b"a\xfe.txt"), "Byte story", "kestrel")
    story(coll, "a\\xfe.txt", "Spelled story", "merlin")
    for i in range(50):  # enough for the workers to start
        story(coll, f"s{i:02d}.txt", f"Filler story {i}")
    with Index.create(index_dir) as ix:
        report = ix.add(coll, workers=workers)
        assert (report.added, report.updated, report.skipped) == (52, 0, [])
        assert {"c/a\\xfe.txt", "c/a\\\\xfe.txt"} <= ids(ix)
        assert [hit.id for hit in ix.search("kestrel")] == ["c/a\\xfe.txt"]
        assert [hit.id for hit in ix.search("merlin")] == ["c/a\\\\xfe.txt"]
        again = ix.add(coll, workers=workers)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 52)
        byte.unlink()
        pruned = ix.add(coll, workers=workers, prune=True)
        assert (pruned.unchanged, pruned.removed) == (51, 1)
        assert [hit.id for hit in ix.search("merlin")] == ["c/a\\\\xfe.txt"]


# -- a record's own id against an indexed file -------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_a_record_whose_id_is_an_indexed_file_is_a_collision_while_the_file_exists(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    news = tmp_path / "news"
    for i in range(50):
        story(news, f"s{i:02d}.txt", f"File story {i}", f"kestrel {i}")
    (tmp_path / "feed").mkdir()
    feed = write_jsonl(
        tmp_path / "feed" / "f.jsonl",
        [
            {"id": f"news/s{i:02d}.txt", "title": f"Feed {i}", "body": "merlin " * 20}
            for i in range(50)
        ],
    )
    with Index.create(index_dir) as ix:
        assert ix.add(news, workers=workers).added == 50
        report = ix.add(feed, workers=workers)
        assert (report.added, report.updated, report.unchanged) == (0, 0, 0)
        assert report.skip_counts == {"id collision": 50}
        assert report.skipped[7].source == f"{feed.resolve()}#8"
        assert report.skipped[7].reason == (
            f"id collision: 'news/s07.txt' is also given by {(news / 's07.txt').resolve()}, "
            "indexed earlier; give the record another id, or start afresh with --rebuild"
        )
        dicts = ix.add([{"id": "news/s03.txt", "title": "Given", "body": "godwit " * 20}])
        assert (dicts.updated, dicts.skip_counts) == (0, {"id collision": 1})
        assert len(ix.search("kestrel", limit=100)) == 50
        assert len(ix.search("merlin OR godwit", limit=100)) == 0
        # Once the file is gone, the record takes its id.
        (news / "s05.txt").unlink()
        taken = ix.add(feed, workers=workers)
        assert (taken.updated, taken.skip_counts) == (1, {"id collision": 49})
        found = ix.get("news/s05.txt")
        assert found is not None and found.title == "Feed 5"


# -- a file reached twice in one run -----------------------------------------------------------


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_folder_given_twice_or_with_its_symlink_is_read_once(
    tmp_path: Path, index_dir: Path, workers: str
) -> None:
    news = tmp_path / "news"
    for i in range(50):
        story(news, f"s{i:02d}.txt", f"Story {i}")
    link = tmp_path / "latest"
    link.symlink_to(news, target_is_directory=True)
    for twice in ([news, news], [news, link]):
        code, out, err = run(
            "index", *map(str, twice), "--workers", workers, "--show-skipped", "--rebuild"
        )
        assert code == EXIT_OK
        assert out.startswith("50 added, 0 updated, 0 unchanged, 50 skipped (50 already read)")
        assert err.splitlines()[3] == (
            f"skipped {(news / 's03.txt').resolve()}: already read: "
            f"{(news / 's03.txt').resolve()} was read as 'news/s03.txt' earlier in this run; "
            "give each folder or file once"
        )
        code, out, _ = run("index", *map(str, twice), "--workers", workers)
        assert code == EXIT_OK
        assert out.startswith("0 added, 0 updated, 50 unchanged, 50 skipped (50 already read)")


# -- an id repeated within one JSON-lines file -------------------------------------------------


def revised_feed(path: Path, repeats: int = 40) -> Path:
    """60 records, the first `repeats` of them revised further down the file."""
    records = [
        {"id": f"r{i}", "title": f"Wire {i}", "body": f"plover {i} " * 20} for i in range(60)
    ]
    records += [
        {"id": f"r{i}", "title": f"Wire {i} revised", "body": f"avocet {i} " * 20}
        for i in range(repeats)
    ]
    return write_jsonl(path, records)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_id_repeated_within_one_file_is_unchanged_on_an_unchanged_run(
    tmp_path: Path, index_dir: Path, workers: int
) -> None:
    feed = revised_feed(tmp_path / "wire.jsonl")
    with Index.create(index_dir) as ix:
        first = ix.add(feed, workers=workers)
        assert (first.added, first.skipped, len(ix)) == (60, [], 60)
        again = ix.add(feed, workers=workers)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 60)
        revised = ix.get("r3")
        assert revised is not None and revised.title == "Wire 3 revised"
        # The revisions taken out again: the first versions are back, once each.
        revised_feed(feed, repeats=0)
        back = ix.add(feed, workers=workers)
        assert (back.added, back.updated, back.unchanged) == (0, 40, 20)
        plain = ix.get("r3")
        assert plain is not None and plain.title == "Wire 3"
        assert len(ix.search("avocet", limit=100)) == 0


def test_an_id_repeated_far_down_a_long_file_still_ends_with_the_last_version(
    tmp_path: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchlib.ingest import selection

    monkeypatch.setattr(selection, "HELD_BACK", 5)  # fewer held back than repeated
    feed = revised_feed(tmp_path / "wire.jsonl")
    with Index.create(index_dir) as ix:
        for _ in range(2):  # the first run, then one that writes some records twice
            report = ix.add(feed, workers=1)
            assert report.skipped == [] and len(ix) == 60
            for i in range(60):
                found = ix.get(f"r{i}")
                assert found is not None
                assert found.title == (f"Wire {i} revised" if i < 40 else f"Wire {i}")


def test_a_symlink_to_a_file_in_the_same_folder_is_read_once(
    tmp_path: Path, index_dir: Path
) -> None:
    news = tmp_path / "news"
    story(news, "b.txt", "Harbour crane toppled")
    (news / "latest.txt").symlink_to("b.txt")
    with Index.create(index_dir) as ix:
        report = ix.add(news)
        assert (report.added, report.updated) == (1, 0)
        assert [(n.source, n.reason) for n in report.skipped] == [
            (
                str((news / "b.txt").resolve()),
                f"already read: {(news / 'b.txt').resolve()} was read as 'news/b.txt' "
                "earlier in this run; it is also reached through a symlink",
            )
        ]
        assert ids(ix) == {"news/b.txt"}
