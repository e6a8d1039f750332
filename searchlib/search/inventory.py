"""What an index holds, counted and cross-checked: the figures of `Index.stats` and the
consistency of its documents' ids for `Index.check`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from searchlib.engine import store
from searchlib.engine.columns import column_lookup, date_range
from searchlib.models import Stats


def stats(reader: Any, path: Path, segments: int) -> Stats:
    """Documents, date range, every source with its count (most first) and size on disk
    of the index at `path`, read through its open `reader`."""
    sources: dict[str, int] = {}
    if reader.doc_count_all():
        keys = column_lookup(reader, "source_key")
        for docnum in reader.all_doc_ids():
            key = keys(docnum)
            if key:
                sources[key] = sources.get(key, 0) + 1
    first, last = date_range(reader) or (None, None)
    return Stats(
        documents=reader.doc_count(),
        first_date=first,
        last_date=last,
        sources=tuple(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
        size_bytes=store.size_on_disk(path),
        segments=segments,
        path=str(path),
    )


def id_problems(reader: Any) -> list[str]:
    """What is inconsistent between the live documents, their count and their ids: a
    stored id that differs from the id column, an id given twice."""
    problems: list[str] = []
    live = list(reader.all_doc_ids())
    if len(live) != reader.doc_count():
        problems.append(f"{reader.doc_count()} documents counted, {len(live)} listed")
    ids = column_lookup(reader, "id")
    seen: set[str] = set()
    for docnum in live:
        doc_id = reader.stored_fields(docnum).get("id")
        if doc_id != ids(docnum):
            problems.append(f"document {docnum}: stored id {doc_id!r} differs from its column")
        if doc_id in seen:
            problems.append(f"id {doc_id!r} appears twice")
        seen.add(doc_id)
    return problems
