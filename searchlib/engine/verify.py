"""Reading an index's files to find damage: a cheap probe run whenever an index is
opened, and the full read `Index.check` makes.

Whoosh opens a segment's files lazily and reads a posting list only when a query needs
it, so truncated or garbled files surface late and as whatever the decoding code
happened to raise. The probe reads what every search reads first (the stored
documents' and field lengths' layout, through the readers Whoosh keeps for the
searches that follow) and compares each postings file with where its last posting list
ends, reading a few hundred terms whatever the size of the index. The full read
decodes everything a search can read: every posting list, stored document and column
value.
"""

from __future__ import annotations

import errno
import os
import pickle
import struct
import zlib
from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

from whoosh import index as windex
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3Codec, _lenfield
from whoosh.filedb.filetables import FileFormatError
from whoosh.reading import CorruptIndexError
from whoosh.util.times import long_to_datetime

import searchlib
from searchlib.engine.columns import NO_DATE
from searchlib.engine.postings import (
    TERM,
    Frequencies,
    expand_weights,
    open_frequencies,
    read_blocks,
    term_extent,
)
from searchlib.engine.topk import frequencies
from searchlib.engine.trusted import loads

#: What reading damaged files raises, wherever it is raised.
READ_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    struct.error,
    pickle.UnpicklingError,  # also a pickle naming what no index holds
    zlib.error,
    FileNotFoundError,
    windex.IndexError,
    CorruptIndexError,  # Whoosh's own word for a postings block it cannot read
    FileFormatError,  # a terms file whose header is gone (emptied)
)

#: What decoding garbled bytes raises. Only raised inside the code that decodes index
#: files is it damage; raised anywhere else, it is a bug and is left alone.
_DECODING_ERRORS = (
    AssertionError,
    AttributeError,
    IndexError,
    KeyError,
    MemoryError,  # a garbled length asks for gigabytes
    OverflowError,
    TypeError,
    ValueError,
)

#: The code that decodes index files: Whoosh, and searchlib's own readers of its formats.
_DECODERS = (
    str(Path(windex.__file__).parent) + os.sep,
    *(
        str(Path(__file__).parent / name)
        for name in (
            "arrays.py",
            "columns.py",
            "lexicon.py",
            "postings.py",
            "topk.py",
            "trusted.py",
        )
    ),
)

#: Whoosh's code and searchlib's: of a traceback, the last frame in either says whose
#: code raised (frames after it are the standard library's, a bytes decoder say).
_OURS = tuple(
    str(Path(module.__file__).parent) + os.sep for module in (windex, searchlib) if module.__file__
)

#: The stored documents' column, as problems name it.
STORED = "stored documents"

#: How many terms before the end of a field the probe looks at for one whose postings
#: are in the postings file (a term in a single document has its posting in the terms
#: file instead).
_PROBE_TERMS = 64


def is_read_error(exc: BaseException, reading: bool = True) -> bool:
    """Whether `exc` is what reading damaged index files raises.

    While only `reading`, any OSError is one too (a garbled offset makes a seek fail);
    while writing, an OSError is the disk's (full, read-only) and is not.
    """
    if isinstance(exc, READ_ERRORS) or (reading and isinstance(exc, OSError)):
        return True
    if not isinstance(exc, _DECODING_ERRORS):
        return False
    raiser = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(_OURS):
            raiser = filename
        tb = tb.tb_next
    return raiser is not None and raiser.startswith(_DECODERS)


def _problem(exc: Exception) -> str:
    """The problem a read error says, for a list of damage found. Anything else is raised
    again: a bug, or the process (or the system) out of files, which damages nothing
    (`IndexDamagedError.from_exception` says what it is)."""
    if not is_read_error(exc) or (
        isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE)
    ):
        raise exc
    return f"{type(exc).__name__}: {exc}"


