"""The HTML pages: search, article and index figures. Each endpoint reads its
parameters, asks the archive, and hands the template plain values: links are built
here, document text is escaped by the templates or by `markup`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from searchlib.errors import DocumentNotFoundError, QueryError
from searchlib.models import Hit
from searchlib.search.results import Results
from searchlib.web.archive import Archive
from searchlib.web.markup import highlighted, marked, paragraphs, query_terms
from searchlib.web.params import (
    MAX_OFFSET,
    MAX_QUERY,
    ParamError,
    SearchState,
    flag,
    requested_id,
)
from searchlib.web.timeline import axis, day_bars, month_bars, timeline_svg

#: The facet groups shown, with their headings; of the months, the busiest MONTHS_SHOWN
#: are listed, newest first (the timeline shows them all).
FACET_GROUPS = (("source", "Source"), ("month", "Month"), ("tag", "Tag"))
MONTHS_SHOWN = 12
#: How deep the article page looks for the article among a query's matches to explain it.
EXPLAIN_DEPTH = 100
SIMILAR_SHOWN = 8
#: Index fields as a reader knows them: `content` holds the headline and the story.
FIELD_NAMES = {"content": "text", "title": "headline", "authors": "author", "tags": "tag"}


def article_href(doc_id: str, search: str = "") -> str:
    """The article page of `doc_id`; `search`, the URL query of the search it was found
    by, marks its words and leads back to that search, page and filters included.

    The id goes in the query string, not the path: a browser resolves `.` and `..`
    segments of a path (and some ids hold them) before it asks for the page.
    """
    link = "/article?" + urlencode({"id": doc_id})
    return f"{link}&{search}" if search else link


def day_text(moment: datetime | None) -> str:
    """A date as the pages show it: the day, and the time when there is one."""
    if moment is None:
        return ""
    if moment.time() == datetime.min.time():
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M")


def score_text(score: float) -> str:
    """Three significant digits: recency can make every score tiny."""
    return f"{score:.0f}" if abs(score) >= 1000 else f"{score:.3g}"


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet group: its link adds the filter, or removes it when active."""

    value: str
    count: int
    href: str
    active: bool


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    value: str
    remove_href: str


def _hit_view(hit: Hit, search: str) -> dict[str, Any]:
    meta = [day_text(hit.date), hit.source or "", f"score {score_text(hit.score)}"]
    if hit.copies:
        meta.append(f"{len(hit.copies)} {'copy' if len(hit.copies) == 1 else 'copies'}")
    return {
        "title": hit.title or hit.id,
        "href": article_href(hit.id, search),
        "meta": [part for part in meta if part],
        "snippet": marked(hit.snippet, hit.highlights),
    }


def _facets(state: SearchState, results: Results) -> list[tuple[str, list[FacetValue]]]:
    facets = results.facets or {}
    groups = []
    for name, heading in FACET_GROUPS:
        pairs = list(facets.get(name, ()))
        if name == "month":
            # Most matches first, the newer of two months with as many.
            busiest = sorted(pairs, key=lambda kv: (kv[1], kv[0]), reverse=True)[:MONTHS_SHOWN]
            pairs = sorted(busiest, reverse=True)
        values = []
        for value, count in pairs:
            if name == "month":
                active = state.since == value and state.until == value
                href = (
                    state.url(since=None, until=None)
                    if active
                    else state.url(since=value, until=value)
                )
            else:
                active = getattr(state, name) == value
                href = state.url(**{name: None if active else value})
            values.append(FacetValue(value, count, href, active))
        if values:
            groups.append((heading, values))
    return groups


def _active_filters(state: SearchState) -> list[ActiveFilter]:
    found = state.filters
    out = []
    if found.get("since") and found.get("since") == found.get("until"):
        out.append(ActiveFilter("date", found["since"], state.url(since=None, until=None)))
        found = {k: v for k, v in found.items() if k not in ("since", "until")}
    out.extend(
        ActiveFilter(name, value, state.url(**{name: None})) for name, value in found.items()
    )
    return out


def _browse_href(state: SearchState) -> str | None:
    """For filters given without words: the search that lists what they select, newest
    first (a filter narrows a search; field tests are searches of their own). None
    when no name filter is given: dates alone select no words."""
    tests = [
        f'{name}:"{value.replace(chr(34), " ")}"'
        for name in ("source", "author", "tag")
        if (value := getattr(state, name))
    ]
    if not tests:
        return None
    return state.url(q=" ".join(tests), source=None, author=None, tag=None, sort="date")


def _count_text(results: Results) -> str:
    """How many matched: the number of documents, which the facets count too and which
    does not change from page to page; folded copies are told apart on the range line."""
    if not results.total:
        return f"No results for “{results.query}”."
    if results.total_is_estimate or results.matches != results.total:
        return f"{results.matches} {_plural(results.matches, 'matching document')}"
    return f"{results.total} {_plural(results.total, 'result')}"


