"""The query language: what each construct matches, and that no input crashes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from searchlib import Index, QueryError
from searchlib.search.query import analyze, parse

from .conftest import write_jsonl

DOCS = [
    {
        "id": "d1",
        "title": "Wind farm approved",
        "body": "The council approved the wind farm.",
        "authors": ["Maren Ellis"],
        "source": "Coastal Courier",
        "tags": ["energy"],
    },
    {
        "id": "d2",
        "title": "Farm prices fall",
        "body": "Prices for farm land fell; wind was not a factor.",
        "authors": ["Tom Reyes"],
        "source": "Rural Times",
        "tags": ["agriculture"],
    },
    {
        "id": "d3",
        "title": "Solar park opens",
        "body": "A solar park opened near the farm.",
        "authors": ["Maren Ellis"],
        "source": "Rural Times",
        "tags": ["energy", "solar"],
    },
    {
        "id": "d4",
        "title": "Café culture in Zürich",
        "body": "Coffee houses thrive.",
        "source": "Alpine Post",
    },
]


@pytest.fixture
def ix(index_dir: Path, tmp_path: Path) -> Iterator[Index]:
    with Index.create(index_dir) as index:
        index.add(write_jsonl(tmp_path / "q.jsonl", DOCS))
        yield index


def ids(ix: Index, query: str) -> list[str]:
    return [h.id for h in ix.search(query, limit=50)]


def test_more_matching_words_rank_higher(ix: Index) -> None:
    found = ids(ix, "wind farm council")
    assert found[0] == "d1"
    assert set(found) == {"d1", "d2", "d3"}


def test_long_question_still_finds_results(ix: Index) -> None:
    assert (
        ids(ix, "what did the council decide about the proposed wind farm near the coast")[0]
        == "d1"
    )


def test_phrase_is_required_and_exact(ix: Index) -> None:
    assert ids(ix, '"wind farm"') == ["d1"]
    assert ids(ix, '"farm wind"') == []


def test_exclusion(ix: Index) -> None:
    assert "d2" not in ids(ix, "farm -prices")
    assert set(ids(ix, "farm -prices")) == {"d1", "d3"}


def test_or_and_and(ix: Index) -> None:
    assert set(ids(ix, "solar OR council")) == {"d1", "d3"}
    assert ids(ix, "solar AND farm") == ["d3"]


def test_fields(ix: Index) -> None:
    assert set(ids(ix, "author:ellis")) == {"d1", "d3"}
    assert set(ids(ix, 'author:"maren ellis" farm')) == {"d1", "d3"}
    assert set(ids(ix, "source:rural")) == {"d2", "d3"}
    assert set(ids(ix, "tag:energy")) == {"d1", "d3"}
    assert ids(ix, "title:solar") == ["d3"]
    assert set(ids(ix, "farm tag:energy -title:solar")) == {"d1"}


def test_accents_and_case_fold(ix: Index) -> None:
    assert ids(ix, "cafe zurich") == ["d4"]
    assert ids(ix, "CAFÉ") == ["d4"]


def test_stemming(ix: Index) -> None:
    assert "d1" in ids(ix, "approving")


def test_stemming_joins_word_forms_and_leaves_numbers() -> None:
    # Porter's full algorithm: "operating" and "operation" share a stem.
    assert analyze("operating operations U.S. 3.5 retrieval") == [
        "oper",
        "oper",
        "u.s",
        "3.5",
        "retriev",
    ]


def test_phrase_with_stopwords(index_dir: Path, tmp_path: Path) -> None:
    with Index.create(tmp_path / "ix2") as ix:
        ix.add([{"id": "s", "title": "Gas", "body": "The Power of Siberia pipeline was delayed."}])
        assert [h.id for h in ix.search('"Power of Siberia"')] == ["s"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"unbalanced quote', []),  # read as the words, which no story holds
        ("stray: colon", []),
        ("author:", []),  # no name after the field: the word "author"
        ("AND farm", ["d1", "d2", "d3"]),  # an operator with nothing before it is dropped
        ('tag:"energy', ["d1", "d3"]),  # the field's unclosed quote runs to the end
        ("wind OR", ["d1", "d2"]),
        (":", None),
        ("((", None),
        ("-", None),
        ("OR", None),
        ("NOT", None),
    ],
)
def test_odd_queries_search_what_they_hold(
    ix: Index, query: str, expected: list[str] | None
) -> None:
    """Odd syntax is read as well as it can be; with nothing searchable left, the error
    says so (None: that error)."""
    if expected is None:
        with pytest.raises(QueryError, match="nothing to search for"):
            ix.search(query)
    else:
        assert sorted(ids(ix, query)) == expected


def test_unbalanced_quote_searches_the_words(ix: Index) -> None:
    assert ids(ix, '"solar park')[0] == "d3"


@pytest.mark.parametrize("query", ["", "   ", "the of and", '""', "!!!"])
def test_empty_or_stopword_queries_raise(query: str) -> None:
    with pytest.raises(QueryError):
        parse(query)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parser_never_raises_anything_but_query_error(text: str) -> None:
    try:
        parsed = parse(text)
    except QueryError:
        return
    # Every word searched is highlighted, and each comes from the query's own text.
    assert set(parsed.term_list) <= parsed.terms
    assert set(parsed.term_list) <= set(analyze(text))


def test_search_only_exclusions(ix: Index) -> None:
    assert set(ids(ix, "-farm")) == {"d4"}


def test_snippet_highlights_point_at_words(ix: Index) -> None:
    hit = ix.search("approved council")[0]
    words = {hit.snippet[s:e].lower() for s, e in hit.highlights}
    assert words == {"approved", "council"}


def test_did_you_mean_corrects_from_the_index(ix: Index) -> None:
    results = ix.search("solr prak")
    assert results.suggestion == "solar park"
    assert ix.search(results.suggestion)[0].id == "d3"
    assert ix.search("solar park").suggestion is None  # known words: nothing to offer


def test_explain_parts_add_up(ix: Index) -> None:
    hit = ix.search("wind farm council", explain=True)[0]
    assert hit.explanation
    assert sum(score for _, _, score in hit.explanation) == pytest.approx(hit.score, rel=1e-3)
    assert {field for field, _, _ in hit.explanation} <= {"content", "title"}
    assert ix.search("wind farm")[0].explanation == ()


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abcdeéÉßæİ.'’ -\nXYZ0123\u0308", max_size=200),
    st.lists(st.sampled_from(["abc", "ab", "a", "ee", "x", "ss", "ae", "xyz", "0.1"]), max_size=4),
)
def test_snippet_matches_agree_with_the_analyser(text: str, terms: list[str]) -> None:
    """The prefix shortcut in snippet matching finds exactly what the full chain finds."""
    from searchlib.engine.schema import text_analyzer
    from searchlib.search.snippets import matches

    wanted = frozenset(terms)
    full = [
        (t.startchar, t.endchar, t.text)
        for t in text_analyzer()(text, chars=True, mode="index")
        if t.text in wanted
    ]
    assert matches(text, wanted) == full


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["oil", "price", "rose", "fell", "opec", "crude", "x"]), max_size=60)
)
def test_simhash_matches_the_counting_definition(words: list[str]) -> None:
    """The bit-sliced SimHash equals the textbook one: each bit is the majority vote of the
    word 3-gram hashes."""
    import hashlib

    from searchlib.ingest.documents import simhash

    padded = words if len(words) >= 3 else [*words, "", ""]
    votes = [0] * 64
    for i in range(len(padded) - 2):
        gram = " ".join(padded[i : i + 3]).encode()
        value = int.from_bytes(hashlib.blake2b(gram, digest_size=8).digest(), "big")
        for bit in range(64):
            votes[bit] += 1 if value >> bit & 1 else -1
    expected = sum(1 << bit for bit in range(64) if votes[bit] > 0)
    assert simhash(" ".join(words)) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2000), st.integers(1, 300), st.sampled_from("abcd")),
        max_size=40,
    ),
    st.integers(min_value=1, max_value=400),
)
def test_best_snippet_window_matches_the_definition(
    spans: list[tuple[int, int, str]], width: int
) -> None:
    """The sliding count picks the window the direct definition picks."""
    from searchlib.search.snippets import best_window

    found = sorted((start, start + length, term) for start, length, term in spans)
    if not found:
        return
    best, expected = (-1, -1, 0), 0
    for i, (start, _end, _term) in enumerate(found):
        j = i
        while j < len(found) and found[j][1] - start <= width:
            j += 1
        window = found[i:j]
        key = (len({t for _, _, t in window}), len(window), -start)
        if key > best:
            best, expected = key, i
    assert best_window(found, width) == expected


@pytest.mark.parametrize("text", ["farm wind", '"wind farm"', "farm -solar"])
@pytest.mark.parametrize("sort", ["date", "oldest"])
def test_date_sorted_hits_carry_their_relevance_score(ix: Index, text: str, sort: str) -> None:
    by_relevance = {hit.id: hit.score for hit in ix.search(text, collapse=False)}
    by_date = ix.search(text, sort=sort, collapse=False)
    assert {hit.id for hit in by_date} == set(by_relevance)
    for hit in by_date:
        assert hit.score == pytest.approx(by_relevance[hit.id], rel=1e-6)


def test_did_you_mean_prefers_the_nearest_word_to_the_most_frequent(tmp_path: Path) -> None:
    records = [
        {"id": f"p{n}", "title": "Rates", "body": f"up 5 pct in week {n}"} for n in range(30)
    ]
    records.append({"id": "price", "title": "Markets", "body": "The price of copper rose."})
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "r.jsonl", records))
        assert ix.search("prces").suggestion == "price"


def test_did_you_mean_measures_the_typed_word_against_words_as_written(tmp_path: Path) -> None:
    """'cofee' is one edit from the stems of both 'coming' (come) and 'coffee' (coffe),
    but one edit from 'coffee' alone as written: the frequent word does not win."""
    records = [{"id": f"c{n}", "title": "Talks", "body": f"more is coming {n}"} for n in range(30)]
    records.append({"id": "k", "title": "Markets", "body": "Coffee prices rose."})
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "r.jsonl", records))
        assert ix.search("cofee").suggestion == "coffee"


_ANALYSED = (
    st.text(alphabet=st.sampled_from(list("abcxyzAÉéüßıİ.,' 0123\u0301\u00ad-_ofthe")), max_size=80)
    | st.text(max_size=60)
    | st.text(alphabet=st.characters(max_codepoint=127), max_size=80)  # the ASCII path
)


@settings(max_examples=300, deadline=None)
@given(_ANALYSED)
@example("The Power of Siberia: U.S. exports rose 3.5% at the café's opening, operating")
def test_direct_analysis_matches_the_whoosh_chain(text: str) -> None:
    from searchlib.engine.schema import name_analyzer, name_terms, text_analyzer, text_terms

    for analyzer, direct in ((text_analyzer(), text_terms), (name_analyzer(), name_terms)):
        assert direct(text) == [token.text for token in analyzer(text, mode="query")]
        assert direct(text) == [token.text for token in analyzer(text, mode="index")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["oil", "price", "rose", "café", "u.s", "3.5"]), max_size=5000))
def test_postings_built_directly_are_whoosh_s(terms: list[str]) -> None:
    """A field's postings as the workers build them (positions of a term found once come
    from a table) are those Whoosh's Positions format makes of the same terms."""
    from whoosh.analysis import RegexTokenizer
    from whoosh.formats import Positions

    from searchlib.engine.schema import posted

    expected = sorted(
        (term.encode("utf-8"), count, weight, value)
        for term, count, weight, value in Positions().word_values(
            " ".join(terms), RegexTokenizer(r"\S+")
        )
    )
    assert sorted(posted(terms)) == expected
    assert sorted(posted(terms)) == expected  # again, from the table


