"""Read inputs: files, folders and records, one item at a time (never a whole corpus).

Readers yield `RawItem`s (not yet cleaned) and `Skipped` notes; cleaning happens in
`searchlib.ingest.documents`, possibly in worker processes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import logging
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from searchlib.errors import SourceNotFoundError
from searchlib.models import DEFAULT_MAX_BYTES, Skipped
from searchlib.output import valid_text

log = logging.getLogger(__name__)

Kind = Literal["html", "text", "record"]

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
RECORD_SUFFIXES = frozenset({".jsonl", ".json", ".ndjson"})

#: The origin of dict records given to index, before "#" and their place in the list.
DICT_RECORDS = "record"


@dataclass(frozen=True)
class RawItem:
    """One document to index, read but not cleaned.

    `origin` is where it came from (absolute path, plus "#line" for records); `payload`
    is the file's bytes or the record's dict. `from_path` says the id was made from the
    file's path (a file, or a record with neither id nor url), so it stands for that
    file; an id a record gives names its story wherever the record is read from.
    """

    doc_id: str
    origin: str
    kind: Kind
    payload: bytes | dict[str, Any]
    checksum: str
    from_path: bool = False


def _checksum(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


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


def read_bytes(path: Path, gz: bool, max_bytes: int) -> bytes:
    """Read a file (decompressing gzip), refusing more than `max_bytes` of content.

    Raises:
        TooLargeError: the content, decompressed, is over `max_bytes`; no more than
            `max_bytes` + 1 bytes were read.
        NotRegularFileError: `path` leads to a device, FIFO, socket or folder.
        OSError, EOFError, zlib.error: the file cannot be read or decompressed.
    """
    with open_input(path, gz) as handle:
        if not gz:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise TooLargeError(size)
        # Read to the cap even when the size said less: a file can grow while it is read.
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLargeError(len(data) if not gz else None)
    return data


class TooLargeError(Exception):
    """An input is over the size limit: `size` bytes, or None when it was not read to
    its end (compressed data is never decompressed past the limit)."""

    def __init__(self, size: int | None) -> None:
        self.size = size


class NotRegularFileError(Exception):
    """A path leads to something other than a regular file: a device (`/dev/zero`
    never ends), a FIFO (waits for a writer) or a socket. It is never read."""

    def __init__(self, what: str) -> None:
        super().__init__(f"not a regular file: {what}")
        self.what = what


def not_regular(mode: int) -> str | None:
    """What a file of `mode` is when it is not a regular file (None when it is)."""
    if stat.S_ISREG(mode):
        return None
    for test, what in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return what
    return "not a file"


#: Opening never waits: a FIFO swapped in after the check below would block an open for
#: reading until a writer came. (On a regular file the flag changes nothing.)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


@contextlib.contextmanager
def open_input(path: Path, gz: bool) -> Iterator[io.BufferedIOBase]:
    """Open a regular file for reading as bytes, decompressing gzip.

    Anything else (after following symlinks) raises NotRegularFileError before it is
    opened; the opened file is checked again, in case it was replaced in between.
    """
    if (what := not_regular(path.stat().st_mode)) is not None:
        raise NotRegularFileError(what)
    with os.fdopen(os.open(path, _OPEN_FLAGS), "rb") as raw:
        if (what := not_regular(os.fstat(raw.fileno()).st_mode)) is not None:
            raise NotRegularFileError(what)
        if not gz:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield unzipped


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


def _text_field(value: Any) -> str | None:
    """An id or url as text; None when there is none, or only white space."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        try:
            return str(value)
        except ValueError:  # an integer of thousands of digits: no id to give
            return None
    return None


#: The fields of a record that make its document (see `documents.article_from_record`).
RECORD_FIELDS = (
    *("id", "url", "title", "date", "authors", "author", "source", "site", "tags"),
    *("language", "html", "body", "text"),
)


