"""What the index holds already: each document's checksum and the file it was read from,
read from column storage when a run starts, so that it writes only what changed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from searchlib.engine.columns import column_lookup
from searchlib.errors import IndexDamagedError
from searchlib.ingest.items import DICT_RECORDS
from searchlib.ingest.paths import origin_file

#: What separates a folder from what is below it in a stored origin.
SEPARATORS = ("/", os.sep)

#: Marks the file of records indexed under their own ids (no path holds a NUL).
_GIVEN = "\0"


def existing_checksums(ix: Any) -> tuple[dict[str, str], Origins]:
    """Each live document's content checksum by id, and the files they were read from,
    both read from column storage (no stored fields are loaded)."""
    out: dict[str, str] = {}
    origins = Origins()
    try:
        with ix.reader() as reader:
            if reader.doc_count_all() == 0:
                return out, origins
            ids = column_lookup(reader, "id")
            sums = column_lookup(reader, "checksum")
            places = column_lookup(reader, "origin")
            for docnum in reader.all_doc_ids():
                doc_id = ids(docnum)
                out[doc_id] = sums(docnum)
                origins.add(doc_id, places(docnum) or "")
    except (OSError, EOFError, ValueError, KeyError) as exc:
        # Opening the segments is a read: failing here means damaged files, not a full disk.
        raise IndexDamagedError.from_exception(getattr(ix.storage, "folder", "?"), exc) from exc
    origins.done()
    return out, origins


class Origins:
    """The file each indexed document was read from, by id (none for dict records), and
    the ids made from paths that each origin is indexed under.

    Most ids are the end of their origin (`news/s.txt` of `/home/a/news/s.txt`,
    `news/w.jsonl#3` of that file's third record): for those only the part before the
    id is kept, one string shared by a folder's documents, and a record's file is kept
    once for all its records. A million stories cost a dict slot each, not a million
    copies of their paths. The same slots answer which ids an origin has: each tail of
    the origin after a separator is looked up (`ids_at`). Only documents whose id is
    not the end of their origin (read through a symlinked folder) are kept by origin.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, str] = {}
        self._shared: dict[str, str] = {}
        self._odd: dict[str, list[str]] = {}

    def add(self, doc_id: str, origin: str) -> None:
        if not origin or origin.startswith(f"{DICT_RECORDS}#"):
            return  # a record given as a dict: no file to compare
        head = origin[: len(origin) - len(doc_id)]
        # A kept head ends with a separator; a file's path never does.
        if doc_id and origin.endswith(doc_id) and head.endswith(SEPARATORS):
            value = head
        else:
            value = origin_file(origin)
            if _made_from_path(doc_id, origin, value):
                self._odd.setdefault(origin, []).append(doc_id)
            else:
                value = _GIVEN + value  # a record's own id: one marked string per file
        self._by_id[doc_id] = self._shared.setdefault(value, value)

    def done(self) -> None:
        """Drop what only reading needed."""
        self._shared = {}

    def ids_at(self, origin: str) -> list[str]:
        """The ids made from paths that the document read from `origin` is indexed under
        (more than one only in an index written before a file was kept to one id)."""
        found = list(self._odd.get(origin, ()))
        for at, char in enumerate(origin):
            if char in SEPARATORS:
                tail = origin[at + 1 :]
                if tail and self._by_id.get(tail) == origin[: at + 1]:
                    found.append(tail)
        return found

    def file(self, doc_id: str) -> str | None:
        """The file the indexed document `doc_id` was read from, if it was read from one."""
        value = self._by_id.get(doc_id)
        if value is None:
            return None
        if value.endswith(SEPARATORS):
            return origin_file(value + doc_id)
        return value.removeprefix(_GIVEN)

    def given(self, doc_id: str) -> bool:
        """Whether the indexed document `doc_id` is a record read from a file under its
        own id or url (not one made from the file's path)."""
        return self._by_id.get(doc_id, "").startswith(_GIVEN)


def _made_from_path(doc_id: str, origin: str, file: str) -> bool:
    """Whether `doc_id`, indexed from `origin` (read from `file`), was made from a path:
    a file's id always is; a record's is when it ends with the file's name and the
    record's "#line", as `records.record_item` makes it for a record without id or url."""
    if file == origin:
        return True
    line = origin[len(file) :]  # "#3"
    if not doc_id.endswith(line):
        return False
    name = doc_id[: len(doc_id) - len(line)]
    for sep in SEPARATORS:
        name = name.rsplit(sep, 1)[-1]
    return name == Path(file).name
