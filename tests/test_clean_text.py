"""Scraped plain text: headline past the menu, bylines and date lines, furniture lines."""

from __future__ import annotations

from datetime import datetime

import pytest

from searchlib import clean_text

STORY = (
    "The finance ministers of the euro zone agreed on Tuesday to a budget that cuts "
    "spending by two percent over the next three years, officials said."
)
MORE = (
    "The deal still needs the approval of national parliaments, which are expected to "
    "vote on it before the summer recess begins in July."
)


def test_headline_comes_after_the_menu_lines() -> None:
    text = (
        f"Home\nNews\nSport\nSubscribe\nSign in\nMinisters agree a leaner budget\n{STORY}\n{MORE}\n"
    )
    article = clean_text(text)
    assert article.title == "Ministers agree a leaner budget"
    assert article.body == f"{STORY}\n{MORE}"


def test_headline_after_menu_with_blank_lines_and_skip_link() -> None:
    text = (
        "Skip to content\n\nMenu\n\nHome\n\nWorld\n\nBusiness\n\nSign in\n\n"
        f"Ministers agree a leaner budget\n\n{STORY}\n\n{MORE}\n"
    )
    article = clean_text(text)
    assert article.title == "Ministers agree a leaner budget"
    assert "Sign in" not in article.body
    assert article.body.startswith(STORY)


def test_a_short_headline_right_above_its_story_is_not_a_menu_entry() -> None:
    text = f"Home\nNews\nSport\nBudget agreed\n{STORY}\n"
    assert clean_text(text).title == "Budget agreed"


def test_headline_is_not_a_list_of_site_names() -> None:
    text = f"Facebook Twitter Email\nMinisters agree a leaner budget\nBy Jane Roe\n{STORY}\n"
    assert clean_text(text).title == "Ministers agree a leaner budget"


@pytest.mark.parametrize(
    ("line", "authors", "date"),
    [
        ("By Jane Roe | March 3, 2025", ("Jane Roe",), datetime(2025, 3, 3)),
        ("Posted on May 2, 2026 by John Doe", ("John Doe",), datetime(2026, 5, 2)),
        ("Published March 3, 2025", (), datetime(2025, 3, 3)),
        ("Von Max Mustermann", ("Max Mustermann",), None),
        ("Veröffentlicht am 03.03.2025", (), datetime(2025, 3, 3)),
        ("Par Jean Dupont", ("Jean Dupont",), None),
        ("Publié le 3 mars 2025", (), datetime(2025, 3, 3)),
        ("Por Juan Pérez", ("Juan Pérez",), None),
        ("Publicado el 3 de marzo de 2025", (), datetime(2025, 3, 3)),
        ("Post author By Jane Roe", ("Jane Roe",), None),
        ("By Jane RoePublished 3 March 2025", ("Jane Roe",), datetime(2025, 3, 3)),
    ],
)
def test_bylines_and_date_lines_are_read(
    line: str, authors: tuple[str, ...], date: datetime | None
) -> None:
    text = f"Home\nNews\nSport\nMinisters agree a leaner budget\n{line}\n{STORY}\n{MORE}\n"
    article = clean_text(text)
    assert article.title == "Ministers agree a leaner budget"
    assert article.authors == authors
    assert article.date == date
    assert line not in article.body
    assert article.body.startswith(STORY)


def test_byline_label_on_a_line_of_its_own() -> None:
    text = f"Ministers agree a leaner budget\nBy\nJane Roe\nMarch 3, 2025\n{STORY}\n"
    article = clean_text(text)
    assert article.authors == ("Jane Roe",)
    assert article.date == datetime(2025, 3, 3)
    assert article.body == STORY


def test_date_line_above_the_headline_is_read() -> None:
    text = f"Home\nNews\nSport\n3 March 2025\nMinisters agree a leaner budget\n{STORY}\n"
    article = clean_text(text)
    assert article.title == "Ministers agree a leaner budget"
    assert article.date == datetime(2025, 3, 3)


def test_updated_date_does_not_replace_the_published_one() -> None:
    text = (
        f"Ministers agree a leaner budget\nUpdated April 9, 2025\nPublished March 3, 2025\n"
        f"{STORY}\n"
    )
    assert clean_text(text).date == datetime(2025, 3, 3)


def test_a_sentence_starting_with_by_is_no_byline() -> None:
    text = f"Ministers agree a leaner budget\n\nBy the end of the year, {STORY}\n"
    article = clean_text(text)
    assert article.authors == ()
    assert article.body.startswith("By the end of the year")


def _body(*paragraphs: str) -> str:
    """The body `clean_text` finds under the headline "Ministers agree a leaner budget"
    in a text of these paragraphs."""
    return clean_text("\n\n".join(["Ministers agree a leaner budget", *paragraphs]) + "\n").body


