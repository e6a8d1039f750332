"""Term-at-a-time scoring ranks exactly as Whoosh's own matchers do.

The reference is Whoosh's exhaustive ranking (no limit), cut to the page: its pruned
top-k search skips blocks by an estimate that can drop a document of the true top k.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchlib import Index
from searchlib.engine import mergepolicy, postings, store, topk
from searchlib.engine.topk import best, bm25_parameters, score_documents, term_leaves
from searchlib.search.query import parse
from searchlib.search.searching import bm25_idf, build_filter, weighting

WORDS = [
    "wind",
    "farm",
    "council",
    "power",
    "grid",
    "storm",
    "river",
    "flood",
    "harbour",
    "ferry",
    "budget",
    "school",
    "strike",
    "court",
    "trial",
    "election",
    "vote",
    "market",
    "price",
    "oil",
    "gas",
    "coal",
    "solar",
    "bank",
    "loan",
]
SOURCES = ["Coastal Courier", "Valley Times", "Harbour Post"]


def _record(rng: random.Random, n: int, version: int = 0) -> dict[str, Any]:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 120)))
    return {
        "id": f"d{n}",
        "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))),
        "body": f"{body} version {version}",
        "source": SOURCES[n % 3],
    }


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An index of several segments, some with deleted (updated) documents."""
    rng = random.Random(7)
    with (
        Index.create(tmp_path_factory.mktemp("topk") / "ix") as ix,
        pytest.MonkeyPatch.context() as patch,
    ):
        records = [_record(rng, n) for n in range(150)]
        # Its batches are the segments: the merge policy would join them into few.
        patch.setattr(mergepolicy, "plan", lambda sizes: [])
        # Every list in the frequency files, so that scoring reads them all from there.
        patch.setattr(postings, "FREQUENCY_MIN", 1)
        # Two workers: the segments they write have frequency files.
        ix.add(records, batch_size=40, workers=2)
        ix.add([_record(rng, n, version=1) for n in range(0, 150, 9)], batch_size=40, workers=2)
        with _searcher(ix.path) as found:
            assert len(found.reader().leaf_readers()) > 2
            assert any(reader.has_deletions() for reader, _ in found.reader().leaf_readers())
            yield found


def _searcher(path: Path) -> Any:
    """A Whoosh searcher of the index at `path`, scoring as searchlib's searches do."""
    return store.open_index(path).searcher(weighting=weighting())


def _term_at_a_time(
    searcher: Any, query: Any, limit: int, flt: Any
) -> tuple[list[tuple[int, float]], int] | None:
    """The top `limit` hits and the match count, scored a term at a time."""
    schema = searcher.schema
    leaves = term_leaves(query, lambda field: field in schema and schema[field].scorable)
    parameters = bm25_parameters(searcher.weighting)
    if leaves is None or parameters is None:
        return None
    documents = searcher.doc_count_all()
    allowed = set(searcher.docs_for_query(flt)) if flt is not None else None

    def idf(frequency: int) -> float:
        return bm25_idf(frequency, documents)

    scores = score_documents(searcher, leaves, idf, *parameters, allowed)
    return best(scores, limit), len(scores)


def _whoosh(searcher: Any, query: Any, limit: int, flt: Any) -> list[tuple[int, float]]:
    hits = searcher.search(query, limit=None, filter=flt)
    return [(hit.docnum, hit.score) for hit in hits][:limit]


def _ordered(ranked: list[tuple[int, float]]) -> list[tuple[float, int]]:
    """Hits by rounded score, ties by number, without those tied with the last hit.

    Scores summed in another order may differ in the last bits, so ties are compared
    rounded; which of the documents tied at the cut-off make the page is then up to the
    last bits, and only their number is compared (by the caller).
    """
    ordered = sorted((-round(score, 9), docnum) for docnum, score in ranked)
    return [(-score, docnum) for score, docnum in ordered if ordered and score != ordered[-1][0]]


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.sampled_from([*WORDS, "unknownword"]), min_size=1, max_size=5),
    limit=st.integers(min_value=1, max_value=60),
    source=st.sampled_from([None, *SOURCES]),
)
def test_same_hits_scores_and_count_as_whoosh(
    searcher: Any, words: list[str], limit: int, source: str | None
) -> None:
    query = parse(" ".join(words)).query
    flt = build_filter(None, None, source, None, None)
    fast = _term_at_a_time(searcher, query, limit, flt)
    assert fast is not None
    ranked, matched = fast
    expected = _whoosh(searcher, query, limit, flt)
    assert _ordered(ranked) == _ordered(expected)
    assert [round(score, 9) for _, score in ranked] == [round(score, 9) for _, score in expected]
    assert matched == len(searcher.search(query, limit=None, filter=flt))


