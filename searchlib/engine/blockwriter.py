"""A segment writer that keeps its postings in memory and writes them a list at a time.

Whoosh's segment writer sends every posting through a pool that pickles it into a
temporary run file, reads it back in a merge sort and hands it to the codec one call
at a time: writing a segment that way cost more than cleaning its documents. Here the
postings are kept in memory, gathered into each term's arrays of document numbers,
weights and positions; when the segment is finished, each term's list is cut into
blocks and written whole. Stored fields, lengths and columns go through Whoosh's own
per-document writer, as before.

Once the postings held reach the caller's memory budget (`MemoryPool.size`), the caller
has them written to a run file (`BlockSegmentWriter.spill`): each term's arrays as they
are, in term order, in the writer's temporary folder. When the segment is finished the
runs and what is still in memory are merged term by term, and each list is written
once. Finishing a segment at every budget instead (as the writer did before) left a
million-story run with 135 segments of 8,500 stories, which the run's end then merged,
rewriting nearly every posting a second time; a run file is written and read back with
a few calls a term, without the pickling, compression and renumbering of a merge.
"""

from __future__ import annotations

import heapq
import struct
from array import array
from collections.abc import Iterable, Iterator
from itertools import accumulate, groupby, pairwise
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeAlias

from whoosh.fields import NUMERIC
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

from searchlib.engine.postings import (
    Block,
    FieldTerms,
    block_limit,
    length_bytes,
    write_fields,
)

#: Bytes a posting holds while pending (its tuple, positions and list slot), and once
#: folded into its term's arrays beyond its positions: estimates.
PENDING_COST = 200
POSTING_COST = 60

#: Text values whose postings a writer keeps, per field (see `_postings`).
_SEEN_VALUES = 512

#: A posting as a field gives it for the index: (term, count, weight, value).
Posting: TypeAlias = "tuple[bytes, int, float, bytes | None]"

#: A term's postings: (document numbers, weights, values).
Postings: TypeAlias = "tuple[array[int], array[float], list[bytes]]"

#: Each term's postings, by (field, term).
Terms: TypeAlias = "dict[tuple[str, bytes], Postings]"

#: The most run files a segment is written from: a writer that holds this many
#: finishes its segment instead of writing another (`BlockSegmentWriter.spill`), which
#: bounds the files open at once, and the read buffers, while the runs are merged.
MAX_RUNS = 64

#: The head of a term's record in a run file: the lengths of its field name and term,
#: and its number of postings. Then the field name, the term, the document numbers,
#: weights and value sizes as arrays, and the values joined (native byte order: a run
#: file is read only by the process that wrote it).
_RUN_HEAD = struct.Struct("=HII")

#: The buffer of each run file open for reading or writing.
_RUN_BUFFER = 1 << 18


class MemoryPool:
    """The postings of one segment's documents by (field, term), each term's in
    document order, in per-term arrays. `BlockSegmentWriter` puts a document's postings
    there at once (`post`); Whoosh's own writer calls `add` once per posting, which
    waits in a list until `fold` moves it into its arrays."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, bytes, int, float, bytes]] = []
        self.add = self.pending.append
        self.terms: Terms = {}
        self.folded = 0  # an estimate of the memory the arrays hold, in bytes
        self.runs: list[Path] = []  # the run files written (`spill`), oldest first

    @property
    def size(self) -> int:
        """An estimate of the memory held, in bytes."""
        return self.folded + len(self.pending) * PENDING_COST

    def fold(self) -> None:
        """Move the pending postings into their terms' arrays."""
        for field, text, docnum, weight, value in self.pending:
            self.post(field, docnum, ((text, 0, weight, value),))
        self.pending.clear()

    def post(self, field: str, docnum: int, items: Iterable[Posting]) -> int:
        """Add one document's postings of `field` to their terms' arrays (the pending
        list must be empty, or folded first); return the sum of their counts."""
        terms = self.terms
        get = terms.get
        length = size = count = 0
        for text, freq, weight, value in items:
            entry = get((field, text))
            if entry is None:
                entry = terms[field, text] = (array("I"), array("f"), [])
            entry[0].append(docnum)
            entry[1].append(weight)
            if value:
                entry[2].append(value)
                size += len(value)
            else:  # no value (None, from some fields), as Whoosh's writer takes it
                entry[2].append(b"")
            length += freq
            count += 1
        self.folded += size + POSTING_COST * count
        return length

    def spill(self, path: Path) -> None:
        """Write the postings held to a run file at `path` (see `_write_run`), and let
        them go."""
        self.fold()
        _write_run(path, self.terms)
        self.runs.append(path)
        self.terms = {}
        self.folded = 0

    def entries(self) -> Iterator[tuple[tuple[str, bytes], Postings]]:
        """Every term's postings, in field and term order: those of the run files and
        those held, joined in document order."""
        self.fold()
        held = ((key, self.terms[key]) for key in sorted(self.terms))
        if not self.runs:
            yield from held
            return
        # heapq.merge is stable: a term's parts come in the order of the sources, the
        # order their documents were added in.
        sources = [*map(_read_run, self.runs), held]
        for key, group in groupby(heapq.merge(*sources, key=itemgetter(0)), itemgetter(0)):
            parts = [postings for _, postings in group]
            if len(parts) == 1:
                yield key, parts[0]
                continue
            ids, weights = array("I"), array("f")
            values: list[bytes] = []
            for part in parts:
                ids.extend(part[0])
                weights.extend(part[1])
                values.extend(part[2])
            yield key, (ids, weights, values)

    def cleanup(self) -> None:
        self.pending.clear()
        self.terms = {}
        self.folded = 0
        for path in self.runs:
            path.unlink()
        self.runs = []


