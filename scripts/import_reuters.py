#!/usr/bin/env python3
"""Convert Reuters-21578 (SGML, latin-1) into JSON-lines records for searchlib.

    python scripts/import_reuters.py ../shared/data/corpora/reuters21578 reuters.jsonl
    python scripts/import_reuters.py ../shared/data/corpora/reuters21578 reuters10x.jsonl --scale 10

Each story with text becomes {"id", "title", "date", "body", "source", "tags"}; tags are
its TOPICS, PLACES, PEOPLE, ORGS and EXCHANGES. Headlines are kept as written (upper
case); the date is the DATE field's leading stamp, whatever follows it. With --scale N
the output holds N times as many records: the originals, then synthetic stories made by
sampling and recombining Reuters paragraphs (seeded, so the same N gives the same
corpus), for scaling runs.
Streams file by file and record by record.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

_RECORD = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')
_DATE = re.compile(r"<DATE>(.*?)</DATE>", re.S)
_TITLE = re.compile(r"<TITLE>(.*?)</TITLE>", re.S)
_BODY = re.compile(r"<BODY>(.*?)(?:</BODY>|$)", re.S)
_TEXT = re.compile(r"<TEXT\b[^>]*>(.*?)</TEXT>", re.S)
_LIST = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S)
    for name in ("TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES")
}
_ITEM = re.compile(r"<D>(.*?)</D>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _clean(text: str) -> str:
    text = html.unescape(_TAG.sub(" ", text))
    text = re.sub(r"[\x00-\x08\x0b-\x1f]", "", text)
    text = re.sub(r"\s*\bReuter\s*$", "", text.strip())
    # Paragraphs are indented lines; keep them, unwrap the hard line breaks inside.
    paragraphs = re.split(r"\n\s{2,}", text)
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


#: The leading date and time of a DATE field. 329 fields carry bytes after the time
#: ("27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM", control codes and a desk code), and some
#: have two spaces before the time; only the leading stamp is the date.
_STAMP = re.compile(r"\s*(\d{1,2}-[A-Za-z]{3}-\d{4})\s+(\d{1,2}:\d{2}:\d{2})(\.\d{1,6})?")


def _date(raw: str) -> str | None:
    """The ISO date of a DATE field, from its leading stamp; None when there is none."""
    found = _STAMP.match(raw)
    if found is None:
        return None
    day, clock, fraction = found.groups()
    try:
        when = datetime.strptime(f"{day} {clock}", "%d-%b-%Y %H:%M:%S")
    except ValueError:
        return None
    if fraction:
        when = when.replace(microsecond=int(fraction[1:].ljust(6, "0")))
    return when.isoformat()


def stories(folder: Path) -> Iterator[dict[str, object]]:
    """Reuters stories that have text, in file order."""
    for path in sorted(folder.glob("reut2-*.sgm")):
        data = path.read_text(encoding="latin-1")
        for attrs, inner in _RECORD.findall(data):
            newid = _NEWID.search(attrs)
            text = _TEXT.search(inner)
            if not newid or not text:
                continue
            title_match = _TITLE.search(text.group(1))
            body_match = _BODY.search(text.group(1))
            title = _clean(title_match.group(1)) if title_match else ""
            body = _clean(body_match.group(1)) if body_match else ""
            if not body and not title:
                if 'TYPE="UNPROC"' in text.group(0):
                    body = _clean(text.group(1))
                else:
                    continue
            tags: list[str] = []
            for pattern in _LIST.values():
                found = pattern.search(inner)
                if found:
                    tags += [item.strip() for item in _ITEM.findall(found.group(1)) if item.strip()]
            date_match = _DATE.search(inner)
            yield {
                "id": f"reuters-{newid.group(1)}",
                # As written: Reuters headlines are upper case, and str.title() made
                # "FED'S" "Fed'S", "3RD" "3Rd" and "USDA" "Usda". Search folds case.
                "title": title,
                "date": _date(date_match.group(1)) if date_match else None,
                "body": body,
                "source": "Reuters",
                "tags": tags,
            }


def synthetic(folder: Path, count: int, seed: int = 21578) -> Iterator[dict[str, object]]:
    """`count` stories recombined from Reuters paragraphs and titles (deterministic).

    Holds one pool of paragraphs (a few MB) to sample from; the output is streamed.
    """
    rng = random.Random(seed)
    paragraphs: list[str] = []
    titles: list[str] = []
    tag_sets: list[list[str]] = []
    dates: list[str | None] = []
    for story in stories(folder):
        paragraphs += [p for p in str(story["body"]).split("\n\n") if p]
        titles.append(str(story["title"]))
        tag_sets.append(list(story["tags"]))  # type: ignore[arg-type]
        dates.append(story["date"])  # type: ignore[arg-type]
    for number in range(count):
        size = rng.randint(2, 8)
        body = "\n\n".join(rng.choice(paragraphs) for _ in range(size))
        pick = rng.randrange(len(titles))
        yield {
            "id": f"synthetic-{number + 1}",
            "title": titles[pick],
            "date": dates[rng.randrange(len(dates))],
            "body": body,
            "source": "Reuters (recombined)",
            "tags": tag_sets[pick],
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="the reuters21578 folder")
    parser.add_argument("output", type=Path, help="JSON-lines file to write")
    parser.add_argument(
        "--scale", type=int, default=1, help="write N times as many records (default 1)"
    )
    args = parser.parse_args()
    if not list(args.folder.glob("reut2-*.sgm")):
        print(f"error: no reut2-*.sgm files in {args.folder}", file=sys.stderr)
        return 2
    written = 0
    with args.output.open("w", encoding="utf-8") as out:
        for story in stories(args.folder):
            out.write(json.dumps(story, ensure_ascii=False) + "\n")
            written += 1
        originals = written
        if args.scale > 1:
            for story in synthetic(args.folder, originals * (args.scale - 1)):
                out.write(json.dumps(story, ensure_ascii=False) + "\n")
                written += 1
    print(f"{written} records ({originals} stories) -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
