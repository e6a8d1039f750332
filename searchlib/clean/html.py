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
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from searchlib.clean import rules
from searchlib.clean.dates import (
    DateOrder,
    find_date,
    find_labelled_date,
    parse_date,
    publication_date,
    year_only,
)
from searchlib.clean.metadata import clean_author, read_meta, squash
from searchlib.clean.text import is_reported_prose
from searchlib.clean.titles import is_label, key, pick_headline
from searchlib.clean.tree import _SKIP, TEASER_SIZE, PageTree, Stat, walk
from searchlib.models import Article

_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_COMMENT_TOKENS = frozenset({"comment", "comments", "commentlist", "respond", "disqus",
                             "wpdiscuz", "commentform", "replies", "discussion"})  # fmt: skip
_PROTECTED_TAGS = frozenset({"html", "body", "article", "main"})


@dataclass
class _Block:
    text: str
    link_chars: int
    tag: str

    @property
    def link_density(self) -> float:
        return self.link_chars / max(len(self.text), 1)


#: Class names that file a post under a topic ("tag-elections", "category-comments") say
#: what the post is about, not what the element is.
_TAXONOMY_CLASS = re.compile(
    r"^(?:tag|tags|category|categories|cat|topic|rubrik|ressort)[-_]", re.I
)


def _attr_text(tag: Tag) -> str:
    # A custom element's name says what it is, as a class would ("site-footer").
    parts: list[str] = [tag.name] if "-" in tag.name else []
    for name in ("class", "id"):
        value = tag.get(name)
        if isinstance(value, list):
            parts.extend(v for v in value if not _TAXONOMY_CLASS.match(v))
        elif isinstance(value, str):
            parts.append(value)
    return " ".join(parts)


def _is_entry(tag: Tag) -> bool:
    """The element a blog system marks as the post itself (WordPress post_class, hAtom)."""
    classes = tag.get("class")
    return isinstance(classes, list) and ("hentry" in classes or "type-post" in classes)


def _tokens(raw: str) -> set[str]:
    return {t for t in _TOKEN_SPLIT.split(_CAMEL.sub("-", raw).lower()) if t}


def boilerplate_kind(tag: Tag) -> str | None:
    """Return "comment", "other", "widget" (boilerplate only when small) or "links"
    (boilerplate unless it is prose) when the tag's markup marks it as boilerplate."""
    role = tag.get("role")
    if isinstance(role, str) and role.lower() in rules.BOILERPLATE_ROLES:
        return "other"
    raw = _attr_text(tag)
    if not raw or _is_entry(tag):
        return None
    tokens = _tokens(raw)
    if tokens & _COMMENT_TOKENS or rules.COMMENT_ATTR_RE.search(raw.lower()):
        return "comment"
    found = tokens & rules.BOILERPLATE_TOKENS
    links = bool(found) and found <= rules.LINK_FURNITURE_TOKENS
    if found and not found <= rules.WIDGET_TOKENS and not links:
        return "other"
    low = raw.lower()
    if any(s in low for s in rules.BOILERPLATE_SUBSTRINGS):
        return "other"
    return "links" if links else "widget" if found else None


#: The id React gives content it streams in hidden and reveals by script ("S:0").
_STREAMED_ID = re.compile(r"S:\d+")


#: A section named as navigation holds the article's text when it is at least this long
#: (characters), with at most this share of it in links, and paragraphs.
PROSE_SECTION = 300
PROSE_SECTION_LINKS = 0.1


def _prose_section(tag: Tag, stat: Stat) -> bool:
    """Whether an element named as navigation is a section of prose: long, few links,
    and written in paragraphs (a script-driven menu of <span>s has no links either)."""
    return (
        stat.text >= PROSE_SECTION
        and stat.links <= PROSE_SECTION_LINKS * stat.text
        and tag.find("p") is not None
    )


def _is_hidden(tag: Tag) -> bool:
    attrs = tag.attrs
    if "hidden" in attrs:
        streamed = isinstance(attrs.get("id"), str) and _STREAMED_ID.fullmatch(attrs["id"])
        return not streamed
    if attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))


#: Elements that can hold a whole comment section.
_SECTION_TAGS = frozenset({"div", "section", "table", "tbody", "ul", "ol", "dl", "aside"})


