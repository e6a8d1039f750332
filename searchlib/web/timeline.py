"""The timeline of a search: matching documents per month (per day over a short range, per
year over a long one), drawn on the server as SVG whose bars link to their period."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

#: Months spanned by the matches over which the chart counts years. (It counts days
#: when the search counted them: see `facet_counts`.)
YEAR_SPAN_MONTHS = 240

#: The chart's drawing units: each period a slot, the bar a little narrower; at least
#: this many slots, so one bar is not drawn as wide as the page.
_SLOT, _BAR, _HEIGHT, _MIN_SLOTS = 10, 8, 100, 24
#: The least bar height, in the chart's units (about 4 pixels as the page draws it).
_MIN_HEIGHT = 4.0


@dataclass(frozen=True)
class Axis:
    """The labels under the chart: its first and last period (one label when they are
    the same), whether the bars stand in the middle (fewer than fill the width), and the
    tallest bar's count, which is the chart's scale."""

    first: str
    last: str
    centred: bool
    peak: int


def axis(bars: Sequence[Bar]) -> Axis:
    """The axis labels of `bars` as `timeline_svg` draws them."""
    return Axis(
        bars[0].period,
        bars[-1].period,
        len(bars) < _MIN_SLOTS,
        max((bar.count for bar in bars), default=0),
    )


@dataclass(frozen=True)
class Bar:
    """One period of the chart: its name ("2024-03", "2024-03-05", "2024"), which is
    also the `since`/`until` value that narrows a search to it, and its count."""

    period: str
    count: int


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_bars(months: Sequence[tuple[str, int]]) -> list[Bar]:
    """A bar per month from the first to the last (empty months count 0), or per year
    when they span more than YEAR_SPAN_MONTHS; `months` are ("YYYY-MM", n) in order."""
    if not months:
        return []
    counts = dict(months)
    every = _months(months[0][0], months[-1][0])
    if len(every) <= YEAR_SPAN_MONTHS:
        return [Bar(m, counts.get(m, 0)) for m in every]
    years: Counter[str] = Counter()
    for month, n in months:
        years[month[:4]] += n
    first, last = int(every[0][:4]), int(every[-1][:4])
    return [Bar(f"{y:04d}", years.get(f"{y:04d}", 0)) for y in range(first, last + 1)]


def day_bars(days: Sequence[tuple[str, int]]) -> list[Bar]:
    """A bar per day from the first to the last of `days`, ("YYYY-MM-DD", n) pairs in
    order (days without stories count 0)."""
    if not days:
        return []
    counts = dict(days)
    day, last = date.fromisoformat(days[0][0]), date.fromisoformat(days[-1][0])
    out = []
    while day <= last:
        out.append(Bar(day.isoformat(), counts.get(day.isoformat(), 0)))
        day += timedelta(days=1)
    return out


def timeline_svg(bars: Sequence[Bar], link: Callable[[Bar], str]) -> Markup:
    """The chart as an inline SVG element: a `rect.bar` inside an `a.bar-link` to
    `link(bar)` for every period with stories, each titled with its period and count.

    Every piece of text and every link is escaped here: they come from the index and
    from the URL.
    """
    slots = max(len(bars), _MIN_SLOTS)
    left = (slots - len(bars)) * _SLOT / 2  # few bars stand in the middle
    peak = max((bar.count for bar in bars), default=0) or 1
    width = slots * _SLOT
    parts = [
        f'<svg id="timeline" viewBox="0 0 {width} {_HEIGHT}" preserveAspectRatio="none" '
        f'role="group" aria-label="Matching documents over time" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="0" y1="{_HEIGHT}" x2="{width}" y2="{_HEIGHT}"/>',
    ]
    for i, bar in enumerate(bars):
        if not bar.count:
            continue
        x = left + i * _SLOT + (_SLOT - _BAR) / 2
        # A few units at least, so a period with one story among thousands still shows.
        height = max(_MIN_HEIGHT, round(bar.count / peak * (_HEIGHT - 4), 1))
        noun = "document" if bar.count == 1 else "documents"
        label = escape(f"{bar.period}: {bar.count} {noun}")
        parts.append(
            f'<a class="bar-link" href="{escape(link(bar))}" aria-label="{label}">'
            f"<title>{label}</title>"
            # A full-height target behind the bar, so a short bar is easy to click.
            f'<rect class="bar-area" x="{x - 1:g}" y="0" width="{_BAR + 2}" height="{_HEIGHT}"/>'
            f'<rect class="bar" x="{x:g}" y="{_HEIGHT - height:g}" width="{_BAR}" '
            f'height="{height:g}"/></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
