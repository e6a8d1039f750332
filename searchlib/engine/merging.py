"""Merge index segments a postings block at a time.

Whoosh merges segments through its indexing path: every posting of every segment is
read one Python call at a time, sorted again in an external pool and written one call
at a time, so a merge cost about as much as indexing the documents anew. The segments
being merged are each sorted already, and a segment's postings blocks need only their
document numbers shifted: here the terms of all segments are merged in order and each
term's blocks are decoded whole, renumbered (leaving out deleted documents) and written
back, with the block statistics carried over instead of recomputed per posting; the
small parts of a term, one per segment, are joined into one block. Stored fields,
lengths and columns are copied with each column opened once (through Whoosh's own
per-document copy for a segment with deletions).

The postings files are read and written in Whoosh 3's format (`searchlib.engine.postings`);
tests/test_index.py holds every posting, stored field, column and score of a merged
index to its parts' on every run.

A merge holds a file open for each column of each segment it reads (13 a segment), so
under a process's limit on open files (`ulimit -n`: 1024 on many Linux systems, 256 on
macOS) it reads at most `fan_in()` segments at once, and merges more in rounds.
"""

from __future__ import annotations

import heapq
import math
import struct
from collections.abc import Callable, Iterator
from itertools import accumulate, groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.columns import TranslatingColumnReader
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

from searchlib.engine.blockwriter import finish_side_writer, open_side_writer
from searchlib.engine.postings import (
    Block,
    FieldTerms,
    block_limit,
    compact_weights,
    expand_weights,
    join_values,
    pick_values,
    read_blocks,
    term_extent,
    write_fields,
)


def merge_into(writer: Any, segments: list[Any]) -> Any:
    """Write the live documents of `segments`, in order, as `writer`'s new segment, and
    return it. The writer must not hold documents of its own; the caller commits the
    returned segment in place of `segments`.

    More segments than `fan_in` allows are merged in rounds, each round's parts into
    segments of their own that no commit lists (the commit's clean-up removes them).
    """
    limit = fan_in(writer.schema)
    while len(segments) > limit:
        rounds = math.ceil(len(segments) / limit)
        size = math.ceil(len(segments) / rounds)
        parts = [segments[at : at + size] for at in range(0, len(segments), size)]
        segments = [
            _beside(writer, part, merge_at_once) if len(part) > 1 else part[0] for part in parts
        ]
    return merge_at_once(writer, segments)


def merge_beside(writer: Any, segments: list[Any]) -> Any:
    """Merge `segments` into a new segment of `writer`'s index, written by a writer of
    its own that takes no lock and commits nothing, and return it (for `writer`, which
    holds the lock, to commit)."""
    return _beside(writer, segments, merge_into)


def _beside(writer: Any, segments: list[Any], merge: Callable[[Any, list[Any]], Any]) -> Any:
    """`merge(side, segments)` for a writer `side` of `writer`'s index that takes no lock
    and commits nothing; the segment it returns."""
    side = open_side_writer(writer.storage.open_index(writer.indexname, schema=writer.schema))
    try:
        return merge(side, segments)
    finally:
        finish_side_writer(side, keep=False)  # its segment is written: only files to close


#: Files a merge holds open for each segment it reads, besides one per column: terms,
#: postings and stored fields.
_FILES_PER_SEGMENT = 3

#: Open files kept free for what else the process does while it merges.
_SPARE_FILES = 16

#: The most segments one merge reads at once when the process may open files without
#: limit.
MAX_FAN_IN = 256


