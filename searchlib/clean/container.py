"""Choose the element(s) that hold the article, and the standfirst beside them.

A body the page marks up (itemprop=articleBody) is taken as marked; otherwise the
best-scored block (see `scoring`), with the siblings that continue it, widened to the
page's <main> when the story sits in several of its boxes.
"""

from __future__ import annotations

from bs4 import Tag

from searchlib.clean import thresholds as th
from searchlib.clean.blocks import Block, blocks, keep_block
from searchlib.clean.metadata import squash
from searchlib.clean.prune import Pruned
from searchlib.clean.scoring import densest, link_density, score_candidates

#: Siblings of the best block that may continue the article (an article split by ads or
#: boxes); other elements beside it are furniture unless scored as high.
_CONTINUATION_TAGS = frozenset(
    {"p", "blockquote", "pre", "ul", "ol", "h2", "h3", "h4", "table", "div", "section"}
)


def _scope(tag: Tag) -> int:
    """The nearest enclosing schema.org item: the article, or one comment of many."""
    node = tag.parent
    while isinstance(node, Tag):
        if "itemscope" in node.attrs:
            return id(node)
        node = node.parent
    return 0


def common_ancestor(a: Tag, b: Tag) -> Tag | None:
    """The nearest element that holds both `a` and `b` (or is `b`)."""
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


def _hinted_body(pruned: Pruned) -> list[Tag]:
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
    if size < th.MARKED_BODY:
        return []
    if len(parts) > 1:
        common: Tag | None = parts[0]
        for tag in parts[1:]:
            common = common_ancestor(common, tag) if common is not None else None
        if (
            common is not None
            and tree.stat(common).text <= th.MARKED_PARENT_SHARE * size + th.MARKED_PARENT_EXTRA
        ):
            return [common]
    return parts


def _continues(pruned: Pruned, sibling: Tag) -> bool:
    """Whether an unscored sibling of the best block is more of the article: prose with
    few links, or a short line without links that ends a sentence or leads into one."""
    tree = pruned.tree
    stat = tree.stat(sibling)
    density = link_density(tree, sibling)
    return sibling.name in _CONTINUATION_TAGS and (
        (stat.text > th.SIBLING_SIZE and density < th.SIBLING_LINKS)
        or (
            0 < stat.text <= th.SIBLING_SIZE
            and density == 0
            and sibling.get_text().rstrip().endswith((".", "!", "?", ":"))
        )
    )


def find_container(pruned: Pruned) -> list[Tag]:
    """The element(s) holding the article: a marked-up body, or the best-scored block
    with the siblings that continue it (an article split by ads or boxes)."""
    tree = pruned.tree
    hinted = _hinted_body(pruned)
    if hinted:
        return hinted
    scored = score_candidates(tree, pruned.kept)
    if not scored:
        return [tree.body]
    top, top_score = max(scored.values(), key=lambda entry: entry[1])
    top = densest(tree, pruned.kept, top)
    parent = top.parent
    if not isinstance(parent, Tag) or top is tree.body:
        return [top]
    threshold = max(th.SIBLING_SCORE, top_score * th.SIBLING_SCORE_SHARE)
    out: list[Tag] = []
    for sibling in parent.children:
        if sibling is top:
            out.append(top)
            continue
        if not isinstance(sibling, Tag) or pruned.skip(sibling):
            continue
        entry = scored.get(id(sibling))
        if (entry is not None and entry[1] >= threshold) or _continues(pruned, sibling):
            out.append(sibling)
    return out


def widen_to_main(pruned: Pruned, container: list[Tag]) -> list[Tag]:
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
    if size < th.MAIN_SHARE * stat.text and link_density(tree, main) < th.MAIN_LINKS:
        return [main]
    return container


def lead(pruned: Pruned, container: list[Tag], body: list[Block]) -> list[Block]:
    """The standfirst: prose between the headline and the body container, which many
    layouts put in the article's header, apart from the body."""
    tree = pruned.tree
    h1s = [h for h in tree.h1s if id(h) not in pruned.dropped]
    if not h1s or not container or not body:
        return []
    h1 = h1s[0]
    article = common_ancestor(h1, container[0])
    if article is None or article is container[0] or article is h1:
        return []
    # Only within the article: an ancestor holding much more than the body is the page.
    body_size = sum(tree.stat(t).text for t in container)
    if tree.stat(article).text > body_size + th.LEAD_REACH:
        return []
    headline = squash(h1.get_text(" "))
    first = body[0].text
    found: list[Block] = []
    size = 0
    started = False
    for block in blocks(article, pruned):
        if not started:
            started = block.text == headline
            continue
        if block.text == first:
            return found
        if (
            len(block.text) >= th.LEAD_BLOCK
            and block.link_density < th.LEAD_LINKS
            and keep_block(block)
            and size < th.LEAD_SIZE
        ):
            found.append(block)
            size += len(block.text)
    return []  # the container does not follow the headline
