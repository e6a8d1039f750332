#!/usr/bin/env python3
"""Score the cleaner on pages with known article text, beside trafilatura when installed.

    python scripts/eval_extraction.py ../shared/data/extraction/trafilatura-eval
    python scripts/eval_extraction.py ../shared/data/extraction/l3s-gn1
    python scripts/eval_extraction.py ../shared/data/extraction/wcxb-dev
    python scripts/eval_extraction.py DIR --limit 100 --no-baseline --show-misses 5
    python scripts/eval_extraction.py ../shared/data/extraction/wcxb-dev --half even

trafilatura-eval: the snippet method of its authors ("with" snippets found = TP, missing
= FN; "without" snippets found = FP, missing = TN; micro-summed), plus title, date and
author accuracy against evaldata.json. L3S-GN1: precision, recall and F1 over the words
of the labelled full text (headline excluded; non-ASCII folded to "?" as the annotation
does), and the share of pages where labelled comments or related content leak in.
WCXB (wcxb-dev): as the benchmark scores it, 4-gram word shingles of `main_content`
against the extracted text, precision and recall per page averaged over pages (F1 is the
mean of the per-page F1), the share of `with` snippets found and of `without` snippets
leaked, and title and publication date accuracy.
On every set, headlines that hold markup ('<'), run over 300 characters, or are empty
are counted: the cleaner promises none of the first two.
Speed is pages per second on one core, cleaning only (files are read beforehand).
"""

from __future__ import annotations

import argparse
import gzip
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
    # Per-page precision, recall and F1, for sets scored page by page (WCXB).
    pages_prf: list[tuple[float, float, float]] = field(default_factory=list)
    bad_titles: Counter[str] = field(default_factory=Counter)
    # One line per page for --dump: what was extracted beside what is labelled.
    records: list[dict[str, str]] = field(default_factory=list)

    def record(self, page: str, got: Extracted, title: str, date: str) -> None:
        self.records.append(
            {"page": page, "title": got.title, "date": got.date, "gold_title": title,
             "gold_date": date, "body_start": got.body[:200]}
        )  # fmt: skip

    def score(self, f1: float) -> None:
        """The last recorded page's body F1, for comparing runs page by page."""
        self.records[-1]["f1"] = f"{f1:.4f}"

    def check_title(self, title: str) -> None:
        """Count a headline that holds markup, is over-long, or is empty."""
        self.bad_titles["markup"] += "<" in title
        self.bad_titles["long"] += len(title) > 300
        self.bad_titles["empty"] += not title.strip()

    def prf(self) -> tuple[float, float, float]:
        if self.pages_prf:
            n = len(self.pages_prf)
            p, r, f = (sum(page[i] for page in self.pages_prf) / n for i in range(3))
            return p, r, f
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
    tally.check_title(result.title)
    return result


#: Typographic quotes and dashes, which labelled titles often type plainly.
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _same_title(got: str, want: str) -> bool:
    return norm(got).casefold().translate(_PLAIN) == norm(want).casefold().translate(_PLAIN)


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
            tally.record(case["file"], got, case.get("title") or "", case.get("date") or "")
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
                tally.meta["title"] += _same_title(got.title, case["title"])
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
            tally.record(uuid, got, case.get("headline") or "", "")
            words = Counter(_gn1_words(got.body))
            overlap = sum((words & gold).values())
            tally.tp += overlap
            tally.fp += sum(words.values()) - overlap
            tally.fn += sum(gold.values()) - overlap
            p, r = overlap / max(sum(words.values()), 1), overlap / max(sum(gold.values()), 1)
            tally.score(2 * p * r / (p + r) if p + r else 0.0)
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
                # The annotation writes non-ASCII characters as "?": fold ours alike.
                folded = "".join(c if ord(c) < 128 else "?" for c in got.title)
                tally.meta["title"] += _same_title(folded, case["headline"])
    return tallies


