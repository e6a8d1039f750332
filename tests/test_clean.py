"""The cleaner: golden pages, the seed article, and properties that hold for any input."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchlib import clean_html, clean_text
from searchlib.clean import clean_body, rules
from searchlib.clean.encoding import decode

from .conftest import FIXTURES, SEED

PAGES = FIXTURES / "pages"

# (page, must contain, must not contain, title, date, authors)
GOLDEN = [
    (
        "wordpress-festival.html",
        [
            "More than eight thousand people camped on the river meadows",
            "the whole field sang along",
            "the lower car park was closed on Saturday morning as a precaution.",
        ],
        [
            "Please enter your comment",
            "Please enter your name here",
            "Leave a Reply",
            "Share this",
            "cookies",
            "Jazz weekend announces line-up",
            "Sunday ceilidh",
            "plays the cello badly",
            "Council backs new cycle lanes",
            "weekly newsletter",
            "Proudly powered by WordPress",
            "Previous post",
        ],
        "Folk festival returns to the river meadows after four years",
        datetime(2022, 7, 9, 18, 0),  # the wall-clock time the page states
        ("Priya Natarajan",),
    ),
    (
        "portal-disqus.html",
        [
            "Ab dem kommenden Frühjahr dürfen Autos die Altstadt",
            "Mit 31 zu 14 Stimmen hat der Stadtrat",
            "rund 4,2 Millionen Euro.",
        ],
        [
            "Cookies",
            "Kredit vergleichen",
            "Newsletter",
            "Teilen",
            "Meistgelesen",
            "Brand in Lagerhalle",
            "Endlich! Das war überfällig",
            "Sturm erwartet",
            "Impressum",
            "Startseite",
        ],
        "Stadtrat beschließt autofreie Innenstadt",
        datetime(2023, 9, 21),
        ("Katrin Vogel",),
    ),
    (
        "table-layout-latin1.html",
        [
            "Marie-Thérèse Bouvier, who opened the Petit Phare café",
            "“It’s flour, eggs, butter and patience,” Mrs Bouvier said.",
            "walkers on the coastal path.",
        ],
        ["Lifeboat called out twice", "Business", "All rights reserved", "Letters"],
        "Café owner wins award for “best crêpes” on the coast",
        datetime(2002, 10, 12),
        ("Hélène Dubois",),
    ),
    (
        "components-2008.html",
        [
            "A tidal lagoon that will generate electricity for 40,000 homes",
            "sixteen turbines, producing power",
            "a monitoring programme that will run for twenty years.",
            'it will not be the last," said the project director',
            "Construction is expected to start in the autumn and to take four years.",
        ],
        [
            "Have your say",
            "Posted by",
            "About time too",
            "wading birds",
            "newsletter",
            "© Estuary Times",
            "Ferry fares",
            "Advertise with us",
            "Copyright",
            "Published: 12 March 2008",
        ],
        "Tidal power plant gets green light",
        datetime(2008, 3, 12),
        (),
    ),
]


@pytest.mark.parametrize(("name", "keep", "drop", "title", "date", "authors"), GOLDEN)
def test_golden_pages(
    name: str,
    keep: list[str],
    drop: list[str],
    title: str,
    date: datetime,
    authors: tuple[str, ...],
) -> None:
    article = clean_html((PAGES / name).read_bytes())
    for text in keep:
        assert text in article.body, f"{name}: lost {text!r}"
    for text in drop:
        assert text not in article.body, f"{name}: kept boilerplate {text!r}"
    assert article.title == title
    assert article.date == date
    assert article.authors == authors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Veröffentlicht am 14. Januar 2020 um 10:00", datetime(2020, 1, 14)),
        ("Posted on May 3, 2009 by admin", datetime(2009, 5, 3)),
        ("Stand: 04.02.2022", datetime(2022, 2, 4)),
        ("12 de mayo de 2022", datetime(2022, 5, 12)),
        ("le 3 juillet 2021", datetime(2021, 7, 3)),
        ("Германия 15 августа 2016, 13:43", datetime(2016, 8, 15)),
        ("no date here, just 42 words", None),
        ("version 1.10.22 released", None),  # two-digit years only in known date lines
    ],
)
def test_dates_written_in_text(text: str, expected: datetime | None) -> None:
    from searchlib.clean.dates import find_date

    assert find_date(text) == expected


def test_labelled_dates_and_short_years() -> None:
    from searchlib.clean.dates import find_date, find_labelled_date

    assert find_date("Kultur, 2.11.22", short_years=True) == datetime(2022, 11, 2)
    assert find_labelled_date("Tel. 0221 92 59. Pressemitteilung vom 20.01.2022") == datetime(
        2022, 1, 20
    )
    assert find_labelled_date("Call 20.01.2022 for tickets") is None


_DATED_PAGE = """<html><head><title>T</title>{head}</head><body>
<div class="teaser"><div class="date">Sport, 1.1.21</div><a href="/x">Other story</a></div>
<nav>Home News</nav>
<div class="info-line">Politik, 14.03.21</div>
<h1>The council votes on the harbour budget</h1>
<p>{body}</p>
<div class="teaser"><div class="date">Kultur, 20.3.21</div><a href="/y">Another</a></div>
</body></html>"""


@pytest.mark.parametrize(
    ("head", "url", "expected"),
    [
        ("", None, datetime(2021, 3, 14)),  # the date line nearest the headline
        (  # the page's own meta tag before JSON-LD, which is often written in UTC
            '<meta property="article:published_time" content="2021-03-15T00:30:00+01:00">'
            '<script type="application/ld+json">{"@type": "NewsArticle",'
            ' "datePublished": "2021-03-14T23:30:00Z"}</script>',
            None,
            datetime(2021, 3, 15, 0, 30),
        ),
        (  # a full date in the URL path is set at publication and never edited
            '<meta property="article:published_time" content="2021-06-01">',
            "https://example.com/2021/03/12/harbour-budget",
            datetime(2021, 3, 12),
        ),
        (  # a JSON-LD object of another type still dates the page
            '<script type="application/ld+json">{"@type": "HowTo", "name": "x",'
            ' "datePublished": "2021-02-02"}</script>',
            None,
            datetime(2021, 2, 2),
        ),
    ],
)
def test_publication_date_sources(head: str, url: str | None, expected: datetime) -> None:
    body = "The council met on Tuesday and argued about the harbour for hours. " * 5
    page = _DATED_PAGE.format(head=head, body=body)
    assert clean_html(page, url=url).date == expected


def test_golden_page_metadata() -> None:
    article = clean_html((PAGES / "wordpress-festival.html").read_bytes())
    assert article.site == "Riverside Echo"
    assert article.language == "en"
    assert article.tags == ("music", "festivals")


def test_seed_article_is_clean() -> None:
    article = clean_text(SEED.read_text(encoding="utf-8"))
    assert article.title == "Xi Jinping- Putin summit is a bold display of unity"
    assert article.tags == ("Xi Jinping", "Vladimir Putin")
    assert article.body.startswith("In a high-stakes meeting in Beijing")
    assert article.body.endswith("signaling a new era of strategic competition and cooperation.")
    assert "Please enter" not in article.body


def test_text_trailer_is_cut() -> None:
    text = (
        "Headline here\n\nFirst paragraph of the story.\n\nSecond paragraph.\n\n"
        "Share this article\nFacebook Twitter Email\nRelated articles\nAnother story\n"
    )
    article = clean_text(text)
    assert article.body == "First paragraph of the story.\n\nSecond paragraph."


def test_clean_body_keeps_everything_but_furniture() -> None:
    body = (
        "Tags: first line stays as given?\n\nA paragraph.\n\nPlease enter your comment!\nShare this"
    )
    assert clean_body(body) == "A paragraph."


def test_latin1_declared_page_with_cp1252_quotes() -> None:
    html = '<html><head><meta charset="iso-8859-1"><title>T</title></head><body><p>'
    html += "It’s a “quoted” café – with déjà vu, repeated until it is long enough. " * 3
    html += "</p></body></html>"
    article = clean_html(html.encode("cp1252"))
    assert "It’s a “quoted” café – with déjà vu" in article.body


def test_utf8_page_without_declaration() -> None:
    html = (
        "<html><body><article><p>"
        + "Zürich café naïve résumé. " * 20
        + "</p></article></body></html>"
    )
    assert "Zürich café naïve" in clean_html(html.encode("utf-8")).body


def test_deeply_nested_page_keeps_its_text() -> None:
    html = "<div>" * 100_000 + "<p>deep text</p>" + "</div>" * 100_000
    article = clean_html(html)
    assert "deep text" in f"{article.title}\n{article.body}"
    assert "<" not in article.body


def test_script_and_style_never_reach_the_body() -> None:
    html = (
        "<html><head><style>p { color: red }</style></head><body><article>"
        "<script>var secret = 1;</script><p>" + "Visible words of the story. " * 10 + "</p>"
        "<noscript>Enable JavaScript</noscript></article></body></html>"
    )
    body = clean_html(html).body
    assert "secret" not in body and "color" not in body and "Enable JavaScript" not in body


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&"), max_size=80
)
_TAGS = st.sampled_from(
    ["p", "div", "span", "article", "section", "a", "li", "ul", "h2", "td", "b"]
)


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(_TAGS)
        cls = draw(st.sampled_from(["", ' class="comment"', ' class="content"', ' id="share"']))
        parts.append(f"<{tag}{cls}>{draw(_TEXT)}</{tag}>")
    return "<html><body>" + "".join(parts) + "</body></html>"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(html_pages(), st.text(max_size=300)))
def test_cleaned_body_never_holds_markup(page: str) -> None:
    article = clean_html(page)
    assert not re.search(r"</?(p|div|span|article|section|a|li|ul|h2|td|b)\b[^>]*>", article.body)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_are_cleaned_as_the_text_they_decode_to(data: bytes) -> None:
    article = clean_html(data)
    assert article == clean_html(decode(data))
    assert "\x00" not in article.title + article.body


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=60).map(str.strip)


@settings(max_examples=100, deadline=None)
@given(st.lists(_WORDS.filter(lambda w: len(w) > 3), min_size=2, max_size=6))
def test_cleaning_clean_text_changes_nothing(paragraphs: list[str]) -> None:
    text = "\n\n".join(p.capitalize() + "." for p in paragraphs)
    once = clean_text(text)
    twice = clean_text(once.to_text())
    assert (twice.title, twice.body, twice.tags) == (once.title, once.body, once.tags)


#: Control characters: none is left in a cleaned text (the body keeps its newlines).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=500))
def test_clean_text_gives_plain_lines_for_any_text(text: str) -> None:
    article = clean_text(text)
    assert "\n" not in article.title
    assert not _CONTROL.search(article.title + article.body)
    # Paragraphs of non-empty lines, white space collapsed at their ends.
    lines = [line for p in article.body.split("\n\n") for line in p.split("\n")]
    assert not article.body or all(line and line == line.strip() for line in lines)


def test_sample_pages_lose_their_boilerplate() -> None:
    sample = Path(SEED).parent
    for page in sample.glob("*.html"):
        body = clean_html(page.read_bytes()).body
        assert body, page.name
        for junk in ("Please enter your comment", "cookies", "Most read", "All rights reserved"):
            assert junk not in body, (page.name, junk)


_STORY = (
    "The harbour board approved the new wind farm on Tuesday, after three years of hearings. "
    "Residents had argued that the turbines would spoil the view, but the board found that "
    "the benefits for the town outweighed the costs, and construction starts in the spring."
)


def _story_kept(page: str, *dropped: str) -> str:
    """Clean `page`; check the story survived and each of `dropped` did not."""
    body = clean_html(page).body
    assert "construction starts in the spring" in body
    for text in dropped:
        assert text not in body
    return body


@pytest.mark.parametrize(
    "page",
    [
        # An unclosed <nav> swallows the rest of the page; the article is still found.
        "<body><nav><a href='/'>Home</a> <a href='/news'>News</a>"
        f"<main><article><h1>Wind farm approved</h1><p>{_STORY}</p></article></main></body>",
        # A page that sits entirely inside <noscript>.
        f"<body><noscript><div id='page'><h1>Wind farm approved</h1><p>{_STORY}</p></div>"
        "</noscript></body>",
        # A post filed under a topic whose name reads like boilerplate ("comments").
        "<body><h2>Wind farm approved</h2><div class='post type-post hentry category-comments'>"
        f"<div class='entry'><p>{_STORY}</p><p>{_STORY}</p></div></div>"
        "<div id='sidebar'><a href='/a'>Archive</a></div></body>",
        # Old markup: the paragraph's text sits in a <font>.
        "<body><div class='nav'><a href='/a'>A</a> <a href='/b'>B</a></div><div>"
        f"<p><font face='Verdana'>{_STORY}</font></p></div></body>",
    ],
)
def test_article_found_in_broken_or_odd_markup(page: str) -> None:
    _story_kept(page, "Archive")


def test_widget_names_drop_small_widgets_not_long_prose() -> None:
    section = f"<p>{_STORY}</p>" * 4
    page = (
        "<body><h1>Wind farm approved</h1><article>"
        f"<section class='report-section report-section--ads'>{section}</section>"
        "<div class='print'>Print this page</div>"
        f"<div class='print-step'><p>Last step. {_STORY}</p><p>{_STORY}</p><p>{_STORY}</p></div>"
        "</article></body>"
    )
    body = clean_html(page).body
    assert body.count("construction starts in the spring") == 7
    assert "Print this page" not in body


def test_standfirst_in_the_article_header_is_kept() -> None:
    page = (
        "<body><nav><a href='/'>Home</a></nav><article><header><h1>Wind farm approved</h1>"
        "<p class='intro'>After three years of hearings, the town will get its turbines, and "
        "the first of them will turn before the winter.</p><span>By Jo Roe</span><div>"
        + " ".join(f"<a href='/topic/{n}'>Topic number {n}</a>" for n in range(12))
        + "</div></header>"
        f"<div class='body'><p>{_STORY}</p><p>{_STORY}</p><p>{_STORY}</p></div></article>"
        "<aside><p>Read our newsletter every morning, it is free and you can leave any "
        "time you like.</p></aside></body>"
    )
    body = clean_html(page).body
    assert body.startswith("After three years of hearings")
    assert body.count("construction starts in the spring") == 3
    assert "newsletter" not in body


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Post author By Helge Fahrnberger", ["Helge Fahrnberger"]),
        ("Veröffentlicht von Chris Jung", ["Chris Jung"]),
        ("23:39 · von Tobi", ["Tobi"]),
        ("Emily Burack 8 January 2020, 3:51 pm", ["Emily Burack"]),
        ("Heiko Sauer Do 9 Apr 2020", ["Heiko Sauer"]),
        ("Sara Zinnecker Stand: 05. Februar 2020", ["Sara Zinnecker"]),
        ("Jo Roe | May 3, 2009", ["Jo Roe"]),
        ("John Smith, Marc Jones", ["John Smith", "Marc Jones"]),
        ("Jo Roe, Staff Writer", ["Jo Roe"]),
        ("Anna May", ["Anna May"]),
        ("Name *", []),
    ],
)
def test_author_names_lose_labels_and_dates(raw: str, names: list[str]) -> None:
    from searchlib.clean.metadata import clean_author

    assert clean_author(raw) == names


def test_byline_with_the_date_first() -> None:
    page = (
        "<body><article><h1>Wind farm approved</h1>"
        "<div class='byline'>8. Januar 2020 · by Aureliana · in Gefühle</div>"
        f"<p>{_STORY}</p></article></body>"
    )
    assert clean_html(page).authors == ("Aureliana",)


def test_comments_after_a_bare_comments_heading_are_cut() -> None:
    page = (
        f"<body><div><h1>Wind farm approved</h1><p>{_STORY}</p><p>{_STORY}</p>"
        "<div class='hd'>Comments</div>"
        "<p>What a marvellous decision by the board, and about time too. The town has "
        "waited long enough for clean power and cheaper bills.</p>"
        "<p>I doubt many will think that way, and that is why nobody trusts the board.</p>"
        "</div></body>"
    )
    body = clean_html(page).body
    assert body.count("construction starts in the spring") == 2
    assert "marvellous" not in body


def test_day_first_url_dates() -> None:
    from searchlib.clean.dates import date_from_url_dmy

    page = f"<body><h1>Wind farm approved</h1><p>{_STORY}</p></body>"
    article = clean_html(page, url="https://example.org/news/29-10-2021-wind-farm")
    assert article.date == datetime(2021, 10, 29)
    assert date_from_url_dmy("https://example.org/aktuelles/08112021-fachtag") == datetime(
        2021, 11, 8
    )
    assert date_from_url_dmy("https://example.org/item/12345678") is None
    assert date_from_url_dmy("https://example.org/a?id=29-10-2021") is None


def test_a_section_headed_like_comments_is_dropped_whatever_its_name() -> None:
    # An old table layout: the readers' posts outweigh a short story.
    posts = "".join(
        f"<span class='q_name'>Reader post {n}: I think the board got this badly wrong, and "
        "the town will pay for it for years to come, mark my words.</span>"
        f"<span class='q'>user{n}</span><br><br>"
        for n in range(8)
    )
    page = (
        "<body><table><tr><td><h1>Wind farm approved</h1>"
        f"<font size='2'>{_STORY}</font></td></tr><tr><td>"
        "<table class='pollpane'><tr><td class='poll_question'><a name='yoursay'></a>"
        f"What you think... </td></tr><tr><td><div class='scroller'>{posts}</div></td></tr>"
        "</table></td></tr></table></body>"
    )
    _story_kept(page, "Reader post")


def test_furniture_marked_not_for_print_is_dropped() -> None:
    teaser = (
        "It is the singer's birthday this week, which reminds me that it is January, and "
        "that it is the anniversary of an old record I still play on the long drive home."
    )
    page = (
        "<body><table><tr><td><div id='middle'><h1>Wind farm approved</h1>"
        f"<p>{_STORY}</p><p>{_STORY}</p></div></td>"
        f"<td><div class='noprint'><div id='blog'><p>{teaser}</p><p>{teaser}</p></div></div></td>"
        "</tr></table></body>"
    )
    body = clean_html(page).body
    assert body.count("construction starts in the spring") == 2
    assert "birthday" not in body


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # Publication dates in the data of script-built pages, under their common keys.
        (
            '<script>var p = {"id": 7, "published_at": "2019-03-02T06:22:28+01:00"};</script>',
            datetime(2019, 3, 2, 6, 22, 28),
        ),
        (
            '<script type="application/json">{"publishedDate": "2016-11-04T20:37:27Z"}</script>',
            datetime(2016, 11, 4, 20, 37, 27),
        ),
    ],
)
def test_dates_of_script_built_pages(extra: str, expected: datetime) -> None:
    page = (
        f"<html><body><div class='top'><h1>The council votes on the harbour budget</h1>{extra}"
        f"</div><div class='story'><p>{_STORY}</p><p>{_STORY}</p></div></body></html>"
    )
    found = clean_html(page).date
    assert found is not None
    assert found.replace(tzinfo=None) == expected


def test_date_line_named_by_its_test_id() -> None:
    # Pages built by scripts name elements by role in data-testid, not in class: the
    # story's date line is then nearer the headline than a teaser's classed date.
    page = (
        "<html><body><div class='teaser'><div class='date'>1.1.2021</div>"
        "<a href='/x'>Another story</a></div><div class='top'>"
        "<h1>The council votes on the harbour budget</h1>"
        "<span data-testid='article-details-date'>3.11.2023</span></div>"
        f"<div class='story'><p>{_STORY}</p><p>{_STORY}</p></div></body></html>"
    )
    assert clean_html(page).date == datetime(2023, 11, 3)


def test_a_tiny_pick_falls_back_to_the_marked_article() -> None:
    # Show notes of short lines outweigh the one prose list, which alone is too little to
    # be the article: the page's <article> is taken instead.
    lines = "".join(f"<div>Part {n}: notes</div>" for n in range(40))
    page = (
        "<html><body><main><article class='post'><h1>Episode five</h1>"
        f"<div class='entry-content'>{lines}"
        "<ul><li>Rios: a melancholy captain, a loner, perhaps a narcissist.</li>"
        "<li>The hologram: an emergency program, with a doctor's manners.</li></ul>"
        "</div></article></main><div id='sidebar'><a href='/a'>Archive</a></div></body></html>"
    )
    body = clean_html(page).body
    assert "Part 39: notes" in body
    assert "a melancholy captain" in body
    assert "Archive" not in body


def test_a_body_marked_paragraph_by_paragraph_is_taken_whole() -> None:
    # Each paragraph carries itemprop=articleBody; the subheading between them does not.
    part = f"<p itemprop='articleBody'>{_STORY}</p>"
    page = (
        "<html><body><article><h1>Wind farm approved</h1>"
        f"<div class='story'>{part}<h2>What happens next</h2>{part}{part}</div>"
        "</article><aside class='box'><p>A box beside the story, of some length, with "
        "enough words in it to count as prose of its own.</p></aside></body></html>"
    )
    body = clean_html(page).body
    assert body.count("construction starts in the spring") == 3
    assert "What happens next" in body
    assert "A box beside the story" not in body


def test_an_unnamed_comment_form_is_dropped() -> None:
    form = (
        "<form action='/post'><fieldset><legend>Who are you?</legend>"
        "<p class='explanation'>To make paragraphs, simply leave blank lines between them, "
        "and keep to the subject of the article please.</p>"
        "<textarea name='text'></textarea></fieldset></form>"
    )
    page = f"<html><body><div id='main'><h1>Wind farm approved</h1><p>{_STORY}</p>"
    page += f"<p>{_STORY}</p>{form}</div></body></html>"
    _story_kept(page, "Who are you", "leave blank lines")


def test_soft_hyphens_do_not_split_words() -> None:
    page = (
        "<html><body><h1>Wine</h1><p>The great wines of Ita&shy;ly, be\u00adside Ba&#173;rolo, "
        f"are made in the north of the country, in the hills.</p><p>{_STORY}</p></body></html>"
    )
    assert "The great wines of Italy, beside Barolo, are made" in clean_html(page).body
    assert (
        clean_text("Wine\n\nThe wines of Ita\u00adly are red.").body
        == "The wines of Italy are red."
    )


def test_captions_and_author_notes_are_dropped() -> None:
    page = (
        "<html><body><article><h1>Wind farm approved</h1>"
        f"<p>{_STORY}</p><figure><img src='a.jpg'><h2 class='figure__caption'>The turbines "
        f"seen from the pier</h2></figure><p>{_STORY}</p>"
        "<div class='author-info'><p>Sam Lee writes about energy and the sea, and has "
        "lived in the town for twenty years with two dogs.</p></div></article></body></html>"
    )
    body = clean_html(page).body
    assert body.count("construction starts in the spring") == 2
    assert "seen from the pier" not in body
    assert "two dogs" not in body


def test_custom_elements_are_named_like_classes() -> None:
    menu = "".join(
        f"<p>Section {n}: all the news from our region, every day.</p>" for n in range(4)
    )
    page = (
        "<html><body><div class='story'><h1>Wind farm approved</h1>"
        f"<site-navigation>{menu}</site-navigation><p>{_STORY}</p><p>{_STORY}</p></div>"
        "</body></html>"
    )
    _story_kept(page, "all the news from our region")


def test_teaser_cards_do_not_shield_a_sidebar() -> None:
    cards = "".join(
        f"<article><h3>Story {n}</h3><p>A teaser of another story, short.</p></article>"
        for n in range(3)
    )
    page = (
        f"<html><body><div class='story'><h1>Wind farm approved</h1><p>{_STORY}</p>"
        f"<p>{_STORY}</p></div><div class='sidebar'>{cards}</div></body></html>"
    )
    _story_kept(page, "A teaser of another story")


def test_a_story_in_several_boxes_of_main_is_taken_whole() -> None:
    # A recipe: the method is the one prose box, but the ingredients and the lead in the
    # other boxes of <main> belong to it too.
    rows = "".join(f"<tr><td>{n}00 g</td><td>ingredient {n}</td></tr>" for n in range(1, 16))
    links = "".join(f"<a href='/r/{n}'>Rate it {n} stars</a> " for n in range(1, 6))
    page = (
        "<html><body><main><article class='head'><h1>Cake</h1><p>The creamiest cake "
        "there is, and quick to make: a crumbly base, a cream filling and fruit on top, "
        f"all in an hour.</p><div>{links}</div></article><article class='box'><h2>"
        f"Ingredients</h2><table>{rows}</table></article><article class='box'><h2>Method"
        f"</h2><div><p>{_STORY}</p></div></article></main></body></html>"
    )
    body = clean_html(page).body
    assert "construction starts in the spring" in body
    assert "The creamiest cake there is" in body
    assert "ingredient 15" in body


def test_cards_wrapped_in_links_are_not_prose() -> None:
    cards = "".join(
        f"<a href='/{n}'><div><h3>Topic {n}</h3><p>Over ten thousand entries about topic "
        f"{n}, with information, addresses and related products.</p></div></a>"
        for n in range(6)
    )
    more = "".join(
        f"<li><a href='/m/{n}'>More about the harbour, part {n}</a></li>" for n in range(5)
    )
    page = (
        f"<html><body><div class='top'><div class='links'>{cards}</div></div><div><div "
        f"class='story'><h1>Wind farm approved</h1><p>{_STORY}</p></div><ul>{more}</ul></div>"
        "</body></html>"
    )
    _story_kept(page, "Over ten thousand entries")


@pytest.mark.parametrize(
    "line",
    [
        "Möchten Sie den Artikel teilen?",
        "Den Artikel mit anderen teilen/diskutieren:",
        "War der Artikel nützlich?",
        "For links on this page we may receive a commission.",
    ],
)
def test_prompts_and_disclosures_are_dropped(line: str) -> None:
    page = (
        f"<html><body><article><h1>Wind farm approved</h1><p>{_STORY}</p><p>{_STORY}</p>"
        f"<div class='affiliate-note'><p>{line}</p></div></article></body></html>"
    )
    _story_kept(page, line)


def test_short_list_items_before_a_link_line_are_kept() -> None:
    # A short label followed by dropped links heads that furniture ("More on this:"), but
    # a list item or a table cell is content, however short.
    page = (
        f"<html><body><article><h1>Cake</h1><div class='text'><p>{_STORY}</p><ul><li>200 g "
        "flour</li><li>4 cups of water</li></ul><p><a href='/shop'>Order the ingredients "
        f"now</a></p><p>{_STORY}</p><h3>Read more</h3><p><a href='/x'>Another cake</a></p>"
        "</div></article></body></html>"
    )
    assert "4 cups of water" in _story_kept(page, "Read more")


def test_a_short_pick_gives_way_to_a_marked_article_twice_its_size() -> None:
    # Show notes: a prose sublist inside a list of links wins the scoring, but gives a
    # body of a few hundred characters; the page's <article> holds more than twice that.
    lines = "".join(f"<div>Part {n}: notes</div>" for n in range(30))
    links = "".join(
        f"<li><a href='/e{n}'>Episode {n} of the show, with its guests</a></li>" for n in range(20)
    )
    cast = "".join(
        f"<li>Hologram {n}: an emergency program, with a doctor's manners</li>" for n in range(5)
    )
    page = (
        "<html><body><main><article class='post'><h1>Episode five</h1>"
        f"<div class='entry-content'>{lines}<ul>{links}<li>The cast<ul>{cast}</ul></li></ul>"
        "</div></article></main></body></html>"
    )
    body = clean_html(page).body
    assert "Part 20: notes" in body
    assert "Hologram 4: an emergency program" in body


def test_a_post_typed_as_one_long_paragraph_outweighs_a_widget() -> None:
    # The whole story is one <p> of lines and <br>s, in a block an old theme misnamed
    # "sidebar_content"; a text widget of short paragraphs used to outscore it, and so
    # to be the only block shielded from removal.
    lines = "<br><br>".join(
        f"Line {n} of the story tells how the board met again and what it decided then"
        for n in range(40)
    )
    widget = "".join(
        f"<p>Our sponsor {n} is a friend of the paper and we thank them warmly</p>"
        for n in range(5)
    )
    menu = "".join(f"<li><a href='/s/{n}'>Section {n}</a></li>" for n in range(250))
    page = (
        f"<html><body><ul class='menu'>{menu}</ul><div class='side'><div class='widget'>"
        f"{widget}</div></div><h1>Board meets again</h1><div class='sidebar_content'>"
        f"<div class='item'><p>{lines}</p></div></div></body></html>"
    )
    assert "Line 39 of the story" in clean_html(page).body


def test_a_short_line_ending_in_a_closing_quote_is_a_sentence() -> None:
    # German quotes close with “ and French ones with »: such a line before a dropped
    # link line is a sentence of the story, not the heading of that link.
    page = (
        f"<html><body><article><h1>Two on stage</h1><p>{_STORY}</p><p>{_STORY}</p>"
        "<p>Finalist der Show „Die große Comedy Chance“</p>"
        "<p><a href='/x'>100 Folgen von Wortspiele</a></p></article></body></html>"
    )
    assert "Finalist der Show „Die große Comedy Chance“" in _story_kept(page)


WIRE_STORY = (
    "Visible stocks of 17 oils and fats are probably peaking now and are likely to fall "
    "sharply by October 1, the Oil World newsletter said.\n\n"
    "No comment was immediately available from the employers' organization.\n\n"
    "Read more about the plan in the company's annual report, the chairman told reporters.\n\n"
    "The survey covered 13 vegetable oils and four animal fats, the newsletter added."
)


def test_sentences_of_the_story_that_mention_furniture_words_are_kept() -> None:
    """A sentence about a newsletter, a comment or further reading is the story's, not
    the page's: wire stories had lost their lead and their 'No comment' lines."""
    from searchlib.ingest.documents import article_from_record

    article = article_from_record({"id": "w", "title": "Oils", "body": WIRE_STORY + FURNITURE})
    for paragraph in WIRE_STORY.split("\n\n"):
        assert paragraph in article.body
    for line in FURNITURE.split("\n\n"):
        if line.strip():
            assert line.strip() not in article.body
    page = "<html><body><article>" + "".join(
        f"<p>{p}</p>" for p in (WIRE_STORY + FURNITURE).split("\n\n") if p.strip()
    )
    cleaned = clean_html(page + "</article></body></html>")
    for paragraph in WIRE_STORY.split("\n\n"):
        assert paragraph in cleaned.body


