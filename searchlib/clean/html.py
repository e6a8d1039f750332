"""Find the article in an HTML page and return it as clean text with metadata.

The approach: parse with BeautifulSoup (lxml), read metadata, drop elements that are
boilerplate by tag, role, visibility or class/id vocabulary (see `rules`), score the
remaining paragraph-like blocks by text and link density to find the article container
(as Readability does), then serialise that container block by block, filtering blocks
that are link lists or boilerplate lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from searchlib.clean import rules
from searchlib.clean.metadata import read_meta, squash, strip_site_name
from searchlib.models import Article

_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_COMMENT_TOKENS = frozenset({"comment", "comments", "commentlist", "respond", "disqus",
                             "wpdiscuz", "commentform", "replies", "discussion"})  # fmt: skip
_PROTECTED_TAGS = frozenset({"html", "body", "article", "main"})
_NON_TEXT = (Comment,)


@dataclass
class _Block:
    text: str
    link_chars: int
    tag: str

    @property
    def link_density(self) -> float:
        return self.link_chars / max(len(self.text), 1)


def _attr_text(tag: Tag) -> str:
    parts = []
    for name in ("class", "id"):
        value = tag.get(name)
        if isinstance(value, list):
            parts.extend(value)
        elif isinstance(value, str):
            parts.append(value)
    return " ".join(parts)


def _tokens(raw: str) -> set[str]:
    return {t for t in _TOKEN_SPLIT.split(_CAMEL.sub("-", raw).lower()) if t}


def boilerplate_kind(tag: Tag) -> str | None:
    """Return "comment" or "other" when the tag's markup marks it as boilerplate."""
    role = tag.get("role")
    if isinstance(role, str) and role.lower() in rules.BOILERPLATE_ROLES:
        return "other"
    raw = _attr_text(tag)
    if not raw:
        return None
    tokens = _tokens(raw)
    if tokens & _COMMENT_TOKENS:
        return "comment"
    if tokens & rules.BOILERPLATE_TOKENS:
        return "other"
    low = raw.lower()
    if any(s in low for s in rules.BOILERPLATE_SUBSTRINGS):
        return "other"
    return None


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    style = tag.get("style")
    return isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))


def _holds_article(tag: Tag) -> bool:
    if tag.find(["article", "main", "h1"]) is not None:
        return True
    return any(tag.find(attrs={k: v}) is not None for k, v in rules.ARTICLE_HINTS[:2])


def _text_len(tag: Tag) -> int:
    return sum(len(s) for s in tag.find_all(string=True) if not isinstance(s, _NON_TEXT))


def _prune(soup: BeautifulSoup) -> None:
    """Remove everything that is boilerplate by tag, visibility or vocabulary."""
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in soup.find_all(rules.DROP_TAGS):
        tag.decompose()
    body = soup.body or soup
    total = max(_text_len(body), 1)
    # Walk top-down with an explicit stack (pages can nest deeper than Python's
    # recursion limit) and never descend into a subtree that is removed.
    stack: list[Tag] = [child for child in reversed(body.contents) if isinstance(child, Tag)]
    while stack:
        tag = stack.pop()
        if _should_drop(tag, total):
            tag.decompose()
            continue
        stack.extend(child for child in reversed(tag.contents) if isinstance(child, Tag))


def _should_drop(tag: Tag, total: int) -> bool:
    name = tag.name
    if name in _PROTECTED_TAGS:
        return False
    if _is_hidden(tag):
        return not _holds_article(tag)
    kind = boilerplate_kind(tag)
    if kind is None and name not in rules.WEAK_DROP_TAGS:
        return False
    if _holds_article(tag):
        return False
    # A wrapper of most of the page with an unlucky class name is not boilerplate.
    return kind == "comment" or _text_len(tag) <= 0.6 * total


