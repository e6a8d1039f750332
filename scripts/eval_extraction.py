#!/usr/bin/env python3
"""Score the cleaner on pages with known article text, beside trafilatura when installed.

    python scripts/eval_extraction.py ../shared/data/extraction/trafilatura-eval
    python scripts/eval_extraction.py ../shared/data/extraction/l3s-gn1
    python scripts/eval_extraction.py DIR --limit 100 --no-baseline --show-misses 5

trafilatura-eval: the snippet method of its authors ("with" snippets found = TP, missing
= FN; "without" snippets found = FP, missing = TN; micro-summed), plus title, date and
author accuracy against evaldata.json. L3S-GN1: precision, recall and F1 over the words
of the labelled full text (headline excluded; non-ASCII folded to "?" as the annotation
does), and the share of pages where labelled comments or related content leak in.
Speed is pages per second on one core, cleaning only (files are read beforehand).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from searchlib import clean_html


@dataclass
class Extracted:
    body: str
    title: str = ""
    date: str = ""
    authors: tuple[str, ...] = ()


Extractor = Callable[[bytes, str], Extracted]


def ours(html: bytes, url: str) -> Extracted:
    article = clean_html(html, url=url)
    date = article.date.strftime("%Y-%m-%d") if article.date else ""
    return Extracted(article.body, article.title, date, article.authors)


def trafilatura_extractor() -> Extractor | None:
    try:
        import trafilatura
    except ImportError:
        return None

    def run(html: bytes, url: str) -> Extracted:
        doc = trafilatura.bare_extraction(html, url=url, include_comments=False, with_metadata=True)
        if doc is None:
            return Extracted("")
        get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
        authors = tuple(a.strip() for a in (get("author") or "").split(";") if a.strip())
        return Extracted(get("text") or "", get("title") or "", get("date") or "", authors)

    return run


def norm(text: str) -> str:
    """Visible text with white space collapsed: soft hyphens are invisible, and the
    labelled snippets keep them on some pages and not on others."""
    return " ".join(text.replace("\u00ad", "").split())


@dataclass
class Tally:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    seconds: float = 0.0
    pages: int = 0
    meta: Counter[str] = field(default_factory=Counter)
    meta_total: Counter[str] = field(default_factory=Counter)
    leaks: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / max(self.tp + self.fp, 1)
        r = self.tp / max(self.tp + self.fn, 1)
        return p, r, 2 * p * r / max(p + r, 1e-9)


def _names(values: tuple[str, ...] | str) -> set[str]:
    if isinstance(values, str):
        values = tuple(re.split(r";|,| and ", values))
    return {norm(v).casefold() for v in values if norm(v)}


def _time(extract: Extractor, html: bytes, url: str, tally: Tally) -> Extracted:
    start = time.perf_counter()
    try:
        result = extract(html, url)
    except Exception as exc:
        print(f"  error on {url}: {exc}", file=sys.stderr)
        result = Extracted("")
    tally.seconds += time.perf_counter() - start
    tally.pages += 1
    return result


def trafilatura_eval(
    folder: Path, extractors: dict[str, Extractor], limit: int | None, show: int
) -> dict[str, Tally]:
    data = json.loads((folder / "evaldata.json").read_text(encoding="utf-8"))
    tallies = {name: Tally() for name in extractors}
    items = list(data.items())[:limit]
    for url, case in items:
        path = folder / "eval" / case["file"]
        if not path.exists():
            path = folder / "cache" / case["file"]
        if not path.exists():
            continue
        html = path.read_bytes()
        for name, extract in extractors.items():
            tally = tallies[name]
            got = _time(extract, html, url, tally)
            text = norm(got.body)
            for snippet in case["with"]:
                if norm(snippet) in text:
                    tally.tp += 1
                else:
                    tally.fn += 1
                    if len(tally.misses) < show:
                        tally.misses.append(f"MISSED {case['file']}: {snippet[:80]!r}")
            for snippet in case["without"]:
                if norm(snippet) in text:
                    tally.fp += 1
                    if len(tally.misses) < 2 * show:
                        tally.misses.append(f"LEAKED {case['file']}: {snippet[:80]!r}")
                else:
                    tally.tn += 1
            if case.get("title"):
                tally.meta_total["title"] += 1
                tally.meta["title"] += norm(got.title).casefold() == norm(case["title"]).casefold()
            if case.get("date"):
                tally.meta_total["date"] += 1
                tally.meta["date"] += got.date[:10] == case["date"][:10]
            if case.get("author"):
                tally.meta_total["author"] += 1
                tally.meta["author"] += _names(got.authors) == _names(case["author"])
    return tallies


_WORD = re.compile(r"[\w?]+")


def _gn1_words(text: str) -> list[str]:
    folded = "".join(c if ord(c) < 128 else "?" for c in text)
    return [w.lower() for w in _WORD.findall(folded)]


def _leaks(body: str, labelled: str, article: str) -> bool:
    """Whether a line of `labelled` text (8+ words) is in the body. A line that is also
    in the labelled article (a comment quoting the story) is not a leak."""
    folded = norm("".join(c if ord(c) < 128 else "?" for c in body))
    article = norm(article)
    for line in labelled.split("\n"):
        line = norm(line)
        if len(line.split()) >= 8 and line in folded and line not in article:
            return True
    return False


def l3s_eval(
    folder: Path, extractors: dict[str, Extractor], limit: int | None, show: int
) -> dict[str, Tally]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    tallies = {name: Tally() for name in extractors}
    for uuid, case in list(truth.items())[:limit]:
        path = folder / "original" / f"{uuid}.html"
        if not path.exists():
            continue
        html = path.read_bytes()
        gold = Counter(_gn1_words(case["fulltext"]))
        for name, extract in extractors.items():
            tally = tallies[name]
            got = _time(extract, html, case.get("url") or "", tally)
            words = Counter(_gn1_words(got.body))
            overlap = sum((words & gold).values())
            tally.tp += overlap
            tally.fp += sum(words.values()) - overlap
            tally.fn += sum(gold.values()) - overlap
            if case.get("comments"):
                tally.meta_total["comments"] += 1
                if _leaks(got.body, case["comments"], case["fulltext"]):
                    tally.leaks["comments"] += 1
                    if len(tally.misses) < show:
                        tally.misses.append(f"COMMENTS LEAK {uuid}")
            if case.get("related"):
                tally.meta_total["related"] += 1
                if _leaks(got.body, case["related"], case["fulltext"]):
                    tally.leaks["related"] += 1
            if case.get("headline"):
                tally.meta_total["title"] += 1
                tally.meta["title"] += norm(got.title).casefold() == norm(
                    case["headline"]
                ).casefold().replace("?", "?")
    return tallies


def report(name_of_set: str, tallies: dict[str, Tally]) -> None:
    print(f"\n{name_of_set}")
    header = (
        f"{'extractor':<12} {'pages':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'pages/s':>8}"
    )
    keys = sorted({k for t in tallies.values() for k in t.meta_total})
    header += "".join(f" {k:>9}" for k in keys)
    print(header)
    for name, tally in tallies.items():
        p, r, f = tally.prf()
        rate = tally.pages / max(tally.seconds, 1e-9)
        line = f"{name:<12} {tally.pages:>5} {p:>9.3f} {r:>7.3f} {f:>6.3f} {rate:>8.1f}"
        for key in keys:
            total = tally.meta_total[key]
            if key in ("comments", "related"):
                line += f" {tally.leaks[key]:>4}/{total:<4}"
            else:
                line += f" {tally.meta[key] / max(total, 1):>9.3f}"
        print(line)
    names = list(tallies)
    if len(names) == 2:
        a, b = (tallies[n] for n in names)
        print(
            f"ratios {names[0]}/{names[1]}: F1 {a.prf()[2] / max(b.prf()[2], 1e-9):.3f}, "
            f"speed {(a.pages / max(a.seconds, 1e-9)) / max(b.pages / max(b.seconds, 1e-9), 1e-9):.2f}x"
        )
    if any(k in ("comments", "related") for k in keys):
        print(
            "(comments, related: pages where labelled text leaked into the body / pages that have it)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="trafilatura-eval or l3s-gn1 folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--no-baseline", action="store_true", help="skip trafilatura")
    parser.add_argument("--show-misses", type=int, default=0, help="print N missed/leaked snippets")
    args = parser.parse_args()
    extractors: dict[str, Extractor] = {"searchlib": ours}
    baseline = None if args.no_baseline else trafilatura_extractor()
    if baseline is not None:
        extractors["trafilatura"] = baseline
    elif not args.no_baseline:
        print(
            "trafilatura is not installed (pip install '.[eval]'): scoring searchlib alone",
            file=sys.stderr,
        )
    if (args.folder / "evaldata.json").exists():
        tallies = trafilatura_eval(args.folder, extractors, args.limit, args.show_misses)
        report(f"trafilatura-eval ({args.folder})", tallies)
    elif (args.folder / "ground-truth.json").exists():
        tallies = l3s_eval(args.folder, extractors, args.limit, args.show_misses)
        report(f"L3S-GN1 ({args.folder})", tallies)
    else:
        print(
            f"error: {args.folder} holds neither evaldata.json nor ground-truth.json",
            file=sys.stderr,
        )
        return 2
    for name, tally in tallies.items():
        for line in tally.misses:
            print(f"  [{name}] {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
