"""Headlines and publication dates: the cleaner's choice among a page's candidates."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from searchlib import clean_html, clean_text
from searchlib.clean.date_order import DateOrder
from searchlib.clean.dates import parse_date, publication_date, year_only
from searchlib.clean.titles import MAX_HEADLINE, pick_headline

_BODY = (
    "<p>" + "The council met on a wet evening and talked about the bridge for hours. " * 8 + "</p>"
)


def _page(head: str, body: str, lang: str = "en") -> str:
    return f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def test_a_title_that_lost_its_end_tag_does_not_swallow_the_page() -> None:
    filler = "".join(f'<div class="nav"><a href="/s{i}">Section {i}</a></div>' for i in range(60))
    page = (
        '<html><head><title>Bridge repairs start in March</titavaScript" src="/x.js">'
        f"</script></head><body>{filler}<h1>Bridge repairs start in March</h1>{_BODY}</body></html>"
    )
    article = clean_html(page, url="https://news.example.com/bridge")
    assert article.title == "Bridge repairs start in March"
    assert "<" not in article.body and "The council met" in article.body


def test_site_name_before_the_headline_is_not_the_headline() -> None:
    head = "<title>Example Herald - Bridge repairs start in March</title>"
    body = "<h1>Example Herald</h1><h2>Bridge repairs start in March</h2>" + _BODY
    article = clean_html(_page(head, body), url="https://www.exampleherald.com/a/1")
    assert article.title == "Bridge repairs start in March"


def test_a_section_label_is_not_taken_for_the_headline() -> None:
    head = "<title>The Daily Example / Wire Elections / Mayor wins second term</title>"
    body = "<h1>READER CENTER</h1><h1>MARKETPLACE</h1>" + _BODY
    article = clean_html(_page(head, body), url="https://example.org/story")
    assert article.title == "Mayor wins second term"


def test_the_first_body_line_is_the_headline_when_nothing_else_is() -> None:
    body = "<div><p>Mayor wins second term</p>" + _BODY * 3 + "</div>"
    article = clean_html(_page("", body))
    assert article.title == "Mayor wins second term"
    assert not article.body.startswith("Mayor wins")


def test_headline_agreed_by_og_title_and_h1_loses_its_section() -> None:
    head = (
        '<meta property="og:title" content="Why the bridge closed | Opinion">'
        "<title>Why the bridge closed | Opinion | Example News</title>"
    )
    body = "<article><h1>Why the bridge closed</h1>" + _BODY + "</article>"
    assert clean_html(_page(head, body)).title == "Why the bridge closed"


def test_double_escaped_entities_are_decoded() -> None:
    head = '<meta property="og:title" content="Rates &amp;amp; fees: what changes">'
    assert clean_html(_page(head, _BODY)).title == "Rates & fees: what changes"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000), st.text(max_size=400), st.lists(st.text(max_size=400), max_size=3))
@example("", "0</", [])  # a closing tag cut short: markup all the same
def test_headline_is_bounded_plain_text(title: str, meta: str, h1s: list[str]) -> None:
    headline = pick_headline(meta, title, h1s, "", None, None).text
    assert len(headline) <= MAX_HEADLINE
    assert "</" not in headline


def test_a_weekday_decides_day_or_month_order() -> None:
    # 7 January 2008 was a Monday; 1 July 2008 a Tuesday.
    assert parse_date("Monday | 07/01/2008") == datetime(2008, 1, 7)
    assert parse_date("Tuesday | 07/01/2008") == datetime(2008, 7, 1)


def _order(locale: str | None, text: str = "") -> DateOrder:
    return DateOrder(locale, lambda: text)


@pytest.mark.parametrize(
    ("value", "locale", "text", "expected"),
    [
        ("07/01/2008", "en-US", "", datetime(2008, 7, 1)),
        ("07/01/2008", "en-GB", "", datetime(2008, 1, 7)),
        ("01.09.2008", "en-US", "", datetime(2008, 9, 1)),  # dots are day-first
        ("07/01/2008", "en-US", "Earlier: 13/01/2008.", datetime(2008, 1, 7)),
        ("01.09.2008", "en-US", "Filed 12.13.2008 and 12.30.2008", datetime(2008, 1, 9)),
        ("03-09-2026", None, "Published March 9, 2026", datetime(2026, 3, 9)),
    ],
)
def test_page_language_and_other_dates_decide_the_order(
    value: str, locale: str | None, text: str, expected: datetime
) -> None:
    assert parse_date(value, _order(locale, text)) == expected


def test_us_page_reads_a_slash_date_month_first() -> None:
    head = '<meta property="og:locale" content="en_US">'
    body = '<h1>Bridge repairs start</h1><p class="byline">Posted 03/09/2026</p>' + _BODY
    assert clean_html(_page(head, body)).date == datetime(2026, 3, 9)


def test_a_date_in_the_story_is_not_the_publication_date() -> None:
    body = (
        "<article><h1>The long road to the bridge</h1>"
        "<p>The first plan for the bridge was drawn on Jan. 13, 1968, when the town had "
        "two ferries and a toll road, and it was shelved within the year.</p>"
        + _BODY
        + "</article>"
    )
    assert clean_html(_page("", body)).date is None


def test_a_date_line_under_the_headline_is_the_publication_date() -> None:
    body = (
        "<article><h1>The long road to the bridge</h1><p>By Jo Roe | Jan. 14, 2008</p>"
        + _BODY
        + "</article>"
    )
    assert clean_html(_page("", body)).date == datetime(2008, 1, 14)


def test_a_date_line_is_never_the_headline() -> None:
    # The <title> lost its end and no <h1> names the story: the body's first lines do.
    body = (
        '<div class="story"><p>01-14-2008 15:45</p><p>Bridge repairs start in March</p>'
        + _BODY
        + "</div>"
    )
    head = '<title>Bridge repairs start in March(The Daily Example)ntById("font")</title>'
    article = clean_html(_page(head, body), url="https://www.dailyexample.com/news/1.html")
    assert article.title == "Bridge repairs start in March"


@pytest.mark.parametrize(
    ("head", "h1s", "url", "expected"),
    [
        # The site's logo and the story, both <h1>s, both parts of the <title>.
        (
            "<title>Bridge repairs start in March | Example Sun</title>",
            ["Example Sun", "Bridge repairs start in March"],
            "https://www.news.com.au/examplesun/story/0,1,2.html",
            "Bridge repairs start in March",
        ),
        # A section label beside the story.
        (
            "<title>Bridge repairs start in March - Breaking News - Example</title>",
            ["Breaking News", "Bridge repairs start in March"],
            "https://www.example.com.au/story/1.html",
            "Bridge repairs start in March",
        ),
        # Site and section before the story, parted by spaced colons.
        (
            "<title>The Example : Business : Bridge repairs start in March</title>",
            [],
            "https://www.example.com/2008/01/15/stories/1.htm",
            "Bridge repairs start in March",
        ),
        # Sections and a paper's name after the story.
        (
            "<title>Bridge repairs start in March - National - Sport - Valley Chronicle</title>",
            [],
            "https://valley.yourguide.com.au/news/1.aspx",
            "Bridge repairs start in March",
        ),
        # A section glued to its dash, behind the host name.
        (
            "<title>examplesun.com - Music- Bridge repairs start in March</title>",
            [],
            "https://www.examplesun.com/Entertainment/1.html",
            "Bridge repairs start in March",
        ),
    ],
)
def test_site_and_section_names_are_not_the_headline(
    head: str, h1s: list[str], url: str, expected: str
) -> None:
    body = "".join(f"<h1>{h}</h1>" for h in h1s) + _BODY
    assert clean_html(_page(head, body), url=url).title == expected


_OTHER_BODY = (
    "<p>" + "Members met on a wet evening and talked for hours about the river. " * 8 + "</p>"
)


@pytest.mark.parametrize(
    "title",
    [
        "Valley Times -- Council approves new bridge",
        "Council approves new bridge | Valley Times",
        "Council approves new bridge - Valley Times",
        "Council approves new bridge | The Valley Times",
        # The site between a section and the story, under two separators.
        "Local News | Valley Times -- Council approves new bridge",
        "Council approves new bridge | Valley Times | Local",
        # A colon parts the site only when the segment is the site's name exactly.
        "Valley Times: Council approves new bridge",
    ],
)
@pytest.mark.parametrize(
    ("head", "body", "url"),
    [
        ('<meta property="og:site_name" content="Valley Times">', _OTHER_BODY, None),
        ('<meta name="application-name" content="The Valley Times">', _OTHER_BODY, None),
        ("", _OTHER_BODY, "https://www.valleytimes.com/news/1"),
        ("", "<h1>Council approves new bridge</h1>" + _OTHER_BODY, None),
    ],
    ids=["og-site-name", "application-name", "host-name", "h1"],
)
def test_the_site_name_leaves_a_title_headline(
    title: str, head: str, body: str, url: str | None
) -> None:
    page = _page(f"<title>{title}</title>{head}", body)
    assert clean_html(page, url=url).title == "Council approves new bridge"


@pytest.mark.parametrize(
    ("title", "h1", "expected"),
    [
        ("Mayor: The bridge will open in May", "", "Mayor: The bridge will open in May"),
        # Past a leading site name, a colon is the headline's own.
        (
            "The Valley Times: Bridge roundup: work starts in May",
            "Bridge roundup: work starts in May",
            "Bridge roundup: work starts in May",
        ),
        # Sections before a trailing site name go with it.
        ("Council approves new bridge: Local: Valley Times", "", "Council approves new bridge"),
    ],
)
def test_a_colon_parts_a_site_name_only(title: str, h1: str, expected: str) -> None:
    head = f'<title>{title}</title><meta property="og:site_name" content="Valley Times">'
    body = (f"<h1>{h1}</h1>" if h1 else "") + _OTHER_BODY
    assert clean_html(_page(head, body)).title == expected


def test_a_section_title_gives_way_to_the_first_line() -> None:
    nav = '<ul class="menu"><li><a href="/top">Top Stories</a></li><li><a href="/s">Sports</a></li></ul>'
    body = nav + "<div><p>Driver held after truck flips over in Queens</p>" + _BODY + "</div>"
    article = clean_html(_page("<title>XY1: Top Stories</title>", body), url="https://xy1.com/a")
    assert article.title == "Driver held after truck flips over in Queens"
    # The line may be the story's own first: it stays in the body.
    assert article.body.startswith("Driver held after truck")


@pytest.mark.parametrize(
    ("line", "url", "expected"),
    [
        # A day-first country domain: 10 January.
        (
            "10/01/2008",
            "https://breakingnews.example.ie/sport/story.asp?j=1",
            datetime(2008, 1, 10),
        ),
        # The story's file is named by its date (yymmdd): 8 January.
        ("01-08-2008", "https://www.example.com/hbr.asp?a=080108170636", datetime(2008, 1, 8)),
    ],
)
def test_the_address_decides_day_or_month_first(line: str, url: str, expected: datetime) -> None:
    body = f'<h1>Bridge repairs start</h1><div class="smlgrey">{line}</div>' + _BODY
    assert clean_html(_page("", body, lang=""), url=url).date == expected


def test_a_reading_months_after_every_other_date_loses() -> None:
    # Read day first, 01.09.2008 would be September, after everything the page links.
    body = (
        '<h1>Bridge repairs start</h1><div class="siteinfo">Tucson | Published: 01.09.2008</div>'
        + _BODY
        + '<p><a href="/b">Council vote</a> January 15, 2008</p>'
    )
    assert clean_html(_page("", body, lang=""), url="https://www.example.com/s/1").date == (
        datetime(2008, 1, 9)
    )


def test_a_dated_link_is_not_the_publication_date() -> None:
    body = (
        '<table><tr><td><a href="/archives/">Since 1st March, 1999</a></td></tr></table>'
        "<div><p>Bridge repairs start in March</p>" + _BODY + "</div>"
    )
    assert clean_html(_page("", body), url="https://www.example.in/1071231/a.jsp").date is None


def test_a_meta_date_of_any_name_wins_over_the_text() -> None:
    head = '<META NAME="NBDATE" CONTENT="Saturday, December 29, 2007">'
    body = (
        "<h1>Bridge repairs start</h1><p>Between 1 November 2006 and now the bridge shut twice.</p>"
        + _BODY
    )
    assert clean_html(_page(head, body)).date == datetime(2007, 12, 29)


def test_site_wide_keywords_are_not_tags() -> None:
    site_wide = ", ".join(f"city weather {i}" for i in range(30))
    head = (
        f'<meta name="keywords" content="{site_wide}">'
        '<meta name="description" content="The bridge reopens.">'
    )
    assert clean_html(_page(head, "<h1>Bridge reopens</h1>" + _BODY)).tags == ()
    head = '<meta name="keywords" content="bridge, council"><meta name="news_keywords" content="bridge">'
    assert clean_html(_page(head, "<h1>Bridge reopens</h1>" + _BODY)).tags == ("bridge",)
    head = '<title>Bridge reopens</title><meta name="keywords" content="bridge, council">'
    assert clean_html(_page(head, "<h1>Bridge reopens</h1>" + _BODY)).tags == ("bridge", "council")


def test_a_year_alone_is_not_a_date() -> None:
    assert year_only("Wii tops 2007 console poll")
    assert not year_only("January 1, 2008")
    body = "<div><p>Wii tops 2007 console poll</p>" + _BODY + "</div>"
    assert clean_html(_page("", body)).date is None


@pytest.mark.parametrize(
    "masthead",
    [
        "<time>Serving the valley since 1908</time>",
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "1908"}'
        "</script>",
        '<meta name="date" content="Serving the valley since 1908">',
    ],
)
def test_a_year_alone_in_the_markup_gives_way_to_the_date_line(masthead: str) -> None:
    """A masthead's founding year was read as 1 January 1908, over the story's date."""
    body = (
        f"<header>{masthead}</header><article><h1>Council approves new bridge</h1>"
        f"<p>Published March 3, 2025</p>{_BODY}</article>"
    )
    assert clean_html(_page("", body)).date == datetime(2025, 3, 3)
    assert publication_date("since 1908") is None
    assert publication_date("January 2008") == datetime(2008, 1, 1)
    assert publication_date("2008-01-01") == datetime(2008, 1, 1)


def test_a_german_word_ending_is_not_a_section() -> None:
    head = "<title>Buß- und Ordnungsgeld gegen Anwalt | Recht | Example</title>"
    body = "<h1>Buß- und Ordnungsgeld gegen Anwalt</h1>" + _BODY
    article = clean_html(_page(head, body, lang="de"), url="https://www.example.de/recht/1")
    assert article.title == "Buß- und Ordnungsgeld gegen Anwalt"


def test_dates_are_read_on_29_february(monkeypatch: pytest.MonkeyPatch) -> None:
    """'A year from now' was the same date next year, which 29 February lacks: on a leap
    day every page lost its date and fell back to plain text."""
    import datetime as real

    from searchlib.clean import dates

    class LeapDay(real.datetime):
        @classmethod
        def now(cls, tz: real.tzinfo | None = None) -> LeapDay:
            return cls(2028, 2, 29, 12, 0, tzinfo=tz)

    monkeypatch.setattr(dates, "datetime", LeapDay)
    page = (
        b"<html><head><title>Harbour council approves wind farm</title>"
        b'<meta property="article:published_time" content="2028-02-28T09:00:00Z"></head>'
        b"<body><article><h1>Harbour council approves wind farm</h1>"
        + b"<p>The council approved the offshore wind farm after a long night of debate.</p>" * 5
        + b"</article></body></html>"
    )
    article = clean_html(page)
    assert article.title == "Harbour council approves wind farm"
    assert article.date is not None and article.date.date() == real.date(2028, 2, 28)
    assert clean_text("Storm closes passes\n\nFebruary 28, 2028\n\nSnow closed passes.").date


@pytest.mark.parametrize(
    "head",
    [
        "<title>Unclosed headline goes on",
        "<title>Outer <title>Inner</title> tail</title>",
        "<title>Lost end tag</titel>",
    ],
)
def test_a_short_title_that_runs_into_the_page_never_leaves_markup(head: str) -> None:
    story = "The harbour council approved the offshore wind farm after a long night. " * 9
    page = f"<html><head>{head}<body><article><p>{story}</p></article></body></html>"
    article = clean_html(page)
    assert "<" not in article.title and "<" not in article.body
    assert "harbour council approved" in article.body


def test_a_site_name_without_a_letter_or_digit_is_none() -> None:
    page = (
        '<html><head><meta property="og:site_name" content="/">'
        '<link rel="canonical" href="https://www.valleytimes.example/news/bridge">'
        "</head><body><article><h1>Council approves new bridge</h1>"
        "<p>The city council voted on Tuesday to approve a new bridge over the river, "
        "ending a decade of debate about traffic in the valley.</p></article></body></html>"
    )
    assert clean_html(page).site == "valleytimes.example"


def _ld_page(ld: str, body: str = "") -> str:
    story = "<p>" + "The council met on Monday and approved the new bridge over the river. " * 8
    return (
        f'<html><head><title>Council approves bridge</title><script type="application/ld+json">'
        f"{ld}</script></head><body><article><h1>Council approves bridge</h1>{body}"
        f"{story}</p></article></body></html>"
    )


def test_entities_in_json_ld_authors_and_keywords_are_decoded() -> None:
    page = _ld_page(
        '{"@type": "NewsArticle", "author": {"@type": "Person", "name": "Jo Roe &amp; Al Poe"},'
        ' "keywords": ["M&amp;A", "Colleges &amp; Universities"]}'
    )
    article = clean_html(page)
    assert article.authors == ("Jo Roe", "Al Poe")
    assert article.tags[:2] == ("M&A", "Colleges & Universities")


@pytest.mark.parametrize(
    ("name", "authors"),
    [
        ("Jo Roe - Editorial Team", ("Jo Roe",)),
        ("Jo Roe Last updated on: October 1, 2025", ("Jo Roe",)),
        ("Jo Roe Published on", ("Jo Roe",)),
        ("/jororentals", ()),
        ("The Author", ()),
        ("Valley State University ©", ("Valley State University",)),
    ],
)
def test_author_names_lose_labels_and_handles(name: str, authors: tuple[str, ...]) -> None:
    ld = '{"@type": "NewsArticle", "author": {"@type": "Person", "name": "NAME"}}'
    page = _ld_page(ld.replace("NAME", name))
    assert clean_html(page).authors == authors


def test_abbreviated_month_names_of_other_languages() -> None:
    for text, day in (
        ("11 abr 2025", datetime(2025, 4, 11)),
        ("3 dic. 2025", datetime(2025, 12, 3)),
        ("5 juil. 2023", datetime(2023, 7, 5)),
        ("12 ene 2024", datetime(2024, 1, 12)),
    ):
        assert publication_date(text) == day
