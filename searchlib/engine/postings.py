"""Whoosh 3's postings format, read and written a whole posting list or block at a time.

A term's entry in a segment's terms file holds its statistics and the extent of its
postings in the postings file: a tag, then blocks of up to 128 postings, each a length
(negative for the last block), a pickled header (count, last id, max weight,
compression, min and max length bytes) and the pickled, usually compressed, block
(ids as deltas with the first absolute, weights, values). Whoosh reads these through a
matcher, a few file reads and Python calls per block; searching and merging read the
whole extent at once and decode each block with one `loads`.

These are Whoosh 3's private formats (written only under the Whoosh release the
engine is tested with, see `versions`); tests/test_topk.py and tests/test_index.py
compare the results with Whoosh's own reading on every run.
"""

from __future__ import annotations

import os
import struct
import sys
import weakref
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from io import BytesIO
from itertools import chain, pairwise
from pickle import dumps, load, loads
from typing import Any, TypeAlias

from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    _lenfield,
)
from whoosh.system import pack_ushort

#: A term's statistics as Whoosh 3 encodes them (flags, total weight, document count,
#: min and max length bytes, max weight, first and last document), then the extent of
#: its postings (offset, length).
TERM = struct.Struct("!BfIBBfII")
EXTENT = struct.Struct("!qi")
_INT = struct.Struct("!i")


class Block:
    """One decoded postings block: ids as deltas (the first absolute), weights and
    values in Whoosh's compact forms, and the block's statistics. `ids`, the absolute
    document numbers, is filled in by whoever needs them."""

    __slots__ = (
        "count",
        "deltas",
        "ids",
        "maxlen",
        "maxweight",
        "minlen",
        "values",
        "weights",
    )

    def __init__(self, info: tuple[Any, ...], data: tuple[Any, ...]) -> None:
        # The header's last id is left out: written blocks take it from `ids`.
        self.count, _, self.maxweight, _, self.minlen, self.maxlen = info
        self.deltas, self.weights, self.values = data
        self.ids: Any = []

    @classmethod
    def build(cls, ids: Any, weights: Any, values: Any, lengths: tuple[int, int]) -> Block:
        """A block of absolute `ids`, their `weights` (floats), their `values` in
        compact form and the (min, max) length bytes of their documents."""
        block = cls((len(ids), ids[-1], max(weights), 0, *lengths), ((), None, values))
        block.weights = compact_weights(weights)
        block.ids = ids
        return block


def read_blocks(postfile: Any, offset: int, length: int, values: bool = True) -> list[Block]:
    """The blocks of the posting list at `offset` in a postings file, read at once;
    without their values (positions, None in each block) unless `values`."""
    raw = BytesIO(postfile.get(offset, length))
    if raw.read(4) != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"no postings at offset {offset}")
    blocks = []
    while True:
        size = _INT.unpack(raw.read(4))[0]
        end = raw.tell() + abs(size)
        info = load(raw)
        data = raw.read(end - raw.tell())
        if info[3]:
            data = zlib.decompress(data)
        if values:
            blocks.append(Block(info, loads(data)))
        else:
            deltas, weights, _ = _without_values(data, info[0]) or loads(data)
            blocks.append(Block(info, (deltas, weights, None)))
        if size < 0:
            return blocks


#: Where a block's values begin when they are positions: the MARK of their tuple, then
#: the first one's bytes, which protocol 2 pickles as `_codecs.encode(text, 'latin1')`.
_POSITIONS = b"(c_codecs\nencode\n"


def _without_values(data: bytes, count: int) -> tuple[Any, Any, None] | None:
    """A block's (deltas, weights, None), its values left unread; None when the block
    is not laid out as expected (the caller then reads it whole).

    Scoring needs no positions, and rebuilding them (a bytes object per posting, each
    through a call) was a third of decoding a block of a text field.
    """
    cut = data.find(_POSITIONS)
    if cut < 0:
        return None
    try:
        # The pickle cut where the values begin, None put in their place: TUPLE3, STOP.
        deltas, weights, rest = loads(data[:cut] + b"N\x87.")
    except Exception:
        return None
    if (
        rest is not None
        or type(deltas) is not tuple
        or len(deltas) != count
        or type(deltas[0]) is not int
        or not (weights is None or type(weights) is float or len(weights) == count)
    ):
        return None
    return deltas, weights, None


def expand_weights(weights: Any, count: int) -> list[float]:
    """A block's `count` weights from their compact form."""
    if weights is None:
        return [1.0] * count
    if isinstance(weights, float):
        return [weights] * count
    return list(weights)