FURNITURE = (
    "\n\nGet the latest news delivered to your inbox every morning with our free newsletter."
    "\n\nFollow us on Twitter for the latest updates.\n\nShare this article"
    "\n\nCopyright 2008 The Associated Press. All rights reserved. This material may not be"
    " published, broadcast, rewritten or redistributed."
)


def test_a_button_left_open_by_broken_markup_does_not_hide_the_page() -> None:
    # An unclosed <div> in the menu button: the parser nests the whole page inside the
    # <button>, whose text is never article text.
    page = (
        "<html><body><header><button class='menu-button'><span>Menu</span>"
        "<div class='menu-button-inner'><div></button></div></header>"
        f"<main><article><h1>Wind farm approved</h1><p>{_STORY}</p><p>{_STORY}</p>"
        "</article></main></body></html>"
    )
    article = clean_html(page)
    assert "construction starts in the spring" in article.body
    assert article.title == "Wind farm approved"


def test_content_streamed_in_hidden_is_read() -> None:
    # React streams a page's slow parts as hidden <div id="S:n"> and reveals them by
    # script: the story is there, only not yet moved into place.
    page = (
        "<html><body><div class='shell'><h1>Wind farm approved</h1><p>Loading...</p>"
        f"</div><div hidden id='S:0'><div><p>{_STORY}</p><p>{_STORY}</p></div>"
        "</div><div hidden class='drawer'><p>A hidden menu drawer that nobody reads, "
        "with long text in it that is not the story.</p></div></body></html>"
    )
    _story_kept(page, "menu drawer")


