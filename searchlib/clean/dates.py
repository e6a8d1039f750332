"""Parse the many ways pages write a publication date."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ISO_RE = re.compile(
    r"(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)"
    r"(?:[T ](?P<H>[0-2]\d):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d)(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d\d:?\d\d)?)?"
)
_COMPACT_RE = re.compile(r"\b(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)\b")
_URL_DATE_RE = re.compile(r"/(?P<y>(?:19|20)\d\d)[/-](?P<m>[01]?\d)[/-](?P<d>[0-3]?\d)(?:/|$|[-_])")
_HAS_DIGIT = re.compile(r"\d")

#: Dates outside this range are almost always parsing accidents (years in prices, ids).
_EARLIEST = datetime(1900, 1, 1)


def _latest() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None).replace(year=datetime.now(UTC).year + 1)


def _plausible(value: datetime) -> datetime | None:
    return value if _EARLIEST <= value <= _latest() else None


def _to_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_date(text: str | None) -> datetime | None:
    """Parse a date written by a page or a record; None when there is no plausible date.

    ISO 8601 is read directly; other forms ("March 5, 2024", "26-FEB-1987 15:01:01.79",
    RFC 2822) go through dateutil. Aware times are converted to naive UTC.
    """
    if not text:
        return None
    text = text.strip()[:100]
    if not _HAS_DIGIT.search(text):
        return None
    match = _ISO_RE.search(text)
    if match and match.start() < 3:
        try:
            value = datetime.fromisoformat(_iso_form(match))
        except ValueError:
            value = None
        if value is not None:
            return _plausible(_to_naive_utc(value))
    match = _COMPACT_RE.fullmatch(text)
    if match:
        try:
            return _plausible(datetime(int(match["y"]), int(match["m"]), int(match["d"])))
        except ValueError:
            return None
    return _parse_loose(text)


def _iso_form(match: re.Match[str]) -> str:
    out = f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"
    if match["H"]:
        out += f"T{match['H']}:{match['M']}:{match['S'] or '00'}"
        tz = match["tz"]
        if tz:
            out += "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
    return out


def _parse_loose(text: str) -> datetime | None:
    from dateutil import parser as dateparser

    try:
        value = dateparser.parse(text, fuzzy=True, default=datetime(1900, 1, 1))
    except (ValueError, OverflowError, TypeError, dateparser.ParserError):
        return None
    if value is None or value.year == 1900:
        return None  # no year was found: a bare "5 March" is not a date we can trust
    return _plausible(_to_naive_utc(value))


def date_from_url(url: str | None) -> datetime | None:
    """Read a /YYYY/MM/DD/ date from a URL path, as many news sites write it."""
    if not url:
        return None
    match = _URL_DATE_RE.search(url)
    if not match:
        return None
    try:
        return _plausible(datetime(int(match["y"]), int(match["m"]), int(match["d"])))
    except ValueError:
        return None
