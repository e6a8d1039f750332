"""Open, create and lock the on-disk index; the only module that touches its files."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage

from searchlib.engine.schema import SCHEMA_VERSION, build_schema
from searchlib.engine.trusted import install as install_restricted_unpickler
from searchlib.errors import (
    IndexDamagedError,
    IndexExistsError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    IndexWriteError,
)

log = logging.getLogger(__name__)

# Every index is opened through this module: from here on, whatever Whoosh or searchlib
# unpickles from index files can rebuild only what an index is made of.
install_restricted_unpickler()


META_FILE = "searchlib.json"
INDEX_NAME = "MAIN"


#: A table of contents and a segment file, as Whoosh names them.
_TOC_NAME = re.compile(rf"_{INDEX_NAME}_[0-9]+\.toc")
_SEGMENT_FILE = re.compile(rf"{INDEX_NAME}_[0-9a-z]+\.[A-Za-z0-9_.]+")


def exists(path: Path) -> bool:
    """True when `path` holds a searchlib index, of any version and whole or not: its
    metadata, a table of contents or segment files. A table of contents lost beside
    the segments is damage, not the absence of an index. Only names are looked at."""
    if (path / META_FILE).is_file():
        return True
    try:
        names = [child.name for child in path.iterdir()]
    except OSError:
        return False
    return any(_TOC_NAME.fullmatch(name) or _SEGMENT_FILE.fullmatch(name) for name in names)


def create(path: Path, overwrite: bool = False) -> Any:
    """Create an empty index at `path` and return the Whoosh index.

    Raises:
        IndexExistsError: one exists and `overwrite` is false.
        IndexWriteError: the folder cannot be written.
    """
    if exists(path) and not overwrite:
        raise IndexExistsError(str(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
        storage = DurableStorage(str(path))
        # Made under the writer lock: two runs creating one index at once would delete
        # each other's table of contents, and overwriting must wait for a writer.
        lock = _lock_to_create(storage, path, overwrite)
        try:
            if exists(path) and not overwrite:
                raise IndexExistsError(str(path))
            if overwrite:
                _clear(path)
            ix = storage.create_index(build_schema(), indexname=INDEX_NAME)
            meta = {"schema_version": SCHEMA_VERSION, "created": datetime.now(UTC).isoformat()}
            tmp = path / (META_FILE + ".tmp")
            tmp.write_text(json.dumps(meta), encoding="utf-8")
            tmp.replace(path / META_FILE)
        finally:
            unlock(lock)
    except OSError as exc:
        raise IndexWriteError.from_os(path, exc) from exc
    return ix


def _clear(path: Path) -> None:
    """Remove the index files in `path`, keeping anything else (a README, say)."""
    for child in path.iterdir():
        name = child.name
        if name == LOCK_FILE:
            continue  # held by the caller: a new lock file would let a second writer in
        if name.startswith(("_" + INDEX_NAME, INDEX_NAME + "_", META_FILE)) or name.endswith(
            (".seg", ".toc", ".tmp")
        ):
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def read_meta(path: Path) -> dict[str, Any]:
    """Read the index's own metadata file, checking the schema version."""
    meta_path = path / META_FILE
    if not path.is_dir() or not exists(path):
        raise IndexNotFoundError(str(path))
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexVersionError(str(path), "unknown", SCHEMA_VERSION) from None
    except (OSError, ValueError) as exc:
        raise IndexDamagedError(str(path), f"unreadable {META_FILE} ({exc})") from exc
    if not isinstance(meta, dict):
        raise IndexDamagedError(str(path), f"unreadable {META_FILE}")
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        raise IndexVersionError(str(path), version, SCHEMA_VERSION)
    return meta