def test_expanded_queries_score_alike(searcher: Any) -> None:
    from whoosh import query as wq

    from searchlib.search.query import Union

    weighted = Union([wq.Term("content", "storm", boost=0.7), wq.Term("title", "flood", 0.2)])
    nested = Union([weighted, wq.Term("content", "ferry", boost=1.3)], boost=0.5)
    fast = _term_at_a_time(searcher, nested, 25, None)
    assert fast is not None
    assert _ordered(fast[0]) == _ordered(_whoosh(searcher, nested, 25, None))


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("wind farm", True),
        ("wind wind farm", True),
        ('"wind farm"', False),
        ("wind -farm", False),
        ("+wind farm", False),
        ("title:wind", True),
        ("source:courier", False),
    ],
)
def test_only_ors_of_words_take_the_term_at_a_time_path(text: str, plain: bool) -> None:
    scorable = {"content", "title"}.__contains__
    assert (term_leaves(parse(text).query, scorable) is not None) is plain


def test_library_search_uses_the_same_ranking(tmp_path: Path) -> None:
    rng = random.Random(3)
    with Index.create(tmp_path / "ix") as ix:
        ix.add([_record(rng, n) for n in range(60)], batch_size=25)
        with _searcher(ix.path) as searcher:
            query = parse("storm flood ferry").query
            expected = [
                searcher.stored_fields(d)["id"] for d, _ in _whoosh(searcher, query, 10, None)
            ]
            total = len(searcher.search(query, limit=None))
        hits = ix.search("storm flood ferry", limit=10, collapse=False, snippets=False)
        assert [hit.id for hit in hits] == expected
        assert hits.total == total
        assert not hits.total_is_estimate


def test_only_bm25_with_one_b_for_every_field_is_scored_a_term_at_a_time() -> None:
    from whoosh import scoring

    from searchlib.search.searching import K1, B

    assert bm25_parameters(weighting()) == (K1, B)
    assert bm25_parameters(scoring.BM25F(B=0.5, K1=1.2)) == (1.2, 0.5)
    assert bm25_parameters(scoring.BM25F(B=0.5, K1=1.2, title_B=0.2)) is None
    assert bm25_parameters(scoring.TF_IDF()) is None


def test_a_prefix_ranks_alike_however_the_index_is_cut_into_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prefix stands for the index's most frequent terms that start with it, counted
    over the whole index: Whoosh expanded it per segment, so a segment's own frequent
    terms (rare overall) made its documents match, and the ranking depended on how
    batches fell into segments."""
    from searchlib.search import query as query_module

    monkeypatch.setattr(query_module, "MAX_EXPANSION", 2)
    rng = random.Random(5)
    words = ["coal", "coast", "cobalt", "cocoa", "code", "coffee", "coin", "cold"]
    records = [
        {"id": f"d{n}", "title": "Report", "body": " ".join(rng.choices(words[: 2 + n // 10], k=6))}
        for n in range(60)
    ]
    ranked = []
    for batch, name in ((60, "one"), (10, "many")):
        with Index.create(tmp_path / name) as ix, pytest.MonkeyPatch.context() as patch:
            patch.setattr(mergepolicy, "plan", lambda sizes: [])  # keep every batch's segment
            ix.add(records, batch_size=batch, workers=1)
            found = ix.search("co*", limit=100, collapse=False)
            ranked.append([(hit.id, round(hit.score, 9)) for hit in found])
    assert ranked[0] == ranked[1]


def test_blocks_read_without_positions_hold_the_same_ids_and_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scoring reads postings blocks with their positions left unread: every block
    (of 1 to 128 postings, texts with and without repeated words) must give the ids
    and weights a whole read gives."""
    from searchlib.engine import postings
    from searchlib.engine.postings import read_blocks, term_extent

    skipped: list[bool] = []  # per block: were its positions skipped, or read whole?
    cut = postings._without_values

    def spy(data: bytes, count: int) -> Any:
        found = cut(data, count)
        skipped.append(found is not None)
        return found

    monkeypatch.setattr(postings, "_without_values", spy)
    rng = random.Random(5)
    records = [_record(rng, n) for n in range(300)]
    records += [{"id": f"r{n}", "title": "rare", "body": f"once{n % 4} x"} for n in range(7)]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
    reader = store.open_index(tmp_path / "ix").reader()
    checked = 0
    for segment, _ in reader.leaf_readers():
        terms = segment._terms
        for field in ("content", "title"):
            for btext in segment.expand_prefix(field, ""):
                key = terms._keycoder(field, btext)
                where, size = terms._tindex.range_for_key(key)
                extent = term_extent(terms._dbfile.get(where, size))
                if extent is None:
                    continue  # inlined in the terms file
                whole = read_blocks(terms._postfile, *extent)
                light = read_blocks(terms._postfile, *extent, values=False)
                assert [(b.deltas, b.weights, b.count) for b in light] == [
                    (b.deltas, b.weights, b.count) for b in whole
                ]
                assert all(b.values is None for b in light)
                checked += len(whole)
    reader.close()
    assert checked > 50
    assert any(skipped) and not all(skipped)  # both ways taken (tiny blocks are read whole)


