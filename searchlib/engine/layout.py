"""What an index folder holds, by name: Whoosh's tables of contents and segment files,
searchlib's metadata file and the writer lock's file. Nothing here opens an index."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: searchlib's own metadata file (see `versions`).
META_FILE = "searchlib.json"

#: The name Whoosh gives the index within its folder.
INDEX_NAME = "MAIN"

#: The writer lock's file, as Whoosh names it (`Index.lock("WRITELOCK")`), so that a
#: writer Whoosh opens itself waits for it too.
LOCK_FILE = f"{INDEX_NAME}_WRITELOCK"

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


def is_index_file(name: str) -> bool:
    """Whether a file of an index folder named `name` is the index's (not a README, say)."""
    return name.startswith(("_" + INDEX_NAME, INDEX_NAME + "_", META_FILE)) or name.endswith(
        (".seg", ".toc", ".tmp")
    )


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