def test_prefix_matches_words_that_start_with_it(ix: Index) -> None:
    assert ids(ix, "sol*") == ["d3"]
    assert ids(ix, "appro*") == ["d1"]  # "approved" is indexed as "approv"
    assert ids(ix, "Zür*") == ids(ix, "zur*") == ["d4"]  # folded like the words
    assert ids(ix, "title:win*") == ["d1"]
    assert set(ids(ix, "author:mare*")) == {"d1", "d3"}
    assert set(ids(ix, "farm -sol*")) == {"d1", "d2"}
    assert ids(ix, "+sol* park") == ["d3"]
    hit = ix.search("sol*")[0]
    assert {hit.snippet[s:e].lower() for s, e in hit.highlights} == {"solar"}


def test_prefix_scores_like_the_word(ix: Index) -> None:
    # Whoosh's own prefix query gives every match one constant score.
    assert ix.search("solar*")[0].score == pytest.approx(ix.search("solar")[0].score)


def test_prefix_finds_words_indexed_under_a_shorter_stem(tmp_path: Path) -> None:
    records = [
        {"id": "n", "title": "Talks", "body": "The negotiations resumed on Monday."},
        {"id": "c", "title": "Results", "body": "Several companies reported losses."},
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "r.jsonl", records))
        assert ids(ix, "negotiat*") == ["n"]  # indexed as "negoti"
        assert ids(ix, "company*") == ["c"]  # indexed as "compani"


