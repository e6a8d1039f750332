"""Open and create the on-disk index: the module every index is opened through.

Its lock and writers are `locking`'s, the names of its files `layout`'s and the
versions recorded in its metadata `versions`'s; the names callers use are here too.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from searchlib.engine import versions
from searchlib.engine.layout import (
    INDEX_NAME,
    LOCK_FILE,
    META_FILE,
    exists,
    is_index_file,
    missing_files,
    size_on_disk,
)
from searchlib.engine.locking import (
    acquire_writer,
    cancel,
    close_inherited_locks,
    lock_index,
    lock_to_create,
    remove_leftovers,
    unlock,
)
from searchlib.engine.schema import build_schema
from searchlib.engine.trusted import install as install_restricted_unpickler
from searchlib.errors import IndexExistsError, IndexWriteError

__all__ = [
    "INDEX_NAME",
    "LOCK_FILE",
    "META_FILE",
    "DurableStorage",
    "acquire_writer",
    "cancel",
    "close_inherited_locks",
    "create",
    "exists",
    "fsync_dir",
    "lock_index",
    "missing_files",
    "open_index",
    "remove_leftovers",
    "segments",
    "size_on_disk",
    "unlock",
]

# Every index is opened through this module: from here on, whatever Whoosh or searchlib
# unpickles from index files can rebuild only what an index is made of.
install_restricted_unpickler()


def create(path: Path, overwrite: bool = False) -> Any:
    """Create an empty index at `path` and return the Whoosh index.

    Raises:
        IndexExistsError: one exists and `overwrite` is false.
        WhooshVersionError: the installed Whoosh is not the release the engine is
            tested with (nothing is written under it).
        IndexWriteError: the folder cannot be written.
    """
    if exists(path) and not overwrite:
        raise IndexExistsError(str(path))
    versions.check_writable(path)

    def created() -> None:
        # Another process created the index meanwhile (its metadata is written last).
        if not overwrite and (path / META_FILE).is_file():
            raise IndexExistsError(str(path))

    try:
        path.mkdir(parents=True, exist_ok=True)
        storage = DurableStorage(str(path))
        # Made under the writer lock: two runs creating one index at once would delete
        # each other's table of contents, and overwriting must wait for a writer.
        lock = lock_to_create(storage, path, created)
        try:
            if exists(path) and not overwrite:
                raise IndexExistsError(str(path))
            if overwrite:
                _clear(path)
            ix = storage.create_index(build_schema(), indexname=INDEX_NAME)
            versions.write_meta(path, versions.new_meta())
        finally:
            unlock(lock)
    except OSError as exc:
        raise IndexWriteError.from_os(path, exc) from exc
    return ix


def _clear(path: Path) -> None:
    """Remove the index files in `path`, keeping anything else (a README, say)."""
    for child in path.iterdir():
        if child.name == LOCK_FILE:
            continue  # held by the caller: a new lock file would let a second writer in
        if is_index_file(child.name):
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def open_index(path: Path) -> Any:
    """Open the Whoosh index at `path` after checking its versions (see `versions`).

    Raises:
        IndexNotFoundError, IndexVersionError, IndexDamagedError.
    """
    versions.read_meta(path)
    storage = DurableStorage(str(path))
    for attempt in range(_REREADS + 1):
        try:
            ix = storage.open_index(indexname=INDEX_NAME)
        except windex.EmptyIndexError as exc:
            # The metadata is there (read_meta found it), so an index was made here.
            raise versions.damaged(path, "its table of contents is missing") from exc
        except Exception as exc:  # a corrupt table of contents can raise nearly anything
            raise versions.read_failure(path, exc) from exc
        try:
            toc = ix._read_toc()
            gone = missing_files(ix.storage, toc.segments)
        except Exception as exc:
            raise versions.read_failure(path, exc) from exc
        if not gone:
            return ix
        # A commit removes the files of the segments it replaced: a table of contents
        # read just before it names files that are gone by now. Read the new one.
        if attempt == _REREADS or ix.latest_generation() == toc.generation:
            raise versions.damaged(path, f"segment file {gone[0]} is missing")
    raise AssertionError("unreachable")  # the last attempt returns or raises


#: How many times the table of contents is read again when a commit replaced it while
#: the index was being opened.
_REREADS = 3


def segments(ix: Any) -> list[Any]:
    """The segments the last commit of the Whoosh index `ix` lists."""
    found: list[Any] = ix._segments()
    return found


class DurableStorage(FileStorage):  # type: ignore[misc]
    """Index files that reach the disk before the commit that names them.

    Whoosh writes a segment's files, then renames a new table of contents into place.
    Each file written is flushed and fsynced as it is closed, so after a power loss the
    table of contents never names a segment whose data was still in the page cache.
    """

    def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kwargs: Any) -> Any:
        made = super().create_file(name, excl=excl, mode=mode, **kwargs)
        earlier = made.onclose

        def onclose(structfile: Any) -> None:
            if earlier is not None:
                earlier(structfile)
            raw = structfile.file
            raw.flush()
            os.fsync(raw.fileno())

        made.onclose = onclose
        return made

    def open_file(self, name: str, **kwargs: Any) -> Any:
        return _PositionedFile(open(self._fpath(name), "rb"), name=name, **kwargs)


class _PositionedFile(StructFile):  # type: ignore[misc]
    """An index file whose reads at an offset take one `pread`.

    Term lookups and postings read at offsets; a seek and a buffered read cost Python
    calls each, several per term and segment of every query. The file's own position
    is left alone, so sequential reads through it still work.
    """

    def get(self, position: int, length: int) -> bytes:
        data: bytes = os.pread(self.file.fileno(), length, position)
        return data


def fsync_dir(storage: FileStorage) -> None:
    """Flush the folder's entries so a committed rename survives power loss."""
    try:
        fd = os.open(storage.folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
