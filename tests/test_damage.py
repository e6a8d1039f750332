"""Untrusted and damaged index files, and searches racing a rewrite: code named in an
index file never runs, every read error is reported as damage (exit 2, one line),
`check` reads what searches read, `index` never builds on a damaged index, and a search
sees the old or the new index while `optimize` or a rebuild replaces it."""

from __future__ import annotations

import gc
import io
import os
import pickle
import shutil
import subprocess
import threading
import warnings
import zlib
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchlib import Index
from searchlib.cli import EXIT_ERROR, EXIT_OK, cli
from searchlib.engine import postings, store, trusted
from searchlib.engine.schema import build_schema
from searchlib.errors import IndexDamagedError

from .conftest import write_jsonl

# Whoosh leaves a file handle open when a segment it opens turns out to be damaged; the
# handle is closed when collected, so the warning about it is not these tests' concern.
pytestmark = [
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

WORDS = ["pipeline", "gas", "oil", "talks", "bank", "rates", "storm", "harbour", "wind"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="searchlib")
    return result.exit_code, result.stdout, result.stderr


def records(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "id": f"story-{n}",
            "title": f"{WORDS[n % len(WORDS)].title()} story number {n}",
            "date": f"2024-03-{1 + n % 28:02d}",
            "source": "Example Wire",
            "body": " ".join(WORDS[(n + k) % len(WORDS)] for k in range(40)) + f" item{n}.",
        }
        for n in range(start, start + count)
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An index of 60 stories in one segment, and the file they were read from."""
    folder = tmp_path_factory.mktemp("built")
    corpus = write_jsonl(folder / "stories.jsonl", records(60))
    with Index.create(folder / "index") as ix:
        ix.add(corpus, workers=1)
    return folder / "index", corpus


@pytest.fixture
def index(built: tuple[Path, Path], index_dir: Path) -> Path:
    """A copy of the built index at the test's own index folder ($SEARCHLIB_INDEX)."""
    shutil.copytree(built[0], index_dir)
    return index_dir


def segment_file(index: Path, suffix: str) -> Path:
    """The file with `suffix` of the (only) segment the last commit lists."""
    (segment,) = store.segments(store.open_index(index))
    return index / f"{segment.segment_id()}{suffix}"


# -- code in index files ----------------------------------------------------------------


class Payload:
    """Pickles as a call of `call` with `args`: what a crafted index file would hold."""

    def __init__(self, call: Callable[..., Any], *args: Any) -> None:
        self.call, self.args = call, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.call, self.args


def payloads(marker: Path) -> dict[str, Payload]:
    return {
        "os.system": Payload(os.system, f"touch '{marker}'"),
        "subprocess": Payload(subprocess.call, ["touch", str(marker)]),
        "eval": Payload(eval, f"open({str(marker)!r}, 'w').close()"),
    }


@pytest.mark.parametrize("kind", ["os.system", "subprocess", "eval"])
def test_a_payload_is_refused_where_pickle_would_run_it(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "ran"
    crafted = pickle.dumps(payloads(marker)[kind], 2)
    pickle.loads(crafted)  # the payload works: plain unpickling runs it
    assert marker.exists()
    marker.unlink()
    with pytest.raises(trusted.UntrustedPickleError):
        trusted.loads(crafted)
    with pytest.raises(trusted.UntrustedPickleError):
        trusted.load(io.BytesIO(crafted))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("whoosh.util.loading", "find_object"),  # imports and returns any name it is given
        ("whoosh.index", "FileIndex"),  # a class, but opens files: no index holds one
        ("whoosh.fields", "Schema.__init__"),  # reached through a class
        ("whoosh.fields", "nothing_of_that_name"),
        ("whoosh.analysis.nowhere", "Tokenizer"),
        ("builtins", "getattr"),
        ("antigravity", "fly"),  # never imported: importing runs code
    ],
)
def test_only_what_an_index_holds_may_be_named(module: str, name: str) -> None:
    crafted = f"c{module}\n{name}\n.".encode()  # protocol 0: push that global
    with pytest.raises(trusted.UntrustedPickleError, match="no index holds"):
        trusted.loads(crafted)


