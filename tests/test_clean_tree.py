"""The cleaner's one walk over a page and the shortcuts it takes: each must give what the
plain way of computing the same thing gives."""

from __future__ import annotations

import gc
import re

import pytest
from bs4 import BeautifulSoup, Tag
from hypothesis import given
from hypothesis import strategies as st

from searchlib import clean_html
from searchlib.clean import _drop_invisible, rules
from searchlib.clean import html as clean_html_module
from searchlib.clean.markup import boilerplate_kind
from searchlib.clean.titles import _PLAIN, key
from searchlib.clean.tree import SKIP, walk

PAGE = """<html><head><title>T</title><script>var x = 1;</script></head><body>
<div id="top"><nav><a href="/">Home</a></nav><svg><path d="M0"/></svg></div>
<article><h1>Headline</h1><p>One, two, <a href="/x">three</a>.</p>
<button>Menu <span>open</span></button><p>Last, of all.</p></article>
<footer><p>Footer</p><template><p>hidden</p></template></footer>
</body></html>"""

#: An unclosed <div> inside a <button>: the parser nests the rest of the page in it.
SWALLOWED = (
    "<html><body><button><div>Menu</button><main><h1>Story</h1><p>Text, here.</p></main>"
    "<p>After.</p></body></html>"
)


def _body_elements(body: Tag) -> list[Tag]:
    """The body's elements that are not skipped, in page order, found the plain way."""
    out: list[Tag] = []

    def visit(tag: Tag) -> None:
        out.append(tag)
        for child in tag.children:
            if isinstance(child, Tag) and child.name not in SKIP:
                visit(child)

    visit(body)
    return out


@pytest.mark.parametrize("page", [PAGE, SWALLOWED, "<p>no body tag</p>", ""])
def test_walk_lists_the_body_elements_in_page_order(page: str) -> None:
    tree = walk(BeautifulSoup(page, "lxml"))
    assert [id(t) for t in tree.elements] == [id(t) for t in _body_elements(tree.body)]


def test_a_swallowing_button_is_unwrapped_before_its_content_is_listed() -> None:
    tree = walk(BeautifulSoup(SWALLOWED, "lxml"))
    names = [t.name for t in tree.elements]
    assert "main" in names and "h1" in names and "button" not in names


def test_walk_counts_each_element_own_text_and_its_subtree() -> None:
    tree = walk(BeautifulSoup(PAGE, "lxml"))
    p = tree.soup.find("p")
    stat = tree.stat(p)
    # "One, two," and "." are the paragraph's own text; "three" is inside its link.
    assert stat.text == len("One, two,") + len("three") + len(".")
    assert stat.links == len("three")
    assert stat.inline == stat.text and stat.inline_links == stat.links
    assert stat.commas == 2
    article = tree.stat(tree.soup.find("article"))
    # The button's text is skipped; the headline and both paragraphs count.
    assert article.text == len("Headline") + stat.text + len("Last, of all.")
    assert article.marker  # it holds the <h1>


def _old_drop_invisible(text: str) -> str:
    """The single-pass pattern the cleaner used before: the reference."""
    pattern = re.compile(
        f"[{rules.INVISIBLE_CHARS}]|&shy;|&#173;|&#x0*ad;|&#8288;|&#x0*2060;", re.I
    )
    return pattern.sub("", text)


@pytest.mark.parametrize(
    "text",
    [
        "Ita\u00adli\u00adens",
        "Ita&shy;li&SHY;ens &#173; &#x00AD; &#X0ad; &#8288; &#x2060; &#x02060;",
        "&s\u00adhy;",  # removing the character does not make an entity
        "&&shy;shy;",  # nor does removing an entity
        "\ufeffbom \u2060 joiner &amp; &nbsp; plain",
        "",
    ],
)
def test_invisible_characters_go_as_before(text: str) -> None:
    assert _drop_invisible(text) == _old_drop_invisible(text)


@given(st.text(alphabet=st.sampled_from("&shy;#173x0ad8288206\u00ad\u2060\ufeffA ")))
def test_invisible_characters_go_as_before_for_any_mix(text: str) -> None:
    assert _drop_invisible(text) == _old_drop_invisible(text)


@given(st.text())
def test_headline_keys_keep_what_isalnum_keeps(text: str) -> None:
    plain = "".join(ch for ch in text.casefold().translate(_PLAIN) if ch.isalnum())
    assert key(text) == plain


def _tag(markup: str) -> Tag:
    tag = BeautifulSoup(markup, "lxml").body.contents[0]
    assert isinstance(tag, Tag)
    return tag


def test_class_readings_are_remembered_per_text_not_per_element() -> None:
    assert boilerplate_kind(_tag('<div class="comments">x</div>')) == "comment"
    # Same class text; the role and the blog's post class still decide first.
    assert boilerplate_kind(_tag('<div class="comments" role="navigation">x</div>')) == "other"
    assert boilerplate_kind(_tag('<div class="comments hentry">x</div>')) is None
    assert boilerplate_kind(_tag('<div class="comments">y</div>')) == "comment"


@pytest.mark.parametrize("enabled", [True, False])
def test_cleaning_leaves_the_collector_as_it_found_it(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        assert clean_html(PAGE).title == "Headline"
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()


def test_the_collector_comes_back_after_the_plain_text_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*_: object) -> None:
        raise RecursionError("too deep")

    monkeypatch.setattr(clean_html_module, "clean_soup", fail)
    assert gc.isenabled()
    article = clean_html("<html><body><p>Plain words here.</p></body></html>")
    assert article.title == "Plain words here."  # the text fallback ran
    assert gc.isenabled()
