"""Read article metadata from a parsed page: JSON-LD, meta tags, <time>, bylines."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bs4 import Tag

from searchlib.clean import rules, usable_url
from searchlib.clean.date_order import DateOrder
from searchlib.clean.dates import date_from_url, date_from_url_dmy, find_date, publication_date
from searchlib.clean.tree import PageTree

_ARTICLE_TYPES = frozenset(
    {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
     "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
     "techarticle", "report", "liveblogposting", "posting", "socialmediaposting", "webpage",
     "creativework", "medicalwebpage", "newsmediaorganization"}
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_SPLIT_NAMES = re.compile(r"\s*(?:,|;|\band\b|&|\bund\b|\bet\b|\|)\s*", re.I)
#: Words that label a byline or a form field, never a name on their own.
_LABELS = frozenset(
    {"name", "author", "authors", "autor", "autoren", "auteur", "auteurs", "von", "by",
     "alle beiträge", "all posts", "posts", "more", "the author", "about the author"}
)  # fmt: skip
_NOT_A_NAME = re.compile(
    r"https?://|www\.|@|/|\d{3,}|^(?:by|admin|editor)$|"
    r"\b(?:staff|senior|chief|special|foreign|political|contributing)?\s*"
    r"(?:writer|reporter|correspondent|editor|contributor|columnist|journalist|"
    r"photographer|news service|staff)s?$",
    re.I,
)


@dataclass
class PageMeta:
    """Metadata candidates read from a page, before the body is known."""

    title: str = ""
    title_tag: str = ""
    date: datetime | None = None
    authors: list[str] = field(default_factory=list)
    site: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    order: DateOrder | None = None  # how the page writes numeric dates


def squash(text: str) -> str:
    """Collapse runs of white space to one space and strip."""
    return _SPACE.sub(" ", text).strip()


def _meta_index(tree: PageTree) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, content in tree.metas:
        found.setdefault(key, []).append(squash(content))
    return found


def _first(meta: dict[str, list[str]], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if meta.get(key):
            return meta[key][0]
    return None


def _walk_jsonld(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk_jsonld(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in node:
                yield from _walk_jsonld(node[key], depth + 1)


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", ())
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return {v.lower() for v in values if isinstance(v, str)}


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value[:10] for name in _names(item)]
    return []


def _jsonld(tree: PageTree) -> dict[str, Any]:
    """Return the fields of the page's article object, the most specific type first."""
    best: dict[str, Any] = {}
    best_rank = -1
    dated: dict[str, Any] = {}  # any object with a publication date, when no article is typed
    for raw in tree.jsonld:
        try:
            data = json.loads(raw.strip().rstrip(";"))
        except ValueError:
            continue
        for node in _walk_jsonld(data):
            types = _types(node)
            if not types & _ARTICLE_TYPES:
                if not dated and "datePublished" in node:
                    dated = node
                continue
            rank = 1 if types & {"webpage", "creativework", "newsmediaorganization"} else 2
            if "headline" in node or "datePublished" in node:
                rank += 1
            if rank > best_rank:
                best, best_rank = node, rank
    return best or dated


#: The words a byline puts before the names: "Posted by", "Veröffentlicht von", "Publié par".
_BYLINE_LABEL = re.compile(
    r"^[\s\d.:/~–—·|-]*(?:(?:post\s+)?(?:author|autor|autorin|auteur|autore|written|posted|"
    r"published|geschrieben|veröffentlicht|eingestellt|erstellt|verfasst|publié|publiée|"
    r"publicado|publicada|pubblicato)\b(?:\s+(?:by|von|par|por|da|di|door))?|"
    r"by|von|vom|par|por|di|door)(?:\s*:\s*|\s+)",
    re.I,
)
#: Where a byline's date or time begins: "Jo Roe 8 January", "Jo Roe am 21.", "Jo Roe - May 3".
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?"
)
_BYLINE_TAIL = re.compile(
    rf"\s+(?:(?:am|on|le|el|il|em|op|at)\s+)?(?:\d|{_MONTH}\s+\d)"
    rf"|\s*[-–—|,]\s*(?:\d|{_MONTH})"
    r"|\s+(?:mon|tue|wed|thu|fri|sat|sun|mo|di|mi|do|fr|sa|so)[a-z]*\.?,?\s+\d"
    r"|\s+[^\W\d]+:\s*\d"  # "Stand: 05.02.2020"
    r"|\s*[·•]"  # the byline's next field
    r"|\s+(?:last\s+)?(?:updated|published|posted|modified|reviewed)\b"  # the date's label
    r"|\s+[-–—]\s+",  # "Jo Roe - Editorial Team": the name ends at a spaced dash
    re.I,
)
#: A byline label inside a line that starts with something else ("8 May 2020 · by Jo Roe").
_INNER_BY = re.compile(r"(?:^|[\s·|,])(?:by|von|par|por|door|av)\s+(?=[^\W\d])", re.I)


