"""Ranking choices measured on news (docs/ranking.md): the BM25 defaults, when RM3
feedback is applied, and the news benchmarks of scripts/eval_ranking.py."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from searchlib import Index, QueryError
from searchlib.engine import store
from searchlib.search import feedback
from searchlib.search.proximity import pair_counts, rerank
from searchlib.search.scoring import weighting

from .conftest import write_jsonl


def _ranked(
    tmp_path: Path, records: list[dict[str, object]], query: str, **kw: object
) -> list[str]:
    path = tmp_path / "ix"
    with Index.open_or_create(path) as ix:
        if len(ix) == 0:
            ix.add(write_jsonl(tmp_path / "docs.jsonl", records))
        return [h.id for h in ix.search(query, limit=20, collapse=False, **kw)]


def test_feedback_is_worth_it_only_when_the_top_scores_are_close() -> None:
    assert feedback.worth_expanding([10.0, 9.5, 9.0, 8.0, 7.0])
    # One story far ahead: a search for that story.
    assert not feedback.worth_expanding([10.0, 5.0, 4.9, 4.8])
    # Close at the top, but the tenth far below: no shared topic to feed back.
    assert not feedback.worth_expanding([10.0, 9.8, 9.0, 5.0, 4.0, 3.0])
    assert not feedback.worth_expanding([10.0])
    assert not feedback.worth_expanding([])


#: One story holds both query words and stands far ahead; "ferry" shares its other words.
STANDS_OUT: list[dict[str, object]] = [
    {
        "id": "census",
        "title": "Quokka census",
        "body": "quokka wombat rottnest ferry island survey",
    },
    {"id": "ferry", "title": "Timetable", "body": "rottnest ferry island crossing"},
    *({"id": f"w{i}", "title": "Burrows", "body": f"wombat burrow number {i}"} for i in range(6)),
    *({"id": f"f{i}", "title": "Filler", "body": f"weather report calm {i}"} for i in range(60)),
]


def test_expansion_leaves_a_query_alone_when_one_story_stands_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _ranked(tmp_path, STANDS_OUT, "quokka wombat")
    assert plain[0] == "census"
    assert _ranked(tmp_path, STANDS_OUT, "quokka wombat", expand=True) == plain
    # The gate is what keeps it so: feedback on every query changes this ranking.
    monkeypatch.setattr(feedback, "worth_expanding", lambda scores: True)
    assert _ranked(tmp_path, STANDS_OUT, "quokka wombat", expand=True) != plain


# -- The news benchmarks of scripts/eval_ranking.py ------------------------------------

SCRIPT = Path(__file__).parent.parent / "scripts" / "eval_ranking.py"


def _story(newid: int, topics: list[str], title: str, body: str) -> str:
    items = "".join(f"<D>{t}</D>" for t in topics)
    return (
        f'<REUTERS TOPICS="YES" NEWID="{newid}">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n'
        f"<TOPICS>{items}</TOPICS><PLACES><D>brazil</D></PLACES>\n<TEXT>&#2;\n"
        f"<TITLE>{title}</TITLE>\n<BODY>{body}\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n"
    )


WORDS = [
    "harvest",
    "growers",
    "frost",
    "estimate",
    "export",
    "quota",
    "bags",
    "arabica",
    "robusta",
    "cooperative",
]


@pytest.fixture
def reuters(tmp_path: Path) -> Path:
    """30 coffee stories (3 also cocoa), 5 more cocoa ones and a story printed twice."""
    stories = []
    for n in range(1, 31):
        words = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(40))
        topics = ["coffee", "cocoa"] if n <= 3 else ["coffee"]
        stories.append(_story(n, topics, f"COFFEE REPORT {n}", f"Story {n} on coffee. {words}"))
    for n in range(31, 36):
        stories.append(_story(n, ["cocoa"], "COCOA", "Cocoa arrivals in Bahia " * 10))
    twice = "A story the wire sent twice about sugar beet and cane mills " * 4
    stories += [_story(36, ["sugar"], "SUGAR", twice), _story(37, ["sugar"], "SUGAR", twice)]
    folder = tmp_path / "reuters"
    folder.mkdir()
    (folder / "reut2-000.sgm").write_text("".join(stories), encoding="latin-1")
    return folder


def test_topic_queries_are_the_written_ones_for_categories_with_enough_stories(
    harness, reuters: Path
) -> None:  # type: ignore[no-untyped-def]
    stories = harness.reuters_stories(reuters)
    assert len(stories) == 37
    assert all("tags" not in s for s in stories)  # the judged topics are never indexed
    queries, qrels = harness.load_reuters_topics(stories)
    assert queries == {"coffee": "coffee exports"}  # cocoa has 8 stories, sugar 2
    assert set(qrels["coffee"]) == {f"reuters-{n}" for n in range(1, 31)}


def test_known_item_queries_are_drawn_from_their_story(harness, reuters: Path) -> None:  # type: ignore[no-untyped-def]
    stories = harness.reuters_stories(reuters)
    queries, qrels = harness.load_reuters_known_items(stories, 60, seed=7)
    assert (queries, qrels) == harness.load_reuters_known_items(stories, 60, seed=7)
    assert queries != harness.load_reuters_known_items(stories, 60, seed=8)[0]
    text = {s["id"]: f"{s['title']} {s['body']}".lower() for s in stories}
    from_story = total = 0
    for qid, query in queries.items():
        (target,) = qrels[qid]
        # The printed-twice story has an equally right copy, and brief ones are skipped.
        assert target not in ("reuters-36", "reuters-37")
        words = query.split()
        assert 3 <= len(words) <= 8 and len(set(words)) == len(words)
        from_story += sum(1 for w in words if w in text[target].split())
        total += len(words)
    # A fifth of the words, on average, are noise drawn from the whole collection.
    assert 0.6 < from_story / total < 1.0


def test_one_run_prints_whoosh_and_searchlib_side_by_side(tmp_path: Path, reuters: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--reuters", str(reuters), "--known-items", "20"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = done.stdout.splitlines()
    header = next(line for line in lines if "Whoosh BM25F" in line)
    assert "searchlib" in header
    rows = {line.split()[0]: line.split() for line in lines if line.startswith("reuters-")}
    assert set(rows) == {"reuters-topics", "reuters-known-item"}
    # queries, then MAP and P@10 (S@10) for each of the two rankings
    assert all(len(row) == 7 for row in rows.values())
    assert rows["reuters-topics"][1] == "1"


# -- Term proximity --------------------------------------------------------------------


def test_pair_counts_ordered_and_within_the_window() -> None:
    # "crude" at 0, 10 and 30; "oil" at 1, 14 and 50.
    assert pair_counts([0, 10, 30], [1, 14, 50], window=8) == (1, 2)
    assert pair_counts([1], [0], window=8) == (0, 1)  # reversed: only unordered
    assert pair_counts([0], [20], window=8) == (0, 0)
    assert pair_counts([], [3], window=8) == (0, 0)


# -- The BM25 defaults -----------------------------------------------------------------


def test_scores_use_the_default_k1_and_b(tmp_path: Path) -> None:
    """A word's score is BM25 with k1 0.9 and b 0.75 (docs/ranking.md): checked against
    the formula, by hand, on stories of known lengths."""
    bodies = ["zebra zebra grass", "grass river plain dust sky", "hill road"]
    records = [{"id": f"d{n}", "title": "Plains", "body": body} for n, body in enumerate(bodies)]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "docs.jsonl", records))
        (hit,) = ix.search("zebra", collapse=False)
    # content holds headline and body: 4, 6 and 3 words; "zebra" twice in the first.
    k1, b, tf, length, average = 0.9, 0.75, 2, 4, (4 + 6 + 3) / 3
    idf = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    expected = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))
    assert hit.id == "d0"
    assert hit.score == pytest.approx(expected, rel=1e-6)


def test_proximity_puts_the_story_where_the_words_stand_together_first(tmp_path: Path) -> None:
    filler = "market report trading session closed"
    records = [  # same words, same length: BM25 ties them, and "apart" comes first
        {"id": "apart", "title": "Report", "body": f"crude {filler} {filler} oil"},
        {"id": "together", "title": "Report", "body": f"{filler} crude oil {filler}"},
    ] + [{"id": f"f{i}", "title": "Filler", "body": f"weather calm {i}"} for i in range(20)]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "docs.jsonl", records))
    with store.open_index(tmp_path / "ix").searcher(weighting=weighting()) as searcher:
        ids = {searcher.stored_fields(d)["id"]: d for d in range(searcher.doc_count_all())}
        ranked = [(ids["apart"], 5.0), (ids["together"], 5.0), (ids["f0"], 1.0)]
        reranked = rerank(searcher, ranked, ["crude", "oil"], lambda term: 2.0)
    assert [d for d, _ in reranked] == [ids["together"], ids["apart"], ids["f0"]]
    assert reranked[0][1] > 5.0 and reranked[1][1] == 5.0


def test_search_with_proximity_ranks_the_words_together_first_and_pages_as_one_list(
    tmp_path: Path,
) -> None:
    filler = "market report trading session closed"
    records = [
        {"id": f"apart{i}", "title": "Report", "body": f"crude {filler} {filler} oil {i}"}
        for i in range(6)
    ] + [
        {"id": f"together{i}", "title": "Report", "body": f"{filler} crude oil {filler} {i}"}
        for i in range(6)
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "docs.jsonl", records))
        plain = [h.id for h in ix.search("crude oil", limit=12, collapse=False)]
        near = [h.id for h in ix.search("crude oil", limit=12, collapse=False, proximity=True)]
        pages = [
            h.id
            for offset in range(0, 12, 5)
            for h in ix.search("crude oil", limit=5, offset=offset, collapse=False, proximity=True)
        ]
        with pytest.raises(QueryError):
            ix.search("crude oil", sort="date", proximity=True)
    assert {i[:5] for i in near[:6]} == {"toget"}
    assert plain != near and sorted(plain) == sorted(near)
    assert pages == near
