"""Read inputs: files, folders and records, one item at a time (never a whole corpus).

Readers yield `RawItem`s (not yet cleaned) and `Skipped` notes; cleaning happens in
`searchlib.ingest.documents`, possibly in worker processes. Paths and walking are in
`paths`, safe reading of one file in `files`, records in `records`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from searchlib.ingest.files import (
    READ_ERRORS,
    NotRegularFileError,
    TooLargeError,
    not_regular,
    read_bytes,
    unreadable,
)
from searchlib.ingest.items import DICT_RECORDS, RawItem, Sources, checksum
from searchlib.ingest.paths import check_paths, kind_of, path_text, text_path, walk_inputs
from searchlib.ingest.records import is_json_document, record_item, records_in, stream_records
from searchlib.models import DEFAULT_MAX_BYTES, Skipped

# What the rest of searchlib reads inputs through; some are defined in the modules above.
__all__ = [
    "DICT_RECORDS",
    "NotRegularFileError",
    "RawItem",
    "Sources",
    "TooLargeError",
    "check_paths",
    "kind_of",
    "path_text",
    "read_bytes",
    "read_file",
    "read_sources",
    "text_path",
]


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
    if kind == "record" and not is_json_document(path, gz):
        # JSON lines are streamed: the size cap applies to each record, not to the file.
        yield from stream_records(path, gz, rel, max_bytes)
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
    except READ_ERRORS as exc:
        yield unreadable(path, gz, exc)
        return
    if not data.strip():
        yield Skipped(path_text(path), "empty file")
        return
    if is_binary(data):
        yield Skipped(path_text(path), "binary file")
        return
    if kind == "record":
        yield from records_in(path, data, rel)
        return
    yield RawItem(rel, path_text(path.resolve()), kind, data, checksum(data), from_path=True)


def read_sources(
    sources: Sources,
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