def clean_author(name: str) -> list[str]:
    """Split an author string into clean person names, without the byline's label and
    date ("Posted by Jo Roe on May 3" gives "Jo Roe")."""
    name = squash(html.unescape(name))  # JSON-LD strings keep their entities ("&amp;")
    for _ in range(2):  # "Post author By Jo Roe" carries two labels
        name = _BYLINE_LABEL.sub("", name, count=1)
    tail = _BYLINE_TAIL.search(name)
    if tail:
        name = name[: tail.start()]
    out = []
    for part in _SPLIT_NAMES.split(name):
        part = part.strip(" .:-–—|·•~*©")
        if "*" in part or part.casefold() in _LABELS:
            continue
        if 2 <= len(part) <= 60 and not _NOT_A_NAME.search(part) and len(part.split()) <= 5:
            out.append(part)
    return out


def _dedupe(items: list[str], limit: int) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out[:limit]


def _split_keywords(value: Any) -> list[str]:
    # JSON-LD strings keep their entities ("M&amp;A"): unescaped, as the page shows them.
    if isinstance(value, list):
        return [squash(html.unescape(str(v))) for v in value if isinstance(v, str | int)]
    if isinstance(value, str):
        return [squash(html.unescape(v)) for v in re.split(r"[,;]", value) if v.strip()]
    return []


def _language(tree: PageTree, meta: dict[str, list[str]], ld: dict[str, Any]) -> str | None:
    for value in (tree.lang, ld.get("inLanguage"), _first(meta, rules.META_LANGUAGE)):
        if isinstance(value, str) and re.match(r"^[a-zA-Z]{2,3}\b", value.strip()):
            return value.strip()[:3].split("-")[0].split("_")[0].lower()
    return None


def _tag_date(tag: Tag, order: DateOrder) -> datetime | None:
    value = tag.get("datetime") or tag.get("content") or tag.get_text(" ")
    return publication_date(value if isinstance(value, str) else None, order)


def _time_elements(tree: PageTree, order: DateOrder) -> datetime | None:
    for tag in tree.date_tags[:3]:
        parsed = _tag_date(tag, order)
        if parsed:
            return parsed
    preferred = [
        t for t in tree.times if t.has_attr("pubdate") or "publish" in str(t.get("class", ""))
    ]
    for tag in [*preferred, *tree.times][:6]:
        parsed = _tag_date(tag, order)
        if parsed:
            return parsed
    return None


def _hinted_date(tree: PageTree, order: DateOrder) -> datetime | None:
    """A date in a short element marked as a date line ("posted", "datum", "entry-meta").

    The one nearest the headline comes first: dates far from it belong to teasers and lists.
    """
    h1 = tree.h1_place if tree.h1_place is not None else 0
    hints = [t for _, t in sorted(tree.date_hints, key=lambda pair: abs(pair[0] - h1))]
    tried = 0
    for tag in hints:
        size = tree.stat(tag).text
        if not 6 <= size <= 120 or tag.name == "a":  # a dated link is a teaser
            continue
        found = find_date(tag.get_text(" "), short_years=True, order=order)
        if found:
            return found
        tried += 1
        if tried >= 12:
            break
    return None


def _meta_date(value: str | None, order: DateOrder) -> datetime | None:
    # A bare year ("1988") in a citation field is not the day the page was published.
    return publication_date(value, order)


def _locale(tree: PageTree, meta: dict[str, list[str]]) -> str | None:
    """The page's language with its region when declared ("en-US", "en_GB")."""
    values = [v.strip() for v in (tree.lang, _first(meta, rules.META_LANGUAGE)) if v]
    values = [v for v in values if re.match(r"^[a-zA-Z]{2,3}\b", v)]
    # "en" on <html> and "en_US" in og:locale: the region decides how dates are written.
    return next((v for v in values if re.match(r"^[a-zA-Z]{2,3}[-_][a-zA-Z]{2}", v)), None) or (
        values[0] if values else None
    )


def _byline_authors(tree: PageTree) -> list[str]:
    found: list[str] = []
    for tag in tree.author_tags[:12]:
        if tag.get("itemprop") == "author":
            name = tag.find(attrs={"itemprop": "name"})
            text = (name.get("content") or name.get_text(" ")) if isinstance(name, Tag) else None
            text = text if isinstance(text, str) else tag.get("content") or tag.get_text(" ")
        else:
            text = tag.get("content") or tag.get_text(" ")
        if not isinstance(text, str):
            continue
        text = squash(text)
        if not text or len(text) > 120:
            continue
        match = rules.BYLINE_RE.match(text)
        inner = None if match else _INNER_BY.search(text)
        found += clean_author(match["names"] if match else text[inner.end() :] if inner else text)
        if found:
            break
    return found


