"""Result lists as users page, sort, filter and count them.

Each page must be the next slice of one list: no hit twice, none skipped, whether
copies are collapsed or not, under filters and date sorts; counts are exact or say
they are estimates; dates given in any ordinary form filter alike.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searchlib import Index, QueryError
from searchlib.engine import mergepolicy
from searchlib.search.searching import EXACT_COLLAPSE

WORDS = ["harbour", "wind", "farm", "council", "budget", "strike", "ferry", "storm", "flood"]
SOURCES = ["Coastal Courier", "Valley Times", "Harbour Post"]
TAGS = ["Energy", "energy", "Transport", "local"]


def _story(rng: random.Random, n: int) -> dict[str, Any]:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 40)))
    record: dict[str, Any] = {
        "id": f"s{n}",
        "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4))),
        "body": f"{body}. Story number {n} of the archive, unique words w{n}a w{n}b w{n}c.",
        "source": SOURCES[n % 3],
        "tags": [rng.choice(TAGS)],
    }
    if n % 4:  # a quarter undated
        record["date"] = (datetime(1987, 2, 1) + timedelta(days=rng.randint(0, 90))).isoformat()
    return record


def _archive(rng: random.Random) -> list[dict[str, Any]]:
    """Stories, a fifth of them with syndicated copies (same text, a credit line added)."""
    stories = [_story(rng, n) for n in range(160)]
    copies = []
    for story in stories[::5]:
        for k in range(rng.randint(1, 3)):
            copy = dict(story, id=f"{story['id']}-copy{k}", source=SOURCES[k % 3])
            copy["body"] = story["body"].replace("Story number", "Wire story number")
            copies.append(copy)
    mixed = stories + copies
    rng.shuffle(mixed)
    return mixed


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    """Several segments, with deletions, dated and undated stories and copies."""
    rng = random.Random(11)
    records = _archive(rng)
    with (
        Index.create(tmp_path_factory.mktemp("results") / "ix") as ix,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(mergepolicy, "plan", lambda sizes: [])  # keep every batch's segment
        ix.add(records[:120], batch_size=50, workers=1)
        ix.add(records[120:], batch_size=50, workers=1)
        ix.add([dict(r, body=r["body"] + " Updated.") for r in records[:30:3]], workers=1)
        yield ix


QUERIES = [
    "harbour",
    "wind farm",
    "storm OR flood",
    '"wind farm"',
    "council -budget",
    "+ferry storm",
    "title:strike",
    "source:courier",
]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.sampled_from(QUERIES),
    size=st.integers(min_value=1, max_value=25),
    collapse=st.booleans(),
    sort=st.sampled_from(["relevance", "date", "oldest"]),
    source=st.sampled_from([None, "valley times"]),
    since=st.sampled_from([None, "1987-03"]),
    recent=st.sampled_from([None, 7.0]),
)
def test_pages_make_the_unpaged_list(
    archive: Index,
    query: str,
    size: int,
    collapse: bool,
    sort: Any,
    source: str | None,
    since: str | None,
    recent: float | None,
) -> None:
    options = {
        "collapse": collapse,
        "sort": sort,
        "source": source,
        "since": since,
        # Recency blends into relevance; with a date sort it is an error.
        "half_life_days": recent if sort == "relevance" else None,
        "snippets": False,
    }
    whole = archive.search(query, limit=10_000, **options)
    assert whole.next_offset is None
    paged: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = archive.search(query, limit=size, offset=offset, **options)
        assert len(page) <= size
        assert page.total == whole.total
        paged += [hit.id for hit in page]
        assert page.next_offset is None or page.next_offset == offset + size
        offset = page.next_offset
    assert paged == [hit.id for hit in whole]
    assert len(paged) == len(set(paged))
    assert whole.total == len(whole)  # short lists are counted exactly
    assert not whole.total_is_estimate
    copies = [c for hit in whole for c in hit.copies]
    assert len(whole) + len(copies) == whole.matches
    assert not set(copies) & set(paged)
    if not collapse:
        assert not copies


def test_collapsed_paging_continues_past_folded_copies(tmp_path: Path) -> None:
    """Many copies of a few stories: the collapsed list runs out long before the raw
    one, and every page up to its end has hits (a window of raw hits cut to the page
    had left later pages empty while promising more)."""
    records = []
    for n in range(12):
        text = f"Pipeline talks story {n}: " + " ".join(f"s{n}w{k}" for k in range(200))
        records += [
            {"id": f"d{n}-{k}", "title": f"Pipeline talks {n}", "body": text + f" Copy {k}."}
            for k in range(8)
        ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        first = ix.search("pipeline", limit=5)
        assert first.total == 12
        assert first.matches == 96
        second = ix.search("pipeline", limit=5, offset=first.next_offset or 0)
        third = ix.search("pipeline", limit=5, offset=second.next_offset or 0)
        assert [len(first), len(second), len(third)] == [5, 5, 2]
        assert third.next_offset is None
        assert all(len(hit.copies) == 7 for page in (first, second, third) for hit in page)


def test_a_long_collapsed_list_says_its_count_is_an_estimate(tmp_path: Path) -> None:
    records = [
        {"id": f"d{n}", "title": "Report", "body": f"common report {n} " + f"u{n} " * 5}
        for n in range(EXACT_COLLAPSE + 50)
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        found = ix.search("common", limit=10)
        assert found.matches == EXACT_COLLAPSE + 50
        assert found.total_is_estimate
        assert found.next_offset == 10
        exact = ix.search("common", limit=10, collapse=False)
        assert exact.total == EXACT_COLLAPSE + 50
        assert not exact.total_is_estimate


def _dated(tmp_path: Path) -> Index:
    records = [
        {"id": "undated-best", "title": "Rates rates rates", "body": "rates rates rates rates"},
        {"id": "old", "title": "Rates", "body": "rates held", "date": "1987-02-26"},
        {"id": "mid", "title": "Rates", "body": "rates cut", "date": "1987-03-15T10:00:00"},
        {"id": "new", "title": "Rates", "body": "rates rise", "date": "1987-04-07"},
        {"id": "undated", "title": "Rates", "body": "rates again"},
    ]
    ix = Index.create(tmp_path / "ix")
    ix.add(records, workers=1)
    return ix


def test_date_sorts_put_undated_stories_last(tmp_path: Path) -> None:
    with _dated(tmp_path) as ix:
        newest = [hit.id for hit in ix.search("rates", sort="date")]
        oldest = [hit.id for hit in ix.search("rates", sort="oldest")]
        assert newest[:3] == ["new", "mid", "old"]
        assert oldest[:3] == ["old", "mid", "new"]
        assert set(newest[3:]) == set(oldest[3:]) == {"undated", "undated-best"}
        phrase = [hit.id for hit in ix.search('"rates rise" OR "rates held"', sort="date")]
        assert phrase == ["new", "old"]


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("1987-03-01", None, {"mid", "new"}),
        ("1987-03", "1987-03", {"mid"}),
        ("1987", None, {"old", "mid", "new"}),
        (None, "1987-03-15", {"old", "mid"}),
        (date(1987, 3, 15), date(1987, 3, 15), {"mid"}),
        (datetime(1987, 3, 15), None, {"mid", "new"}),
        (datetime(1987, 3, 15, 11, 0), None, {"new"}),
        (datetime(1987, 3, 15, 9, 30, tzinfo=timezone(timedelta(hours=-1))), None, {"new"}),
        (datetime(1987, 3, 15, 9, 30, tzinfo=UTC), None, {"mid", "new"}),
        ("1987-03-15T09:00", "1987-03-15T10:00", {"mid"}),
        ("1988", None, set()),
        ("1987-02", "1987-02", {"old"}),
        ("9999", None, set()),
        (None, "9999-12", {"old", "mid", "new"}),
        ("0001", "1987-03-14", {"old"}),
    ],
)
def test_date_filters_take_ordinary_date_values(
    tmp_path: Path, since: Any, until: Any, expected: set[str]
) -> None:
    with _dated(tmp_path) as ix:
        assert {hit.id for hit in ix.search("rates", since=since, until=until)} == expected


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("yesterday", None, "is not a date"),
        ("2024-13", None, "is not a date"),
        ("2024-02-30", None, "is not a date"),
        (None, 20240101, "is not a date"),
        ("2024-06", "2024-05-31", "is after"),
        (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))), None, "not a date"),
        (datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), None, "not a date"),
    ],
)
def test_bad_dates_are_query_errors(tmp_path: Path, since: Any, until: Any, message: str) -> None:
    with _dated(tmp_path) as ix, pytest.raises(QueryError, match=message):
        ix.search("rates", since=since, until=until)


def test_recency_on_an_old_archive_ranks_by_age_from_its_newest_story(tmp_path: Path) -> None:
    with _dated(tmp_path) as ix:
        ranked = ix.search("rates", half_life_days=1, collapse=False)
        assert [hit.id for hit in ranked][:2] == ["new", "mid"]
        assert all(hit.score > 0 for hit in ranked[:2])
        # Undated stories count as old as the oldest dated one: never ahead of it.
        ids = [hit.id for hit in ranked]
        assert ids.index("undated-best") > ids.index("mid")
        assert ids.index("undated") > ids.index("old")
        # Ages from another origin: the story nearest to it leads.
        near_old = ix.search("rates", half_life_days=1, recent_from="1987-02-26", collapse=False)
        assert near_old[0].id == "old"
        with pytest.raises(QueryError, match="is not a date"):
            ix.search("rates", half_life_days=1, recent_from="soon")


def test_recency_reaches_past_the_first_page(tmp_path: Path) -> None:
    """The newest story, least relevant of sixty, comes first with a short half-life:
    recency ranks every match, not only a window of the most relevant."""
    records = [
        {
            "id": f"r{n}",
            "title": "Rates " * 5,
            "body": "rates " * 20 + f"story {n}",
            "date": f"1987-0{1 + n % 3}-0{1 + n % 9}",
        }
        for n in range(60)
    ]
    records.append({"id": "latest", "title": "Other", "body": "rates once", "date": "1987-06-01"})
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        assert ix.search("rates", collapse=False, limit=100)[-1].id == "latest"
        assert ix.search("rates", half_life_days=2, collapse=False)[0].id == "latest"


def test_counts_of_phrases_exclusions_and_fields_are_exact(tmp_path: Path) -> None:
    records = [
        {
            "id": f"d{n}",
            "title": "Louvre accord" if n % 7 == 0 else "Currency markets",
            "body": ("the Louvre accord held " if n % 5 == 0 else "the dollar fell ")
            + f"dollar oil {'gas' if n % 2 else ''} item{n}",
            "source": "Wire" if n % 3 else "Desk",
        }
        for n in range(400)
    ]
    louvre = {r["id"] for r in records if "Louvre" in r["title"] or "Louvre" in r["body"]}
    gas = {r["id"] for r in records if "gas" in r["body"]}
    desk = {r["id"] for r in records if r["source"] == "Desk"}
    everyone = {r["id"] for r in records}
    expected = {
        '"louvre accord"': louvre,
        "dollar -gas": everyone - gas,
        "+dollar +oil -gas": everyone - gas,
        "source:desk dollar": desk,
    }
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, batch_size=150, workers=1)
        for text, ids in expected.items():
            found = ix.search(text, collapse=False, limit=3)
            assert (found.total, found.matches, found.total_is_estimate) == (
                len(ids),
                len(ids),
                False,
            ), text
            whole = ix.search(text, collapse=False, limit=1000, snippets=False)
            assert {hit.id for hit in whole} == ids, text


def test_excluded_words_never_reach_the_results(tmp_path: Path) -> None:
    """Whoosh's AndNot matcher let a segment's first positive document through when
    the excluded word's postings began before it."""
    records = [{"id": f"u{n}", "title": "Zebra", "body": f"zebra story u{n}"} for n in range(40)]
    records += [{"id": f"c{n}", "title": "Wire", "body": f"wire zebra c{n}"} for n in range(5)]
    records.append({"id": "plain", "title": "Wire", "body": "wire story"})
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        for text in ("wire -zebra", "wire NOT zebra", '"wire story" -zebra', "title:wire -zebra"):
            found = ix.search(text, collapse=False)
            assert [hit.id for hit in found] == ["plain"], text
            assert found.matches == 1
        assert (
            ix.search("wire -zebra", facets=True).facets == ix.search("plain", facets=True).facets
        )


