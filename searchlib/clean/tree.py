"""One walk over a parsed page that gathers what the cleaner needs.

BeautifulSoup's find_all is slow when called again and again, so the cleaner walks the
tree once, without recursion (pages can nest deeper than Python's stack), and keeps
per-element text statistics and the metadata-bearing elements in plain lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag

from searchlib.clean import rules
from searchlib.clean.thresholds import MAX_UNWRAPS, TEASER_SIZE

#: Element names under which text is never article text and metadata is read apart.
SKIP = rules.DROP_TAGS - {"head"}


@dataclass(slots=True)
class Stat:
    """Text statistics of one element's subtree (dropped subtrees excluded)."""

    text: int = 0  # characters of text
    links: int = 0  # characters of text inside <a>
    inline: int = 0  # characters not inside nested block elements (the element's "own" text)
    inline_links: int = 0  # characters of the own text inside <a>
    commas: int = 0  # commas in the own text
    marker: bool = False  # holds <main>, <h1>, an articleBody or a story-sized <article>


@dataclass
class PageTree:
    """The parsed page and what one walk over it found."""

    soup: BeautifulSoup
    body: Tag
    stats: dict[int, Stat]
    metas: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    canonical: str | None = None
    lang: str | None = None
    jsonld: list[str] = field(default_factory=list)
    times: list[Tag] = field(default_factory=list)
    author_tags: list[Tag] = field(default_factory=list)
    date_tags: list[Tag] = field(default_factory=list)
    # Elements whose class or id says "date", "posted", ..., with their place in page order.
    date_hints: list[tuple[int, Tag]] = field(default_factory=list)
    h1_place: int | None = None  # page-order place of the first <h1>
    script_date: str | None = None  # a "datePublished" in a script's data (pages built by JS)
    h1s: list[Tag] = field(default_factory=list)
    hinted: list[Tag] = field(default_factory=list)  # itemprop=articleBody and the like
    # Elements inside an <a>: a teaser card wrapped whole in its link is not prose.
    in_link: set[int] = field(default_factory=set)
    # The body and the elements under it that are not skipped outright, in page order.
    elements: list[Tag] = field(default_factory=list)

    def stat(self, tag: Tag) -> Stat:
        """Statistics of `tag` (zeros for an element that was skipped)."""
        return self.stats.get(id(tag)) or Stat()


_ARTICLE_HINTS = frozenset(v.lower() for _, v in rules.ARTICLE_HINTS)


_SCRIPT_DATE = re.compile(
    r'"(?:date_?published|published_?(?:at|date|on|time))"\s*:\s*"([^"]{8,40})"', re.I
)


def _value(value: object) -> str:
    """An attribute's value as text: a list of class names joined by spaces."""
    if isinstance(value, list):
        return " ".join(value)
    return value if isinstance(value, str) else ""


def _attr(tag: Tag, name: str) -> str:
    return _value(tag.attrs.get(name))