@pytest.mark.parametrize("query", ["s*", "*", "-é*", "title:a*", "x* farm"])
def test_too_short_prefix_is_a_query_error(ix: Index, query: str) -> None:
    with pytest.raises(QueryError, match=r"is too short: give at least 2 letters before the \*"):
        ix.search(query)


def test_prefix_expansion_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import searchlib.search.query

    # opecs in 3 stories, opecna in 2, opecx in 1 ("opec" itself in none).
    bodies = ["opecs opecna opecx", "opecs opecna", "opecs"]
    records = [{"id": f"r{n}", "title": "Oil", "body": b} for n, b in enumerate(bodies)]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "r.jsonl", records))
        assert len(ix.search("opec*")) == 3
        monkeypatch.setattr(searchlib.search.query, "MAX_EXPANSION", 1)  # the most frequent only
        found = ix.search("opec* -opecs")
        assert len(found) == 0
        monkeypatch.setattr(searchlib.search.query, "MAX_EXPANSION", 2)
        assert len(ix.search("opec* -opecs")) == 0
        assert [h.id for h in ix.search("opecna* OR opecx*")] == ["r0", "r1"]
        monkeypatch.setattr(searchlib.search.query, "MAX_PREFIX_SCAN", 2)
        with pytest.raises(QueryError, match="too many words start with 'opec'"):
            ix.search("opec*")


