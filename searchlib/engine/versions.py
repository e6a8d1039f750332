"""The versions an index depends on, recorded in its metadata file and checked.

The engine reads and writes Whoosh 3's private on-disk format (its codec's struct
layouts and pickles, its writer's internals), which any Whoosh release may change
without notice. So the metadata records the format searchlib wrote the index in
(`FORMAT_VERSION`), besides its schema version, and the Whoosh release that wrote it;
and the engine writes only under the Whoosh release it is tested with
(`TESTED_WHOOSH`). Under another, searching proceeds (a failure to read is then
reported against the Whoosh release, never as damage), but creating, adding,
merging and `optimize` refuse, so no index is written in a format no one checked.

An index written before these fields existed has none of them: it is in the current
format, and gets them the next time it is written.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import searchlib
from searchlib.engine.layout import META_FILE, exists
from searchlib.engine.schema import SCHEMA_VERSION
from searchlib.errors import (
    IndexDamagedError,
    IndexNotFoundError,
    IndexVersionError,
    IndexWriteError,
    SearchlibError,
)

#: The layout of the index files searchlib writes (Whoosh 3's, as the engine writes
#: them). Bumped when an index written now cannot be read by an earlier release as it
#: is. 2: frequency files of a new layout, which format 1's readers took for damage.
FORMAT_VERSION = 2

#: The formats this release reads: format 1's frequency files are left unread (their
#: segments are scored from their blocks). An index of one is stamped with
#: FORMAT_VERSION when next written.
READABLE_FORMATS = (1, 2)

#: The Whoosh release (major, minor) the engine is tested with: pyproject.toml pins
#: `whoosh3` to it.
TESTED_WHOOSH = (3, 54)

_TESTED = "{}.{}".format(*TESTED_WHOOSH)
_INSTALL = f"`pip install 'whoosh3>={_TESTED},<{TESTED_WHOOSH[0]}.{TESTED_WHOOSH[1] + 1}'`"


def installed_whoosh() -> str:
    """The installed Whoosh release, as "3.54.0"."""
    import whoosh

    version: str = whoosh.versionstring()
    return version


def whoosh_tested(version: str | None = None) -> bool:
    """Whether `version` (by default the installed Whoosh's) is the tested release."""
    parts = (installed_whoosh() if version is None else version).split(".")
    try:
        return (int(parts[0]), int(parts[1])) == TESTED_WHOOSH
    except (IndexError, ValueError):
        return False


class WhooshVersionError(IndexVersionError):
    """The installed Whoosh is not the release the engine is tested with: the index is
    not written under it, and what fails to read under it is not called damage."""

    def __init__(self, path: str, installed: str, failure: str | None = None) -> None:
        self.path = path
        self.installed = installed
        self.supported = _TESTED
        if failure is None:
            what = f"cannot write the index at {path} with Whoosh {installed}"
        else:
            what = f"cannot read the index at {path} with Whoosh {installed} ({failure})"
        # Not IndexVersionError's message, which is about the schema.
        SearchlibError.__init__(
            self,
            f"{what}: searchlib is tested with Whoosh {_TESTED} only; install it with "
            f"{_INSTALL}" + ("; searching works meanwhile" if failure is None else ""),
        )


class IndexFormatError(IndexVersionError):
    """The index was written in another searchlib index format."""

    def __init__(self, path: str, found: object, written_by: object) -> None:
        self.path = path
        self.found = found
        self.expected = FORMAT_VERSION
        writer = f"searchlib {written_by}" if written_by else "another searchlib"
        # Not IndexVersionError's message: the schema may well be the same.
        SearchlibError.__init__(
            self,
            f"index at {path} is in index format {found} (written by {writer}), this "
            f"searchlib reads format {' and '.join(map(str, READABLE_FORMATS))}: install "
            "the searchlib that wrote it, "
            "or rebuild it from its sources",
        )


def new_meta() -> dict[str, Any]:
    """The metadata of an index created now."""
    return stamped({"schema_version": SCHEMA_VERSION, "created": datetime.now(UTC).isoformat()})


def stamped(meta: dict[str, Any]) -> dict[str, Any]:
    """`meta` with the versions of what writes the index now."""
    return {
        **meta,
        "format_version": FORMAT_VERSION,
        "whoosh_version": installed_whoosh(),
        "searchlib_version": searchlib.__version__,
    }


def read_meta(path: Path) -> dict[str, Any]:
    """Read the index's metadata, checking its schema and format versions.

    Raises:
        IndexNotFoundError: no index at `path`.
        IndexVersionError: another schema or format version (`IndexFormatError`), or
            no metadata at all (an index older than searchlib's metadata).
        IndexDamagedError: the metadata file cannot be read.
    """
    if not path.is_dir() or not exists(path):
        raise IndexNotFoundError(str(path))
    try:
        meta = json.loads(_meta_text(path))
    except FileNotFoundError:
        raise IndexVersionError(str(path), "unknown", SCHEMA_VERSION) from None
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nested [[[…
        raise IndexDamagedError(str(path), f"unreadable {META_FILE} ({exc})") from exc
    if not isinstance(meta, dict):
        raise IndexDamagedError(str(path), f"unreadable {META_FILE}")
    # Written before the format was recorded: the format of then is the current one.
    found = meta.get("format_version", FORMAT_VERSION)
    if not any(_same_number(found, readable) for readable in READABLE_FORMATS):
        raise IndexFormatError(str(path), _shown(found), _shown(meta.get("searchlib_version")))
    version = meta.get("schema_version")
    if not _same_number(version, SCHEMA_VERSION):
        raise IndexVersionError(str(path), _shown(version), SCHEMA_VERSION)
    return meta


#: How long a reader waits for the metadata of an index whose table of contents is
#: there: another process creating the index writes the metadata just after it.
META_WAIT = 1.0


def _meta_text(path: Path) -> str:
    deadline = time.monotonic() + META_WAIT
    while True:
        try:
            return (path / META_FILE).read_text(encoding="utf-8")
        except FileNotFoundError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _same_number(value: object, expected: int) -> bool:
    # 1.0, True and "1" are not the version 1 that searchlib writes.
    return type(value) is int and value == expected


def _shown(value: object) -> object:
    """A stored value as a message may show it: a number as it is, anything else as a
    short one-line repr (metadata is the index's, not searchlib's, to vouch for)."""
    if type(value) is int and abs(value) < 10**9:
        return value
    if value is None:
        return None
    if isinstance(value, str) and value.isprintable() and 0 < len(value) <= 40:
        return value if not value.strip().isdigit() else repr(value)  # "1" is not 1
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    """Replace the index's metadata with `meta`, at once (readers see old or new)."""
    tmp = path / (META_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(meta))
        handle.flush()
        os.fsync(handle.fileno())  # a power loss must not leave an empty file in its place
    tmp.replace(path / META_FILE)
    folder = os.open(path, os.O_RDONLY)
    try:
        os.fsync(folder)  # and the rename itself reaches the disk
    finally:
        os.close(folder)


def check_writable(path: Path) -> None:
    """Refuse to write the index at `path` under a Whoosh release it is not tested with.

    Raises:
        WhooshVersionError: the installed Whoosh is another release.
    """
    installed = installed_whoosh()
    if not whoosh_tested(installed):
        raise WhooshVersionError(str(path), installed)


def stamp(path: Path) -> None:
    """Record in the metadata of the index at `path` the versions of what writes it now,
    where they differ (an index written before they were recorded, or by an earlier
    Whoosh of the tested release). The caller holds the writer lock.

    Raises:
        IndexWriteError: the metadata cannot be written (a full or read-only disk).
    """
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # opening the index checked it; a writer is not the place to repair it
    if isinstance(meta, dict) and stamped(meta) != meta:
        try:
            write_meta(path, stamped(meta))
        except OSError as exc:
            raise IndexWriteError.from_os(path, exc) from exc


def damaged(path: object, detail: str) -> SearchlibError:
    """The error for damage found in the index at `path`: IndexDamagedError, unless the
    installed Whoosh is not the tested release, which may read sound files otherwise."""
    if whoosh_tested():
        return IndexDamagedError(str(path), detail)
    return WhooshVersionError(str(path), installed_whoosh(), detail)


def read_failure(path: object, exc: BaseException) -> SearchlibError:
    """The error for what reading the index at `path` raised: as
    `IndexDamagedError.from_exception` says, unless that is damage and the installed
    Whoosh is not the tested release (see `damaged`)."""
    error = IndexDamagedError.from_exception(path, exc)
    if isinstance(error, IndexDamagedError):
        return damaged(path, error.detail)
    return error
