"""The exceptions searchlib raises.

Each carries its data (the index path, the version found...) and a message that names
the problem and the next step in the library's own terms. The command line adds the
command that takes that step (`searchlib index ... --rebuild`) when it prints one.
"""

from __future__ import annotations

import errno
from pathlib import Path


class SearchlibError(Exception):
    """Base of every error searchlib raises on purpose."""


class IndexNotFoundError(SearchlibError):
    """No index exists at the given location."""

    def __init__(self, path: str) -> None:
        self.path = path
        # Absolute: a relative path says nothing when the user ran from another folder.
        self.where = Path(path).absolute()
        super().__init__(f"no index at {self.where}")


class IndexExistsError(SearchlibError):
    """An index already exists where a new one was to be created."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"an index already exists at {path}")


class IndexVersionError(SearchlibError):
    """The index was written with a schema version this release cannot read."""

    def __init__(self, path: str, found: object, expected: int) -> None:
        self.path = path
        self.found = found
        self.expected = expected
        super().__init__(
            f"index at {path} has schema version {found}, this searchlib needs {expected}: "
            "rebuild it from its sources"
        )


class IndexDamagedError(SearchlibError):
    """The index exists but cannot be read."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"index damaged at {path}: {detail}; rebuild it from its sources")

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
            "(`ulimit -n`), or merge its segments"
        )


class IndexLockedError(SearchlibError):
    """Another writer held the index for longer than the allowed wait."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.problem = f"index at {path} is locked by another writer (waited {timeout:g}s)"
        super().__init__(f"{self.problem}: wait for it to finish or allow a longer lock timeout")


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
    """The query cannot be searched (empty, or only stopwords), or a search option is
    out of range.

    `option`, when given, names the `SearchOptions` field the user must set to fix it;
    the message ends with it in brackets, and `problem` is the message without it.
    """

    def __init__(self, problem: str, option: str | None = None) -> None:
        self.problem = problem
        self.option = option
        super().__init__(f"{problem} ({option})" if option else problem)


class DocumentNotFoundError(SearchlibError):
    """No document has the given id."""

    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        super().__init__(f"no document with id {doc_id!r}")
