"""What one search asks for: `SearchOptions`, built by `Index.search`'s keywords, the
command line or any other front end, and checked whole when it is made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypedDict

from searchlib.errors import QueryError
from searchlib.search.filters import DateLike, build_filter, date_period
from searchlib.search.query import parse

SortOrder = Literal["relevance", "date", "oldest"]
SORT_ORDERS: tuple[SortOrder, ...] = ("relevance", "date", "oldest")


def check_page(limit: int, offset: int) -> None:
    """Raise QueryError unless `limit` and `offset` name a page (`limit` at least 1,
    `offset` not negative)."""
    if limit < 1:
        raise QueryError("limit must be at least 1")
    if offset < 0:
        raise QueryError("offset cannot be negative")


@dataclass(frozen=True)
class SearchOptions:
    """One ranked search: the query, its filters, order, page and extras.

    Made, it is valid: every option, the query and the filter values are checked when
    the object is built (and when `dataclasses.replace` builds a changed copy), so a
    front end can report a bad input before it opens an index.

    Attributes:
        query: words (any may match; more matches rank higher), "phrases",
            -excluded, OR, and field:value for title, author, source, tag.
        limit, offset: the page of results; `Results.next_offset` is where the next
            page starts.
        since, until: publication-date bounds, inclusive: a date, a datetime or an ISO
            8601 string, also partial ("2024", "2024-03"); `since` counts from the
            start of the period it names, `until` to its end.
        source, author, tag: only stories whose source, an author or a tag holds these
            words ("reuters", "jane doe").
        sort: "relevance" (default), "date" (newest first) or "oldest"; undated stories
            come last in both date orders.
        half_life_days: blend relevance with recency: a story's score halves for every
            this many days between its date and `recent_from`. Undated stories count
            as far from it as the farthest dated one.
        recent_from: the date ages are measured from (default: the newest story in the
            index, so an archive of any era ranks alike). Recency applies to relevance
            order only: `recent_from` without `half_life_days`, or either with a date
            sort, is an error.
        collapse: show near-identical stories (syndicated copies, pages saved twice)
            once; the hit lists the other ids in `copies`.
        expand: add words from the top documents to the query and search again (RM3
            pseudo-relevance feedback): better recall for short queries.
        proximity: re-rank the top 100 by how closely the query's words stand together
            (relevance order without recency only; see docs/ranking.md).
        explain: give each hit its score's parts, per field and word (`Hit.explanation`).
        facets: also count the matching stories by source, month and tag
            (`Results.facets`).
        snippets: build a snippet per hit (skip for ranking-only use).

    Raises:
        QueryError: an option is out of range or contradicts another, a date is not
            one (or `since` is after `until`), a name filter holds no word, or the
            query holds nothing searchable.
    """

    query: str
    limit: int = 10
    offset: int = 0
    since: DateLike | None = None
    until: DateLike | None = None
    source: str | None = None
    author: str | None = None
    tag: str | None = None
    sort: SortOrder = "relevance"
    half_life_days: float | None = None
    recent_from: DateLike | None = None
    collapse: bool = True
    expand: bool = False
    proximity: bool = False
    explain: bool = False
    facets: bool = False
    snippets: bool = True

    def __post_init__(self) -> None:
        # In the order searches have always checked them: with two problems, the same
        # one is reported.
        check_page(self.limit, self.offset)
        if self.sort not in SORT_ORDERS:
            raise QueryError(f"unknown sort order {self.sort!r}: use relevance, date or oldest")
        recency = self.half_life_days is not None
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise QueryError("the recency half-life must be a positive number of days")
        if self.recent_from is not None and not recency:
            raise QueryError(
                "a date to count recency from needs a half-life", option="half_life_days"
            )
        if recency and self.sort != "relevance":
            raise QueryError(
                "recency blends into relevance: it cannot be combined with a date sort"
            )
        if self.expand and self.sort != "relevance":
            # Feedback words widen the matches to rank them better; sorted by date, the
            # stories they add would come first without holding a word of the query.
            raise QueryError("query expansion re-ranks relevance: not with a date sort")
        if self.proximity and (self.sort != "relevance" or recency):
            raise QueryError("term proximity re-ranks relevance: not with a date sort or recency")
        if self.recent_from is not None:
            date_period(self.recent_from)  # a bad date is an error even when nothing is dated
        parse(self.query)
        build_filter(self.since, self.until, self.source, self.author, self.tag)


class SearchKeywords(TypedDict, total=False):
    """The options of `SearchOptions` but the query, as `Index.search` takes them by
    keyword (so editors and type checkers know each one)."""

    limit: int
    offset: int
    since: DateLike | None
    until: DateLike | None
    source: str | None
    author: str | None
    tag: str | None
    sort: SortOrder
    half_life_days: float | None
    recent_from: DateLike | None
    collapse: bool
    expand: bool
    proximity: bool
    explain: bool
    facets: bool
    snippets: bool