def _link_hosts(body: Tag) -> list[str]:
    """The hosts the page links to."""
    hosts = []
    for link in body.find_all("a", href=True):
        href = link.get("href")
        if isinstance(href, str) and href.startswith(("http://", "https://")) and usable_url(href):
            hosts.append((urlsplit(href).hostname or "").lower())
    return hosts


def _named_meta_date(meta: dict[str, list[str]], order: DateOrder) -> datetime | None:
    """A date in a meta tag of another name that says date ("NBDATE", "dateofpublication"):
    the page's own record of the day, better than any date in its text."""
    for key, values in meta.items():
        if rules.META_DATE_NAME.search(key) and not rules.META_NOT_PUBLISHED.search(key):
            found = next(filter(None, (_meta_date(v, order) for v in values)), None)
            if found is not None:
                return found
    return None


#: At most this many tags; a site-wide keywords list is kept only when this short.
MAX_TAGS = 12


def _tags(ld: dict[str, Any], meta: dict[str, list[str]], title: str) -> list[str]:
    """Tags written for the article (JSON-LD keywords, news_keywords, article:tag), else
    the keywords meta when it looks written for this article: short, and one of its
    words in the title or description. Many sites put one site-wide list on every page
    ("calcutta weather", "NSE sensex")."""
    tags = _split_keywords(ld.get("keywords"))
    for key in rules.META_TAGS:
        for value in meta.get(key, []):
            tags += _split_keywords(value)
    if not tags:
        keywords = [
            k for key in rules.META_KEYWORDS for v in meta.get(key, []) for k in _split_keywords(v)
        ]
        about = " ".join([title, *meta.get("description", []), *meta.get("og:description", [])])
        about = about.casefold()
        if len(keywords) <= MAX_TAGS and any(k.casefold() in about for k in keywords if len(k) > 2):
            tags = keywords
    return _dedupe([t for t in tags if 1 < len(t) <= 60], MAX_TAGS)


def read_meta(tree: PageTree, url: str | None) -> PageMeta:
    """Collect metadata candidates from the page head and well-known markup."""
    meta = _meta_index(tree)
    ld = _jsonld(tree)
    out = PageMeta()
    out.title_tag = squash(tree.title)

    publisher = ld.get("publisher")
    site = _first(meta, rules.META_SITE) or next(iter(_names(publisher)), None)
    canonical = tree.canonical
    og_url = _first(meta, ("og:url",))
    for candidate in map(usable_url, (url, canonical, og_url)):  # `http://[::1` is no url
        if candidate and urlsplit(candidate).scheme in ("http", "https"):
            out.url = candidate
            break
    if site and site.startswith("@"):
        site = site[1:]
    if site and not any(char.isalnum() for char in site):
        site = None  # og:site_name="/" names no site, and no filter could select it
    if not site and out.url:
        site = urlsplit(out.url).hostname
        if site and site.startswith("www."):
            site = site[4:]
    out.site = squash(site) if site else None

    headline = ld.get("headline") or ld.get("name")
    title = headline if isinstance(headline, str) else _first(meta, rules.META_TITLE)
    out.title = squash(title) if title else ""

    # A full date in the URL path is set once, at publication; page metadata is often
    # rewritten by later edits. The page's own meta tags carry the local day more often
    # than JSON-LD, which many systems write in UTC.
    date_value = ld.get("datePublished") or ld.get("dateCreated")
    body = tree.body
    order = out.order = DateOrder(
        _locale(tree, meta), lambda: body.get_text(" "), out.url, lambda: _link_hosts(body)
    )
    out.date = (
        date_from_url(out.url)
        or _meta_date(_first(meta, rules.META_DATE[:-4]), order)
        or publication_date(date_value if isinstance(date_value, str) else None, order)
        or _time_elements(tree, order)
        or _named_meta_date(meta, order)
        or _hinted_date(tree, order)
        or publication_date(tree.script_date, order)
        or date_from_url_dmy(out.url)
        or _meta_date(_first(meta, rules.META_DATE[-4:]), order)
    )

    authors = [a for name in _names(ld.get("author")) for a in clean_author(name)]
    if not authors:
        authors = [
            a for key in rules.META_AUTHOR for v in meta.get(key, []) for a in clean_author(v)
        ]
    if not authors:
        authors = _byline_authors(tree)
    out.authors = _dedupe(authors, 10)

    out.tags = _tags(ld, meta, out.title or out.title_tag)
    out.language = _language(tree, meta, ld)
    return out
