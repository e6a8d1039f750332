"""The library API: creating, filling, updating and searching an index."""

from __future__ import annotations

import gzip
import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchlib import (
    Article,
    DocumentNotFoundError,
    Hit,
    Index,
    IndexExistsError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
    SearchlibError,
    SourceNotFoundError,
)
from searchlib.engine import mergepolicy, store
from searchlib.engine.store import META_FILE

from .conftest import SEED, write_jsonl


def test_create_and_open(index_dir: Path) -> None:
    with Index.create(index_dir) as ix:
        assert len(ix) == 0
    with pytest.raises(IndexExistsError):
        Index.create(index_dir)
    Index.create(index_dir, overwrite=True).close()
    Index.open(index_dir).close()


def test_open_missing_index_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError) as raised:
        Index.open(tmp_path / "nowhere")
    # The library names the problem; the command line adds the command that fixes it.
    assert str(raised.value) == f"no index at {tmp_path / 'nowhere'}"
    assert raised.value.path == str(tmp_path / "nowhere")


def test_other_schema_version_is_refused(index_dir: Path) -> None:
    Index.create(index_dir).close()
    meta = json.loads((index_dir / META_FILE).read_text())
    meta["schema_version"] = 999
    (index_dir / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(IndexVersionError, match=r"needs \d+: rebuild it from its sources$"):
        Index.open(index_dir)


def test_seed_article_found_first_and_comment_prompts_not_indexed(index_dir: Path) -> None:
    with Index.create(index_dir) as ix:
        report = ix.add(SEED)
        assert report.added == 1
        hits = ix.search("Power of Siberia")
        assert hits[0].id == SEED.name
        assert isinstance(hits[0], Hit)
        assert "Siberia" in hits[0].snippet
        assert len(ix.search("Please enter your comment")) == 0
        assert len(ix.search('"Please enter your name here"')) == 0


def test_add_folder_counts_and_reindex_changes_nothing(index_dir: Path, news: Path) -> None:
    with Index.create(index_dir) as ix:
        first = ix.add(news)
        assert (first.added, first.updated, first.unchanged, len(first.skipped)) == (7, 0, 0, 0)
        again = ix.add(news)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 7)
        assert len(ix) == 7


def test_changed_file_replaces_its_document(index_dir: Path, news: Path) -> None:
    with Index.create(index_dir) as ix:
        ix.add(news)
        page = news / "seed.txt"
        page.write_text(
            "Pipeline talks stall\n\nNegotiators left without a gas deal.", encoding="utf-8"
        )
        report = ix.add(news)
        assert (report.added, report.updated, report.unchanged) == (0, 1, 6)
        assert len(ix) == 7
        assert ix.search("negotiators")[0].id == "news/seed.txt"
        assert len(ix.search('"Power of Siberia"')) == 0


def test_record_ids_and_given_fields_are_kept(index_dir: Path, news: Path) -> None:
    with Index.create(index_dir) as ix:
        ix.add(news)
        article = ix.get("wire-1")
        assert isinstance(article, Article)
        assert article.title == "Central bank holds interest rates steady"
        assert article.date == datetime(2023, 5, 4)
        assert article.authors == ("Ana Lima",)
        assert article.tags == ("economy", "banks")
        assert article.site == "Example Wire"
        assert "Share this article" not in article.body
        assert ix.get("no-such-id") is None


def test_dict_records_and_document_ids(index_dir: Path) -> None:
    records = [
        {"id": "a", "title": "Alpha story", "body": "Quantum widgets ship."},
        {"url": "https://x.example/b", "title": "Beta story", "body": "Widgets again."},
    ]
    with Index.create(index_dir) as ix:
        report = ix.add(records)
        assert report.added == 2
        assert {h.id for h in ix.search("widgets")} == {"a", "https://x.example/b"}