def _headed_by_comments(tag: Tag) -> bool:
    """Whether the first text inside `tag` is a comment-section heading."""
    for steps, node in enumerate(tag.descendants):
        if steps > 40:
            return False
        if type(node) is NavigableString and not node.isspace():
            parent = node.parent
            if parent is not None and parent.name in _SKIP:
                continue
            return bool(rules.COMMENT_HEADING_RE.match(node.strip()))
    return False


def _all_tags(tree: PageTree) -> list[Tag]:
    """Every element under the body that is not skipped outright (script, style...)."""
    out: list[Tag] = []
    stack: list[Tag] = [tree.body]
    while stack:
        tag = stack.pop()
        out.append(tag)
        stack.extend(
            c for c in reversed(tag.contents) if isinstance(c, Tag) and c.name not in _SKIP
        )
    return out


class _Pruned:
    """The page after boilerplate removal: dropped subtrees are remembered, not deleted."""

    def __init__(self, tree: PageTree) -> None:
        self.tree = tree
        self.dropped: set[int] = set()
        self.kept: list[Tag] = _all_tags(tree)
        body = tree.body
        total = max(tree.stat(body).text, 1)
        # The best content block before pruning, and its ancestors, are never pruned for
        # their vocabulary: layout wrappers carry names like "has-sidebar" or "with-ads".
        self.protected: set[int] = set()
        scored = _score_candidates(self)
        if scored:
            node: Tag | None = max(scored.values(), key=lambda entry: entry[1])[0]
            while isinstance(node, Tag):
                self.protected.add(id(node))
                node = node.parent
        # What holds the page's headline, <main> or marked body, and how many
        # story-sized <article>s each element holds: several are a list of teaser cards.
        self.story: set[int] = set()
        for mark in [*tree.h1s, *tree.hinted, *(t for t in self.kept if t.name == "main")]:
            node = mark
            while isinstance(node, Tag) and id(node) not in self.story:
                self.story.add(id(node))
                node = node.parent
        self.cards: dict[int, int] = {}
        for card in self.kept:
            if card.name == "article" and tree.stat(card).text >= TEASER_SIZE:
                node = card.parent
                for _ in range(40):  # bounded: a page of nested <article>s stays linear
                    if not isinstance(node, Tag):
                        break
                    self.cards[id(node)] = self.cards.get(id(node), 0) + 1
                    node = node.parent
        stack: list[Tag] = [c for c in reversed(body.contents) if isinstance(c, Tag)]
        self.kept = [body]
        while stack:
            tag = stack.pop()
            if tag.name in _SKIP:
                continue
            if self._should_drop(tag, total):
                self._drop(tag)
                continue
            self.kept.append(tag)
            stack.extend(c for c in reversed(tag.contents) if isinstance(c, Tag))

    def _should_drop(self, tag: Tag, total: int) -> bool:
        name = tag.name
        if name in _PROTECTED_TAGS:
            return False
        stat = self.tree.stat(tag)
        if _is_hidden(tag):
            return not stat.marker
        if name in rules.NAV_TAGS:
            return stat.text <= 0.5 * total
        named = tag.attrs or "-" in name
        kind = boilerplate_kind(tag) if named and name not in rules.CLASS_EXEMPT_TAGS else None
        if kind is None and name in _SECTION_TAGS and stat.text > 200 and _headed_by_comments(tag):
            kind = "comment"
        if kind == "comment":
            return not stat.marker or id(tag) not in self.protected
        if id(tag) in self.protected or (stat.marker and not self._teaser_list(tag, kind)):
            return False
        # A wrapper of most of the page with an unlucky class name is not boilerplate.
        if stat.text > 0.6 * total:
            return False
        if kind == "widget":
            return stat.text < 500 or stat.links > 0.3 * stat.text
        if kind == "links":
            return not _prose_section(tag, stat)
        if kind is not None:
            return True
        if name == "figure" and stat.text < 300:
            return True
        if name == "form" and tag.find("textarea") is not None:
            return True  # a comment or contact form, with its prompts and notices
        if name in rules.WEAK_DROP_TAGS:
            # Page headers, footers and sidebars are link furniture; an article's own
            # header (headline, standfirst) or a pull-quote aside is prose.
            return stat.links > 0.25 * stat.text or stat.text < 25
        return False

    def _teaser_list(self, tag: Tag, kind: str | None) -> bool:
        """Whether `tag`, named as boilerplate ("related"), holds its story-sized
        <article>s as a list of cards: several, and not the page's headline or body."""
        return kind == "other" and self.cards.get(id(tag), 0) > 1 and id(tag) not in self.story

    def _drop(self, tag: Tag) -> None:
        self.dropped.add(id(tag))
        gone = self.tree.stat(tag)
        parent = tag.parent
        inline = tag.name not in rules.BLOCK_TAGS
        while parent is not None:
            up = self.tree.stats.get(id(parent))
            if up is None:
                break
            up.text -= gone.text
            up.links -= gone.links
            if inline:
                up.inline -= gone.inline
                up.inline_links -= gone.inline_links
                up.commas -= gone.commas
                inline = parent.name not in rules.BLOCK_TAGS
            parent = parent.parent

    def skip(self, tag: Tag) -> bool:
        return tag.name in _SKIP or id(tag) in self.dropped

    def removed(self, tag: Tag) -> bool:
        """Whether `tag` or an element around it was dropped."""
        node: Tag | None = tag
        while isinstance(node, Tag):
            if id(node) in self.dropped:
                return True
            node = node.parent
        return False


