"""What a search returns: one page of hits with its counts (`Results`), and the facet
counts of the matching documents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from searchlib.engine.columns import column_lookup, date_lookup
from searchlib.models import Hit
from searchlib.search.stored import split_lines

#: Facet name to (value, count) pairs, most first (months in date order).
Facets = dict[str, tuple[tuple[str, int], ...]]


@dataclass(frozen=True)
class Results(Sequence[Hit]):
    """The hits of one page of a search, and how many there are in all.

    `total` counts the list being paged: stories, with near-identical copies folded
    in when collapsing (the default), else matching documents. It is exact unless
    `total_is_estimate` (a long list collapsed only as deep as the page needed).
    `matches` is the exact number of matching documents, copies included.
    """

    hits: tuple[Hit, ...]
    total: int
    offset: int
    query: str
    facets: Facets | None = None
    suggestion: str | None = None  # a corrected query ("did you mean")
    total_is_estimate: bool = False
    matches: int = 0
    next_offset: int | None = None  # where the next page starts; None on the last page
    unfiltered_total: int | None = None  # no hits under filters: the matches without them

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

    def to_dict(self) -> dict[str, object]:
        """Return the page as JSON-ready data, with what a script needs to page on."""
        data: dict[str, object] = {
            "query": self.query,
            "total": self.total,
            "total_is_estimate": self.total_is_estimate,
            "matches": self.matches,
            "offset": self.offset,
            "next_offset": self.next_offset,
            "hits": [hit.to_dict() for hit in self.hits],
            "did_you_mean": self.suggestion,
            "unfiltered_total": self.unfiltered_total,
        }
        if self.facets is not None:
            data["facets"] = {name: dict(counts) for name, counts in self.facets.items()}
        return data


def facet_counts(searcher: Any, docnums: Iterable[int]) -> Facets:
    """Counts by source, year-month and tag over the given matching documents.

    Tags are counted case-insensitively ("News" and "news" are one tag), under the
    spelling most documents use.
    """
    reader = searcher.reader()
    sources = column_lookup(reader, "source_key")
    dates = date_lookup(reader)
    by_source: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    by_tag: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for docnum in docnums:
        source = sources(docnum)
        if source:
            by_source[source] += 1
        date = dates(docnum)
        if date is not None:
            by_month[date.strftime("%Y-%m")] += 1
        stored = searcher.stored_fields(docnum).get("tags", "")
        for name in set(split_lines(stored)):
            key = name.casefold()
            by_tag[key] += 1
            spellings.setdefault(key, Counter())[name] += 1
    tags = Counter({spellings[key].most_common(1)[0][0]: n for key, n in by_tag.items()})

    def top(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20])

    return {
        "source": top(by_source),
        "month": tuple(sorted(by_month.items())),
        "tag": top(tags),
    }
