"""The index's writer lock, the writers that work under it, and the clean-up of what
a killed or failed writer left behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from searchlib._log import logger
from searchlib.engine import versions
from searchlib.engine.layout import INDEX_NAME, LOCK_FILE
from searchlib.engine.trusted import install as install_restricted_unpickler
from searchlib.errors import IndexLockedError, IndexWriteError

log = logger(__name__)

# Clearing up reads the table of contents: only through the restricted unpickler.
install_restricted_unpickler()


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
        WhooshVersionError: the installed Whoosh is not the release the engine is
            tested with (nothing is written under it).
        IndexLockedError: the lock was not free within `timeout`.
        IndexWriteError: the lock file cannot be created (a full or read-only disk).
    """
    versions.check_writable(path)
    told = False

    def waiting() -> None:
        nonlocal told
        if not told:
            told = True
            log.info("index at %s is locked by another writer; waiting up to %gs", path, timeout)
            if on_wait is not None:
                on_wait()

    lock = _wait_for_lock(ix.storage, path, timeout, 0.1, waiting)
    try:
        # Another writer may have changed the metadata while this one waited (a newer
        # searchlib's format, a rebuild under another schema): checked again under the lock.
        versions.read_meta(path)
        remove_leftovers(ix.storage)
        versions.stamp(path)
    except BaseException:
        unlock(lock)
        raise
    return lock


def _wait_for_lock(
    storage: Any, path: Path, timeout: float, poll: float, waiting: Callable[[], None]
) -> Any:
    """The writer lock of the index in `storage`, waiting up to `timeout` seconds for
    it; `waiting()` is called every `poll` seconds meanwhile, and may raise to give up.

    Raises:
        IndexLockedError: the lock was not free within `timeout`.
    """
    deadline = time.monotonic() + timeout
    while (lock := _try_lock(storage, path)) is None:
        waiting()
        if time.monotonic() >= deadline:
            raise IndexLockedError(str(path), timeout)
        time.sleep(poll)
    return lock


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


def lock_to_create(storage: Any, path: Path, created: Callable[[], None]) -> Any:
    """The writer lock of the folder an index is created in. While it waits,
    `created()` may raise IndexExistsError, when another process created the index
    meanwhile, so that the caller learns it at once, not after that process's run.

    Raises:
        IndexExistsError, IndexLockedError.
    """
    return _wait_for_lock(storage, path, CREATE_TIMEOUT, 0.05, created)


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
        WhooshVersionError: the installed Whoosh is not the tested release.
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
    _tolerate_removed_runs(writer)
    from searchlib.engine.blockwriter import compact_term_index  # writing only

    compact_term_index(writer)
    return writer


def _tolerate_removed_runs(writer: Any) -> None:
    """Let the writer's sorting pool find its run files gone.

    A Ctrl-C while the pool merges its runs leaves their readers suspended; cancelling
    the writer removes its temporary folder, and when those readers are collected each
    tries to remove its run again: Python printed the FileNotFoundError of each as an
    "Exception ignored" traceback after the one-line message.
    """
    pool: Any = getattr(writer, "pool", None)
    remove = getattr(pool, "_remove_run", None)
    if remove is None:
        return

    def remove_run(path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            remove(path)

    pool._remove_run = remove_run


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