def test_what_an_index_holds_is_rebuilt() -> None:
    schema = trusted.loads(pickle.dumps(build_schema(), 2))
    assert schema.names() == build_schema().names()
    # Importing searchlib.engine.store (above) installed the loader where Whoosh reads pickles.
    from whoosh import columns, formats
    from whoosh import index as windex
    from whoosh.codec import whoosh3
    from whoosh.filedb import structfile

    from searchlib.engine import postings

    assert windex.pickle.loads is trusted.loads
    assert structfile.load is trusted.load
    assert whoosh3.loads is columns.loads is formats.loads is trusted.loads
    assert postings.loads is trusted.loads and postings.load is trusted.load


def write_toc(index: Path, schema: bytes, segments: bytes) -> None:
    """A table of contents of the next generation holding these pickles, laid out as
    Whoosh writes one: the header of the last one Whoosh wrote (the sizes of numbers,
    a byte-order check, the format and Whoosh's release), then the schema, the
    generation, a number unused and the segments."""
    from whoosh.filedb.structfile import StructFile

    ix = store.open_index(index)
    generation = ix.latest_generation() + 1
    last = StructFile(io.BytesIO((index / f"_MAIN_{generation - 1}.toc").read_bytes()))
    for _ in range(3):
        last.read_varint()
    last.read_int()
    last.read_int()
    for _ in range(3):
        last.read_varint()
    header = last.file.getvalue()[: last.tell()]
    buffer = io.BytesIO()
    stream = StructFile(buffer)
    stream.write(header)
    stream.write_string(schema)
    stream.write_int(generation)
    stream.write_int(0)
    stream.write(segments)
    (index / f"_MAIN_{generation}.toc").write_bytes(buffer.getvalue())


@pytest.mark.parametrize("where", ["schema", "segments"])
@pytest.mark.parametrize("kind", ["os.system", "subprocess", "eval"])
def test_a_crafted_table_of_contents_is_refused_and_never_run(
    index: Path, tmp_path: Path, kind: str, where: str
) -> None:
    marker = tmp_path / "ran"
    crafted = pickle.dumps(payloads(marker)[kind], 2)
    ix = store.open_index(index)
    schema, segments = pickle.dumps(ix.schema, 2), pickle.dumps(store.segments(ix), 2)
    if where == "schema":
        write_toc(index, crafted, segments)
    else:
        write_toc(index, schema, crafted)
    for args in (["search", "pipeline"], ["check"], ["show", "story-1"], ["stats"]):
        code, out, err = run(*args)
        assert code == EXIT_ERROR, (args, out, err)
        assert err.startswith("Error: index damaged at") and err.count("\n") == 1, err
        assert "no index holds" in err
    with pytest.raises(IndexDamagedError):
        Index.open(index)
    assert not marker.exists()


