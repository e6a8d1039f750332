"""Read per-document column values safely across segments.

Whoosh's multi-segment column reader misreads a column that some segments lack (a
segment in which no document had a date has no date column); reading leaf by leaf
avoids that.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any


def column_lookup(reader: Any, field: str, translate: bool = True) -> Callable[[int], Any]:
    """A function from a top-level document number to its `field` column value (None
    where the document's segment has no such column)."""
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