SPELLING_DOCS = (
    [
        {"id": f"v{n}", "title": "Fed", "body": f"Volcker on interest rates, week {n}."}
        for n in range(12)
    ]
    + [{"id": "v-typo", "title": "Fed", "body": "Volker said interest rates would hold."}]
    + [{"id": f"b{n}", "title": "Bonn", "body": "The Bundesbank kept rates."} for n in range(3)]
    + [{"id": f"k{n}", "title": "Names", "body": "Kock won the race."} for n in range(7)]
    + [{"id": f"c{n}", "title": "Names", "body": "Koch lost the race."} for n in range(2)]
)


@pytest.fixture
def speller(tmp_path: Path) -> Iterator[Any]:
    """A searcher over SPELLING_DOCS, as `searching.run` passes to `suggest`."""
    from searchlib.engine import store
    from searchlib.search.scoring import weighting

    with Index.create(tmp_path / "ix") as ix:
        ix.add(write_jsonl(tmp_path / "s.jsonl", SPELLING_DOCS))
    searcher = store.open_index(tmp_path / "ix").searcher(weighting=weighting())
    yield searcher
    searcher.close()


@pytest.mark.parametrize(
    ("query", "matches", "expected"),
    [
        # Unknown to the index: corrected whatever the other words match.
        ("Bundesbnak interest rates", 16, "bundesbank interest rates"),
        # Known but rare, one edit from a word in 12 times as many stories.
        ("Volker", 1, "volcker"),
        ("Volker interest rates", 13, "volcker interest rates"),
        # Rare, but the neighbour is only 3.5 times as common: a name of its own.
        ("Koch", 2, None),
        ("interest rates", 16, None),
        ("volcker", 12, None),
        ('"Volker said" -Koch', 1, None),  # phrases and exclusions stay as typed
    ],
)
def test_did_you_mean_decides_from_document_frequencies(
    speller: Any, query: str, matches: int, expected: str | None
) -> None:
    from searchlib.search.spelling import suggest

    assert suggest(speller, query, matches) == expected


def test_did_you_mean_costs_a_lookup_per_word_when_nothing_is_wrong(speller: Any) -> None:
    from searchlib.search.spelling import suggest

    calls: list[str] = []
    reader = speller.reader()

    class Spy:
        def __getattr__(self, name: str) -> Any:
            calls.append(name)
            return getattr(reader, name)

    class Searcher:
        def reader(self) -> Spy:
            return Spy()

    assert suggest(Searcher(), "interest rates week", 16) is None
    # Each word's document frequency is read segment by segment; no vocabulary is walked.
    assert sorted(calls) == ["doc_count", "leaf_readers", "leaf_readers", "leaf_readers"]


@pytest.mark.parametrize(
    ("text", "found"),
    [("xu", 1), ("Wu talks", 40), ("gas", 1), ("q", 0), ("xu*", 1), ("ng kuala", 1)],
)
def test_did_you_mean_leaves_short_rare_words_alone(tmp_path: Path, text: str, found: int) -> None:
    """One segment (as after optimize, or the sample), short rare words: a correction
    that must share three letters with a two-letter word had raised IndexError. Such
    words are names and codes, not typos: none is corrected."""
    records = [{"id": f"d{n}", "title": "Talks", "body": f"trade talks item{n}"} for n in range(40)]
    records[0]["body"] += " Xu Wu Ng said gas"
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        assert ix.stats().segments == 1
        results = ix.search(text)
        assert results.suggestion is None
        assert results.matches == found