def test_gzip_inputs(index_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "gz"
    folder.mkdir()
    with gzip.open(folder / "story.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write("Compressed headline\n\nThe zeppelin hangar reopened today.")
    with gzip.open(folder / "records.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "r1", "title": "Rec", "body": "A zeppelin landed."}) + "\n")
    with Index.create(index_dir) as ix:
        assert ix.add(folder).added == 2
        assert len(ix.search("zeppelin")) == 2


def test_bad_files_are_skipped_with_reasons(index_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Good headline\n\nA perfectly fine llama story.", encoding="utf-8"
    )
    (folder / "empty.html").write_bytes(b"")
    (folder / "binary.html").write_bytes(bytes(range(256)) * 10)
    (folder / "broken.txt.gz").write_bytes(b"\x1f\x8bnot really gzip")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (folder / "records.jsonl").write_text(
        json.dumps({"id": "ok", "title": "Fine", "body": "llama"}) + "\n{not json\n[1, 2]\n",
        encoding="utf-8",
    )
    locked = folder / "locked.txt"
    locked.write_text("Secret\n\nllama", encoding="utf-8")
    locked.chmod(0)
    try:
        with Index.create(index_dir) as ix:
            report = ix.add(folder)
    finally:
        locked.chmod(0o644)
    reasons = {Path(s.source.split(":")[0]).name: s.reason for s in report.skipped}
    assert report.added == 2 + (1 if os.geteuid() == 0 else 0)  # root can read mode-0 files
    assert reasons["empty.html"] == "empty file"
    assert reasons["binary.html"] == "binary file"
    assert reasons["broken.txt.gz"].startswith("corrupt gzip")
    assert reasons["photo.jpg"] == "unsupported file type"
    line_reasons = sorted(s.reason for s in report.skipped if "records.jsonl" in s.source)
    assert line_reasons[0].startswith("malformed JSON line 2")
    assert line_reasons[1].startswith("malformed JSON line 3")
    if os.geteuid() != 0:
        assert reasons["locked.txt"].startswith("unreadable")


def test_missing_path_raises_before_indexing(index_dir: Path, tmp_path: Path) -> None:
    with Index.create(index_dir) as ix:
        with pytest.raises(SourceNotFoundError, match="nope"):
            ix.add([SEED, tmp_path / "nope"])
        assert len(ix) == 0


def test_latin1_text_and_page_are_decoded(index_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "latin"
    folder.mkdir()
    (folder / "a.txt").write_bytes(
        "Crêpes à la carte\n\nLa café servait des crêpes.".encode("latin-1")
    )
    with Index.create(index_dir) as ix:
        ix.add(folder)
        article = ix.get("latin/a.txt")
        assert article is not None
        assert article.title == "Crêpes à la carte"
        assert len(ix.search("cafe")) == 1


def test_parallel_writing_matches_serial(index_dir: Path, tmp_path: Path) -> None:
    # Worker processes write segments of their own: the documents, and every score,
    # are those of the one-process index (ties may fall in another order).
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(80):
        (folder / f"{i:03d}.html").write_text(
            f"<html><head><title>Story {i}</title></head><body><article><p>"
            + f"Report number {i} about the marmot census in valley {i % 7}. " * 5
            + "</p></article></body></html>",
            encoding="utf-8",
        )
    serial_dir = tmp_path / "serial"
    with Index.create(index_dir) as ix, Index.create(serial_dir) as serial:
        assert ix.add(folder, workers=2).added == 80
        assert serial.add(folder, workers=1).added == 80
        ours = sorted((-round(h.score, 9), h.id) for h in ix.search("marmot valley 3", limit=100))
        theirs = sorted(
            (-round(h.score, 9), h.id) for h in serial.search("marmot valley 3", limit=100)
        )
        assert len(ours) == 80
        assert ours == theirs
        assert ix.get("many/042.html").body == serial.get("many/042.html").body


@pytest.mark.parametrize("workers", [1, 2])
def test_updates_skips_and_repeats_alike_in_one_or_many_writers(
    index_dir: Path, tmp_path: Path, workers: int
) -> None:
    records = [
        {"id": f"r{i}", "title": f"Story {i}", "body": f"osprey count {i} " * 30}
        for i in range(100)
    ]
    changed = [
        {"id": f"r{i}", "title": f"Story {i}", "body": f"heron count {i} " * 30}
        for i in range(0, 100, 2)
    ]
    # An update that cleans to nothing is skipped, and the stored version stays.
    blank = [{"id": "r1", "html": "<html><body><script>x()</script></body></html>"}]
    new = [{"id": f"n{i}", "title": "New", "body": "egret " * 50} for i in range(60)]
    repeat = [{"id": "n0", "title": "New again", "body": "egret grebe " * 50}]
    with Index.create(index_dir) as ix:
        assert ix.add(write_jsonl(tmp_path / "a.jsonl", records), workers=workers).added == 100
        second = write_jsonl(tmp_path / "b.jsonl", changed + blank + new + repeat)
        report = ix.add(second, workers=workers)
        assert (report.added, report.updated, report.unchanged) == (60, 51, 0)
        assert [note.reason for note in report.skipped] == ["no article text found"]
        assert len(ix) == 160
        assert len(ix.search("osprey", limit=200, collapse=False)) == 50
        assert len(ix.search("heron", limit=200, collapse=False)) == 50
        assert len(ix.search("egret", limit=200, collapse=False)) == 60
        found = ix.get("n0")
        assert found is not None and found.title == "New again"
        assert ix.check() == []


@pytest.mark.parametrize("workers", [1, 2])
def test_interrupt_keeps_last_commit(index_dir: Path, tmp_path: Path, workers: int) -> None:
    import multiprocessing

    records = [
        {"id": f"n{i}", "title": f"Note {i}", "body": f"ocelot number {i}"} for i in range(100)
    ]
    path = write_jsonl(tmp_path / "notes.jsonl", records)

    def interrupt(progress: object) -> None:
        if getattr(progress, "done", 0) == 79:
            time.sleep(0.5)  # workers take the first items of the batch and start writing
            raise KeyboardInterrupt

    with Index.create(index_dir) as ix, pytest.raises(KeyboardInterrupt):
        ix.add(path, batch_size=20, workers=workers, progress=interrupt)
    # The workers are gone, and took their posting-pool folders with them.
    assert not multiprocessing.active_children()
    assert not list(index_dir.glob("*.tmp"))
    with Index.open(index_dir) as ix:
        assert len(ix) == 60  # three whole batches committed; the fourth was cancelled
        assert len(ix.search("ocelot", limit=200)) == 60
        report = ix.add(path)
        assert (report.added, report.unchanged) == (40, 60)
        assert len(ix) == 100


def test_ctrl_c_with_worker_processes_exits_promptly(index_dir: Path, tmp_path: Path) -> None:
    """Ctrl-C while the parent's queue to its workers is full: the parent printed
    'interrupted' and then hung at exit, its queue's feeder thread blocked on a pipe
    no worker read any more."""
    import signal
    import subprocess
    import sys

    filler = " ".join(f"word{k}" for k in range(1500))
    records = [{"id": f"r{i}", "title": f"Story {i}", "body": filler} for i in range(5_000)]
    path = write_jsonl(tmp_path / "big.jsonl", records)
    command = [sys.executable, "-m", "searchlib", "index", "--index", str(index_dir)]
    command += ["--workers", "2", "--batch-size", "2000", str(path)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _committed(index_dir) < 2000:
            time.sleep(0.2)  # until a batch has committed and the next one is under way
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert b"interrupted" in err and b"Traceback" not in err
    with Index.open(index_dir) as ix:
        assert not ix.check()
        assert len(ix) % 2000 == 0


def _committed(index_dir: Path) -> int:
    try:
        with Index.open(index_dir) as ix:
            return len(ix)
    except SearchlibError:
        return 0


def test_second_writer_times_out(index_dir: Path) -> None:
    from whoosh import index as windex

    with Index.create(index_dir) as ix:
        holder = windex.open_dir(str(index_dir), indexname="MAIN").writer()
        waited: list[bool] = []
        try:
            with pytest.raises(IndexLockedError, match="locked by another writer"):
                ix.add(SEED, lock_timeout=0.3, on_wait=lambda: waited.append(True))
        finally:
            holder.cancel()
        assert waited == [True]
        assert ix.add(SEED).added == 1


def test_date_filters_and_sorting(index_dir: Path, news: Path) -> None:
    with Index.create(index_dir) as ix:
        ix.add(news)
        assert [h.id for h in ix.search("central bank OR snow", since=datetime(2023, 1, 1))] == [
            "wire-1"
        ]
        assert [h.id for h in ix.search("central bank OR snow", until=datetime(2021, 11, 20))] == [
            "wire-2"
        ]
        newest = ix.search(
            "the OR snow OR bank OR festival OR stadtrat OR cafe", sort="date", limit=10
        )
        dates = [h.date for h in newest if h.date]
        assert dates == sorted(dates, reverse=True)
        with pytest.raises(QueryError):
            ix.search("bank", since=datetime(2024, 1, 1), until=datetime(2020, 1, 1))


def test_paging_never_repeats(index_dir: Path, tmp_path: Path) -> None:
    records = [
        {
            "id": f"p{i}",
            "title": "Same",
            "body": f"identical words here, story {i}: " + " ".join(f"w{i}x{j}" for j in range(6)),
        }
        for i in range(25)
    ]
    with Index.create(index_dir) as ix:
        ix.add(write_jsonl(tmp_path / "p.jsonl", records))
        pages = [ix.search("identical", limit=10, offset=o) for o in (0, 10, 20)]
        ids = [h.id for page in pages for h in page]
        assert len(ids) == len(set(ids)) == 25
        assert pages[0].total == 25


def test_stats(index_dir: Path, news: Path) -> None:
    with Index.create(index_dir) as ix:
        ix.add(news)
        stats = ix.stats()
        assert stats.documents == 7
        assert stats.first_date == datetime(2002, 10, 12)
        assert stats.last_date == datetime(2023, 9, 21)
        assert ("Example Wire", 1) in stats.sources
        assert stats.size_bytes > 0


def test_prune_removes_deleted_files(index_dir: Path, news: Path) -> None:
    with Index.create(index_dir) as ix:
        ix.add(news)
        (news / "seed.txt").unlink()
        report = ix.add(news, prune=True)
        assert report.removed == 1
        assert ix.get("news/seed.txt") is None
        assert len(ix) == 6


def test_replace_all_drops_old_documents(index_dir: Path, news: Path) -> None:
    with Index.create(index_dir) as ix:
        ix.add(news)
        ix.add(SEED, replace_all=True)
        assert len(ix) == 1


def test_near_duplicates_collapse(index_dir: Path, tmp_path: Path) -> None:
    story = (
        "The harbour council approved the offshore wind farm on Wednesday night after a long fight."
    )
    records = [
        {
            "id": "orig",
            "title": "Wind farm approved",
            "source": "Courier",
            "date": "2024-03-14",
            "body": story,
        },
        {
            "id": "copy",
            "title": "Wind farm approved",
            "source": "Gazette",
            "date": "2024-03-14",
            "body": story + " (Syndicated.)",
        },
        {
            "id": "other",
            "title": "Wind farm delayed",
            "source": "Post",
            "body": "A different wind farm story entirely, about delays and costs.",
        },
    ]
    with Index.create(index_dir) as ix:
        ix.add(write_jsonl(tmp_path / "d.jsonl", records))
        folded = ix.search("wind farm")
        assert len(folded) == 2
        top = next(h for h in folded if h.id in ("orig", "copy"))
        assert len(top.copies) == 1
        assert {h.id for h in ix.search("wind farm", collapse=False)} == {"orig", "copy", "other"}


def test_metadata_filters_recency_and_facets(index_dir: Path, news: Path) -> None:
    with Index.create(index_dir) as ix:
        ix.add(news)
        assert [h.id for h in ix.search("the OR mountain OR bank", source="alpine post")] == [
            "wire-2"
        ]
        assert [h.id for h in ix.search("interest OR snow", author="lima")] == ["wire-1"]
        assert [h.id for h in ix.search("interest OR snow", tag="weather")] == ["wire-2"]
        query = "bank OR snow"
        plain = [h.id for h in ix.search(query)]
        recent = [h.id for h in ix.search(query, half_life_days=30)]
        assert recent[0] == "wire-1"  # 2023 beats 2021 once age counts
        assert sorted(plain) == sorted(recent)
        with pytest.raises(QueryError):
            ix.search(query, half_life_days=0)
        facets = ix.search("bank OR snow OR festival", facets=True).facets
        assert facets is not None
        assert dict(facets["source"]) == {"Example Wire": 1, "Alpine Post": 1, "Riverside Echo": 1}
        assert dict(facets["month"]) == {"2021-11": 1, "2022-07": 1, "2023-05": 1}
        assert dict(facets["tag"])["weather"] == 1


def test_similar_stories(index_dir: Path, tmp_path: Path) -> None:
    records = [
        {
            "id": "a",
            "title": "Glacier melt",
            "body": "The glacier lost ice; meltwater lakes and glacier retreat measured.",
        },
        {
            "id": "b",
            "title": "Ice loss",
            "body": "Alpine glacier retreat continues as meltwater lakes grow each summer.",
        },
        {
            "id": "c",
            "title": "Bakery",
            "body": "A new bakery opens on the high street selling sourdough.",
        },
    ]
    with Index.create(index_dir) as ix:
        ix.add(write_jsonl(tmp_path / "s.jsonl", records))
        like = ix.similar("a")
        assert [h.id for h in like][:1] == ["b"]
        assert "a" not in {h.id for h in like}
        with pytest.raises(DocumentNotFoundError):
            ix.similar("nope")


def test_optimize_merges_segments_and_keeps_documents(index_dir: Path, tmp_path: Path) -> None:
    records = [
        {"id": f"o{i}", "title": f"Story {i}", "body": f"otter census {i}"} for i in range(30)
    ]
    with Index.create(index_dir) as ix:
        ix.add(write_jsonl(tmp_path / "o.jsonl", records), batch_size=10)
        assert ix.stats().segments > 1
        ix.optimize()
        assert ix.stats().segments == 1
        assert len(ix) == 30
        assert len(ix.search("otter", limit=50, collapse=False)) == 30


def _contents(path: Path) -> tuple[dict, dict, dict]:
    """Every posting (by document id), stored document and column value of an index."""
    with store.open_index(path).reader() as reader:
        return _read_contents(reader)


def _read_contents(reader: Any) -> tuple[dict, dict, dict]:
    schema = reader.schema
    ids = {docnum: reader.stored_fields(docnum)["id"] for docnum in reader.all_doc_ids()}
    postings: dict = {}
    for field, text in reader.all_terms():
        matcher = reader.postings(field, text)
        while matcher.is_active():
            postings[field, text, ids[matcher.id()]] = (matcher.weight(), matcher.value())
            matcher.next()
    stored = {ids[d]: reader.stored_fields(d) for d in ids}
    columns = {
        (name, ids[d]): reader.column_reader(name)[d]
        for name in schema.names()
        if schema[name].column_type and reader.has_column(name)
        for d in ids
    }
    return postings, stored, columns


@pytest.mark.parametrize("workers", [1, 2])
def test_merged_index_holds_what_its_segments_held(
    index_dir: Path, tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Segments are merged a postings block at a time: every posting (weight and
    # positions), stored field, column and score must come through, and the documents
    # an update replaced must go. Long lists span blocks; short ones are joined.
    monkeypatch.setattr(mergepolicy, "plan", lambda sizes: [])  # keep every batch's segment
    records = [
        {
            "id": f"m{i}",
            "title": f"Harbour report {i}",
            "body": f"The harbour crane number {i} lifted {i % 5} containers. " * (1 + i % 4)
            + ("Rare kestrel sighted. " if i % 37 == 0 else ""),
            "date": f"2024-03-{1 + i % 28:02d}",
            "tags": ["port", f"crane-{i % 3}"],
        }
        for i in range(400)
    ]
    updates = [dict(r, body=r["body"] + " Storm warning.") for r in records[::9]]
    queries = ["harbour crane", "kestrel", "storm containers", '"crane number"']
    with Index.create(index_dir) as ix:
        ix.add(write_jsonl(tmp_path / "a.jsonl", records), batch_size=70, workers=workers)
        assert ix.stats().segments > 3
        scores = {q: _scores(ix, q) for q in queries}
        ix.optimize()
        # Without deletions the statistics stay exact, and so does every score.
        assert ix.stats().segments == 1
        for query, expected in scores.items():
            got = _scores(ix, query)
            assert got.keys() == expected.keys()
            assert all(abs(got[i] - expected[i]) <= 1e-9 * max(1.0, got[i]) for i in got)

        ix.add(write_jsonl(tmp_path / "b.jsonl", updates), batch_size=20, workers=workers)
        assert ix.stats().segments > 2
        before = _contents(index_dir)
        ix.optimize()
        assert ix.stats().segments == 1 and len(ix) == 400
        after = _contents(index_dir)
        assert after[0] == before[0]
        assert after[1] == before[1]
        assert after[2] == before[2]
        assert len(ix.search("storm", limit=500, collapse=False)) == len(updates)
        assert ix.check() == []


def _segment_dump(path: Path) -> tuple[dict[Any, Any], list[Any]]:
    """Every term's postings with their block statistics and term info, and every
    stored document, of a one-segment index."""
    from whoosh import index as windex

    with windex.open_dir(str(path)).reader() as reader:
        terms: dict[Any, Any] = {}
        for field, text in reader.all_terms():
            matcher = reader.postings(field, text)
            listing = []
            while matcher.is_active():
                listing.append(
                    (
                        matcher.id(),
                        matcher.weight(),
                        matcher.value(),
                        matcher.block_min_length(),
                        matcher.block_max_length(),
                        matcher.block_max_weight(),
                    )
                )
                matcher.next()
            info = reader.term_info(field, text)
            terms[field, text] = (
                listing,
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
            )
        stored = [reader.stored_fields(n) for n in range(reader.doc_count_all())]
        return terms, stored


def test_block_writer_writes_what_whoosh_writes(tmp_path: Path) -> None:
    # The segment workers' writer keeps postings in memory and writes each list whole;
    # its segment must hold exactly what Whoosh's own writer puts in one.
    from whoosh.writing import SegmentWriter

    from searchlib.engine import blockwriter
    from searchlib.engine.commit import commit_batch
    from searchlib.ingest.documents import prepare
    from searchlib.ingest.sources import read_sources

    records = [
        {
            "id": f"b{i}",
            "title": f"Ferry timetable {i % 13}",
            "body": f"The ferry to island {i % 17} sails at {i % 24} o'clock. " * (1 + i % 6),
            "authors": [f"Reporter {i % 4}"],
            "tags": ["transport", f"route-{i % 5}"],
            "date": f"2023-0{1 + i % 9}-1{i % 10}",
        }
        for i in range(300)
    ]
    prepared = [
        prepare(item) for item in read_sources([write_jsonl(tmp_path / "b.jsonl", records)])
    ]
    dumps = []
    kinds = (
        ("whoosh", SegmentWriter, 0),
        ("block", blockwriter.BlockSegmentWriter, 0),
        # Postings written to run files every 37 documents, merged when it finishes.
        ("spilled", blockwriter.BlockSegmentWriter, 37),
    )
    for name, kind, every in kinds:
        Index.create(tmp_path / name).close()
        writer = kind(store.open_index(tmp_path / name), _lk=False, compound=False)
        for n, fields in enumerate(prepared):
            # Boosted documents take Whoosh's own path in the block writer, among the
            # others that put their postings in the arrays directly.
            boosts = {"_boost": 1.5} if n % 7 == 0 else {"_title_boost": 2.0} if n % 11 == 0 else {}
            writer.add_document(**fields, **boosts)
            if every and n % every == every - 1:
                assert writer.spill()
        if every:
            runs = list(writer.pool.runs)
            assert len(runs) == len(prepared) // every
        commit_batch(writer, clear=False)
        if every:
            assert not any(run.exists() for run in runs)  # removed once merged
        dumps.append(_segment_dump(tmp_path / name))
    assert dumps[0] == dumps[1] == dumps[2]
    assert any(len(listing) > 128 for listing, *_ in dumps[0][0].values())  # several blocks


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.sampled_from(["reuters", "en", "", "Oil\nOPEC", "a,b", "Zürich", "x" * 300]),
)
def test_block_writer_postings_are_the_fields_own(
    tmp_path_factory: pytest.TempPathFactory, when: datetime, text: str
) -> None:
    """The block writer's shortcuts (a date prepared once for all its precisions, the
    postings of a repeated text kept) give each field's own postings, twice over."""
    from searchlib.engine import blockwriter

    path = tmp_path_factory.mktemp("ix")
    Index.create(path).close()
    writer = blockwriter.BlockSegmentWriter(store.open_index(path), _lk=False, compound=False)
    try:
        for _ in range(2):
            for name, field in writer.schema.items():
                if not field.indexed or name in ("title", "content"):
                    continue
                value = when if name == "date" else text
                expected = [tuple(p) for p in field.index(value)]
                assert [tuple(p) for p in writer._postings(name, field, value)] == expected
    finally:
        writer.cancel()


def test_a_run_ends_by_merging_its_smallest_segments(index_dir: Path, tmp_path: Path) -> None:
    # Eight batches of 40 and one of 10 leave 18 segments; the workers merge them down
    # to what the merge policy allows for 330 documents before the run returns.
    records = [
        {"id": f"s{i}", "title": f"Sluice {i}", "body": f"sluice gate {i} opened " * 12}
        for i in range(330)
    ]
    with Index.create(index_dir) as ix:
        report = ix.add(write_jsonl(tmp_path / "s.jsonl", records), batch_size=40, workers=2)
        assert report.added == 330
    with store.open_index(index_dir).reader() as reader:
        sizes = sorted(leaf.doc_count_all() for leaf, _ in reader.leaf_readers())
    assert len(sizes) <= mergepolicy.allowed(330) < 18
    assert sizes[-1] > 20  # a merged segment: each worker writes about 20 a batch
    with Index.open(index_dir) as ix:
        assert len(ix.search("sluice", limit=400, collapse=False)) == 330
        assert ix.check() == []


def test_segment_workers_exit_when_closed(tmp_path: Path) -> None:
    # Workers wait for a job or for the next batch; closing must reach them either way.
    import multiprocessing

    from searchlib.engine.segments import SegmentWorkers
    from searchlib.ingest.documents import prepare
    from searchlib.ingest.sources import read_sources

    records = [{"id": f"w{i}", "title": "Weir", "body": f"weir gauge {i} " * 20} for i in range(40)]
    Index.create(tmp_path / "ix").close()
    workers = SegmentWorkers(tmp_path / "ix", 2, 32, prepare)
    for item in read_sources([write_jsonl(tmp_path / "w.jsonl", records)]):
        workers.send(item)
    written = workers.end_batch()
    assert sum(len(part.ids) for part in written) == 40
    workers.resume()  # now waiting for jobs, not for the next batch
    procs = multiprocessing.active_children()
    assert len(procs) == 2
    forced: list[int] = []
    for proc in procs:
        kill = proc.terminate
        proc.terminate = lambda proc=proc, kill=kill: (forced.append(proc.pid), kill())
    workers.close()
    assert forced == []  # each left on its own, none was killed
    assert [proc.exitcode for proc in procs] == [0, 0]


def test_segment_workers_spill_postings_to_runs_within_their_budget(tmp_path: Path) -> None:
    # With no memory budget a worker writes every document's postings to a run file,
    # and a segment takes MAX_RUNS of them before the worker finishes it for another.
    from searchlib.engine.blockwriter import MAX_RUNS
    from searchlib.engine.segments import SegmentWorkers
    from searchlib.ingest.documents import prepare
    from searchlib.ingest.sources import read_sources

    count = 3 * MAX_RUNS
    records = [
        {"id": f"r{i}", "title": "Reef", "body": f"reef survey {i} " * 5} for i in range(count)
    ]
    Index.create(tmp_path / "ix").close()
    workers = SegmentWorkers(tmp_path / "ix", 2, 0, prepare)
    try:
        for item in read_sources([write_jsonl(tmp_path / "r.jsonl", records)]):
            workers.send(item)
        written = workers.end_batch()
    finally:
        workers.resume()
        workers.close()
    sizes = [segment.doc_count_all() for part in written for segment in part.segments]
    assert sum(sizes) == count == sum(len(part.ids) for part in written)
    assert max(sizes) == MAX_RUNS + 1  # the runs, and the document held when it was full
    assert len(sizes) >= 3
    assert not any(path.name.startswith("run") for path in (tmp_path / "ix").rglob("*"))


def _scores(ix: Index, query: str) -> dict[str, float]:
    return {h.id: h.score for h in ix.search(query, limit=500, collapse=False)}


def test_size_cap_applies_per_record_not_per_jsonl_file(index_dir: Path, tmp_path: Path) -> None:
    records = [
        {"id": f"s{i}", "title": f"Small {i}", "body": "puffin colony " * 20} for i in range(200)
    ]
    records.append({"id": "huge", "title": "Huge", "body": "x " * 20_000})
    path = write_jsonl(tmp_path / "big.jsonl", records)
    assert path.stat().st_size > 30_000
    with Index.create(index_dir) as ix:
        report = ix.add(path, max_bytes=10_000)
        assert report.added == 200
        assert [s.reason.split(":")[0] for s in report.skipped] == ["too large"]
        assert "line 201" in report.skipped[0].reason


def test_oversized_page_is_skipped_with_reason(index_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    page.write_text(
        "<html><body>" + "<p>filler text</p>" * 200_000 + "</body></html>", encoding="utf-8"
    )
    with Index.create(index_dir) as ix:
        report = ix.add(page, max_bytes=1_000_000)
        assert report.added == 0
        assert report.skipped[0].reason.startswith("too large")


def test_json_array_file(index_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps(
            [{"id": "j1", "title": "Array", "body": "walrus"}, {"id": "j2", "body": "walrus two"}]
        )
    )
    with Index.create(index_dir) as ix:
        assert ix.add(path).added == 2
        assert len(ix.search("walrus")) == 2


def test_hostile_pages_are_indexed_at_bounded_cost(index_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    laughs = "".join(
        f'<!ENTITY l{i} "{"".join(f"&l{i - 1};" for _ in range(10))}">' for i in range(1, 10)
    )
    (folder / "bomb.html").write_text(
        f'<!DOCTYPE html [<!ENTITY l0 "lol">{laughs}]><html><body><h1>Entity bomb</h1>'
        "<p>A page that defines entities expanding to a billion words, and uses one: "
        "&l9;</p></body></html>",
        encoding="utf-8",
    )
    (folder / "deep.html").write_text(
        "<html><body>" + "<div>" * 100_000 + "<p>gannet deep text</p>" + "</div>" * 100_000,
        encoding="utf-8",
    )
    (folder / "loop").symlink_to(folder)  # a folder that contains itself
    odd_name = os.fsencode(folder) + b"/caf\xe9-\xff.txt"  # not UTF-8
    with open(odd_name, "wb") as handle:
        handle.write(b"Odd name\n\nA page whose file name is not UTF-8 mentions a gannet.")
    with Index.create(index_dir) as ix:
        report = ix.add(folder, workers=1)
        assert report.added == 3, report.skipped
        bomb = ix.search("entity bomb")[0]
        assert len(ix.get(bomb.id).body) < 1000  # the entities were not expanded
        assert {h.title for h in ix.search("gannet")} >= {"Odd name"}
        assert ix.check() == []


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=3000)
    | st.text(max_size=1500).map(str.encode)
    | st.lists(st.text(max_size=80), max_size=10).map(
        lambda lines: "\n".join(
            json.dumps({"body": line}) if i % 2 else line for i, line in enumerate(lines)
        ).encode()
    ),
    suffix=st.sampled_from([".html", ".txt", ".jsonl", ".json", ".jsonl.gz", ".htm", ".md"]),
)
def test_readers_never_raise_on_any_bytes(data: bytes, suffix: str) -> None:
    """Any bytes under any supported name come out as documents or reasoned skips."""
    import tempfile

    from searchlib.ingest.sources import RawItem, read_sources
    from searchlib.models import Skipped

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
        for entry in read_sources([path], max_bytes=10_000):
            assert isinstance(entry, (RawItem, Skipped))
            if isinstance(entry, Skipped):
                assert entry.reason


def test_million_line_jsonl_streams_and_bad_lines_are_counted_not_kept(
    index_dir: Path, tmp_path: Path
) -> None:
    from searchlib.ingest.sources import RawItem, read_sources
    from searchlib.models import IndexReport

    big = tmp_path / "million.jsonl"
    with big.open("w", encoding="utf-8") as handle:
        for i in range(1_000_000):
            handle.write(f'{{"id": "r{i}", "body": "tern {i}"}}\n')
    assert sum(isinstance(e, RawItem) for e in read_sources([big])) == 1_000_000
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n" * 200_000 + json.dumps({"id": "ok", "body": "tern"}) + "\n")
    with Index.create(index_dir) as ix:
        report = ix.add(bad, workers=1)
    assert report.added == 1
    assert report.skipped_count == 200_000
    assert len(report.skipped) == IndexReport.MAX_SKIP_NOTES  # notes are capped, counts not
    assert report.summary().endswith("(200000 malformed JSON line)")


def test_fifty_megabyte_page_is_skipped_by_the_default_cap(index_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    with page.open("w", encoding="utf-8") as handle:
        handle.write("<html><body>")
        for _ in range(50):
            handle.write("<p>" + "cormorant " * 100_000 + "</p>")
    assert page.stat().st_size > 50_000_000
    with Index.create(index_dir) as ix:
        report = ix.add([page, write_jsonl(tmp_path / "ok.jsonl", [{"id": "ok", "body": "tern"}])])
    assert report.added == 1
    assert [s.reason.split(":")[0] for s in report.skipped] == ["too large"]


def test_a_terms_file_written_through_compact_buckets_is_the_same(tmp_path: Path) -> None:
    """The terms file's hash table is kept in arrays while written (12 bytes a key, not
    a tuple of two ints): the file must come out byte for byte as Whoosh writes it."""
    from types import SimpleNamespace

    from whoosh.filedb.filetables import OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    from searchlib.engine.blockwriter import compact_term_index

    keys = sorted({f"{word}{n}".encode() for n in range(3000) for word in ("a", "ka", "zeta")})
    written = []
    for compact in (False, True):
        path = tmp_path / f"terms-{compact}"
        table = OrderedHashWriter(StructFile(path.open("wb")))  # closed by table.close()
        if compact:
            compact_term_index(SimpleNamespace(fieldwriter=SimpleNamespace(_tindex=table)))
            assert type(table.buckets[0]).__name__ == "_HashBucket"
        for n, key in enumerate(keys):
            table.add(key, n.to_bytes(4, "big"))
        table.close()
        written.append(path.read_bytes())
    assert written[0] == written[1] and len(written[0]) > 100_000


def test_an_open_index_lists_a_settled_folder_once_and_sees_each_commit(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between commits a search checks the folder's modification time, not its listing;
    a commit changes that time, and the next search reads the commit."""
    import time

    with Index.create(index_dir) as ix:
        ix.add([{"id": "a", "title": "Kingfisher", "body": "A kingfisher."}], workers=1)
    with Index.open(index_dir) as ix:
        settled = time.time() - 10
        os.utime(index_dir, (settled, settled))
        assert len(ix.search("kingfisher")) == 1
        listings = []
        latest = ix._ix.latest_generation
        monkeypatch.setattr(ix._ix, "latest_generation", lambda: listings.append(1) or latest())
        for _ in range(3):
            assert len(ix.search("kingfisher")) == 1
        assert listings == []
        with Index.open(index_dir) as writer:
            writer.add([{"id": "b", "title": "Kingfisher", "body": "Two."}], workers=1)
        assert len(ix.search("kingfisher")) == 2
        assert listings


def test_readers_a_commit_replaced_are_let_go_after_facet_searches(
    index_dir: Path,
) -> None:
    """A searcher replaced by a commit is collected with its readers (and their open
    files): nothing a search caches per reader may hold the reader itself. Facet
    counts once kept the searcher in that cache, and every commit left a reader open."""
    import gc
    import weakref

    record = {"id": "a", "title": "Kingfisher", "body": "A kingfisher.", "tags": ["Birds"]}
    with Index.create(index_dir) as ix:
        ix.add([record], workers=1)
    with Index.open(index_dir) as ix:
        replaced = []
        for n in range(3):
            assert ix.search("kingfisher", facets=True).facets
            replaced += [weakref.ref(r) for r, _ in ix._get_searcher().reader().leaf_readers()]
            with Index.open(index_dir) as writer:
                writer.add([{**record, "id": f"b{n}"}], workers=1)
        assert ix.search("kingfisher", facets=True).matches == 4
        gc.collect()
        assert [ref for ref in replaced if ref() is not None] == []