def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern found in a text when any of `words` is in it."""
    return re.compile("|".join(re.escape(word) for word in words))


_AUTHOR_HINT = _any_of(rules.AUTHOR_HINTS)
_DATE_HINT = _any_of(rules.DATE_HINTS)


#: Skipped elements that broken markup can leave wrapping the rest of the page, and what
#: none of them holds when the markup is sound.
_MAY_SWALLOW = frozenset({"button", "label", "select", "figcaption", "audio", "video", "picture",
                          "object", "canvas", "map", "svg", "menuitem"})  # fmt: skip
_PAGE_STRUCTURE = frozenset({"main", "article", "h1", "h2"})


def _holds_structure(tag: Tag) -> bool:
    """Whether `tag` holds one of the page's structural elements (`_PAGE_STRUCTURE`).

    A plain scan of the descendants: bs4's `find` builds a matcher per call, which costs
    more than the scan on the small elements (buttons, icons) this is asked of.
    """
    return any(node.name in _PAGE_STRUCTURE for node in tag.descendants)


def walk(soup: BeautifulSoup) -> PageTree:
    """Walk the page once: each element's own text and its metadata on the way down,
    then the statistics of whole subtrees summed bottom-up."""
    body = soup.body if isinstance(soup.body, Tag) else soup
    tree = PageTree(soup=soup, body=body, stats={})
    stats = tree.stats
    order: list[tuple[Tag, Stat]] = []
    stack: list[Tag] = [soup]
    in_link = tree.in_link
    unwraps = MAX_UNWRAPS
    skip = SKIP
    plain = NavigableString
    body_at: int | None = None
    while stack:
        tag = stack.pop()
        stat = stats[id(tag)] = Stat()
        if tag is body:
            body_at = len(order)
        order.append((tag, stat))
        name = tag.name
        attrs = tag.attrs
        if attrs:
            _note_attrs(tree, tag, attrs, len(order))
        if name == "h1":
            if tree.h1_place is None:
                tree.h1_place = len(order)
            tree.h1s.append(tag)
        elif name == "time":
            tree.times.append(tag)
        elif name == "title" and not tree.title:
            tree.title = tag.get_text(" ")
        elif name == "html":
            tree.lang = _attr(tag, "lang") or _attr(tag, "xml:lang") or None
        linked = name == "a" or id(tag) in in_link
        while True:
            pushed = len(stack)
            skipped: list[Tag] = []
            swallower = None
            size = commas = 0
            for child in reversed(tag.contents):
                child_name = child.name
                if child_name is None:
                    if type(child) is plain:  # text, not a comment or a declaration
                        text = child.strip()
                        if text:
                            size += len(text)
                            commas += text.count(",")
                    continue
                if child_name in skip:
                    if unwraps and child_name in _MAY_SWALLOW and _holds_structure(child):
                        swallower = child
                        break
                    skipped.append(child)
                    continue
                if linked:
                    in_link.add(id(child))
                stack.append(child)
            if swallower is None:
                break
            # An unclosed <div> inside a <button> makes the parser nest the rest of the
            # page in it: the button goes, its content stays.
            del stack[pushed:]
            swallower.unwrap()
            unwraps -= 1
        stat.text = stat.inline = size
        stat.commas = commas
        for child in skipped:
            _note_skipped(tree, child)
    _sum_up(tree, order)
    tree.elements = _body_elements(order, body, body_at)
    return tree


def _body_elements(order: list[tuple[Tag, Stat]], body: Tag, body_at: int | None) -> list[Tag]:
    """The body and its elements, in page order: a run of the walk's `order`, which ends
    at the body's last element (usually the page's)."""
    if body_at is None:
        # A <body> the walk did not reach (inside a skipped element): walk it apart.
        out: list[Tag] = []
        stack: list[Tag] = [body]
        while stack:
            tag = stack.pop()
            out.append(tag)
            stack.extend(
                c for c in reversed(tag.contents) if isinstance(c, Tag) and c.name not in SKIP
            )
        return out
    end = len(order)
    while end > body_at + 1 and not _inside(order[end - 1][0], body):
        end -= 1
    return [tag for tag, _ in order[body_at:end]]


def _inside(tag: Tag, root: Tag) -> bool:
    node = tag.parent
    while node is not None:
        if node is root:
            return True
        node = node.parent
    return False


def _note_attrs(tree: PageTree, tag: Tag, attrs: dict[str, object], place: int) -> None:
    """Note an element whose attributes mark the article body, an author or a date."""
    get = attrs.get
    # Most elements carry a class or an id alone: the rarer attributes are read only
    # when present.
    value = get("itemprop")
    itemprop = _value(value).lower() if value is not None else ""
    value = get("property")
    if itemprop in _ARTICLE_HINTS or (value is not None and _value(value).lower() == "articlebody"):
        tree.hinted.append(tag)
    value = get("rel")
    if itemprop == "author" or (value is not None and "author" in _value(value).lower()):
        tree.author_tags.append(tag)
    elif itemprop == "datepublished":
        tree.date_tags.append(tag)
    else:
        # data-testid names elements by role in script-built pages ("article-date").
        marks = " ".join(
            (_value(get("class")), _value(get("id")), _value(get("data-testid")))
        ).lower()
        if _AUTHOR_HINT.search(marks):
            tree.author_tags.append(tag)
        if _DATE_HINT.search(marks):
            tree.date_hints.append((place, tag))


def _sum_up(tree: PageTree, order: list[tuple[Tag, Stat]]) -> None:
    """Add each element's statistics to its parent's, children before parents (`order`
    is the walk's, parents before children)."""
    stats = tree.stats
    block_tags = rules.BLOCK_TAGS
    hinted = {id(tag) for tag in tree.hinted}
    for tag, stat in reversed(order):
        name = tag.name
        if name == "a":
            stat.links = stat.text
            stat.inline_links = stat.inline
        elif name in ("main", "h1") or (name == "article" and stat.text >= TEASER_SIZE):
            stat.marker = True
        if id(tag) in hinted:
            stat.marker = True
        parent = tag.parent
        if parent is None or name == "head":
            continue
        up = stats[id(parent)]  # the parent of a walked element was walked
        up.text += stat.text
        up.links += stat.links
        up.marker = up.marker or stat.marker
        if name not in block_tags:
            up.inline += stat.inline
            up.inline_links += stat.inline_links
            up.commas += stat.commas


def _note_skipped(tree: PageTree, tag: Tag) -> None:
    """Read metadata from elements whose text is skipped (meta, link, script)."""
    name = tag.name
    if name == "meta":
        key = (
            _attr(tag, "property")
            or _attr(tag, "name")
            or _attr(tag, "itemprop")
            or _attr(tag, "http-equiv")
        )
        content = _attr(tag, "content")
        if key and content.strip():
            tree.metas.append((key.strip().lower(), content))
    elif name == "link":
        if "canonical" in _attr(tag, "rel").lower() and not tree.canonical:
            tree.canonical = _attr(tag, "href").strip() or None
    elif name == "script":
        if "ld+json" in _attr(tag, "type").lower():
            text = tag.string if tag.string is not None else tag.get_text()
            if text and len(text) < 2_000_000:
                tree.jsonld.append(str(text))
        elif tree.script_date is None:
            text = tag.string if tag.string is not None else tag.get_text()
            match = _SCRIPT_DATE.search(text) if text else None
            if match:
                tree.script_date = match[1]
