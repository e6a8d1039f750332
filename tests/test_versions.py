"""The versions an index depends on: its metadata records them, an index in another
format is refused at open (never called damaged), nothing is written under a Whoosh
release the engine is not tested with, and indexes older than these checks, or than
the package's layout, read as they did."""

from __future__ import annotations

import gc
import json
import pickle
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import searchlib
from searchlib import Index, IndexDamagedError, IndexVersionError
from searchlib.cli import EXIT_ERROR, cli
from searchlib.engine import schema, trusted, versions
from searchlib.engine.store import META_FILE

from .conftest import write_jsonl

WORDS = ["harbour", "ferry", "storm", "council", "budget", "tide"]


def records(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "id": f"v{n}",
            "title": f"{WORDS[n % 6].title()} report {n}",
            "body": " ".join(WORDS[(n + k) % 6] for k in range(12)),
        }
        for n in range(start, start + count)
    ]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="searchlib")
    return result.exit_code, result.stderr


def files(path: Path) -> dict[str, bytes]:
    """Every file of the index folder, by name, with its contents."""
    return {child.name: child.read_bytes() for child in sorted(path.iterdir()) if child.is_file()}


def meta(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    return found


def edit_meta(path: Path, **changes: Any) -> None:
    """Change the index's metadata: a value of None removes the field."""
    edited = {**meta(path), **changes}
    (path / META_FILE).write_text(
        json.dumps({key: value for key, value in edited.items() if value is not None})
    )


@pytest.fixture
def index(index_dir: Path) -> Path:
    """An index of two segments (two runs), which `optimize` would merge."""
    with Index.create(index_dir) as ix:
        ix.add(records(6), workers=1)
        ix.add(records(6, start=6), workers=1)
        assert ix.stats().segments == 2
    return index_dir


@pytest.fixture
def newer_whoosh(monkeypatch: pytest.MonkeyPatch) -> str:
    """Whoosh 3.55.0 installed, as the engine sees it."""
    monkeypatch.setattr(versions, "installed_whoosh", lambda: "3.55.0")
    return "3.55.0"


def test_the_metadata_records_the_versions(index_dir: Path) -> None:
    import whoosh

    Index.create(index_dir).close()
    recorded = meta(index_dir)
    assert recorded["format_version"] == versions.FORMAT_VERSION
    assert recorded["whoosh_version"] == whoosh.versionstring() == versions.installed_whoosh()
    assert recorded["searchlib_version"] == searchlib.__version__
    assert recorded["schema_version"] == schema.SCHEMA_VERSION


def test_the_installed_whoosh_is_the_tested_release() -> None:
    assert versions.whoosh_tested()
    assert versions.whoosh_tested("3.54.0") and versions.whoosh_tested("3.54.9")
    for other in ("3.55.0", "3.53.2", "4.54.0", "3", "x.y", ""):
        assert not versions.whoosh_tested(other), other


def test_an_index_written_before_the_versions_were_recorded_opens_and_searches(
    index: Path,
) -> None:
    edit_meta(index, format_version=None, whoosh_version=None, searchlib_version=None)
    with Index.open(index) as ix:
        assert len(ix.search("harbour", limit=20)) == 12
        assert ix.check() == []
        # Written again, it records what writes it now.
        assert ix.add(records(2, start=12), workers=1).added == 2
        assert len(ix) == 14
    assert meta(index)["format_version"] == versions.FORMAT_VERSION
    assert meta(index)["whoosh_version"] == versions.installed_whoosh()


def test_an_index_of_the_format_before_is_read_and_stamped_when_written(index: Path) -> None:
    """Format 1 differs only in its frequency files, which are left unread: its
    searches are as before, and once written it is stamped as this release's format
    (whose frequency files an earlier release would take for damage)."""
    with Index.open(index) as ix:
        before = [(hit.id, hit.score) for hit in ix.search("harbour", limit=20)]
    edit_meta(index, format_version=1)
    with Index.open(index) as ix:
        assert [(hit.id, hit.score) for hit in ix.search("harbour", limit=20)] == before
        assert ix.add(records(2, start=12), workers=1).added == 2
    assert meta(index)["format_version"] == versions.FORMAT_VERSION == 2


@pytest.mark.parametrize("found", [versions.FORMAT_VERSION + 1, 0, "2-beta"])
def test_an_index_in_another_format_is_refused_at_open_not_called_damaged(
    index: Path, found: object
) -> None:
    edit_meta(index, format_version=found, searchlib_version="9.0.0")
    with pytest.raises(IndexVersionError) as raised:
        Index.open(index)
    error = raised.value
    assert not isinstance(error, IndexDamagedError)
    message = str(error)
    assert f"index format {found}" in message and "searchlib 9.0.0" in message
    assert "rebuild it from its sources" in message and "install the searchlib" in message
    assert "\n" not in message and "damaged" not in message
    code, err = run("search", "harbour")
    assert code == EXIT_ERROR and err.count("\n") == 1 and "damaged" not in err
    assert f"index format {found}" in err


def test_nothing_is_written_under_an_untested_whoosh(
    index: Path, tmp_path: Path, newer_whoosh: str
) -> None:
    before = files(index)
    source = write_jsonl(tmp_path / "more.jsonl", records(4, start=20))
    with Index.open(index) as ix:
        for write in (
            lambda: ix.add(source, workers=1),
            lambda: ix.add(records(2, start=30), replace_all=True),
            lambda: ix.add(source, workers=1, prune=True),
            ix.optimize,
        ):
            with pytest.raises(IndexVersionError) as raised:
                write()
            message = str(raised.value)
            assert "Whoosh 3.55.0" in message and "tested with Whoosh 3.54" in message
            assert "pip install 'whoosh3>=3.54,<3.55'" in message
            assert "\n" not in message and "damaged" not in message
        # Reading proceeds.
        assert len(ix.search("harbour", limit=20)) == 12 and ix.check() == []
    assert files(index) == before
    with pytest.raises(IndexVersionError, match=r"Whoosh 3\.55\.0"):
        Index.create(tmp_path / "new")
    assert not (tmp_path / "new").exists()
    code, err = run("index", "--workers", "1", str(source))
    assert code == EXIT_ERROR and err.count("\n") == 1, err
    assert "Whoosh 3.55.0" in err and "--rebuild" not in err and "damaged" not in err
    assert files(index) == before


# Whoosh leaves the table of contents open when reading it fails; it is closed when
# collected, so the warning about it is not this test's concern.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_failed_read_under_an_untested_whoosh_is_not_called_damage(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toc = max(index.glob("_MAIN_*.toc"))
    toc.write_bytes(toc.read_bytes()[:20])  # unreadable by the tested Whoosh too
    with pytest.raises(IndexDamagedError):
        Index.open(index)
    monkeypatch.setattr(versions, "installed_whoosh", lambda: "3.55.0")
    with pytest.raises(IndexVersionError) as raised:
        Index.open(index)
    assert not isinstance(raised.value, IndexDamagedError)
    assert "cannot read the index" in str(raised.value)
    assert "Whoosh 3.55.0" in str(raised.value)
    del raised  # its traceback holds the table of contents open
    gc.collect()  # closed here, under this test's warning filter


def test_a_schema_pickled_under_the_former_module_name_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Indexes written before the package was laid out by stage name their schema's
    classes `searchlib.schema.PostedText`."""
    former = types.ModuleType("searchlib.schema")
    former.PostedText = schema.PostedText  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "searchlib.schema", former)
    monkeypatch.setattr(schema.PostedText, "__module__", "searchlib.schema")
    pickled = pickle.dumps(schema.build_schema(), 2)  # as Whoosh pickles the schema
    monkeypatch.undo()
    assert b"searchlib.schema\nPostedText" in pickled
    assert b"searchlib.engine.schema" not in pickled

    read = trusted.loads(pickled)
    assert type(read["title"]) is schema.PostedText
    assert type(read["content"]) is schema.PostedText
    assert read.names() == schema.build_schema().names()

    # Only the former place of the schema module is mapped: any other name is refused.
    for other in (b"searchlib.scheme", b"searchlib.errors"):
        with pytest.raises(trusted.UntrustedPickleError, match="no index holds"):
            trusted.loads(pickled.replace(b"searchlib.schema\n", other + b"\n"))


def test_a_writer_checks_the_versions_again_once_it_holds_the_lock(index: Path) -> None:
    # Another writer changed the metadata between this one's open and its lock (a newer
    # searchlib, a rebuild under another schema): nothing is written, nothing re-stamped.
    with Index.open(index) as ix:
        edit_meta(index, format_version=versions.FORMAT_VERSION + 1, searchlib_version="9.0.0")
        before = files(index)
        with pytest.raises(IndexVersionError, match=f"index format {versions.FORMAT_VERSION + 1}"):
            ix.add(records(3, start=20), workers=1)
        assert files(index) == before


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("1", "'1'"), (1.0, "1.0"), (True, "True"), ("x\ny", "'x\\ny'"), (10**60, "1000000")],
)
def test_a_stored_version_of_another_type_is_refused_and_shown_on_one_line(
    index: Path, stored: object, shown: str
) -> None:
    edit_meta(index, format_version=stored)
    with pytest.raises(IndexVersionError) as raised:
        Index.open(index)
    message = str(raised.value)
    assert f"index format {shown}" in message and "\n" not in message
    assert len(message) < 400


def test_deeply_nested_metadata_is_unreadable_not_a_crash(index: Path) -> None:
    (index / META_FILE).write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(IndexDamagedError, match="unreadable"):
        Index.open(index)


def test_format_1_names_the_schema_classes_as_searchlib_0_1_did(index: Path) -> None:
    # Format 1 is the files searchlib 0.1 wrote and reads: its table of contents names
    # the schema's classes under `searchlib.schema`, which that release can import.
    dumped = pickle.dumps(schema.build_schema(), protocol=2)
    assert b"searchlib.schema" in dumped and b"searchlib.engine" not in dumped
    table = b"".join(p.read_bytes() for p in index.glob("_MAIN_*.toc"))
    assert table and b"searchlib.engine" not in table
    assert isinstance(trusted.loads(dumped), type(schema.build_schema()))


def test_a_reader_waits_for_the_metadata_of_an_index_being_created(index: Path) -> None:
    # Another process creating the index writes its metadata just after the table of
    # contents: a reader in between waits for it rather than calling the index unknown.
    import threading

    saved = (index / META_FILE).read_bytes()
    (index / META_FILE).unlink()
    writer = threading.Timer(0.3, (index / META_FILE).write_bytes, args=(saved,))
    writer.start()
    try:
        with Index.open(index) as ix:
            assert len(ix) == 12
    finally:
        writer.join()
