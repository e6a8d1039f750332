"""`searchlib serve`'s web application through Starlette's test client: every route,
bounded parameters (400, never 500), escaping of what documents hold, and the JSON API
against the library; then the `serve` command itself."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html import escape, unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

from searchlib import Index, SearchOptions
from searchlib.cli import EXIT_ERROR, SAMPLE_DIR, cli
from searchlib.web import create_app
from searchlib.web.app import CONTENT_SECURITY_POLICY
from searchlib.web.params import SearchState
from searchlib.web.timeline import Bar, month_bars, timeline_svg

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 in its test client, on import; httpx still works.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

HOSTILE_TITLE = "<script>alert(1)</script> pipeline <img src=x onerror=alert(1)>"
HOSTILE_BODY = (
    "Before <script>alert(1)</script> the pipeline <img src=x onerror=alert(1)> after.\n\n"
    'A second paragraph with "quotes" & ampersands about the pipeline.'
)
SEED_ID = "sample/000_2dbca9422a45b822.txt"


def _records() -> list[dict[str, Any]]:
    """Pipeline stories from two sources over three months, a story and its wire copy,
    and a story whose headline and body hold markup."""
    records: list[dict[str, Any]] = []
    for i in range(24):
        month, day = 1 + i % 3, 1 + i
        records.append(
            {
                "id": f"story-{i:02d}",
                "url": f"https://news.example/{i}",
                "title": f"Pipeline report number {i} on gas {'exports' if i % 2 else 'prices'}",
                "date": f"2024-{month:02d}-{day:02d}",
                "authors": ["Ana Lima"] if i % 4 == 0 else ["Ben Ode"],
                "source": "Alpha News" if i % 3 else "Beta Times",
                "tags": ["energy", "gas"] if i % 2 else ["energy"],
                "body": f"The pipeline story {i} tells of gas flows and turbine {i * 7} in region {i}. "
                f"Exports through the pipeline {'rose' if i % 2 else 'fell'} this month, "
                "the operator said, as the compressor station ran at full capacity.",
            }
        )
    wire = (
        "The harbour authority approved a new ferry terminal on Monday after a decade of "
        "debate, with construction to start in the spring and finish within two years."
    )
    records.append(
        {
            "id": "wire-a",
            "title": "Ferry terminal approved",
            "date": "2024-02-10",
            "source": "Alpha News",
            "body": wire,
        }
    )
    records.append(
        {
            "id": "wire-b",
            "title": "Ferry terminal approved",
            "date": "2024-02-10",
            "source": "Beta Times",
            "body": wire,
        }
    )
    records.append(
        {
            "id": "hostile",
            "url": "javascript:alert(1)",
            "title": HOSTILE_TITLE,
            "date": "2024-03-30",
            "source": "Gamma <b>Post</b>",
            "tags": ["<i>odd</i>"],
            "body": HOSTILE_BODY,
        }
    )
    return records


@pytest.fixture(scope="module")
def news_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "ix"
    with Index.create(path) as ix:
        ix.add(_records(), workers=1)
    return path


@pytest.fixture(scope="module")
def client(news_index: Path) -> Iterator[TestClient]:
    with TestClient(create_app(news_index), base_url="http://localhost") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def sample_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("sample") / "ix"
    with Index.create(path) as ix:
        ix.add([SAMPLE_DIR], workers=1)
    with TestClient(create_app(path), base_url="http://localhost") as test_client:
        yield test_client


def hrefs(html: str, attrs: str) -> list[str]:
    """The hrefs of the <a> elements whose attributes contain `attrs`, unescaped."""
    found = re.findall(rf"<a [^>]*{attrs}[^>]*>", html)
    return [unescape(m) for tag in found for m in re.findall(r'href="([^"]*)"', tag)]


def count_of(html: str) -> int:
    text = re.search(r'<p id="count"[^>]*>(.*?)</p>', html, re.S)
    assert text, html
    numbers = re.findall(r"\d+", text.group(1))
    return int(numbers[0]) if numbers else 0


def article_id(href: str) -> str:
    """The id an article link names (`/article?id=...`)."""
    path, _, query = href.partition("?")
    assert path == "/article", href
    return parse_qs(query)["id"][0]


def hit_ids(html: str) -> list[str]:
    return [article_id(href) for href in hrefs(html, 'class="hit-title"')]


# -- every route ---------------------------------------------------------------------

ROUTES = [
    ("/", 200),
    ("/?q=pipeline", 200),
    ("/?q=pipeline&sort=date&limit=5&offset=5", 200),
    ("/article/story-01", 200),
    ("/article/story-01?q=pipeline&explain=1", 200),
    ("/stats", 200),
    ("/api/search?q=pipeline", 200),
    ("/api/article/story-01", 200),
    ("/api/similar/story-01", 200),
    ("/api/stats", 200),
    ("/static/style.css", 200),
    ("/static/app.js", 200),
    ("/?limit=1000", 400),
    ("/api/search?q=", 400),
    ("/article/no-such-story", 404),
    ("/api/article/no-such-story", 404),
    ("/no/such/page", 404),
    ("/static/missing.css", 404),
]


@pytest.mark.parametrize(("url", "status"), ROUTES)
def test_every_route_answers_with_the_security_headers(
    client: TestClient, url: str, status: int
) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    if url.startswith("/api/"):
        assert response.headers["content-type"] == "application/json"
        if status != 200:
            assert set(response.json()) == {"error"}


def test_pages_hold_no_inline_script_or_style(client: TestClient) -> None:
    for url in ("/", "/?q=pipeline", "/article/story-01?q=gas", "/stats", "/?limit=0"):
        html = client.get(url).text
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/app.js" defer>']
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no event-handler attributes


def test_a_post_is_refused_as_read_only(client: TestClient) -> None:
    response = client.post("/api/search?q=pipeline")
    assert response.status_code == 405
    assert response.json() == {"error": "this page is read-only: use GET"}
    assert "GET" in response.headers["Allow"]
    assert "GET" in client.delete("/").headers["Allow"]


# -- search page ---------------------------------------------------------------------


def test_the_seed_story_comes_first_on_the_sample(sample_client: TestClient) -> None:
    html = sample_client.get("/", params={"q": "Power of Siberia"}).text
    assert hit_ids(html)[0] == SEED_ID
    assert "<mark>Power</mark> of <mark>Siberia</mark>" in html
    api = sample_client.get("/api/search", params={"q": "Power of Siberia"}).json()
    assert api["hits"][0]["id"] == SEED_ID


def test_the_empty_search_page_has_the_form_and_no_results(client: TestClient) -> None:
    html = client.get("/").text
    assert '<form id="search" action="/" method="get"' in html
    assert '<label class="query-label" for="q">' in html and 'id="q" name="q"' in html
    assert "autofocus" in html
    assert 'id="results"' not in html and 'id="count"' not in html
    assert "27 documents" in html


def test_hits_show_meta_snippet_and_link_with_the_query(client: TestClient) -> None:
    html = client.get("/?q=turbine+gas").text
    assert count_of(html) == 24
    first = re.search(r'<li class="hit">(.*?)</li>', html, re.S)
    assert first
    assert re.search(r'href="/article\?id=story-\d\d&amp;q=turbine\+gas"', first.group(1))
    assert re.search(
        r'<p class="hit-meta">2024-\d\d-\d\d · (Alpha News|Beta Times) · score [\d.]+</p>',
        first.group(1),
    )
    assert "<mark>turbine</mark>" in first.group(1)


def test_a_facet_filters_shows_active_and_can_be_removed(client: TestClient) -> None:
    html = client.get("/?q=pipeline").text
    before = count_of(html)
    beta = next(h for h in hrefs(html, 'class="facet"') if "source=Beta+Times" in h)
    narrowed = client.get(beta).text
    assert count_of(narrowed) == 8 < before
    assert re.search(
        r'<a class="facet active" href="[^"]*" aria-current="true">\s*<span class="facet-value">Beta Times',
        narrowed,
    )
    assert set(hit_ids(narrowed)) <= {f"story-{i:02d}" for i in range(0, 24, 3)}
    # Filters combine: a tag on top of the source.
    tag = next(h for h in hrefs(narrowed, 'class="facet"') if "tag=gas" in h)
    assert "source=Beta+Times" in tag
    both = client.get(tag).text
    assert count_of(both) == 4
    assert 'id="active-filters"' in both
    removes = hrefs(both, 'class="remove-filter"')
    assert len(removes) == 2
    assert count_of(client.get(next(r for r in removes if "source=" not in r)).text) == 12
    # The active facet's own link removes it too.
    active = hrefs(narrowed, 'class="facet active"')[0]
    assert count_of(client.get(active).text) == before


def test_a_month_facet_narrows_since_and_until(client: TestClient) -> None:
    html = client.get("/?q=pipeline").text
    month = next(h for h in hrefs(html, 'class="facet"') if "since=2024-02" in h)
    assert "until=2024-02" in month
    narrowed = client.get(month).text
    assert count_of(narrowed) == 8
    assert '<span class="filter-name">date:</span> 2024-02' in narrowed


def test_paging_moves_through_one_list(client: TestClient) -> None:
    first = client.get("/?q=pipeline&limit=10").text
    assert 'id="prev"' not in first
    second = client.get(hrefs(first, 'id="next"')[0]).text
    third = client.get(hrefs(second, 'id="next"')[0]).text
    assert hrefs(second, 'id="prev"') == ["/?q=pipeline"]
    assert 'id="next"' not in third
    pages = [hit_ids(first), hit_ids(second), hit_ids(third)]
    every = [doc for page in pages for doc in page]
    assert len(every) == len(set(every)) == count_of(first) == 25


def test_a_page_past_the_end_says_so_and_leads_back_to_the_last_page(client: TestClient) -> None:
    page = client.get("/?q=pipeline&limit=10&offset=60").text  # 25 results
    assert "past the last one" in page and not hit_ids(page)
    assert hrefs(page, 'id="prev"') == ["/?q=pipeline&offset=20"]
    assert 'id="next"' not in page


def test_no_next_link_beyond_the_deepest_offset(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A next page the server would refuse (offset above its bound) is not linked to.
    from searchlib.web import pages

    assert 'id="next"' in client.get("/?q=pipeline&limit=10&offset=10").text
    monkeypatch.setattr(pages, "MAX_OFFSET", 15)
    page = client.get("/?q=pipeline&limit=10&offset=10").text
    assert hit_ids(page) and 'id="next"' not in page


def test_an_article_leads_back_to_the_search_it_was_found_by(client: TestClient) -> None:
    search = "/?q=pipeline&limit=5&offset=5&sort=date"
    page = client.get(search).text
    link = hrefs(page, 'class="hit-title"')[0]
    assert "sort=date" in link and "offset=5" in link and "limit=5" in link
    article = client.get(link).text
    back = hrefs(article, "")  # every link of the page
    assert any(
        href.startswith("/?") and "sort=date" in href and "offset=5" in href for href in back
    )


def test_sort_by_date_orders_newest_first(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "pipeline", "sort": "date", "limit": 30}).json()
    dates = [hit["date"] for hit in data["hits"]]
    assert dates == sorted(dates, reverse=True)
    html = client.get("/", params={"q": "pipeline", "sort": "oldest"}).text
    assert hit_ids(html)[0] == "story-00"
    assert '<option value="oldest" selected>' in html


def test_collapsed_copies_are_counted_and_shown_apart_on_request(client: TestClient) -> None:
    html = client.get("/?q=ferry+terminal").text
    assert count_of(html) == 2  # documents, as the facets count them
    assert "2 matching documents" in html and "1 story once copies are folded" in html
    assert "1 copy</p>" in html
    apart = client.get("/?q=ferry+terminal&collapse=0").text
    assert count_of(apart) == 2
    assert re.search(r'id="no-collapse" name="collapse" type="checkbox" value="0" checked', apart)


def test_toggles_keep_their_state_in_the_form(client: TestClient) -> None:
    html = client.get("/?q=pipeline&expand=1&recent=30").text
    assert count_of(html) > 0
    assert 'id="expand" name="expand" type="checkbox" value="1" checked' in html
    assert 'id="recent" name="recent" type="number" min="0.001" step="any" value="30"' in html


def test_did_you_mean_links_to_the_corrected_search(client: TestClient) -> None:
    html = client.get("/?q=pipelne").text
    link = hrefs(html, 'id="did-you-mean"')
    assert link == ["/?q=pipeline"]


def test_no_results_say_so_and_count_what_the_filters_hide(client: TestClient) -> None:
    html = client.get("/?q=pipeline&source=nowhere").text
    assert re.search(
        r'<p id="count" role="status">No results for “pipeline”.\s+25 without the filters', html
    )


# -- timeline ------------------------------------------------------------------------


def test_the_timeline_counts_days_over_a_short_range(client: TestClient) -> None:
    html = client.get("/?q=pipeline").text
    svg = re.search(r'<svg id="timeline".*?</svg>', html, re.S)
    assert svg
    links = hrefs(svg.group(0), 'class="bar-link"')
    assert len(links) == len(re.findall(r'<rect class="bar" ', svg.group(0))) == 25
    assert "/?q=pipeline&since=2024-01-01&until=2024-01-01" in links
    assert "<title>2024-03-30: 1 document</title>" in svg.group(0)
    narrowed = client.get(links[0]).text
    assert count_of(narrowed) == 1


def test_the_timeline_counts_months_over_a_long_range(sample_client: TestClient) -> None:
    html = sample_client.get("/?q=prices OR wind OR library OR glacier").text
    svg = re.search(r'<svg id="timeline".*?</svg>', html, re.S)
    assert svg
    links = hrefs(svg.group(0), 'class="bar-link"')
    assert "/?q=prices+OR+wind+OR+library+OR+glacier&since=2024-04&until=2024-04" in links
    assert "<title>2024-04: 2 documents</title>" in svg.group(0)


def test_timeline_bars_escape_their_links_and_span_empty_periods() -> None:
    bars = month_bars([("2023-11", 1), ("2024-02", 3)])
    assert [bar.period for bar in bars] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    svg = timeline_svg([Bar('2024"<x>', 2)], lambda bar: f"/?q=a&since={bar.period}")
    assert '2024"<x>' not in svg and "2024&#34;&lt;x&gt;" in svg
    assert 'href="/?q=a&amp;since=2024&#34;&lt;x&gt;"' in svg


def test_a_long_range_is_counted_by_year() -> None:
    bars = month_bars([("1990-01", 2), ("2024-06", 1)])
    assert bars[0] == Bar("1990", 2) and bars[-1] == Bar("2024", 1) and len(bars) == 35


# -- bad parameters ------------------------------------------------------------------

BAD = [
    ({"q": "pipeline", "limit": "1000"}, "limit must be from 1 to 100"),
    ({"q": "pipeline", "limit": "0"}, "limit must be from 1 to 100"),
    ({"q": "pipeline", "offset": "-1"}, "offset must be from 0 to 10000"),
    ({"q": "pipeline", "offset": "10001"}, "offset must be from 0 to 10000"),
    ({"q": "pipeline", "offset": "abc"}, "offset must be a whole number"),
    ({"q": "pipeline", "limit": "1e3"}, "limit must be a whole number"),
    ({"q": "pipeline", "since": "garbage"}, "'garbage' is not a date"),
    ({"q": "pipeline", "since": "2024-05", "until": "2024-01"}, "since"),
    ({"q": "pipeline", "sort": "bogus"}, "unknown sort order 'bogus'"),
    ({"q": "a" * 1001}, "the query is 1001 characters long"),
    ({"q": "pipeline", "recent": "-1"}, "recent must be a positive number"),
    ({"q": "pipeline", "recent": "nan"}, "recent must be a number of days, not 'nan'"),
    ({"q": "pipeline", "limit": "+10"}, "limit must be a whole number, not '+10'"),
    ({"q": "pipeline", "limit": "1_0"}, "limit must be a whole number"),
    ({"q": "pipeline", "limit": "\uff15"}, "limit must be a whole number"),
    ({"q": "pipeline", "offset": "1e2"}, "offset must be a whole number"),
    ({"q": "pipeline", "recent": "soon"}, "recent must be a number of days"),
    ({"q": "pipeline", "recent": "30", "sort": "date"}, "recency"),
    ({"q": "pipeline", "expand": "1", "sort": "date"}, "query expansion"),
    ({"q": "the"}, "nothing to search for"),
    ({"q": "a*"}, "too short"),
    ({"q": "pipeline", "expand": "yes"}, "expand must be 1 or 0, not 'yes'"),
    ({"q": "pipeline", "collapse": "2"}, "collapse must be 1 or 0, not '2'"),
    ([("q", "pipeline"), ("q", "gas")], "q is given more than once"),
    ([("q", "pipeline"), ("tag", "gas"), ("tag", "energy")], "tag is given more than once"),
]


@pytest.mark.parametrize(("params", "message"), BAD)
def test_a_bad_parameter_is_a_400_with_a_message(
    client: TestClient, params: dict[str, str], message: str
) -> None:
    api = client.get("/api/search", params=params)
    assert api.status_code == 400
    assert message in api.json()["error"]
    assert "\n" not in api.json()["error"]
    page = client.get("/", params=params)
    assert page.status_code == 400
    assert message in unescape(re.search(r'<p id="error"[^>]*>(.*?)</p>', page.text, re.S).group(1))  # type: ignore[union-attr]


def test_an_empty_query_is_a_400_on_the_api_only(client: TestClient) -> None:
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/api/search", params=params)
        assert response.status_code == 400
        assert response.json() == {"error": "no query: give one as q=..."}
    assert client.get("/", params={"q": ""}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/similar/story-01?limit=101",
        "/api/similar?id=story-01&limit=101",
        "/api/similar/story-01?offset=x",
        "/article/story-01?q=" + "a" * 1001,
        "/article/story-01?q=gas&explain=yes",
        "/api/search?q=gas&facets=true",
        "/api/similar/story-01?collapse=no",
        "/api/similar/story-01?limit=5&limit=6",
        "/article",
        "/api/article?id=",
        "/api/article?id=story-01&id=story-02",
        "/article?id=story-01&id=story-02",
        "/article?id=story-01&q=gas&q=oil",
        "/article?id=story-01&explain=1&explain=1",
    ],
)
def test_bad_parameters_elsewhere_are_400s(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 400


def test_unknown_ids_are_404s(client: TestClient) -> None:
    for url in ("/article/nope", "/api/article/nope", "/api/similar/nope", "/article/a/b/c.txt"):
        response = client.get(url)
        assert response.status_code == 404, url
    assert client.get("/api/article/nope").json() == {"error": "no document with id 'nope'"}
    assert "no document with id &#39;nope&#39;" in client.get("/article/nope").text


def test_page_state_round_trips_through_its_url() -> None:
    state = SearchState.from_params(
        {
            "q": "gas",
            "offset": "20",
            "limit": "50",
            "sort": "date",
            "tag": "energy",
            "collapse": "0",
            "recent": "",
        }
    )
    assert state.url(offset=20) == "/?q=gas&offset=20&limit=50&sort=date&tag=energy&collapse=0"
    assert (
        SearchState.from_params(dict(re.findall(r"(\w+)=([^&]*)", state.url(offset=20)))) == state
    )
    assert state.url(tag=None) == "/?q=gas&limit=50&sort=date&collapse=0"  # back to page one


# -- escaping ------------------------------------------------------------------------


def test_markup_in_a_document_comes_back_as_text(client: TestClient) -> None:
    for url in ("/?q=pipeline&limit=30", "/article/hostile", "/article/hostile?q=alert+pipeline"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "<b>Post</b>" not in html and "<i>odd</i>" not in html
        assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
    article = client.get("/article/hostile?q=alert+pipeline").text
    headline = re.search(r'<h1 id="headline">(.*?)</h1>', article, re.S)
    assert headline
    assert headline.group(1) == (
        "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; <mark>pipeline</mark> "
        "&lt;img src=x onerror=<mark>alert</mark>(1)&gt;"
    )
    assert "&#34;quotes&#34; &amp; ampersands about the <mark>pipeline</mark>." in article
    # A javascript: URL is shown, never linked.
    assert 'href="javascript' not in article and "javascript:alert(1)" in article


def test_highlights_are_marks_around_escaped_text(client: TestClient) -> None:
    html = client.get("/?q=alert&limit=30").text
    snippet = re.search(r'<p class="hit-snippet">(.*?)</p>', html, re.S)
    assert snippet
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in snippet.group(1)
    assert re.sub(r"</?mark>", "", snippet.group(1)).count("<") == 0


# -- article and index pages ---------------------------------------------------------


def test_the_article_page_shows_the_story_its_similar_stories_and_copies(
    client: TestClient,
) -> None:
    html = client.get("/article/story-04?q=turbine").text
    assert '<h1 id="headline">Pipeline report number 4 on gas prices</h1>' in html
    meta = re.search(r'<dl id="meta">(.*?)</dl>', html, re.S)
    assert meta
    for text in ("2024-02-05", "Ana Lima", "Alpha News", "energy", 'href="https://news.example/4"'):
        assert text in meta.group(1)
    assert "<mark>turbine</mark> 28" in html
    similar = re.search(r'<ul id="similar">(.*?)</ul>', html, re.S)
    assert similar and re.findall(r'href="/article\?id=story-\d\d"', similar.group(1))
    assert 'id="copies"' not in html
    copies = client.get("/article/wire-a").text
    assert re.search(r'<ul id="copies">\s*<li><a href="/article\?id=wire-b">', copies)


def test_explain_shows_the_score_per_field_and_word(client: TestClient) -> None:
    html = client.get("/article/story-04?q=turbine&explain=1").text
    table = re.search(r'<section id="explain".*?</section>', html, re.S)
    assert table and "<td>turbin</td>" in table.group(0)
    without_query = client.get("/article/story-04?explain=1").text
    assert "An explanation needs a query" in without_query


def test_the_article_page_follows_an_id_with_slashes(sample_client: TestClient) -> None:
    html = sample_client.get(f"/article/{SEED_ID}?q=siberia").text
    assert "Xi Jinping- Putin summit" in html and "<mark>Siberia</mark>" in html
    assert sample_client.get(f"/api/article/{SEED_ID}").json()["id"] == SEED_ID


def test_the_stats_page_and_api_give_the_index_figures(
    client: TestClient, news_index: Path
) -> None:
    with Index.open(news_index) as ix:
        figures = ix.stats().to_dict()
    assert client.get("/api/stats").json() == figures
    html = client.get("/stats").text
    stats = re.search(r'<section id="stats".*?</section>', html, re.S)
    assert stats
    assert "<dd>27</dd>" in stats.group(0) and "2024-01-01 to 2024-03-30" in stats.group(0)
    assert "<td>Alpha News</td><td>" in stats.group(0)


# -- the API against the library -----------------------------------------------------


@pytest.mark.parametrize(
    ("params", "options"),
    [
        ({"q": "pipeline"}, {}),
        (
            {"q": "gas", "limit": "5", "offset": "5", "sort": "date", "tag": "gas", "facets": "1"},
            {"limit": 5, "offset": 5, "sort": "date", "tag": "gas", "facets": True},
        ),
        (
            {"q": "ferry", "collapse": "0", "since": "2024-02"},
            {"collapse": False, "since": "2024-02"},
        ),
        (
            {"q": "turbine", "explain": "1", "recent": "10"},
            {"explain": True, "half_life_days": 10.0},
        ),
    ],
)
def test_api_search_fields_equal_the_library_results(
    client: TestClient, news_index: Path, params: dict[str, str], options: dict[str, Any]
) -> None:
    with Index.open(news_index) as ix:
        expected = ix.search(SearchOptions(params["q"], **options)).to_dict()
    assert client.get("/api/search", params=params).json() == expected


def test_api_article_and_similar_equal_the_library(client: TestClient, news_index: Path) -> None:
    with Index.open(news_index) as ix:
        article = ix.get("story-03")
        similar = ix.similar("story-03", limit=3, offset=1).to_dict()
    assert article is not None
    assert client.get("/api/article/story-03").json() == {"id": "story-03", **article.to_dict()}
    assert client.get("/api/similar/story-03?limit=3&offset=1").json() == similar


def test_concurrent_requests_get_the_same_answers(client: TestClient) -> None:
    urls = ["/api/search?q=pipeline", "/?q=gas&sort=date", "/api/similar/story-05"] * 8
    expected = {url: client.get(url).text for url in set(urls)}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda url: (url, client.get(url).text), urls))
    assert all(text == expected[url] for url, text in answers)


def test_a_new_commit_is_seen_without_a_restart(tmp_path: Path) -> None:
    with Index.create(tmp_path / "ix") as ix:
        ix.add(_records()[:3], workers=1)
    with TestClient(create_app(tmp_path / "ix"), base_url="http://localhost") as test_client:
        assert test_client.get("/api/search?q=ferry").json()["total"] == 0
        with Index.open(tmp_path / "ix") as writer:
            writer.add(_records()[24:25], workers=1)
        assert test_client.get("/api/search?q=ferry").json()["total"] == 1


# -- the command ---------------------------------------------------------------------


def test_serve_help_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "searchlib", "serve", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "--host" in done.stdout and "--open" in done.stdout


def test_serve_on_a_missing_index_fails_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--index", str(tmp_path / "none")], prog_name="searchlib"
    )
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: no index at ")


def test_serve_warns_on_a_non_local_host_and_stops_cleanly(
    news_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[int] = []

    def run(self: uvicorn.Server, sockets: list[Any]) -> None:
        served.append(sockets[0].getsockname()[1])
        raise KeyboardInterrupt  # as uvicorn re-raises Ctrl-C once it has shut down

    monkeypatch.setattr(uvicorn.Server, "run", run)
    for host, warned in (("127.0.0.1", False), ("0.0.0.0", True)):
        result = CliRunner().invoke(
            cli, ["serve", "--index", str(news_index), "--host", host, "--port", "0"]
        )
        assert result.exit_code == 0, result.output
        assert ("warning: serving on 0.0.0.0" in result.stderr) is warned
        assert f"at http://{host}:{served[-1]}/" in result.stderr
        assert result.stderr.endswith("stopped\n")
    if socket.has_ipv6:
        for host in ("::1", "[::1]"):  # the address in brackets once, however given
            result = CliRunner().invoke(
                cli, ["serve", "--index", str(news_index), "--host", host, "--port", "0"]
            )
            if result.exit_code == 0:  # an IPv6 loopback this machine can bind
                assert f"at http://[::1]:{served[-1]}/" in result.stderr


def test_a_request_for_another_host_is_refused(client: TestClient) -> None:
    # DNS rebinding: a page on another site that points its name at 127.0.0.1 sends
    # its own name as the Host; the archive is not served to it.
    answer = client.get("/api/stats", headers={"Host": "attacker.example"})
    assert answer.status_code == 400
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    for host in ("localhost", "127.0.0.1", "localhost:8000"):
        assert client.get("/api/stats", headers={"Host": host}).status_code == 200


def test_ids_with_dot_segments_open_through_the_query_string(tmp_path: Path) -> None:
    """A browser resolves `..` in a path before asking for it, so article links carry
    the id in the query string, where it arrives as written."""
    odd = ["a/../b", "./lead", "dir/.", "x?y#z&w=1", "%41 b"]
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(
            [{"id": i, "title": f"Odd id {n}", "body": "odd ids here"} for n, i in enumerate(odd)],
            workers=1,
        )
    with TestClient(create_app(path), base_url="http://127.0.0.1") as odd_client:
        listed = odd_client.get("/", params={"q": "odd", "limit": "10"}).text
        assert sorted(hit_ids(listed)) == sorted(odd)
        for href in hrefs(listed, 'class="hit-title"'):
            page = odd_client.get(href)
            assert page.status_code == 200, href
            doc_id = article_id(href)
            assert f"<code>{escape(doc_id)}</code>" in page.text
            data = odd_client.get("/api/article", params={"id": doc_id}).json()
            assert data["id"] == doc_id
            assert odd_client.get("/api/similar", params={"id": doc_id}).status_code == 200


def test_copies_list_their_date_and_source(client: TestClient) -> None:
    copies = re.search(r'<ul id="copies">(.*?)</ul>', client.get("/article?id=wire-a").text, re.S)
    assert copies
    assert (
        '<span class="when">2024-02-10</span> <span class="copy-source">Beta Times</span>'
        in copies.group(1)
    )


def test_explain_without_a_query_has_no_empty_quotes(client: TestClient) -> None:
    html = client.get("/article?id=story-04&explain=1").text
    assert '<h2 id="explain-heading">Why this story matches</h2>' in html


def test_the_count_stays_the_same_from_the_first_page_to_the_last(tmp_path: Path) -> None:
    """A long collapsed list's story count is an estimate until its end is reached;
    the page leads with the number of matching documents, which the facets count too,
    so page 1, the last page and the facets agree."""
    from searchlib.search.searching import EXACT_COLLAPSE

    wire = "a ferry terminal was approved by the harbour board after long debate " * 3
    records = [
        {
            "id": f"d{n}",
            "title": "Report",
            "body": f"common report {n} " + f"u{n} " * 5,
            "source": "Alpha",
        }
        for n in range(EXACT_COLLAPSE + 20)
    ] + [
        {"id": f"w{n}", "title": "Ferry", "body": "common " + wire, "source": "Beta"}
        for n in range(10)
    ]
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(records, workers=1)
    with TestClient(create_app(path), base_url="http://127.0.0.1") as web:
        first = web.get("/", params={"q": "common", "limit": "100"}).text
        last = web.get("/", params={"q": "common", "limit": "100", "offset": "200"}).text
        assert count_of(first) == count_of(last) == len(records)
        assert "copies of a story folded into it" in first
        assert "story" in last and "once copies are folded" in last
        facets = re.search(r'<nav id="facets".*?</nav>', first, re.S)
        assert facets
        counts = re.findall(r'<span class="facet-count">(\d+)</span>', facets.group(0))
        assert sum(map(int, counts[:2])) == len(records)  # the two sources


def test_the_timeline_labels_its_ends_and_its_scale(client: TestClient) -> None:
    html = client.get("/", params={"q": "pipeline"}).text
    labels = re.findall(r'class="bar-link" href="[^"]*" aria-label="([^:]+): (\d+) doc', html)
    assert len(labels) > 2
    axis = re.search(
        r'<p class="timeline-axis[^"]*"[^>]*><span>([^<]+)</span><span>([^<]+)</span>', html
    )
    assert axis and (axis.group(1), axis.group(2)) == (labels[0][0], labels[-1][0])
    peak = max(int(n) for _, n in labels)
    assert f'<p class="timeline-peak">{peak} doc' in html


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_running_server_stops_on_ctrl_c_and_sigterm_alike(
    news_index: Path, stop: signal.Signals
) -> None:
    """A real server process: Ctrl-C, or a service manager's SIGTERM, stops it with
    "stopped" and exit 0, not a traceback or a death by signal."""
    with subprocess.Popen(
        [sys.executable, "-m", "searchlib", "serve", "--index", str(news_index), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stderr is not None
        try:
            line = server.stderr.readline()
            assert line.startswith(f"serving {news_index} at http://127.0.0.1:"), line
            _wait_until_it_answers(int(line.rsplit(":", 1)[1].split("/")[0]))
            server.send_signal(stop)
            rest = server.stderr.read()
            assert server.wait(timeout=20) == 0
        finally:
            server.kill()
    assert rest.endswith("stopped\n") and "Traceback" not in rest, rest


def _wait_until_it_answers(port: int, seconds: float = 20.0) -> None:
    """Wait until a server bound to `port` answers a request (it binds, then listens)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(b"GET /api/stats HTTP/1.0\r\nHost: localhost\r\n\r\n")
                if conn.recv(12).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing answers on port {port}")
        time.sleep(0.05)


