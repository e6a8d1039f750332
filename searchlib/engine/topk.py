"""The top documents of a weighted OR of words, scored a term at a time.

Plain-word queries and their RM3 expansions are an OR of single terms over the text
fields. Whoosh scores such a query a document at a time through a tree of matchers,
several Python calls per posting and per tree node. Here each term's posting list is
read at once, decoded a block at a time (`searchlib.engine.postings`), and its BM25
contributions added into one table: a few arithmetic operations per posting. The scores
are Whoosh's (the same formula, statistics and quantised field lengths), so both paths
rank alike; any other query goes through Whoosh.

Postings blocks and length columns are read through Whoosh 3's private attributes (the
tested Whoosh release is pinned, see `versions`); tests/test_topk.py compares this path
with Whoosh's own search on every run, so a change there cannot go unnoticed.
"""

from __future__ import annotations

import heapq
import sys
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from itertools import accumulate, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from searchlib.engine.columns import cached, per_reader
from searchlib.engine.postings import (
    Frequencies,
    length_bytes,
    open_frequencies,
    read_blocks,
    term_extent,
)

if TYPE_CHECKING:
    from searchlib.engine.arrays import Scores

#: A term's postings in a segment: document numbers, and their weights (floats, or
#: whole numbers as bytes from a frequency file).
Postings: TypeAlias = "tuple[array[int], array[Any]]"

#: One scored leaf of a query: (field, term, boost).
Leaf = tuple[str, str, float]

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


def bm25_parameters(weighting: Any) -> tuple[float, float] | None:
    """(K1, B) of a Whoosh BM25F weighting with one B for every field, which
    `score_documents` scores alike; None for any other weighting."""
    if not isinstance(weighting, scoring.BM25F) or weighting._field_B:
        return None
    return float(weighting.K1), float(weighting.B)


#: Postings scored in the Python loop after which numpy is imported to sum scores in
#: arrays (`searchlib.engine.arrays`): about what the loop takes in the time the import
#: does (50 ms), so a search from the shell of a small archive does without it, and a
#: process that searches on pays for the import at most twice over.
ARRAY_POSTINGS = 150_000
#: Once numpy is imported, the postings a query must reach for the arrays' fixed costs
#: (a score per document of the index) to pay.
ARRAY_POSTINGS_IMPORTED = 2_000

#: Postings scored in the loop so far by this process (`ARRAY_POSTINGS`).
_looped = 0


def _in_arrays(postings: int) -> bool:
    """Whether a query's `postings` are scored in numpy arrays."""
    global _looped
    if "numpy" not in sys.modules and _looped + postings < ARRAY_POSTINGS:
        _looped += postings
        return False
    return postings >= ARRAY_POSTINGS_IMPORTED


def score_documents(
    searcher: Any,
    leaves: list[Leaf],
    idf: Callable[[int], float],
    k1: float,
    b: float,
    allowed: set[int] | None = None,
) -> Mapping[int, float]:
    """The score of every live document that matches a leaf (and is in `allowed`,
    when given), by docnum."""
    segments = searcher.reader().leaf_readers()
    planned = []
    field_norms: dict[str, list[float]] = {}  # one list per field, which arrays reuse
    total = 0
    for field, text, boost in leaves:
        postings = [_postings(reader, field, text) for reader, _ in segments]
        # The document frequency counts deleted documents' postings, as Whoosh's does.
        frequency = sum(len(ids) for ids, _ in postings)
        if not frequency:
            continue
        norms = field_norms.get(field)
        if norms is None:
            avg = searcher.avg_field_length(field) or 1
            # K1 * (1 - B + B * length / average) for every possible length byte.
            norms = field_norms[field] = [k1 * ((1 - b) + b * n / avg) for n in _LENGTH_OF]
        planned.append((field, boost * idf(frequency) * (k1 + 1), norms, postings))
        total += frequency
    if _in_arrays(total):
        from searchlib.engine import arrays

        whole = searcher.reader()

        def field_lengths(field: str) -> bytes:
            return per_reader(
                whole,
                ("all lengths", field),
                lambda: b"".join(_lengths(segment, field) for segment, _ in segments),
            )

        return arrays.score(segments, searcher.doc_count_all(), planned, field_lengths, allowed)
    scores: dict[int, float] = {}
    get = scores.get
    for field, scale, norms, postings in planned:
        for (reader, offset), (ids, freqs) in zip(segments, postings, strict=True):
            if not ids:
                continue
            lengths = _lengths(reader, field)
            for docnum, tf in zip(ids, freqs, strict=True):
                key = offset + docnum
                scores[key] = get(key, 0.0) + scale * tf / (tf + norms[lengths[docnum]])
    for reader, offset in segments:
        if reader.has_deletions():
            for docnum in reader.deleted_docs_set:
                scores.pop(offset + docnum, None)
    if allowed is not None:
        scores = {d: s for d, s in scores.items() if d in allowed}
    return scores