@pytest.mark.parametrize(
    ("furniture", "inside"),
    [
        # after the story: the trailer and the lines of the page's footer
        ("Like this:\nLike Loading...", False),
        ("Found a mistake? Let us know", False),
        ("Gefällt mir:\nGefällt mir Wird geladen …", False),
        ("Fehler gefunden? Jetzt melden", False),
        ("Schreibe einen Kommentar", False),
        ("Tous droits réservés", False),
        ("Diese Website verwendet Cookies.", False),
        ("3 Comments on Ministers agree a leaner budget", False),
        # inside the story: a teaser, and furniture written as a sentence
        ("Read more: Central bank holds rates steady as inflation eases in spring.", True),
        ("2019-2026 Example Studio LLC All Rights Reserved", True),
        ("Our website uses cookies. By continuing to navigate, we assume your permission.", True),
        ("For daily wit and wisdom, sign up for the Almanac newsletter.", True),
        ("Maintained by the docs team. See a typo? Send a fix here!", True),
        ("Gefällt mir Gefällt mir nicht", True),
        ("E-Mail", True),
    ],
)
def test_furniture_lines_are_dropped(furniture: str, inside: bool) -> None:
    paragraphs = [STORY, furniture, MORE] if inside else [STORY, MORE, furniture]
    assert _body(*paragraphs) == f"{STORY}\n\n{MORE}"


def test_most_read_list_is_dropped() -> None:
    text = (
        f"Ministers agree a leaner budget\n\n{STORY}\n\n{MORE}\n\nMost read\n"
        "1. Central bank holds rates steady\n2. Storm closes ports on the north coast\n"
        "3 Football club names a new coach\n"
    )
    assert clean_text(text).body == f"{STORY}\n\n{MORE}"


def test_footer_links_after_the_story_are_dropped() -> None:
    text = (
        f"Ministers agree a leaner budget\n{STORY}\n{MORE}\n"
        "About us\nContact\nPrivacy Policy\nImpressum\n"
    )
    assert clean_text(text).body == f"{STORY}\n{MORE}"


def test_a_story_sentence_about_a_mistake_stays() -> None:
    line = "Officials said they had found a mistake in the budget figures published last week."
    assert line in _body(STORY, line)


def test_text_made_only_of_menu_lines_keeps_no_account_line() -> None:
    article = clean_text("Home\nNews\nSport\nSign in\n")
    assert "Sign in" not in f"{article.title}\n{article.body}"
    assert set(article.body.split("\n")) <= {"Home", "News", "Sport", ""}
    assert (article.date, article.authors, article.tags) == (None, (), ())


def test_a_year_in_the_headline_is_no_date_line() -> None:
    text = f"Home\nNews\nSport\nNutrition trends for fall 2025\n{STORY}\n"
    article = clean_text(text)
    assert article.title == "Nutrition trends for fall 2025"
    assert article.date is None


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("1. Februar 2022, Jane Roe", datetime(2022, 2, 1)),
        ("Jane Roe am 18. September 2019", datetime(2019, 9, 18)),
        ("23.06.2016 um 16:14 Uhr - Jane Roe - 91 Ergänzungen", datetime(2016, 6, 23)),
        ("Posted on June 29, 2020November 12, 2021 by Jane Roe", datetime(2020, 6, 29)),
    ],
)
def test_date_lines_that_name_the_author(line: str, date: datetime) -> None:
    text = f"Ministers agree a leaner budget\n{line}\n{STORY}\n"
    article = clean_text(text)
    assert article.authors == ("Jane Roe",)
    assert article.date == date


def test_a_short_closing_sentence_is_the_storys_own() -> None:
    text = (
        "Council approves new bridge\n\nThe city council voted 7-2 on Tuesday to approve a new"
        " bridge over the river, ending a decade of debate about traffic in the valley.\n\n"
        "The mayor declined to comment.\n\nAbout us\nContact"
    )
    body = clean_text(text).body
    assert body.endswith("The mayor declined to comment.")


def test_share_buttons_under_a_sentence_headline_do_not_end_the_story() -> None:
    story = (
        "Researchers studied more than 20,000 students in nine cities and found that the "
        "tutoring they received produced only one or two months' worth of extra learning, "
        "a fraction of what earlier studies had measured."
    )
    text = "\n\n".join(
        [
            "Skip to content",
            "Tutoring was supposed to save American kids after the pandemic. The results? ‘Sobering’",
            "Logistics made it difficult to deliver the tutoring that could make a difference",
            "by Jill Barshay August 25, 2025",
            "Share this:",
            "Click to share on LinkedIn (Opens in new window) LinkedIn",
            story,
            "Schools struggled to set up large programs, said one of the report's authors, "
            "because tutoring changes bell schedules and classroom space.",
        ]
    )
    assert story in clean_text(text).body