def fan_in(schema: Any) -> int:
    """How many segments of `schema` one merge may read at once within the process's
    limit on open files, with the files already open, and those of the segment being
    written, left out; at least 2."""
    columns = sum(
        (1 if schema[name].scorable else 0) + (1 if schema[name].column_type else 0)
        for name in schema.names()
    )
    per_segment = _FILES_PER_SEGMENT + columns
    limit = _open_file_limit()
    if limit is None:
        return MAX_FAN_IN
    # The segment being written, and that of a round's writer beside it.
    spare = limit - _open_files() - 2 * per_segment - _SPARE_FILES
    return max(2, min(MAX_FAN_IN, spare // per_segment))


def _open_file_limit() -> int | None:
    """The process's limit on open files (None: no limit, or none known)."""
    try:
        import resource
    except ImportError:  # not a Unix system
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def _open_files() -> int:
    """How many files the process has open (an estimate where the system lists none)."""
    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            return sum(1 for _ in Path(listing).iterdir())
        except OSError:
            continue
    return 64


def merge_at_once(writer: Any, segments: list[Any]) -> Any:
    """`merge_into`, reading all of `segments` at once (with a file open for each of
    their columns: `merge_into` calls it with at most `fan_in` segments)."""
    schema = writer.schema
    readers = [SegmentReader(writer.storage, schema, segment) for segment in segments]
    try:
        fieldnames = set(schema.names())
        starts: list[tuple[int, dict[int, int] | None]] = []
        vectors = any(schema[name].vector for name in fieldnames)
        for reader in readers:
            base = writer.docnum
            if vectors or reader.has_deletions():
                starts.append((base, writer.write_per_doc(fieldnames, reader)))
            else:
                _copy_documents(writer, reader)
                starts.append((base, None))
        if not any(docmap is not None for _, docmap in starts):
            # The exact totals, where copying the quantised lengths would round them.
            totals = writer.perdocwriter._fieldlengths
            for name in list(totals):
                totals[name] = sum(seg._fieldlengths.get(name, 0) for seg in segments)
        writer.perdocwriter.close()
        _copy_postings(writer.fieldwriter, schema, readers, starts)
        writer.fieldwriter.close()
        writer.pool.cleanup()
        writer._added = True
        return writer.get_segment()
    finally:
        for reader in readers:
            reader.close()


#: Key and value lengths before each entry of a terms file.
_LENGTHS = struct.Struct("!ii")

#: Terms are read from a segment's terms file in pieces of this size.
_CHUNK = 1 << 20


def _copy_documents(writer: Any, reader: Any) -> None:
    """Append a segment's documents (stored fields, lengths, columns) to `writer`, as
    Whoosh's `write_per_doc` does for a segment without deletions or vectors, with
    each column opened once instead of looked up per document and field."""
    schema = writer.schema
    out = writer.perdocwriter
    perdoc = reader._perdoc
    fields = []
    columns = []
    for name in schema.names():
        field = schema[name]
        lengths = None
        if field.scorable:
            lengths = perdoc._cached_reader(_lenfield(name), LENGTHS_COLUMN)
        fields.append((name, field, lengths))
        if field.column_type and reader.has_column(name):
            column = reader.column_reader(name, field.column_type)
            if isinstance(column, TranslatingColumnReader):
                column = column.raw_column()
            columns.append((name, field.column_type, column))
    for docnum, stored in reader.iter_docs():
        out.start_doc(writer.docnum)
        for name, field, lengths in fields:
            size = lengths[docnum] if lengths is not None else 0
            value = stored.get(name)
            if size or value is not None:
                out.add_field(name, field, value, byte_to_length(size) if size else None)
        for name, kind, column in columns:
            out.add_column_value(name, kind, column[docnum])
        out.finish_doc()
        writer.docnum += 1


def _raw_terms(reader: Any, fieldname: str, rank: int) -> Iterator[tuple[bytes, int, bytes]]:
    """(term, rank, encoded term info) for each term of one field of a segment, in
    term order. The entries are parsed from the file a piece at a time: Whoosh's
    iterator reads each one with three seeks."""
    terms = reader._terms
    if fieldname not in terms._fieldmap:
        return
    prefix = terms._keycoder(fieldname, b"")
    table = terms._tindex
    start = table.closest_key_pos(prefix)
    if start is None:
        return
    pieces = _Pieces(table.dbfile, start, table.endofdata)
    while pieces.has(_LENGTHS.size):
        keylen, datalen = _LENGTHS.unpack_from(pieces.buffer, pieces.at)
        if not pieces.has(_LENGTHS.size + keylen + datalen):
            raise ValueError("a truncated terms file")
        keyat = pieces.at + _LENGTHS.size
        key = pieces.buffer[keyat : keyat + keylen]
        if key[:2] != prefix:
            return
        yield key[2:], rank, pieces.buffer[keyat + keylen : keyat + keylen + datalen]
        pieces.at = keyat + keylen + datalen


class _Pieces:
    """A file region read forward a piece at a time."""

    def __init__(self, dbfile: Any, start: int, end: int) -> None:
        self.dbfile, self.next, self.end = dbfile, start, end
        self.buffer = b""
        self.at = 0

    def has(self, size: int) -> bool:
        """Whether `size` more bytes are there from `at`, reading on as needed."""
        while len(self.buffer) - self.at < size:
            if self.next >= self.end:
                return False
            piece = self.dbfile.get(self.next, min(_CHUNK, self.end - self.next))
            self.buffer = self.buffer[self.at :] + piece
            self.at = 0
            self.next += len(piece)
        return True


def _indexed(schema: Any, readers: list[Any]) -> list[str]:
    names = {name for reader in readers for name in reader.indexed_field_names()}
    return sorted(name for name in names if name in schema)


def _copy_postings(
    fieldwriter: Any,
    schema: Any,
    readers: list[Any],
    starts: list[tuple[int, dict[int, int] | None]],
) -> None:
    """Merge the segments' postings term by term, renumbering each block's documents."""
    limit = block_limit(fieldwriter)
    sources = [reader._terms._postfile for reader in readers]

    def field_terms(fieldname: str) -> FieldTerms:
        streams = [_raw_terms(reader, fieldname, rank) for rank, reader in enumerate(readers)]
        for text, group in groupby(heapq.merge(*streams, key=itemgetter(0, 1)), itemgetter(0)):
            pieces: list[Block] = []
            for _, rank, info in group:
                extent = term_extent(info)
                if extent is None:  # Whoosh inlines no postings at its default settings
                    raise ValueError(f"inlined postings for {fieldname}:{text!r}")
                base, docmap = starts[rank]
                for block in read_blocks(sources[rank], *extent):
                    if _renumber(block, base, docmap):
                        pieces.append(block)
            if pieces:  # else every document with the term was deleted
                yield text, _coalesce(pieces, limit)

    fields = _indexed(schema, readers)
    write_fields(fieldwriter, schema, ((name, field_terms(name)) for name in fields))


def _renumber(block: Block, base: int, docmap: dict[int, int] | None) -> bool:
    """Give `block` its documents' numbers in the merged segment (`base` on, or as
    `docmap` maps them, leaving out deleted documents); False when none is left."""
    ids = list(accumulate(block.deltas))
    if docmap is None:
        block.ids = [base + doc for doc in ids] if base else ids
        return True
    keep = [n for n, doc in enumerate(ids) if doc in docmap]
    block.ids = [docmap[ids[n]] for n in keep]
    if len(keep) < len(ids):
        weights = expand_weights(block.weights, block.count)
        kept = [weights[n] for n in keep]
        block.weights = compact_weights(kept) if kept else None
        block.maxweight = max(kept, default=0.0)
        block.values = pick_values(block.values, block.count, keep)
        block.count = len(keep)
    return bool(keep)


def _coalesce(pieces: list[Block], limit: int) -> list[Block]:
    """Join consecutive blocks while they fit in one (small parts of a term, one from
    each segment, would otherwise each be a block)."""
    out = [pieces[0]]
    for piece in pieces[1:]:
        last = out[-1]
        if last.count + piece.count > limit:
            out.append(piece)
            continue
        last.weights = compact_weights(
            expand_weights(last.weights, last.count) + expand_weights(piece.weights, piece.count)
        )
        last.values = join_values([last.values, piece.values])
        last.ids = last.ids + piece.ids
        last.count += piece.count
        last.maxweight = max(last.maxweight, piece.maxweight)
        last.minlen = min(last.minlen, piece.minlen)
        last.maxlen = max(last.maxlen, piece.maxlen)
    return out