def _blocks(root: Tag, pruned: _Pruned) -> Iterator[_Block]:
    """Serialise `root` into text blocks, one per block-level element, iteratively."""
    parts: list[str] = []
    link_chars = 0
    current = "p"
    stack: list[tuple[Tag | NavigableString, bool]] = [(root, True)]
    link_depth = 0
    while stack:
        node, entering = stack.pop()
        if not isinstance(node, Tag):
            if type(node) is NavigableString:
                text = str(node)
                parts.append(text)
                if link_depth:
                    link_chars += len(text.strip())
            continue
        name = node.name
        block = name in rules.BLOCK_TAGS
        if entering:
            if pruned.skip(node):
                if block and parts:
                    parts.append(" ")
                continue
            if block and parts:
                yield from _flush(parts, link_chars, current)
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
                yield from _flush(parts, link_chars, current)
                parts, link_chars = [], 0
    yield from _flush(parts, link_chars, current)


def _flush(parts: list[str], link_chars: int, tag: str) -> Iterator[_Block]:
    """The block made of the text gathered so far, if it holds any."""
    text = squash("".join(parts))
    if text:
        yield _Block(text, link_chars, tag)


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


def _density(pruned: _Pruned, tag: Tag) -> float:
    stat = pruned.tree.stat(tag)
    return max(stat.links, 0) / max(stat.text, 1)