def total_weight(weights: Any, count: int) -> float:
    """The sum of a block's `count` weights, given in their compact form."""
    if weights is None:
        return float(count)
    if isinstance(weights, float):
        return weights * count
    return float(sum(weights))


def compact_weights(weights: list[float]) -> Any:
    """Whoosh's compact form of a block's weights: None (all 1), one float, or a tuple."""
    first = weights[0]
    if all(w == first for w in weights):
        return None if first == 1.0 else first
    return tuple(weights)


def join_values(values: list[Any]) -> Any:
    """Blocks' values joined: None (no values), bytes (fixed size) or a tuple."""
    if values[0] is None:
        return None
    if isinstance(values[0], bytes):
        return b"".join(values)
    return tuple(chain.from_iterable(values))


def pick_values(values: Any, count: int, keep: list[int]) -> Any:
    """The values of the postings numbered `keep` among a block's `count`."""
    if values is None:
        return None
    if isinstance(values, bytes):  # fixed-size values, joined
        size = len(values) // count
        return b"".join(values[n * size : (n + 1) * size] for n in keep)
    return tuple(values[n] for n in keep)


def write_block(postfile: Any, block: Block, last: bool, level: int) -> None:
    """Write `block` (by its absolute `ids`) at the end of a postings file, compressed
    at `level` when that pays (as Whoosh decides), flagged if it is a list's `last`."""
    ids = block.ids
    deltas = (ids[0], *(b - a for a, b in pairwise(ids)))
    data = dumps((deltas, block.weights, block.values), 2)
    used = level if len(data) >= COMPRESSION_MIN_SIZE else 0
    if used:
        data = zlib.compress(data, used)
    header = dumps((block.count, ids[-1], block.maxweight, used, block.minlen, block.maxlen), 2)
    size = len(header) + len(data)
    postfile.write(_INT.pack(-size if last else size) + header + data)


#: A field's terms in order, each with its posting list as blocks (by absolute `ids`).
FieldTerms: TypeAlias = Iterable[tuple[bytes, list[Block]]]


def write_fields(fieldwriter: Any, schema: Any, fields: Iterable[tuple[str, FieldTerms]]) -> None:
    """Write each field's terms and posting lists through a Whoosh 3 field writer, the
    fields in order, and the long lists of scored fields once more into the segment's
    frequency file (`FrequencyWriter`): the one way postings are written, for a new
    segment (`blockwriter`) as for a merged one (`merging`). A field's terms are read
    only once the field is started."""
    frequencies = FrequencyWriter(
        fieldwriter._create_file(FREQUENCIES_EXT), fieldwriter._segment.segment_id()
    )
    try:
        for name, terms in fields:
            fieldwriter.start_field(name, schema[name])
            prefix = pack_ushort(fieldwriter._fieldid)
            scored = bool(schema[name].scorable)
            for text, blocks in terms:
                write_term(fieldwriter, prefix + text, blocks)
                if scored:
                    frequencies.add(prefix + text, blocks)
            fieldwriter.finish_field()
    finally:
        frequencies.close()


def block_limit(fieldwriter: Any) -> int:
    """The most postings a block holds, as the field writer's codec cuts posting lists."""
    limit: int = fieldwriter._codec._blocklimit
    return limit


def write_term(fieldwriter: Any, key: bytes, blocks: list[Block]) -> None:
    """Write a term's posting list as `blocks` (by their absolute `ids`) and its entry,
    under `key` (field number and term), through a Whoosh 3 field writer's files."""
    postfile = fieldwriter._postfile
    level = fieldwriter._codec._compression
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC)
    if len(blocks) == 1:  # most terms: the statistics are the block's
        block = blocks[0]
        write_block(postfile, block, True, level)
        stats = TERM.pack(
            0,
            total_weight(block.weights, block.count),
            block.count,
            block.minlen,
            block.maxlen,
            block.maxweight,
            block.ids[0],
            block.ids[-1],
        )
        fieldwriter._tindex.add(key, stats + EXTENT.pack(start, postfile.tell() - start))
        return
    for n, block in enumerate(blocks):
        write_block(postfile, block, n == len(blocks) - 1, level)
    stats = TERM.pack(
        0,
        sum(total_weight(b.weights, b.count) for b in blocks),
        sum(b.count for b in blocks),
        min(b.minlen for b in blocks),
        max(b.maxlen for b in blocks),
        max(b.maxweight for b in blocks),
        blocks[0].ids[0],
        blocks[-1].ids[-1],
    )
    fieldwriter._tindex.add(key, stats + EXTENT.pack(start, postfile.tell() - start))


def term_extent(info: bytes) -> tuple[int, int] | None:
    """(offset, length) of a term's postings from its encoded term info; None when its
    postings are inlined in the term info instead."""
    if info[0]:
        return None
    offset, length = EXTENT.unpack_from(info, TERM.size)
    return offset, length


