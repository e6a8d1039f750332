"""A search from the shell imports what a search needs and nothing else."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from searchlib import Index
from searchlib.cli import cli
from searchlib.cli.app import COMMAND_MODULES

#: Modules a search never uses: the other commands, the server, the indexing
#: machinery, the cleaner and its HTML stack.
NOT_FOR_SEARCH = (
    "searchlib.cli.documents",
    "searchlib.cli.indexing",
    "searchlib.cli.serve",
    "searchlib.ingest.indexing",
    "searchlib.ingest.documents",
    "searchlib.clean",
    "multiprocessing",
    "socket",
    "webbrowser",
    "bs4",
    "lxml",
    "rapidfuzz",  # for a word to correct only
    "numpy",  # for queries matching many postings only
)


def test_every_command_is_loaded_from_the_module_named_for_it() -> None:
    for module in set(COMMAND_MODULES.values()):
        importlib.import_module(module)
    assert {name: cmd.callback.__module__ for name, cmd in cli.commands.items()} == (
        COMMAND_MODULES
    )


def test_help_lists_every_command_before_any_is_loaded() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from searchlib.cli import cli; "
        "print(CliRunner().invoke(cli, ['--help']).output)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    listed = out.split("Commands:", 1)[1].split()
    assert all(name in listed for name in COMMAND_MODULES)


def test_a_search_from_the_shell_imports_nothing_a_search_does_not_need(
    index_dir: Path,
) -> None:
    with Index.create(index_dir) as ix:
        ix.add({"id": "a", "title": "Gas pipeline", "body": "A gas pipeline opens."}, workers=1)
    code = (
        "import sys; from searchlib.cli import main; "
        f"sys.argv = ['searchlib', '--index', {str(index_dir)!r}, 'search', 'pipeline']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        f"print('loaded:', sorted(m for m in {NOT_FOR_SEARCH!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "loaded: []"
    assert "Gas pipeline" in result.stdout


def test_a_command_not_in_the_map_is_still_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["serach", "x"])
    assert result.exit_code == 2 and "No such command 'serach'" in result.output


def test_a_reading_command_from_the_shell_writes_all_its_output_and_its_exit_code(
    index_dir: Path,
) -> None:
    """The console command ends a search without the interpreter's teardown: every line
    of a long answer still arrives, and the exit codes are those documented."""
    stories = [
        {"id": f"d{i:03}", "title": f"Oil story {i}", "body": f"oil {i} {i * 7919} " * (1 + i % 5)}
        for i in range(250)
    ]
    with Index.create(index_dir) as ix:
        ix.add(stories, workers=1)
    shell = [sys.executable, "-m", "searchlib", "--index", str(index_dir)]
    found = subprocess.run([*shell, "search", "oil", "-n", "250", "--jsonl"], capture_output=True)
    assert found.returncode == 0, found.stderr
    ids = [json.loads(line)["id"] for line in found.stdout.splitlines()]
    in_process = CliRunner().invoke(
        cli, ["--index", str(index_dir), "search", "oil", "-n", "250", "--jsonl"]
    )
    assert ids == [json.loads(line)["id"] for line in in_process.output.splitlines()]
    assert len(ids) == 250
    assert subprocess.run([*shell, "search", "gold"], capture_output=True).returncode == 1
    missing = subprocess.run([*shell, "show", "nope"], capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.startswith("Error:"), missing.stderr


def test_the_collector_is_back_on_for_commands_that_do_more_than_read() -> None:
    """The console command loads with the cyclic collector off; a command that writes
    or cleans (HTML trees are cyclic) turns it back on, a search leaves it off."""
    code = (
        "import gc, sys\n"
        "from searchlib.cli.app import cli\n"
        "import click\n"
        "ctx = click.Context(cli)\n"
        "for name in sys.argv[1:]:\n"
        "    gc.disable()\n"
        "    cli.get_command(ctx, name)\n"
        "    print(name, gc.isenabled())\n"
    )
    commands = ["search", "show", "index", "clean", "serve", "optimize", "export", "check"]
    done = subprocess.run(
        [sys.executable, "-c", code, *commands], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [
        word for name in commands for word in (name, str(name not in {"search", "show"}))
    ]


def test_the_english_endings_table_loads_on_first_use() -> None:
    """searchlib defers Whoosh's table of English endings (its Variations query); the
    query still expands words as Whoosh's own table does."""
    code = (
        "import sys, searchlib.engine, whoosh.query\n"
        "assert not hasattr(sys.modules['whoosh.lang.morph_en'], '__file__')\n"
        "from whoosh.query.terms import variations\n"
        "got = [sorted(variations(w)) for w in ('pull', 'tokenize', 'ran')]\n"
        "del sys.modules['whoosh.lang.morph_en']\n"
        "import importlib; real = importlib.import_module('whoosh.lang.morph_en')\n"
        "assert got == [sorted(real.variations(w)) for w in ('pull', 'tokenize', 'ran')]\n"
        "print(got[0][:3])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['pull', 'pull-less', 'pulled']"