def test_a_crafted_stored_value_is_refused_and_never_run(index: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    ix = store.open_index(index)
    writer = ix.writer()
    writer.add_document(
        id="evil",
        checksum="x",
        title="pipeline",
        content="pipeline",
        body=payloads(marker)["os.system"],
    )
    writer.commit()
    for args in (["search", "pipeline"], ["show", "evil"], ["check"], ["check", "--quick"]):
        code, _, err = run(*args)
        assert code == EXIT_ERROR and err.startswith("Error: index damaged at"), (args, err)
        assert "no index holds" in err and err.count("\n") == 1
    assert not marker.exists()


# -- damaged files ----------------------------------------------------------------------


def damage(index: Path, kind: str) -> None:
    if kind == "stored fields deleted":
        segment_file(index, "._stored.col").unlink()
    elif kind == "stored fields truncated":
        stored = segment_file(index, "._stored.col")
        stored.write_bytes(stored.read_bytes()[: stored.stat().st_size // 2])
    elif kind == "postings truncated":
        postings = segment_file(index, ".pst")
        postings.write_bytes(postings.read_bytes()[: postings.stat().st_size // 2])
    elif kind == "id column deleted":
        segment_file(index, ".id.col").unlink()
    elif kind == "terms emptied":
        segment_file(index, ".trm").write_bytes(b"")
    elif kind == "table of contents deleted":
        for toc in index.glob("*.toc"):
            toc.unlink()
    else:
        raise AssertionError(kind)


KINDS = [
    "stored fields deleted",
    "stored fields truncated",
    "postings truncated",
    "id column deleted",
    "table of contents deleted",
    "terms emptied",
]


@pytest.mark.parametrize("kind", KINDS)
def test_damage_is_one_line_and_exit_2_and_rebuild_recovers(
    index: Path, built: tuple[Path, Path], kind: str
) -> None:
    damage(index, kind)
    corpus = str(built[1])
    commands = (
        ["search", "pipeline"],
        ["search", "gas", "--sort", "date"],
        ["show", "story-7"],
        ["check"],
        ["check", "--quick"],
        ["index", "--workers", "1", corpus],
    )
    for args in commands:
        code, out, err = run(*args)
        assert code == EXIT_ERROR, (args, out, err)
        assert err.startswith("Error: index damaged at") and err.count("\n") == 1, (args, err)
        assert (
            "searchlib index --index " in err
            and " --rebuild SOURCES..." in err
            and "Traceback" not in out + err
        )
    code, out, err = run("index", "--rebuild", "--workers", "1", corpus)
    assert code == EXIT_OK, out + err
    code, out, _ = run("check")
    assert code == EXIT_OK and "is sound: 60 documents" in out


def test_check_decodes_every_posting_list(index: Path) -> None:
    postings = segment_file(index, ".pst")
    # Garbled, not shortened: the file is as long as before, so only reading finds it.
    data = bytearray(postings.read_bytes())
    for offset in range(4, len(data), 64):
        data[offset] ^= 0xFF
    postings.write_bytes(bytes(data))
    with Index.open(index) as ix:
        assert ix.check(quick=True) == []  # the stored documents and ids are whole
        problems = ix.check()
        assert problems and all("postings of" in problem for problem in problems)
        with pytest.raises(IndexDamagedError):
            ix.search("pipeline")
    code, _, err = run("check")
    assert code == EXIT_ERROR and err.startswith("problem: segment")
    assert err.splitlines()[-1].startswith("Error: index damaged at")
    code, _, err = run("search", "pipeline")
    assert code == EXIT_ERROR and err.startswith("Error: index damaged at")
    assert err.count("\n") == 1


@pytest.fixture
def merged(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An index of one merged segment whose frequency file holds every posting list."""
    monkeypatch.setattr(postings, "FREQUENCY_MIN", 1)
    with Index.create(index_dir) as ix:
        ix.add(records(30), workers=1)
        ix.add(records(30, start=30), workers=1)
        ix.optimize()
    return index_dir


def test_check_compares_the_frequency_file_with_the_postings(merged: Path) -> None:
    frequencies = segment_file(merged, ".frq")
    data = bytearray(frequencies.read_bytes())
    data[_ids_at(bytes(data), 0)] ^= 0x01  # the first document number of a list
    # Its checksum made to fit: what the checksum would miss, the comparison finds.
    frequencies.write_bytes(_with_checksums(bytes(data)))
    with Index.open(merged) as ix:
        assert ix.check(quick=True) == []
        problems = ix.check()
    assert len(problems) == 1 and "the frequency file's copy differs" in problems[0]


def test_a_truncated_frequency_file_is_damage(merged: Path) -> None:
    frequencies = segment_file(merged, ".frq")
    frequencies.write_bytes(frequencies.read_bytes()[:-3])
    for args in (["search", "pipeline"], ["check", "--quick"], ["check"]):
        code, out, err = run(*args)
        assert code == EXIT_ERROR, (args, out, err)
        assert err.startswith("Error: index damaged at") and err.count("\n") == 1, (args, err)
        assert "not a frequency file" in err and "Traceback" not in out + err


def test_a_garbled_column_is_damage(index: Path, built: tuple[Path, Path]) -> None:
    """Garbled ids fail to decode inside Whoosh's call of the standard library's UTF-8
    decoder: still damage."""
    column = segment_file(index, ".id.col")
    data = column.read_bytes()
    column.write_bytes(b"\xff" * 16 + data[16:])  # the first values, not the layout
    for args in (["check"], ["index", "--workers", "1", str(built[1])]):
        code, out, err = run(*args)
        assert code == EXIT_ERROR, (args, out, err)
        assert err.startswith("Error: index damaged at") and err.count("\n") == 1, (args, err)
        assert "UnicodeDecodeError" in err


def test_truncated_postings_are_found_when_opening(index: Path) -> None:
    damage(index, "postings truncated")
    with pytest.raises(IndexDamagedError, match=r"postings file holds \d+ bytes"):
        Index.open(index)


def test_a_run_refuses_an_index_that_lost_an_id_column(
    index: Path, built: tuple[Path, Path]
) -> None:
    """Without its id column, a segment's stories looked new, and a plain re-run added
    every one of them again."""
    column = segment_file(index, ".id.col")
    kept = column.read_bytes()
    with Index.open(index) as ix:
        column.unlink()  # lost after the index was opened: the run itself must notice
        with pytest.raises(IndexDamagedError, match=r"\.id\.col is missing"):
            ix.add(built[1], workers=1)
    column.write_bytes(kept)
    with Index.open(index) as ix:
        assert len(ix) == 60 and ix.check() == []


def test_a_missing_table_of_contents_is_damage_not_absence(index: Path) -> None:
    damage(index, "table of contents deleted")
    assert store.exists(index)
    with pytest.raises(IndexDamagedError, match="table of contents is missing"):
        Index.open(index)
    with pytest.raises(IndexDamagedError):
        Index.open_or_create(index)
    # Without the metadata too, the segment files still say an index was here.
    (index / store.META_FILE).unlink()
    assert store.exists(index)
    code, _, err = run("search", "pipeline")
    assert code == EXIT_ERROR and "no index at" not in err


# -- searches racing a rewrite ----------------------------------------------------------


def test_a_search_during_optimize_reads_the_new_index(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merge commits, then deletes the merged segments' files; a searcher opened before
    had not opened all of them yet (Whoosh opens stored fields and columns lazily)."""
    with Index.open(index) as writer:
        writer.add(records(5, start=60), workers=1)  # a second segment, to merge
    import searchlib.search.searching as searching

    real = searching.column_lookup
    merged: list[int] = []

    def merge_first(*args: Any, **kwargs: Any) -> Any:
        # Its first call is collapsing's, after scoring, before reading columns and
        # stored fields.
        if not merged:
            with Index.open(index) as other:
                merged.append(other.optimize())
        return real(*args, **kwargs)

    monkeypatch.setattr(searching, "column_lookup", merge_first)
    with Index.open(index) as ix:
        found = ix.search("pipeline", limit=100)
    assert merged == [2]
    assert found.matches > 0 and all(hit.id.startswith("story-") for hit in found)
    assert {hit.id for hit in found} == {
        hit.id for hit in Index.open(index).search("pipeline", limit=100)
    }


def test_searches_racing_optimize_and_rebuild_see_one_index(
    index: Path, built: tuple[Path, Path]
) -> None:
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def search_in_a_loop() -> None:
        try:
            with Index.open(index) as ix:
                while not stop.is_set():
                    for word in ("pipeline", "gas", "harbour"):
                        found = ix.search(word, limit=20)
                        counts.append(found.matches)
                        assert all(hit.title for hit in found)
                    assert ix.get("story-3") is not None
        except BaseException as exc:  # anything at all fails the test
            errors.append(exc)

    threads = [threading.Thread(target=search_in_a_loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(4):
            with Index.open(index) as writer:
                writer.add(records(10, start=60 + 10 * round_), workers=1, batch_size=5)
                writer.optimize()
            with Index.open(index) as rebuilt:  # as `searchlib index --rebuild` does
                rebuilt.add(built[1], workers=1, batch_size=30, replace_all=True)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors
    assert counts and min(counts) > 0
    with Index.open(index) as ix:
        assert len(ix) == 60 and ix.check() == []


def test_a_read_error_no_commit_explains_is_damage(index: Path) -> None:
    with Index.open(index) as ix:
        assert ix.search("pipeline").matches
        postings = segment_file(index, ".pst")
        with postings.open("r+b") as garble:  # in place: the open searcher reads it
            garble.write(b"\xff" * postings.stat().st_size)
        with pytest.raises(IndexDamagedError, match="index damaged"):
            ix.search("harbour")


def test_a_stored_document_read_back_without_its_id_is_damage(tmp_path: Path) -> None:
    """Garbled stored fields can decode to an empty document; a search reports damage."""
    from whoosh import index as windex

    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add([{"id": "a", "title": "Harbour fees", "body": "The harbour raises its fees."}])
    writer = windex.open_dir(str(path), indexname="MAIN").writer()
    writer.add_document(content="harbour dredging")  # stored fields without an id
    # Not the segment's last document, which the probe on opening reads.
    writer.add_document(id="b", title="Fees", content="fees")
    writer.commit()
    with Index.open(path) as ix, pytest.raises(IndexDamagedError):
        ix.search("harbour")
    code, _, err = run("--index", str(path), "search", "harbour")
    assert code == EXIT_ERROR and err.count("\n") == 1 and "damaged" in err


class _Allocation:
    """A pickle of a few bytes that asks for gigabytes when it is rebuilt."""

    def __init__(self, kind: type) -> None:
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.kind, (6 * 10**9,))


@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_a_table_of_contents_asking_for_gigabytes_is_refused_at_once(
    index: Path, kind: type
) -> None:
    ix = store.open_index(index)
    write_toc(index, pickle.dumps(ix.schema, 2), pickle.dumps(_Allocation(kind), 2))
    code, out, err = run("stats")
    assert code == EXIT_ERROR and "no index holds" not in out
    assert err.startswith("Error: index damaged at") and "of a size" in err, err
    # Whoosh leaves the table of contents open when reading it fails; closed here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def test_a_date_out_of_any_calendar_is_found_by_check(index: Path) -> None:
    """A garbled date decodes to a number; `stats` and date sorts cannot read it as a
    date, and `check` says so rather than calling the index sound."""
    column = segment_file(index, ".date.col")
    data = column.read_bytes()
    column.write_bytes(b"\x7f\xee\xee\xee\xee\xee\xee\xee" * 4 + data[32:])
    code, out, err = run("check")
    assert code == EXIT_ERROR, out + err
    assert "column date" in err


def test_a_garbled_term_met_while_correcting_a_typo_is_damage(index: Path) -> None:
    """A term whose bytes are no longer UTF-8 was decoded by the speller, outside the
    engine's readers: the search ended in a UnicodeDecodeError traceback (exit 1)."""
    terms = segment_file(index, ".trm")
    data = bytearray(terms.read_bytes())
    at = data.find(b"harbour")
    assert at > 0
    data[at + 3] = 0xFF
    terms.write_bytes(bytes(data))
    code, out, err = run("search", "harbur")  # corrected from the words in "h"
    assert code == EXIT_ERROR and out == ""
    assert err.startswith("Error: index damaged at ") and "Traceback" not in err


@pytest.mark.parametrize("in_arrays", [False, True])
def test_a_frequency_file_naming_documents_past_its_segment_is_damage(
    merged: Path, monkeypatch: pytest.MonkeyPatch, in_arrays: bool
) -> None:
    """Read whole or summed in arrays across segments, a posting numbered past its
    segment is damage, not another document's score."""
    from searchlib.engine import topk

    threshold = 0 if in_arrays else 10**12
    monkeypatch.setattr(topk, "ARRAY_POSTINGS", threshold)
    monkeypatch.setattr(topk, "ARRAY_POSTINGS_IMPORTED", threshold)
    frequencies = segment_file(merged, ".frq")
    data = bytearray(frequencies.read_bytes())
    for at in range(_column(bytes(data), "lengths")[1]):
        count = _record(bytes(data), at)[1]
        last = _ids_at(bytes(data), at) + 4 * (count - 1)
        data[last : last + 4] = (10**6).to_bytes(4, "little")
    frequencies.write_bytes(_with_checksums(bytes(data)))  # past the checksums, to the ids
    code, out, err = run("search", "pipeline")
    assert code == EXIT_ERROR and err.startswith("Error: index damaged at"), out + err
    assert err.count("\n") == 1 and "Traceback" not in out + err


def _column(data: bytes, name: str) -> tuple[int, int, int]:
    """Where the frequency file directory's column `name` starts, its entries and the
    bytes each takes."""
    start, count, *_ = postings._FREQUENCY_TRAILER.unpack(data[-postings._FREQUENCY_TRAILER.size :])
    for column, code in postings._DIRECTORY:
        size = array(code).itemsize
        if column == name:
            return start, count, size
        start += size * count
    raise AssertionError(name)


def _value(data: bytes, name: str, at: int) -> int:
    start, _, size = _column(data, name)
    return int.from_bytes(data[start + size * at : start + size * (at + 1)], "little")


def _set(data: bytearray, name: str, at: int, value: int) -> None:
    start, _, size = _column(bytes(data), name)
    data[start + size * at : start + size * (at + 1)] = value.to_bytes(size, "little")


def _record(data: bytes, at: int) -> tuple[bytes, int, int]:
    """The key, postings and weight size of the directory's `at`-th list."""
    offset = _value(data, "offsets", at)
    size_of_key, count, size = postings._RECORD.unpack_from(data, offset)
    key = data[offset + postings._RECORD.size : offset + postings._RECORD.size + size_of_key]
    return key, count, size


def _ids_at(data: bytes, at: int) -> int:
    """Where the ids of the directory's `at`-th list begin."""
    return _value(data, "offsets", at) + postings._RECORD.size + len(_record(data, at)[0])


def _with_checksums(data: bytes) -> bytes:
    """A frequency file whose directory's checksums are made to fit its lists again."""
    out = bytearray(data)
    for at in range(_column(data, "crcs")[1]):
        offset, length = _value(data, "offsets", at), _value(data, "lengths", at)
        _set(out, "crcs", at, zlib.crc32(data[offset : offset + length]))
    return bytes(out)


def _entry(data: bytes, word: bytes) -> int:
    """The directory entry of the content term `word`."""
    for at in range(_column(data, "offsets")[1]):
        if _record(data, at)[0].endswith(word):
            return at
    raise AssertionError(word)


def test_a_frequency_file_list_under_a_garbled_key_answers_for_nothing(merged: Path) -> None:
    """A list whose key no longer names the word it is filed under is not read for it
    nor for the word the garbled key spells, and `check` reports it."""
    from searchlib.engine import topk

    with Index.open(merged) as ix:
        found = [hit.id for hit in ix.search("pipeline", limit=100)]
    frequencies = segment_file(merged, ".frq")
    data = bytearray(frequencies.read_bytes())
    at = _entry(bytes(data), b"pipelin")
    key = _record(bytes(data), at)[0]
    last = _value(bytes(data), "offsets", at) + postings._RECORD.size + len(key) - 1
    data[last] = ord("x")  # "pipelin" -> "pipelix", which no story holds
    frequencies.write_bytes(_with_checksums(bytes(data)))
    with Index.open(merged) as ix:
        reader = ix._get_searcher().reader()
        assert len(topk._decode(reader, "content", "pipelix")[0]) == 0
        assert [hit.id for hit in ix.search("pipeline", limit=100)] == found  # from its blocks
        problems = ix.check()
    assert problems == [
        f"segment {segment_file(merged, '').name}: frequency file: "
        f"the directory misplaces the list of {key[:-1] + b'x'!r}"
    ]


def test_a_frequency_file_list_of_another_length_is_damage(merged: Path) -> None:
    frequencies = segment_file(merged, ".frq")
    data = bytearray(frequencies.read_bytes())
    at = _entry(bytes(data), b"pipelin")
    _set(data, "lengths", at, _value(bytes(data), "lengths", at) - 1)
    frequencies.write_bytes(_with_checksums(bytes(data)))
    code, out, err = run("search", "pipeline")
    assert code == EXIT_ERROR and err.startswith("Error: index damaged at"), out + err
    assert "a garbled frequency file list" in err and err.count("\n") == 1


@pytest.mark.parametrize("garbling", ["offset of another list", "weight size", "an id's low bit"])
def test_a_frequency_file_list_read_wrong_fails_its_checksum(merged: Path, garbling: str) -> None:
    """A list read from another list's place, with weights of another size, or with a
    bit flipped, is damage: never another word's documents or scores."""
    frequencies = segment_file(merged, ".frq")
    data = bytearray(frequencies.read_bytes())
    at = _entry(bytes(data), b"pipelin")
    if garbling == "offset of another list":
        other = _entry(bytes(data), b"\x01bank")
        _set(data, "offsets", at, _value(bytes(data), "offsets", other))
        _set(data, "lengths", at, _value(bytes(data), "lengths", other))
    elif garbling == "weight size":
        size_at = _value(bytes(data), "offsets", at) + postings._RECORD.size - 1
        data[size_at] = 4 if data[size_at] == 1 else 1
    else:
        data[_ids_at(bytes(data), at)] ^= 0x01
    frequencies.write_bytes(bytes(data))
    code, out, err = run("search", "pipeline")
    assert code == EXIT_ERROR and err.startswith("Error: index damaged at"), out + err
    assert err.count("\n") == 1 and "Traceback" not in out + err


def test_the_frequency_file_of_another_segment_is_damage(merged: Path, tmp_path: Path) -> None:
    """A frequency file copied over another segment's would score its lists as this
    segment's documents: its trailer names the segment it was written for."""
    other = tmp_path / "other"
    with Index.create(other) as ix:
        ix.add(records(30, start=100), workers=1)
        ix.add(records(30, start=130), workers=1)
        ix.optimize()
    segment_file(merged, ".frq").write_bytes(segment_file(other, ".frq").read_bytes())
    code, out, err = run("search", "pipeline")
    assert code == EXIT_ERROR and err.startswith("Error: index damaged at"), out + err
    assert "the frequency file of another segment" in err and err.count("\n") == 1


@pytest.mark.parametrize("size", [0, 3, 10])
def test_a_frequency_file_cut_to_a_few_bytes_says_what_it_is(merged: Path, size: int) -> None:
    frequencies = segment_file(merged, ".frq")
    frequencies.write_bytes(frequencies.read_bytes()[:size])
    code, out, err = run("search", "pipeline")
    assert code == EXIT_ERROR and "not a frequency file" in err, out + err
    assert err.count("\n") == 1 and "Traceback" not in out + err
