"""Find the article in an HTML page and return it as clean text with metadata.

The steps, each in its own module: one walk over the parsed page (`tree`); metadata from
JSON-LD, meta tags, <time> and bylines (`metadata`); boilerplate dropped by tag, role,
visibility or class/id vocabulary (`prune`, with `markup` and the vocabulary of `rules`);
the article container chosen by paragraph scores and prose mass, as Readability does
(`scoring`, `container`); then the container serialised block by block, dropping link
lists and boilerplate lines (`blocks`), into the body's text (`body`). The numbers these
steps decide by are named in `thresholds`.
"""

from __future__ import annotations

import re
from datetime import datetime

from bs4 import BeautifulSoup, Tag

from searchlib.clean import rules
from searchlib.clean import thresholds as th
from searchlib.clean.blocks import blocks, keep_block
from searchlib.clean.body import body_text, marked_article
from searchlib.clean.container import find_container, lead, widen_to_main
from searchlib.clean.date_order import DateOrder
from searchlib.clean.dates import find_date, find_labelled_date
from searchlib.clean.metadata import read_meta, squash
from searchlib.clean.prune import Pruned
from searchlib.clean.titles import is_label, key, pick_headline
from searchlib.clean.tree import PageTree, walk
from searchlib.models import Article

__all__ = ["clean_soup"]


def _is_date_line(text: str) -> bool:
    """Whether a block near the headline is a date or byline line ("By Jo Roe | May 3,
    2009", "Monday | 07/01/2008"): short, few words, not a sentence. A date inside the
    story ("born Jan. 13, 1968.") says nothing of when the story was published."""
    if len(text) > th.DATE_LINE or len(re.findall(r"[^\W\d]+", text)) > th.DATE_LINE_WORDS:
        return False
    return bool(rules.BYLINE_RE.match(text)) or not text.rstrip().endswith((".", "!", "?", ";"))


def _visible_date(tree: PageTree, pruned: Pruned, order: DateOrder | None) -> datetime | None:
    """A date on a date or byline line near the headline (pages without markup), else one
    the page labels as published."""
    start = tree.h1s[0] if tree.h1s else tree.body
    size = 0
    links: set[str] | None = None
    for block in blocks(
        start.parent if isinstance(start.parent, Tag) and start is not tree.body else start, pruned
    ):
        # A date line, or a dateline that opens the story ("27.1.2022 - In Berlin ...").
        line = block.text if _is_date_line(block.text) else block.text[: th.DATELINE_SPAN]
        near = find_date(line, order=order)
        if near is not None:
            if links is None:
                links = {squash(a.get_text(" ")) for a in tree.body.find_all("a", href=True)}
            if block.text not in links:
                return near
            # A dated link is another story or an archive ("Since 1st March, 1999").
        size += len(block.text)
        if size > th.DATE_REACH:
            break
    return find_labelled_date(tree.body.get_text(" "), order=order)


def _navigation(tree: PageTree) -> frozenset[str]:
    """Keys of the page's short link texts ("Sports", "Top Stories"), outside its <h1>s:
    a candidate headline that is one of them is the page's navigation."""
    inside = {id(a) for h1 in tree.h1s for a in h1.find_all("a")}
    texts = (a.get_text(" ") for a in tree.body.find_all("a") if id(a) not in inside)
    return frozenset(key(text) for text in texts if 0 < len(text.split()) <= th.NAV_LINK_WORDS)


def clean_soup(soup: BeautifulSoup, url: str | None = None) -> Article:
    """Extract the article from a parsed page."""
    tree = walk(soup)
    meta = read_meta(tree, url)
    h1s = [squash(h.get_text(" ")) for h in tree.h1s[: th.HEADLINE_H1S]]
    pruned = Pruned(tree)
    container = widen_to_main(pruned, find_container(pruned))
    found = [b for tag in container for b in blocks(tag, pruned)]
    found = lead(pruned, container, found) + found
    # The body's first line, past a one-word section label ("News", "USA") and a date or
    # byline line ("01-14-2008 15:45").
    lines = [b.text for b in found[: th.FIRST_BLOCKS] if keep_block(b)][: th.FIRST_LINES]
    first_line = next(
        (
            line
            for line in lines[: th.FIRST_LINE_REACH]
            if len(line.split()) > 1 and not is_label(line)
        ),
        next(iter(lines), ""),
    )
    headline = pick_headline(
        meta.title,
        meta.title_tag,
        [h for h in h1s if h],
        first_line,
        meta.site,
        meta.url,
        _navigation(tree),
        " ".join(lines),
    )
    title = headline.text
    # A first line put in place of a section label may be the story's own first line.
    text, header = body_text(found, "" if headline.from_lead else title, meta.order)
    if len(text) < th.SHORT_BODY:
        text, header = marked_article(pruned, title, len(text), meta.order) or (text, header)
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