#: The extension of a segment's frequency file, searchlib's own (`FrequencyWriter`).
FREQUENCIES_EXT = ".frq"

#: The shortest posting list a frequency file holds. Shorter lists are a small block,
#: often stored uncompressed, that decodes nearly as fast as a read here, and there
#: are as many of them as of all the others together.
FREQUENCY_MIN = 4

_FREQUENCY_MAGIC = b"SLF3"
#: The magics of frequency files of earlier layouts (a directory read whole into a
#: dict; lists without checksums), whose lists are not read: their segments are
#: scored from their blocks.
_EARLIER_MAGICS = (b"SLF1", b"SLF2")
#: The directory's columns, one array each, in this order: each list's key hash (the
#: CRC-32 of its key; the directory is sorted by it), then its record's offset, length
#: and CRC-32.
_DIRECTORY = (("hashes", "I"), ("offsets", "Q"), ("lengths", "I"), ("crcs", "I"))
_ENTRY_BYTES = sum(array(code).itemsize for _, code in _DIRECTORY)
#: A record's head: the length of its key, its postings, and the bytes a weight takes
#: (1: whole numbers up to 255, as term frequencies nearly always are; 4: floats).
_RECORD = struct.Struct("<HIB")
#: The file's last bytes: where its directory starts, its lists, the id of its segment
#: (a file copied over another segment's is damage, not that segment's lists), then
#: the magic.
_FREQUENCY_TRAILER = struct.Struct("<qI32s4s")


class FrequencyWriter:
    """Writes a segment's frequency file: the document numbers and weights of each
    posting list of a scored field of FREQUENCY_MIN postings or more, and a directory
    of them.

    Scoring needs no positions, but a block holds them compressed with the ids and
    weights: a common word's list cost 30 ms to decode in a segment of 77,000 stories,
    over half of it inflating positions, and even a list of a few dozen postings costs
    a decompression (10 µs) per segment for each word of a query. Read from here a list
    is one read and a copy (Lucene keeps frequencies and positions in separate files
    for the same reason). The postings file stays Whoosh's and complete; a segment
    without this file (an index written before it) is scored from its blocks.

    Each list is a record: its head (`_RECORD`), its key (field number and term), its
    ids as 4-byte little-endian unsigned numbers, then its weights. The directory is a
    few flat arrays sorted by the keys' CRC-32 (`_DIRECTORY`): opening the file is one
    read and no work per list, whatever the segment's size, and a list is found by
    bisection, its key then compared with the record's. Each record's CRC-32 is in the
    directory.
    """

    def __init__(self, file: Any, segment: str) -> None:
        self.file = file
        self.segment = segment
        file.write(_FREQUENCY_MAGIC)
        self.entries: list[tuple[int, int, int, int]] = []

    def add(self, key: bytes, blocks: list[Block]) -> None:
        """Keep the list `blocks` hold (by their absolute `ids`) under `key` (field
        number and term), if it is long enough to be worth it."""
        count = sum(block.count for block in blocks)
        if count < FREQUENCY_MIN:
            return
        ids: array[int] = array("I")
        weights: array[float] = array("f")
        for block in blocks:
            ids.extend(block.ids)
            weights.extend(expand_weights(block.weights, block.count))
        if all(weight.is_integer() and 0 < weight < 256 for weight in weights):
            packed, size = bytes(map(int, weights)), 1
        else:
            if sys.byteorder == "big":
                weights.byteswap()
            packed, size = weights.tobytes(), 4
        if sys.byteorder == "big":
            ids.byteswap()
        record = _RECORD.pack(len(key), count, size) + key + ids.tobytes() + packed
        at = self.file.tell()
        self.entries.append((zlib.crc32(key), at, len(record), zlib.crc32(record)))
        self.file.write(record)

    def close(self) -> None:
        start = self.file.tell()
        self.entries.sort()
        for column, (_, code) in enumerate(_DIRECTORY):
            values = array(code, (entry[column] for entry in self.entries))
            if sys.byteorder == "big":
                values.byteswap()
            self.file.write(values.tobytes())
        self.file.write(
            _FREQUENCY_TRAILER.pack(
                start, len(self.entries), self.segment.encode("ascii"), _FREQUENCY_MAGIC
            )
        )
        self.file.close()