_SHINGLE_WORD = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = _SHINGLE_WORD.findall(text.casefold())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def wcxb_eval(
    folder: Path,
    extractors: dict[str, Extractor],
    limit: int | None,
    show: int,
    half: str | None = None,
) -> dict[str, Tally]:
    tallies = {name: Tally() for name in extractors}
    paths = sorted((folder / "ground-truth").glob("*.json"))
    if half is not None:
        # One half to develop rules on, the other to confirm they were not fitted to it.
        parity = ("even", "odd").index(half)
        paths = [p for p in paths if p.stem.isdigit() and int(p.stem) % 2 == parity]
    for path in paths[:limit]:
        record = json.loads(path.read_text(encoding="utf-8"))
        case = record["ground_truth"]
        page = folder / "html" / f"{path.stem}.html.gz"
        if not page.exists() or not case.get("main_content"):
            continue
        html = gzip.decompress(page.read_bytes())
        gold = _shingles(case["main_content"])
        for name, extract in extractors.items():
            tally = tallies[name]
            got = _time(extract, html, record.get("url") or "", tally)
            tally.record(path.stem, got, case["title"], case.get("publish_date") or "")
            mine = _shingles(got.body)
            common = len(mine & gold)
            p = common / len(mine) if mine else 0.0
            r = common / len(gold) if gold else 0.0
            tally.pages_prf.append((p, r, 2 * p * r / (p + r) if p + r else 0.0))
            tally.score(tally.pages_prf[-1][2])
            text = norm(got.body)
            for snippet in case.get("with") or []:
                found = norm(snippet) in text
                tally.tp += found
                tally.fn += not found
            for snippet in case.get("without") or []:
                found = norm(snippet) in text
                tally.fp += found
                tally.tn += not found
            if case.get("title"):
                tally.meta_total["title"] += 1
                right = _same_title(got.title, case["title"])
                tally.meta["title"] += right
                if not right and len(tally.misses) < show:
                    tally.misses.append(
                        f"TITLE {path.stem}: {got.title[:80]!r} != {case['title'][:80]!r}"
                    )
            if case.get("publish_date"):
                tally.meta_total["date"] += 1
                right = got.date[:10] == case["publish_date"][:10]
                tally.meta["date"] += right
                if not right and len(tally.misses) < 2 * show:
                    tally.misses.append(
                        f"DATE {path.stem}: {got.date!r} != {case['publish_date']!r}"
                    )
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
    for name, tally in tallies.items():
        bad = tally.bad_titles
        print(
            f"{name:<12} headlines with markup {bad['markup']}, over 300 characters "
            f"{bad['long']}, empty {bad['empty']}"
        )
        if tally.pages_prf:
            snippets_in = tally.tp / max(tally.tp + tally.fn, 1)
            snippets_out = tally.fp / max(tally.fp + tally.tn, 1)
            print(
                f"{name:<12} with-snippets found {snippets_in:.3f}, "
                f"without-snippets leaked {snippets_out:.3f}"
            )
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
    parser.add_argument("folder", type=Path, help="trafilatura-eval, l3s-gn1 or wcxb-dev folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--no-baseline", action="store_true", help="skip trafilatura")
    parser.add_argument(
        "--dump",
        type=Path,
        default=None,
        help="write each page's headline, date and body F1 as JSON lines",
    )
    parser.add_argument(
        "--half",
        choices=("even", "odd"),
        default=None,
        help="wcxb-dev: only the even- or odd-numbered pages",
    )
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
    elif (args.folder / "ground-truth").is_dir():
        tallies = wcxb_eval(args.folder, extractors, args.limit, args.show_misses, args.half)
        report(f"WCXB, 4-gram shingles per page ({args.folder})", tallies)
    else:
        print(
            f"error: {args.folder} holds none of evaldata.json, ground-truth.json, ground-truth/",
            file=sys.stderr,
        )
        return 2
    for name, tally in tallies.items():
        for line in tally.misses:
            print(f"  [{name}] {line}")
    if args.dump is not None:
        with args.dump.open("w", encoding="utf-8") as out:
            for name, tally in tallies.items():
                for row in tally.records:
                    out.write(json.dumps({"extractor": name, **row}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
