"""The top documents of a weighted OR of words, scored a term at a time.

Plain-word queries and their RM3 expansions are an OR of single terms over the text
fields. Whoosh scores such a query a document at a time through a tree of matchers,
several Python calls per posting and per tree node. Here each term's postings are read
a block at a time and their BM25 contributions added into one table: a few arithmetic
operations per posting. The scores are Whoosh's (the same formula, statistics and
quantised field lengths), so both paths rank alike; any other query goes through Whoosh.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, repeat
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

#: One scored leaf of a query: (field, term, boost).
Leaf = tuple[str, str, float]

#: Each segment's field lengths as one byte per document (Whoosh's quantised lengths),
#: kept while the reader is open: a library user's searcher answers many queries.
_LENGTHS: WeakKeyDictionary[Any, dict[str, bytes]] = WeakKeyDictionary()

#: The field length each length byte stands for.
_LENGTH_OF = [byte_to_length(n) for n in range(256)]


def term_leaves(query: Any, scorable: Callable[[str], bool]) -> list[Leaf] | None:
    """The (field, term, boost) leaves of a query that is an OR of single terms in
    scorable fields, or None for any other query (phrases, filters, exclusions...)."""
    leaves: list[Leaf] = []
    stack: list[tuple[Any, float]] = [(query, 1.0)]
    while stack:
        node, boost = stack.pop()
        if type(node) is wq.Term and scorable(node.fieldname):
            leaves.append((node.fieldname, node.text, boost * node.boost))
        elif isinstance(node, wq.Or) and node.scale is None and node.subqueries:
            stack.extend((sub, boost * node.boost) for sub in node.subqueries)
        else:
            return None
    return leaves


def top_documents(
    searcher: Any,
    leaves: list[Leaf],
    limit: int,
    idf: Callable[[str, str], float],
    k1: float,
    b: float,
    allowed: set[int] | None = None,
) -> tuple[list[tuple[int, float]], int]:
    """The best `limit` (docnum, score) pairs, best first (ties: lower docnum first), and
    how many documents matched. `allowed`, when given, holds the only docnums to keep."""
    scores: dict[int, float] = {}
    get = scores.get
    segments = searcher.reader().leaf_readers()
    for field, text, boost in leaves:
        avg = searcher.avg_field_length(field) or 1
        # K1 * (1 - B + B * length / average) for every possible length byte.
        norms = [k1 * ((1 - b) + b * length / avg) for length in _LENGTH_OF]
        scale = boost * idf(field, text) * (k1 + 1)
        for reader, offset in segments:
            try:
                postings = reader.postings(field, text)
            except TermNotFound:
                continue
            lengths = _lengths(reader, field)
            for ids, weights in _blocks(postings):
                for docnum, tf in zip(ids, weights, strict=False):
                    key = offset + docnum
                    scores[key] = get(key, 0.0) + scale * tf / (tf + norms[lengths[docnum]])
    for reader, offset in segments:
        if reader.has_deletions():
            for docnum in reader.deleted_docs_set:
                scores.pop(offset + docnum, None)
    if allowed is not None:
        scores = {d: s for d, s in scores.items() if d in allowed}
    best = heapq.nlargest(limit, scores.items(), key=itemgetter(1))
    if best:
        # Documents tied with the last one kept are ordered by number, as Whoosh does.
        floor = best[-1][1]
        best = [item for item in best if item[1] > floor]
        best += sorted(item for item in scores.items() if item[1] == floor)
        best.sort(key=lambda item: -item[1])  # stable: tied numbers stay in order
        best = best[:limit]
    return best, len(scores)


def _blocks(matcher: Any) -> Iterator[tuple[Iterable[int], Iterable[float]]]:
    """A term's postings in one segment as (docnums, term frequencies), block by block,
    deleted documents included (the caller drops them)."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # the deletion filter
    if isinstance(matcher, W3LeafMatcher):
        # Decode whole blocks in C instead of one posting per Python call.
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            ids, weights = matcher._data[0], matcher._data[1]
            if not matcher._byteids:
                ids = accumulate(ids)
            if weights is None or isinstance(weights, float):
                weights = repeat(1.0 if weights is None else weights)
            yield ids, weights
            matcher._next_block()
        return
    docnums: list[int] = []
    freqs: list[float] = []
    while matcher.is_active():
        docnums.append(matcher.id())
        freqs.append(matcher.weight())
        matcher.next()
    yield docnums, freqs


def _lengths(reader: Any, field: str) -> bytes:
    try:
        cached = _LENGTHS.setdefault(reader, {})
    except TypeError:  # a reader that cannot be weakly referenced is not cached
        return _read_lengths(reader, field)
    if field not in cached:
        cached[field] = _read_lengths(reader, field)
    return cached[field]


def _read_lengths(reader: Any, field: str) -> bytes:
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return bytes(count)
    try:
        raw: bytes = column._dbfile.get(column._basepos, column._count)
    except AttributeError:  # another column layout: read value by value
        raw = bytes(column[n] for n in range(count))
    return raw.ljust(count, b"\0")
