"""Parse a page into BeautifulSoup's tree, built with less work per element.

`BeautifulSoup(text, "lxml")` has lxml parse the page and call back into bs4 for every
start tag, end tag and run of text; bs4's handling of each event (a general `Tag`
constructor, namespace bookkeeping, a fresh attribute dict twice over, structural
comparisons on the way out) was most of the cleaner's time. `parse` takes the same events
from the same lxml parser and builds the same tree (same classes, attributes, strings
and links between them) with what an HTML page needs: the fields every element of a
name shares taken from one bs4 makes, its class split once, strings linked as they come.
Trees are unlinked once a page is done (`parsed`), so they are freed without the cyclic
collector.

Equality with bs4's own tree is what this module promises, so it is checked: the tests
compare both trees node by node on generated markup, and `scripts/profile_clean.py
--check-soup` on whole extraction sets. A bs4 release outside the versions checked
(`CHECKED`), one whose tags hold other fields, or anything unexpected in the events
(namespaced names, non-text values) gets BeautifulSoup's own parse.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

import bs4
from bs4 import BeautifulSoup, Tag
from bs4.element import (
    CharsetMetaAttributeValue,
    Comment,
    ContentMetaAttributeValue,
    Doctype,
    NavigableString,
    ProcessingInstruction,
)
from lxml import etree

# bs4 releases whose parse this module reproduces node for node (checked by the tests
# on each, and on whole page sets by scripts/profile_clean.py --check-soup).
CHECKED = ("4.13.", "4.14.", "4.15.")

_SPACES = "\x20\x0a\x09\x0c\x0d"  # what bs4 counts as ASCII whitespace
_WORDS = re.compile(r"\S+").findall  # how bs4 splits class="a b"
#: The fields of a bs4 tag, in the order its constructor sets them, and those of them
#: that every tag of a name holds alike (`_Builder.kind`).
_TAG_FIELDS = (
    "parser_class", "name", "namespace", "_namespaces", "prefix", "sourceline",
    "sourcepos", "attribute_value_list_class", "attrs", "known_xml", "contents", "parent",
    "previous_element", "next_element", "next_sibling", "previous_sibling", "hidden",
    "can_be_empty_element", "cdata_list_attributes", "preserve_whitespace_tags",
    "interesting_string_types",
)  # fmt: skip
_FIXED = (
    "parser_class", "namespace", "_namespaces", "prefix", "sourceline", "sourcepos",
    "attribute_value_list_class", "known_xml", "hidden", "can_be_empty_element",
    "cdata_list_attributes", "preserve_whitespace_tags", "interesting_string_types",
)  # fmt: skip
_Kind: TypeAlias = "tuple[tuple[Any, ...], type[NavigableString] | None, bool]"
_LINKS = ("parent", "previous_element", "next_element", "previous_sibling", "next_sibling")


class _Unexpected(Exception):
    """An event this builder does not reproduce: the page goes to bs4's own parse."""


def parse(text: str) -> BeautifulSoup:
    """The page's tree, as `BeautifulSoup(text, "lxml")` builds it."""
    return _build(text)[0]


@contextmanager
def parsed(text: str) -> Iterator[BeautifulSoup]:
    """The page's tree, for the `with` block only: its nodes are unlinked after it.

    A tree is linked both ways (parent and child, one node and the next), so it lives
    until the cyclic collector finds it, which costs a pass over every object; unlinked,
    each node goes as soon as nothing refers to it.
    """
    soup, made = _build(text)
    if made is None:
        made = [soup, *soup.descendants]
    try:
        yield soup
    finally:
        del soup
        _unlink(made)


def _unlink(nodes: list[Any]) -> None:
    """Empty each node's fields: no links left, each goes with its last reference."""
    for node in nodes:
        node.__dict__.clear()
    nodes.clear()


def _build(text: str) -> tuple[BeautifulSoup, list[Any] | None]:
    """The tree and every node made, in page order (None where bs4 made it)."""
    with warnings.catch_warnings():
        # bs4 warns when a page looks like a file name or like XML; any text is a
        # page here, and library code must not print.
        warnings.simplefilter("ignore")
        if bs4.__version__.startswith(CHECKED):
            try:
                return _Builder().parse(text)
            except _Unexpected:
                pass
        return BeautifulSoup(text, "lxml"), None


