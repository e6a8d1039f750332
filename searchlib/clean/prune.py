"""Remove the page's boilerplate: elements dropped by tag, role, visibility and the
class/id vocabulary of `rules`, unless they hold the article."""

from __future__ import annotations

from bs4 import NavigableString, Tag

from searchlib.clean import rules
from searchlib.clean import thresholds as th
from searchlib.clean.markup import boilerplate_kind, is_hidden
from searchlib.clean.scoring import score_candidates
from searchlib.clean.tree import SKIP, PageTree, Stat

#: Elements never dropped: the page and its marked article.
_PROTECTED_TAGS = frozenset({"html", "body", "article", "main"})
#: Elements that can hold a whole comment section.
_SECTION_TAGS = frozenset({"div", "section", "table", "tbody", "ul", "ol", "dl", "aside"})


def _prose_section(tag: Tag, stat: Stat) -> bool:
    """Whether an element named as navigation is a section of prose: long, few links,
    and written in paragraphs (a script-driven menu of <span>s has no links either)."""
    return (
        stat.text >= th.PROSE_SECTION
        and stat.links <= th.PROSE_SECTION_LINKS * stat.text
        and tag.find("p") is not None
    )


def _headed_by_comments(tag: Tag) -> bool:
    """Whether the first text inside `tag` is a comment-section heading."""
    for steps, node in enumerate(tag.descendants):
        if steps > th.COMMENT_HEADING_NODES:
            return False
        if type(node) is NavigableString and not node.isspace():
            parent = node.parent
            if parent is not None and parent.name in SKIP:
                continue
            return bool(rules.COMMENT_HEADING_RE.match(node.strip()))
    return False


class Pruned:
    """The page after boilerplate removal: dropped subtrees are remembered, not deleted.

    `kept` lists the elements left, in page order; the statistics of their ancestors no
    longer count what was dropped.
    """

    def __init__(self, tree: PageTree) -> None:
        self.tree = tree
        self.dropped: set[int] = set()
        self.kept: list[Tag] = tree.elements
        body = tree.body
        total = max(tree.stat(body).text, 1)
        # The best content block before pruning, and its ancestors, are never pruned for
        # their vocabulary: layout wrappers carry names like "has-sidebar" or "with-ads".
        self.protected: set[int] = set()
        scored = score_candidates(tree, self.kept)
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
            if card.name == "article" and tree.stat(card).text >= th.TEASER_SIZE:
                node = card.parent
                for _ in range(th.MAX_ANCESTORS):  # a page of nested <article>s stays linear
                    if not isinstance(node, Tag):
                        break
                    self.cards[id(node)] = self.cards.get(id(node), 0) + 1
                    node = node.parent
        stack: list[Tag] = [c for c in reversed(body.contents) if isinstance(c, Tag)]
        self.kept = [body]
        while stack:
            tag = stack.pop()
            if tag.name in SKIP:
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
        if is_hidden(tag):
            return not stat.marker
        if name in rules.NAV_TAGS:
            return stat.text <= th.NAV_SHARE * total
        named = tag.attrs or "-" in name
        kind = boilerplate_kind(tag) if named and name not in rules.CLASS_EXEMPT_TAGS else None
        if (
            kind is None
            and name in _SECTION_TAGS
            and stat.text > th.COMMENT_SECTION
            and _headed_by_comments(tag)
        ):
            kind = "comment"
        if kind == "comment":
            return not stat.marker or id(tag) not in self.protected
        if id(tag) in self.protected or (stat.marker and not self._teaser_list(tag, kind)):
            return False
        # A wrapper of most of the page with an unlucky class name is not boilerplate.
        if stat.text > th.WRAPPER_SHARE * total:
            return False
        if kind == "widget":
            return stat.text < th.WIDGET_SIZE or stat.links > th.WIDGET_LINKS * stat.text
        if kind == "links":
            return not _prose_section(tag, stat)
        if kind is not None:
            return True
        if name == "figure" and stat.text < th.FIGURE_SIZE:
            return True
        if name == "form" and tag.find("textarea") is not None:
            return True  # a comment or contact form, with its prompts and notices
        if name in rules.WEAK_DROP_TAGS:
            # Page headers, footers and sidebars are link furniture; an article's own
            # header (headline, standfirst) or a pull-quote aside is prose.
            return stat.links > th.FURNITURE_LINKS * stat.text or stat.text < th.FURNITURE_SIZE
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
        """Whether `tag` is left out of the text: skipped by name or dropped."""
        return tag.name in SKIP or id(tag) in self.dropped

    def removed(self, tag: Tag) -> bool:
        """Whether `tag` or an element around it was dropped."""
        node: Tag | None = tag
        while isinstance(node, Tag):
            if id(node) in self.dropped:
                return True
            node = node.parent
        return False
