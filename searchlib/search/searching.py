"""Run a search against an open searcher: rank (or sort) every match, fold copies,
cut the page and turn it into `Hit`s. `similar` pages "more like this" the same way."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from whoosh import query as wq

from searchlib.engine.columns import column_lookup, number_lookup
from searchlib.engine.topk import Ranking, best
from searchlib.models import Hit
from searchlib.search.collapse import DUPLICATE_BITS, Collapser, Group
from searchlib.search.filters import build_filter
from searchlib.search.options import SearchOptions, SortOrder, check_page
from searchlib.search.proximity import CANDIDATES as PROXIMITY_CANDIDATES
from searchlib.search.proximity import rerank
from searchlib.search.query import ParsedQuery, analyze, parse
from searchlib.search.results import Results, facet_counts
from searchlib.search.scoring import (
    K1,
    B,
    Ranked,
    bm25_idf,
    by_date,
    explain,
    match_scores,
    weighting,
    with_recency,
)
from searchlib.search.snippets import make_snippet
from searchlib.search.stored import split_lines, stored_hit

__all__ = [
    "EXACT_COLLAPSE",
    "K1",
    "B",
    "Results",
    "SearchOptions",
    "SortOrder",
    "bm25_idf",
    "build_filter",
    "run",
    "similar",
    "split_lines",
    "weighting",
]

# The name scripts/eval_ranking.py knows the model by (`scoring.BM25` now).

#: A result list of at most this many matches is collapsed whole, so the count of its
#: stories is exact; a longer one is collapsed as deep as the page needs and its count
#: estimated from that depth.
EXACT_COLLAPSE = 250


def run(searcher: Any, options: SearchOptions) -> Results:
    """Search and return one page of hits; see `SearchOptions` for what can be asked.

    Every match is ranked (or sorted) and the page cut from that one list, after
    near-identical stories are folded together: page k + 1 starts where page k ended.

    Raises:
        QueryError: a prefix names too many words (the options were checked when made).
    """
    parsed = parse(options.query)
    flt = build_filter(options.since, options.until, options.source, options.author, options.tag)
    query = _expanded(searcher, parsed, flt) if options.expand else parsed.query
    scores = match_scores(searcher, query, flt)
    terms = parsed.terms if options.snippets else None

    def make(docnum: int, score: float) -> Hit:
        made = _hit(searcher.stored_fields(docnum), score, terms)
        if not options.explain:
            return made
        return replace(made, explanation=explain(searcher, query, docnum))

    page = _page(
        searcher,
        _ordering(searcher, options, parsed, scores),
        len(scores),
        options.offset,
        options.limit,
        options.collapse,
        make,
    )
    unfiltered = None
    if not page.hits and flt is not None:
        unfiltered = len(match_scores(searcher, query, None))
    from searchlib.search.spelling import suggest

    suggestion = suggest(searcher, options.query, len(scores))
    return Results(
        hits=page.hits,
        total=page.total,
        offset=options.offset,
        query=options.query,
        facets=facet_counts(searcher, scores) if options.facets else None,
        suggestion=suggestion,
        total_is_estimate=not page.exact,
        matches=len(scores),
        next_offset=page.next_offset,
        unfiltered_total=unfiltered,
    )


def _hit(fields: Mapping[str, Any], score: float, terms: frozenset[str] | None) -> Hit:
    """A hit with a snippet for `terms` (the body's opening when there are none), or
    without a snippet when `terms` is None."""
    if terms is None:
        return stored_hit(fields, score)
    text, spans = make_snippet(fields.get("body", ""), terms)
    return stored_hit(fields, score, text, spans)


def _ordering(
    searcher: Any, options: SearchOptions, parsed: ParsedQuery, scores: Mapping[int, float]
) -> Callable[[int], Ranked]:
    """The first n matches in the order `options` ask for, as (docnum, score)."""
    if options.sort != "relevance":
        return by_date(searcher, scores, newest_first=options.sort == "date")
    if options.half_life_days is not None:
        logged = with_recency(searcher, scores, options.half_life_days, options.recent_from)
        ranking = Ranking(logged)
        return lambda n: [(d, math.exp(value)) for d, value in ranking(n)]
    if options.proximity:
        documents = searcher.doc_count_all()

        def word_idf(term: str) -> float:
            return bm25_idf(searcher.doc_frequency("content", term), documents)

        def reranked(n: int) -> Ranked:
            # Always the same top re-ranked, whatever the page: pages stay one list.
            top = best(scores, max(n, PROXIMITY_CANDIDATES))
            return rerank(searcher, top, parsed.term_list, word_idf)[:n]

        return reranked
    return Ranking(scores)


@dataclass(frozen=True)
class _Page:
    hits: tuple[Hit, ...]
    total: int  # stories (or documents) in the whole list
    exact: bool  # whether `total` is counted, not estimated
    next_offset: int | None  # None on the last page


def _page(
    searcher: Any,
    ordered: Callable[[int], Ranked],
    matches: int,
    offset: int,
    limit: int,
    collapse: bool,
    make: Callable[[int, float], Hit],
) -> _Page:
    """The page at `offset` of the `matches`-long list `ordered` gives, copies folded
    in when `collapse`; `make(docnum, score)` makes each hit."""
    # One more than the page shows whether another page follows.
    wanted = offset + limit + 1
    if collapse:
        groups, total, exact = _collapsed(ordered, matches, wanted, searcher.reader())
    else:
        groups = [(d, score, []) for d, score in ordered(wanted)]
        total, exact = matches, True
    ids = column_lookup(searcher.reader(), "id")
    hits = tuple(
        replace(make(docnum, score), copies=tuple(ids(c) for c in copies))
        for docnum, score, copies in groups[offset : offset + limit]
    )
    next_offset = offset + len(hits) if len(groups) > offset + limit else None
    return _Page(hits, total, exact, next_offset)


def _expanded(searcher: Any, parsed: ParsedQuery, flt: Any | None) -> Any:
    """The query with RM3 feedback terms from its top documents added, when their scores
    say feedback is likely to help (`feedback.worth_expanding`); else the query as is."""
    from searchlib.search import feedback

    if not parsed.term_list:
        return parsed.query  # nothing to feed back from: exclusions or filters alone
    top = best(match_scores(searcher, parsed.query, flt), feedback.FEEDBACK_DOCS)
    if not feedback.worth_expanding([score for _, score in top]):
        return parsed.query
    documents = [(dict(searcher.stored_fields(d)), score) for d, score in top]
    total = float(max(searcher.doc_count_all(), 1))

    def doc_share(term: str) -> float:
        share: float = searcher.doc_frequency("content", term) / total
        return share

    return feedback.expanded_query(parsed, documents, doc_share)


def _collapsed(
    ordered: Callable[[int], Ranked], matches: int, wanted: int, reader: Any
) -> tuple[list[Group], int, bool]:
    """The first `wanted` stories of the ranked list with copies folded in (fewer when
    the list ends), the number of stories in the whole list, and whether that number is
    exact (the whole list was collapsed) or estimated from the depth collapsed."""
    collapser = Collapser(number_lookup(reader, "simhash"))
    depth, done = wanted + 20, 0  # room for the copies folded into the page's stories
    while True:
        if matches <= EXACT_COLLAPSE:
            depth = matches
        ranked = ordered(depth)
        collapser.add(ranked[done:])
        done = len(ranked)
        if done >= matches or len(collapser.groups) >= wanted:
            break
        depth *= 2
    stories = len(collapser.groups)
    if done >= matches:
        return collapser.groups, stories, True
    # The share of stories among the matches collapsed so far, applied to the rest.
    return collapser.groups, stories + round((matches - done) * stories / done), False


def similar(
    searcher: Any, doc_id: str, limit: int = 10, offset: int = 0, collapse: bool = True
) -> Results | None:
    """Stories like the one with `doc_id` (None when there is no such document).

    The key terms of the story (Bo1 divergence from the collection, as Whoosh's
    more-like-this computes them) are searched as one OR query, and the page is cut
    from every match ranked and collapsed as `run` does, so counts and paging mean the
    same; the story itself and, with `collapse`, its near-identical copies are left out.

    Raises:
        QueryError: `limit` or `offset` is out of range.
    """
    check_page(limit, offset)
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return None
    fields = searcher.stored_fields(docnum)
    # The content field holds analysed terms, so key terms are taken from analysed text.
    text = " ".join(analyze(f"{fields.get('title', '')}\n\n{fields.get('body', '')}"))
    terms = searcher.key_terms_from_text("content", text, numterms=12, normalize=False)
    query = wq.Or([wq.Term("content", word, boost=weight) for word, weight in terms])
    scores = dict(match_scores(searcher, query, None)) if terms else {}
    scores.pop(docnum, None)
    if collapse:
        # Copies of the story itself are the story, not stories like it.
        prints = number_lookup(searcher.reader(), "simhash")
        own = prints(docnum) or 0
        if own:  # without a fingerprint, nothing is known to be a copy
            scores = {
                d: score
                for d, score in scores.items()
                if not (theirs := prints(d) or 0) or (own ^ theirs).bit_count() > DUPLICATE_BITS
            }
    page = _page(
        searcher,
        Ranking(scores),
        len(scores),
        offset,
        limit,
        collapse,
        lambda d, score: _hit(searcher.stored_fields(d), score, frozenset()),
    )
    return Results(
        hits=page.hits,
        total=page.total,
        offset=offset,
        query=f"similar:{doc_id}",
        total_is_estimate=not page.exact,
        matches=len(scores),
        next_offset=page.next_offset,
    )
