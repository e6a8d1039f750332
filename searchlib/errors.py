"""The exceptions searchlib raises; the CLI turns each into one line and an exit code."""

from __future__ import annotations

import errno
import shlex
from pathlib import Path


class SearchlibError(Exception):
    """Base of every error searchlib raises on purpose."""


class IndexNotFoundError(SearchlibError):
    """No index exists at the given location.

    `command` is the command that creates this index, when the caller knows it (the
    command line does: it knows whether the sample or an archive was meant).
    """

    def __init__(self, path: str, command: str | None = None) -> None:
        self.path = path
        self.command = command
        # Absolute: a relative path says nothing when the user ran from another folder.
        where = Path(path).absolute()
        if command:
            hint = f"run `{command}` to create it"
        else:
            hint = "run `searchlib index` first, with the files or folders to index"
        super().__init__(f"no index at {where}: {hint}")


class IndexExistsError(SearchlibError):
    """An index already exists where a new one was to be created."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"an index already exists at {path}: use --rebuild to start afresh")


class IndexVersionError(SearchlibError):
    """The index was written with a schema version this release cannot read."""

    def __init__(self, path: str, found: object, expected: int) -> None:
        self.path = path
        self.found = found
        self.expected = expected
        super().__init__(
            f"index at {path} has schema version {found}, this searchlib needs {expected}: "
            f"rebuild it from its sources with "
            f"`searchlib index --index {shlex.quote(path)} --rebuild SOURCES...`"
        )


class IndexDamagedError(SearchlibError):
    """The index exists but cannot be read."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        # The hint names the folder, so only the sources are left to fill in.
        super().__init__(
            f"index damaged at {path}: {detail}; rebuild it from its sources with "
            f"`searchlib index --index {shlex.quote(path)} --rebuild SOURCES...`"
        )

    @classmethod
    def from_exception(cls, path: object, exc: BaseException) -> SearchlibError:
        """The error for what reading the index at `path` raised."""
        if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
            return TooManyOpenFilesError(str(path))  # the files are sound
        return cls(str(path), f"{type(exc).__name__}: {exc}")


class TooManyOpenFilesError(SearchlibError):
    """Reading the index needs more open files than the process (or the system) allows:
    a file or more per segment. The index itself is sound."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"too many open files reading the index at {path}: raise the limit "
            "(`ulimit -n`), or merge its segments with `searchlib optimize`"
        )


class IndexLockedError(SearchlibError):
    """Another writer held the index for longer than the allowed wait."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        super().__init__(
            f"index at {path} is locked by another writer (waited {timeout:g}s): "
            "wait for it to finish or raise --lock-timeout"
        )


class IndexWriteError(SearchlibError):
    """The index could not be written (read-only or full disk); the last commit is intact."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"cannot write the index at {path}: {detail}; the last committed index is unchanged"
        )

    @classmethod
    def from_os(cls, path: object, exc: OSError) -> IndexWriteError:
        """The error for an OSError the disk raised while writing the index at `path`."""
        return cls(str(path), exc.strerror or str(exc))


class SourceNotFoundError(SearchlibError):
    """A path given to index does not exist."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"no such file or folder: {path}")


class QueryError(SearchlibError):
    """The query cannot be searched (empty, or only stopwords)."""


class DocumentNotFoundError(SearchlibError):
    """No document has the given id."""

    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        super().__init__(
            f"no document with id {doc_id!r}: `searchlib search` shows ids with --json"
        )
