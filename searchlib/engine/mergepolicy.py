"""Which segments to merge at the end of a run, so that their number grows with the
logarithm of the index's size, not with the number of runs.

Every search looks each of its words up in every segment, and every run adds segments:
one per batch and writing process. Merging only what one run wrote left the segments
of earlier runs alone, and fifteen small runs took an index from 2 segments to 32.

This is Lucene's tiered merge policy in small. A segment's size is its live documents;
segments under `FLOOR` documents count as `FLOOR`. An index of N documents may hold
`PER_TIER` segments in each of as many tiers as N fills, the tiers holding segments
of `FLOOR`, `FLOOR * FACTOR`, `FLOOR * FACTOR**2`, … documents (`allowed`): at most
`PER_TIER * (1 + log_FACTOR(N / FLOOR))`, and never fewer than `PER_TIER`. While an
index holds more, the most even merge is made: of the runs of 2 to `FACTOR` segments
next to each other in size order, the one whose largest segment holds the least share
of the merged documents (the smaller on a near tie). Small segments are merged often,
and cheaply; a large one only with others of its size, so each document is copied
about once per tier it climbs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate

#: Segments under this many documents are merged as if they held this many: a merge of
#: tiny segments costs little, and tiers below it would only add segments.
FLOOR = 100

#: Each tier holds segments this many times as large as the one below, and a merge
#: joins at most this many segments (all of one tier, when they are even).
FACTOR = 10

#: Segments allowed per tier: "a few", so that most runs on a small machine merge
#: nothing (a full Reuters run on two cores leaves 6 segments, within the 12 allowed).
PER_TIER = 5

#: How much a larger merge counts against an even one (Lucene's exponent): between two
#: runs of nearly the same evenness, the one with fewer documents is merged.
_SIZE_WEIGHT = 0.05


def allowed(documents: int) -> int:
    """The number of segments an index of `documents` live documents may hold."""
    count = 0
    size = FLOOR
    left = documents
    while left > 0:
        here = math.ceil(left / size)
        if here <= PER_TIER:
            count += here
            break
        count += PER_TIER
        left -= PER_TIER * size
        size *= FACTOR
    return max(count, PER_TIER)


def plan(sizes: Sequence[int]) -> list[list[int]]:
    """The merges that bring segments of `sizes` live documents within `allowed`.

    Returns groups of positions in `sizes`, each to be merged into one segment, every
    position in at most one group. A merge that joins what an earlier one made joins
    the earlier one's parts instead, so each document is copied once. Segments
    without live documents are left to the caller, which drops them.
    """
    # Each piece: its live documents and the positions of the segments it joins.
    pieces = [(size, [at]) for at, size in enumerate(sizes) if size > 0]
    limit = allowed(sum(size for size, _ in pieces))
    while len(pieces) > limit:
        pieces.sort(key=lambda piece: piece[0])
        start, width = _most_even(pieces)
        run = pieces[start : start + width]
        pieces[start : start + width] = [
            (sum(size for size, _ in run), [at for _, parts in run for at in parts])
        ]
    return [parts for _, parts in pieces if len(parts) > 1]


def _most_even(pieces: list[tuple[int, list[int]]]) -> tuple[int, int]:
    """The start and width of the best run of `pieces` (sorted by size) to merge."""
    floored = list(accumulate((max(size, FLOOR) for size, _ in pieces), initial=0))
    documents = list(accumulate((size for size, _ in pieces), initial=0))
    best: tuple[float, int, int] | None = None
    for width in range(2, min(FACTOR, len(pieces)) + 1):
        for start in range(len(pieces) - width + 1):
            end = start + width
            # Sorted by size, so the run's largest segment is its last.
            skew = max(pieces[end - 1][0], FLOOR) / (floored[end] - floored[start])
            score = skew * (documents[end] - documents[start]) ** _SIZE_WEIGHT
            if best is None or score < best[0]:
                best = (score, start, width)
    assert best is not None  # two pieces at least: there are more than `limit` >= 1
    return best[1], best[2]


#: The fewest documents a merge `balance` splits: about half a minute of one worker's
#: time. Smaller merges are over soon anyway, and a split one is often joined again by
#: a later run's merge, copying its documents once more.
SPLIT_FROM = 50_000


def balance(groups: list[list[int]], sizes: Sequence[int], workers: int) -> list[list[int]]:
    """`groups` from `plan`, shared out among `workers` processes that merge in
    parallel, each taking the next group as it is free: largest first, and a merge of
    `SPLIT_FROM` documents or more that is larger than one worker's share split into
    merges of half its size while the index stays within `allowed`.

    `plan` joins the parts of merges that build on each other, so a large run ends in
    one merge of most of its segments (100 of 148 after a million stories), which one
    worker made alone while the other had long finished. Split, the index ends with a
    segment more, each of half the size, which a later run may merge again: so only a
    merge long enough to keep a worker busy for a while is split.
    """
    docs = [sum(sizes[at] for at in group) for group in groups]
    share = sum(docs) / max(workers, 1)
    count = sum(1 for size in sizes if size > 0) - sum(len(group) - 1 for group in groups)
    limit = allowed(sum(sizes))
    out = list(zip(docs, groups, strict=True))
    while workers > 1 and count < limit and out:
        largest = max(range(len(out)), key=lambda at: out[at][0])
        size, group = out[largest]
        if size <= share or size < SPLIT_FROM or len(group) < 4:
            break
        half, cut = 0, 0
        while cut < len(group) - 2 and half + sizes[group[cut]] <= size / 2:
            half += sizes[group[cut]]
            cut += 1
        cut = max(cut, 2)
        head, tail = group[:cut], group[cut:]
        out[largest : largest + 1] = [
            (sum(sizes[at] for at in head), head),
            (sum(sizes[at] for at in tail), tail),
        ]
        count += 1
    out.sort(key=lambda piece: -piece[0])
    return [group for _, group in out]