def _range_note(results: Results) -> str:
    """What the range line adds: how copies were folded, when they were."""
    if results.total_is_estimate:
        return "copies of a story folded into it"
    if results.matches != results.total:
        return f"{results.total} {_plural(results.total, 'story')} once copies are folded"
    return ""


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _timeline(state: SearchState, results: Results) -> dict[str, Any] | None:
    """The chart of the matches over time, and its caption; None when none is dated."""
    facets = results.facets or {}
    months = facets.get("month", ())
    if not months:
        return None
    days = facets.get("day", ())  # counted when the matches span a few months
    bars = day_bars(days) if days else month_bars(months)
    unit = {4: "year", 7: "month"}.get(len(bars[0].period), "day")
    span = bars[0].period if len(bars) == 1 else f"{bars[0].period} to {bars[-1].period}"
    return {
        "svg": timeline_svg(bars, lambda bar: state.url(since=bar.period, until=bar.period)),
        "axis": axis(bars),
        "unit": unit,
        "caption": f"Matching documents per {unit}, {span}. Select a bar to narrow the search to its {unit}.",
    }


class Pages:
    """The HTML endpoints over one archive."""

    def __init__(self, archive: Archive, templates: Jinja2Templates) -> None:
        self.archive = archive
        self.templates = templates

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def search(self, request: Request) -> Response:
        """`/`: the search page, or the empty one without a query."""
        try:
            state = SearchState.from_params(request.query_params)
        except ParamError as exc:
            return self.render(request, "search.html", 400, state=SearchState(), error=str(exc))
        if not state.q:
            return self.render(
                request,
                "search.html",
                state=state,
                documents=self.archive.size(),
                browse_href=_browse_href(state),
            )
        try:
            results = self.archive.search(state.options(facets=True))
        except QueryError as exc:
            return self.render(request, "search.html", 400, state=state, error=str(exc))
        past_end = bool(state.offset and results.total and not len(results))
        if past_end:
            # Past the last result: back to the last page, not to another empty one.
            last_page = (results.total - 1) // state.limit * state.limit
            prev_href: str | None = state.url(offset=min(last_page, state.offset - state.limit))
        else:
            prev_href = (
                state.url(offset=max(0, state.offset - state.limit)) if state.offset else None
            )
        # No link to a page beyond the deepest offset a search may ask for.
        next_href = (
            state.url(offset=results.next_offset)
            if results.next_offset is not None and results.next_offset <= MAX_OFFSET
            else None
        )
        count = _count_text(results)
        if past_end:
            noun = _plural(results.total, "story" if results.matches != results.total else "result")
            count = (
                f"Result {state.offset + 1} is past the last one: the list ends at "
                f"{results.total} {noun}."
            )
        context: dict[str, Any] = {
            "state": state,
            "results": results,
            "count": count,
            "range_note": _range_note(results),
            "first": state.offset + 1,
            "last": state.offset + len(results),
            "hits": [_hit_view(hit, state.query_string()) for hit in results],
            "facets": _facets(state, results),
            "active_filters": _active_filters(state),
            "clear_filters": state.url(since=None, until=None, source=None, author=None, tag=None),
            "suggestion": results.suggestion,
            "suggestion_href": state.url(q=results.suggestion) if results.suggestion else None,
            "prev_href": prev_href,
            "next_href": next_href,
            "paging_stops": results.next_offset is not None and next_href is None,
            "max_offset": MAX_OFFSET,
            "timeline": _timeline(state, results),
        }
        return self.render(request, "search.html", **context)

    def article(self, request: Request) -> Response:
        """`/article/{id}`: the stored story, its similar stories and copies."""
        doc_id = requested_id(request)
        query = request.query_params.get("q", "").strip()
        if len(query) > MAX_QUERY:
            raise ParamError(f"the query is {len(query)} characters long; the limit is {MAX_QUERY}")
        try:
            found_by = SearchState.from_params(request.query_params)
        except ParamError:
            found_by = SearchState(q=query)  # the words still mark the story
        article = self.archive.get(doc_id)
        if article is None:
            raise DocumentNotFoundError(doc_id)
        explain = flag(request.query_params, "explain")
        explanation: Hit | None = None
        if explain and query:
            explanation = self.archive.explain(query, doc_id, EXPLAIN_DEPTH)
        similar = self.archive.similar(doc_id, limit=SIMILAR_SHOWN)
        terms = query_terms(query)
        url = (
            article.url if article.url and article.url.startswith(("http://", "https://")) else None
        )
        context: dict[str, Any] = {
            "doc_id": doc_id,
            "query": query,
            "article": article,
            "headline": highlighted(article.title, terms),
            "date": day_text(article.date),
            "url": url,
            "paragraphs": paragraphs(article.body, terms),
            "similar": [
                (hit.title or hit.id, article_href(hit.id), day_text(hit.date)) for hit in similar
            ],
            "copies": [
                (hit.title or hit.id, article_href(hit.id), day_text(hit.date), hit.source or "")
                for hit in self.archive.copies(doc_id)
            ],
            "json_href": "/api/article?" + urlencode({"id": doc_id}),
            "explain": explain,
            "explanation": explanation,
            "explain_depth": EXPLAIN_DEPTH,
            "field_names": FIELD_NAMES,
            "explain_href": (
                article_href(doc_id, found_by.query_string()) + "&explain=1" if query else None
            ),
            "back_href": f"/?{found_by.query_string()}" if query else None,
        }
        return self.render(request, "article.html", **context)

    def stats(self, request: Request) -> Response:
        """`/stats`: what `searchlib stats` shows."""
        figures = self.archive.stats()
        return self.render(
            request,
            "stats.html",
            stats=figures,
            megabytes=f"{figures.size_bytes / 1024 / 1024:.1f}",
            first=day_text(figures.first_date),
            last=day_text(figures.last_date),
        )
