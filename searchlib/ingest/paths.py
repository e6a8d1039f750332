"""Paths of inputs: their kinds, the ids made from them, walking folders, and paths as
stored text (which must hold any file name, UTF-8 or not)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from searchlib.errors import SourceNotFoundError
from searchlib.ingest.items import Kind
from searchlib.models import Skipped

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
RECORD_SUFFIXES = frozenset({".jsonl", ".json", ".ndjson"})


def kind_of(path: Path) -> tuple[Kind | None, bool]:
    """Return the input kind for a file name, and whether it is gzip-compressed."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in HTML_SUFFIXES:
        return "html", gz
    if last in TEXT_SUFFIXES:
        return "text", gz
    if last in RECORD_SUFFIXES:
        return "record", gz
    return None, gz


#: A backslash that a reader of `path_text` would take for the start of an escape: one
#: before another backslash, an `xNN`, or a byte that is itself escaped.
_AMBIGUOUS_BACKSLASH = re.compile(r"\\(?=\\|x[0-9a-fA-F]{2}|[\udc80-\udcff])")
#: The bytes of a file name that is not valid UTF-8, as Python keeps them.
_RAW_BYTE = re.compile("[\udc80-\udcff]")
_ESCAPE = re.compile(r"\\(\\|x[0-9a-fA-F]{2})")


def path_text(path: Path | str) -> str:
    """A path as text that can be stored and shown, and read back by `text_path`.

    Python keeps the bytes of a file name that is not valid UTF-8 as lone surrogates,
    which cannot be written; those bytes are given as \\xNN escapes instead. So that two
    files never give one text (a name holding the byte 0xfe, and one holding the four
    characters `\\xfe`), a backslash that would read as an escape is doubled; every
    other name, valid UTF-8 without such a backslash, is given as it is.
    """
    text = str(path)
    if "\\" in text:
        text = _AMBIGUOUS_BACKSLASH.sub(r"\\\\", text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _RAW_BYTE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)
    return text


def text_path(text: str) -> Path:
    """The path that `path_text` gave as `text`."""
    if "\\" not in text:
        return Path(text)
    raw = bytearray()
    at = 0
    for match in _ESCAPE.finditer(text):
        raw += os.fsencode(text[at : match.start()])
        escape = match.group(1)
        raw += b"\\" if escape == "\\" else bytes([int(escape[1:], 16)])
        at = match.end()
    raw += os.fsencode(text[at:])
    return Path(os.fsdecode(bytes(raw)))


def origin_file(origin: str) -> str:
    """The file part of a stored origin: a record's "#line" removed. A file's own path
    may hold a "#", so the end is taken off only after a file name records are read from."""
    head, sep, tail = origin.rpartition("#")
    if sep and tail.isdigit() and kind_of(Path(head))[0] == "record":
        return head
    return origin


def path_exists(text: str) -> bool:
    """Whether the file that `path_text` gave as `text` still exists."""
    try:
        return text_path(text).exists()
    except (OSError, ValueError):
        return False


def folder_name(folder: Path) -> str:
    """The name a folder given to index puts in front of its files' ids.

    Two folders holding the same file names (dated archive folders that each hold
    `index.html`) then give different ids. The name is that of the folder reached:
    `.` and `coll/f1/` are named by where they lead, and a symlink by its target, so a
    `latest` link to each day's folder in turn does not replace yesterday's stories
    with today's. Indexing the same folder again gives the same ids; `/` adds no name.
    """
    return folder.resolve().name


def walk(
    paths: Iterable[str | os.PathLike[str]], exclude: Path | None = None
) -> Iterator[tuple[Path, str]]:
    """Yield (file, id) for every file under `paths`, in a stable order.

    The id is the name of the folder given, then the path below it (`f1/a.txt` for
    `coll/f1/a.txt` when `coll/f1` is given), or the file name for a file given
    directly. Hidden files and folders are passed over, as is `exclude` (the index
    itself); symlink loops are followed once. Folders that cannot be read are passed
    over too: `walk_inputs` says which.
    """
    for entry in walk_inputs(paths, exclude):
        if not isinstance(entry, Skipped):
            yield entry


def walk_inputs(
    paths: Iterable[str | os.PathLike[str]], exclude: Path | None = None
) -> Iterator[tuple[Path, str] | Skipped]:
    """What `walk` yields, and a Skipped note for each folder that cannot be read."""
    excluded = exclude.resolve() if exclude else None
    for raw in paths:
        root = Path(raw)
        if not root.exists():
            raise SourceNotFoundError(str(raw))
        if not root.is_dir():
            # A device or FIFO given by name is read as a file, so that it is skipped
            # with its reason rather than walked as an empty folder.
            yield root, path_text(root.name)
            continue
        base = folder_name(root)
        seen: set[tuple[int, int]] = set()
        # os.walk passes over a folder it cannot list; each is reported, as files are.
        errors: list[OSError] = []
        for folder, dirs, files in os.walk(root, followlinks=True, onerror=errors.append):
            yield from _unreadable_folders(errors)
            here = Path(folder)
            try:
                st = here.stat()
            except OSError as exc:
                dirs[:] = []
                yield _unreadable_folder(here, exc)
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen or (excluded is not None and here.resolve() == excluded):
                dirs[:] = []
                continue
            seen.add(key)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    path = here / name
                    rel = path.relative_to(root).as_posix()
                    yield path, path_text(f"{base}/{rel}" if base else rel)
        yield from _unreadable_folders(errors)


def _unreadable_folders(errors: list[OSError]) -> Iterator[Skipped]:
    """A note for each folder in `errors` (emptied) that os.walk could not list."""
    for exc in errors:
        yield _unreadable_folder(Path(exc.filename or "?"), exc)
    errors.clear()


def _unreadable_folder(folder: Path, exc: OSError) -> Skipped:
    detail = "permission denied" if isinstance(exc, PermissionError) else exc.strerror or exc
    return Skipped(path_text(folder), f"unreadable folder: {detail}")


def check_paths(paths: Iterable[str | os.PathLike[str] | Mapping[str, Any]]) -> None:
    """Raise SourceNotFoundError for the first path that does not exist."""
    for source in paths:
        if not isinstance(source, Mapping) and not Path(source).exists():
            raise SourceNotFoundError(str(source))
