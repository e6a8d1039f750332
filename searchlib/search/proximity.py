"""Term proximity: re-rank the top documents by how closely the query words stand.

A sequential-dependence-style feature (Metzler and Croft, SIGIR 2005) on BM25: for each
pair of neighbouring query words, how often they stand next to each other in order
("crude oil") and how often both fall within a small window in any order ("prices of
crude"). Only the top `CANDIDATES` documents of the BM25 ranking are re-scored: the
positions are read from the postings the index already holds, a few per candidate.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

from whoosh.reading import TermNotFound

__all__ = ["CANDIDATES", "WINDOW", "pair_counts", "rerank"]

#: Documents re-scored, from the top of the BM25 ranking.
CANDIDATES = 100
#: The unordered window, in positions (stopwords are not counted): Metzler and Croft's 8.
WINDOW = 8
#: Weight of the ordered and of the unordered pair feature, per pair, in units of the
#: pair's idf. BM25-style saturation (count / (count + 1)) keeps a long story that
#: repeats a phrase from drowning the word scores.
ORDERED_WEIGHT = 0.2
UNORDERED_WEIGHT = 0.1


def pair_counts(first: Sequence[int], second: Sequence[int], window: int) -> tuple[int, int]:
    """(times `second` follows `first` directly, times the two stand within `window`
    positions of each other in either order), from their sorted positions."""
    ordered = unordered = 0
    for place in first:
        i = bisect_left(second, place + 1)
        if i < len(second) and second[i] == place + 1:
            ordered += 1
        lo = bisect_left(second, place - window + 1)
        if lo < len(second) and second[lo] < place + window:
            unordered += 1
    return ordered, unordered


def _positions(searcher: Any, field: str, term: str, docnums: list[int]) -> dict[int, list[int]]:
    """The positions of `term` in each of `docnums` that holds it."""
    found: dict[int, list[int]] = {}
    for reader, offset in searcher.reader().leaf_readers():
        local = sorted(d - offset for d in docnums if offset <= d < offset + reader.doc_count_all())
        if not local:
            continue
        try:
            matcher = reader.postings(field, term)
        except TermNotFound:
            continue
        for docnum in local:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                found[offset + docnum] = list(matcher.value_as("positions"))
    return found


def rerank(
    searcher: Any,
    ranked: list[tuple[int, float]],
    terms: Sequence[str],
    idf: Callable[[str], float],
    field: str = "content",
) -> list[tuple[int, float]]:
    """`ranked` (docnum, score), best first, with its first `CANDIDATES` re-scored by the
    proximity of neighbouring `terms` (the query's analysed words, in order)."""
    words = list(dict.fromkeys(terms))
    if len(words) < 2 or not ranked:
        return ranked
    top = ranked[:CANDIDATES]
    docnums = [d for d, _ in top]
    places = {word: _positions(searcher, field, word, docnums) for word in words}
    pairs = [(a, b, min(idf(a), idf(b))) for a, b in pairwise(words)]
    rescored: list[tuple[int, float]] = []
    for docnum, score in top:
        bonus = 0.0
        for a, b, weight in pairs:
            first, second = places[a].get(docnum), places[b].get(docnum)
            if not first or not second:
                continue
            ordered, unordered = pair_counts(first, second, WINDOW)
            bonus += weight * (
                ORDERED_WEIGHT * ordered / (ordered + 1)
                + UNORDERED_WEIGHT * unordered / (unordered + 1)
            )
        rescored.append((docnum, score + bonus))
    rescored.sort(key=lambda item: (-item[1], item[0]))
    return rescored + ranked[CANDIDATES:]
