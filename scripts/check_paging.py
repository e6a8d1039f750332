#!/usr/bin/env python3
"""Page through whole result lists of an index and compare them with one unpaged list.

    python scripts/check_paging.py INDEX                 # the default queries
    python scripts/check_paging.py INDEX "federal reserve" '"louvre accord" dollar'

For each query, with copies collapsed and not, by relevance, by date and with
recency, every page is fetched by following `Results.next_offset` and the pages joined;
the joined list must equal the unpaged list, hold no id twice, and every page must
report the same total. Prints one line per combination and exits 1 if any differs.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from searchlib import Index

QUERIES = [
    '"Louvre accord" dollar',
    "federal reserve",
    "opec oil price",
    "-oil gas",
    "title:bundesbank",
    "volcker",
    "crude*",
    "coffee brazil quota",
]

VARIANTS: list[dict[str, Any]] = [
    {"collapse": True},
    {"collapse": False},
    {"collapse": True, "sort": "date"},
    {"collapse": False, "sort": "oldest"},
    {"collapse": True, "half_life_days": 30.0},
]


def check(ix: Index, query: str, options: dict[str, Any], page_size: int) -> bool:
    start = time.perf_counter()
    whole = ix.search(query, limit=1_000_000, snippets=False, **options)
    unpaged = time.perf_counter() - start
    paged: list[str] = []
    offset: int | None = 0
    pages = 0
    totals = set()
    start = time.perf_counter()
    while offset is not None:
        page = ix.search(query, limit=page_size, offset=offset, snippets=False, **options)
        paged += [hit.id for hit in page]
        totals.add((page.total, page.total_is_estimate))
        offset = page.next_offset
        pages += 1
    per_page = (time.perf_counter() - start) / pages
    same = paged == [hit.id for hit in whole] and len(paged) == len(set(paged))
    label = " ".join(f"{k}={v}" for k, v in options.items())
    print(
        f"{'ok  ' if same else 'DIFF'} {query!r:26} {label:38} stories={len(whole):5} "
        f"matches={whole.matches:5} pages={pages:4} totals shown={sorted(totals)[:2]} "
        f"unpaged {unpaged * 1000:.0f} ms, a page {per_page * 1000:.1f} ms"
    )
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index", help="an index folder")
    parser.add_argument("queries", nargs="*", help="queries (default: a fixed Reuters set)")
    parser.add_argument("--page-size", type=int, default=0, help="default: a 40th of the list")
    args = parser.parse_args()
    failures = 0
    with Index.open(args.index) as ix:
        for query in args.queries or QUERIES:
            for options in VARIANTS:
                size = args.page_size or max(
                    7, ix.search(query, limit=1, snippets=False, **options).matches // 40
                )
                failures += not check(ix, query, options, size)
    print(f"{failures} differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
