"""Write the cleaned articles out: JSON lines, or the OpenSearch/Elasticsearch bulk format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from searchlib.output import json_line
from searchlib.search.stored import export_record

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
    for docnum in reader.all_doc_ids():
        article = export_record(reader.stored_fields(docnum))
        if bulk_index is None:
            yield json_line(article)
        else:
            doc_id = article.pop("id")
            yield json_line({"index": {"_index": bulk_index, "_id": doc_id}})
            yield json_line(article)