def _blocks(root: Tag) -> Iterator[_Block]:
    """Serialise `root` into text blocks, one per block-level element, iteratively."""
    parts: list[str] = []
    link_chars = 0
    current = "p"
    stack: list[tuple[Tag | NavigableString, bool]] = [(root, True)]
    link_depth = 0
    while stack:
        node, entering = stack.pop()
        if isinstance(node, NavigableString):
            if isinstance(node, _NON_TEXT):
                continue
            text = str(node)
            parts.append(text)
            if link_depth:
                link_chars += len(text.strip())
            continue
        name = node.name
        block = name in rules.BLOCK_TAGS
        if entering:
            if block and parts:
                text = squash("".join(parts))
                if text:
                    yield _Block(text, link_chars, current)
                parts, link_chars = [], 0
            if block:
                current = name
            if name == "a":
                link_depth += 1
            stack.append((node, False))
            stack.extend((child, True) for child in reversed(node.contents))
        else:
            if name == "a":
                link_depth -= 1
            if block and parts:
                text = squash("".join(parts))
                if text:
                    yield _Block(text, link_chars, current)
                parts, link_chars = [], 0
    if parts:
        text = squash("".join(parts))
        if text:
            yield _Block(text, link_chars, current)


def _class_weight(tag: Tag) -> float:
    raw = _attr_text(tag)
    if not raw:
        return 0.0
    tokens = _tokens(raw)
    weight = 0.0
    if tokens & rules.CONTENT_TOKENS:
        weight += 25
    if tokens & rules.BOILERPLATE_TOKENS:
        weight -= 25
    return weight


_TAG_WEIGHT = {"article": 10.0, "main": 5.0, "div": 5.0, "section": 3.0, "pre": 3.0, "td": 3.0,
               "blockquote": 3.0, "form": -3.0, "ol": -3.0, "ul": -3.0, "li": -3.0, "dl": -3.0,
               "dd": -3.0, "dt": -3.0, "address": -3.0, "th": -5.0}  # fmt: skip


def _link_density(tag: Tag, text_len: int) -> float:
    links = sum(len(a.get_text()) for a in tag.find_all("a"))
    return links / max(text_len, 1)


def _own_text_len(tag: Tag) -> int:
    """Length of the text directly in `tag` and its inline children (not nested blocks)."""
    total = 0
    stack = list(tag.contents)
    while stack:
        node = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, _NON_TEXT):
                total += len(node.strip())
        elif isinstance(node, Tag) and node.name not in rules.BLOCK_TAGS:
            stack.extend(node.contents)
    return total


def _find_container(body: Tag) -> Tag:
    """Return the element that holds the article, by Readability-style scoring."""
    for attr, value in rules.ARTICLE_HINTS:
        hinted = body.find_all(attrs={attr: value})
        if hinted:
            best = max(hinted, key=_text_len)
            if _text_len(best) >= 250:
                return best
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for tag in body.find_all(rules.SCORED_TAGS):
        own = _own_text_len(tag)
        if own < 25:
            continue
        text = tag.get_text()
        score = 1.0 + text.count(",") + text.count("،") + text.count("，") + min(own / 100, 3.0)
        ancestor = tag.parent
        for level in range(3):
            if not isinstance(ancestor, Tag):
                break
            key = id(ancestor)
            if key not in nodes:
                nodes[key] = ancestor
                scores[key] = _TAG_WEIGHT.get(ancestor.name, 0.0) + _class_weight(ancestor)
            scores[key] += score / (1, 2, 3)[level]
            ancestor = ancestor.parent
    if not scores:
        return body
    best_key = None
    best_score = float("-inf")
    for key, score in scores.items():
        node = nodes[key]
        final = score * (1 - _link_density(node, max(_text_len(node), 1)))
        if final > best_score:
            best_key, best_score = key, final
    assert best_key is not None
    top = nodes[best_key]
    # Climb while the parent holds the same article text split across siblings.
    while top.parent is not None and top.name not in ("body", "html"):
        parent = top.parent
        if not isinstance(parent, Tag):
            break
        inner, outer = _text_len(top), _text_len(parent)
        if outer and inner / outer < 0.5 and key_score(scores, parent) >= 0.8 * best_score:
            top = parent
            continue
        break
    return top


def key_score(scores: dict[int, float], tag: Tag) -> float:
    """The content score recorded for `tag` (0 when it holds no scored paragraphs)."""
    return scores.get(id(tag), 0.0)


def _sibling_blocks(top: Tag) -> list[Tag]:
    """The container plus siblings that continue the article (body split by boxes)."""
    parent = top.parent
    if not isinstance(parent, Tag) or top.name in ("body", "html"):
        return [top]
    out: list[Tag] = []
    for sibling in parent.children:
        if sibling is top:
            out.append(top)
            continue
        if not isinstance(sibling, Tag) or sibling.name not in (
            "p",
            "div",
            "section",
            "blockquote",
            "ul",
            "ol",
            "pre",
            "table",
        ):
            continue
        length = _text_len(sibling)
        if length < 80:
            continue
        if _link_density(sibling, length) < 0.25 and sibling.name in ("p", "blockquote", "pre"):
            out.append(sibling)
    return out