def without(scores: Mapping[int, float], docnums: Iterable[int]) -> Mapping[int, float]:
    """`scores` but those of `docnums`."""
    if not isinstance(scores, dict):
        return cast("Scores", scores).without(docnums)
    for docnum in docnums:
        scores.pop(docnum, None)
    return scores


def _rank_key(item: tuple[int, float]) -> tuple[float, int]:
    return -item[1], item[0]


def best(scores: Mapping[int, float], limit: int) -> list[tuple[int, float]]:
    """The `limit` best (docnum, score) pairs, best first, ties by lower docnum.

    The order is total, so the best n are always the first n of the best m > n: pages
    cut from lists of different depths never repeat or skip a document.
    """
    if not isinstance(scores, dict):
        return cast("Scores", scores).top(limit)
    if limit >= len(scores):
        return sorted(scores.items(), key=_rank_key)
    # One more than asked for shows whether a tie at the cut-off runs past it.
    top = heapq.nlargest(limit + 1, scores.items(), key=itemgetter(1))
    floor = top[limit - 1][1]
    if top[limit][1] == floor:
        # Which of the tied documents make the cut is decided by number, over them all.
        tied = sorted(docnum for docnum, score in scores.items() if score == floor)
        top = [item for item in top if item[1] > floor] + [(d, floor) for d in tied]
    top.sort(key=_rank_key)
    return top[:limit]


class Ranking:
    """`best(scores, n)` for each n asked, ranked deeper than asked once asked again.

    Folding copies asks for a deeper list whenever copies crowd the page's window, each
    time twice as deep; ranking anew each time cost a pass over every match (7 ms for
    150,000). The first ask ranks as deep as asked, which is all most searches need;
    a second ranks `LOOKAHEAD` times deeper than it asks, for those that follow.
    """

    __slots__ = ("scores", "top")

    #: How much deeper than asked a second ranking goes.
    LOOKAHEAD = 4

    def __init__(self, scores: Mapping[int, float]) -> None:
        self.scores = scores
        self.top: list[tuple[int, float]] = []

    def __call__(self, n: int) -> list[tuple[int, float]]:
        if n > len(self.top) and len(self.top) < len(self.scores):
            self.top = best(self.scores, n * self.LOOKAHEAD if self.top else n)
        return self.top[:n]


class _Decoded:
    """A segment's decoded postings, least recently used first, within a budget."""

    __slots__ = ("entries", "limit", "size")

    def __init__(self, limit: int) -> None:
        self.entries: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self.limit = limit
        self.size = 0


#: Postings kept decoded per open segment, 8 bytes each: 400,000 (3 MB), or 16 per
#: document of a larger segment (a sixth of its postings, on news), since a
#: common word's list grows with the segment. Decoding a block costs more than scoring
#: it, and the words of a news archive's queries recur. Segments never change, so
#: neither do their postings.
CACHED_POSTINGS = 400_000
CACHED_PER_DOCUMENT = 16

_NONE: Postings = (array("I"), array("f"))


