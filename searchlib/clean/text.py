"""Clean scraped plain text: headline first, then a tag line, then paragraphs."""

from __future__ import annotations

import re
from datetime import datetime

from searchlib.clean import rules
from searchlib.clean.dates import parse_date
from searchlib.models import Article

_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u3000]+")
_TAG_ITEM = re.compile(r"^[\w][\w .'’\-]{0,60}$")
#: Control characters, and the invisible ones that sit inside words.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f" + rules.INVISIBLE_CHARS + "]")


def _lines(text: str) -> list[str]:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [_SPACE.sub(" ", line).strip() for line in text.split("\n")]


def _paragraphs(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def is_boilerplate_line(line: str) -> bool:
    """True for a short line that is web furniture (comment prompt, share, copyright...).

    A sentence of the story's that mentions such things ("..., the Oil World newsletter
    said.", "No comment was immediately available.") is prose: see `is_reported_prose`.
    """
    return (
        len(line) <= 200
        and bool(rules.BOILERPLATE_LINE_RE.match(line))
        and not is_reported_prose(line)
    )


def is_reported_prose(line: str) -> bool:
    """A sentence of some length in the third person: the story's text, not the page's
    calls to its reader or its rights notice."""
    text = line.strip()
    return (
        len(text.split()) >= rules.PROSE_WORDS
        and text.endswith((".", "!", "?", "”", "’", '"', "»", "«"))
        and not rules.READER_ADDRESS_RE.search(text)
        and not rules.RIGHTS_NOTICE_RE.search(text)
    )


def _strip_furniture(paragraphs: list[list[str]]) -> list[list[str]]:
    """Drop boilerplate lines and cut the trailer ("Leave a reply", comment prompts...)."""
    out: list[list[str]] = []
    for para in paragraphs:
        kept: list[str] = []
        for line in para:
            if out and len(line) < 120 and rules.TRAILER_START_RE.match(line):
                if kept:
                    out.append(kept)
                return out
            if not is_boilerplate_line(line):
                kept.append(line)
        if kept:
            out.append(kept)
    return out


def clean_body(text: str) -> str:
    """Strip boilerplate lines from a body whose other fields are known.

    Used for records that carry their own title, date and tags: nothing is moved out
    of the body, only web furniture is removed and white space normalised.
    """
    paragraphs = _strip_furniture(_paragraphs(_lines(text)))
    return "\n\n".join("\n".join(p) for p in paragraphs)


def _tag_line(line: str) -> list[str] | None:
    """Return the tags when `line` is a short comma-separated list of names or topics."""
    low = line.lower()
    if low.startswith(("tags:", "tagged:", "topics:", "keywords:")):
        line = line.split(":", 1)[1]
    elif len(line) > 150 or line.endswith((".", "!", "?", ":", ";")):
        return None
    items = [item.strip() for item in re.split(r"\s*[,;|]\s*", line) if item.strip()]
    if len(items) < 2 and not low.startswith(("tags:", "tagged:", "topics:", "keywords:")):
        return None
    if not all(_TAG_ITEM.match(item) and len(item.split()) <= 5 for item in items):
        return None
    return items


def clean_text(text: str) -> Article:
    """Turn scraped plain text into an Article.

    The first non-empty line is the headline; a following short line of comma-separated
    names is read as tags, a "By ..." line as authors and a lone date line as the date;
    the rest are paragraphs, with boilerplate lines and the trailing comment section
    removed. Never raises.
    """
    paragraphs = _strip_furniture(_paragraphs(_lines(text)))
    if not paragraphs:
        return Article()
    first = paragraphs[0]
    title = first[0]
    rest = [first[1:], *paragraphs[1:]] if len(first) > 1 else paragraphs[1:]
    rest = [p for p in rest if p]
    tags: list[str] = []
    authors: list[str] = []
    date = None
    # Up to three short header lines may follow the headline: tags, byline, date.
    for _ in range(3):
        if not rest or len(rest[0]) != 1 or len(rest) < 2:
            break
        line = rest[0][0]
        match = rules.BYLINE_RE.match(line)
        if match and len(line) < 100 and not authors:
            from searchlib.clean.metadata import clean_author

            authors = clean_author(match["names"])
        elif len(line) < 60 and date is None and (parsed := _date_line(line)):
            date = parsed
        elif not tags and (found := _tag_line(line)):
            tags = found
        else:
            break
        rest = rest[1:]
    body = "\n\n".join("\n".join(p) for p in rest)
    return Article(title=title, body=body, date=date, authors=tuple(authors), tags=tuple(tags))


def _date_line(line: str) -> datetime | None:
    if not re.search(r"\d{4}", line) or len(re.findall(r"[A-Za-z]+", line)) > 5:
        return None
    return parse_date(line)
