"""Library errors say what is wrong and what to do in the library's terms; the command
line prints each with the command that does it."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from searchlib import (
    DocumentNotFoundError,
    IndexDamagedError,
    IndexExistsError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    IndexWriteError,
    QueryError,
    SearchlibError,
    SourceNotFoundError,
)
from searchlib.cli.common import describe

REBUILD = "`searchlib index --index 'my ix' --rebuild SOURCES...`"


@pytest.mark.parametrize(
    ("error", "library", "command_line"),
    [
        (
            IndexExistsError("ix"),
            "an index already exists at ix",
            "an index already exists at ix: use --rebuild to start afresh",
        ),
        (
            IndexVersionError("my ix", 6, 7),
            "index at my ix has schema version 6, this searchlib needs 7: rebuild it from "
            "its sources",
            "index at my ix has schema version 6, this searchlib needs 7: rebuild it from "
            f"its sources with {REBUILD}",
        ),
        (
            IndexDamagedError("my ix", "segment file x is missing"),
            "index damaged at my ix: segment file x is missing; rebuild it from its sources",
            "index damaged at my ix: segment file x is missing; rebuild it from its sources "
            f"with {REBUILD}",
        ),
        (
            IndexDamagedError.from_exception("ix", OSError(errno.EMFILE, "Too many open files")),
            "too many open files reading the index at ix: raise the limit (`ulimit -n`), or "
            "merge its segments",
            "too many open files reading the index at ix: raise the limit (`ulimit -n`), or "
            "merge its segments with `searchlib optimize`",
        ),
        (
            IndexLockedError("ix", 0.5),
            "index at ix is locked by another writer (waited 0.5s): wait for it to finish "
            "or allow a longer lock timeout",
            "index at ix is locked by another writer (waited 0.5s): wait for it to finish "
            "or raise --lock-timeout",
        ),
        (
            DocumentNotFoundError("x1"),
            "no document with id 'x1'",
            "no document with id 'x1': `searchlib search` shows each hit's id",
        ),
        (
            QueryError("a date to count recency from needs a half-life", "half_life_days"),
            "a date to count recency from needs a half-life (half_life_days)",
            "a date to count recency from needs a half-life (--recent DAYS)",
        ),
        (QueryError("empty query"), "empty query", "empty query"),
        (
            IndexWriteError("ix", "No space left on device"),
            "cannot write the index at ix: No space left on device; the last committed "
            "index is unchanged",
            "cannot write the index at ix: No space left on device; the last committed "
            "index is unchanged",
        ),
        (SourceNotFoundError("a/b"), "no such file or folder: a/b", "no such file or folder: a/b"),
    ],
)
def test_library_messages_are_neutral_and_the_command_line_adds_the_command(
    error: SearchlibError, library: str, command_line: str
) -> None:
    assert str(error) == library
    assert "`searchlib" not in library
    assert describe(error) == command_line


def test_a_missing_index_names_the_command_that_creates_it(tmp_path: Path) -> None:
    error = IndexNotFoundError("nowhere")
    where = Path("nowhere").absolute()
    assert str(error) == f"no index at {where}"
    assert describe(error, "searchlib index --sample") == (
        f"no index at {where}: run `searchlib index --sample` to create it"
    )
    assert describe(error) == (
        f"no index at {where}: run `searchlib index` first, with the files or folders to index"
    )


def test_a_subclass_with_its_own_message_is_printed_as_it_is() -> None:
    class FormatError(IndexVersionError):
        def __init__(self, path: str) -> None:
            self.path = path
            SearchlibError.__init__(self, f"index at {path} is in another format: rebuild it")

    assert describe(FormatError("ix")) == "index at ix is in another format: rebuild it"


def test_the_library_prints_nothing_when_the_cleaner_falls_back() -> None:
    """A page the cleaner cannot parse becomes its plain text with a logged warning; an
    application that set up no logging sees nothing on stderr (Python's last-resort
    handler printed it)."""
    import subprocess
    import sys

    code = (
        "import searchlib.clean.html as html\n"
        "def broken(soup, url=None):\n"
        "    raise ValueError('unreadable')\n"
        "html.clean_soup = broken\n"
        "from searchlib import clean_html\n"
        "article = clean_html(b'<p>Harbour wind farm approved</p>')\n"
        "assert 'Harbour wind farm' in article.title + article.body, article\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == done.stderr == ""
