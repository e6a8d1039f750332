"""The web application: `create_app(index_path)` serves the search, article and index
pages and the JSON API over one index, read-only.

Every response carries a Content-Security-Policy that allows no inline script or
style and nothing from elsewhere; document text reaches pages escaped (Jinja2's
autoescaping, and `markup` for highlighted text). A bad parameter is a 400 with a
message, an unknown id a 404.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searchlib import __version__
from searchlib.errors import DocumentNotFoundError, QueryError, SearchlibError
from searchlib.web.api import Api, json_response
from searchlib.web.archive import Archive
from searchlib.web.pages import Pages

HERE = Path(__file__).parent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the security headers to every response, error pages and static files too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: Control characters (C0 but tab and newline, DEL, C1): a stored text may hold them,
#: HTML has no use for them, and a page that carries them is not valid HTML.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: object) -> object:
    """What a template prints, without control characters; escaped markup stays
    markup (only characters that are never part of a tag are taken out)."""
    if isinstance(value, Markup):
        return Markup(_CONTROLS.sub("", value))
    if isinstance(value, str):
        return _CONTROLS.sub("", value)
    return value


#: The names a local server answers to. Any other Host header is refused: a web page
#: the reader visits could otherwise rebind its own name to 127.0.0.1 and read the
#: archive through the reader's browser (DNS rebinding).
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


def create_app(index_path: Path, hosts: Sequence[str] = LOCAL_HOSTS) -> Starlette:
    """The application over the index at `index_path`, opened now and reused by every
    request (it follows new commits by other processes). It answers requests whose
    Host header names one of `hosts` (add the name or address it is served under).

    Raises:
        What `Index.open` raises: IndexNotFoundError, IndexVersionError,
        IndexDamagedError.
    """
    archive = Archive(index_path)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=printable,
    )
    env.globals["version"] = __version__
    templates = Jinja2Templates(env=env)
    pages, api = Pages(archive, templates), Api(archive)

    def error(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return json_response({"error": message}, status)
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )

    async def bad_request(request: Request, exc: Exception) -> Response:
        return error(request, 400, str(exc))

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DocumentNotFoundError)
        return error(request, 404, f"no document with id {exc.doc_id!r}")

    async def unavailable(request: Request, exc: Exception) -> Response:
        # The index went away or broke under the server: say so, the server lives on.
        return error(request, 503, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        messages = {404: "no such page", 405: "this page is read-only: use GET"}
        response = error(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))
        response.headers.update(exc.headers or {})  # a 405 says what is allowed: `Allow`
        return response

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        archive.close()

    routes = [
        Route("/", pages.search, name="search"),
        Route("/article", pages.article, name="article"),
        Route("/article/{doc_id:path}", pages.article),
        Route("/stats", pages.stats, name="stats"),
        Route("/api/search", api.search),
        Route("/api/article", api.article),
        Route("/api/article/{doc_id:path}", api.article),
        Route("/api/similar", api.similar),
        Route("/api/similar/{doc_id:path}", api.similar),
        Route("/api/stats", api.stats),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts), www_redirect=False),
        ],
        exception_handlers={
            QueryError: bad_request,
            DocumentNotFoundError: not_found,
            SearchlibError: unavailable,
            HTTPException: http_error,
        },
        lifespan=lifespan,
    )
    app.state.archive = archive  # for a server that stops before the lifespan starts
    return app
