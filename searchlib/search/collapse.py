"""Fold near-identical stories (syndicated copies, a page saved twice) into one hit.

Stories are compared by the SimHash of their opening (`documents.simhash`): copies
differ in a few of its 64 bits, unrelated stories in about 32.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: Near-duplicates differ in at most this many of their 64 SimHash bits (unrelated
#: stories differ in about 32; a copy with a changed sentence or credit line in 2 to 5).
DUPLICATE_BITS = 6

#: The 64 bits cut into DUPLICATE_BITS + 1 bands: two prints within DUPLICATE_BITS of
#: each other differ in at most that many bands, so they agree on at least one, and
#: only stories that share a band need comparing.
_BANDS = tuple(
    (start, (1 << (end - start)) - 1)
    for start, end in zip(
        [64 * i // (DUPLICATE_BITS + 1) for i in range(DUPLICATE_BITS + 1)],
        [64 * (i + 1) // (DUPLICATE_BITS + 1) for i in range(DUPLICATE_BITS + 1)],
        strict=True,
    )
)

#: A story kept as a hit: (docnum, score, the docnums of its copies).
Group = tuple[int, float, list[int]]


class Collapser:
    """Groups ranked stories as they arrive: each story joins the first kept story
    within DUPLICATE_BITS of it, or is kept itself (always, without a fingerprint).

    The groups of a list's first n stories are those of the whole list cut there, so a
    result list can be collapsed a window at a time and paged consistently.
    """

    def __init__(self, fingerprints: Callable[[int], Any]) -> None:
        self.fingerprints = fingerprints
        self.groups: list[Group] = []
        self._prints: list[int] = []
        self._buckets: list[dict[int, list[int]]] = [{} for _ in _BANDS]

    def add(self, ranked: Iterable[tuple[int, float]]) -> None:
        """Fold more stories, in rank order, into the groups."""
        groups, prints, buckets = self.groups, self._prints, self._buckets
        fingerprints = self.fingerprints
        for docnum, score in ranked:
            mine = fingerprints(docnum) or 0
            if not mine:
                # No fingerprint: a story without words, or a damaged column, whose
                # zeros would make every such story a copy of the others.
                groups.append((docnum, score, []))
                prints.append(0)
                continue
            keys = [(mine >> start) & mask for start, mask in _BANDS]
            first = -1
            for bucket, key in zip(buckets, keys, strict=True):
                found = bucket.get(key)
                if found is None:
                    continue
                for index in found:
                    if (first < 0 or index < first) and (
                        mine ^ prints[index]
                    ).bit_count() <= DUPLICATE_BITS:
                        first = index
            if first >= 0:
                groups[first][2].append(docnum)
                continue
            index = len(groups)
            groups.append((docnum, score, []))
            prints.append(mine)
            for bucket, key in zip(buckets, keys, strict=True):
                found = bucket.get(key)
                if found is None:
                    bucket[key] = [index]
                else:
                    found.append(index)


def collapse(
    ranked: Iterable[tuple[int, float]], fingerprints: Callable[[int], Any]
) -> list[Group]:
    """Keep the first of each group of near-identical stories, noting the others."""
    collapser = Collapser(fingerprints)
    collapser.add(ranked)
    return collapser.groups
