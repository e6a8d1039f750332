"""Run parsed queries against an open searcher and turn Whoosh hits into `Hit`s."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, overload

from whoosh import query as wq
from whoosh import scoring
from whoosh.reading import CorruptIndexError

from searchlib.engine.columns import NO_DATE, column_lookup, date_lookup, date_range
from searchlib.engine.topk import best, score_documents, term_leaves
from searchlib.errors import QueryError
from searchlib.models import Hit
from searchlib.search.collapse import DUPLICATE_BITS, Collapser, Group
from searchlib.search.filters import DateLike, build_filter, date_period
from searchlib.search.proximity import CANDIDATES as PROXIMITY_CANDIDATES
from searchlib.search.proximity import rerank
from searchlib.search.query import ParsedQuery, analyze, parse
from searchlib.search.snippets import make_snippet

__all__ = ["Results", "SortOrder", "build_filter", "run", "similar", "weighting"]

SortOrder = Literal["relevance", "date", "oldest"]

#: BM25 parameters, chosen over a grid on two Reuters news benchmarks and five abstract
#: collections (docs/ranking.md): at or above plain Whoosh BM25F on all seven. Lucene's
#: b=0.4 suited CACM's short abstracts and lost to Whoosh on CRAN, CISI, MED and on long
#: news stories; the full length normalisation (b=0.75) holds on all of them, and the
#: lower k1 keeps a word repeated in a long story from counting too much.
K1 = 0.9
B = 0.75


class _BM25(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's BM25F with the BM25 (Robertson/Lucene) inverse document frequency.

    Whoosh's default idf, log(N / (df + 1)) + 1, keeps common words heavy: a word in a
    third of the documents still weighs a quarter of the rarest one. Long
    natural-language queries are full of such words, and ranking suffers.
    """

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        return bm25_idf(parent.doc_frequency(fieldname, text), parent.doc_count_all())