class _Builder:
    """An lxml parser target that builds a bs4 tree: `BeautifulSoup`'s event handling
    (`handle_starttag`, `endData`, `object_was_parsed`, `_popToTag`), for HTML only."""

    def __init__(self) -> None:
        soup = BeautifulSoup("", "lxml")
        builder = soup.builder
        self.soup = soup
        self.builder = builder
        self.stack: list[Tag] = [soup]
        self.current: Tag = soup
        self.recent: Any = None  # the last element or string made, in page order
        self.texts: list[str] = []
        self.made: list[Any] = [soup]  # every node made, in page order
        # lxml calls `data` for each run of text: the list's own append, no Python frame.
        self.data = self.texts.append
        self.preserving: list[Tag] = []  # <pre>, <textarea>: whitespace kept as is
        self.containers: list[Tag] = []  # <script>, <style>, ...: their own string class
        self.kinds: dict[str, _Kind] = {}
        self.list_attributes = builder.cdata_list_attributes or {}
        self.any_list = self.list_attributes.get("*", set())
        self.value_list = builder.attribute_value_list_class
        self.attribute_dict = builder.attribute_dict_class

    def parse(self, text: str) -> tuple[BeautifulSoup, list[Any]]:
        if text[:1] == "\ufeff":
            text = text[1:]
        parser = etree.HTMLParser(target=self, recover=True, huge_tree=False)
        try:
            parser.feed(text)
            parser.close()
        except _Unexpected:
            raise
        except Exception as exc:  # bs4 would try again another way: let it
            raise _Unexpected from exc
        if self.texts:
            self.flush()
        while len(self.stack) > 1:
            self.pop()
        soup = self.soup
        soup.currentTag = soup
        soup.tagStack = self.stack
        soup._most_recent_element = self.recent
        # bs4 counts the open elements of each name, all closed now.
        soup.open_tag_counter.update(dict.fromkeys(self.kinds, 0))
        made = self.made
        # lxml's parser keeps its target in a reference cycle that only the collector
        # frees: the builder lets go of the page.
        self.__dict__.clear()
        return soup, made

    # -- lxml's target interface ------------------------------------------------------

    def start(self, name: Any, attrib: Any, nsmap: Any = None) -> None:
        if self.texts:
            self.flush()
        kind = self.kinds.get(name)
        if kind is None:
            kind = self.kind(name, nsmap)
        fixed, strings, preserves = kind
        attrs = self.attribute_dict(attrib)
        if attrs:
            specific = self.list_attributes.get(name.lower())
            for key, value in attrs.items():
                if key[:1] == "{" or not isinstance(value, str):
                    raise _Unexpected(key)
                if key in self.any_list or (specific and key in specific):
                    _set(attrs, key, self.value_list(_WORDS(value)))
            if name == "meta":
                _substitute(attrs)
        parent = self.current
        recent = self.recent
        siblings = parent.contents
        previous = siblings[-1] if siblings else None
        # Set one by one in the order bs4's constructor sets them (`_TAG_FIELDS`): the
        # tags then share one table of field names, as bs4's do, and take a third less
        # memory than with a dict of their own.
        tag = _new(Tag)
        tag.parser_class = fixed[0]
        tag.name = name
        tag.namespace = fixed[1]
        tag._namespaces = fixed[2]
        tag.prefix = fixed[3]
        tag.sourceline = fixed[4]
        tag.sourcepos = fixed[5]
        tag.attribute_value_list_class = fixed[6]
        tag.attrs = attrs
        tag.known_xml = fixed[7]
        tag.contents = []
        tag.parent = parent
        tag.previous_element = recent
        tag.next_element = None
        tag.next_sibling = None
        tag.previous_sibling = previous
        tag.hidden = fixed[8]
        tag.can_be_empty_element = fixed[9]
        tag.cdata_list_attributes = fixed[10]
        tag.preserve_whitespace_tags = fixed[11]
        tag.interesting_string_types = fixed[12] if strings is None else {strings}
        self.attach(tag, siblings, recent, previous)
        self.stack.append(tag)
        self.current = tag
        if strings is not None:
            self.containers.append(tag)
        if preserves:
            self.preserving.append(tag)

    def end(self, name: Any) -> None:
        if self.texts:
            self.flush()
        stack = self.stack
        if stack[-1].name == name:  # lxml's events nest: the usual case
            self.pop()
            return
        # bs4's `_popToTag`: close up to the latest open element of that name, if any.
        if any(tag.name == name for tag in stack[1:]):
            while self.pop().name != name:
                pass

    def comment(self, text: str) -> None:
        self.flush()
        self.texts.append(text)
        self.flush(Comment)

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        self.flush()
        self.texts.append(str(Doctype.for_name_and_ids(name, pubid, system)))
        self.flush(Doctype)

    def pi(self, target: str, data: str) -> None:
        self.flush()
        self.texts.append(target + " " + data)
        self.flush(ProcessingInstruction)

    def close(self) -> None:
        return None

    # -- BeautifulSoup's bookkeeping --------------------------------------------------

    def kind(self, name: Any, nsmap: Any) -> _Kind:
        """What every tag named `name` starts as: the fields that are the same for all
        of them (`_TAG_FIELDS` but the name and links, taken from a tag bs4 makes),
        the class of its strings if it has its own, and whether it keeps its
        whitespace."""
        if not isinstance(name, str) or name[:1] == "{" or nsmap:
            raise _Unexpected(name)
        builder = self.builder
        model = Tag(
            self.soup,
            builder,
            name,
            None,
            None,
            {},
            None,
            None,
            namespaces=builder.active_namespace_prefixes[-1],
        )
        if tuple(model.__dict__) != _TAG_FIELDS:  # a bs4 whose tags hold other fields
            raise _Unexpected("fields")
        fields = model.__dict__
        fixed = tuple(fields[key] for key in _FIXED)
        strings = builder.string_containers.get(name)
        kind = self.kinds[name] = (fixed, strings, name in builder.preserve_whitespace_tags)
        return kind

    def flush(self, kind: type[NavigableString] | None = None) -> None:
        """`endData`: the text gathered since the last event becomes one string."""
        texts = self.texts
        if not texts:
            return
        text = "".join(texts)
        texts.clear()
        if not self.preserving and not text.strip(_SPACES):
            text = "\n" if "\n" in text else " "
        if kind is None:
            kind = NavigableString
            if self.containers:
                kind = self.kinds[self.containers[-1].name][1] or kind
        parent = self.current
        recent = self.recent
        siblings = parent.contents
        previous = siblings[-1] if siblings else None
        string = _new_string(kind, text)
        # As NavigableString's constructor and `setup` leave it, linked in place.
        string.__dict__ = {
            "hidden": False,
            "parent": parent,
            "previous_element": recent,
            "next_element": None,
            "next_sibling": None,
            "previous_sibling": previous,
        }
        self.attach(string, siblings, recent, previous)

    def attach(self, node: Any, siblings: list[Any], recent: Any, previous: Any) -> None:
        """Link a new node (its own links set) after the `recent` node and its
        `previous` sibling, as the last of its parent's `siblings`."""
        if recent is not None:
            recent.next_element = node
        if previous is not None:
            previous.next_sibling = node
        self.recent = node
        siblings.append(node)
        self.made.append(node)

    def pop(self) -> Tag:
        tag = self.stack.pop()
        if self.preserving and tag is self.preserving[-1]:
            self.preserving.pop()
        if self.containers and tag is self.containers[-1]:
            self.containers.pop()
        self.current = self.stack[-1]
        return tag


