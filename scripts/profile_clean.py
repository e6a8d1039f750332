#!/usr/bin/env python3
"""Dump what the cleaner extracts from every page of an extraction set, and profile it.

    python scripts/profile_clean.py ../shared/data/extraction/wcxb-dev --dump wcxb.jsonl
    python scripts/profile_clean.py DIR --dump after.jsonl --compare before.jsonl
    python scripts/profile_clean.py DIR --profile --limit 200 --top 30

--dump writes one JSON line per page with every field of the Article (headline, body,
date, authors, tags, site, url, language): two dumps of the same set are byte-identical
when a change to the cleaner left its output alone, which is a stricter bar than an
unchanged F1. --compare names the pages whose lines differ from an earlier dump.

--profile runs the cleaning under cProfile and prints the time spent in each phase
(cumulative time of the functions that implement it: parse, tree walk, metadata, pruning
and scoring, container, blocks and body assembly, headline, visible date), then the
costliest functions by their own time. Profiling slows Python code several times more than
C code (lxml), so phase shares are indicative; the plain run prints pages per second.

--floor times, page by page in one run, the parse alone (decoding and the tree, as
`clean_html` does it), the whole cleaning, and trafilatura when installed: pages per
second of the parse alone bound what any cleaner built on BeautifulSoup's tree can reach.

--check-soup compares, page by page, the tree the cleaner builds (searchlib.clean.soup)
with BeautifulSoup(text, "lxml")'s, node by node, and times both.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import json
import pstats
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from searchlib import clean_html
from searchlib.clean import _drop_invisible, close_broken_title
from searchlib.clean.encoding import decode
from searchlib.clean.soup import first_difference, parse, parsed
from searchlib.models import Article

#: Phases and the functions (file fragment, function name) whose cumulative time they are.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("decode and pre-parse fixes", "clean/__init__.py", "close_broken_title"),
    ("decode and pre-parse fixes", "clean/encoding.py", "decode"),
    ("parse (lxml, bs4's tree)", "clean/soup.py", "_build"),
    ("unlinking the tree", "clean/soup.py", "_unlink"),
    ("tree walk", "clean/tree.py", "walk"),
    ("metadata", "clean/metadata.py", "read_meta"),
    ("prune (with scoring)", "clean/prune.py", "__init__"),
    ("container", "clean/container.py", "find_container"),
    ("container", "clean/container.py", "widen_to_main"),
    ("container", "clean/container.py", "lead"),
    ("headline", "clean/titles.py", "pick_headline"),
    ("headline", "clean/html.py", "_navigation"),
    ("body assembly", "clean/body.py", "body_text"),
    ("body assembly", "clean/body.py", "marked_article"),
    ("visible date", "clean/html.py", "_visible_date"),
    ("clean_soup (all after parse)", "clean/html.py", "clean_soup"),
    ("clean_html (all)", "clean/__init__.py", "clean_html"),
)


def pages(folder: Path) -> Iterator[tuple[str, bytes, str]]:
    """(page id, bytes, url) of each page of a set, in the order eval_extraction reads them."""
    if (folder / "evaldata.json").exists():
        data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
        for url, case in data.items():
            path = folder / "eval" / case["file"]
            if not path.exists():
                path = folder / "cache" / case["file"]
            if path.exists():
                yield case["file"], path.read_bytes(), url
    elif (folder / "ground-truth.json").exists():
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        for uuid, case in truth.items():
            path = folder / "original" / f"{uuid}.html"
            if path.exists():
                yield uuid, path.read_bytes(), case.get("url") or ""
    elif (folder / "ground-truth").is_dir():
        for path in sorted((folder / "ground-truth").glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            page = folder / "html" / f"{path.stem}.html.gz"
            if page.exists() and record["ground_truth"].get("main_content"):
                yield path.stem, gzip.decompress(page.read_bytes()), record.get("url") or ""
    else:
        raise SystemExit(f"error: {folder} is not an extraction set")


def line(page: str, article: Article) -> str:
    return json.dumps({"page": page, **article.to_dict()}, ensure_ascii=False, sort_keys=True)


def compare(before: Path, after: Path) -> int:
    """Print the pages whose dumped lines differ; return how many do."""
    old = before.read_text(encoding="utf-8").splitlines()
    new = after.read_text(encoding="utf-8").splitlines()
    if len(old) != len(new):
        print(f"{len(old)} pages before, {len(new)} after")
    changed = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            changed += 1
            x, y = json.loads(a), json.loads(b)
            fields = [k for k in x if x[k] != y.get(k)]
            print(f"  differs: {x['page']} ({', '.join(fields)})")
    print(f"{changed} of {len(new)} pages differ from {before}")
    return changed + abs(len(old) - len(new))


def phase_report(stats: pstats.Stats, top: int) -> None:
    table = stats.stats  # type: ignore[attr-defined]
    total = next(
        (
            v[3]
            for (f, _, n), v in table.items()
            if f.endswith("clean/__init__.py") and n == "clean_html"
        ),
        0.0,
    )
    print(f"\n{'phase':<32} {'seconds':>8} {'share':>6}")
    sums: dict[str, float] = {}
    for phase, fragment, name in PHASES:
        for (file, _, func), value in table.items():
            if func == name and file.endswith(fragment):
                sums[phase] = sums.get(phase, 0.0) + value[3]
    for phase, seconds in sums.items():
        print(f"{phase:<32} {seconds:>8.2f} {seconds / max(total, 1e-9):>6.1%}")
    print()
    stats.sort_stats("tottime").print_stats(top)


def parse_only(html: bytes, url: str) -> int:
    """What `clean_html` does before it cleans: decode, the pre-parse fixes, the parse."""
    text = close_broken_title(_drop_invisible(decode(html)))
    gc.disable()
    try:
        with parsed(text) as soup:  # as clean_html does: the tree is freed in the page's time
            return len(soup.contents)
    finally:
        gc.enable()
        gc.collect(0)


def trafilatura_run() -> Callable[[bytes, str], object] | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(html: bytes, url: str) -> object:
        return trafilatura.bare_extraction(
            html, url=url, include_comments=False, with_metadata=True
        )

    return run


def floor(loaded: list[tuple[str, bytes, str]]) -> None:
    """Print pages per second of the parse alone, the cleaner and trafilatura, timed page
    by page in turn so that the machine's load weighs on all three alike."""
    runs: dict[str, Callable[[bytes, str], object]] = {
        "parse only": parse_only,
        "searchlib": lambda html, url: clean_html(html, url=url),
    }
    baseline = trafilatura_run()
    if baseline is not None:
        runs["trafilatura"] = baseline
    seconds = dict.fromkeys(runs, 0.0)
    for _, html, url in loaded:
        for name, run in runs.items():
            start = time.perf_counter()
            run(html, url)
            seconds[name] += time.perf_counter() - start
    rate = {name: len(loaded) / max(s, 1e-9) for name, s in seconds.items()}
    for name in runs:
        line = f"{name:<12} {rate[name]:>7.1f} pages/s"
        if baseline is not None and name != "trafilatura":
            line += f"  {rate[name] / rate['trafilatura']:.2f}x trafilatura"
        print(line)
    print(f"parse share of the cleaner's time: {seconds['parse only'] / seconds['searchlib']:.0%}")