def record_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of `record` a document is made of: text made valid (no lone
    surrogates), lists kept to their text and numbers, anything else left out. The
    payload sent to a worker stays small and flat, however deeply a record nests what
    is never read."""
    fields: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        value = record.get(name)
        if isinstance(value, str):
            fields[name] = valid_text(value)
        elif isinstance(value, int | float):
            fields[name] = value
        elif isinstance(value, list | tuple):
            fields[name] = [
                valid_text(v) if isinstance(v, str) else v
                for v in value
                if isinstance(v, str | int | float)
            ]
    return fields


def record_item(
    record: Mapping[str, Any],
    origin: str,
    fallback_id: str,
    raw: bytes | None = None,
    *,
    in_file: bool = True,
) -> RawItem | Skipped:
    """Validate one record (a dict) and wrap it as a RawItem.

    `fallback_id` is the id of a record without id or url (or a blank one): a path in a
    file (`in_file`), else the record's place among the dicts given. `raw` is the
    record's text in its file, for the checksum; a dict is written as JSON for it.
    """
    if not isinstance(record, Mapping):
        return Skipped(origin, "malformed record: not a JSON object")
    fields = record_fields(record)
    content = fields.get("html") or fields.get("body") or fields.get("text")
    has_title = isinstance(fields.get("title"), str) and fields["title"].strip()
    if (not isinstance(content, str) or not content.strip()) and not has_title:
        return Skipped(origin, "empty record: no html, body, text or title")
    given = _text_field(fields.get("id")) or _text_field(fields.get("url"))
    doc_id = given or fallback_id
    if raw is None:
        try:
            raw = json.dumps(record, sort_keys=True, default=str).encode("utf-8")
        except RecursionError:
            return Skipped(origin, "malformed record: nested too deeply")
        except (ValueError, TypeError) as exc:  # a circular reference, keys of mixed types
            return Skipped(origin, f"malformed record: cannot be written as JSON ({exc})")
    return RawItem(
        doc_id.strip(),
        origin,
        "record",
        fields,
        _checksum(raw),
        from_path=in_file and not given,
    )


def _records(path: Path, data: bytes, rel: str) -> Iterator[RawItem | Skipped]:
    from searchlib.clean.encoding import decode

    text = decode(data)
    stripped = text.lstrip()
    origin = path_text(path.resolve())
    if path.name.lower().removesuffix(".gz").endswith(".json") and stripped[:1] in ("[", "{"):
        try:
            loaded = json.loads(text)
        except RecursionError:
            yield Skipped(path_text(path), f"malformed JSON: {_TOO_DEEP}")
            return
        except ValueError as exc:
            if stripped[:1] == "[":
                yield Skipped(path_text(path), f"malformed JSON: {exc}")
                return
            loaded = None  # maybe JSON lines in a .json file
        if loaded is not None:
            items = loaded if isinstance(loaded, list) else [loaded]
            for number, record in enumerate(items, 1):
                if not isinstance(record, dict):
                    yield Skipped(
                        f"{path_text(path)}#{number}", "malformed record: not a JSON object"
                    )
                    continue
                yield record_item(record, f"{origin}#{number}", f"{rel}#{number}")
            return
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield _line_item(path, number, line, origin, rel, line.encode("utf-8"))


#: Why a record is skipped when Python's JSON reader runs out of stack (about 1,000
#: levels): the one record is lost, never the run.
_TOO_DEEP = "nested too deeply"


def _line_item(
    path: Path, number: int, line: str, origin: str, rel: str, raw: bytes
) -> RawItem | Skipped:
    """The record on line `number` of a JSON-lines file, or why it cannot be read."""
    try:
        record = json.loads(line)
    except RecursionError:
        return Skipped(f"{path_text(path)}:{number}", f"malformed JSON line {number}: {_TOO_DEEP}")
    except ValueError as exc:
        reason = exc.args[0].split(":")[0]
        return Skipped(f"{path_text(path)}:{number}", f"malformed JSON line {number}: {reason}")
    if not isinstance(record, dict):
        return Skipped(
            f"{path_text(path)}:{number}", f"malformed JSON line {number}: not an object"
        )
    return record_item(record, f"{origin}#{number}", f"{rel}#{number}", raw)


def _is_json_document(path: Path, gz: bool) -> bool:
    """True for a .json file holding one JSON value (an array or object), not JSON lines."""
    if not path.name.lower().removesuffix(".gz").endswith(".json"):
        return False
    try:
        with open_input(path, gz) as handle:
            head = handle.read(4096)
    except (OSError, EOFError, zlib.error, NotRegularFileError):
        return True  # let the whole-file path report the error
    stripped = head.lstrip()
    if stripped.startswith(b"["):
        return True
    first_line = stripped.split(b"\n", 1)[0].strip()
    return stripped.startswith(b"{") and not first_line.endswith(b"}")


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


#: Bytes read at a time while passing over the rest of a line that is over the limit.
_SKIP_CHUNK = 1 << 20


def _capped_lines(handle: io.BufferedIOBase, max_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Each line of `handle` with its size in bytes. A line over `max_bytes` is never
    held whole: it is read through a chunk at a time (a gzip of a few megabytes can hold
    a line of gigabytes), and only its first 8 KB are given, enough to tell a binary file."""
    while raw := handle.readline(max_bytes + 1):
        size = len(raw)
        if size > max_bytes:
            head = raw[:8192]
            while not raw.endswith(b"\n") and (raw := handle.readline(_SKIP_CHUNK)):
                size += len(raw)
            raw = head
        yield raw, size