def test_a_story_sentence_about_adding_comments_does_not_end_the_story() -> None:
    line = (
        "In practice the engineers only ship code they understand. If a tool writes "
        "something convoluted, they ask it to add comments explaining it."
    )
    page = (
        f"<html><body><article><h1>Wind farm approved</h1><p>{_STORY}</p><p>{_STORY}</p>"
        f"<p>{line}</p>"
        "<p>The last turbine is due to turn before the end of the next year, the board "
        "said on Tuesday.</p></article></body></html>"
    )
    assert "due to turn before the end" in _story_kept(page)


def test_teaser_articles_do_not_shield_a_related_section() -> None:
    # Cards long enough to pass for a story each, in a section named for related posts.
    excerpt = (
        "An excerpt of another post on this site, long enough to look like a story of "
        "its own, about the harbour, the ferry timetable and the new car park rates. "
    ) * 3
    cards = "".join(
        f"<li><article class='card'><h3><a href='/p/{n}'>Another post {n}</a></h3>"
        f"<p>{excerpt}</p></article></li>"
        for n in range(3)
    )
    page = (
        "<html><body><main><h1>Wind farm approved</h1><div class='entry-content'>"
        f"{f'<p>{_STORY}</p>' * 6}</div><div class='entry-related'>"
        f"<ul>{cards}</ul></div></main></body></html>"
    )
    _story_kept(page, "ferry timetable")


