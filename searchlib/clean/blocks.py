"""Serialise the chosen container into text blocks, and judge each block: prose, a label,
a link list or a boilerplate line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bs4 import NavigableString, Tag

from searchlib.clean import rules
from searchlib.clean import thresholds as th
from searchlib.clean.metadata import squash
from searchlib.clean.prune import Pruned
from searchlib.clean.text_lines import is_reported_prose

#: Blocks that are items of a list or a table: link lists at any length.
_LIST_TAGS = ("li", "ul", "ol", "td")
#: Closing punctuation of a sentence, with the closing quotes of all the common styles:
#: “English”, „German“, »German«, «French».
_SENTENCE_END = (".", "!", "?", "”", "“", "’", '"', "»", "«", "›", "‹")


@dataclass
class Block:
    """The text of one block-level element, with how much of it is inside links."""

    text: str
    link_chars: int
    tag: str

    @property
    def link_density(self) -> float:
        return self.link_chars / max(len(self.text), 1)


def blocks(root: Tag, pruned: Pruned) -> Iterator[Block]:
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


def _flush(parts: list[str], link_chars: int, tag: str) -> Iterator[Block]:
    """The block made of the text gathered so far, if it holds any."""
    text = squash("".join(parts))
    if text:
        yield Block(text, link_chars, tag)


def reads_as_label(text: str) -> bool:
    """A few words without sentence punctuation: a heading or a caption-like label."""
    return len(text.split()) <= th.LABEL_WORDS and not text.rstrip().endswith(_SENTENCE_END)


def keep_block(block: Block) -> bool:
    """Whether a block is the story's: not a boilerplate line, not a list of links."""
    words = len(block.text.split())
    if (
        words <= th.BOILERPLATE_BLOCK_WORDS
        and rules.is_boilerplate_text(block.text)
        and not is_reported_prose(block.text)
    ):
        return False
    if block.link_density > th.LINK_BLOCK_SHARE and (
        words < th.LINK_BLOCK_WORDS or block.tag in _LIST_TAGS
    ):
        return False
    return not (block.link_density > th.LINK_LIST_SHARE)
