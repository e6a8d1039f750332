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
    # Keep the wall-clock time the page wrote: a story published at 00:30 in Berlin is a
    # story of that day there, and readers filter by the day they see on the page.
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


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
    import warnings

    from dateutil import parser as dateparser

    found = find_date(text)
    if found is not None:
        return found
    # "04.02.2022" and "04-02-2022" are day-first nearly everywhere they are written;
    # slashes stay month-first ("02/04/2022" is an American February 4).
    dayfirst = bool(re.search(r"\d{1,2}[.-]\d{1,2}[.-]\d{2,4}", text))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown zone names ("CEST") are not errors here
            value = dateparser.parse(
                text, fuzzy=True, dayfirst=dayfirst, default=datetime(1900, 1, 1)
            )
    except (ValueError, OverflowError, TypeError, dateparser.ParserError):
        return None
    if value is None or value.year == 1900:
        return None  # no year was found: a bare "5 March" is not a date we can trust
    return _plausible(_to_naive_utc(value))


def _ymd(match: re.Match[str] | None) -> datetime | None:
    """The plausible date a y/m/d match names, if any."""
    if not match:
        return None
    try:
        return _plausible(datetime(int(match["y"]), int(match["m"]), int(match["d"])))
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


#: Month names in the languages of most news archives, Cyrillic ones by their stem (first
#: three letters suffice for most; full forms listed where the stem differs).
_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "jan january januar janvier enero gennaio janeiro januari stycznia styczeń jänner янв січ",
        "feb february februar février fevrier febrero febbraio fevereiro februari lutego luty фев лют",
        "mar march märz maerz mars marzo março maart marca marzec мар бер",
        "apr april avril abril aprile kwietnia kwiecień апр кві",
        "may mai mayo maggio maio mei maja maj мая май тра",
        "jun june juni juin junio giugno junho czerwca czerwiec июн чер",
        "jul july juli juillet julio luglio julho lipca lipiec июл лип",
        "aug august août aout agosto augustus sierpnia sierpień авг сер",
        "sep sept september septembre septiembre settembre setembro września wrzesień сен вер",
        "oct october oktober octobre octubre ottobre outubro października październik okt окт жов",
        "nov november novembre noviembre novembro listopada listopad ноя лис",
        "dec december dezember décembre decembre diciembre dicembre dezembro grudnia grudzień dez дек гру",
    ],
    1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

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
_NUMERIC_DMY = re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)\d\d)\b")
_SHORT_DMY = re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>\d\d)\b(?!\.\d)")


def _month(word: str) -> int | None:
    word = word.lower()
    return _MONTHS.get(word) or _MONTHS.get(word[:3])


def find_date(text: str, short_years: bool = False) -> datetime | None:
    """Find the first written-out date in running text ("14. Januar 2020", "May 3, 2009",
    "03.05.2009", "2009-05-03"), in any of the common news languages.

    `short_years` also reads "03.05.09" as 2009, which is safe only in a line known to be a
    date line: in running text it is as likely a version number or a score.
    """
    candidates: list[tuple[int, datetime]] = []
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        for match in pattern.finditer(text):
            month = _month(match["mon"])
            if month is None:
                continue
            try:
                value = datetime(int(match["y"]), month, int(match["d"]))
            except ValueError:
                continue
            candidates.append((match.start(), value))
            break
    for pattern in (_NUMERIC_DMY, _ISO_RE, _SHORT_DMY) if short_years else (_NUMERIC_DMY, _ISO_RE):
        numeric = pattern.search(text)
        if numeric:
            year = int(numeric["y"])
            year += 2000 if year < 100 else 0
            try:
                value = datetime(year, int(numeric["m"]), int(numeric["d"]))
            except ValueError:
                continue
            candidates.append((numeric.start(), value))
    plausible = [(pos, v) for pos, v in candidates if _plausible(v)]
    return min(plausible)[1] if plausible else None


#: Words that introduce a publication date in page text, in the common news languages.
_DATE_LABEL = re.compile(
    r"\b(?:published|posted|date|datum|dated|stand|vom|veröffentlicht|erschienen|publié|publiée"
    r"|publicado|publicada|pubblicato|gepubliceerd|opublikowano|fecha)\b(?:\s+(?:am|on|le|el|il|op))?"
    r"\s*:?\s*(?P<rest>.{6,40})",
    re.I,
)


def find_labelled_date(text: str, limit: int = 20) -> datetime | None:
    """The first date introduced by a label ("Published: 3 May 2009", "Pressemitteilung vom
    20.01.2022"), for pages that mark their date with no markup at all."""
    for count, match in enumerate(_DATE_LABEL.finditer(text)):
        if count >= limit:
            break
        found = find_date(match["rest"], short_years=True)
        if found is not None:
            return found
    return None