@given(
    st.dictionaries(st.integers(0, 500), st.sampled_from([0.5, 1.0, 1.5, 2.0]), max_size=120),
    st.lists(st.integers(1, 150), min_size=1, max_size=6),
)
def test_a_ranking_asked_again_deeper_gives_what_ranking_anew_gives(
    scores: dict[int, float], asks: list[int]
) -> None:
    """Asked for deeper lists as folding copies asks, the ranking (which ranks ahead of
    what is asked the second time) answers each ask as `best` would, ties included."""
    from searchlib.engine.topk import Ranking

    ranking = Ranking(scores)
    for n in asks:
        assert ranking(n) == best(scores, n)


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(st.sampled_from([*WORDS, "unknownword"]), min_size=1, max_size=8),
    limit=st.integers(min_value=1, max_value=200),
    source=st.sampled_from([None, *SOURCES]),
    excluded=st.sampled_from(["", " -oil", " -bank -river"]),
)
def test_scores_summed_in_arrays_are_the_loops_to_the_last_bit(
    searcher: Any, words: list[str], limit: int, source: str | None, excluded: str
) -> None:
    """Summed in numpy arrays or in the Python loop, every match's score is the same
    double, so hits, scores, order and ties at the cut-off are the same."""
    from searchlib.engine import topk
    from searchlib.search.scoring import match_scores

    query = parse(" ".join(words) + excluded).query
    flt = build_filter(None, None, source, None, None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(topk, "ARRAY_POSTINGS", 10**12)
        patch.setattr(topk, "ARRAY_POSTINGS_IMPORTED", 10**12)
        looped = match_scores(searcher, query, flt)
        patch.setattr(topk, "ARRAY_POSTINGS", 0)
        patch.setattr(topk, "ARRAY_POSTINGS_IMPORTED", 0)
        summed = match_scores(searcher, query, flt)
    assert isinstance(looped, dict)
    assert not isinstance(summed, dict)
    assert len(summed) == len(looped)
    assert dict(summed) == looped  # exact float equality
    assert list(summed) == sorted(looped)
    assert best(summed, limit) == best(looped, limit)


@given(
    st.dictionaries(st.integers(0, 500), st.sampled_from([0.5, 1.0, 1.5, 2.0]), max_size=120),
    st.integers(1, 150),
    st.lists(st.integers(0, 500), max_size=30),
)
def test_scores_held_in_arrays_rank_and_drop_as_a_dict_does(
    scores: dict[int, float], limit: int, dropped: list[int]
) -> None:
    """Ties (scores drawn from four values) are cut by lower document number."""
    import numpy as np

    from searchlib.engine.arrays import Scores
    from searchlib.engine.topk import without

    ordered = sorted(scores)
    held = Scores(np.array(ordered, dtype=np.int64), np.array([scores[d] for d in ordered]))
    assert held.top(limit) == best(scores, limit)
    assert dict(held) == scores
    kept = without(held, dropped)
    assert dict(kept) == without(dict(scores), dropped)
    assert best(kept, limit) == best(without(dict(scores), dropped), limit)


def _frequency_lists(reader: Any) -> list[tuple[bytes, tuple[Any, Any]]]:
    """Each list of a segment's frequency file, by key (none for a segment the
    in-process writer wrote: a small batch's)."""
    held = topk.frequencies(reader)
    if held is None:
        return []
    lists = []
    for at in range(len(held)):
        key, ids, weights = held.entry(at)
        assert held.get(key) == (ids, weights)  # found by its key
        lists.append((key, (ids, weights)))
    return lists


def test_lists_read_from_the_frequency_file_are_the_blocks_lists(searcher: Any) -> None:
    """Every list a frequency file holds is the one its blocks hold, ids and weights,
    in each segment of an index with deletions."""
    compared = 0
    for reader, _ in searcher.reader().leaf_readers():
        for key, listed in _frequency_lists(reader):
            assert listed == topk.decode_blocks(reader._terms, key)
            compared += 1
    assert compared > 100


def test_a_merged_segment_has_the_lists_of_the_merged_ones(tmp_path: Path) -> None:
    rng = random.Random(11)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "FREQUENCY_MIN", 1)
        with Index.create(tmp_path / "ix") as ix:
            ix.add([_record(rng, n) for n in range(120)], batch_size=30, workers=1)
            ix.add([_record(rng, n, version=1) for n in range(0, 120, 7)], workers=1)
            ix.optimize()
    with _searcher(tmp_path / "ix") as merged:
        ((reader, _),) = merged.reader().leaf_readers()
        lists = _frequency_lists(reader)
        assert len(lists) > 50
        for key, listed in lists:
            assert listed == topk.decode_blocks(reader._terms, key)
            assert max(listed[0]) < reader.doc_count_all()