def open_index(path: Path) -> Any:
    """Open the Whoosh index at `path` after checking its version.

    Raises:
        IndexNotFoundError, IndexVersionError, IndexDamagedError.
    """
    read_meta(path)
    storage = DurableStorage(str(path))
    for attempt in range(_REREADS + 1):
        try:
            ix = storage.open_index(indexname=INDEX_NAME)
        except windex.EmptyIndexError as exc:
            # The metadata is there (read_meta found it), so an index was made here.
            raise IndexDamagedError(str(path), "its table of contents is missing") from exc
        except Exception as exc:  # a corrupt table of contents can raise nearly anything
            raise IndexDamagedError.from_exception(path, exc) from exc
        try:
            toc = ix._read_toc()
            gone = missing_files(ix.storage, toc.segments)
        except Exception as exc:
            raise IndexDamagedError.from_exception(path, exc) from exc
        if not gone:
            return ix
        # A commit removes the files of the segments it replaced: a table of contents
        # read just before it names files that are gone by now. Read the new one.
        if attempt == _REREADS or ix.latest_generation() == toc.generation:
            raise IndexDamagedError(str(path), f"segment file {gone[0]} is missing")
    raise AssertionError("unreachable")  # the last attempt returns or raises


#: How many times the table of contents is read again when a commit replaced it while
#: the index was being opened.
_REREADS = 3


def lock_index(
    ix: Any, path: Path, timeout: float, on_wait: Callable[[], None] | None = None
) -> Any:
    """Take the index's writer lock, waiting up to `timeout` seconds for another writer,
    and remove what a killed or failed writer left behind.

    The lock is an flock on a file in the index folder: the kernel releases it when
    its holder dies, so a killed process never leaves a lock behind. A whole indexing
    run holds it (see `indexing.add`), so what it reads as indexed stays so until it
    ends. Release it with `unlock`.

    Raises:
        IndexLockedError: the lock was not free within `timeout`.
        IndexWriteError: the lock file cannot be created (a full or read-only disk).
    """
    deadline = time.monotonic() + timeout
    told = False
    while True:
        if (lock := _try_lock(ix.storage, path)) is not None:
            remove_leftovers(ix.storage)
            return lock
        if not told:
            told = True
            log.info("index at %s is locked by another writer; waiting up to %gs", path, timeout)
            if on_wait is not None:
                on_wait()
        if time.monotonic() >= deadline:
            raise IndexLockedError(str(path), timeout)
        time.sleep(0.1)


#: The writer lock's file, as Whoosh names it (`Index.lock("WRITELOCK")`), so that a
#: writer Whoosh opens itself waits for it too.
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"


def _try_lock(storage: Any, path: Path) -> Any | None:
    """The writer lock of the index in `storage`, if it is free."""
    lock = storage.lock(LOCK_FILE)
    try:
        held = lock.acquire(False)
    except OSError as exc:
        raise IndexWriteError.from_os(path, exc) from exc
    if not held:
        return None
    _HELD.add(lock)
    return lock


#: Seconds `create` waits for the writer lock of a folder.
CREATE_TIMEOUT = 30.0


def _lock_to_create(storage: Any, path: Path, overwrite: bool) -> Any:
    """The writer lock of the folder an index is created in. Without `overwrite`,
    another process that created the index meanwhile (its metadata, written last, is
    there) raises IndexExistsError at once, not after its whole run.

    Raises:
        IndexExistsError, IndexLockedError.
    """
    deadline = time.monotonic() + CREATE_TIMEOUT
    while (lock := _try_lock(storage, path)) is None:
        if not overwrite and (path / META_FILE).is_file():
            raise IndexExistsError(str(path))
        if time.monotonic() >= deadline:
            raise IndexLockedError(str(path), CREATE_TIMEOUT)
        time.sleep(0.05)
    return lock


def unlock(lock: Any) -> None:
    """Release a lock taken with `lock_index` (once; later calls do nothing)."""
    _HELD.discard(lock)
    if lock.fd is not None:
        lock.release()


#: The writer locks this process holds, for `close_inherited_locks`.
_HELD: weakref.WeakSet[Any] = weakref.WeakSet()


def close_inherited_locks() -> None:
    """In a process forked from a writer, close its copies of the writer's lock files.

    An flock belongs to the open file, which a fork shares: a child that kept its copy
    would hold the index locked after its parent died. Closing the copy leaves the
    parent's lock alone; releasing it (LOCK_UN) would drop the parent's lock too.
    """
    for lock in list(_HELD):
        if lock.fd is not None:
            with contextlib.suppress(OSError):
                os.close(lock.fd)
            lock.fd = None  # so that collecting it here never releases the parent's lock
    _HELD.clear()


