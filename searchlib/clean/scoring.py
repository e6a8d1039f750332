"""Score the page's paragraphs to find the article, as Readability does, and weigh the
prose each element holds against its other text.

The functions read the page's statistics (`PageTree.stat`) and the elements still in it
(`kept`), before or after boilerplate removal.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from bs4 import Tag

from searchlib.clean import rules
from searchlib.clean import thresholds as th
from searchlib.clean.markup import CACHED, attr_text, tokens
from searchlib.clean.tree import PageTree, Stat


def link_density(tree: PageTree, tag: Tag) -> float:
    """The share of the element's text inside links."""
    stat = tree.stat(tag)
    return max(stat.links, 0) / max(stat.text, 1)


def _class_weight(tag: Tag) -> float:
    raw = attr_text(tag)
    return _weight(raw) if raw else 0.0


@lru_cache(maxsize=CACHED)
def _weight(raw: str) -> float:
    """What class and id text `raw` adds to or takes from an element's score."""
    found = tokens(raw)
    weight = 0.0
    if found & rules.CONTENT_TOKENS:
        weight += th.CLASS_WEIGHT
    if found & rules.BOILERPLATE_TOKENS:
        weight -= th.CLASS_WEIGHT
    return weight


def _paragraphs(tree: PageTree, kept: list[Tag]) -> Iterator[tuple[Tag, Stat]]:
    """The paragraph-like elements with enough text of their own to be scored."""
    for tag in kept:
        if tag.name not in rules.SCORED_TAGS:
            continue
        stat = tree.stat(tag)
        if stat.inline >= th.PARAGRAPH_SIZE:
            yield tag, stat


def score_candidates(tree: PageTree, kept: list[Tag]) -> dict[int, tuple[Tag, float]]:
    """Readability's content score for every ancestor of a paragraph-like block, by id."""
    scores: dict[int, list[Any]] = {}
    for tag, stat in _paragraphs(tree, kept):
        # A long block counts as the paragraphs it holds: a post typed as one <p> of
        # text and <br>s must outweigh a sidebar widget of three short paragraphs.
        score = (
            1.0
            + stat.commas
            + min(stat.inline / th.LENGTH_POINT, th.LENGTH_POINTS)
            + th.LONG_BLOCK_POINTS * (stat.inline // th.LONG_BLOCK)
        )
        ancestor = tag.parent
        for divisor in th.ANCESTOR_DIVISORS:
            if not isinstance(ancestor, Tag):
                break
            entry = scores.get(id(ancestor))
            if entry is None:
                base = th.TAG_WEIGHT.get(ancestor.name, 0.0) + _class_weight(ancestor)
                entry = scores[id(ancestor)] = [ancestor, base]
            entry[1] += score / divisor
            ancestor = ancestor.parent
    return {
        key: (tag, score * (1 - link_density(tree, tag))) for key, (tag, score) in scores.items()
    }


def _in_card(tree: PageTree, tag: Tag) -> bool:
    """Whether paragraph `tag` is the excerpt of a teaser card: the first element around
    it that holds more than it is small, and what it adds is mostly links."""
    own = tree.stat(tag)
    node = tag.parent
    for _ in range(th.CARD_REACH):
        if not isinstance(node, Tag):
            return False
        stat = tree.stat(node)
        extra = stat.text - own.text
        if extra > 0:
            return stat.text < th.CARD_SIZE and stat.links - own.links >= th.CARD_LINKS * extra
        node = node.parent
    return False


def _paragraph_mass(tree: PageTree, kept: list[Tag], top: Tag) -> dict[int, int]:
    """For each element, the characters of prose paragraphs (not link lists) beneath it.

    Excerpts in teaser cards outside `top` (the best-scored block) are not counted:
    they would widen the article to the lists of other stories around it. When `top`
    holds cards itself, the page is a list of them, and they all count.
    """
    found: list[tuple[int, list[Tag], bool]] = []
    top_is_card = False
    for tag, stat in _paragraphs(tree, kept):
        # The element's own text decides: a post written as text and <br>s straight in
        # its <div> still has many links further down.
        if stat.inline_links > th.PARAGRAPH_LINKS * stat.inline or id(tag) in tree.in_link:
            continue
        chain = [tag]
        for _ in range(th.MAX_ANCESTORS):  # bounded: pathological pages nest thousands deep
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


def densest(tree: PageTree, kept: list[Tag], fallback: Tag) -> Tag:
    """The element that best trades prose held against other text held.

    Articles built from many small components (a div per paragraph) defeat per-block
    scoring; counting all prose beneath an element, minus what else it holds, finds the
    component's common ancestor without taking in the sidebars. The <body> itself is
    never chosen here: teasers and excerpts elsewhere on a page could tip it over the
    article, and an article written straight into the body is still gathered by the
    sibling merge that follows.
    """
    mass = _paragraph_mass(tree, kept, fallback)
    if not mass:
        return fallback
    best, best_value = fallback, float("-inf")
    for tag in kept:
        prose = mass.get(id(tag), 0)
        if not prose or tag is tree.body:
            continue
        other = max(tree.stat(tag).text - prose, 0)
        value = prose - th.NON_PROSE_COST * other
        if value > best_value:
            best, best_value = tag, value
    return best