def _write_run(path: Path, terms: Terms) -> None:
    """Write `terms` to a new run file at `path`, a record a term in term order."""
    with path.open("xb", buffering=_RUN_BUFFER) as out:
        for key in sorted(terms):
            field, text = key
            ids, weights, values = terms[key]
            name = field.encode("utf-8")
            out.write(_RUN_HEAD.pack(len(name), len(text), len(ids)) + name + text)
            out.write(ids.tobytes())
            out.write(weights.tobytes())
            out.write(array("I", map(len, values)).tobytes())
            out.write(b"".join(values))


def _read_run(path: Path) -> Iterator[tuple[tuple[str, bytes], Postings]]:
    """The terms of a run file from `_write_run`, in order."""
    with path.open("rb", buffering=_RUN_BUFFER) as source:
        while head := source.read(_RUN_HEAD.size):
            named, termed, count = _RUN_HEAD.unpack(head)
            key = source.read(named + termed)
            ids, weights, sizes = array("I"), array("f"), array("I")
            ids.frombytes(source.read(4 * count))
            weights.frombytes(source.read(4 * count))
            sizes.frombytes(source.read(4 * count))
            joined = source.read(sum(sizes))
            values = [joined[start:end] for start, end in pairwise(accumulate(sizes, initial=0))]
            yield (key[:named].decode("utf-8"), key[named:]), (ids, weights, values)


class BlockSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer with its postings held in a `MemoryPool`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = MemoryPool()
        self._seen: dict[str, dict[str, tuple[Posting, ...]]] = {}
        # Whoosh's own path for what `add_document` here leaves out.
        self._whoosh_path = any(
            field.vector or field.separate_spelling() for _, field in self.schema.items()
        )

    def add_document(self, **fields: Any) -> None:
        """Whoosh's `SegmentWriter.add_document`, for a schema without term vectors or
        spelling fields and a document without boosts, with each posting put in its
        term's arrays at once: Whoosh's loop made a tuple of each for the pool's
        pending list, which `fold` then took apart."""
        if self._whoosh_path or any(key[:1] == "_" and key.endswith("_boost") for key in fields):
            super().add_document(**fields)
            self.pool.fold()  # each term's postings stay in document order
            return
        self._check_state()
        schema = self.schema
        perdoc = self.perdocwriter
        post = self.pool.post
        docnum = self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    counted = post(name, docnum, self._postings(name, field, value))
                    if field.scorable:
                        length = counted
                stored = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdoc.add_column_value(name, column, field.to_column_value(stored))
        except ValueError:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _postings(self, name: str, field: Any, value: Any) -> Iterable[Posting]:
        """`field.index(value)`, made faster two ways that give the same postings.

        A number (or date) is indexed at several precisions, each of which Whoosh
        prepares from the value anew: here it is prepared once. The postings of a
        text value that documents repeat (a source, a language, a set of tags) are
        kept by value, up to `_SEEN_VALUES` a field (values each story has its own of
        reach it soon and are then no longer kept).
        """
        numeric = isinstance(field, NUMERIC) and field.shift_step
        if numeric and not isinstance(value, (bytes, str, list, tuple)):
            first = field.to_bytes(value, 0)
            number = field._struct.unpack(first[1:])[0]
            steps = range(0, field.bits, field.shift_step)
            return [(field.sortable_to_bytes(number, shift), 1, 1.0, b"") for shift in steps]
        if not isinstance(value, str):
            return field.index(value)  # type: ignore[no-any-return]
        seen = self._seen.setdefault(name, {})
        postings = seen.get(value)
        if postings is None:
            postings = tuple(field.index(value))
            if len(seen) < _SEEN_VALUES:
                seen[value] = postings
        return postings

    def spill(self) -> bool:
        """Write the postings held so far to a run file in the writer's temporary
        folder, freeing their memory; False, writing nothing, when the segment has
        `MAX_RUNS` already (the caller then finishes it, and starts another)."""
        if len(self.pool.runs) >= MAX_RUNS:
            return False
        self.pool.spill(Path(self._tempstorage.folder) / f"run{len(self.pool.runs)}")
        return True

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        perdoc = self.per_document_reader()
        try:
            write_pool(self.fieldwriter, self.schema, self.pool.entries(), perdoc, self.docnum)
        finally:
            perdoc.close()
        self.fieldwriter.close()