def _stream_lines(path: Path, gz: bool, rel: str, max_bytes: int) -> Iterator[RawItem | Skipped]:
    """Records of a JSON-lines file, read line by line (any size of file; the size cap
    applies to each line, decompressed, as it is read)."""
    from searchlib.clean.encoding import is_binary

    origin = path_text(path.resolve())
    # Whether any line held something: a file whose only line is over the cap is
    # skipped once, for its size, not a second time as empty.
    seen_any = False
    number = 0
    try:
        with open_input(path, gz) as handle:
            for number, (raw, size) in enumerate(_capped_lines(handle, max_bytes), 1):
                if number == 1 and is_binary(raw[:8192]):
                    yield Skipped(path_text(path), "binary file")
                    return
                if size > max_bytes:
                    seen_any = True
                    yield Skipped(
                        f"{path_text(path)}:{number}",
                        f"too large: line {number} has {size} bytes, over the {max_bytes}-byte limit",
                    )
                    continue
                if not raw.strip():
                    continue
                seen_any = True
                line = _decode_line(raw).strip().lstrip("\ufeff")
                yield _line_item(path, number, line, origin, rel, raw.strip())
    except NotRegularFileError as exc:  # replaced since read_file looked
        yield Skipped(path_text(path), str(exc))
        return
    except PermissionError:
        yield Skipped(path_text(path), "unreadable: permission denied")
        return
    except (OSError, EOFError, zlib.error) as exc:
        reason = "corrupt gzip" if gz else "unreadable"
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = f" after line {number}" if number else ""
        yield Skipped(path_text(path), f"{reason}{where}: {detail}")
        return
    if not seen_any:
        yield Skipped(path_text(path), "empty file")


def read_file(
    path: Path, rel: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[RawItem | Skipped]:
    """Read one file into raw items, or a Skipped note saying why it cannot be read."""
    from searchlib.clean.encoding import is_binary

    kind, gz = kind_of(path)
    if kind is None:
        yield Skipped(path_text(path), "unsupported file type")
        return
    try:
        what = not_regular(path.stat().st_mode)
    except OSError:
        what = None  # the read below says why it cannot be read
    if what is not None:
        # Never opened: a device may never end, a FIFO waits for a writer.
        yield Skipped(path_text(path), f"not a regular file: {what}")
        return
    if kind == "record" and not _is_json_document(path, gz):
        # JSON lines are streamed: the size cap applies to each record, not to the file.
        yield from _stream_lines(path, gz, rel, max_bytes)
        return
    try:
        data = read_bytes(path, gz, max_bytes)
    except TooLargeError as exc:
        if exc.size is None:
            reason = f"too large: over the {max_bytes}-byte limit once decompressed"
        else:
            reason = f"too large: {exc.size} bytes over the {max_bytes}-byte limit"
        yield Skipped(path_text(path), reason)
        return
    except NotRegularFileError as exc:
        yield Skipped(path_text(path), str(exc))
        return
    except PermissionError:
        yield Skipped(path_text(path), "unreadable: permission denied")
        return
    except (OSError, EOFError, zlib.error) as exc:
        reason = "corrupt gzip" if gz else "unreadable"
        yield Skipped(
            path_text(path),
            f"{reason}: {exc.strerror or exc}" if isinstance(exc, OSError) else f"{reason}: {exc}",
        )
        return
    if not data.strip():
        yield Skipped(path_text(path), "empty file")
        return
    if is_binary(data):
        yield Skipped(path_text(path), "binary file")
        return
    if kind == "record":
        yield from _records(path, data, rel)
        return
    yield RawItem(rel, path_text(path.resolve()), kind, data, _checksum(data), from_path=True)


def read_sources(
    sources: Iterable[str | os.PathLike[str] | Mapping[str, Any]]
    | str
    | os.PathLike[str]
    | Mapping[str, Any],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Path | None = None,
) -> Iterator[RawItem | Skipped]:
    """Yield raw items from paths (files or folders) and dict records, in order.

    Each file is read once: reached again (a folder given twice, or with one inside it,
    or through a symlink) it is a Skipped note, "already read".

    Raises:
        SourceNotFoundError: a path does not exist (raised before anything is read
            from that path).
    """
    if isinstance(sources, str | os.PathLike | Mapping):
        sources = [sources]
    # The id each file was read under, by the file reached; one slot per file.
    read: dict[str, str] = {}
    for number, source in enumerate(sources, 1):
        if isinstance(source, Mapping):
            yield record_item(source, f"{DICT_RECORDS}#{number}", f"record-{number}", in_file=False)
            continue
        for entry in walk_inputs([source], exclude=exclude):
            if isinstance(entry, Skipped):
                yield entry
                continue
            path, rel = entry
            if not path.is_file():
                # Not a regular file (or not there any more): skipped with its reason,
                # each name that leads to it (two links to /dev/zero are not "read").
                yield from read_file(path, rel, max_bytes)
                continue
            reached = path_text(path.resolve())
            if (earlier := read.get(reached)) is None:
                read[reached] = rel
                yield from read_file(path, rel, max_bytes)
            else:
                linked = path.is_symlink()
                yield Skipped(reached, _already_read(reached, earlier, rel, linked))


def _already_read(file: str, earlier: str, rel: str, linked: bool) -> str:
    """Why a file reached a second time in one run (as `rel`, through a symlink to it if
    `linked`) is not read again."""
    if earlier == rel:
        advice = "give each folder or file once"
    elif linked:
        advice = "it is also reached through a symlink"
    else:
        advice = "give either the folder or the one inside it, not both"
    return f"already read: {file} was read as {earlier!r} earlier in this run; {advice}"


def check_paths(paths: Iterable[str | os.PathLike[str] | Mapping[str, Any]]) -> None:
    """Raise SourceNotFoundError for the first path that does not exist."""
    for source in paths:
        if not isinstance(source, Mapping) and not Path(source).exists():
            raise SourceNotFoundError(str(source))
