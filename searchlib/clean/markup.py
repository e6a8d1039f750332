"""What an element's markup says of it: the words of its class and id, whether they name
boilerplate, and whether the element is hidden."""

from __future__ import annotations

import re
from functools import lru_cache

from bs4 import Tag

from searchlib.clean import rules

_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
#: Class names that file a post under a topic ("tag-elections", "category-comments") say
#: what the post is about, not what the element is.
_TAXONOMY_CLASS = re.compile(
    r"^(?:tag|tags|category|categories|cat|topic|rubrik|ressort)[-_]", re.I
)
#: The id React gives content it streams in hidden and reveals by script ("S:0").
_STREAMED_ID = re.compile(r"S:\d+")
#: Distinct class and id texts whose reading is remembered (`tokens`, `_kind`): a page
#: repeats its class names, and a site's pages share them; a few thousand cover a large page.
CACHED = 4096
#: Found in lower-cased class and id text when it holds a boilerplate substring.
_BOILERPLATE_SUBSTRING = re.compile("|".join(map(re.escape, rules.BOILERPLATE_SUBSTRINGS)))


def attr_text(tag: Tag) -> str:
    """The element's class and id words, joined, without topic classes."""
    # A custom element's name says what it is, as a class would ("site-footer").
    parts: list[str] = [tag.name] if "-" in tag.name else []
    attrs = tag.attrs
    for name in ("class", "id"):
        value = attrs.get(name)
        if isinstance(value, list):
            parts.extend(v for v in value if not _TAXONOMY_CLASS.match(v))
        elif isinstance(value, str):
            parts.append(value)
    return " ".join(parts)


def is_entry(tag: Tag) -> bool:
    """The element a blog system marks as the post itself (WordPress post_class, hAtom)."""
    classes = tag.get("class")
    return isinstance(classes, list) and ("hentry" in classes or "type-post" in classes)


@lru_cache(maxsize=CACHED)
def tokens(raw: str) -> frozenset[str]:
    """The words of attribute text, split on -, _, space and camelCase, lower-cased."""
    return frozenset(t for t in _TOKEN_SPLIT.split(_CAMEL.sub("-", raw).lower()) if t)


def boilerplate_kind(tag: Tag) -> str | None:
    """Return "comment", "other", "widget" (boilerplate only when small) or "links"
    (boilerplate unless it is prose) when the tag's markup marks it as boilerplate."""
    role = tag.get("role")
    if isinstance(role, str) and role.lower() in rules.BOILERPLATE_ROLES:
        return "other"
    raw = attr_text(tag)
    if not raw or is_entry(tag):
        return None
    return _kind(raw)


@lru_cache(maxsize=CACHED)
def _kind(raw: str) -> str | None:
    """What class and id text `raw` says of its element (see `boilerplate_kind`)."""
    found_tokens = tokens(raw)
    low = raw.lower()
    if found_tokens & rules.COMMENT_TOKENS or rules.COMMENT_ATTR_RE.search(low):
        return "comment"
    found = found_tokens & rules.BOILERPLATE_TOKENS
    links = bool(found) and found <= rules.LINK_FURNITURE_TOKENS
    if found and not found <= rules.WIDGET_TOKENS and not links:
        return "other"
    if _BOILERPLATE_SUBSTRING.search(low):
        return "other"
    return "links" if links else "widget" if found else None


def is_hidden(tag: Tag) -> bool:
    """Whether the element is hidden (hidden, aria-hidden, display: none), save content a
    script streamed in hidden to reveal it."""
    attrs = tag.attrs
    if "hidden" in attrs:
        streamed = isinstance(attrs.get("id"), str) and _STREAMED_ID.fullmatch(attrs["id"])
        return not streamed
    if attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))