def _postings(reader: Any, field: str, text: str) -> Postings:
    """A term's postings in one segment as (docnums, term frequencies), deleted
    documents included (the caller drops them)."""
    cache = per_reader(
        reader,
        "postings",
        lambda: _Decoded(max(CACHED_POSTINGS, CACHED_PER_DOCUMENT * reader.doc_count_all())),
    )
    key = (field, text)
    found = cache.entries.get(key)
    if found is not None:
        cache.entries.move_to_end(key)
        return found
    found = _decode(reader, field, text)
    cache.entries[key] = found
    cache.size += len(found[0]) + 1
    while cache.size > cache.limit and len(cache.entries) > 1:
        _, (old, _) = cache.entries.popitem(last=False)
        cache.size -= len(old) + 1
    return found


def document_frequency(reader: Any, field: str, text: str) -> int:
    """How many documents hold `text` in `field` (deleted ones included, as Whoosh
    counts), read from the decoded postings where a search has just decoded them."""
    total = 0
    for segment, _ in reader.leaf_readers():
        cache = cached(segment, "postings")
        found = cache.entries.get((field, text)) if cache is not None else None
        total += len(found[0]) if found is not None else segment.doc_frequency(field, text)
    return total


def documents_holding(reader: Any, field: str, text: str) -> set[int]:
    """The documents (top-level numbers, deleted ones included) whose `field` holds
    `text`, from the decoded postings kept per segment."""
    held: set[int] = set()
    for segment, offset in reader.leaf_readers():
        ids = _postings(segment, field, text)[0]
        held.update(map(offset.__add__, ids) if offset else ids)
    return held


def frequencies(reader: Any) -> Frequencies | None:
    """A segment's frequency file (`postings.FrequencyWriter`), read once per open
    segment reader; None when it has none."""
    return per_reader(reader, "frequencies", lambda: open_frequencies(reader))


def _decode(reader: Any, field: str, text: str) -> Postings:
    terms = getattr(reader, "_terms", None)
    if isinstance(terms, W3TermsReader):
        key = terms._keycoder(field, reader._text_to_bytes(field, text))
        held = frequencies(reader)
        listed = held.get(key) if held is not None else None
        if listed is not None:
            return listed  # its record holds its key, under a checksum
        found = decode_blocks(terms, key)
        if found is not None:
            return found
    try:
        matcher = reader.postings(field, text)
    except TermNotFound:
        return _NONE
    if isinstance(matcher, FilterMatcher):
        # Unwrap the deletion filter, which has already moved past deleted postings.
        matcher = matcher.child
        matcher.reset()
    ids: array[int] = array("I")
    freqs: array[float] = array("f")
    while matcher.is_active():
        ids.append(matcher.id())
        freqs.append(matcher.weight())
        matcher.next()
    return ids, freqs


def decode_blocks(terms: Any, key: bytes) -> Postings | None:
    """The posting list under `key` in a segment's Whoosh 3 terms and postings files,
    as (docnums, weights) (empty when the segment lacks the term); None when its
    postings are inlined in the terms file."""
    try:
        where, size = terms._tindex.range_for_key(key)
    except KeyError:
        return _NONE
    return _blocks(terms, terms._dbfile.get(where, size))


def _blocks(terms: Any, info: bytes) -> Postings | None:
    """The posting list a term's entry `info` points to, or None when its postings are
    inlined in the entry.

    The whole list is read at once and each block decoded in C: Whoosh's matcher takes
    a few file reads and Python calls per block.
    """
    extent = term_extent(info)
    if extent is None:
        return None
    ids: array[int] = array("I")
    freqs: array[float] = array("f")
    for block in read_blocks(terms._postfile, *extent, values=False):
        ids.extend(accumulate(block.deltas))
        weights = block.weights
        if weights is None or isinstance(weights, float):
            freqs.extend(repeat(1.0 if weights is None else weights, block.count))
        else:
            freqs.extend(weights)
    return ids, freqs


def _lengths(reader: Any, field: str) -> bytes:
    """A segment's field lengths, one byte per document (Whoosh's quantised lengths)."""
    return per_reader(
        reader,
        ("lengths", field),
        lambda: length_bytes(reader._perdoc, field, reader.doc_count_all()),
    )