def remove_leftovers(storage: Any) -> None:
    """Delete what no commit lists: the segment files of a batch that failed or was
    killed (or of a merge that never landed), and posting-pool folders. The caller
    holds the lock, so no writer is using them; the last commit's files are listed and
    stay. (A file still open somewhere frees its space when closed.)"""
    from whoosh.index import TOC, clean_files

    _remove_stale_temp(Path(storage.folder))
    try:
        toc = TOC.read(storage, INDEX_NAME)
        clean_files(storage, INDEX_NAME, toc.generation, toc.segments)
    except Exception:  # no readable table of contents: nothing is known to be unlisted
        log.debug("could not remove unlisted index files", exc_info=True)


def acquire_writer(
    ix: Any,
    path: Path,
    timeout: float = 0.0,
    on_wait: Callable[[], None] | None = None,
    *,
    lock: Any = None,
    **options: Any,
) -> Any:
    """Return a Whoosh writer, waiting up to `timeout` seconds for another writer.

    With `lock` (taken with `lock_index`), the writer works under it and leaves it held
    when it commits or cancels; otherwise it takes the lock itself and releases it then.

    Raises:
        IndexLockedError: the lock was not free within `timeout`.
        IndexWriteError: the writer's first files cannot be created.
    """
    # Segments are written as separate files, not one compound file: a compound file's
    # parts are copied into memory each time a reader opens them, which cost a
    # command-line search more than the search itself.
    options.setdefault("compound", False)
    own = lock is None
    if own:
        # The lock is taken here, not by the writer: a writer whose first files cannot
        # be created (a full or read-only disk) would otherwise keep it until exit.
        lock = lock_index(ix, path, timeout, on_wait)
    try:
        writer = ix.writer(_lk=False, **options)
    except OSError as exc:
        if own:
            unlock(lock)
        raise IndexWriteError.from_os(path, exc) from exc
    except BaseException:
        if own:
            unlock(lock)
        raise
    if own:
        writer.writelock = lock  # released by the writer's commit or cancel
    return writer


def _remove_stale_temp(path: Path) -> None:
    """Delete posting-pool folders a killed writer left behind; the caller holds the lock,
    so no live writer of this index is using them."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(path):
            if (
                entry.is_dir()
                and entry.name.startswith(f"{INDEX_NAME}.")
                and entry.name.endswith(".tmp")
            ):
                shutil.rmtree(entry.path, ignore_errors=True)


def cancel(writer: Any) -> None:
    """Drop the open batch; the last commit stays as it was. A writer that took the lock
    itself (`acquire_writer` without `lock`) removes the files it wrote, then releases
    it; under a lock held for a run, the run does both."""
    lock, writer.writelock = getattr(writer, "writelock", None), None
    try:
        writer.cancel()
    except Exception:  # already cancelled, or its files failed as well
        # The lock is released below in any case: a cancel that failed half-way would
        # otherwise block every later writer until this process exits.
        log.debug("cancelling a writer failed", exc_info=True)
    finally:
        if lock is not None:
            try:
                remove_leftovers(writer.storage)
            finally:
                with contextlib.suppress(Exception):  # released already
                    unlock(lock)


def size_on_disk(path: Path) -> int:
    """Bytes used by the index files."""
    total = 0
    for child in path.iterdir():
        try:
            if child.is_file():
                total += child.stat().st_size
        except OSError:
            continue
    return total


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


def missing_files(storage: Any, segments: list[Any]) -> list[str]:
    """The files `segments` cannot be read without that are not in `storage`: terms and
    postings, and for a segment with documents its stored fields, its id column
    (without it, the next run would take every document for new and add it again) and
    the length column of every field with lengths. Only names are checked, so this is
    cheap on any index.
    """
    from whoosh.codec.whoosh3 import W3Codec, _lenfield

    names = set(storage.list())
    wanted: list[str] = []
    for segment in segments:
        if segment.is_compound():
            wanted.append(segment.make_filename(".seg"))
            continue
        wanted += [
            segment.make_filename(W3Codec.TERMS_EXT),
            segment.make_filename(W3Codec.POSTS_EXT),
        ]
        if segment.doc_count_all():
            lengths = getattr(segment, "_fieldlengths", {})
            columns = ["_stored", "id", *(_lenfield(f) for f, n in sorted(lengths.items()) if n)]
            wanted += [W3Codec.column_filename(segment, column) for column in columns]
    return [name for name in wanted if name not in names]
