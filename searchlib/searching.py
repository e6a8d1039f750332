"""Run parsed queries against an open searcher and turn Whoosh hits into `Hit`s."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, overload

from whoosh import query as wq
from whoosh import scoring

from searchlib.errors import QueryError
from searchlib.models import Hit
from searchlib.query import ParsedQuery, parse
from searchlib.snippets import make_snippet

SortOrder = Literal["relevance", "date", "oldest"]

#: BM25 parameters: Lucene/Anserini's defaults (k1=0.9, b=0.4), which hold up across
#: news and abstract collections better than the textbook k1=1.2, b=0.75.
K1 = 0.9
B = 0.4


class _BM25(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's BM25F with the BM25 (Robertson/Lucene) inverse document frequency.

    Whoosh's default idf, log(N / (df + 1)) + 1, keeps common words heavy: a word in a
    third of the documents still weighs a quarter of the rarest one. Long
    natural-language queries are full of such words, and ranking suffers.
    """

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        df = parent.doc_frequency(fieldname, text)
        n = parent.doc_count_all()
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


def weighting() -> Any:
    """The scoring model: BM25 per field, summed with the field weights of the query."""
    return _BM25(B=B, K1=K1)


@dataclass(frozen=True)
class Results(Sequence[Hit]):
    """The hits of one page of a search, and how many documents matched in all."""

    hits: tuple[Hit, ...]
    total: int
    offset: int
    query: str

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | Sequence[Hit]:
        return self.hits[index]

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)


def split_lines(value: Any) -> tuple[str, ...]:
    """Stored multi-valued fields are newline-joined strings."""
    if not isinstance(value, str) or not value:
        return ()
    return tuple(v for v in value.split("\n") if v)


def make_hit(
    fields: dict[str, Any], score: float, parsed: ParsedQuery | None, snippet: bool = True
) -> Hit:
    """Build a Hit from stored fields, with a snippet for the parsed query."""
    terms = parsed.terms if parsed else frozenset()
    text, spans = make_snippet(fields.get("body", ""), terms) if snippet else ("", ())
    return Hit(
        id=fields["id"],
        title=fields.get("title", ""),
        url=fields.get("url") or None,
        date=fields.get("date"),
        source=fields.get("source") or None,
        score=float(score),
        snippet=text,
        highlights=spans,
        authors=split_lines(fields.get("authors")),
        tags=split_lines(fields.get("tags")),
    )


def date_filter(since: datetime | None, until: datetime | None) -> Any | None:
    """A filter on publication dates, both ends inclusive (`until` through its whole day)."""
    if since is None and until is None:
        return None
    if until is not None and until.hour == until.minute == until.second == 0:
        until = until.replace(hour=23, minute=59, second=59, microsecond=999999)
    if since is not None and until is not None and since > until:
        raise QueryError(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}")
    return wq.DateRange("date", since, until)


def run(
    searcher: Any,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: SortOrder = "relevance",
    expand: bool = False,
    snippets: bool = True,
) -> Results:
    """Search and return one page of hits (`expand`: RM3 pseudo-relevance feedback;
    `snippets=False` skips building snippets, for callers that only need the ranking).

    Raises:
        QueryError: the query has nothing searchable, or the arguments are invalid.
    """
    if limit < 1:
        raise QueryError("limit must be at least 1")
    if offset < 0:
        raise QueryError("offset cannot be negative")
    if sort not in ("relevance", "date", "oldest"):
        raise QueryError(f"unknown sort order {sort!r}: use relevance, date or oldest")
    parsed = parse(text)
    options: dict[str, Any] = {"limit": offset + limit}
    flt = date_filter(since, until)
    if flt is not None:
        options["filter"] = flt
    if sort != "relevance":
        options["sortedby"] = "date"
        options["reverse"] = sort == "date"
    query = parsed.query
    if expand:
        from searchlib.feedback import FEEDBACK_DOCS, expanded_query

        first = searcher.search(query, limit=FEEDBACK_DOCS, filter=options.get("filter"))
        documents = [(dict(hit.fields()), float(hit.score or 0.0)) for hit in first]
        total = float(max(searcher.doc_count_all(), 1))

        def doc_share(term: str) -> float:
            share: float = searcher.doc_frequency("content", term) / total
            return share

        query = expanded_query(parsed, documents, doc_share)
    results = searcher.search(query, **options)
    page = results[offset : offset + limit]
    hits = tuple(make_hit(dict(hit.fields()), hit.score or 0.0, parsed, snippets) for hit in page)
    return Results(hits=hits, total=len(results), offset=offset, query=text)
