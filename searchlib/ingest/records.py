"""Records: dicts, JSON documents and JSON-lines files, each record checked and made a
`RawItem`, or a note saying why it is skipped. A bad record costs that record alone."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from searchlib.ingest.files import READ_ERRORS, open_input, unreadable
from searchlib.ingest.items import RawItem, checksum
from searchlib.ingest.paths import path_text
from searchlib.models import Skipped
from searchlib.output import valid_text

#: The fields of a record that make its document (see `documents.article_from_record`).
RECORD_FIELDS = (
    *("id", "url", "title", "date", "authors", "author", "source", "site", "tags"),
    *("language", "html", "body", "text"),
    "cleaned",  # written by `searchlib clean`: the record is not cleaned again
)

#: Why a record is skipped when Python's JSON reader runs out of stack (about 1,000
#: levels): the one record is lost, never the run.
_TOO_DEEP = "nested too deeply"


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
            return Skipped(origin, f"malformed record: {_TOO_DEEP}")
        except (ValueError, TypeError) as exc:  # a circular reference, keys of mixed types
            return Skipped(origin, f"malformed record: cannot be written as JSON ({exc})")
    return RawItem(
        doc_id.strip(),
        origin,
        "record",
        fields,
        checksum(raw),
        from_path=in_file and not given,
    )


def records_in(path: Path, data: bytes, rel: str) -> Iterator[RawItem | Skipped]:
    """The records of a whole file's `data` read from `path` (indexed as `rel`): one
    JSON array or object, or JSON lines."""
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


def is_json_document(path: Path, gz: bool) -> bool:
    """True for a .json file holding one JSON value (an array or object), not JSON lines."""
    if not path.name.lower().removesuffix(".gz").endswith(".json"):
        return False
    try:
        with open_input(path, gz) as handle:
            head = handle.read(4096)
    except READ_ERRORS:
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


def stream_records(path: Path, gz: bool, rel: str, max_bytes: int) -> Iterator[RawItem | Skipped]:
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
    except READ_ERRORS as exc:
        yield unreadable(path, gz, exc, after_line=number)
        return
    if not seen_any:
        yield Skipped(path_text(path), "empty file")
