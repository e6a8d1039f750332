"""Parse the many ways pages write a publication date."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from searchlib.clean.date_order import DateOrder

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
    """A year from now: later dates are typos or placeholders. A year of days, not
    the same date next year, which 29 February does not have."""
    return datetime.now(UTC).replace(tzinfo=None) + timedelta(days=366)


def plausible(value: datetime) -> datetime | None:
    """`value`, or None when it is too early or too late to be a page's date."""
    return value if _EARLIEST <= value <= _latest() else None


def _to_naive_utc(value: datetime) -> datetime:
    # Keep the wall-clock time the page wrote: a story published at 00:30 in Berlin is a
    # story of that day there, and readers filter by the day they see on the page.
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def parse_date(text: str | None, order: DateOrder | None = None) -> datetime | None:
    """Parse a date written by a page or a record; None when there is no plausible date.

    ISO 8601 is read directly; other forms ("March 5, 2024", "26-FEB-1987 15:01:01.79",
    RFC 2822) go through dateutil. Aware times are converted to naive UTC. `order` says
    how the page writes numeric dates ("07/01/2008": day or month first).
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
            return plausible(_to_naive_utc(value))
    match = _COMPACT_RE.fullmatch(text)
    if match:
        return _ymd(match)
    return _parse_loose(text, order)


def _iso_form(match: re.Match[str]) -> str:
    out = f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d}"
    if match["H"]:
        out += f"T{match['H']}:{match['M']}:{match['S'] or '00'}"
        tz = match["tz"]
        if tz:
            out += "+00:00" if tz == "Z" else (tz if ":" in tz else f"{tz[:3]}:{tz[3:]}")
    return out


def _dateutil(text: str, default: datetime, dayfirst: bool | None = None) -> datetime | None:
    """dateutil's fuzzy reading of `text`, the fields it does not find taken from
    `default`; None when it finds no date at all."""
    from dateutil import parser as dateparser

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown zone names ("CEST") are not errors here
            return dateparser.parse(text, fuzzy=True, dayfirst=dayfirst, default=default)
    except (ValueError, OverflowError, TypeError, dateparser.ParserError):
        return None


def _parse_loose(text: str, order: DateOrder | None) -> datetime | None:
    found = find_date(text, order=order)
    if found is not None:
        return found
    # "04.02.2022" and "04-02-2022" are day-first nearly everywhere they are written;
    # slashes stay month-first ("02/04/2022" is an American February 4).
    dayfirst = bool(re.search(r"\d{1,2}[.-]\d{1,2}[.-]\d{2,4}", text))
    value = _dateutil(text, datetime(1900, 1, 1), dayfirst)
    if value is None or value.year == 1900:
        return None  # no year was found: a bare "5 March" is not a date we can trust
    return plausible(_to_naive_utc(value))


def year_only(text: str) -> bool:
    """Whether `text` names a year but no day and month ("Wii tops 2007 console poll"),
    which dateutil would read as 1 January: a line so dated is no publication date."""
    if find_date(text) is not None:
        return False
    days = set()
    for default in (datetime(1900, 1, 1), datetime(1900, 2, 2)):
        value = _dateutil(text, default)
        if value is None:
            return False
        days.add((value.month, value.day))
    return len(days) > 1


def publication_date(text: str | None, order: DateOrder | None = None) -> datetime | None:
    """`parse_date` for a page's claim of when it was published: a year without month
    and day ("Since 1908", "2019") dates nothing, where `parse_date` reads 1 January.

    Records that give a bare year keep `parse_date`; a page's masthead, a citation field
    or a stray `<time>` that names only a year is not the story's day.
    """
    found = parse_date(text, order)
    # Only a midnight on 1 January can be a year filled out by the parser.
    if text is None or found is None or (found.month, found.day, found.hour) != (1, 1, 0):
        return found
    return None if _month_missing(text) else found


def _month_missing(text: str) -> bool:
    """Whether the parser takes the month of `text` from its default: none is written."""
    if find_date(text) is not None or _ISO_RE.search(text):
        return False
    value = _dateutil(text[:100], datetime(1900, 2, 1))
    return value is not None and value.month == 2


def _ymd(match: re.Match[str] | None) -> datetime | None:
    """The plausible date a y/m/d match names, if any."""
    if not match:
        return None
    try:
        return plausible(datetime(int(match["y"]), int(match["m"]), int(match["d"])))
    except ValueError:
        return None


def date_from_url(url: str | None) -> datetime | None:
    """Read a /YYYY/MM/DD/ date from a URL path, as many news sites write it."""
    return _ymd(_URL_DATE_RE.search(url)) if url else None


_URL_DMY_RE = re.compile(
    r"[/_-](?P<d>[0-3]\d)(?P<sep>[-_.]?)(?P<m>[01]\d)(?P=sep)(?P<y>(?:19|20)\d\d)(?=[/_.-]|$)"
)


def date_from_url_dmy(url: str | None) -> datetime | None:
    """Read a day-first date from a URL path ("/29-10-2021", "/08112021-title"): a weaker
    sign than /YYYY/MM/DD/, since such digits are sometimes an id."""
    return _ymd(_URL_DMY_RE.search(url.split("?")[0])) if url else None


def _numbered_names(rows: list[str], first: int) -> dict[str, int]:
    """Each name of each row of space-separated names, with its row's number."""
    return {name: number for number, names in enumerate(rows, first) for name in names.split()}


