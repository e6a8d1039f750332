"""Decide how one page writes numeric dates ("07/01/2008": day or month first), from its
own other dates, its URL, its language and its country domain."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from searchlib.clean.dates import NUMERIC_DATE_RE, plausible, written_dates

#: Regions whose English writes the month first in numeric dates.
_MONTH_FIRST_REGIONS = frozenset({"us", "ph", "fm", "pw", "mh"})
#: Country domains of English-speaking regions that write the day first (bbc.co.uk).
_DAY_FIRST_DOMAINS = frozenset(
    {"uk", "ie", "au", "nz", "za", "in", "pk", "lk", "sg", "my", "ke", "ng", "gh", "zw", "bd"}
)
_COPYRIGHT = re.compile(
    r"(?:©|&copy;|\(c\)|copyright)\s*(?:\d{4}\s*[-–]\s*)?(?P<y>(?:19|20)\d\d)\b", re.I
)
#: A reading this many days after every other date on the page is not the story's date.
_LATER_DAYS = 60
_URL_DIGITS = re.compile(r"\d{6,14}")


def _host(url: str | None) -> str:
    return (urlsplit(url).hostname or "").lower() if url and "//" in url else ""


def _url_reading(url: str | None, options: dict[bool, datetime]) -> bool | None:
    """The reading whose compact form (20080108, 080108) the URL holds, when only one
    does: many systems name a story's file by its date."""
    if not url:
        return None
    runs = _URL_DIGITS.findall(url.split("//", 1)[-1])
    fits = {
        dayfirst
        for dayfirst, value in options.items()
        for form in (value.strftime("%Y%m%d"), value.strftime("%y%m%d"))
        if any(run.startswith(form) for run in runs)
    }
    return fits.pop() if len(fits) == 1 else None


def _domain_reading(url: str | None, hosts: list[str]) -> bool | None:
    """Day first when the page's host, or a sister site it links to (one that holds the
    host's name), is under the country domain of a day-first English region."""
    host = _host(url)
    if not host:
        return None
    if host.rsplit(".", 1)[-1] in _DAY_FIRST_DOMAINS:
        return True
    labels = [label for label in host.split(".")[:-1] if label != "www"]
    name = labels[-1] if labels else ""
    if len(name) < 5:
        return None
    sisters = {h.rsplit(".", 1)[-1] for h in hosts if name in h and h != host}
    return True if sisters & _DAY_FIRST_DOMAINS and "us" not in sisters else None


@dataclass
class DateOrder:
    """How one page writes numeric dates, judged from its language and its other dates.

    `text` gives the page's text and `links` the hosts it links to; both are read only
    when a date reads both ways. `url` is the page's address.
    """

    locale: str | None
    text: Callable[[], str]
    url: str | None = None
    links: Callable[[], list[str]] = field(default=lambda: [], repr=False)
    _evidence: tuple[set[datetime], int, set[datetime], datetime | None] | None = field(
        default=None, repr=False
    )

    def _gather(self) -> tuple[set[datetime], int, set[datetime], datetime | None]:
        """Dates written with the month's name; the balance of numeric dates that read one
        way only (positive: day first, as in 13/01/2008); dotted dates read day first; the
        latest date the page writes unambiguously (a copyright year counts as its end)."""
        if self._evidence is None:
            text = self.text()[:300_000]
            written = written_dates(text)
            balance = 0
            dotted: set[datetime] = set()
            certain = {d for d in written if plausible(d)}
            for match in NUMERIC_DATE_RE.finditer(text):
                a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
                with contextlib.suppress(ValueError):
                    if 12 < a <= 31 and 1 <= b <= 12:
                        balance += 1
                        certain.add(datetime(year, b, a))
                    elif 12 < b <= 31 and 1 <= a <= 12:
                        balance -= 1
                        certain.add(datetime(year, a, b))
                    elif match["sep"] == ".":
                        dotted.add(datetime(year, b, a))
            certain = {d for d in certain if plausible(d)}
            if not certain:  # a copyright year stands for its last day, when nothing else
                years = {int(m["y"]) for m in _COPYRIGHT.finditer(text)}
                certain = {d for y in years if plausible(d := datetime(y, 12, 31))}
            self._evidence = (written, balance, dotted, max(certain, default=None))
        return self._evidence

    def dayfirst(self, sep: str, options: dict[bool, datetime]) -> bool | None:
        """Whether a date that reads both ways is day-first here; None when unknown.

        The page's own dates decide first: the same day written with its month's name,
        then numeric dates that read one way only, then the date in the URL; dots are
        day-first, and so is a slash date whose day the page also writes with dots. Then
        its language (slashes and dashes month-first in US English, day-first in other
        English) and its country domain. Last, a reading that would date the story after
        every other date on the page loses.
        """
        written, balance, dotted, latest = self._gather()
        named = [dayfirst for dayfirst, value in options.items() if value in written]
        if len(named) == 1:
            return named[0]
        if balance:
            return balance > 0
        from_url = _url_reading(self.url, options)
        if from_url is not None:
            return from_url
        # The same day written with dots, which put the day first nearly everywhere (a
        # dotted date is no witness of itself).
        named = [d for d, value in options.items() if value in dotted and sep != "."]
        if len(named) == 1:
            return named[0]
        language, _, region = (self.locale or "").lower().replace("_", "-").partition("-")
        if language == "en" and region and sep != ".":
            return region[:2] not in _MONTH_FIRST_REGIONS
        domain = _domain_reading(self.url, self.links()) if sep != "." else None
        if domain is not None:
            return domain
        if latest is not None:
            # Months after the newest other date: a page lists older stories, not newer.
            late = [d for d, value in options.items() if (value - latest).days > _LATER_DAYS]
            if len(late) == 1:
                return not late[0]
        # Servers write US dates whatever the page's language; dots put the day first.
        return True if sep == "." else None
