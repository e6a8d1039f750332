"""The cleaner: raw pages and scraped text in, clean articles out.

`clean_html` and `clean_text` never raise: a page that cannot be parsed gives an
Article with whatever could be recovered (possibly empty). Their text always encodes:
lone surrogates given to them are replaced (see `valid_text`).
"""

from __future__ import annotations

import gc
import re
from urllib.parse import urlsplit

from searchlib._log import logger
from searchlib.clean import rules
from searchlib.clean import text as _text
from searchlib.clean.encoding import decode
from searchlib.models import Article
from searchlib.output import valid_text

__all__ = ["clean_body", "clean_bytes", "clean_html", "clean_text", "looks_like_html", "valid_text"]

log = logger(__name__)


def usable_url(url: str | None) -> str | None:
    """`url` as valid text, or None when it cannot be parsed (`http://[::1`): the
    cleaner reads its host and path, and the story is kept without it."""
    if not url:
        return None
    url = valid_text(url)
    try:
        urlsplit(url)
    except ValueError:
        return None
    return url


def clean_text(text: str) -> Article:
    """Turn scraped plain text into an Article: the headline on the first line, then
    tags, authors, a date and paragraphs (see `searchlib.clean.text`). Never raises."""
    return _text.clean_text(valid_text(text))


def clean_body(text: str) -> str:
    """Strip boilerplate lines from a body whose other fields are known (a record's)."""
    return _text.clean_body(valid_text(text))


_TAG_RE = re.compile(r"<[^>]*>")
_SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
#: The invisible characters that sit inside words, as entities and as characters: removed
#: before parsing so no word is split by one.
_INVISIBLE_ENTITY_RE = re.compile(r"&(?:shy|#173|#x0*ad|#8288|#x0*2060);", re.I)


def _drop_invisible(text: str) -> str:
    """`text` without invisible characters, written as entities or as themselves.

    Entities are ASCII and the characters are not, so removing one kind never makes or
    breaks the other; each pass runs only when the page has something to remove.
    """
    if "&" in text:
        text = _INVISIBLE_ENTITY_RE.sub("", text)
    # One replace per character, not str.translate, which looks every character of a
    # non-ASCII page up in its table (milliseconds on a large page).
    for char in rules.INVISIBLE_CHARS:
        if char in text:
            text = text.replace(char, "")
    return text


_TITLE_OPEN_RE = re.compile(r"<title\b[^>]*>", re.I)
_TITLE_CLOSE_RE = re.compile(r"</title\s*>", re.I)
_TAG_START_RE = re.compile(r"<[a-z!/]", re.I)
#: Tags that open or close the page's structure: inside a <title>, they show its end
#: tag was lost (or another title was opened inside it).
_STRUCTURE_RE = re.compile(
    r"</?(?:html|head|body|title|meta|link|script|style|article|main|section|div|p|h[1-6])\b",
    re.I,
)
#: A <title> running longer than this (characters) before it closes, with tags inside,
#: has lost its closing tag: no headline is that long.
_TITLE_SPAN = 1000


def close_broken_title(text: str) -> str:
    """Close a <title> that lost its end tag before the first tag inside it.

    A <title> is raw text up to `</title>`: when the end tag is missing or mangled
    (`</titavaScript`), the parser reads the rest of the page, markup and all, as the
    title and finds no body. Browsers show such a page as text; the cleaner would return
    markup as headline and body.
    """
    opened = _TITLE_OPEN_RE.search(text)
    if opened is None:
        return text
    closed = _TITLE_CLOSE_RE.search(text, opened.end())
    stop = closed.start() if closed else len(text)
    if stop - opened.end() <= _TITLE_SPAN:
        # A short title is text whatever it holds ("Why <br> tags matter"), unless it
        # runs into the page's own structure: a page's elements never belong in one.
        tag = _STRUCTURE_RE.search(text, opened.end(), stop)
    else:
        tag = _TAG_START_RE.search(text, opened.end(), stop)
    if tag is None:
        return text
    return f"{text[: tag.start()]}</title>{text[tag.start() :]}"


def clean_html(html: str | bytes, url: str | None = None) -> Article:
    """Extract the article, its headline and metadata from an HTML page.

    Args:
        html: the page, as text or as bytes in any encoding (BOM, <meta charset> and
            UTF-8/cp1252 detection decide).
        url: where the page came from, used for the site name and relative dates.
    Returns:
        The cleaned Article; empty fields where nothing was found.
    """
    text = decode(html) if isinstance(html, bytes) else valid_text(html.replace("\x00", ""))
    url = usable_url(url)
    text = close_broken_title(_drop_invisible(text))
    # The parsed page is tens of thousands of objects, all alive until the page is
    # cleaned: the collector's passes over them while they are built find nothing to free
    # and cost about an eighth of the cleaning time. It is paused for the page (the tree
    # is unlinked once cleaned, and freed by reference counting), then run once over what
    # the page left: the page's cleaning pays for that, not the caller's next
    # allocation. (An application that turned the collector off keeps it off.)
    collect = gc.isenabled()
    gc.disable()
    try:
        return _clean_page(text, url)
    finally:
        if collect:
            gc.enable()
            gc.collect(0)


def _clean_page(text: str, url: str | None) -> Article:
    """Parse the decoded page and clean it; its tree is garbage once this returns."""
    try:
        from searchlib.clean.html import clean_soup
        from searchlib.clean.soup import parsed

        with parsed(text) as soup:
            return clean_soup(soup, url)
    except (
        RecursionError,
        ValueError,
        TypeError,
        AttributeError,
        LookupError,
        AssertionError,
    ) as exc:
        # Pathological markup: fall back to the page's text so nothing is lost silently.
        log.warning(
            "could not parse page%s (%s); using its plain text", f" {url}" if url else "", exc
        )
        plain = _TAG_RE.sub(" ", _SCRIPT_RE.sub(" ", text))
        import html as htmllib

        return clean_text(htmllib.unescape(plain))


def looks_like_html(data: bytes) -> bool:
    """Whether the bytes of a file of unknown kind are a page: markup near the start."""
    return b"<" in data[:2048] and b">" in data[:4096]


def clean_bytes(data: bytes, html: bool | None = None, url: str | None = None) -> Article:
    """Clean a file's bytes as a page (`html`), as scraped text (not `html`), or, when
    the kind is unknown (None), as whichever they look like. Never raises."""
    if html is None:
        html = looks_like_html(data)
    return clean_html(data, url=url) if html else clean_text(decode(data))
