"""Hostile records and streams: each bad input is skipped with its reason, never the
whole run, and nothing that is stored can break a later read."""

from __future__ import annotations

import errno
import gzip
import json
import os
import socket
import subprocess
import sys
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchlib import Index, clean_html, clean_text
from searchlib.cli import cli
from searchlib.ingest.indexing import PARALLEL_THRESHOLD
from searchlib.ingest.sources import RawItem, read_sources
from searchlib.models import Article, Skipped

from .conftest import write_jsonl

#: Enough good records that two workers really start (see `indexing.PARALLEL_THRESHOLD`).
GOOD = PARALLEL_THRESHOLD + 12
#: Deeper than Python's JSON reader can go (about 1,000 levels): a line of a few KB.
DEPTH = 1200


def _good(count: int = GOOD) -> list[str]:
    return [
        json.dumps({"id": f"g{i}", "title": f"Heron count {i}", "body": "Herons nested early."})
        for i in range(count)
    ]


def _encodes(article: Article) -> bool:
    """Whether every text of `article` can be written out (holds no lone surrogate)."""
    texts = [v for v in article.to_dict().values() if isinstance(v, str)]
    texts += [*article.authors, *article.tags]
    try:
        for text in texts:
            text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize("workers", [1, 2])
def test_deeply_nested_records_are_skipped_by_line_and_the_rest_indexed(
    index_dir: Path, tmp_path: Path, workers: int
) -> None:
    good = _good()
    deep = [
        "[" * DEPTH + "]" * DEPTH,
        '{"a":' * DEPTH + "1" + "}" * DEPTH,
        json.dumps({"id": "x", "title": "Deep extra", "body": "b"})[:-1]
        + ', "extra": '
        + "[" * DEPTH
        + "]" * DEPTH
        + "}",
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(good[:20] + deep + good[20:]) + "\n", encoding="utf-8")
    (tmp_path / "deep.json").write_text("[" + deep[0] + "]", encoding="utf-8")
    with Index.create(index_dir) as ix:
        report = ix.add([feed, tmp_path / "deep.json"], workers=workers)
        assert report.added == GOOD
        assert len(ix.search("herons", limit=100, collapse=False)) == GOOD
    assert report.skip_counts == {"malformed JSON line": 3, "malformed JSON": 1}
    notes = sorted((s.source.rsplit("/", 1)[-1], s.reason) for s in report.skipped)
    assert notes == [
        ("deep.json", "malformed JSON: nested too deeply"),
        ("feed.jsonl:21", "malformed JSON line 21: nested too deeply"),
        ("feed.jsonl:22", "malformed JSON line 22: nested too deeply"),
        ("feed.jsonl:23", "malformed JSON line 23: nested too deeply"),
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_lone_surrogates_are_replaced_before_anything_is_stored(
    index_dir: Path, tmp_path: Path, workers: int
) -> None:
    # JSON's escapes for half a UTF-16 pair, as a broken exporter writes them.
    odd = [
        r'{"id": "\ud800", "title": "Surrogate id", "body": "Herons again."}',
        r'{"id": "s-url", "url": "https://a.example/\udfff", "title": "Surrogate url", "body": "b"}',
        r'{"id": "s-source", "source": "\udc00Wire", "title": "Surrogate source", "body": "b"}',
        r'{"id": "s-tags", "tags": ["\ud800", "birds"], "title": "Surrogate tags", "body": "b"}',
        r'{"id": "s-text", "title": "Heron \ud800 title", "body": "Body \udfff text",'
        r' "authors": ["Ana \ud801"]}',
        r'{"id": "s-html", "html": "<h1>Page \ud800</h1><p>Herons in a page \udc00.</p>"}',
        # A valid pair is one character, and stays one.
        r'{"id": "s-pair", "title": "Pair \ud83d\ude00", "body": "Herons smile."}',
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(_good() + odd) + "\n", encoding="utf-8")
    with Index.create(index_dir) as ix:
        report = ix.add(feed, workers=workers)
        assert (report.added, report.skipped) == (GOOD + len(odd), [])
        stored = {i: ix.get(i) for i in ["\ufffd", "s-url", "s-source", "s-tags", "s-text"]}
        stored.update({i: ix.get(i) for i in ["s-html", "s-pair"]})
        for hit in ix.search("herons OR surrogate OR heron", limit=200, collapse=False):
            assert _encodes(ix.get(hit.id) or Article()), hit.id
    assert all(a is not None and _encodes(a) for a in stored.values())
    assert stored["s-url"].url == "https://a.example/\ufffd"  # type: ignore[union-attr]
    assert stored["s-source"].site == "\ufffdWire"  # type: ignore[union-attr]
    assert stored["s-tags"].tags == ("\ufffd", "birds")  # type: ignore[union-attr]
    text = stored["s-text"]
    assert text is not None
    assert (text.title, text.body, text.authors) == (
        "Heron \ufffd title",
        "Body \ufffd text",
        ("Ana \ufffd",),
    )
    assert "Herons in a page \ufffd." in stored["s-html"].body  # type: ignore[union-attr]
    assert stored["s-pair"].title == "Pair \U0001f600"  # type: ignore[union-attr]
    # The command line reads them back whole.
    runner = CliRunner()
    shown = runner.invoke(cli, ["show", "s-text", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["title"] == "Heron \ufffd title"
    exported = runner.invoke(cli, ["export"])
    assert exported.exit_code == 0, exported.output
    assert len(exported.output.splitlines()) == GOOD + len(odd)


def test_records_given_as_dicts_skip_what_cannot_be_read(index_dir: Path) -> None:
    deep: Any = "gannet"
    for _ in range(DEPTH):
        deep = [deep]
    circular: dict[str, Any] = {"id": "loop", "title": "Loop", "body": "gannet"}
    circular["self"] = circular
    records: list[dict[str, Any]] = [
        {"id": "deep", "title": "Deep", "body": "gannet", "extra": deep},
        circular,
        {"id": "ok", "title": "Fine", "body": "A gannet dived.", "extra": {"any": [1, {}]}},
        {"id": "odd\ud800", "title": "Odd \udc00", "body": "A gannet \ud800 rose."},
    ]
    with Index.create(index_dir) as ix:
        report = ix.add(records, workers=1)
        assert report.added == 2
        assert {h.id for h in ix.search("gannet")} == {"ok", "odd\ufffd"}
        assert _encodes(ix.get("odd\ufffd") or Article())
    assert report.skip_counts == {"malformed record": 2}
    assert [s.reason for s in report.skipped] == [
        "malformed record: nested too deeply",
        "malformed record: cannot be written as JSON (Circular reference detected)",
    ]


def test_the_cleaner_entry_points_never_fail_on_hostile_text(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Gannets return</title></head><body><article>"
        "<h1>Gannets return</h1><p>"
        + "The gannets came back to the cliffs in spring. " * 8
        + "One \ud800 was ringed.</p></article></body></html>"
    )
    for url in (None, "http://[::1", "https://news.example/\udfff"):
        article = clean_html(page, url=url)
        assert article.title == "Gannets return"  # parsed, not taken as plain text
        assert "One \ufffd was ringed." in article.body
        assert _encodes(article)
    text = clean_text("Gannet \ud800 news\n\nThe colony grew \udfff again this year.")
    assert (text.title, text.body) == (
        "Gannet \ufffd news",
        "The colony grew \ufffd again this year.",
    )
    # `searchlib clean` on records: a line nested too deeply is one note, the rest shown.
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "[" * DEPTH + "]" * DEPTH + "\n" + json.dumps({"id": "g", "title": "Gannet"}) + "\n"
    )
    result = CliRunner().invoke(cli, ["clean", str(feed)])
    assert result.exit_code == 0, result.output
    assert f"skipped {feed}:1: malformed JSON line 1: nested too deeply\n" in result.output
    assert "Gannet" in result.output


def test_blank_ids_fall_back_as_missing_ones_do(index_dir: Path, tmp_path: Path) -> None:
    feed = write_jsonl(
        tmp_path / "blank.jsonl",
        [
            {"id": "   ", "title": "First blank", "body": "A puffin."},
            {"id": "\t", "url": "https://news.example/puffin", "title": "Url", "body": "A puffin."},
            {"id": " ", "url": "  ", "title": "Second blank", "body": "A puffin."},
        ],
    )
    with Index.create(index_dir) as ix:
        report = ix.add(feed, workers=1)
        assert (report.added, report.skipped) == (3, [])
        ids = {h.id for h in ix.search("puffin", collapse=False)}
    assert ids == {"blank.jsonl#1", "https://news.example/puffin", "blank.jsonl#3"}


def test_an_unparsable_url_drops_the_url_not_the_story(index_dir: Path, tmp_path: Path) -> None:
    page = "<html><head><title>Skua</title></head><body><h1>Skua</h1><p>A skua flew.</p></body>"
    feed = write_jsonl(
        tmp_path / "urls.jsonl",
        [
            {"id": "text", "url": "http://[::1", "title": "Skua seen", "body": "A skua flew."},
            {"id": "page", "url": "http://[::1", "html": page},
            {"url": "http://[bad", "title": "No id", "body": "A skua landed."},
        ],
    )
    with Index.create(index_dir) as ix:
        report = ix.add(feed, workers=1)
        assert (report.added, report.skipped) == (3, [])
        text, html, no_id = ix.get("text"), ix.get("page"), ix.get("http://[bad")
    assert text is not None and html is not None and no_id is not None
    assert (text.title, text.url, text.site) == ("Skua seen", None, None)
    assert (html.title, html.body, html.url) == ("Skua", "A skua flew.", None)
    assert no_id.url is None
    # Nor does one inside a page cost the page its cleaning: a canonical link, or a link
    # read to tell the order of day and month in "03/04/2024".
    prose = "<p>" + "A skua flew over the bay. " * 10 + "</p>"
    canonical = (
        '<html><head><title>Skua</title><link rel="canonical" href="http://[::1">'
        f'<meta property="og:url" content="http://[::1"></head><body><h1>Skua</h1>{prose}'
    )
    linked = (
        "<html><head><title>Skua</title></head><body><h1>Skua</h1><p>03/04/2024</p>"
        f'{prose}<a href="http://[::1">a</a><a href="https://skuanews.co.uk/">b</a></body>'
    )
    assert clean_html(canonical).title == "Skua"
    dated = clean_html(linked, url="https://www.skuanews.com/story")
    assert (dated.title, dated.date) == ("Skua", datetime(2024, 4, 3))


def test_the_size_cap_holds_while_a_compressed_line_is_read(tmp_path: Path) -> None:
    """A gzip of a few hundred KB holding one 128 MB line: the line is skipped by its
    size, read through without ever being held, and the records around it are kept."""
    path = tmp_path / "bomb.jsonl.gz"
    big = b'{"id": "big", "body": "'
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(json.dumps({"id": "a", "body": "before"}).encode() + b"\n")
        handle.write(big)
        for _ in range(8):
            handle.write(b"x" * (16 << 20))
        handle.write(b'"}\n' + json.dumps({"id": "b", "body": "after"}).encode() + b"\n")
    assert path.stat().st_size < 2 << 20
    tracemalloc.start()
    try:
        entries = list(read_sources([path], max_bytes=1 << 20))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 << 20, f"peak {peak >> 20} MB"
    assert [e.doc_id for e in entries if isinstance(e, RawItem)] == ["a", "b"]
    assert [e.reason for e in entries if isinstance(e, Skipped)] == [
        f"too large: line 2 has {len(big) + (128 << 20) + 3} bytes, over the 1048576-byte limit"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_devices_fifos_and_sockets_are_skipped_without_reading(tmp_path: Path) -> None:
    """Run as the command line, in a process with a memory limit and a time-out: a
    device read to its end never ends, and a FIFO opened for reading waits for ever."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "story.txt").write_text("Tern story\n\nTerns nested on the roof.")
    (folder / "zero.jsonl").symlink_to("/dev/zero")
    (folder / "zero.html").symlink_to("/dev/zero")
    (folder / "zero.json.gz").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.html")
    fifo = tmp_path / "given.jsonl"
    os.mkfifo(fifo)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("inbox/sock.txt")  # relative: a socket's path must be short
        limit = 1 << 31
        code = (
            "import resource, sys\n"
            f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
            "from searchlib.cli import main\n"
            "main()\n"
        )
        args = ["--index", "ix", "index", "--workers", "1", "--show-skipped"]
        try:
            result = subprocess.run(
                [sys.executable, "-c", code, *args, "inbox", "given.jsonl"],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("indexing a FIFO or a device did not end")
    assert result.returncode == 0, result.stderr
    lines = sorted((result.stdout + result.stderr).strip().splitlines())
    assert lines[0].startswith("1 added, 0 updated, 0 unchanged, 6 skipped (6 not a regular file)")
    assert lines[1:] == [
        "skipped given.jsonl: not a regular file: a FIFO (named pipe)",
        "skipped inbox/pipe.html: not a regular file: a FIFO (named pipe)",
        "skipped inbox/sock.txt: not a regular file: a socket",
        "skipped inbox/zero.html: not a regular file: a character device",
        "skipped inbox/zero.json.gz: not a regular file: a character device",
        "skipped inbox/zero.jsonl: not a regular file: a character device",
    ]


def test_an_unreadable_folder_is_counted_with_its_reason(
    index_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "news"
    locked = folder / "locked"
    locked.mkdir(parents=True)
    (folder / "open.txt").write_text("Open story\n\nA shag dried its wings.")
    (locked / "hidden.txt").write_text("Hidden story\n\nA shag in the dark.")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK | os.X_OK):
            # Running as root, where permissions do not stop a read: the folder's listing
            # is refused as the system refuses it to any other user.
            listing = os.scandir

            def scandir(path: Any = ".") -> Any:
                if os.fspath(path) == str(locked):
                    raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
                return listing(path)

            monkeypatch.setattr(os, "scandir", scandir)
        with Index.create(index_dir) as ix:
            report = ix.add(folder, workers=1)
    finally:
        locked.chmod(0o755)
    assert report.added == 1
    assert report.skip_counts == {"unreadable folder": 1}
    assert report.skipped == [Skipped(str(locked), "unreadable folder: permission denied")]


def test_a_lone_oversized_line_is_one_skip_for_its_size(index_dir: Path, tmp_path: Path) -> None:
    """A gzip whose only line is over the cap is skipped once, for its size, and not a
    second time as an empty file."""
    path = tmp_path / "huge.jsonl.gz"
    line = b'{"id": "big", "body": "' + b"x" * (3 << 20) + b'"}\n'
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(line)
    with Index.create(index_dir) as ix:
        report = ix.add(path, workers=1, max_bytes=1 << 20)
    assert report.added == 0
    assert [(s.source, s.reason) for s in report.skipped] == [
        (f"{path}:1", f"too large: line 1 has {len(line)} bytes, over the 1048576-byte limit")
    ]
    assert report.skipped_count == 1
