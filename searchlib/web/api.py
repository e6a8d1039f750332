"""The JSON API under /api/: the fields of the command line's `--json` output."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from searchlib.errors import DocumentNotFoundError, QueryError
from searchlib.output import json_line
from searchlib.web.archive import Archive
from searchlib.web.params import (
    MAX_LIMIT,
    MAX_OFFSET,
    SearchState,
    flag,
    integer,
    requested_id,
    single,
)


def json_response(data: object, status: int = 200) -> Response:
    """`data` as JSON that any reader takes (controls escaped, lone surrogates replaced)."""
    return Response(json_line(data), status_code=status, media_type="application/json")


class Api:
    """The JSON endpoints over one archive."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def search(self, request: Request) -> Response:
        """`/api/search`: `Results.to_dict()`; `facets=1` adds the facet counts,
        `explain=1` each hit's score parts. Pages start at most at MAX_OFFSET: where the
        next would start beyond it, `next_offset` is null and `paging_stops_at` says so."""
        params = request.query_params
        state = SearchState.from_params(params)
        if not state.q:
            raise QueryError("no query: give one as q=...")
        flags = {name: flag(params, name) for name in ("facets", "explain")}
        data = self.archive.search(state.options(**flags)).to_dict()
        next_offset = data["next_offset"]
        if isinstance(next_offset, int) and next_offset > MAX_OFFSET:
            # A next page this API would refuse is no next page: say where paging stops.
            data["next_offset"] = None
            data["paging_stops_at"] = MAX_OFFSET
        return json_response(data)

    def article(self, request: Request) -> Response:
        """`/api/article?id=ID` (or `/api/article/ID`): the id and `Article.to_dict()`, as `searchlib show --json`."""
        doc_id = requested_id(request)
        article = self.archive.get(doc_id)
        if article is None:
            raise DocumentNotFoundError(doc_id)
        return json_response({"id": doc_id, **article.to_dict()})

    def similar(self, request: Request) -> Response:
        """`/api/similar?id=ID` (or `/api/similar/ID`): `Results.to_dict()` of the stories like it."""
        params = request.query_params
        single(params)
        results = self.archive.similar(
            requested_id(request),
            limit=integer(params, "limit", 10, 1, MAX_LIMIT),
            offset=integer(params, "offset", 0, 0, MAX_OFFSET),
            collapse=flag(params, "collapse", default=True),
        )
        return json_response(results.to_dict())

    def stats(self, request: Request) -> Response:
        """`/api/stats`: `Stats.to_dict()`."""
        return json_response(self.archive.stats().to_dict())
