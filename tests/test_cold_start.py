"""A search from the shell imports what a search needs and nothing else."""

from __future__ import annotations

import importlib
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
