"""Assemble the article's body from its blocks: labels and repeats left out, the trailing
furniture cut, and a leading byline and date line moved out into the header."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from searchlib.clean import rules
from searchlib.clean import thresholds as th
from searchlib.clean.blocks import Block, blocks, keep_block, reads_as_label
from searchlib.clean.date_order import DateOrder
from searchlib.clean.dates import parse_date, publication_date, year_only
from searchlib.clean.metadata import clean_author
from searchlib.clean.prune import Pruned
from searchlib.clean.text_lines import is_reported_prose
from searchlib.clean.titles import key

_DATELINE = re.compile(
    r"^\W*(?:(?:published|posted|updated|last updated|date|on)\b[:\s]*)?(?P<date>.{6,60})$", re.I
)
_COMMENT_WORD = re.compile(r"\b(?:comment|respons|repl)", re.I)
#: Blocks that are content units, never the heading of what follows them.
_UNIT_TAGS = ("li", "td", "pre")


@dataclass
class Header:
    """Byline and date found in the first lines of the body (old pages have no markup)."""

    authors: list[str]
    date: datetime | None


def _take_header(kept: list[str], order: DateOrder | None) -> tuple[list[str], Header]:
    """Move a leading byline and date line out of the body."""
    header = Header([], None)
    out = list(kept)
    for text in kept[: th.HEADER_LINES]:
        if len(text) > th.HEADER_LINE:
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
            and len(re.findall(r"[^\W\d]+", text)) <= th.DATELINE_WORDS
        ):
            parsed = parse_date(date_match["date"], order)
            if parsed:
                # The line goes either way; a year alone dates nothing.
                header.date = None if year_only(date_match["date"]) else parsed
                out.remove(text)
                continue
    return out, header


def _mentions_comments(text: str) -> bool:
    """Whether a line that reads like a comment notice is a sentence of the story that
    mentions comments in passing ("..., they ask it to add comments explaining it."):
    third-person prose whose first eight words are not about comments, as every notice's
    are ("NOTE: Comments will stay active for a week.")."""
    first = _COMMENT_WORD.search(text)
    return (
        first is not None
        and len(text[: first.start()].split()) >= th.COMMENT_MENTION_WORDS
        and is_reported_prose(text)
    )


def body_text(found: list[Block], title: str, order: DateOrder | None = None) -> tuple[str, Header]:
    """The body's text from its blocks, and the byline and date line it began with.

    Args:
        found: the container's blocks, in page order.
        title: the headline, left out when it opens the body ("" to keep the first line).
        order: how the page writes numeric dates.
    """
    kept: list[str] = []
    seen: set[str] = set()
    # A short label directly followed by dropped furniture (or ending the page) heads
    # that furniture: "More on this topic:", "Latest news", "Tags".
    keep = [keep_block(block) for block in found]
    # A dropped "Comments" heading still marks where the comment section starts.
    notices: set[int] = set()
    for i, block in enumerate(found):
        if not keep[i]:
            if len(block.text) < th.NOTICE_SIZE and rules.COMMENT_START_RE.match(block.text):
                notices.add(len(kept))
            continue
        following_dropped = i + 1 >= len(found) or not keep[i + 1]
        # List items, table cells and code are content units, not headings of anything.
        heading_like = block.tag not in _UNIT_TAGS
        if following_dropped and heading_like and reads_as_label(block.text) and i > 0:
            continue
        if block.text in seen and len(block.text) < th.REPEAT_SIZE:
            continue  # repeated labels and captions
        seen.add(block.text)
        kept.append(block.text)
    kept = _cut_trailer(kept, notices)
    if kept and title and key(kept[0]) == key(title):
        kept = kept[1:]
    kept, header = _take_header(kept, order)
    return "\n\n".join(kept), header


def _cut_trailer(kept: list[str], notices: set[int]) -> list[str]:
    """Cut the trailing furniture that starts with "Related articles", "Leave a reply",
    a comment count or a commenter's signature (`notices`: where a dropped comment
    heading stood)."""
    total = sum(len(k) for k in kept)
    running = 0
    for i, text in enumerate(kept):
        # Comment notices are specific enough to trust early (a long comment thread can
        # outweigh the article); generic "Related" labels only in the second half.
        early = running > max(th.TRAILER_EARLY, th.TRAILER_EARLY_SHARE * total)
        if (early and i in notices) or (
            len(text) < th.TRAILER_LINE
            and (
                (
                    running > th.TRAILER_LATE_SHARE * total
                    and rules.TRAILER_START_RE.match(text)
                    and len(text) < th.NOTICE_SIZE
                )
                or (early and rules.COMMENT_START_RE.match(text) and not _mentions_comments(text))
            )
        ):
            return kept[:i]
        running += len(text)
    return kept


def marked_article(
    pruned: Pruned, title: str, size: int, order: DateOrder | None
) -> tuple[str, Header] | None:
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
    if pruned.tree.stat(best).text < th.MARKED_GAIN * size:
        return None
    text, header = body_text(list(blocks(best, pruned)), title, order)
    wanted = max(th.MARKED_GAIN * size, th.MARKED_ARTICLE)
    return (text, header) if len(text) >= wanted else None