def test_a_field_test_narrows_the_words_rather_than_listing_its_field(tmp_path: Path) -> None:
    records = [
        {"id": "a", "title": "Coffee quota", "body": "coffee talks", "source": "Wire"},
        {"id": "b", "title": "Cocoa", "body": "cocoa prices", "source": "Wire"},
        {"id": "c", "title": "Coffee", "body": "coffee harvest", "source": "Desk"},
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        assert {h.id for h in ix.search("source:wire coffee", collapse=False)} == {"a"}
        assert {h.id for h in ix.search("source:wire coffee cocoa", collapse=False)} == {"a", "b"}
        # A phrase or +word says what must match; other words only rank.
        assert {h.id for h in ix.search("+cocoa coffee", collapse=False)} == {"b"}
        assert {h.id for h in ix.search("source:wire", collapse=False)} == {"a", "b"}


def test_a_query_holds_a_bounded_number_of_prefixes() -> None:
    from searchlib.search.query import MAX_PREFIXES

    words = [f"w{chr(97 + n)}*" for n in range(MAX_PREFIXES + 1)]
    parse(" ".join(words[:MAX_PREFIXES]))
    with pytest.raises(QueryError, match=f"more than {MAX_PREFIXES} prefixes"):
        parse(" ".join(words))
    with pytest.raises(QueryError, match="prefixes"):
        parse(" ".join(words[:MAX_PREFIXES]) + " -zz*")  # excluded ones cost as much


def test_did_you_mean_reads_every_segment_alike(tmp_path: Path) -> None:
    """The vocabulary a correction is drawn from is merged over segments: a word split
    across three commits, and replaced in one, is offered as from a single segment."""
    records = [{"id": f"c{n}", "title": "Talks", "body": f"more is coming {n}"} for n in range(30)]
    records += [
        {"id": f"v{n}", "title": "Fed", "body": "Volcker spoke on rates."} for n in range(12)
    ]
    records += [
        {"id": "k", "title": "Markets", "body": "Coffee prices rose."},
        {"id": "v-typo", "title": "Fed", "body": "Volker said rates would hold."},
    ]
    with Index.create(tmp_path / "one") as one:
        one.add(records, workers=1)
        assert one.stats().segments == 1
        expected = [one.search(q).suggestion for q in ("cofee", "Volker", "volcer rates")]
    assert expected == ["coffee", "volcker", "volcker rates"]
    with Index.create(tmp_path / "split") as split:
        for part in (records[:15], records[15:35], records[35:]):
            split.add(part, workers=1)
        split.add([{"id": "k", "title": "Markets", "body": "Coffee prices fell."}], workers=1)
        assert split.stats().segments > 1
        assert [split.search(q).suggestion for q in ("cofee", "Volker", "volcer rates")] == expected


def test_did_you_mean_prefers_the_word_found_with_the_others(tmp_path: Path) -> None:
    """Of words as near to the typo, the one whose stories hold the query's other words
    wins over the more frequent: "opek oil" is "opec oil", "opek" alone "open"."""
    records = [
        {"id": f"o{n}", "title": "Stores", "body": f"A store will open {n}."} for n in range(30)
    ]
    records += [
        {"id": f"p{n}", "title": "Output", "body": "OPEC cut oil output to lift prices."}
        for n in range(5)
    ]
    records += [{"id": "m", "title": "Markets", "body": "Oil prices open higher."}]
    with Index.create(tmp_path / "ix") as ix:
        ix.add(records, workers=1)
        assert ix.search("opek").suggestion == "open"
        assert ix.search("opek oil").suggestion == "opec oil"
        # "prices" is in a story with "open" too, but only "opec" is with both words.
        assert ix.search("opek oil prices").suggestion == "opec oil prices"


def test_did_you_mean_looks_two_edits_away_when_one_edit_is_only_in_replaced_stories(
    tmp_path: Path,
) -> None:
    """A word one edit from the typo left only in a replaced story is no word to offer;
    the live word two edits away is (nothing was offered until an optimize)."""
    from searchlib.search.query import analyze

    assert analyze("budgix") == ["budgix"] and analyze("budgie") == ["budgi"]
    records = [
        {"id": f"b{n}", "title": "Budget", "body": f"The budget vote {n}."} for n in range(5)
    ]
    with Index.create(tmp_path / "ix") as ix:
        ix.add([*records, {"id": "pet", "title": "Pets", "body": "A budgie sang."}], workers=1)
        ix.add([{"id": "pet", "title": "Pets", "body": "A parrot sang."}], workers=1)
        assert ix.search("budgix").suggestion == "budget"
        ix.optimize()
        assert ix.search("budgix").suggestion == "budget"
