"""Write the cleaned articles out: JSON lines, or the OpenSearch/Elasticsearch bulk format."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from searchlib.output import json_line
from searchlib.search.stored import EXPORT_KEYS, export_record

#: An index mapping matching the bulk export, for `PUT /<index>` in OpenSearch or
#: Elasticsearch before loading the bulk file.
BULK_MAPPING: dict[str, Any] = {
    "mappings": {
        "properties": {
            "title": {"type": "text", "analyzer": "english"},
            "body": {"type": "text", "analyzer": "english"},
            "date": {"type": "date"},
            "authors": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
            "site": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
            "tags": {"type": "keyword"},
            "url": {"type": "keyword"},
            "language": {"type": "keyword"},
        }
    }
}


def export_lines(searcher: Any, bulk_index: str | None = None) -> Iterator[str]:
    """One line per article (JSON), or two per article in bulk format when `bulk_index`
    names the target index. Streams document by document; stored text that is not
    valid Unicode (a lone surrogate) is written as U+FFFD rather than stopping the export."""
    reader = searcher.reader()
    records = (export_record(reader.stored_fields(d)) for d in reader.all_doc_ids())
    return _lines(records, bulk_index)


def shard_export_lines(folder: Path, bulk_index: str | None = None) -> Iterator[str]:
    """What `export_lines` writes, from a folder of cleaned shards (`searchlib clean
    --out`) instead of an index: the shards hold the articles as the index stores them.

    Raises:
        ShardsError: the folder holds no shards.
    """
    from searchlib.ingest.shards import shard_records

    records = shard_records(folder)
    first = next(records, None)  # a folder without shards fails here, before any output
    if first is None:
        return iter(())
    chosen = (
        {"id": r.get("id"), **{key: r.get(key) for key in EXPORT_KEYS}}
        for r in itertools.chain([first], records)
    )
    return _lines(chosen, bulk_index)


def _lines(records: Iterable[dict[str, object]], bulk_index: str | None) -> Iterator[str]:
    for article in records:
        if bulk_index is None:
            yield json_line(article)
        else:
            doc_id = article.pop("id")
            yield json_line({"index": {"_index": bulk_index, "_id": doc_id}})
            yield json_line(article)
