"""The state of a search page as the URL holds it: read and bounded from query
parameters, turned into `SearchOptions`, and written back into links."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from searchlib.errors import QueryError
from searchlib.search.options import SORT_ORDERS, SearchOptions, SortOrder

#: Bounds on what one request may ask: a page, how deep it may start and how long a
#: query may be, so no URL makes the server rank or render without limit.
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_QUERY = 1_000
DEFAULT_LIMIT = 10

#: The filters a facet or the date range sets, in the order links write them.
FILTERS = ("source", "author", "tag", "since", "until")


#: Numbers as a URL writes them: ASCII digits, a minus sign (so "-1" is reported as
#: out of range), a decimal point in a number of days.
_WHOLE = re.compile(r"-?[0-9]{1,12}")
_DECIMAL = re.compile(r"-?([0-9]{1,12}(\.[0-9]{1,12})?|\.[0-9]{1,12})")


class ParamError(QueryError):
    """A query parameter that is not a number, or out of the bounds a request may ask."""


def integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """The whole number in parameter `name` (`default` when absent or empty).

    Raises:
        ParamError: it is not a whole number, or lies outside `low`..`high`.
    """
    raw = params.get(name, "").strip()
    if not raw:
        return default
    # ASCII digits only: int() also takes "+10", "1_0" and other scripts' digits.
    if not _WHOLE.fullmatch(raw):
        raise ParamError(f"{name} must be a whole number, not {raw[:40]!r}")
    value = int(raw)
    if not low <= value <= high:
        raise ParamError(f"{name} must be from {low} to {high}, not {value}")
    return value


def flag(params: Mapping[str, str], name: str, default: bool = False) -> bool:
    """The on/off parameter `name`: 1 or 0 (`default` when absent or empty).

    Raises:
        ParamError: any other value, which would otherwise be silently read as one of
            the two.
    """
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if raw not in ("0", "1"):
        raise ParamError(f"{name} must be 1 or 0, not {raw[:40]!r}")
    return raw == "1"


def single(params: Any) -> None:
    """Refuse a parameter given more than once (`q=a&q=b`): which of them a search
    would use is not something a URL should leave open.

    Raises:
        ParamError: naming the first repeated parameter.
    """
    if not hasattr(params, "multi_items"):
        return
    seen: set[str] = set()
    for name, _ in params.multi_items():
        if name in seen:
            raise ParamError(f"{name} is given more than once: give it once")
        seen.add(name)


def requested_id(request: Any) -> str:
    """The document id of an article route: `?id=`, or the path after the route's
    prefix (`/article/ID`, kept for links made before ids moved to the query).

    Raises:
        ParamError: no id is given, or a parameter is given twice.
    """
    single(request.query_params)
    doc_id = request.path_params.get("doc_id") or request.query_params.get("id", "")
    if not doc_id:
        raise ParamError("no document id: give one as id=...")
    return str(doc_id)


@dataclass(frozen=True)
class SearchState:
    """Everything a search page shows, as read from its URL."""

    q: str = ""
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    sort: SortOrder = "relevance"
    since: str | None = None
    until: str | None = None
    source: str | None = None
    author: str | None = None
    tag: str | None = None
    expand: bool = False
    recent: float | None = None
    collapse: bool = True

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> SearchState:
        """Read the state from query parameters; empty ones count as absent (a form
        sends its empty fields).

        Raises:
            ParamError: a number that is not one, or out of bounds; an unknown sort;
                an on/off value other than 1 or 0; a parameter given twice; a query
                longer than MAX_QUERY characters.
        """
        single(params)
        q = params.get("q", "").strip()
        if len(q) > MAX_QUERY:
            raise ParamError(f"the query is {len(q)} characters long; the limit is {MAX_QUERY}")
        sort = params.get("sort", "").strip() or "relevance"
        if sort not in SORT_ORDERS:
            raise ParamError(f"unknown sort order {sort[:40]!r}: use relevance, date or oldest")
        recent: float | None = None
        raw_recent = params.get("recent", "").strip()
        if raw_recent:
            if not _DECIMAL.fullmatch(raw_recent):
                raise ParamError(f"recent must be a number of days, not {raw_recent[:40]!r}")
            recent = float(raw_recent)
            if not math.isfinite(recent) or recent <= 0:
                raise ParamError("recent must be a positive number of days")
        text = {name: params.get(name, "").strip()[:MAX_QUERY] or None for name in FILTERS}
        return cls(
            q=q,
            offset=integer(params, "offset", 0, 0, MAX_OFFSET),
            limit=integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            sort=sort,
            expand=flag(params, "expand"),
            recent=recent,
            collapse=flag(params, "collapse", default=True),
            **text,
        )

    def options(self, facets: bool = False, explain: bool = False) -> SearchOptions:
        """The library's options for this state.

        Raises:
            QueryError: what `SearchOptions` finds wrong (a bad date, an empty query,
                options that contradict each other).
        """
        return SearchOptions(
            self.q,
            limit=self.limit,
            offset=self.offset,
            since=self.since,
            until=self.until,
            source=self.source,
            author=self.author,
            tag=self.tag,
            sort=self.sort,
            half_life_days=self.recent,
            collapse=self.collapse,
            expand=self.expand,
            facets=facets,
            explain=explain,
        )

    @property
    def filters(self) -> dict[str, str]:
        """The filters set, by name."""
        return {name: value for name in FILTERS if (value := getattr(self, name))}

    def query_string(self) -> str:
        """The URL query that gives this state back, defaults left out."""
        default = SearchState()
        pairs: list[tuple[str, Any]] = []
        for field in fields(self):
            value = getattr(self, field.name)
            if value == getattr(default, field.name):
                continue
            if field.name == "expand":
                value = "1"
            elif field.name == "collapse":
                value = "0"
            elif field.name == "recent":
                value = f"{value:g}"
            pairs.append((field.name, value))
        return urlencode(pairs)

    def url(self, **changes: Any) -> str:
        """A link to the search page in this state with `changes`; any change but a
        page move starts again at the first page."""
        if "offset" not in changes:
            changes["offset"] = 0
        query = replace(self, **changes).query_string()
        return f"/?{query}" if query else "/"
