"""Stored fields to the data that leaves the library: the one mapping behind `Index.get`,
every search hit and the export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from whoosh.reading import CorruptIndexError

from searchlib.models import Article, Hit

#: The order of an exported article's keys after its id: what bulk loaders were given
#: before this mapping was shared, so exports stay byte-identical.
EXPORT_KEYS = ("title", "body", "date", "authors", "site", "tags", "url", "language")


def split_lines(value: Any) -> tuple[str, ...]:
    """Stored multi-valued fields are newline-joined strings."""
    if not isinstance(value, str) or not value:
        return ()
    return tuple(v for v in value.split("\n") if v)


def stored_article(fields: Mapping[str, Any]) -> Article:
    """The Article a document's stored fields hold (the source is stored as `source`)."""
    return Article(
        title=fields.get("title", ""),
        body=fields.get("body", ""),
        date=fields.get("date"),
        authors=split_lines(fields.get("authors")),
        url=fields.get("url") or None,
        site=fields.get("source") or None,
        tags=split_lines(fields.get("tags")),
        language=fields.get("language") or None,
    )


def stored_hit(
    fields: Mapping[str, Any],
    score: float,
    snippet: str = "",
    highlights: tuple[tuple[int, int], ...] = (),
) -> Hit:
    """A Hit for a document's stored fields.

    Raises:
        CorruptIndexError: the fields have no id (garbled stored fields can read back
            empty), which reading code reports as damage.
    """
    doc_id = fields.get("id")
    if not isinstance(doc_id, str):
        raise CorruptIndexError("a stored document without its id")
    article = stored_article(fields)
    return Hit(
        id=doc_id,
        title=article.title,
        url=article.url,
        date=article.date,
        source=article.site,
        score=float(score),
        snippet=snippet,
        highlights=highlights,
        authors=article.authors,
        tags=article.tags,
    )


def export_record(fields: Mapping[str, Any]) -> dict[str, object]:
    """A document's stored article as JSON-ready data, its id first."""
    data = stored_article(fields).to_dict()
    return {"id": fields.get("id"), **{key: data[key] for key in EXPORT_KEYS}}
