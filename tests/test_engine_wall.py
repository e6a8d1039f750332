"""Only `searchlib.engine` reads or writes Whoosh's private on-disk format.

The engine depends on Whoosh 3's codec, file and writer internals; a new Whoosh
release can change any of them. Kept behind one wall, they are found, tested and
fixed in one package. Outside it, no module imports `whoosh.codec`, `whoosh.filedb`
or `whoosh.writing`, and none touches another module's private attribute (`x._name`):
on a Whoosh object that is an internal, and across searchlib's own modules a name
the module did not choose to offer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import searchlib

PACKAGE = Path(searchlib.__file__).parent
ENGINE = PACKAGE / "engine"

#: Whoosh's modules that hold its on-disk format and its writer's internals.
WALLED = ("whoosh.codec", "whoosh.filedb", "whoosh.writing")

#: Private names that may be used anywhere, each for a reason: `os._exit`, the
#: standard library's documented way to end a process without its teardown.
ALLOWED: frozenset[str] = frozenset({"_exit"})


def _walled(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in WALLED)


def _own_names(tree: ast.AST) -> set[str]:
    """The private names a module defines itself: its functions, classes and methods,
    its globals, and the attributes it assigns (`self._x = ...`) or declares in
    `__slots__`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__slots__" for target in node.targets
        ):
            names.update(
                item.value
                for item in ast.walk(node.value)
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            )
    return {name for name in names if name.startswith("_")}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def violations(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each use in `source` of what only the engine may use."""
    tree = ast.parse(source)
    own = _own_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _walled(alias.name):
                    yield node.lineno, f"imports {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _walled(node.module):
                yield node.lineno, f"imports from {node.module}"
                continue
            for alias in node.names:  # from whoosh import writing
                if _walled(f"{node.module}.{alias.name}"):
                    yield node.lineno, f"imports {node.module}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = node.func.id if isinstance(node.func, ast.Name) else name
            first = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _walled(first.value)
            ):
                yield node.lineno, f"imports {first.value}"
        elif isinstance(node, ast.Attribute) and _is_private(node.attr):
            mine = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            if not mine and node.attr not in own and node.attr not in ALLOWED:
                yield node.lineno, f"uses the private attribute {node.attr}"


def _modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if ENGINE not in path.parents)


def test_the_wall_holds_outside_the_engine() -> None:
    found = [
        f"searchlib/{path.relative_to(PACKAGE)}:{line}: {what}"
        for path in _modules()
        for line, what in violations(path.read_text(encoding="utf-8"))
    ]
    assert not found, "only searchlib/engine may do this:\n" + "\n".join(found)


def test_every_module_outside_the_engine_is_read() -> None:
    names = {path.relative_to(PACKAGE).as_posix() for path in _modules()}
    assert {"index.py", "search/searching.py", "ingest/indexing.py"} <= names
    assert {name.split("/")[0] for name in names if "/" in name} >= {"clean", "ingest", "search"}
    assert not any(name.startswith("engine/") for name in names)


@pytest.mark.parametrize(
    "source",
    [
        "import whoosh.codec.whoosh3",
        "import whoosh.filedb.filestore as fs",
        "from whoosh.writing import SegmentWriter",
        "from whoosh import writing",
        "from whoosh.codec import whoosh3",
        "def f():\n    from whoosh.filedb.structfile import StructFile",
        "import importlib\nimportlib.import_module('whoosh.writing')",
        "def f(writer):\n    return writer._added",
        "def f(ix):\n    return ix._segments()",
        "class A:\n    def f(self):\n        return self._ix._read_toc()",
        "from searchlib.engine import store\nstore._try_lock(1, 2)",
    ],
)
def test_what_the_wall_stops(source: str) -> None:
    assert list(violations(source))


@pytest.mark.parametrize(
    "source",
    [
        "import whoosh.query\nfrom whoosh import scoring, index",
        "from whoosh.reading import TermNotFound",
        "class A:\n    def f(self):\n        return self._cache",
        "class A:\n    @classmethod\n    def f(cls):\n        return cls._make()",
        # A module's own privates, reached through another name of its own objects.
        "class A:\n    def _probe(self): ...\n    @classmethod\n    def open(cls):\n"
        "        a = cls()\n        a._probe()",
        "class A:\n    __slots__ = ('_data',)\n\ndef f(a):\n    return a._data",
        "def f(x):\n    return x.__class__, x.__dict__",
    ],
)
def test_what_the_wall_lets_through(source: str) -> None:
    assert not list(violations(source))
