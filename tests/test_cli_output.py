"""What the command line writes: stored text shown and never obeyed, output that never
fails on what an index holds, and a reader that leaves early."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as windex

from searchlib.cli import EXIT_ERROR, cli
from searchlib.index import Index
from searchlib.output import json_line, terminal_text

#: Retitles a terminal window; clears the screen; an 8-bit CSI; a bell.
HOSTILE_TITLE = "\x1b]0;owned\x07Bridge \x1b[2J approved \x9b31m today\x07"


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "searchlib", *args], capture_output=True, timeout=60
    )


@pytest.fixture
def hostile_index(tmp_path: Path) -> Path:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(
            [
                {
                    "id": "h1",
                    "title": HOSTILE_TITLE,
                    "body": "The council approved the bridge.\x1b[1A\x1b[2K Work starts soon.",
                    "source": "Valley\x1b]8;;http://x.example\x07 Times",
                    "tags": ["roads\x1b[31m"],
                }
            ]
        )
    return path


def _has_control(text: str) -> bool:
    return any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in text)


@pytest.mark.parametrize("color", [[], ["--no-color"]])
def test_search_and_show_never_write_control_characters(
    hostile_index: Path, color: list[str]
) -> None:
    runner = CliRunner()
    found = runner.invoke(cli, ["--index", str(hostile_index), "search", "bridge", *color])
    assert found.exit_code == 0, found.output
    assert "approved" in found.output
    assert not _has_control(found.output), repr(found.output)
    assert "\\x1b]0;owned" in found.output  # shown, as text
    shown = runner.invoke(cli, ["--index", str(hostile_index), "show", "h1"])
    assert shown.exit_code == 0, shown.output
    assert "Work starts soon" in shown.output
    assert not _has_control(shown.output), repr(shown.output)
    facets = runner.invoke(cli, ["--index", str(hostile_index), "search", "bridge", "--facets"])
    assert not _has_control(facets.output), repr(facets.output)


def test_json_output_escapes_every_control_character(hostile_index: Path) -> None:
    result = CliRunner().invoke(cli, ["--index", str(hostile_index), "search", "bridge", "--json"])
    assert not _has_control(result.output)
    assert json.loads(result.output)["hits"][0]["title"] == HOSTILE_TITLE


def _store_raw(path: Path, doc_id: str, **text: str) -> None:
    """Overwrite stored fields of one document as an index written before input was
    made valid Unicode could hold them (nothing searchlib writes today can)."""
    wix = windex.open_dir(str(path), indexname="MAIN")
    with wix.searcher() as searcher:
        fields = dict(searcher.document(id=doc_id) or {})
    writer = wix.writer()
    writer.update_document(**{**fields, **text})
    writer.commit()


def test_output_never_fails_on_stored_lone_surrogates(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(
            [
                {"id": "s1", "title": "Harbour dredging", "body": "The harbour is dredged."},
                {"id": "s2", "title": "Harbour fees", "body": "The harbour raises fees."},
            ]
        )
    _store_raw(
        path, "s1", body="The harbour \udcff is dredged.", content="Harbour dredging harbour"
    )
    for args in (
        ["search", "harbour"],
        ["search", "harbour", "--json"],
        ["search", "harbour", "--jsonl"],
        ["show", "s1"],
        ["show", "s1", "--json"],
    ):
        result = _run("--index", str(path), *args)
        assert result.returncode == 0, (args, result.stderr)
        assert b"Traceback" not in result.stderr
        assert "\ufffd" in result.stdout.decode("utf-8")
    exported = _run("--index", str(path), "export")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.decode("utf-8").splitlines()
    assert len(lines) == 2  # the export went on past the bad story
    assert {json.loads(line)["id"] for line in lines} == {"s1", "s2"}


def test_a_reader_that_leaves_early_is_success(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(
            [{"id": f"d{i}", "title": f"Oil story {i}", "body": "oil " * 50} for i in range(300)]
        )
    for args in (["search", "oil", "-n", "300"], ["export"]):
        # `| head -1`: the reader closes the pipe after one line.
        with subprocess.Popen(
            [sys.executable, "-m", "searchlib", "--index", str(path), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            proc.stdout.readline()
            proc.stdout.close()
            err = proc.stderr.read()
            assert proc.wait(timeout=60) == 0, err
        assert b"Traceback" not in err and b"Exception ignored" not in err, err


def test_a_closed_stdout_is_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add([{"id": "d1", "title": "Oil story", "body": "oil prices rose"}])
    # As `searchlib search oil >&-` starts it: with no file descriptor 1 at all.
    command = [sys.executable, "-m", "searchlib", "--index", str(path), "search", "oil"]
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *command], stderr=subprocess.PIPE, timeout=60
    )
    assert b"Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0


def test_an_id_typed_with_bytes_that_are_not_utf8_is_looked_up(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (folder / name).write_text("Cafe reopens\n\nThe cafe reopened on the square today.")
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(folder)
    # The shell passes the raw name; the index shows it as news/caf\xe9.txt.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchlib",
            "--index",
            str(path),
            "show",
            os.fsdecode(b"news/caf\xe9.txt"),
        ],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert b"The cafe reopened" in result.stdout
    missing = _run("--index", str(path), "show", os.fsdecode(b"\xff"))
    assert missing.returncode == 2
    assert missing.stderr.count(b"\n") == 1 and b"Traceback" not in missing.stderr


def test_terminal_text_shows_controls_and_keeps_lines() -> None:
    assert terminal_text("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert terminal_text("one\ntwo") == "one two"
    assert terminal_text("one\r\ntwo\x9b", lines=True) == "one\ntwo\\x9b"
    assert terminal_text("x\ud800y") == "x\ufffdy"
    assert json.loads(json_line({"t": "\x85\u2028\ud800"})) == {"t": "\x85\u2028\ufffd"}
    assert "\x85" not in json_line({"t": "\x85"})


@pytest.mark.parametrize(
    "command", [["search", "--sample", "siberia"], ["similar", "--sample", "x"]]
)
def test_json_and_jsonl_together_are_refused(command: list[str]) -> None:
    for flags in (["--json", "--jsonl"], ["--jsonl", "--json"]):
        result = CliRunner().invoke(cli, [*command, *flags], prog_name="searchlib")
        assert result.exit_code == EXIT_ERROR
        assert "--json and --jsonl are two formats: give one" in result.stderr


def test_ctrl_c_while_the_command_line_loads_is_no_traceback() -> None:
    """An interrupt during the imports (the first moments of a command) ends it with
    exit 130 and one line, as at any later moment."""
    script = (
        "import sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'searchlib.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from searchlib._console import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 130
    assert done.stderr == "\ninterrupted\n"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["search", "siberia"], "\ninterrupted\n"),
        (
            ["index", "--sample"],
            "\ninterrupted: the last committed index is intact; rerun to continue\n",
        ),
    ],
)
def test_ctrl_c_says_what_is_left_only_of_a_command_that_writes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    message: str,
) -> None:
    """A search stopped by Ctrl-C said the index was intact and to re-run it, as an
    interrupted indexing run does; a read has nothing to go on with."""
    from searchlib import Index

    Index.create(tmp_path / "ix").close()

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Index, "search", interrupt)
    monkeypatch.setattr(Index, "add", interrupt)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--index", str(tmp_path / "ix"), *command], prog_name="searchlib")
    assert stopped.value.code == 130
    assert capsys.readouterr().err.endswith(message)


def test_the_progress_bar_counts_only_files_read_to_their_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One large file showed 100% from its first record on."""
    from searchlib.cli.indexing import _StatusLine
    from searchlib.ingest.indexing import Progress
    from searchlib.models import IndexReport

    status = _StatusLine()
    status.enabled = True
    report = IndexReport()
    status(Progress(500, 1, 1, report, "stories.jsonl#500"))
    assert "   0% 0/1 files" in capsys.readouterr().err
    status(Progress(1000, 1, 1, report, ""))
    assert " 100% 1/1 files" in capsys.readouterr().err