def test_headline_is_the_line_the_story_speaks_of_not_an_account_box_line() -> None:
    # Two headline-shaped lines of equal shape above the story: the one whose words the
    # story's first sentences repeat is the headline, not the account box's last line.
    text = (
        "Create an account and benefit from:\nEasy sample ordering\n"
        "Access to order history\nEuro zone ministers agree budget\nShare\n"
        f"{STORY}\n{MORE}\n"
    )
    assert clean_text(text).title == "Euro zone ministers agree budget"


def test_headline_that_reads_as_prose_above_its_byline() -> None:
    # The headline ends as a sentence ends and is long enough to read as the story's
    # first prose; the byline under its standfirst marks it.
    headline = "Tutoring was meant to save pupils after the pandemic. The results? ‘Sobering’"
    text = (
        "Skip to content\n\nThe Daily Ledger\n\nPosted inEducation\n\n"
        f"{headline}\n\n"
        "Logistics made it hard to deliver the amount of tutoring that makes a difference\n\n"
        "by Jane Roe August 25, 2025August 29, 2025\n\nShare this:\n\n"
        "Click to share on LinkedIn (Opens in new window) LinkedIn\n\n"
        f"{STORY}\n\n{MORE}\n\n{STORY}\n\n{MORE}\n"
    )
    article = clean_text(text)
    assert article.title == headline
    assert article.authors == ("Jane Roe",)
    assert article.date == datetime(2025, 8, 25)


@pytest.mark.parametrize(
    "line",
    [
        "Home » News » Euro zone ministers agree budget",
        "Main > Blog > Euro zone ministers agree budget",
        "Newsroom/Economy/Euro zone ministers agree budget",
        "/ Euro zone ministers agree budget",
    ],
)
def test_breadcrumb_trail_run_into_the_headline_is_dropped(line: str) -> None:
    assert clean_text(f"{line}\n{STORY}\n{MORE}\n").title == "Euro zone ministers agree budget"


def test_headline_with_a_separator_keeps_its_words() -> None:
    # A "|" or a short first part is the headline's own: not a breadcrumb.
    for title in ("Budget talks | Day two", "Ministers > expectations on budget"):
        assert clean_text(f"{title}\n{STORY}\n{MORE}\n").title == title


def test_byline_label_run_into_the_name_and_the_date() -> None:
    text = f"Ministers agree a leaner budget\nByJane RoeMar 5, 2025 | 6 comments\n{STORY}\n{MORE}\n"
    article = clean_text(text)
    assert article.authors == ("Jane Roe",)
    assert article.date == datetime(2025, 3, 5)


def test_menu_entry_with_by_is_no_byline() -> None:
    text = f"Research by Topic\nShop by Style\nMinisters agree a leaner budget\n{STORY}\n{MORE}\n"
    assert clean_text(text).authors == ()


def test_section_label_under_the_headline_is_no_author() -> None:
    # "Cautionary Tale" has the shape of a name, but the text writes its words in lower
    # case: a label. "Jane Roe" is not written so anywhere.
    story = STORY + " It is a cautionary tale for the region, the report said."
    for label, authors in (("Cautionary Tale", ()), ("Jane Roe", ("Jane Roe",))):
        text = f"Ministers agree a leaner budget\n{label}\n{story}\n{MORE}\n"
        assert clean_text(text).authors == authors


@pytest.mark.parametrize(
    "notice",
    [
        "© 2025 Condé Nast. All rights reserved. This site may earn a portion of sales "
        "from products that are purchased through our site as part of our partnerships "
        "with retailers, and the material on this site may not be reproduced without "
        "the prior written permission of the publisher.",
        "Photo: Wikimedia / Jo Roe, © European Union, CC0 1.0 Universal",
        "The old town hall at night. Photo: Wikimedia / Jo Roe, © European Union, CC0 1.0.",
        "Diese Webseite verwendet Cookies, damit du die angebotenen Services optimal "
        "nutzen kannst. Wenn du die Website weiter nutzt, stimmst du der Verwendung zu.",
        "This website uses cookies to improve your experience while you navigate through "
        "the website. Out of these, the cookies that are categorized as necessary are "
        "stored on your browser as they are essential for the working of basic "
        "functionalities of the website. " * 2,
        "Sign up to receive our monthly newsletter to stay up to date with our new content.",
        "Gefällt mir!",
    ],
)
def test_long_notices_do_not_reach_the_body(notice: str) -> None:
    text = f"Ministers agree a leaner budget\n{STORY}\n{notice}\n{MORE}\n"
    article = clean_text(text)
    assert notice.strip() not in article.body
    assert STORY in article.body and MORE in article.body


def test_story_sentence_about_cookies_stays() -> None:
    line = (
        "The regulator said the company uses cookies to follow readers across sites "
        "without asking them first."
    )
    assert line in clean_text(f"Regulator fines publisher\n{STORY}\n{line}\n{MORE}\n").body