def bm25_idf(frequency: int, documents: int) -> float:
    """BM25's inverse document frequency of a term in `frequency` of `documents`."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def weighting() -> Any:
    """The scoring model: BM25 per field, summed with the field weights of the query."""
    return _BM25(B=B, K1=K1)


@dataclass(frozen=True)
class Results(Sequence[Hit]):
    """The hits of one page of a search, and how many there are in all.

    `total` counts the list being paged: stories, with near-identical copies folded
    in when collapsing (the default), else matching documents. It is exact unless
    `total_is_estimate` (a long list collapsed only as deep as the page needed).
    `matches` is the exact number of matching documents, copies included.
    """

    hits: tuple[Hit, ...]
    total: int
    offset: int
    query: str
    facets: dict[str, tuple[tuple[str, int], ...]] | None = None
    suggestion: str | None = None  # a corrected query ("did you mean")
    total_is_estimate: bool = False
    matches: int = 0
    next_offset: int | None = None  # where the next page starts; None on the last page
    unfiltered_total: int | None = None  # no hits under filters: the matches without them

    @overload
    def __getitem__(self, index: int) -> Hit: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Hit]: ...
    def __getitem__(self, index: int | slice) -> Hit | Sequence[Hit]:
        return self.hits[index]

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)


def explain(searcher: Any, query: Any, docnum: int) -> tuple[tuple[str, str, float], ...]:
    """Each query word's (or phrase's) score contribution to a document, per field.

    Each leaf of the query (a term or phrase in one field, with its weight) is scored
    against the document alone; for the sum-of-fields queries searchlib builds, the
    contributions add up to the document's score.
    """
    parts: list[tuple[str, str, float]] = []
    for leaf in query.leaves():
        field = getattr(leaf, "fieldname", None)
        if field is None:
            continue
        words = getattr(leaf, "words", None)
        label = " ".join(words) if words else str(getattr(leaf, "text", leaf))
        found = searcher.search(leaf, filter={docnum}, limit=1)
        if found:
            parts.append((field, label, float(found[0].score or 0.0)))
    parts.sort(key=lambda part: -part[2])
    return tuple(parts)


def split_lines(value: Any) -> tuple[str, ...]:
    """Stored multi-valued fields are newline-joined strings."""
    if not isinstance(value, str) or not value:
        return ()
    return tuple(v for v in value.split("\n") if v)


def make_hit(
    fields: dict[str, Any], score: float, parsed: ParsedQuery | None, snippet: bool = True
) -> Hit:
    """Build a Hit from stored fields, with a snippet for the parsed query."""
    if not isinstance(fields.get("id"), str):
        # Every document is stored with its id: garbled stored fields can read back empty.
        raise CorruptIndexError("a stored document without its id")
    terms = parsed.terms if parsed else frozenset()
    text, spans = make_snippet(fields.get("body", ""), terms) if snippet else ("", ())
    return Hit(
        id=fields["id"],
        title=fields.get("title", ""),
        url=fields.get("url") or None,
        date=fields.get("date"),
        source=fields.get("source") or None,
        score=float(score),
        snippet=text,
        highlights=spans,
        authors=split_lines(fields.get("authors")),
        tags=split_lines(fields.get("tags")),
    )


def facet_counts(searcher: Any, docnums: Iterable[int]) -> dict[str, tuple[tuple[str, int], ...]]:
    """Counts by source, year-month and tag over the given matching documents.

    Tags are counted case-insensitively ("News" and "news" are one tag), under the
    spelling most documents use.
    """
    reader = searcher.reader()
    sources = column_lookup(reader, "source_key")
    dates = date_lookup(reader)
    by_source: Counter[str] = Counter()
    by_month: Counter[str] = Counter()
    by_tag: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for docnum in docnums:
        source = sources(docnum)
        if source:
            by_source[source] += 1
        date = dates(docnum)
        if date is not None:
            by_month[date.strftime("%Y-%m")] += 1
        stored = searcher.stored_fields(docnum).get("tags", "")
        for name in set(split_lines(stored)):
            key = name.casefold()
            by_tag[key] += 1
            spellings.setdefault(key, Counter())[name] += 1
    tags = Counter({spellings[key].most_common(1)[0][0]: n for key, n in by_tag.items()})

    def top(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20])

    return {
        "source": top(by_source),
        "month": tuple(sorted(by_month.items())),
        "tag": top(tags),
    }


def _matches(searcher: Any, query: Any, flt: Any | None) -> dict[int, float]:
    """Every document the query matches under the filter, with its relevance score."""
    positive, excluded = _split_exclusions(query)
    scores = _all_term_at_a_time(searcher, positive, flt)
    if scores is None:
        # Exhaustive, not Whoosh's pruned top k: that can drop a document of the true
        # top k, and pages cut from lists of different depths would then disagree.
        found = searcher.search(positive, limit=None, filter=flt)
        scores = {docnum: float(score or 0.0) for score, docnum in found.top_n}
    if excluded is not None and scores:
        for docnum in searcher.docs_for_query(excluded):
            scores.pop(docnum, None)
    return scores


def _split_exclusions(query: Any) -> tuple[Any, Any | None]:
    """A query's positive part and its exclusions (None when it has none).

    Exclusions are taken out as a set of documents: Whoosh's AndNot matcher let a
    segment's first positive document through even when it held an excluded word
    ("gas -oil" listed a story about oil and gas).
    """
    if isinstance(query, wq.AndNot):
        return query.a, query.b
    return query, None


def _all_term_at_a_time(searcher: Any, query: Any, flt: Any | None) -> dict[int, float] | None:
    """Every match's score of an OR of words, scored by `topk`; None for other queries,
    which Whoosh runs."""
    weighting = searcher.weighting
    if not isinstance(weighting, _BM25) or weighting._field_B:
        return None
    schema = searcher.schema
    leaves = term_leaves(query, lambda field: field in schema and schema[field].scorable)
    if leaves is None:
        return None
    allowed = set(searcher.docs_for_query(flt)) if flt is not None else None
    documents = searcher.doc_count_all()

    def idf(frequency: int) -> float:
        return bm25_idf(frequency, documents)

    return score_documents(searcher, leaves, idf, weighting.K1, weighting.B, allowed)


def _with_recency(
    searcher: Any, scores: dict[int, float], half_life_days: float, origin: DateLike | None
) -> dict[int, float]:
    """Scores multiplied by a decay that halves every `half_life_days` of distance from
    `origin` (by default the newest story in the index), as natural logarithms; the
    distance is counted beyond that of the match nearest the origin.

    Ranking by the logarithm never underflows: on an archive decades old every plain
    product would be 0. Undated stories count as far from `origin` as the farthest
    dated one, so they never outrank a dated story of equal relevance.
    """
    reader = searcher.reader()
    span = date_range(reader)
    if span is None:
        return {d: math.log(max(score, _TINY)) for d, score in scores.items()}
    oldest, newest = span
    start = date_period(origin)[0] if origin is not None else newest
    per_day = math.log(2) / half_life_days
    farthest = max(abs((start - oldest).total_seconds()), abs((start - newest).total_seconds()))
    undated = farthest / 86400 * per_day
    dates = date_lookup(reader)
    decays: dict[int, float] = {}
    for docnum in scores:
        date = dates(docnum)
        decays[docnum] = (
            undated if date is None else abs((start - date).total_seconds()) / 86400 * per_day
        )
    # Distances count from the match nearest the origin: the same factor for every
    # match, so the order is unchanged, and the scores shown stay readable when the
    # origin is decades from the stories.
    nearest = min(decays.values(), default=0.0)
    return {d: math.log(max(score, _TINY)) - decays[d] + nearest for d, score in scores.items()}


#: The least score whose logarithm is taken (a match Whoosh scores 0).
_TINY = 1e-300

#: A result list of at most this many matches is collapsed whole, so the count of its
#: stories is exact; a longer one is collapsed as deep as the page needs and its count
#: estimated from that depth.
EXACT_COLLAPSE = 250


def _by_date(
    searcher: Any, scores: dict[int, float], newest_first: bool
) -> Callable[[int], list[tuple[int, float]]]:
    """The first n matches by date, undated ones last in either direction, ties by
    docnum."""
    raw = column_lookup(searcher.reader(), "date", translate=False)
    sign = -1 if newest_first else 1

    def key(item: tuple[int, float]) -> tuple[bool, int, int]:
        value = raw(item[0])
        dated = isinstance(value, int) and value < NO_DATE
        return not dated, sign * value if dated else 0, item[0]

    keyed = sorted(scores.items(), key=key)
    return lambda n: keyed[:n]


def run(
    searcher: Any,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    since: DateLike | None = None,
    until: DateLike | None = None,
    sort: SortOrder = "relevance",
    expand: bool = False,
    snippets: bool = True,
    source: str | None = None,
    author: str | None = None,
    tag: str | None = None,
    half_life_days: float | None = None,
    recent_from: DateLike | None = None,
    collapse: bool = True,
    facets: bool = False,
    explain_scores: bool = False,
    proximity: bool = False,
) -> Results:
    """Search and return one page of hits; see `Index.search` for the arguments.

    Every match is ranked (or sorted) and the page cut from that one list, after
    near-identical stories are folded together: page k + 1 starts where page k ended.

    Raises:
        QueryError: the query has nothing searchable, or the arguments are invalid.
    """
    if limit < 1:
        raise QueryError("limit must be at least 1")
    if offset < 0:
        raise QueryError("offset cannot be negative")
    if sort not in ("relevance", "date", "oldest"):
        raise QueryError(f"unknown sort order {sort!r}: use relevance, date or oldest")
    if half_life_days is not None and half_life_days <= 0:
        raise QueryError("the recency half-life must be a positive number of days")
    if recent_from is not None and half_life_days is None:
        raise QueryError("a date to count recency from needs a half-life (--recent DAYS)")
    if half_life_days is not None and sort != "relevance":
        raise QueryError("recency blends into relevance: it cannot be combined with a date sort")
    if proximity and (sort != "relevance" or half_life_days is not None):
        raise QueryError("term proximity re-ranks relevance: not with a date sort or recency")
    if recent_from is not None:
        date_period(recent_from)  # a bad date is an error even when nothing is dated
    parsed = parse(text)
    flt = build_filter(since, until, source, author, tag)
    query = parsed.query
    if expand:
        query = _expanded(searcher, parsed, flt)
    scores = _matches(searcher, query, flt)
    matches = len(scores)
    if sort != "relevance":
        ordered = _by_date(searcher, scores, newest_first=sort == "date")
    elif half_life_days is not None:
        logged = _with_recency(searcher, scores, half_life_days, recent_from)

        def ordered(n: int) -> list[tuple[int, float]]:
            return [(d, math.exp(value)) for d, value in best(logged, n)]

    elif proximity:
        documents = searcher.doc_count_all()

        def word_idf(term: str) -> float:
            return bm25_idf(searcher.doc_frequency("content", term), documents)

        def ordered(n: int) -> list[tuple[int, float]]:
            # Always the same top re-ranked, whatever the page: pages stay one list.
            top = best(scores, max(n, PROXIMITY_CANDIDATES))
            return rerank(searcher, top, parsed.term_list, word_idf)[:n]

    else:

        def ordered(n: int) -> list[tuple[int, float]]:
            return best(scores, n)

    # One more than the page shows whether another page follows.
    wanted = offset + limit + 1
    reader = searcher.reader()
    if collapse:
        groups, total, exact = _collapsed(ordered, matches, wanted, reader)
    else:
        groups = [(d, sc, []) for d, sc in ordered(wanted)]
        total, exact = matches, True
    page = groups[offset : offset + limit]
    ids = column_lookup(reader, "id")
    hits = tuple(
        replace(
            make_hit(dict(searcher.stored_fields(docnum)), score, parsed, snippets),
            copies=tuple(ids(c) for c in copies),
            explanation=explain(searcher, query, docnum) if explain_scores else (),
        )
        for docnum, score, copies in page
    )
    unfiltered = None
    if not hits and flt is not None:
        unfiltered = len(_matches(searcher, query, None))
    from searchlib.search.spelling import suggest

    suggestion = suggest(searcher, text, matches)
    return Results(
        hits=hits,
        total=total,
        offset=offset,
        query=text,
        facets=facet_counts(searcher, scores) if facets else None,
        suggestion=suggestion,
        total_is_estimate=not exact,
        matches=matches,
        next_offset=offset + len(hits) if len(groups) > offset + limit else None,
        unfiltered_total=unfiltered,
    )


def _expanded(searcher: Any, parsed: ParsedQuery, flt: Any | None) -> Any:
    """The query with RM3 feedback terms from its top documents added, when their scores
    say feedback is likely to help (`feedback.worth_expanding`); else the query as is."""
    from searchlib.search import feedback

    top = best(_matches(searcher, parsed.query, flt), feedback.FEEDBACK_DOCS)
    if not feedback.worth_expanding([score for _, score in top]):
        return parsed.query
    documents = [(dict(searcher.stored_fields(d)), score) for d, score in top]
    total = float(max(searcher.doc_count_all(), 1))

    def doc_share(term: str) -> float:
        share: float = searcher.doc_frequency("content", term) / total
        return share

    return feedback.expanded_query(parsed, documents, doc_share)


def _collapsed(
    ordered: Callable[[int], list[tuple[int, float]]], matches: int, wanted: int, reader: Any
) -> tuple[list[Group], int, bool]:
    """The first `wanted` stories of the ranked list with copies folded in (fewer when
    the list ends), the number of stories in the whole list, and whether that number is
    exact (the whole list was collapsed) or estimated from the depth collapsed."""
    collapser = Collapser(column_lookup(reader, "simhash"))
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
    if limit < 1:
        raise QueryError("limit must be at least 1")
    if offset < 0:
        raise QueryError("offset cannot be negative")
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return None
    fields = searcher.stored_fields(docnum)
    # The content field holds analysed terms, so key terms are taken from analysed text.
    text = " ".join(analyze(f"{fields.get('title', '')}\n\n{fields.get('body', '')}"))
    terms = searcher.key_terms_from_text("content", text, numterms=12, normalize=False)
    query = wq.Or([wq.Term("content", word, boost=weight) for word, weight in terms])
    scores = _matches(searcher, query, None) if terms else {}
    scores.pop(docnum, None)
    reader = searcher.reader()
    if collapse:
        # Copies of the story itself are the story, not stories like it.
        prints = column_lookup(reader, "simhash")
        own = prints(docnum) or 0
        scores = {
            d: score
            for d, score in scores.items()
            if (own ^ (prints(d) or 0)).bit_count() > DUPLICATE_BITS
        }
    matches = len(scores)

    def ordered(n: int) -> list[tuple[int, float]]:
        return best(scores, n)

    wanted = offset + limit + 1  # one more than the page shows whether another follows
    if collapse:
        groups, total, exact = _collapsed(ordered, matches, wanted, reader)
    else:
        groups = [(d, sc, []) for d, sc in ordered(wanted)]
        total, exact = matches, True
    ids = column_lookup(reader, "id")
    hits = tuple(
        replace(
            make_hit(dict(searcher.stored_fields(d)), sc, None, True),
            copies=tuple(ids(c) for c in copies),
        )
        for d, sc, copies in groups[offset : offset + limit]
    )
    return Results(
        hits=hits,
        total=total,
        offset=offset,
        query=f"similar:{doc_id}",
        total_is_estimate=not exact,
        matches=matches,
        next_offset=offset + len(hits) if len(groups) > offset + limit else None,
    )