def test_sections_named_for_in_page_navigation_are_kept() -> None:
    # Each section is a target of the page's table of contents, and named for it.
    sections = "".join(
        f"<div class='skip-item' id='topic{n}'><h2>Part {n}</h2><p>{_STORY}</p><p>{_STORY}</p></div>"
        for n in range(3)
    )
    menu = "".join(
        f"<li><a href='/s/{n}'>Section number {n} of the site</a></li>" for n in range(12)
    )
    page = (
        f"<html><body><div class='nav-menu'><ul>{menu}</ul></div><div class='content'>"
        f"<h1>Wind farm approved</h1><p>The board met on Tuesday.</p>{sections}</div>"
        "</body></html>"
    )
    body = _story_kept(page, "Section number")
    assert body.count("construction starts in the spring") == 6


def test_excerpts_in_teaser_cards_do_not_widen_the_article() -> None:
    # Cards of other stories in a column beside the article, in boxes named for nothing:
    # a linked headline over an excerpt each. Their excerpts are prose, but not this
    # story's, and must not draw the article out to the layout around both columns.
    cards = "".join(
        f"<div class='box'><h3><a href='/s/{n}'>Another story {n}</a></h3><p>An excerpt "
        f"of story {n}, about the ferry timetable, the car park and the new harbour "
        "lights, long enough to read as prose.</p></div>"
        for n in range(8)
    )
    page = (
        "<html><body><div class='wrap'><div class='col'><div class='post'>"
        f"<h1>Wind farm approved</h1><div class='text'>{f'<p>{_STORY}</p>' * 3}</div>"
        f"</div></div><div class='col'><section><div class='grid'>{cards}</div></section>"
        "</div></div></body></html>"
    )
    _story_kept(page, "ferry timetable")


