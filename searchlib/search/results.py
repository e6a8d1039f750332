"""What a search returns: one page of hits with its counts (`Results`), and the facet
counts of the matching documents."""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any, overload

from whoosh.query import Term
from whoosh.util.times import long_to_datetime

from searchlib.engine.columns import NO_DATE, per_reader
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
    spelling most of its first documents use. When the dated matches span at most
    DAY_FACET_MONTHS calendar months, they are also counted by day ("day": "YYYY-MM-DD",
    in date order). Each segment's values are read
    once, from its postings and date column, into one small number per document: a
    broad query's counts then cost a lookup per match, not a stored-field read.
    """
    reader = searcher.reader()
    leaves = reader.leaf_readers()
    starts = [offset for _, offset in leaves]
    by_source: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    by_tag: Counter[str] = Counter()
    by_day: Counter[int] = Counter()
    end, offset, values = -1, 0, None
    for docnum in sorted(docnums):
        if docnum >= end or values is None:  # the next segment's run of documents
            number = bisect_right(starts, docnum) - 1
            leaf, offset = leaves[number]
            end = starts[number + 1] if number + 1 < len(starts) else sys.maxsize
            values = _FacetValues.of(leaf)
        local = docnum - offset
        source = values.sources[values.source[local]]
        if source:
            by_source[source] += 1
        month = values.months[values.month[local]]
        if month:
            by_month[month] += 1
            by_day[values.day[local]] += 1
        by_tag.update(values.tag_sets[values.tag_set[local]])
    # Only the spellings are kept with the reader: a value holding the searcher would
    # hold the reader it is kept under, which then never closes its files.
    known: dict[str, str] = per_reader(reader, "tag spellings", dict)

    def spell(key: str) -> str:
        return _tag_spelling(searcher, known, key)

    def top(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_VALUES])

    facets: Facets = {
        "source": top(by_source),
        "month": tuple(sorted(by_month.items())),
        "tag": tuple((spell(key), count) for key, count in top(by_tag)),
    }
    if by_month and _month_span(min(by_month), max(by_month)) <= DAY_FACET_MONTHS:
        facets["day"] = tuple(
            (date.fromordinal(day).isoformat(), count) for day, count in sorted(by_day.items())
        )
    return facets


#: The widest span of months, first to last, whose matches are also counted by day.
DAY_FACET_MONTHS = 3


def _month_span(first: str, last: str) -> int:
    """Calendar months from `first` to `last` ("YYYY-MM"), both counted."""
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1


#: How many values of the source and tag facets are counted out, most frequent first.
FACET_VALUES = 20


def tag_key(tag: str) -> str:
    """A tag as the `tag_keys` field holds it: commas are the field's separator."""
    return tag.replace(",", " ").strip().lower()


@dataclass(frozen=True)
class _FacetValues:
    """One segment's source, month and tag set per document, each as a number into a
    table of the distinct values (0 stands for none)."""

    source: array[int]
    sources: list[str]
    month: array[int]
    months: list[str]
    day: array[int]  # the date's proleptic ordinal, where `month` is not 0
    tag_set: array[int]
    tag_sets: list[tuple[str, ...]]

    @classmethod
    def of(cls, leaf: Any) -> _FacetValues:
        """The segment's values, read on first use and kept while it is open."""
        return per_reader(leaf, "facet values", lambda: cls.read(leaf))

    @classmethod
    def read(cls, leaf: Any) -> _FacetValues:
        size = leaf.doc_count_all()
        source, sources = _from_postings(leaf, "source_key", size)
        tags_of: list[list[str]] = [[] for _ in range(size)]
        if "tag_keys" in leaf.schema:
            for key in leaf.field_terms("tag_keys"):
                for docnum in leaf.postings("tag_keys", key).all_ids():
                    tags_of[docnum].append(key)
        table: dict[tuple[str, ...], int] = {(): 0}
        tag_set = array("I", (table.setdefault(tuple(keys), len(table)) for keys in tags_of))
        months: dict[str, int] = {"": 0}
        month = array("I", bytes(4 * size))
        day = array("I", bytes(4 * size))
        if leaf.has_column("date"):
            for docnum, value in enumerate(leaf.column_reader("date", translate=False)):
                if isinstance(value, int) and value < NO_DATE:
                    moment = long_to_datetime(value)
                    month[docnum] = months.setdefault(moment.strftime("%Y-%m"), len(months))
                    day[docnum] = moment.toordinal()
        return cls(source, sources, month, list(months), day, tag_set, list(table))


def _from_postings(leaf: Any, field: str, size: int) -> tuple[array[int], list[str]]:
    """Each document's one term of `field` as a number into the list of its terms."""
    numbers = array("I", bytes(4 * size))
    names = [""]
    if field in leaf.schema:
        for term in leaf.field_terms(field):
            names.append(term)
            for docnum in leaf.postings(field, term).all_ids():
                numbers[docnum] = len(names) - 1
    return numbers, names


def _tag_spelling(searcher: Any, known: dict[str, str], key: str) -> str:
    """A tag key's spelling: the one most of its first SPELLING_SAMPLE documents store,
    looked up once per key while the index is open (`known` keeps them)."""
    if key not in known:
        spellings: Counter[str] = Counter()
        holders = searcher.docs_for_query(Term("tag_keys", key))
        for docnum in islice(holders, SPELLING_SAMPLE):
            stored = searcher.stored_fields(docnum).get("tags", "")
            spellings.update({t for t in split_lines(stored) if tag_key(t) == key})
        # Most used first, then the first in code-point order: the same every time.
        ranked = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))
        known[key] = ranked[0][0] if ranked else key
    return known[key]


#: How many documents holding a tag vote on how it is spelled: enough to outvote a
#: stray capital, few enough to read at once for every tag shown.
SPELLING_SAMPLE = 25
