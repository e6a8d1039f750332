"""Ranking: the evaluation harness on a tiny collection with known answers, and the
scoring choices it measures (BM25 idf, query term frequency, headline weight, RM3)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchlib import Index, QueryError

from .conftest import write_jsonl


def test_metrics_on_known_rankings(harness) -> None:  # type: ignore[no-untyped-def]
    relevant = {"a": 1, "c": 1}
    assert harness.average_precision(["a", "b", "c"], relevant) == pytest.approx((1 + 2 / 3) / 2)
    assert harness.average_precision(["b", "d"], relevant) == 0.0
    assert harness.ndcg(["a", "c"], relevant) == pytest.approx(1.0)
    assert harness.ndcg(["b", "a"], relevant) == pytest.approx(
        (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    )


TINY_ALL = """.I 1
.T
Radar signal processing
.W
Pulse compression improves radar range resolution.
.I 2
.T
Cooking with lentils
.W
Lentil soup recipes for winter evenings.
.I 3
.T
Sonar and radar
.W
Underwater sonar differs from radar in the medium the signal travels through.
.I 4
.T
Garden birds
.W
Feeding garden birds in winter.
"""
TINY_QRY = """.I 1
.W
radar signal
.I 2
.W
winter soup
"""
TINY_REL = "1 1 0 0.0\n1 3 0 0.0\n2 2 0 0.0\n"  # CISI.REL columns


def test_harness_end_to_end_on_tiny_collection(harness, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "CISI.ALL").write_text(TINY_ALL)
    (folder / "CISI.QRY").write_text(TINY_QRY)
    (folder / "CISI.REL").write_text(TINY_REL)
    docs, queries, qrels = harness.load(folder)
    records = write_jsonl(tmp_path / "docs.jsonl", list(docs))
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records)
        scores = harness.evaluate(ix, queries, qrels, expand=False, depth=10)
    assert scores["queries"] == 2
    assert scores["MAP"] == pytest.approx(1.0)
    assert scores["P@10"] == pytest.approx((2 / 10 + 1 / 10) / 2)


def test_query_syntax_is_neutralised_for_natural_language(harness) -> None:  # type: ignore[no-untyped-def]
    assert harness.as_words('Articles on "what you see" AND -editors: yes') == (
        "articles on  what you see  and  editors  yes"
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Index]:
    records = [
        {"id": "common", "title": "Report", "body": "the system system system report report"},
        {"id": "rare", "title": "Note", "body": "zygote report"},
        {"id": "headline", "title": "Zygote research", "body": "a report on cells"},
        {"id": "twice", "title": "Cells", "body": "membrane membrane cells"},
        {"id": "once", "title": "Cells", "body": "membrane cells cells"},
    ]
    with Index.create(tmp_path / "ix") as index:
        index.add(write_jsonl(tmp_path / "c.jsonl", records))
        yield index


def test_rare_words_outweigh_common_ones(corpus: Index) -> None:
    assert [h.id for h in corpus.search("zygote report")][:2] in (
        ["headline", "rare"],
        ["rare", "headline"],
    )
    assert corpus.search("zygote report")[-1].id == "common"


def test_headline_words_weigh_more(corpus: Index) -> None:
    hits = corpus.search("zygote")
    assert hits[0].id == "headline"


def test_repeated_query_word_weighs_more(tmp_path: Path) -> None:
    records = [
        {"id": "more-alpha", "title": "One", "body": "alpha alpha beta"},
        {"id": "more-beta", "title": "Two", "body": "alpha beta beta"},
    ] + [{"id": f"f{i}", "title": "Filler", "body": f"gamma delta {i}"} for i in range(8)]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "r.jsonl", records))
        assert ix.search("alpha alpha beta")[0].id == "more-alpha"
        assert ix.search("alpha beta beta")[0].id == "more-beta"


def _plain_and_expanded(
    tmp_path: Path, records: list[dict[str, object]], query: str
) -> tuple[list[str], list[str]]:
    """The ids found for `query` without and with pseudo-relevance feedback."""
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "x.jsonl", records))
        plain = [h.id for h in ix.search(query, limit=20)]
        expanded = [h.id for h in ix.search(query, limit=20, expand=True)]
    return plain, expanded


def test_expansion_finds_related_documents(tmp_path: Path) -> None:
    records = [
        {"id": f"q{i}", "title": "Quasar survey", "body": f"quasar redshift spectrum telescope {i}"}
        for i in range(5)
    ]
    records += [
        {"id": f"f{i}", "title": "Filler", "body": f"weather report number {i}"} for i in range(60)
    ]
    records.append(
        {
            "id": "related",
            "title": "Deep field",
            "body": "redshift spectrum measured by the telescope",
        }
    )
    plain, expanded = _plain_and_expanded(tmp_path, records, "quasar")
    assert "related" not in plain
    assert "related" in expanded
    assert set(plain) <= set(expanded)


def test_expansion_uses_a_rare_number_the_top_documents_share(tmp_path: Path) -> None:
    records = [
        {"id": f"m{i}", "title": "Airliner lost", "body": f"airliner vanished flight 370 day{i}"}
        for i in range(5)
    ]
    records += [
        {"id": f"f{i}", "title": "Filler", "body": "weather report calm"} for i in range(60)
    ]
    records.append({"id": "related", "title": "Debris", "body": "debris of 370 washed ashore"})
    plain, expanded = _plain_and_expanded(tmp_path, records, "airliner")
    assert "related" not in plain
    assert "related" in expanded


def test_expansion_keeps_the_exclusions(tmp_path: Path) -> None:
    # "quasar -radio": the feedback words (redshift, spectrum, telescope) must not bring
    # back a story the user excluded.
    # The excluded stories come first: Whoosh's own exclusion let a segment's first
    # matching document through.
    records: list[dict[str, object]] = [
        {"id": "radio-only", "title": "Deep field", "body": "radio redshift spectrum telescope"},
        {
            "id": "radio",
            "title": "Radio quasar",
            "body": "quasar radio redshift spectrum telescope",
        },
    ]
    records += [
        {"id": f"q{i}", "title": "Quasar survey", "body": f"quasar redshift spectrum telescope {i}"}
        for i in range(5)
    ]
    records += [
        {"id": f"f{i}", "title": "Filler", "body": f"weather report number {i}"} for i in range(60)
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "x.jsonl", records))
        for expand in (False, True):
            found = {h.id for h in ix.search("quasar -radio", limit=50, expand=expand)}
            assert found and not found & {"radio", "radio-only"}


def test_expansion_is_refused_with_a_date_sort_and_skipped_without_words(tmp_path: Path) -> None:
    records = [
        {"id": f"d{i}", "title": "Story", "body": f"oil price {i}", "date": f"2024-01-{i + 1:02d}"}
        for i in range(5)
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "x.jsonl", records))
        with pytest.raises(QueryError, match="date sort"):
            ix.search("oil", sort="date", expand=True)
        assert [h.id for h in ix.search("-price", expand=True)] == [
            h.id for h in ix.search("-price")
        ]
