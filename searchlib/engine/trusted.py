"""Index files are unpickled by a loader that can only rebuild what an index is made of.

Whoosh keeps its table of contents (the schema and the list of segments), the stored
fields, some columns and the headers and contents of its postings blocks as pickles, and
a plain `pickle.loads` calls whatever a pickle names: an index file can be made to run
`os.system` when it is opened. Reading an index must never run code, so every pickle
searchlib reads goes through `loads` here, which rebuilds plain values (numbers, strings,
bytes, containers, dates) and the Whoosh and searchlib classes an index holds (fields,
analysers, formats, columns, codecs and segments) and refuses anything else with
`UntrustedPickleError`, reported as a damaged index.

`install()` puts that loader in place of `pickle.loads`/`pickle.load` in the Whoosh and
searchlib modules that read index files; `searchlib.engine.store`, through which every index is
opened, calls it once when it is imported. The replacement is process-wide: Whoosh used
directly in the same process reads its pickles through it too.
"""

from __future__ import annotations

import _compat_pickle
import importlib
import pickle
import types
from typing import IO, Any

__all__ = ["UntrustedPickleError", "install", "load", "loads"]


class UntrustedPickleError(pickle.UnpicklingError):
    """A pickle in an index file names something an index never holds."""


#: Plain values a pickle may rebuild: their constructors only build values. Bytes pickled
#: with protocol 2 (the table of contents, postings blocks) come back through
#: `_codecs.encode`, and a tokenizer's compiled pattern through `re._compile`.
_PLAIN: frozenset[tuple[str, str]] = frozenset(
    [
        *(
            ("builtins", name)
            for name in (
                "bool",
                "bytearray",
                "bytes",
                "complex",
                "dict",
                "float",
                "frozenset",
                "int",
                "list",
                "set",
                "slice",
                "str",
                "tuple",
            )
        ),
        ("_codecs", "encode"),
        ("array", "array"),
        ("array", "_array_reconstructor"),
        ("collections", "OrderedDict"),
        ("collections", "defaultdict"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("re", "_compile"),
    ]
)

#: Modules whose classes an index holds. A module outside these is never imported: an
#: import can itself run code.
_MODULES = (
    "whoosh.analysis",
    "whoosh.codec.base",
    "whoosh.codec.whoosh3",  # other codecs read with other code, never written here
    "whoosh.columns",
    "whoosh.fields",
    "whoosh.formats",
    "searchlib.engine.schema",
)


def _index_classes() -> tuple[type, ...]:
    """The kinds of object an index is made of; a class of those modules that is none
    of them (a writer, a storage, a reader) is refused."""
    from whoosh.analysis.acore import Composable
    from whoosh.codec.base import Codec, Segment
    from whoosh.columns import Column
    from whoosh.fields import FieldType, Schema
    from whoosh.formats import Format

    return (Codec, Column, Composable, FieldType, Format, Schema, Segment)


#: Modules an index names by the schema classes' former place (searchlib 0.1 wrote them
#: so, and format 1 still does: see `schema.LEGACY_MODULE`): the classes are the same.
_MOVED = {"searchlib.schema": "searchlib.engine.schema"}


class _Unpickler(pickle.Unpickler):
    """An unpickler that resolves only the names `_PLAIN` and `_MODULES` allow."""

    def find_class(self, module: str, name: str) -> Any:
        # Postings blocks name `_codecs.encode` for their bytes: this runs for most
        # blocks a search decodes, so what was allowed once is remembered.
        found = _RESOLVED.get((module, name))
        if found is None:
            found = _RESOLVED[module, name] = _resolve(module, name)
        return found


#: The objects pickles were allowed to name, by the (module, name) they gave.
_RESOLVED: dict[tuple[str, str], Any] = {}


def _resolve(module: str, name: str) -> Any:
    """What a pickle's (module, name) stands for, if an index may hold it.

    Raises:
        UntrustedPickleError: an index holds no such thing.
    """
    # Protocol 2 writes Python 2 names (`__builtin__.set`); map them as pickle does.
    # (Python 3 has no modules of those names, so mapping at any protocol is safe.)
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    module = _MOVED.get(module, module)
    if (module, name) in _SIZED:
        return _SIZED[module, name]
    if (module, name) in _PLAIN:
        return getattr(importlib.import_module(module), name)
    if "." not in name and _allowed_module(module):
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:  # a module of that name there is not
            found = None
        if isinstance(found, type) and issubclass(found, _index_classes()):
            return found
    raise UntrustedPickleError(f"an index file names {module}.{name}, which no index holds")


def _no_count(kind: type) -> Any:
    """`kind` (bytes, bytearray) refusing a count: `bytearray(6 * 10**9)` is a 60-byte
    pickle that asks for 6 GB, and an index never pickles an empty buffer of a size."""

    def build(*args: Any) -> Any:
        if args and isinstance(args[0], int):
            raise UntrustedPickleError(f"an index file asks for {kind.__name__} of a size")
        return kind(*args)

    return build


def _latin1(text: Any, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    """`_codecs.encode` as protocol 2 pickles bytes: latin-1 text only, never a codec
    that transforms (compression, base64 and their like)."""
    if not isinstance(text, str) or encoding.replace("_", "-").lower() not in _LATIN1:
        raise UntrustedPickleError(f"an index file encodes with {encoding!r}")
    return text.encode(encoding, errors)


_LATIN1 = frozenset({"latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1"})

#: Constructors allowed in a form that builds no more than the pickle holds.
_SIZED: dict[tuple[str, str], Any] = {
    ("builtins", "bytes"): _no_count(bytes),
    ("builtins", "bytearray"): _no_count(bytearray),
    ("_codecs", "encode"): _latin1,
}


def _allowed_module(module: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in _MODULES)


def loads(data: bytes, /, **options: Any) -> Any:
    """`pickle.loads`, rebuilding only what an index holds.

    Raises:
        UntrustedPickleError: the pickle names anything else.
        pickle.UnpicklingError: it cannot be read (whatever rebuilding it raised).
        EOFError: it ends early.
    """
    return load(_Input(data), **options)


class _Input:
    """Bytes as the file an unpickler reads, with `peek`: given one, the unpickler takes
    the whole pickle at once. From a BytesIO it reads opcode by opcode, through Python
    calls, which made decoding a postings block four times slower than `pickle.loads`.
    """

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data if isinstance(data, bytes) else bytes(data)
        self._pos = 0

    def peek(self, size: int = 0) -> bytes:
        return self._data[self._pos :]

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        self._pos = len(self._data) if size < 0 else min(start + size, len(self._data))
        return self._data[start : self._pos]

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(memoryview(buffer)))
        memoryview(buffer)[: len(chunk)] = chunk
        return len(chunk)

    def readline(self, size: int = -1) -> bytes:
        end = self._data.find(b"\n", self._pos)
        end = len(self._data) if end < 0 else end + 1
        if size >= 0:
            end = min(end, self._pos + size)
        return self.read(end - self._pos)


def load(file: IO[bytes] | _Input, /, **options: Any) -> Any:
    """`pickle.load`, rebuilding only what an index holds; raises as `loads` does."""
    try:
        return _Unpickler(file, **options).load()
    except (pickle.UnpicklingError, EOFError):
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc


def _unreadable(exc: Exception) -> pickle.UnpicklingError:
    """A garbled pickle raises whatever the objects it names raise on garbage (a
    TypeError from a constructor, a MemoryError for a length in the gigabytes): all of
    it is one thing, an unreadable file."""
    return pickle.UnpicklingError(f"{type(exc).__name__}: {exc}")


#: `pickle` as Whoosh's table-of-contents readers see it (they call `pickle.loads`).
_PICKLE = types.ModuleType("pickle")
_PICKLE.__dict__.update(vars(pickle))
_PICKLE.loads = loads  # type: ignore[attr-defined]
_PICKLE.load = load  # type: ignore[attr-defined]
_PICKLE.Unpickler = _Unpickler  # type: ignore[attr-defined]

#: Where index files are unpickled: (module, the name its reading code calls).
_READERS = (
    ("whoosh.index", "pickle"),  # the table of contents: schema, segments
    ("whoosh.filedb.structfile", "load"),  # read_pickle: segments, block and column headers
    ("whoosh.codec.whoosh3", "loads"),  # postings blocks, inlined postings
    ("whoosh.columns", "loads"),  # pickled columns: the stored fields
    ("whoosh.formats", "loads"),
    ("searchlib.engine.postings", "load"),  # searchlib's own block reader
    ("searchlib.engine.postings", "loads"),
)

_installed = False


def install() -> None:
    """Make every module that reads index files unpickle through `loads`/`load`.

    Idempotent. Whoosh's readers of older formats (Whoosh 2 codecs and tables of
    contents) are never reached: the codecs are not among the classes a pickle may name,
    and the loaders of old tables of contents, which unpickle with no restriction at
    all, are removed, so such a table of contents is refused as unreadable.
    """
    global _installed
    if _installed:
        return
    from whoosh import legacy

    replacement = {"pickle": _PICKLE, "load": load, "loads": loads}
    for module_name, attribute in _READERS:
        setattr(importlib.import_module(module_name), attribute, replacement[attribute])
    legacy.toc_loaders.clear()  # whoosh.index holds this same dict
    _installed = True