class Frequencies:
    """A segment's frequency file, read: each long list's ids and weights by term key.
    `read(position, length)` reads the file's bytes; `segment` is the id of the segment
    it must belong to."""

    def __init__(self, read: Callable[[int, int], bytes], size: int, segment: str) -> None:
        self.read = read
        self.start = self.count = 0
        # The directory's columns, as `_DIRECTORY` lists them.
        self.hashes: array[int] = array("I")
        self._offsets: array[int] = array("Q")
        self._lengths: array[int] = array("I")
        self._crcs: array[int] = array("I")
        magic = read(size - 4, 4) if size >= 4 else b""
        if magic in _EARLIER_MAGICS:
            return
        if magic != _FREQUENCY_MAGIC or size < 4 + _FREQUENCY_TRAILER.size:
            raise ValueError("not a frequency file")
        start, count, owner, _ = _FREQUENCY_TRAILER.unpack(
            read(size - _FREQUENCY_TRAILER.size, _FREQUENCY_TRAILER.size)
        )
        if owner.rstrip(b"\0") != segment.encode("ascii"):
            raise ValueError("the frequency file of another segment")
        end = size - _FREQUENCY_TRAILER.size
        if start < 4 or start + count * _ENTRY_BYTES != end:
            raise ValueError("not a frequency file")
        raw = read(start, count * _ENTRY_BYTES)
        at = 0
        for column in (self.hashes, self._offsets, self._lengths, self._crcs):
            column.frombytes(raw[at : at + column.itemsize * count])
            if sys.byteorder == "big":
                column.byteswap()
            at += column.itemsize * count
        self.start, self.count = start, count

    def __len__(self) -> int:
        return self.count

    def get(self, key: bytes) -> tuple[array[int], array[Any]] | None:
        """The (ids, weights) of the list under `key`, or None when the file does not
        hold it (a short list). Whole weights come as bytes (an array of type "B"),
        which score as the same floats."""
        wanted = zlib.crc32(key)
        at = bisect_left(self.hashes, wanted)
        while at < self.count and self.hashes[at] == wanted:
            held, ids, weights = self.entry(at)
            if held == key:
                return ids, weights
            at += 1  # another key of the same hash
        return None

    def entry(self, at: int) -> tuple[bytes, array[int], array[Any]]:
        """The key, ids and weights of the directory's `at`-th list."""
        offset, length = self._offsets[at], self._lengths[at]
        if not (4 <= offset <= self.start - length and length >= _RECORD.size):
            raise ValueError("a garbled frequency file directory")
        raw = self.read(offset, length)
        if len(raw) != length:
            raise ValueError("a truncated frequency file")
        # A list read from the wrong place, or garbled, would score other documents
        # silently: the checksum costs a millisecond for a million postings.
        if zlib.crc32(raw) != self._crcs[at]:
            raise ValueError("a frequency file list that fails its checksum")
        size_of_key, count, size = _RECORD.unpack_from(raw)
        ids_at = _RECORD.size + size_of_key
        if size not in (1, 4) or ids_at + (4 + size) * count != length:
            raise ValueError("a garbled frequency file list")
        ids: array[int] = array("I")
        ids.frombytes(raw[ids_at : ids_at + 4 * count])
        weights: array[Any] = array("B" if size == 1 else "f")
        weights.frombytes(raw[ids_at + 4 * count :])
        if sys.byteorder == "big":
            ids.byteswap()
            if size == 4:
                weights.byteswap()
        return raw[_RECORD.size : ids_at], ids, weights


def open_frequencies(reader: Any) -> Frequencies | None:
    """The frequency file of the segment a Whoosh segment reader reads, or None when the
    segment has none (written before them, or a compound segment). The file stays open
    while the reader lives, as its other files do: a merge may delete them meanwhile."""
    segment, storage = getattr(reader, "_segment", None), getattr(reader, "_storage", None)
    if segment is None or storage is None or segment.is_compound():
        return None
    name = segment.make_filename(FREQUENCIES_EXT)
    if not storage.file_exists(name):
        return None
    size = storage.file_length(name)
    if hasattr(storage, "_fpath"):
        # A descriptor, closed with the reader: a file object left to the collector
        # would warn.
        fd = os.open(storage._fpath(name), os.O_RDONLY)
        weakref.finalize(reader, os.close, fd)
        return Frequencies(
            lambda position, length: os.pread(fd, length, position), size, segment.segment_id()
        )
    file = storage.open_file(name)
    weakref.finalize(reader, file.close)
    return Frequencies(file.get, size, segment.segment_id())


def length_bytes(perdoc: Any, field: str, count: int) -> bytes:
    """A segment's `field` lengths, one byte per document of its `count` (Whoosh's
    quantised lengths, 0 where a document has none), read from its per-document
    reader at once."""
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return bytes(count)
    try:
        raw: bytes = column._dbfile.get(column._basepos, column._count)
    except AttributeError:  # another column layout: read value by value
        raw = bytes(column[n] for n in range(count))
    return raw.ljust(count, b"\0")
