"""Read per-document column values safely across segments.

Whoosh's multi-segment column reader misreads a column that some segments lack (a
segment in which no document had a date has no date column); reading leaf by leaf
avoids that.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

#: What is read once per open reader, by kind and key. A library user's searcher (and
#: its readers) stays open between queries, and readers never change: opening a column
#: reader per segment had cost milliseconds on every query.
_PER_READER: WeakKeyDictionary[Any, dict[Any, Any]] = WeakKeyDictionary()

T = TypeVar("T")


def per_reader(reader: Any, key: Any, build: Callable[[], T]) -> T:
    """`build()`, computed once per open `reader` and `key` (a reader that cannot be
    weakly referenced is not cached)."""
    try:
        cached = _PER_READER.setdefault(reader, {})
    except TypeError:
        return build()
    if key not in cached:
        cached[key] = build()
    value: T = cached[key]
    return value


def cached(reader: Any, key: Any) -> Any | None:
    """What `per_reader` has kept for `reader` and `key`, or None (nothing is built)."""
    try:
        return _PER_READER.get(reader, {}).get(key)
    except TypeError:
        return None


def column_lookup(reader: Any, field: str, translate: bool = True) -> Callable[[int], Any]:
    """A function from a top-level document number to its `field` column value (None
    where the document's segment has no such column)."""
    return per_reader(
        reader, ("column", field, translate), lambda: _lookup(reader, field, translate)
    )


def _lookup(reader: Any, field: str, translate: bool) -> Callable[[int], Any]:
    leaves = reader.leaf_readers()
    offsets = [offset for _, offset in leaves]
    columns = [
        leaf.column_reader(field, translate=translate) if leaf.has_column(field) else None
        for leaf, _ in leaves
    ]

    def get(docnum: int) -> Any:
        index = bisect_right(offsets, docnum) - 1
        column = columns[index]
        return None if column is None else column[docnum - offsets[index]]

    return get


#: A date column's raw value for a document without a date (the column's all-ones default).
NO_DATE = 2**63


#: How a date column, and the other number columns read whole, hold their values:
#: 8-byte unsigned, big-endian.
_NUMBER_TYPECODE = "Q"


def raw_dates(reader: Any) -> bytes | None:
    """Every document's raw date column value (NO_DATE or above where it has none) as
    8-byte big-endian unsigned numbers, read once per open reader; None when a
    segment's column is not laid out so (then `column_lookup` reads value by value)."""
    return per_reader(reader, "raw dates", lambda: _raw_numbers(reader, "date", NO_DATE))


def number_lookup(reader: Any, field: str) -> Callable[[int], Any]:
    """As `column_lookup(reader, field)` for a column of 8-byte unsigned numbers whose
    default is 0 (but 0, not None, where a segment has no such column), read whole
    once per open reader: then a value is an index into an array, where Whoosh's
    reader makes a file read and an unpack of each."""

    def build() -> Callable[[int], Any] | None:
        raw = _raw_numbers(reader, field, 0)
        if raw is None:
            return None
        values = array(_NUMBER_TYPECODE, raw)
        if sys.byteorder == "little":
            values.byteswap()
        return values.__getitem__

    found = per_reader(reader, ("numbers", field), build)
    return found if found is not None else column_lookup(reader, field)


def _raw_numbers(reader: Any, field: str, default: int) -> bytes | None:
    """Every document's `field` column value as 8-byte big-endian unsigned numbers
    (`default` in a segment without the column); None when a segment's column is not of
    such numbers with a default of at least `default`."""
    parts = []
    for leaf, _ in reader.leaf_readers():
        count = leaf.doc_count_all()
        if not leaf.has_column(field):
            parts.append(default.to_bytes(8, "big") * count)
            continue
        column = leaf.column_reader(field, translate=False)
        if getattr(column, "_typecode", None) != _NUMBER_TYPECODE or not (
            isinstance(column._default, int) and column._default >= default
        ):
            return None
        stored = min(column._count, count)
        values = column._dbfile.get(column._basepos, 8 * stored)
        if len(values) != 8 * stored:
            raise ValueError(f"a {field} column cut short in segment {leaf.segment().segment_id()}")
        parts.append(values)
        parts.append(column._default.to_bytes(8, "big") * (count - stored))
    return b"".join(parts)


def date_lookup(reader: Any) -> Callable[[int], datetime | None]:
    """A function from a top-level document number to its publication date (None when
    the document has none). The column is read raw: its default is not a date."""
    from whoosh.util.times import long_to_datetime

    raw = column_lookup(reader, "date", translate=False)

    def get(docnum: int) -> datetime | None:
        value = raw(docnum)
        return long_to_datetime(value) if isinstance(value, int) and value < NO_DATE else None

    return get


def date_range(reader: Any) -> tuple[datetime, datetime] | None:
    """The oldest and newest publication dates of the live documents (None when none is
    dated), read once per open reader."""
    from whoosh.util.times import long_to_datetime

    def scan() -> tuple[datetime, datetime] | None:
        raw = column_lookup(reader, "date", translate=False)
        lowest = highest = None
        for docnum in reader.all_doc_ids():
            value = raw(docnum)
            if isinstance(value, int) and value < NO_DATE:
                lowest = value if lowest is None or value < lowest else lowest
                highest = value if highest is None or value > highest else highest
        if lowest is None or highest is None:
            return None
        return long_to_datetime(lowest), long_to_datetime(highest)

    return per_reader(reader, "date range", scan)