def test_the_month_facet_lists_the_busiest_months(tmp_path: Path) -> None:
    """Months with most matches are listed (newest first), not the newest months: an
    old story's burst of coverage is not hidden behind a year of stray recent ones."""
    records = [
        {"id": f"old{n}", "title": "Oil", "body": "oil prices fell", "date": f"1987-03-{n + 1:02d}"}
        for n in range(20)
    ] + [
        {"id": f"new{m}", "title": "Oil", "body": "oil prices rose", "date": f"2025-{m:02d}-01"}
        for m in range(1, 13)
    ]
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(records, workers=1)
    with TestClient(create_app(path), base_url="http://127.0.0.1") as web:
        html = web.get("/", params={"q": "oil"}).text
    group = re.search(r"<h3>Month</h3>\s*<ul>(.*?)</ul>", html, re.S)
    assert group
    months = re.findall(r'<span class="facet-value">([^<]+)</span>', group.group(1))
    assert months[-1] == "1987-03" and len(months) == 12
    assert months[:-1] == [f"2025-{m:02d}" for m in range(12, 1, -1)]


def test_paging_stops_at_the_deepest_offset_and_says_so(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searchlib.web import api, pages, params

    for module in (api, pages, params):
        monkeypatch.setattr(module, "MAX_OFFSET", 10)
    data = client.get("/api/search", params={"q": "pipeline", "offset": "10", "limit": "5"}).json()
    assert len(data["hits"]) == 5
    assert data["next_offset"] is None and data["paging_stops_at"] == 10
    first = client.get("/api/search", params={"q": "pipeline", "limit": "5"}).json()
    assert first["next_offset"] == 5 and "paging_stops_at" not in first
    html = client.get("/", params={"q": "pipeline", "offset": "10", "limit": "5"}).text
    assert 'id="next"' not in html and 'id="paging-stops"' in html


def test_past_the_end_names_where_the_list_ends(client: TestClient) -> None:
    html = client.get("/", params={"q": "ferry terminal", "offset": "5"}).text
    assert "Result 6 is past the last one: the list ends at 1 story." in unescape(html)


def test_a_forced_stop_drops_only_the_cancelled_requests_tracebacks() -> None:
    """A second Ctrl-C cancels the requests under way; their tracebacks are noise then,
    and any other error is still logged."""
    import asyncio
    import logging

    from searchlib.cli.serve import _ForcedStop

    def record(msg: str, error: BaseException | None) -> logging.LogRecord:
        info = (type(error), error, None) if error else None
        return logging.LogRecord("uvicorn.error", logging.ERROR, "", 0, msg, (), info)

    quiet = _ForcedStop()
    assert not quiet.filter(record("Exception in ASGI application", asyncio.CancelledError()))
    assert not quiet.filter(record("Traceback ...\nasyncio.exceptions.CancelledError\n", None))
    assert quiet.filter(record("Exception in ASGI application", ValueError("bad")))
    assert quiet.filter(record("Application startup failed. Exiting.", None))


def test_control_characters_in_documents_never_reach_a_page(tmp_path: Path) -> None:
    controls = "\x00\x1b[31m\x7f\x85\x9b"
    records = [
        {"id": f"c{n}", "title": f"Ctrl{controls} story {n}", "body": f"grain{controls} harvest"}
        for n in range(2)
    ]
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(records, workers=1)
    with TestClient(create_app(path), base_url="http://127.0.0.1") as web:
        pages = [web.get("/", params={"q": "grain"}).text, web.get("/article?id=c0&q=grain").text]
        assert "Ctrl[31m story 0" in pages[1]  # the text, its controls taken out
    for html in pages:
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", html)


def test_a_server_recovers_once_damaged_files_are_put_back(tmp_path: Path) -> None:
    """A damaged index is a 503; the same files put back (no new commit) are read
    afresh on the next request."""
    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(_records()[:5], workers=1)
    saved = tmp_path / "saved"
    shutil.copytree(path, saved)
    with TestClient(create_app(path), base_url="http://127.0.0.1") as web:
        assert web.get("/api/search", params={"q": "pipeline"}).status_code == 200
        for file in path.glob("*.pst"):
            file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])
        for file in path.glob("*.trm"):
            file.write_bytes(b"")
        broken = web.get("/api/search", params={"q": "turbine"})
        assert broken.status_code == 503 and "damaged" in broken.json()["error"]
        shutil.rmtree(path)
        shutil.copytree(saved, path)
        assert web.get("/api/search", params={"q": "turbine"}).status_code == 200