def test_thousands_of_nested_buttons_stay_linear() -> None:
    # Each button left open is searched for the page it swallowed; without a bound,
    # a page of nested buttons over a headline took time in the square of their number.
    page = (
        "<html><body>"
        + "<button>" * 4000
        + f"<h1>Deep</h1><p>{_STORY}</p>"
        + "</button>" * 4000
        + "</body></html>"
    )
    start = time.perf_counter()
    clean_html(page)
    assert time.perf_counter() - start < 5


def test_clean_bytes_takes_the_kind_given_or_the_one_the_bytes_look_like() -> None:
    from searchlib.clean import clean_bytes

    story = "The council met on Monday and approved the new bridge over the river. " * 4
    page = f"<html><body><article><h1>Bridge approved</h1><p>{story}</p></article></body></html>"
    text = f"Bridge approved\n\n{story}\n"
    assert clean_bytes(page.encode()).title == "Bridge approved"
    assert "<p>" not in clean_bytes(page.encode()).body
    assert clean_bytes(text.encode()).title == "Bridge approved"
    # Given as text, markup is kept as the scrape wrote it.
    assert "<p>" in clean_bytes(page.encode(), html=False).body


_LINE_WORDS = st.sampled_from(
    [
        "sign up", "Sign Up", "SUBSCRIBE", "to", "for", "our", "the", "a", "newsletter",
        "Newsletter", "inbox", "register", "now", "today", "daily", "edition", "alerts",
        "affiliate links", "sponsored content", "paid partnership", "©", "(c)", "(C)",
        "Reuters", "said", "oil", "prices", "2024", "ſign up", "ınbox", "K", "—", " ", ",",
        "posteingang", "updates", "emails", "briefing", "digest", "x" * 120,
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE_WORDS, max_size=14).map(" ".join), st.text(max_size=30))
def test_boilerplate_lines_are_told_as_the_whole_pattern_tells_them(words: str, noise: str) -> None:
    """The pre-check on the scanning patterns' words changes no answer."""
    whole = rules.line_pattern(rules.BOILERPLATE_LINE_PATTERNS)
    for line in (words, noise + words, words + noise):
        assert rules.is_boilerplate_text(line) == bool(whole.match(line))