#: Month names in the languages of most news archives, Cyrillic ones by their stem (first
#: three letters suffice for most; full forms listed where the stem differs).
_MONTHS = _numbered_names(
    [
        "jan january januar janvier enero ene gennaio gen janeiro januari stycznia styczeń jänner янв січ",
        "feb february februar février fevrier febrero febbraio fevereiro februari lutego luty фев лют",
        "mar march märz maerz mars marzo março maart marca marzec мар бер",
        "apr april avril avr abril abr aprile kwietnia kwiecień апр кві",
        "may mai mayo maggio mag maio mei maja maj мая май тра",
        "jun june juni juin junio giugno giu junho czerwca czerwiec июн чер",
        "jul july juli juillet juil julio luglio lug julho lipca lipiec июл лип",
        "aug august août aout agosto ago augustus sierpnia sierpień авг сер",
        "sep sept september septembre septiembre settembre setembro września wrzesień сен вер",
        "oct october oktober octobre octubre ottobre ott outubro października październik okt окт жов",
        "nov november novembre noviembre novembro listopada listopad ноя лис",
        "dec december dezember décembre déc decembre diciembre dic dicembre dezembro grudnia grudzień dez дек гру",
    ],
    1,
)

_MONTH_WORD = r"(?P<mon>[^\W\d_]{3,12})\.?"
_DAY_MONTH_YEAR = re.compile(
    r"\b(?P<d>[0-3]?\d)(?:\.|st|nd|rd|th)?\s+(?:de\s+)?"
    + _MONTH_WORD
    + r",?\s+(?:de\s+)?(?P<y>(?:19|20)\d\d)\b",
    re.I,
)
_MONTH_DAY_YEAR = re.compile(
    r"\b" + _MONTH_WORD + r"\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b", re.I
)
#: A numeric date, day and month in either order: "07/01/2008", "01.09.2008", "03-09-2026".
NUMERIC_DATE_RE = re.compile(
    r"\b(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[0-3]?\d)(?P=sep)(?P<y>(?:19|20)\d\d)\b(?![./-]\d)"
)
#: "03.05.09": slashes with a two-digit year are left alone, too often a US or a UK date.
_SHORT_NUMERIC = re.compile(r"\b(?P<a>[0-3]?\d)(?P<sep>\.)(?P<b>[0-3]?\d)\.(?P<y>\d\d)\b(?!\.\d)")
#: Weekday names (Monday is 0), full in the common news languages, short in English.
_WEEKDAYS = _numbered_names(
    [
        "monday mon montag lundi lunes lunedì maandag",
        "tuesday tue tues dienstag mardi martes martedì dinsdag",
        "wednesday wed mittwoch mercredi miércoles miercoles mercoledì woensdag",
        "thursday thu thur thurs donnerstag jeudi jueves giovedì donderdag",
        "friday fri freitag vendredi viernes venerdì vrijdag",
        "saturday sat samstag sonnabend samedi sábado sabado sabato zaterdag",
        "sunday sun sonntag dimanche domingo domenica zondag",
    ],
    0,
)
_WORD = re.compile(r"[^\W\d_]+")