def test_a_costly_search_does_not_hold_up_the_others(tmp_path: Path) -> None:
    """Requests are served by several open copies of the index: while one is busy,
    another answers."""
    import threading

    from searchlib.web.archive import Archive

    path = tmp_path / "ix"
    with Index.create(path) as ix:
        ix.add(_records()[:5], workers=1)
    archive = Archive(path, readers=2)
    busy = threading.Event()
    release = threading.Event()

    def hold(index: Index) -> None:
        busy.set()
        release.wait(10)

    holder = threading.Thread(target=lambda: archive._locked(hold))
    holder.start()
    try:
        assert busy.wait(10)
        assert archive.search(SearchOptions("pipeline")).total == 5  # not waiting for it
    finally:
        release.set()
        holder.join()
        archive.close()


def test_filters_without_words_say_so_and_link_to_what_they_select(client: TestClient) -> None:
    html = client.get("/", params={"tag": "gas", "source": "Alpha News"}).text
    assert 'id="filters-need-words"' in html
    (browse,) = hrefs(html, 'id="browse"')
    listed = client.get(browse).text
    assert parse_qs(browse.partition("?")[2])["sort"] == ["date"]
    stories = [
        s for s in _records() if "gas" in s.get("tags", []) and s.get("source") == "Alpha News"
    ]
    assert sorted(hit_ids(listed)) == sorted(s["id"] for s in stories)
    dates_only = client.get("/", params={"since": "2024-02"}).text
    assert 'id="filters-need-words"' in dates_only and 'id="browse"' not in dates_only
    assert 'id="filters-need-words"' not in client.get("/").text