def probe(reader: Any) -> list[str]:
    """Damage found cheaply in the segments of an open `reader`: the last stored document
    and field lengths read (through the readers Whoosh keeps for the searches that
    follow), and each postings file as long as its posting lists.

    Returns the problems found, read errors included (see `is_read_error`).
    """
    problems: list[str] = []
    for leaf, terms, name in _segments(reader):
        count = leaf.doc_count_all()
        try:
            # The last stored document ends where the file does; every one has its id.
            if count and "id" not in leaf.stored_fields(count - 1):
                problems.append(f"segment {name}: the last stored document has no id")
                for field_name, field in leaf.schema.items():
                    if field.scorable:
                        lengths = leaf._perdoc._cached_reader(_lenfield(field_name), LENGTHS_COLUMN)
                        if lengths is not None:
                            lengths[count - 1]
            end = _postings_end(terms)
            frequencies(leaf)  # its directory, which the searches that follow read
        except Exception as exc:
            problems.append(f"segment {name}: {_problem(exc)}")
            continue
        size = _postings_size(leaf)
        if end > size:
            problems.append(
                f"segment {name}: postings file holds {size} bytes, its posting lists "
                f"run to {end} (truncated)"
            )
    return problems


def read_all(reader: Any, limit: int = 100) -> list[str]:
    """Damage found decoding every posting list, stored document and column value of
    the segments of an open `reader` (at most `limit` problems are listed).

    Read errors are listed as problems, with the segment and what was being read.
    """
    problems: list[str] = []
    for leaf, terms, name in _segments(reader):
        for what, problem in _segment_problems(leaf, terms):
            problems.append(f"segment {name}: {what}: {problem}")
            if len(problems) >= limit:
                return problems
    return problems


def _segments(reader: Any) -> Iterator[tuple[Any, Any, str]]:
    """(segment reader, its terms reader, its name) for each segment of an open `reader`
    (an empty index, or one of another codec, has nothing of ours to read)."""
    for leaf, _ in reader.leaf_readers():
        terms = getattr(leaf, "_terms", None)
        if terms is not None and hasattr(terms, "_tindex"):
            yield leaf, terms, leaf.segment().segment_id()


def _segment_problems(leaf: Any, terms: Any) -> Iterator[tuple[str, str]]:
    """(what, problem) for each damaged part of one segment."""
    count = leaf.doc_count_all()
    for column, open_column in _columns(leaf):
        read, lost = 0, []  # stored documents without their id
        try:
            for value in open_column():  # one at a time: stored documents can be large
                if column == STORED and (not isinstance(value, dict) or "id" not in value):
                    lost.append(read)
                elif column == "date" and isinstance(value, int) and value < NO_DATE:
                    long_to_datetime(value)  # a garbled date is out of any calendar
                read += 1
        except Exception as exc:
            yield f"column {column}", _problem(exc)
            continue
        if read != count:
            yield f"column {column}", f"{read} values for {count} documents"
        if lost:
            yield f"column {column}", f"{len(lost)} without an id (first: document {lost[0]})"
    size = _postings_size(leaf)
    try:
        listed = open_frequencies(leaf)
    except Exception as exc:
        yield "frequency file", _problem(exc)
        listed = None
    unlisted: set[bytes] = set()
    if listed is not None:
        try:
            unlisted, problem = _listed_keys(listed)
        except Exception as exc:
            unlisted, problem = set(), _problem(exc)
        if problem:
            yield "frequency file", problem
    entries = iter(terms._tindex.items())
    while True:
        try:
            entry = next(entries, None)
        except Exception as exc:
            yield "terms file", _problem(exc)
            return
        if entry is None:
            break
        key, info = entry
        unlisted.discard(key)
        what = f"postings of {_term_name(terms, key)}"
        try:
            problem = _postings_problem(terms._postfile, info, count, size, listed, key)
        except Exception as exc:
            problem = _problem(exc)
        if problem:
            yield what, problem
    if unlisted:
        yield "frequency file", f"{len(unlisted)} lists of terms the terms file lacks"


def _listed_keys(listed: Frequencies) -> tuple[set[bytes], str | None]:
    """The keys of every list of a frequency file, and what is wrong with its directory
    (None when nothing): a list that its key's hash would not find is never read."""
    keys: set[bytes] = set()
    for at in range(len(listed)):
        key = listed.entry(at)[0]
        if listed.hashes[at] != zlib.crc32(key) or (
            at and listed.hashes[at - 1] > listed.hashes[at]
        ):
            return keys, f"the directory misplaces the list of {key!r}"
        keys.add(key)
    return keys, None