def test_tag_facets_fold_case_and_stats_list_every_source(tmp_path: Path) -> None:
    records = [
        {"id": f"d{n}", "title": "Grid", "body": "grid power", "tags": [tag], "source": f"S{n}"}
        for n, tag in enumerate(["News", "news", "news", "Energy", "NEWS"] + ["x"] * 10)
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        facets = ix.search("grid", facets=True, collapse=False).facets
        assert facets is not None
        assert dict(facets["tag"])["news"] == 4
        assert "News" not in dict(facets["tag"])
        assert len(ix.stats().sources) == 15


def test_recency_scores_stay_readable_far_from_the_origin(tmp_path: Path) -> None:
    with _dated(tmp_path) as ix:
        far = ix.search("rates", half_life_days=1, recent_from="2026-01-01", collapse=False)
        assert [hit.id for hit in far][:2] == ["new", "mid"]
        assert far[0].score > 0.01


def test_recency_options_that_would_be_ignored_are_errors(tmp_path: Path) -> None:
    with _dated(tmp_path) as ix:
        with pytest.raises(QueryError, match="half-life"):
            ix.search("rates", recent_from="1987-03")
        with pytest.raises(QueryError, match="date sort"):
            ix.search("rates", half_life_days=7, sort="oldest")


def test_a_filter_that_excludes_everything_reports_the_unfiltered_count(tmp_path: Path) -> None:
    with _dated(tmp_path) as ix:
        found = ix.search("rates", since="1990")
        assert not found
        assert found.unfiltered_total == 5
        assert ix.search("rates").unfiltered_total is None


@pytest.mark.parametrize("query", ["harbour", "storm OR flood", "council -budget"])
def test_facets_count_what_the_matching_articles_hold(archive: Index, query: str) -> None:
    """Facet counts (read per segment from postings and columns) agree with the stored
    articles of every match, over several segments with deleted documents."""
    found = archive.search(query, facets=True, collapse=False, limit=1000)
    assert found.facets is not None and found.matches == len(found)
    sources: dict[str, int] = {}
    months: dict[str, int] = {}
    tags: dict[str, int] = {}
    for hit in found:
        article = archive.get(hit.id)
        assert article is not None
        sources[article.site or ""] = sources.get(article.site or "", 0) + 1
        if article.date is not None:
            month = article.date.strftime("%Y-%m")
            months[month] = months.get(month, 0) + 1
        for key in {tag.lower() for tag in article.tags}:
            tags[key] = tags.get(key, 0) + 1
    assert dict(found.facets["source"]) == sources
    assert dict(found.facets["month"]) == months
    assert {tag.lower(): n for tag, n in found.facets["tag"]} == tags


def test_a_tag_written_twice_in_one_story_counts_once(tmp_path: Path) -> None:
    records = [
        {"id": "a", "title": "Grid", "body": "grid power", "tags": ["News", "news"]},
        {"id": "b", "title": "Grid", "body": "grid lines", "tags": ["news"]},
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        facets = ix.search("grid", facets=True, collapse=False).facets
        assert facets is not None and facets["tag"] == (("news", 2),)


def test_days_are_counted_over_a_short_span_only(tmp_path: Path) -> None:
    records = [
        {"id": f"d{n}", "title": "Grid", "body": "grid power", "date": day}
        for n, day in enumerate(["2024-01-30", "2024-01-30", "2024-03-02", "2025-06-01"])
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        short = ix.search("grid", facets=True, collapse=False, until="2024-12").facets
        assert short is not None
        assert short["day"] == (("2024-01-30", 2), ("2024-03-02", 1))
        long = ix.search("grid", facets=True, collapse=False).facets
        assert long is not None and "day" not in long


def test_stories_without_a_fingerprint_are_never_copies_of_each_other() -> None:
    """A fingerprint of 0 (a story with no words, or a damaged column read as its
    default) is no fingerprint: such stories stay apart, and others fold as before."""
    from searchlib.search.collapse import collapse

    prints = {1: 0, 2: 0, 3: 0b1011 << 40, 4: (0b1011 << 40) | 1, 5: 0}
    groups = collapse([(d, 10.0 - d) for d in (1, 2, 3, 4, 5)], prints.get)
    assert [(docnum, copies) for docnum, _, copies in groups] == [
        (1, []),
        (2, []),
        (3, [4]),
        (5, []),
    ]


def test_a_zeroed_fingerprint_column_folds_no_unrelated_stories(tmp_path: Path) -> None:
    records = [
        {"id": f"d{n}", "title": f"Harbour story {n}", "body": f"harbour {n} " + f"w{n} " * 30}
        for n in range(20)
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        assert ix.search("harbour", limit=50).total == 20
    for column in (tmp_path / "ix").glob("*.simhash.col"):
        column.write_bytes(bytes(column.stat().st_size))
    with Index.open(tmp_path / "ix") as ix:
        found = ix.search("harbour", limit=50)
        assert found.total == 20 and not any(hit.copies for hit in found)
