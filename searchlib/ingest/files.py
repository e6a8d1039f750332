"""Opening and reading one input file safely: regular files only, gzip decompressed,
never more than the size limit, and a note saying why when it cannot be read."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path

from searchlib.ingest.paths import path_text
from searchlib.models import Skipped


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


#: What opening or reading a file can raise that skips the file (see `unreadable`).
READ_ERRORS = (NotRegularFileError, OSError, EOFError, zlib.error)


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


def unreadable(path: Path, gz: bool, exc: BaseException, after_line: int = 0) -> Skipped:
    """The note for a file that raised `exc` (one of `READ_ERRORS`) as it was opened or
    read; `after_line`: the last line read before, if any."""
    if isinstance(exc, NotRegularFileError):  # replaced since it was looked at
        return Skipped(path_text(path), str(exc))
    if isinstance(exc, PermissionError):
        return Skipped(path_text(path), "unreadable: permission denied")
    reason = "corrupt gzip" if gz else "unreadable"
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    where = f" after line {after_line}" if after_line else ""
    return Skipped(path_text(path), f"{reason}{where}: {detail}")