def _postings_problem(
    postfile: Any,
    info: bytes,
    count: int,
    size: int,
    listed: Frequencies | None = None,
    key: bytes = b"",
) -> str | None:
    """What is wrong with one term's posting list, or with its copy in the frequency
    file `listed` holds under `key` (None when nothing is)."""
    _, _, frequency, _, _, _, first, last = TERM.unpack_from(info)
    extent = term_extent(info)
    weights: array[float] = array("f")
    if extent is None:
        ids: list[int] = list(loads(info[TERM.size :])[0])
    else:
        offset, length = extent
        if offset < 0 or offset + length > size:
            return f"runs past the end of the postings file ({offset} + {length} > {size})"
        ids = []
        for block in read_blocks(postfile, offset, length):
            block_ids = list(accumulate(block.deltas))
            if len(block_ids) != block.count:
                return f"a block of {block.count} postings holds {len(block_ids)}"
            ids += block_ids
            weights.extend(expand_weights(block.weights, block.count))
    copy = listed.get(key) if listed is not None else None
    if copy is not None and (list(copy[0]) != ids or list(copy[1]) != list(weights)):
        return "the frequency file's copy differs from the postings file's"
    if len(ids) != frequency:
        return f"{len(ids)} postings, the terms file counts {frequency}"
    if any(b <= a for a, b in pairwise(ids)):
        return "document numbers out of order"
    if ids and (ids[0] != first or ids[-1] != last or ids[-1] >= count or ids[0] < 0):
        return f"document numbers {ids[0]}..{ids[-1]} (expected {first}..{last} of {count})"
    return None


def _columns(leaf: Any) -> list[tuple[str, Callable[[], Any]]]:
    """(name, opener of its reader) for each column a segment has: stored documents,
    field lengths and the schema's columns. A reader is opened when asked for, so that
    one damaged column does not hide the others."""
    perdoc = leaf._perdoc
    found: list[tuple[str, Callable[[], Any]]] = []

    def add(label: str, name: str, column: Any) -> None:
        if perdoc.has_column(name):
            found.append((label, lambda: perdoc.column_reader(name, column)))

    add(STORED, "_stored", STORED_COLUMN)
    for field_name, field in leaf.schema.items():
        if field.scorable:
            add(f"lengths of {field_name}", _lenfield(field_name), LENGTHS_COLUMN)
        if field.column_type is not None:
            add(field_name, field_name, field.column_type)
    return found


def _postings_size(leaf: Any) -> int:
    size: int = leaf._storage.file_length(leaf.segment().make_filename(W3Codec.POSTS_EXT))
    return size


def _postings_end(terms: Any) -> int:
    """Where the last posting list in the postings file ends, as far as the terms at the
    end of the fields tell (0 when they tell nothing).

    Posting lists are written in term order, fields by number, so the last one ends
    where the file does. A term in a single document keeps its posting in the terms
    file, so the search goes back from the end over at most `_PROBE_TERMS` terms of a
    field before trying the field before it (urls, the last field, are all such terms).
    It reads a few hundred entries whatever the size of the index; when it stops
    short, the end it gives is an earlier list's, which is never past the file's end.
    """
    tindex = terms._tindex
    stop = tindex.indexlen
    for number in sorted(terms._fieldmap.values(), reverse=True):
        start = _first_key_index(tindex, struct.pack("!H", number), stop)
        for index in range(stop - 1, max(start, stop - _PROBE_TERMS) - 1, -1):
            _, datapos, datalen = tindex.key_and_range_at(_key_pos(tindex, index))
            extent = term_extent(tindex.dbfile.get(datapos, datalen))
            if extent is not None:
                return extent[0] + extent[1]
        stop = start
    return 0


def _key_pos(tindex: Any, index: int) -> int:
    pos: int = tindex._get_pos(tindex.indexbase + index * tindex.indexsize)
    return pos


def _first_key_index(tindex: Any, key: bytes, hi: int) -> int:
    """The index of the first key not below `key` among the first `hi` keys of an
    ordered terms file."""
    lo = 0
    while lo < hi:
        mid = (lo + hi) // 2
        if tindex.key_at(_key_pos(tindex, mid)) < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _term_name(terms: Any, key: bytes) -> str:
    """`field:text` for a key of the terms file (its raw bytes if it does not decode)."""
    try:
        field, text = terms._keydecoder(key)
    except Exception:  # a garbled key: whatever it holds is shown as it is
        return repr(key)
    return f"{field}:{text.decode('utf-8', 'replace')!r}"
