"""Damage reported as damage: a method of `Index` that trips over unreadable index files
raises IndexDamagedError, never whatever the decoding code happened to raise; and a
read that a commit replaced under it is made again from the new commit."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from searchlib.engine import versions
from searchlib.engine.verify import is_read_error

_F = TypeVar("_F", bound=Callable[..., Any])

#: How many times a read is tried again when the commit it read was replaced under it.
REREADS = 3


def guarded(method: _F) -> _F:
    """Report damaged index files as IndexDamagedError (naming the object's `path`),
    never as a raw exception. For methods that write: an OSError there is the disk's
    (full, read-only), not damage."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            if not is_read_error(exc, reading=False):
                raise
            raise versions.read_failure(self.path, exc) from exc

    return cast(_F, wrapper)


def rereading(replaced: Callable[[Any], bool]) -> Callable[[_F], _F]:
    """A decorator like `guarded`, for a method that only reads, and sees one commit
    whole; `replaced(obj)` says whether a commit replaced the one `obj` reads.

    A commit that replaces the index while a read is under way (a merge deletes the
    files of the segments it merged, which the open searcher may not have opened yet)
    can make the read fail, or miss a column whose file is gone. Such a read is made
    again from the new commit, after `obj.close()`; a read error in an index no commit
    replaced is damage.
    """

    def decorate(method: _F) -> _F:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            for attempt in range(REREADS + 1):
                last = attempt == REREADS
                try:
                    result = method(self, *args, **kwargs)
                except Exception as exc:
                    if not is_read_error(exc):
                        raise
                    if last or not replaced(self):
                        raise versions.read_failure(self.path, exc) from exc
                else:
                    if last or not replaced(self):
                        return result
                self.close()
            raise AssertionError("unreachable")  # the last attempt returns or raises

        return cast(_F, wrapper)

    return decorate


def guarded_lines(path: object, lines: Iterator[str]) -> Iterator[str]:
    """`lines`, produced lazily, with damage that surfaces mid-way reported as
    everywhere else."""
    try:
        yield from lines
    except Exception as exc:
        if not is_read_error(exc):
            raise
        raise versions.read_failure(path, exc) from exc