def check_soup(loaded: list[tuple[str, bytes, str]]) -> int:
    """Compare the cleaner's tree with bs4's own on every page; 1 if any differs."""
    from bs4 import BeautifulSoup

    differ = 0
    seconds = {"bs4": 0.0, "searchlib": 0.0}
    for page, html, _ in loaded:
        text = close_broken_title(_drop_invisible(decode(html)))
        gc.disable()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            try:
                theirs: BeautifulSoup | None = BeautifulSoup(text, "lxml")
            except Exception:  # the cleaner falls back to the page's text: so must ours
                theirs = None
            middle = time.perf_counter()
            try:
                ours: BeautifulSoup | None = parse(text)
            except Exception:
                ours = None
            seconds["searchlib"] += time.perf_counter() - middle
            seconds["bs4"] += middle - start
        if theirs is None or ours is None:
            difference = None if theirs is ours else "only one parse failed"
        else:
            difference = first_difference(ours, theirs)
        if difference:
            differ += 1
            print(f"{page}: {difference[:300]}")
        del ours, theirs
        gc.enable()
        gc.collect()
    rates = {name: len(loaded) / max(s, 1e-9) for name, s in seconds.items()}
    print(
        f"{len(loaded)} pages, {differ} with a different tree; pages/s: bs4 {rates['bs4']:.1f},"
        f" searchlib {rates['searchlib']:.1f} ({rates['searchlib'] / rates['bs4']:.2f}x)"
    )
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="trafilatura-eval, l3s-gn1 or wcxb-dev folder")
    parser.add_argument("--dump", type=Path, help="write each page's Article as JSON lines")
    parser.add_argument("--compare", type=Path, help="a dump to compare --dump with")
    parser.add_argument("--profile", action="store_true", help="profile the phases")
    parser.add_argument("--top", type=int, default=25, help="functions listed by --profile")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument(
        "--floor", action="store_true", help="parse alone vs cleaner vs trafilatura"
    )
    parser.add_argument(
        "--check-soup", action="store_true", help="the cleaner's tree against bs4's, node by node"
    )
    args = parser.parse_args()
    if args.compare and not args.dump:
        parser.error("--compare needs --dump")
    loaded = list(pages(args.folder))[: args.limit]
    if args.floor:
        floor(loaded)
        return 0
    if args.check_soup:
        return check_soup(loaded)
    profiler = cProfile.Profile() if args.profile else None
    lines: list[str] = []
    seconds = 0.0
    for page, html, url in loaded:
        start = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        article = clean_html(html, url=url)
        if profiler is not None:
            profiler.disable()
        seconds += time.perf_counter() - start
        lines.append(line(page, article))
    print(f"{len(loaded)} pages in {seconds:.1f} s: {len(loaded) / max(seconds, 1e-9):.1f} pages/s")
    if args.dump:
        args.dump.write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
    if profiler is not None:
        phase_report(pstats.Stats(profiler), args.top)
    if args.compare:
        return 1 if compare(args.compare, args.dump) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
