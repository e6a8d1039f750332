"""Filters on publication date and metadata, and the date values users give for them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from whoosh import query as wq

from searchlib.errors import QueryError
from searchlib.search.query import analyze

#: What a date bound may be given as: a date, a datetime, or an ISO 8601 string, also
#: partial ("2024", "2024-03").
DateLike = str | date | datetime

_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _naive_utc(moment: datetime) -> datetime:
    """Stored dates are naive UTC; an aware datetime is compared as its UTC time."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def date_period(value: DateLike) -> tuple[datetime, datetime]:
    """The first and last moments a date value stands for: "2024" is the whole year,
    "2024-03" the month, a date or "2024-03-05" the day, a datetime that moment (at
    midnight, the day: a date written as a datetime, as `datetime(2024, 3, 5)`).

    Raises:
        QueryError: the value is not a date (or lies outside the years 1 to 9999).
    """
    try:
        return _period(value)
    except (ValueError, OverflowError):
        raise QueryError(
            f"{value!r} is not a date: use YYYY, YYYY-MM, YYYY-MM-DD or an ISO 8601 time"
        ) from None


def _period(value: DateLike) -> tuple[datetime, datetime]:
    if isinstance(value, datetime):
        moment = _naive_utc(value)
        if moment.time() != datetime.min.time():
            return moment, moment
        value = moment.date()
    if isinstance(value, date):
        start = datetime(value.year, value.month, value.day)
        try:
            return start, start + timedelta(days=1, microseconds=-1)
        except OverflowError:  # 31 December 9999
            return start, datetime.max
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    found = _PARTIAL.fullmatch(text)
    if found is None:
        return _period(datetime.fromisoformat(text))
    year, month, day = (int(part) if part else None for part in found.groups())
    assert year is not None
    if month is None:
        return datetime(year, 1, 1), _last_before(year + 1, 1)
    if day is None:
        following = (year + 1, 1) if month == 12 else (year, month + 1)
        return datetime(year, month, 1), _last_before(*following)
    return _period(date(year, month, day))


def _last_before(year: int, month: int) -> datetime:
    """The last moment before the first of `month` in `year` (the last moment there is,
    past the year 9999)."""
    if year > datetime.max.year:
        return datetime.max
    return datetime(year, month, 1) - timedelta(microseconds=1)


def date_filter(since: DateLike | None, until: DateLike | None) -> Any | None:
    """A filter on publication dates, both ends inclusive: `since` from the start of
    the period it names, `until` through its end ("2024" through 31 December)."""
    if since is None and until is None:
        return None
    start = date_period(since)[0] if since is not None else None
    end = date_period(until)[1] if until is not None else None
    if start is not None and end is not None and start > end:
        raise QueryError(f"since {since} is after until {until}: no story can be in between")
    return wq.DateRange("date", start, end)


def _name_filter(field: str, value: str) -> Any:
    """Documents whose `field` (authors, source, tags) holds all the words of `value`."""
    words = analyze(value, "name")
    if not words:
        raise QueryError(f"nothing to filter on in {value!r}: give a name or a word")
    if len(words) == 1:
        return wq.Term(field, words[0])
    return wq.Phrase(field, words)


def build_filter(
    since: DateLike | None,
    until: DateLike | None,
    source: str | None = None,
    author: str | None = None,
    tag: str | None = None,
) -> Any | None:
    """The filter query for dates and metadata (None when nothing is filtered).

    Raises:
        QueryError: a date is not a date, or `since` is after `until`.
    """
    parts = [q for q in (date_filter(since, until),) if q is not None]
    for field, value in (("source", source), ("authors", author), ("tags", tag)):
        if value:
            parts.append(_name_filter(field, value))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)
