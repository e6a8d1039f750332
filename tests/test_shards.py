"""`searchlib clean --out`: shards cleaned once, resumed, indexed and exported as the
inputs would be (local workers; the Dask runs are in test_dask.py)."""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchlib import Index
from searchlib.cli import EXIT_ERROR, EXIT_OK, cli
from searchlib.ingest.cluster import clean_corpus
from searchlib.ingest.shards import MANIFEST, RECORD_SCHEMA, ShardsError, shard_records
from searchlib.search.export import BULK_MAPPING

from .conftest import write_jsonl

QUERIES = ("interest rates", "festival", "snow Zürich", "Putin", "wind", "storm OR bank")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="searchlib")
    return result.exit_code, result.stdout, result.stderr


def shard_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("part-*.jsonl.gz"))}


def results(index: Path) -> dict[str, list[tuple[str, str, float]]]:
    with Index.open(index) as ix:
        return {
            q: [(h.id, h.title, round(h.score, 6)) for h in ix.search(q, limit=20)] for q in QUERIES
        }


def corpus(folder: Path, records: int = 25) -> Path:
    """`news` with a JSON-lines file long enough to be split across shards, and a binary
    file and a malformed line to be skipped."""
    write_jsonl(
        folder / "feed.jsonl",
        [
            {
                "id": f"feed-{n}",
                "title": f"Harbour storm report {n}",
                "date": f"2024-03-{n % 28 + 1:02d}T06:30:00Z",
                "authors": ["Ines Moreau"],
                "body": f"Storm number {n} closed the harbour for {n} hours.\n\nShare this article",
            }
            for n in range(records)
        ],
    )
    with (folder / "feed.jsonl").open("a", encoding="utf-8") as feed:
        feed.write("{not json\n")
    (folder / "blob.txt").write_bytes(b"\x00\x01\x02" * 100)
    return folder


def test_shards_index_as_the_inputs_do(news: Path, tmp_path: Path) -> None:
    corpus(news)
    report = clean_corpus([news], tmp_path / "shards", workers=1, shard_size=10)
    assert report.articles == 32 and report.shards == 4 and not report.failed
    assert report.skips.skip_counts == {"binary file": 1, "malformed JSON line": 1}
    with Index.create(tmp_path / "raw") as ix:
        raw_report = ix.add([news], workers=1)
    with Index.create(tmp_path / "cleaned") as ix:
        shard_report = ix.add([tmp_path / "shards"], workers=1)
    assert shard_report.added == raw_report.added == 32 and shard_report.skipped_count == 0
    assert results(tmp_path / "cleaned") == results(tmp_path / "raw")
    with Index.open(tmp_path / "raw") as raw, Index.open(tmp_path / "cleaned") as cleaned:
        assert list(cleaned.export()) == list(raw.export())


def test_manifest_counts_skips_by_reason(news: Path, tmp_path: Path) -> None:
    corpus(news)
    clean_corpus([news], tmp_path / "shards", workers=1, shard_size=10)
    manifest = json.loads((tmp_path / "shards" / MANIFEST).read_text())
    assert manifest["articles"] == 32 and manifest["cleaned"] is True
    assert manifest["record"] == RECORD_SCHEMA and manifest["searchlib"]
    assert [s["name"] for s in manifest["shards"]] == [f"part-0000{n}.jsonl.gz" for n in range(4)]
    assert manifest["skipped_by_reason"] == {"binary file": 1, "malformed JSON line": 1}
    reasons = {Path(s["source"]).name: s["reason"] for s in manifest["skipped_inputs"]}
    assert reasons["blob.txt"] == "binary file"
    assert reasons["feed.jsonl:26"].startswith("malformed JSON line 26")