@given(
    st.lists(
        st.lists(st.sampled_from([1.0, 2.0, 3.0, 255.0, 256.0, 0.5, 1.25]), min_size=1, max_size=5),
        min_size=1,
        max_size=4,
    )
)
def test_a_frequency_file_gives_back_the_lists_written(weight_lists: list[list[float]]) -> None:
    """Whole weights up to 255 are kept a byte each, others as floats: either way the
    weights read back are those written."""
    import io

    from searchlib.engine.postings import Block, Frequencies, FrequencyWriter

    class Kept(io.BytesIO):
        def close(self) -> None:  # the bytes are read back after the writer closes
            pass

    file = Kept()
    writer = FrequencyWriter(file, "seg1")
    written = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "FREQUENCY_MIN", 1)
        for n, weights in enumerate(weight_lists):
            ids = [3 * k + n for k in range(len(weights))]
            writer.add(b"\x00\x01" + bytes([97 + n]), [Block.build(ids, weights, None, (0, 0))])
            written[b"\x00\x01" + bytes([97 + n])] = (ids, weights)
    writer.close()
    data = file.getvalue()
    read = Frequencies(lambda at, size: data[at : at + size], len(data), "seg1")
    with pytest.raises(ValueError, match="another segment"):
        Frequencies(lambda at, size: data[at : at + size], len(data), "seg2")
    assert {read.entry(at)[0] for at in range(len(read))} == set(written)
    for key, (ids, weights) in written.items():
        found = read.get(key)
        assert found is not None
        assert list(found[0]) == ids and list(found[1]) == weights


def test_matches_held_in_arrays_sort_by_date_as_a_dict_does(tmp_path: Path) -> None:
    """Dated and undated stories in several segments, dates repeated (ties fall to the
    document number), in both directions and at every depth."""
    from searchlib.search.scoring import by_date, match_scores

    rng = random.Random(5)
    records = []
    for n in range(160):
        record = _record(rng, n)
        if n % 4:
            record["date"] = f"20{10 + n % 7}-0{1 + n % 9}-1{n % 3}"
        records.append(record)
    with Index.create(tmp_path / "ix") as ix, pytest.MonkeyPatch.context() as patch:
        patch.setattr(mergepolicy, "plan", lambda sizes: [])  # keep the batches' segments
        ix.add(records, batch_size=50, workers=2)
    with _searcher(tmp_path / "ix") as searcher, pytest.MonkeyPatch.context() as patch:
        patch.setattr(topk, "ARRAY_POSTINGS", 0)
        patch.setattr(topk, "ARRAY_POSTINGS_IMPORTED", 0)
        assert len(searcher.reader().leaf_readers()) > 1
        for words in ("wind", "oil gas coal", "river flood harbour ferry"):
            held = match_scores(searcher, parse(words).query, None)
            assert not isinstance(held, dict)
            for newest_first in (True, False):
                fast = by_date(searcher, held, newest_first)
                slow = by_date(searcher, dict(held), newest_first)
                for n in (1, 7, 40, len(held) + 5):
                    assert fast(n) == slow(n)


@pytest.mark.parametrize("magic", [b"SLF1", b"SLF2"])
def test_a_frequency_file_of_an_earlier_layout_is_left_unread(magic: bytes) -> None:
    """Files of the layouts before this one (lists without checksums; a directory read
    whole) hold no list to read: their segments are scored from their blocks, as
    segments without the file are."""
    from searchlib.engine.postings import Frequencies

    data = magic + b"\0" * 40 + struct.pack("<qI4s", 44, 3, magic)
    held = Frequencies(lambda at, size: data[at : at + size], len(data), "seg1")
    assert len(held) == 0 and held.get(b"\x00\x01oil") is None
