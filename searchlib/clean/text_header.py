"""Read the header lines of a scraped text: a tag line, a byline, a date line, and a
person's name given without a byline's label."""

from __future__ import annotations

import functools
import re
from datetime import datetime

from searchlib.clean import text_rules
from searchlib.clean.dates import find_date, parse_date, year_only

_TAG_ITEM = re.compile(r"^[\w][\w .'’\-]{0,60}$")
#: Labels that introduce a tag line ("Tags: budget, euro").
_TAG_LABELS = ("tags:", "tagged:", "topics:", "keywords:")


def tag_line(line: str) -> list[str] | None:
    """Return the tags when `line` is a short comma-separated list of names or topics."""
    low = line.lower()
    if low.startswith(_TAG_LABELS):
        line = line.split(":", 1)[1]
    elif len(line) > 150 or line.endswith((".", "!", "?", ":", ";")):
        return None
    items = [item.strip() for item in re.split(r"\s*[,;|]\s*", line) if item.strip()]
    if len(items) < 2 and not low.startswith(_TAG_LABELS):
        return None
    if not all(_TAG_ITEM.match(item) and len(item.split()) <= 5 for item in items):
        return None
    return items


def labelled_meta(text: str) -> bool:
    """A line labelled as a date or a byline that does not parse as one ("Published 29
    February 2023", "Updated 2 hours ago", "by jane roe"): never the headline."""
    return len(text) <= 80 and bool(
        (text_rules.DATE_LABEL_RE.match(text) and re.search(r"\d", text))
        or text_rules.UPDATED_RE.match(text)
        or text_rules.BYLINE_START_RE.match(text)
    )


_NAME = re.compile(r"^[A-ZÀ-Þ][\w.'’-]*(?:\s+[A-ZÀ-Þ][\w.'’-]*){1,3}(?:,\s*[A-Z.]{2,6})*$")


def name_only(text: str) -> bool:
    """A line that is only a person's name ("Dylan Bailey", "Jo Roe, MS, RD")."""
    return bool(_NAME.match(text)) and len(text.split(",")[0].split()) <= 3


_LOWER_WORD = re.compile(r"\b[a-zà-ÿ]{2,}\b")


def common_words(text: str) -> frozenset[str]:
    """The words the text writes in lower case: a person's name is not among them, a
    section's or a category's ("Design Style", "Top Agencies") usually is."""
    words: set[str] = set()
    for token in text.split():
        if "/" not in token and "@" not in token:  # addresses write names in lower case
            words.update(_LOWER_WORD.findall(token))
    return frozenset(words)


def is_person(name: str, common: frozenset[str]) -> bool:
    """Whether `name` is a person's: none of its words is one the text writes in lower case
    (`common`, see `common_words`)."""
    return not any(word.casefold() in common for word in re.findall(r"[^\W\d_]+", name))


def byline(text: str) -> list[str]:
    """The authors a byline line names ("By Jo Roe", "Posted on May 2, 2026 by Jo Roe");
    none when the line is no byline."""
    return list(_byline_names(text))


@functools.lru_cache(maxsize=4096)
def _byline_names(text: str) -> tuple[str, ...]:
    """The authors a byline line names, if it is one."""
    if len(text) > text_rules.MAX_META_LINE or (text.endswith((".", "!", "?")) and len(text) > 60):
        return ()
    text = text_rules.GLUED_BYLINE_RE.sub(r"\1 ", text)
    match = text_rules.BYLINE_LABEL_RE.search(text)
    if match is None or match.start() > 60:
        return ()
    from searchlib.clean.metadata import clean_author

    rest = text_rules.GLUED_LABEL_RE.sub(r"\1 \2", text[match.end() :])
    rest = text_rules.NAMES_END_RE.split(rest, maxsplit=1)[0]
    names = clean_author(rest)
    before = text[: match.start()]
    # What comes before the label is a date or a label ("Posted on May 2, 2026 by Jo
    # Roe", "Post author By Jo Roe"), never the start of a sentence.
    if (
        before.strip(" |·•,;–—-")
        and not find_date(before)
        and not text_rules.DATE_LABEL_RE.match(before)
        and (len(before.split()) > 2 or any(len(name.split()) < 2 for name in names))
    ):
        return ()  # "Research by Topic", "Shop by Style": a menu entry, not a byline
    return tuple(names) if names and all(len(n.split()) <= 4 for n in names) else ()


def titled_name(text: str, common: frozenset[str]) -> list[str]:
    """The author of a byline without a label that gives a job title after the name
    ("Sarah Kim, Staff Writer", "Jo Roe, Redakteurin")."""
    name, comma, title = text.partition(",")
    if (
        comma
        and text_rules.JOB_TITLE_RE.match(title.strip())
        and name_only(name.strip())
        and is_person(name, common)
    ):
        return [name.strip()]
    return []


def dated_name(text: str) -> list[str]:
    """The author a date line names without a byline's label ("Jo Roe am 18. September
    2019", "1. Februar 2022, Jo Roe"): a part of it that is only a person's name."""
    for part in text_rules.DATED_NAME_SPLIT_RE.split(text):
        part = part.strip()
        if (
            len(part.split()) >= 2
            and not re.search(r"\d", part)
            and name_only(part)
            and not text_rules.UI_LINE_RE.match(part)
        ):
            return [part]
    return []


_YEAR = re.compile(r"\d{4}")


@functools.lru_cache(maxsize=4096)
def line_date(text: str) -> datetime | None:
    """The date a date line gives: a short line that is a date, maybe with a label, a
    byline or a time ("Published March 3, 2025", "By Jo Roe | 3 March 2025")."""
    if len(text) > text_rules.MAX_META_LINE:
        return None
    labelled = (
        text_rules.DATE_LABEL_RE.match(text)
        or text_rules.UPDATED_RE.match(text)
        or text_rules.BYLINE_LABEL_RE.search(text)
    )
    if len(text) > 60 and not labelled:
        return None
    # A page's date fields run together in a copy: "June 29, 2020November 12, 2021",
    # "ByJane RoeMar 5, 2025".
    text = text_rules.GLUED_YEAR_RE.sub(r"\1 ", text)
    text = text_rules.GLUED_LABEL_RE.sub(r"\1 \2", text)
    found = find_date(text, short_years=bool(labelled))
    if found is None and len(text) <= 60 and _YEAR.search(text) and not year_only(text):
        # A year alone ("Trends for Fall 2025") would read as 1 January: no date line.
        found = _date_line(text)
    return found


def is_meta(text: str, loose: bool = False) -> bool:
    """Whether a line is a byline or a date line; `loose` also takes a byline whose names
    are not a person's ("By The Currency editors")."""
    if loose and len(text) <= 80 and text_rules.BYLINE_LABEL_RE.match(text):
        return True
    return bool(byline(text)) or line_date(text) is not None


def _date_line(line: str) -> datetime | None:
    """A line of a year and few words, read as a date by the loose parser."""
    if not _YEAR.search(line) or len(re.findall(r"[A-Za-z]+", line)) > 5:
        return None
    return parse_date(line)