def test_records_are_not_cleaned_again(
    news: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_corpus([news], tmp_path / "shards", workers=1)
    import searchlib.clean

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("cleaned twice")

    for name in ("clean_html", "clean_text", "clean_body"):
        monkeypatch.setattr(searchlib.clean, name, refuse)
    with Index.create(tmp_path / "ix") as ix:
        report = ix.add([tmp_path / "shards"], workers=1)
    assert report.added == 7 and report.skipped_count == 0
    record = next(shard_records(tmp_path / "shards"))
    assert record["cleaned"] is True and list(record) == list(RECORD_SCHEMA)


def test_worker_processes_write_the_same_bytes(news: Path, tmp_path: Path) -> None:
    corpus(news)
    clean_corpus([news], tmp_path / "one", workers=1, shard_size=7)
    clean_corpus([news], tmp_path / "two", workers=2, shard_size=7)
    assert shard_bytes(tmp_path / "one") == shard_bytes(tmp_path / "two")
    assert len(shard_bytes(tmp_path / "one")) == 5


def test_split_shards_hold_what_one_shard_holds(news: Path, tmp_path: Path) -> None:
    corpus(news)
    clean_corpus([news], tmp_path / "whole", workers=1)
    clean_corpus([news], tmp_path / "split", workers=1, shard_size=3)
    assert list(shard_records(tmp_path / "split")) == list(shard_records(tmp_path / "whole"))


def test_a_rerun_keeps_finished_shards_and_redoes_the_rest(news: Path, tmp_path: Path) -> None:
    corpus(news)
    out = tmp_path / "shards"
    clean_corpus([news], out, workers=1, shard_size=10)
    before = shard_bytes(out)
    (out / "part-00002.jsonl.gz").unlink()  # as if stopped while writing it
    (out / ".part-00003.json").unlink()  # written, never marked done
    cut = out / "part-00001.jsonl.gz"
    cut.write_bytes(cut.read_bytes()[:100])  # finished, then damaged
    (out / ".part-00002.jsonl.gz.4242-0badf00d").write_bytes(b"\x1f\x8b")  # a killed worker's
    report = clean_corpus([news], out, workers=1, shard_size=10)
    assert (report.kept, report.written) == (1, 3)
    assert not list(out.glob(".part-*.jsonl.gz.*"))
    assert shard_bytes(out) == before
    assert report.skips.skip_counts == {"binary file": 1, "malformed JSON line": 1}
    # A changed input is cleaned again; a plan of fewer shards leaves none behind.
    (news / "feed.jsonl").write_text('{"id": "only", "title": "One left"}\n', encoding="utf-8")
    report = clean_corpus([news], out, workers=1, shard_size=10)
    assert report.articles == 8 and report.shards == 1 and report.written == 1
    assert list(shard_bytes(out)) == ["part-00000.jsonl.gz"]


def test_clean_out_from_the_command_line(news: Path, tmp_path: Path) -> None:
    code, out, err = run("clean", str(news), "--out", "shards", "--workers", "1")
    assert code == EXIT_OK, err
    assert out.startswith("7 articles in 1 shard, 0 skipped in ")
    with gzip.open(tmp_path / "shards" / "part-00000.jsonl.gz", "rt") as shard:
        assert len(shard.readlines()) == 7
    code, out, err = run("clean", str(news), "--out", "shards")
    assert code == EXIT_OK and "(1 kept from an earlier run)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "afile/shards"], "Error: cannot write shards in "),
        (
            ["--out", "shards", "--dask", "tcp://127.0.0.1:9"],
            "Error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ",
        ),
        (["--out", "shards", "--dask", "nowhere"], "Error: bad Dask address 'nowhere': "),
        (["--out", "shards", "--dask", "local:0"], "Error: bad Dask address 'local:0': "),
        (
            ["--out", "shards", "--dask", "http://127.0.0.1:8787"],
            "Error: bad Dask address 'http://127.0.0.1:8787': give tcp://HOST:PORT",
        ),
        (["--dask", "local:2"], "Error: --dask, --workers and --show-skipped go with --out DIR"),
        (["--out", "shards", "--json"], "Error: --json and --url show one FILE"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    news: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "afile").write_text("a file, not a folder")
    code, out, err = run("clean", str(news), *args)
    assert code == EXIT_ERROR and out == ""
    assert err.startswith(message) and err.count("\n") == 1, err


def test_clean_shows_one_file_without_out(news: Path) -> None:
    code, out, _ = run("clean", str(news / "wordpress-festival.html"), "--json")
    assert code == EXIT_OK and json.loads(out)["title"]
    code, _, err = run("clean", str(news))
    assert code == EXIT_ERROR and "is a folder: give --out DIR" in err


# --- the OpenSearch handoff -------------------------------------------------------


def _check_value(name: str, spec: dict[str, Any], value: Any) -> None:
    """`value` is what OpenSearch accepts for a field mapped as `spec` (null, or a value
    or an array of values of the field's type)."""
    values = value if isinstance(value, list) else [value]
    for one in values:
        if one is None:
            continue
        if spec["type"] in ("text", "keyword"):
            assert isinstance(one, str), (name, one)
        elif spec["type"] == "date":
            assert isinstance(one, str) and datetime.fromisoformat(one), (name, one)
        else:
            raise AssertionError(f"a field type the check does not know: {spec['type']}")


def validate_bulk(lines: list[str], index: str) -> int:
    """Check a bulk file line by line against BULK_MAPPING; the documents it holds."""
    properties = BULK_MAPPING["mappings"]["properties"]
    assert len(lines) % 2 == 0
    ids = set()
    for number in range(0, len(lines), 2):
        action = json.loads(lines[number])
        assert list(action) == ["index"] and action["index"]["_index"] == index
        assert isinstance(action["index"]["_id"], str) and action["index"]["_id"]
        ids.add(action["index"]["_id"])
        document = json.loads(lines[number + 1])
        assert set(document) == set(properties), document.keys()
        for name, value in document.items():
            _check_value(name, properties[name], value)
    assert len(ids) == len(lines) // 2
    return len(ids)


def test_bulk_export_of_shards_matches_the_mapping(news: Path, tmp_path: Path) -> None:
    corpus(news)
    code, _, err = run("clean", str(news), "--out", "shards", "--workers", "1")
    assert code == EXIT_OK, err
    code, bulk, err = run("export", "shards", "--format", "bulk", "--bulk-index", "news")
    assert code == EXIT_OK, err
    assert validate_bulk(bulk.splitlines(), "news") == 32
    code, _, err = run("index", str(news))
    assert code == EXIT_OK, err
    code, from_index, _ = run("export", "--format", "bulk", "--bulk-index", "news")
    assert from_index == bulk
    code, mapping, _ = run("export", "shards", "--mapping")
    assert json.loads(mapping) == BULK_MAPPING


def test_export_of_a_folder_without_shards(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = run("export", "empty")
    assert code == EXIT_ERROR and out == ""
    assert err.startswith("Error: no shards (part-*.jsonl.gz) in empty: write them with ")
    with pytest.raises(ShardsError):
        next(shard_records(tmp_path / "empty"))


def test_out_must_not_hold_other_files(news: Path, tmp_path: Path) -> None:
    """Indexing the shards folder would take any other file in with the shards."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep")
    code, _, err = run("clean", str(news), "--out", str(out))
    assert code == EXIT_ERROR and "holds other files (notes.txt)" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    (out / "notes.txt").unlink()
    assert run("clean", str(news), "--out", str(out))[0] == EXIT_OK
    assert run("clean", str(news), "--out", str(out))[0] == EXIT_OK  # its own files: a re-run


def test_export_of_shards_keeps_the_first_of_an_id_as_indexing_does(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    records: list[dict[str, object]] = [
        {"id": f"r{n}", "title": f"Story {n}", "body": f"Text of story {n}."} for n in range(4)
    ]
    write_jsonl(inputs / "a.jsonl", records)
    write_jsonl(inputs / "z.jsonl", [dict(r, title=f"Copy {r['title']}") for r in records])
    out = tmp_path / "shards"
    clean_corpus([inputs], out, shard_size=2, workers=1)
    exported = [json.loads(line) for line in run("export", str(out))[1].splitlines()]
    assert [(r["id"], r["title"]) for r in exported] == [(f"r{n}", f"Story {n}") for n in range(4)]
    with Index.create(tmp_path / "ix") as ix:
        ix.add([out], workers=1)
        assert all(ix.get(f"r{n}").title == f"Story {n}" for n in range(4))  # type: ignore[union-attr]


@pytest.mark.parametrize("damage", ["cut", "garbage"])
def test_export_of_a_damaged_shard_is_one_line(news: Path, tmp_path: Path, damage: str) -> None:
    out = tmp_path / "shards"
    clean_corpus([corpus(news)], out, shard_size=4, workers=1)
    shard = sorted(out.glob("part-*.jsonl.gz"))[1]
    if damage == "cut":
        shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    else:
        shard.write_bytes(gzip.compress(b"garbage\n"))
    code, _, err = run("export", str(out))
    assert code == EXIT_ERROR
    assert err.startswith(f"Error: shard {shard.name} is damaged at line") and err.count("\n") == 1


def test_ctrl_c_stops_a_local_run_at_once_and_a_rerun_completes_it(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches every process of the run: the workers leave it to
    the run, which stops them at once (it used to finish every shard handed out), says
    so in one line, and keeps the finished shards for the next run."""
    import signal
    import subprocess
    import sys
    import time

    pages = tmp_path / "pages"
    pages.mkdir()
    # Pages of a few hundred elements each: some seconds' work, which the interrupt
    # lands in the middle of.
    rows = "".join(
        f'<div class="row"><p>Paragraph {k}: the harbour board met on the ferry terminal '
        f'plan, and the <a href="/x{k}">council</a> said it would decide soon.</p></div>'
        for k in range(150)
    )
    nav = "<nav><ul>" + "".join(f'<li><a href="/s{k}">Section {k}</a></li>' for k in range(60))
    for n in range(300):
        (pages / f"p{n:03d}.html").write_text(
            f"<html><head><title>Story {n}</title></head><body>{nav}</ul></nav><article>"
            f"<h1>Story {n}</h1>{rows}</article></body></html>"
        )
    command = [sys.executable, "-m", "searchlib", "clean", str(pages), "--shard-size", "10"]
    with subprocess.Popen(
        [*command, "--out", str(tmp_path / "cut"), "--workers", "2"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        # A shell starting the tests in the background hands them an ignored Ctrl-C,
        # which the command would inherit: the terminal's default, as a user has it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as run_:
        time.sleep(1.0)
        sent = time.monotonic()
        os.killpg(run_.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        _, err = run_.communicate(timeout=30)
        stopped = time.monotonic() - sent
    assert run_.returncode == 130, err
    assert err == "\ninterrupted: finished shards are kept; rerun to go on from them\n"
    assert stopped < 5
    assert not list((tmp_path / "cut").glob(".part-*.jsonl.gz.*"))  # no half-written shard
    for folder, workers in (("cut", "2"), ("whole", "2")):
        done = subprocess.run([*command, "--out", str(tmp_path / folder), "--workers", workers])
        assert done.returncode == 0
    assert shard_bytes(tmp_path / "cut") == shard_bytes(tmp_path / "whole")
