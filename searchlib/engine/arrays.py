"""Scores summed and ranked in numpy arrays, for queries that match many postings.

`topk` scores an OR of words a term at a time: each posting adds its BM25 share to its
document's score. In a Python loop that costs about a third of a microsecond a posting
and a dict entry per match; a common word of a million-story archive has a few hundred
thousand postings. Here each term's postings in a segment are scored at once, in
numpy, into one score per document of the index, and the best are picked by a partial
sort.

The arithmetic is the loop's, operation for operation, in the same (IEEE double)
precision and, for each document, in the same order of terms: the scores are the
loop's to the last bit, and so is the order. tests/test_topk.py compares both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from searchlib.engine.columns import NO_DATE

#: One term's share of a query, ready to score: its field, its scale (boost x idf x
#: (K1 + 1)), the K1 x length normalisation for each length byte, and its postings in
#: each segment as (docnums, term frequencies).
Planned = tuple[str, float, Sequence[float], Sequence[tuple[Any, Any]]]


#: The numpy type of each array type postings come in: document numbers ("I"), weights
#: as floats ("f") or as whole numbers of a byte ("B", from a frequency file).
_TYPES = {"I": np.uint32, "f": np.float32, "B": np.uint8}


class Scores(Mapping[int, float]):
    """The score of every match, by top-level document number, held as two arrays
    (document numbers ascending, and their scores). Read as a mapping, it builds a dict
    the first time one is needed; ranking (`top`) and counting never do."""

    __slots__ = ("_table", "docnums", "scores")

    def __init__(self, docnums: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]) -> None:
        self.docnums = docnums
        self.scores = scores
        self._table: dict[int, float] | None = None

    def _dict(self) -> dict[int, float]:
        if self._table is None:
            self._table = dict(zip(self.docnums.tolist(), self.scores.tolist(), strict=True))
        return self._table

    def __getitem__(self, docnum: int) -> float:
        return self._dict()[docnum]

    def __contains__(self, docnum: object) -> bool:
        return docnum in self._dict()

    def __iter__(self) -> Iterator[int]:
        return iter(self.docnums.tolist())

    def __len__(self) -> int:
        return len(self.docnums)

    def top(self, limit: int) -> list[tuple[int, float]]:
        """The `limit` best (docnum, score) pairs, best first, ties by lower docnum:
        the order `topk.best` gives."""
        scores, count = self.scores, len(self.scores)
        if limit <= 0:
            return []
        if limit < count:
            # The limit-th best score; every match scoring at least that is a candidate,
            # all of a tie at the cut-off among them.
            floor = np.partition(scores, count - limit)[count - limit]
            chosen = np.flatnonzero(scores >= floor)
        else:
            chosen = np.arange(count)
        # Document numbers ascend, so a stable sort by score leaves ties by number.
        order = chosen[np.argsort(-scores[chosen], kind="stable")][:limit]
        return list(zip(self.docnums[order].tolist(), scores[order].tolist(), strict=True))

    def by_date(
        self, raw_dates: bytes, newest_first: bool
    ) -> Callable[[int], list[tuple[int, float]]]:
        """The first n (docnum, score) pairs by date, from every document's raw date
        (`columns.raw_dates`): undated ones last in either direction, ties by docnum,
        as `scoring.by_date` orders them."""
        raw = np.frombuffer(raw_dates, dtype=">u8")[self.docnums]
        dated = raw < NO_DATE
        when = np.where(dated, raw, 0).astype(np.int64)
        # lexsort sorts by its last key first.
        order = np.lexsort((self.docnums, -when if newest_first else when, ~dated))
        docnums, scores = self.docnums, self.scores

        def first(n: int) -> list[tuple[int, float]]:
            chosen = order[:n]
            return list(zip(docnums[chosen].tolist(), scores[chosen].tolist(), strict=True))

        return first

    def without(self, docnums: Iterable[int]) -> Scores:
        """These scores but those of `docnums`."""
        dropped = np.fromiter(docnums, dtype=np.int64)
        if not len(dropped):
            return self
        kept = ~np.isin(self.docnums, dropped)
        return Scores(self.docnums[kept], self.scores[kept])


def score(
    segments: Sequence[tuple[Any, int]],
    size: int,
    planned: Iterable[Planned],
    lengths: Callable[[str], bytes],
    allowed: set[int] | None,
) -> Scores:
    """The scores of the live documents (of `allowed`, when given) that hold a planned
    term, in an index of `size` documents cut into `segments` (reader, first docnum).
    `lengths(field)` gives the index's length bytes of a field, one per document.

    Each term's postings in all segments are scored in one set of array operations:
    a query of 15 words in 5 fields over 16 segments has hundreds of lists, most of a
    few postings, and a numpy call costs microseconds whatever its size.
    """
    total = np.zeros(size)
    matched = np.zeros(size, dtype=bool)
    tables: dict[int, npt.NDArray[np.float64]] = {}  # of each list of norms, by identity
    for field, scale, norms, postings in planned:
        ids, tfs, starts, sizes, counts = [], [], [], [], []
        for (reader, offset), (held, freqs) in zip(segments, postings, strict=True):
            if held:
                ids.append(np.frombuffer(held, dtype=_TYPES[held.typecode]))
                tfs.append(np.frombuffer(freqs, dtype=_TYPES[freqs.typecode]))
                starts.append(offset)
                sizes.append(reader.doc_count_all())
                counts.append(len(held))
        if not ids:
            continue
        local = np.concatenate(ids)
        # Numbered past its segment, a posting would score the next segment's document:
        # damage, as the loop's reading of its length says. (Each list's largest id.)
        counted = np.array(counts, dtype=np.int64)
        if (np.maximum.reduceat(local, np.cumsum(counted) - counted) >= np.array(sizes)).any():
            raise IndexError("a posting names a document past the end of its segment")
        docnums = local + np.repeat(np.array(starts, dtype=np.int64), counted)
        # As doubles before any arithmetic: a float32 array times a Python float
        # stays float32.
        tf = np.concatenate(tfs, dtype=np.float64)
        table = tables.get(id(norms))
        if table is None:
            table = tables[id(norms)] = np.array(norms)
        norm = table.take(np.frombuffer(lengths(field), dtype=np.uint8).take(docnums))
        # The loop's `scale * tf / (tf + norm)`, each operation the same (in place, to
        # spare a temporary array each).
        norm += tf
        tf *= scale
        tf /= norm
        np.add.at(total, docnums, tf)  # a term holds a document once: plain sums
        matched[docnums] = True
    for reader, offset in segments:
        if reader.has_deletions():
            deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
            matched[offset + deleted] = False
    if allowed is not None:
        keep = np.zeros(size, dtype=bool)
        keep[np.fromiter(allowed, dtype=np.int64, count=len(allowed))] = True
        matched &= keep
    docnums = np.flatnonzero(matched)
    return Scores(docnums, total[docnums])