def _keep_block(block: _Block) -> bool:
    words = len(block.text.split())
    if words <= 25 and rules.BOILERPLATE_LINE_RE.match(block.text):
        return False
    if block.link_density > 0.5 and (words < 40 or block.tag in ("li", "ul", "ol", "td")):
        return False
    return not (block.link_density > 0.8)


_DATELINE = re.compile(
    r"^\W*(?:(?:published|posted|updated|last updated|date|on)\b[:\s]*)?(?P<date>.{6,60})$", re.I
)


@dataclass
class _Header:
    """Byline and date found in the first lines of the body (old pages have no markup)."""

    authors: list[str]
    date: datetime | None


def _take_header(kept: list[str]) -> tuple[list[str], _Header]:
    """Move a leading byline and date line out of the body."""
    from searchlib.clean.dates import parse_date
    from searchlib.clean.metadata import clean_author

    header = _Header([], None)
    out = list(kept)
    for text in kept[:4]:
        if len(text) > 100:
            break
        match = rules.BYLINE_RE.match(text)
        if match and not header.authors:
            names = clean_author(match["names"])
            if names:
                header.authors = names
                out.remove(text)
                # A date often shares the byline's line: "By Jo Roe | May 3, 2009".
                rest = text[match.end() :]
                if header.date is None and re.search(r"\d{4}", rest):
                    header.date = parse_date(rest.strip(" |·,-–"))
                continue
        date_match = _DATELINE.match(text)
        if (
            header.date is None
            and date_match
            and re.search(r"\b(?:19|20)\d\d\b", text)
            and len(re.findall(r"[^\W\d]+", text)) <= 6
        ):
            parsed = parse_date(date_match["date"])
            if parsed:
                header.date = parsed
                out.remove(text)
                continue
    return out, header


def _body_text(blocks: list[_Block], title: str) -> tuple[str, _Header]:
    kept: list[str] = []
    seen: set[str] = set()
    for block in blocks:
        if not _keep_block(block):
            continue
        if block.text in seen and len(block.text) < 200:
            continue  # repeated labels and captions
        seen.add(block.text)
        kept.append(block.text)
    if kept and title and squash(kept[0]).casefold() == title.casefold():
        kept = kept[1:]
    kept, header = _take_header(kept)
    # Cut the trailing furniture that starts with "Related articles", "Leave a reply"...
    total = sum(len(k) for k in kept)
    running = 0
    for i, text in enumerate(kept):
        if running > 0.5 * total and rules.TRAILER_START_RE.match(text) and len(text) < 120:
            kept = kept[:i]
            break
        running += len(text)
    return "\n\n".join(kept), header


def _choose_title(meta_title: str, title_tag: str, h1s: list[str], site: str | None) -> str:
    stripped = strip_site_name(title_tag, site) if title_tag else ""
    for h1 in h1s:
        low = h1.casefold()
        if len(h1) > 3 and (
            low in title_tag.casefold() or (meta_title and low in meta_title.casefold())
        ):
            return h1
    if meta_title:
        return strip_site_name(meta_title, site)
    if h1s and len(h1s[0]) > 10:
        return h1s[0]
    return stripped


def clean_soup(soup: BeautifulSoup, url: str | None = None) -> Article:
    """Extract the article from a parsed page."""
    meta = read_meta(soup, url)
    body = soup.body or soup
    h1s = [squash(h.get_text(" ")) for h in body.find_all("h1", limit=5)]
    h1s = [h for h in h1s if h]
    title = _choose_title(meta.title, meta.title_tag, h1s, meta.site)
    _prune(soup)
    body = soup.body or soup
    container = _find_container(body)
    blocks = [b for tag in _sibling_blocks(container) for b in _blocks(tag)]
    text, header = _body_text(blocks, title)
    return Article(
        title=title,
        body=text,
        date=meta.date or header.date,
        authors=tuple(meta.authors or header.authors),
        url=meta.url,
        site=meta.site,
        tags=tuple(meta.tags),
        language=meta.language,
    )