_new = object.__new__
_new_string = str.__new__
_set = dict.__setitem__  # the attribute dict's own __setitem__ only converts non-strings


def _substitute(attrs: dict[str, Any]) -> None:
    """bs4's stand-ins for a declared character set (`set_up_substitutions`)."""
    charset = attrs.get("charset")
    if charset is not None:
        attrs["charset"] = CharsetMetaAttributeValue(charset)
        return
    content = attrs.get("content")
    equiv = attrs.get("http-equiv")
    if content is not None and equiv is not None and equiv.lower() == "content-type":
        attrs["content"] = ContentMetaAttributeValue(content)


def first_difference(ours: BeautifulSoup, theirs: BeautifulSoup) -> str | None:
    """Where two trees differ, node by node in page order (None if nowhere): class,
    every field, links as positions in the page, attribute values with their classes."""
    mine, other = _describe(ours), _describe(theirs)
    for at, (a, b) in enumerate(zip(mine, other, strict=False)):
        if a != b:
            return f"node {at}: {a} != {b}"
    if len(mine) != len(other):
        return f"{len(mine)} nodes != {len(other)}"
    return None


def _describe(soup: BeautifulSoup) -> list[list[Any]]:
    nodes = [soup, *soup.descendants]
    place = {id(node): at for at, node in enumerate(nodes)}
    out = []
    for node in nodes:
        row: list[Any] = [type(node).__name__, str(node) if node.name is None else node.name]
        for key, value in sorted(node.__dict__.items()):
            if key in _LINKS or key in ("currentTag", "_most_recent_element"):
                value = None if value is None else place.get(id(value), "elsewhere")
            elif key in ("contents", "tagStack"):
                value = [place.get(id(item), "elsewhere") for item in value]
            elif key == "attrs":  # the dict's class, each value's class and own fields
                value = (
                    type(value).__name__,
                    [
                        (k, type(v).__name__, v, getattr(v, "__dict__", None))
                        for k, v in value.items()
                    ],
                )
            elif key == "builder":
                value = type(value).__name__
            row.append((key, repr(value)))
        out.append(row)
    return out