def _month(word: str) -> int | None:
    word = word.lower()
    return _MONTHS.get(word) or _MONTHS.get(word[:3])


def _named_month_dates(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, datetime]]:
    """The dates `pattern` finds written with a month's name, with where each starts."""
    for match in pattern.finditer(text):
        month = _month(match["mon"])
        if month is None:
            continue
        try:
            value = datetime(int(match["y"]), month, int(match["d"]))
        except ValueError:
            continue
        yield match.start(), value


def written_dates(text: str) -> set[datetime]:
    """Every date `text` writes with its month's name ("3 May 2009", "May 3, 2009")."""
    return {
        value
        for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR)
        for _, value in _named_month_dates(pattern, text)
    }


def find_date(
    text: str, short_years: bool = False, order: DateOrder | None = None
) -> datetime | None:
    """Find the first written-out date in running text ("14. Januar 2020", "May 3, 2009",
    "03.05.2009", "2009-05-03"), in any of the common news languages.

    `short_years` also reads "03.05.09" as 2009, which is safe only in a line known to be a
    date line: in running text it is as likely a version number or a score. `order`
    decides between day and month first in a numeric date that reads both ways.
    """
    candidates: list[tuple[int, datetime]] = []
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        named = next(_named_month_dates(pattern, text), None)
        if named is not None:
            candidates.append(named)
    iso = _ISO_RE.search(text)
    iso_date = _ymd(iso)
    if iso is not None and iso_date is not None:
        candidates.append((iso.start(), iso_date))
    for pattern in (NUMERIC_DATE_RE, _SHORT_NUMERIC) if short_years else (NUMERIC_DATE_RE,):
        for numeric in pattern.finditer(text):
            found = _numeric_date(numeric, text, order)
            if found is not None:
                candidates.append((numeric.start(), found))
                break
    dated = [(pos, v) for pos, v in candidates if plausible(v)]
    return min(dated)[1] if dated else None


#: Words that introduce a publication date in page text, in the common news languages.
_DATE_LABEL = re.compile(
    r"\b(?:published|posted|date|datum|dated|stand|vom|veröffentlicht|erschienen|publié|publiée"
    r"|publicado|publicada|pubblicato|gepubliceerd|opublikowano|fecha)\b(?:\s+(?:am|on|le|el|il|op))?"
    r"\s*:?\s*(?P<rest>.{6,40})",
    re.I,
)


def find_labelled_date(
    text: str, limit: int = 20, order: DateOrder | None = None
) -> datetime | None:
    """The first date introduced by a label ("Published: 3 May 2009", "Pressemitteilung vom
    20.01.2022"), for pages that mark their date with no markup at all."""
    for count, match in enumerate(_DATE_LABEL.finditer(text)):
        if count >= limit:
            break
        found = find_date(match["rest"], short_years=True, order=order)
        if found is not None:
            return found
    return None


def _weekday_near(text: str, start: int, end: int) -> int | None:
    """The weekday named right before or after a date ("Monday | 07/01/2008")."""
    named = {
        _WEEKDAYS[w.lower()]
        for w in _WORD.findall(f"{text[max(start - 25, 0) : start]} {text[end : end + 15]}")
        if w.lower() in _WEEKDAYS
    }
    return named.pop() if len(named) == 1 else None


def _numeric_date(match: re.Match[str], text: str, order: DateOrder | None) -> datetime | None:
    """The date a numeric match names, day or month first as the evidence says."""
    a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
    year += 2000 if year < 100 else 0
    options: dict[bool, datetime] = {}  # day first or not -> the date so read
    for dayfirst, (day, month) in ((True, (a, b)), (False, (b, a))):
        try:
            options[dayfirst] = datetime(year, month, day)
        except ValueError:
            continue
    if len(options) < 2 or options[True] == options[False]:
        return next(iter(options.values()), None)
    weekday = _weekday_near(text, match.start(), match.end())
    fits = [d for d, value in options.items() if value.weekday() == weekday]
    if len(fits) == 1:
        return options[fits[0]]
    sep = match["sep"]
    decided = order.dayfirst(sep, options) if order is not None else None
    # Without evidence: dotted and dashed dates are day-first nearly everywhere they are
    # written; slashes stay month-first ("02/04/2022" is an American February 4).
    return options[decided if decided is not None else sep != "/"]
