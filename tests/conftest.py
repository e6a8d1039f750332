"""Shared fixtures: every test gets its own index folder, never ./index."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from searchlib.cli import SAMPLE_DIR

FIXTURES = Path(__file__).parent / "fixtures"
SCRIPTS = Path(__file__).parent.parent / "scripts"
SEED = SAMPLE_DIR / "000_2dbca9422a45b822.txt"


@pytest.fixture(autouse=True)
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point SEARCHLIB_INDEX at a fresh folder, and work from tmp_path."""
    path = tmp_path / "index"
    monkeypatch.setenv("SEARCHLIB_INDEX", str(path))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    yield path


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def news(tmp_path: Path) -> Path:
    """A small folder of articles in every input format."""
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    for page in (FIXTURES / "pages").glob("*.html"):
        (folder / page.name).write_bytes(page.read_bytes())
    write_jsonl(
        folder / "wire.jsonl",
        [
            {
                "id": "wire-1",
                "url": "https://wire.example/1",
                "title": "Central bank holds interest rates steady",
                "date": "2023-05-04",
                "authors": ["Ana Lima"],
                "source": "Example Wire",
                "tags": ["economy", "banks"],
                "body": "The central bank kept its main interest rate at 4 percent, citing slowing inflation.\n\nShare this article",
            },
            {
                "id": "wire-2",
                "title": "Storm closes mountain passes",
                "date": "2021-11-20",
                "source": "Alpine Post",
                "tags": ["weather"],
                "body": "Heavy snow closed three mountain passes near Zürich on Saturday, and the café at the summit was evacuated.",
            },
        ],
    )
    return folder


def load_script(name: str) -> ModuleType:
    """scripts/`name`.py as a module (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    """scripts/eval_ranking.py as a module."""
    return load_script("eval_ranking")


def kill_at(writer: subprocess.Popen[str], count: int) -> None:
    """kill -9 `writer`, a process that prints a running count on each line, once it has
    printed `count` or more (or ended), and wait for it."""
    assert writer.stdout is not None
    for line in writer.stdout:
        if line.strip().isdigit() and int(line) >= count:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