def _score_candidates(pruned: _Pruned) -> dict[int, tuple[Tag, float]]:
    """Readability's content score for every ancestor of a paragraph-like block."""
    tree = pruned.tree
    scores: dict[int, list[Any]] = {}
    for tag in pruned.kept:
        if tag.name not in rules.SCORED_TAGS:
            continue
        stat = tree.stat(tag)
        if stat.inline < 25:
            continue
        # A long block counts as the paragraphs it holds: a post typed as one <p> of
        # text and <br>s must outweigh a sidebar widget of three short paragraphs.
        score = 1.0 + stat.commas + min(stat.inline / 100, 3.0) + 4.0 * (stat.inline // 500)
        ancestor = tag.parent
        for level in range(3):
            if not isinstance(ancestor, Tag):
                break
            entry = scores.get(id(ancestor))
            if entry is None:
                base = _TAG_WEIGHT.get(ancestor.name, 0.0) + _class_weight(ancestor)
                entry = scores[id(ancestor)] = [ancestor, base]
            entry[1] += score / (1, 2, 3)[level]
            ancestor = ancestor.parent
    return {key: (tag, score * (1 - _density(pruned, tag))) for key, (tag, score) in scores.items()}


#: A box this small (characters) around a paragraph, the rest of whose text is mostly
#: links (a linked headline, "Read more"), is a teaser card: an excerpt of another page.
CARD_SIZE = 500
CARD_LINKS = 0.5


def _in_card(tree: PageTree, tag: Tag) -> bool:
    """Whether paragraph `tag` is the excerpt of a teaser card: the first element around
    it that holds more than it is small, and what it adds is mostly links."""
    own = tree.stat(tag)
    node = tag.parent
    for _ in range(3):
        if not isinstance(node, Tag):
            return False
        stat = tree.stat(node)
        extra = stat.text - own.text
        if extra > 0:
            return stat.text < CARD_SIZE and stat.links - own.links >= CARD_LINKS * extra
        node = node.parent
    return False


def _paragraph_mass(pruned: _Pruned, top: Tag) -> dict[int, int]:
    """For each element, the characters of prose paragraphs (not link lists) beneath it.

    Excerpts in teaser cards outside `top` (the best-scored block) are not counted:
    they would widen the article to the lists of other stories around it. When `top`
    holds cards itself, the page is a list of them, and they all count.
    """
    tree = pruned.tree
    found: list[tuple[int, list[Tag], bool]] = []
    top_is_card = False
    for tag in pruned.kept:
        if tag.name not in rules.SCORED_TAGS:
            continue
        stat = tree.stat(tag)
        # The element's own text decides: a post written as text and <br>s straight in
        # its <div> still has many links further down.
        if stat.inline < 25 or stat.inline_links > 0.3 * stat.inline or id(tag) in tree.in_link:
            continue
        chain = [tag]
        for _ in range(40):  # bounded: pathological pages nest thousands deep
            parent = chain[-1].parent
            if not isinstance(parent, Tag):
                break
            chain.append(parent)
        card = _in_card(tree, tag)
        inside = any(node is top for node in chain)
        top_is_card = top_is_card or (card and inside)
        found.append((stat.inline, chain, card and not inside))
    mass: dict[int, int] = {}
    for size, chain, outside_card in found:
        if outside_card and not top_is_card:
            continue
        for node in chain:
            mass[id(node)] = mass.get(id(node), 0) + size
    return mass


#: How much a character of non-prose text (links, menus, short labels) costs against a
#: character of prose when choosing the article container.
NON_PROSE_COST = 1.0


def _densest(pruned: _Pruned, fallback: Tag) -> Tag:
    """The element that best trades prose held against other text held.

    Articles built from many small components (a div per paragraph) defeat per-block
    scoring; counting all prose beneath an element, minus what else it holds, finds the
    component's common ancestor without taking in the sidebars. The <body> itself is
    never chosen here: teasers and excerpts elsewhere on a page could tip it over the
    article, and an article written straight into the body is still gathered by the
    sibling merge that follows.
    """
    mass = _paragraph_mass(pruned, fallback)
    if not mass:
        return fallback
    tree = pruned.tree
    best, best_value = fallback, float("-inf")
    for tag in pruned.kept:
        prose = mass.get(id(tag), 0)
        if not prose or tag is tree.body:
            continue
        other = max(tree.stat(tag).text - prose, 0)
        value = prose - NON_PROSE_COST * other
        if value > best_value:
            best, best_value = tag, value
    return best


def _scope(tag: Tag) -> int:
    """The nearest enclosing schema.org item: the article, or one comment of many."""
    node = tag.parent
    while isinstance(node, Tag):
        if "itemscope" in node.attrs:
            return id(node)
        node = node.parent
    return 0


def _hinted_body(pruned: _Pruned) -> list[Tag]:
    """The article body as the page marks it (itemprop=articleBody and the like).

    Some pages mark each paragraph as a part of the body; the parts of one item are
    gathered, with the subheadings between them when their common parent holds little
    else.
    """
    tree = pruned.tree
    hinted = [t for t in tree.hinted if not pruned.removed(t)]
    marked = {id(t) for t in hinted}
    outer = [t for t in hinted if not any(id(a) in marked for a in t.parents)]
    groups: dict[int, list[Tag]] = {}
    for tag in outer:
        groups.setdefault(_scope(tag), []).append(tag)
    if not groups:
        return []
    parts = max(groups.values(), key=lambda g: sum(tree.stat(t).text for t in g))
    size = sum(tree.stat(t).text for t in parts)
    if size < 250:
        return []
    if len(parts) > 1:
        common: Tag | None = parts[0]
        for tag in parts[1:]:
            common = _common_ancestor(common, tag) if common is not None else None
        if common is not None and tree.stat(common).text <= 1.25 * size + 200:
            return [common]
    return parts


def _find_container(pruned: _Pruned) -> list[Tag]:
    """The element(s) holding the article: a marked-up body, or the best-scored block
    with the siblings that continue it (an article split by ads or boxes)."""
    tree = pruned.tree
    hinted = _hinted_body(pruned)
    if hinted:
        return hinted
    scored = _score_candidates(pruned)
    if not scored:
        return [tree.body]
    top, top_score = max(scored.values(), key=lambda entry: entry[1])
    top = _densest(pruned, top)
    parent = top.parent
    if not isinstance(parent, Tag) or top is tree.body:
        return [top]
    threshold = max(10.0, top_score * 0.2)
    out: list[Tag] = []
    for sibling in parent.children:
        if sibling is top:
            out.append(top)
            continue
        if not isinstance(sibling, Tag) or pruned.skip(sibling):
            continue
        entry = scored.get(id(sibling))
        if entry is not None and entry[1] >= threshold:
            out.append(sibling)
            continue
        stat = tree.stat(sibling)
        density = _density(pruned, sibling)
        if sibling.name in (
            "p",
            "blockquote",
            "pre",
            "ul",
            "ol",
            "h2",
            "h3",
            "h4",
            "table",
            "div",
            "section",
        ) and (
            (stat.text > 80 and density < 0.25)
            or (
                0 < stat.text <= 80
                and density == 0
                and sibling.get_text().rstrip().endswith((".", "!", "?", ":"))
            )
        ):
            out.append(sibling)
    return out


def _widen_to_main(pruned: _Pruned, container: list[Tag]) -> list[Tag]:
    """The page's one <main>, when the chosen block is under half of it and the rest is
    prose too: pages built of several <article> boxes (a recipe, a fact sheet) hold
    the story in all of them."""
    tree = pruned.tree
    mains = [t for t in pruned.kept if t.name == "main" and not pruned.skip(t)]
    if len(mains) != 1 or len(container) != 1:
        return container
    main = mains[0]
    top = container[0]
    if top is main or main not in top.parents:
        return container
    stat = tree.stat(main)
    size = tree.stat(top).text
    if size < 0.5 * stat.text and _density(pruned, main) < 0.25:
        return [main]
    return container


def _common_ancestor(a: Tag, b: Tag) -> Tag | None:
    seen = {id(a)}
    node = a.parent
    while isinstance(node, Tag):
        seen.add(id(node))
        node = node.parent
    node = b
    while isinstance(node, Tag):
        if id(node) in seen:
            return node
        node = node.parent
    return None


def _lead(pruned: _Pruned, container: list[Tag], blocks: list[_Block]) -> list[_Block]:
    """The standfirst: prose between the headline and the body container, which many
    layouts put in the article's header, apart from the body."""
    tree = pruned.tree
    h1s = [h for h in tree.h1s if id(h) not in pruned.dropped]
    if not h1s or not container or not blocks:
        return []
    h1 = h1s[0]
    article = _common_ancestor(h1, container[0])
    if article is None or article is container[0] or article is h1:
        return []
    # Only within the article: an ancestor holding much more than the body is the page.
    body_size = sum(tree.stat(t).text for t in container)
    if tree.stat(article).text > body_size + 1500:
        return []
    headline = squash(h1.get_text(" "))
    first = blocks[0].text
    lead: list[_Block] = []
    size = 0
    started = False
    for block in _blocks(article, pruned):
        if not started:
            started = block.text == headline
            continue
        if block.text == first:
            return lead
        if (
            len(block.text) >= 60
            and block.link_density < 0.2
            and _keep_block(block)
            and size < 1000
        ):
            lead.append(block)
            size += len(block.text)
    return []  # the container does not follow the headline


def _is_label(text: str) -> bool:
    """A few words without sentence punctuation: a heading or a caption-like label."""
    # Closing quotes of all the common styles: “English”, „German“, »German«, «French».
    return len(text.split()) <= 8 and not text.rstrip().endswith(
        (".", "!", "?", "”", "“", "’", '"', "»", "«", "›", "‹")
    )


def _keep_block(block: _Block) -> bool:
    words = len(block.text.split())
    if (
        words <= 25
        and rules.BOILERPLATE_LINE_RE.match(block.text)
        and not is_reported_prose(block.text)
    ):
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


def _take_header(kept: list[str], order: DateOrder | None) -> tuple[list[str], _Header]:
    """Move a leading byline and date line out of the body."""
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
                    header.date = publication_date(rest.strip(" |·,-–"), order)
                continue
        date_match = _DATELINE.match(text)
        if (
            header.date is None
            and date_match
            and re.search(r"\b(?:19|20)\d\d\b", text)
            and len(re.findall(r"[^\W\d]+", text)) <= 6
        ):
            parsed = parse_date(date_match["date"], order)
            if parsed:
                # The line goes either way; a year alone dates nothing.
                header.date = None if year_only(date_match["date"]) else parsed
                out.remove(text)
                continue
    return out, header


_COMMENT_WORD = re.compile(r"\b(?:comment|respons|repl)", re.I)


def _mentions_comments(text: str) -> bool:
    """Whether a line that reads like a comment notice is a sentence of the story that
    mentions comments in passing ("..., they ask it to add comments explaining it."):
    third-person prose whose first eight words are not about comments, as every notice's
    are ("NOTE: Comments will stay active for a week.")."""
    first = _COMMENT_WORD.search(text)
    return first is not None and len(text[: first.start()].split()) >= 8 and is_reported_prose(text)


def _body_text(
    blocks: list[_Block], title: str, order: DateOrder | None = None
) -> tuple[str, _Header]:
    kept: list[str] = []
    seen: set[str] = set()
    # A short label directly followed by dropped furniture (or ending the page) heads
    # that furniture: "More on this topic:", "Latest news", "Tags".
    keep = [_keep_block(block) for block in blocks]
    # A dropped "Comments" heading still marks where the comment section starts.
    notices: set[int] = set()
    for i, block in enumerate(blocks):
        if not keep[i]:
            if len(block.text) < 120 and rules.COMMENT_START_RE.match(block.text):
                notices.add(len(kept))
            continue
        following_dropped = i + 1 >= len(blocks) or not keep[i + 1]
        # List items, table cells and code are content units, not headings of anything.
        heading_like = block.tag not in ("li", "td", "pre")
        if following_dropped and heading_like and _is_label(block.text) and i > 0:
            continue
        if block.text in seen and len(block.text) < 200:
            continue  # repeated labels and captions
        seen.add(block.text)
        kept.append(block.text)
    # Cut the trailing furniture that starts with "Related articles", "Leave a reply",
    # a comment count or a commenter's signature.
    total = sum(len(k) for k in kept)
    running = 0
    for i, text in enumerate(kept):
        # Comment notices are specific enough to trust early (a long comment thread can
        # outweigh the article); generic "Related" labels only in the second half.
        early = running > max(300, 0.1 * total)
        if (early and i in notices) or (
            len(text) < 400
            and (
                (running > 0.4 * total and rules.TRAILER_START_RE.match(text) and len(text) < 120)
                or (early and rules.COMMENT_START_RE.match(text) and not _mentions_comments(text))
            )
        ):
            kept = kept[:i]
            break
        running += len(text)
    if kept and title and key(kept[0]) == key(title):
        kept = kept[1:]
    kept, header = _take_header(kept, order)
    return "\n\n".join(kept), header


#: How far into a paragraph a date may start to be the story's dateline (characters).
_DATELINE_SPAN = 40
#: A line that holds a date and little else: a byline or date line, not a sentence.
_DATE_LINE_WORDS = 8


def _is_date_line(text: str) -> bool:
    """Whether a block near the headline is a date or byline line ("By Jo Roe | May 3,
    2009", "Monday | 07/01/2008"): short, few words, not a sentence. A date inside the
    story ("born Jan. 13, 1968.") says nothing of when the story was published."""
    if len(text) > 150 or len(re.findall(r"[^\W\d]+", text)) > _DATE_LINE_WORDS + 2:
        return False
    return bool(rules.BYLINE_RE.match(text)) or not text.rstrip().endswith((".", "!", "?", ";"))


def _visible_date(tree: PageTree, pruned: _Pruned, order: DateOrder | None) -> datetime | None:
    """A date on a date or byline line near the headline (pages without markup), else one
    the page labels as published."""
    start = tree.h1s[0] if tree.h1s else tree.body
    size = 0
    links: set[str] | None = None
    for block in _blocks(
        start.parent if isinstance(start.parent, Tag) and start is not tree.body else start, pruned
    ):
        # A date line, or a dateline that opens the story ("27.1.2022 - In Berlin ...").
        line = block.text if _is_date_line(block.text) else block.text[:_DATELINE_SPAN]
        near = find_date(line, order=order)
        if near is not None:
            if links is None:
                links = {squash(a.get_text(" ")) for a in tree.body.find_all("a", href=True)}
            if block.text not in links:
                return near
            # A dated link is another story or an archive ("Since 1st March, 1999").
        size += len(block.text)
        if size > 1500:
            break
    return find_labelled_date(tree.body.get_text(" "), order=order)


#: A body shorter than this (characters) from the chosen container is checked against
#: the page's own article markup, which replaces it when it gives at least twice as much.
SHORT_BODY = 500


def _marked_article(
    pruned: _Pruned, title: str, size: int, order: DateOrder | None
) -> tuple[str, _Header] | None:
    """The text of the page's largest <article> or <main>, when it holds real prose and
    at least twice the `size` of the body found.

    Scoring can pick a small prose widget over a post made mostly of links (a link
    blog), or a block that the line filters then empty; the page's own markup of its
    article is the better guess then.
    """
    marked = [
        tag for tag in pruned.kept if tag.name in ("article", "main") and not pruned.skip(tag)
    ]
    if not marked:
        return None
    best = max(marked, key=lambda tag: pruned.tree.stat(tag).text)
    if pruned.tree.stat(best).text < 2 * size:
        return None
    text, header = _body_text(list(_blocks(best, pruned)), title, order)
    return (text, header) if len(text) >= max(2 * size, 200) else None


def _navigation(tree: PageTree) -> frozenset[str]:
    """Keys of the page's short link texts ("Sports", "Top Stories"), outside its <h1>s:
    a candidate headline that is one of them is the page's navigation."""
    inside = {id(a) for h1 in tree.h1s for a in h1.find_all("a")}
    texts = (a.get_text(" ") for a in tree.body.find_all("a") if id(a) not in inside)
    return frozenset(key(text) for text in texts if 0 < len(text.split()) <= 4)


def clean_soup(soup: BeautifulSoup, url: str | None = None) -> Article:
    """Extract the article from a parsed page."""
    tree = walk(soup)
    meta = read_meta(tree, url)
    h1s = [squash(h.get_text(" ")) for h in tree.h1s[:5]]
    pruned = _Pruned(tree)
    container = _find_container(pruned)
    container = _widen_to_main(pruned, container)
    blocks = [b for tag in container for b in _blocks(tag, pruned)]
    blocks = _lead(pruned, container, blocks) + blocks
    # The body's first line, past a one-word section label ("News", "USA") and a date or
    # byline line ("01-14-2008 15:45").
    lines = [b.text for b in blocks[:20] if _keep_block(b)][:4]
    first_line = next(
        (line for line in lines[:3] if len(line.split()) > 1 and not is_label(line)),
        next(iter(lines), ""),
    )
    lead = " ".join(lines)
    headline = pick_headline(
        meta.title,
        meta.title_tag,
        [h for h in h1s if h],
        first_line,
        meta.site,
        meta.url,
        _navigation(tree),
        lead,
    )
    title = headline.text
    # A first line put in place of a section label may be the story's own first line.
    from_lead = headline.from_lead
    text, header = _body_text(blocks, "" if from_lead else title, meta.order)
    if len(text) < SHORT_BODY:
        text, header = _marked_article(pruned, title, len(text), meta.order) or (text, header)
    date = meta.date or header.date or _visible_date(tree, pruned, meta.order)
    return Article(
        title=title,
        body=text,
        date=date,
        authors=tuple(meta.authors or header.authors),
        url=meta.url,
        site=meta.site,
        tags=tuple(meta.tags),
        language=meta.language,
    )