class _HashBucket:
    """One of the 256 buckets of a terms file's hash table while the file is written:
    each key's (hash, position) in two arrays, 12 bytes a key.

    Whoosh's writer keeps a tuple of two ints per key, about 125 bytes, until the file
    is closed: a segment of a million stories has several million keys (each story's
    id, checksum and date terms besides its words), and merging one cost more memory
    than the rest of the merge. The file written is the same, byte for byte.
    """

    __slots__ = ("hashes", "positions")

    def __init__(self) -> None:
        self.hashes: array[int] = array("I")  # the hash is cut to 32 bits
        self.positions: array[int] = array("q")

    def append(self, entry: tuple[int, int]) -> None:
        hashed, position = entry
        self.hashes.append(hashed)
        self.positions.append(position)

    def __len__(self) -> int:
        return len(self.hashes)

    def __iter__(self) -> Any:
        return zip(self.hashes, self.positions, strict=True)


def compact_term_index(writer: Any) -> None:
    """Keep the hash table of the terms file `writer` is about to write in arrays
    (`_HashBucket`); a writer that has written terms already is left as it is."""
    table: Any = getattr(getattr(writer, "fieldwriter", None), "_tindex", None)
    buckets = getattr(table, "buckets", None)
    if isinstance(buckets, list) and len(buckets) == 256 and not any(buckets):
        table.buckets = [_HashBucket() for _ in range(256)]


def open_side_writer(ix: Any) -> BlockSegmentWriter:
    """A segment writer of the Whoosh index `ix` that takes no lock and commits nothing:
    its segment is for a writer that holds the lock to commit (`finish_side_writer`).

    It gets a temporary folder of its own: Whoosh gives every writer of an index the
    same one and deletes it when any of them finishes. (Whoosh's multiprocessing writer
    finishes its segments the same way.)
    """
    writer = BlockSegmentWriter(ix, _lk=False, compound=False)
    writer._tempstorage = ix.storage.temp_storage(f"{ix.indexname}.{random_name()}.tmp")
    compact_term_index(writer)
    return writer


def finish_side_writer(writer: Any | None, keep: bool = True) -> Any | None:
    """Write out the segment of a writer from `open_side_writer` and return it, if
    `keep` and it holds documents; otherwise just close its files. Either way remove
    its temporary folder. A writer finished already (or None) returns None."""
    if writer is None or writer.is_closed:
        return None
    try:
        if keep and writer._added:
            return writer._finalize_segment()
        writer._close_segment()
        return None
    finally:
        writer._tempstorage.destroy()
        writer.is_closed = True


def write_pool(
    fieldwriter: Any,
    schema: Any,
    entries: Iterable[tuple[tuple[str, bytes], Postings]],
    perdoc: Any,
    doccount: int,
) -> None:
    """Write every term's postings, given in field and term order (`MemoryPool.entries`),
    in blocks as Whoosh's postings writer would cut them."""
    limit = block_limit(fieldwriter)

    def field_terms(name: str, group: Iterable[Any]) -> FieldTerms:
        fieldobj = schema[name]
        fixed = fieldobj.format.fixed_value_size()
        lengths = length_bytes(perdoc, name, doccount) if fieldobj.scorable else None
        for (_, text), (ids, weights, values) in group:
            if len(ids) <= limit:  # most terms: one block, the arrays as they are
                span = _length_span(lengths, ids)
                yield text, [Block.build(ids, weights, _compact_values(values, fixed), span)]
                continue
            blocks = []
            for at in range(0, len(ids), limit):
                part = ids[at : at + limit]
                blocks.append(
                    Block.build(
                        part,
                        weights[at : at + limit],
                        _compact_values(values[at : at + limit], fixed),
                        _length_span(lengths, part),
                    )
                )
            yield text, blocks

    fields = groupby(entries, key=lambda entry: entry[0][0])
    write_fields(fieldwriter, schema, ((name, field_terms(name, group)) for name, group in fields))


def _compact_values(values: list[bytes], fixed: int | None) -> Any:
    """A block's values as Whoosh stores them: a tuple of the non-empty ones (values of
    varying size), None (no values) or one joined string (values of a fixed size)."""
    if fixed is None or fixed < 0:
        return tuple(value for value in values if value)
    if fixed == 0:
        return None
    return b"".join(values)


def _length_span(lengths: bytes | None, ids: array[int]) -> tuple[int, int]:
    """The (min, max) length bytes of documents `ids` (the min of the non-zero ones),
    as Whoosh records them per block; (0, 0) for a field without lengths."""
    if lengths is None:
        return 0, 0
    found = [lengths[docnum] for docnum in ids]
    present = [b for b in found if b]
    return (min(present) if present else 0), max(found)