def test_teaser_headlines_after_the_story_do_not_reach_the_body() -> None:
    text = (
        f"Ministers agree a leaner budget\n\n{STORY}\n\n{MORE}\n\n"
        "Sign up for our newsletter\nGet the latest news delivered to your inbox every morning.\n\n"
        "Read more:\nOil prices slip as OPEC+ weighs output\nChina LNG imports fall again\n\n"
        "Te puede interesar\nLa inflación se modera en diciembre\n\n"
        "Cet article vous a-t-il été utile ?\nOui Non\n"
    )
    assert clean_text(text).body == f"{STORY}\n\n{MORE}"


def test_a_closing_line_of_the_story_stays() -> None:
    # Short lines after the story that are its own (a correction), before any furniture.
    correction = "Correction: An earlier version misstated the number of parents."
    assert _body(STORY, MORE, correction, "Share this:").endswith(correction)


def test_name_with_a_job_title_is_the_byline() -> None:
    text = f"Ministers agree a leaner budget\n\nSarah Kim, Staff Writer\n\n{STORY}\n\n{MORE}\n"
    article = clean_text(text)
    assert article.authors == ("Sarah Kim",)
    assert article.tags == ()


def test_spanish_dateline_with_an_abbreviated_month() -> None:
    text = (
        "Argentina anuncia un acuerdo con el FMI\n\nBuenos Aires, 11 abr 2025 - 18:40 CEST\n\n"
        "El Gobierno argentino anunció este viernes un acuerdo con el Fondo Monetario "
        "Internacional, que permitirá levantar parte de los controles cambiarios.\n"
    )
    assert clean_text(text).date == datetime(2025, 4, 11)


@pytest.mark.parametrize(
    ("story", "language"),
    [
        (f"{STORY} {MORE}", "en"),
        (
            "Die Bundesbank hat ihre Prognose gesenkt. Das ist nicht das erste Mal, sagte der "
            "Präsident, und die Zahlen für das Jahr sind auch schwach.",
            "de",
        ),
        (
            "Le Parlement a adopté le budget. Les débats sont terminés et le texte est dans "
            "les mains du Conseil pour une dernière lecture.",
            "fr",
        ),
        ("Short line.", None),
    ],
)
def test_the_language_of_a_text(story: str, language: str | None) -> None:
    assert clean_text(f"A headline here\n\n{story}\n").language == language


@pytest.mark.parametrize(
    "sentence",
    [
        "Copyright holders said the ruling would make it harder to protect their work "
        "online, according to a statement.",
        "The regulator said Meta uses cookies.",
    ],
)
def test_story_sentences_about_rights_and_cookies_stay(sentence: str) -> None:
    text = f"Regulators probe tracking\nBy Jane Roe\n\n{STORY}\n\n{sentence}\n\n{MORE}\n"
    assert sentence in clean_text(text).body


@pytest.mark.parametrize(
    ("second", "third"),
    [
        ("By Jane Roe", "Published March 3, 2025"),  # a headline with a notice's word
        ("By Jane Roe", "Published 29 February 2023"),  # a date line that does not parse
        ("Share this:", "By Jane Roe"),  # a share widget under a short headline
    ],
)
def test_headline_above_byline_lines(second: str, third: str) -> None:
    for headline in ("Copyright lawsuit against publisher advances", "Company cuts jobs"):
        text = f"{headline}\n{second}\n{third}\n\n{STORY}\n\n{MORE}\n"
        article = clean_text(text)
        assert article.title == headline
        assert article.authors == ("Jane Roe",)


def test_a_one_paragraph_text_is_all_body() -> None:
    article = clean_text(STORY + " " + MORE)
    assert article.title == ""
    assert article.body == f"{STORY} {MORE}"


@pytest.mark.parametrize(
    "headline",
    [
        "Russia/Ukraine/NATO: talks resume in Geneva",
        "Apple > Google > Microsoft in new brand ranking",
        "AC/DC announce a farewell tour",
    ],
)
def test_headlines_with_slashes_and_arrows_are_no_breadcrumbs(headline: str) -> None:
    assert clean_text(f"{headline}\n{STORY}\n{MORE}\n").title == headline


def test_direction_marks_and_unicode_line_separators() -> None:
    text = f"Ministers agree a leaner budget\u2028\u200fBy Jane Roe\u2029{STORY}\u2029{MORE}"
    article = clean_text(text)
    assert article.title == "Ministers agree a leaner budget"
    assert article.authors == ("Jane Roe",)
    assert article.body.startswith(STORY)


def test_a_long_unbroken_line_is_cleaned() -> None:
    # Long runs without spaces (CJK text, garbage) must clean in one pass over the text.
    text = "Headline of the page\n" + "字" * 300_000 + "\n"
    assert clean_text(text).body == "字" * 300_000
