"""Run parsed queries against an open searcher and turn Whoosh hits into `Hit`s."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, overload

from whoosh import query as wq
from whoosh import scoring

from searchlib.columns import column_lookup, date_lookup
from searchlib.errors import QueryError
from searchlib.models import Hit
from searchlib.query import ParsedQuery, analyze, parse
from searchlib.snippets import make_snippet
from searchlib.topk import term_leaves, top_documents

SortOrder = Literal["relevance", "date", "oldest"]

#: BM25 parameters: Lucene/Anserini's defaults (k1=0.9, b=0.4), which hold up across
#: news and abstract collections better than the textbook k1=1.2, b=0.75.
K1 = 0.9
B = 0.4


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


def _relevance(searcher: Any, query: Any, docnums: list[int]) -> dict[int, float]:
    """The relevance scores of `docnums` for `query`."""
    if not docnums:
        return {}
    fast = _term_at_a_time(searcher, query, len(docnums), None, only=set(docnums))
    if fast is not None:
        return dict(fast[0])
    return {d: sum(score for _, _, score in explain(searcher, query, d)) for d in docnums}


def _term_at_a_time(
    searcher: Any, query: Any, limit: int, flt: Any, only: set[int] | None = None
) -> tuple[list[tuple[int, float]], int] | None:
    """The top (docnum, score) pairs and the match count of an OR of words, scored by
    `topk` (several times faster than Whoosh's matchers, same scores), among `only`
    when given; None for other queries, which Whoosh runs."""
    weighting = searcher.weighting
    if not isinstance(weighting, _BM25) or weighting._field_B:
        return None
    schema = searcher.schema
    leaves = term_leaves(query, lambda field: field in schema and schema[field].scorable)
    if leaves is None:
        return None
    allowed = set(searcher.docs_for_query(flt)) if flt is not None else None
    if only is not None:
        allowed = only if allowed is None else allowed & only

    documents = searcher.doc_count_all()

    def idf(frequency: int) -> float:
        return bm25_idf(frequency, documents)

    return top_documents(searcher, leaves, limit, idf, weighting.K1, weighting.B, allowed)


def weighting() -> Any:
    """The scoring model: BM25 per field, summed with the field weights of the query."""
    return _BM25(B=B, K1=K1)


@dataclass(frozen=True)
class Results(Sequence[Hit]):
    """The hits of one page of a search, and how many documents matched in all."""

    hits: tuple[Hit, ...]
    total: int
    offset: int
    query: str
    facets: dict[str, tuple[tuple[str, int], ...]] | None = None
    suggestion: str | None = None  # a corrected query, when words were unknown and hits few
    total_is_estimate: bool = False  # `total` is an upper bound, not an exact count

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


def date_filter(since: datetime | None, until: datetime | None) -> Any | None:
    """A filter on publication dates, both ends inclusive (`until` through its whole day)."""
    if since is None and until is None:
        return None
    if until is not None and until.hour == until.minute == until.second == 0:
        until = until.replace(hour=23, minute=59, second=59, microsecond=999999)
    if since is not None and until is not None and since > until:
        raise QueryError(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}")
    return wq.DateRange("date", since, until)


def _name_filter(field: str, value: str) -> Any:
    """Documents whose `field` (authors, source, tags) holds all the words of `value`."""
    words = analyze(value, "name")
    if not words:
        raise QueryError(f"nothing to filter on in {value!r}: give a name or a word")
    if len(words) == 1:
        return wq.Term(field, words[0])
    return wq.Phrase(field, words)


def build_filter(
    since: datetime | None,
    until: datetime | None,
    source: str | None = None,
    author: str | None = None,
    tag: str | None = None,
) -> Any | None:
    """The filter query for dates and metadata (None when nothing is filtered)."""
    parts = [q for q in (date_filter(since, until),) if q is not None]
    for field, value in (("source", source), ("authors", author), ("tags", tag)):
        if value:
            parts.append(_name_filter(field, value))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


#: "Did you mean" is offered when a query finds fewer stories than this.
SUGGEST_BELOW = 3

#: Near-duplicates differ in at most this many of their 64 SimHash bits (unrelated
#: stories differ in about 32; a copy with a changed sentence or credit line in 2 to 5).
DUPLICATE_BITS = 6


def _collapse(
    ranked: list[tuple[int, float]], fingerprints: Callable[[int], Any]
) -> list[tuple[int, float, list[int]]]:
    """Keep the first of each group of near-identical stories, noting the others."""
    kept: list[tuple[int, float, list[int]]] = []
    prints: list[int] = []
    for docnum, score in ranked:
        mine = fingerprints(docnum) or 0
        for index, theirs in enumerate(prints):
            if (mine ^ theirs).bit_count() <= DUPLICATE_BITS:
                kept[index][2].append(docnum)
                break
        else:
            kept.append((docnum, score, []))
            prints.append(mine)
    return kept


def _recency(score: float, date: Any, now: datetime, half_life_days: float) -> float:
    """Halve a story's score every `half_life_days` of age (undated stories count as old)."""
    if not isinstance(date, datetime):
        return score * float(0.5 ** (3650 / half_life_days))
    age = max((now - date).total_seconds() / 86400, 0.0)
    return score * float(0.5 ** (age / half_life_days))


def facet_counts(
    searcher: Any, query: Any, flt: Any | None
) -> dict[str, tuple[tuple[str, int], ...]]:
    """Counts by source, year-month and tag over every document the query matches."""
    results = searcher.search(query, limit=None, filter=flt, scored=False)
    reader = searcher.reader()
    sources = column_lookup(reader, "source_key")
    dates = date_lookup(reader)
    by_source: dict[str, int] = {}
    by_month: dict[str, int] = {}
    by_tag: dict[str, int] = {}
    for docnum in results.docs():
        source = sources(docnum)
        if source:
            by_source[source] = by_source.get(source, 0) + 1
        date = dates(docnum)
        if date is not None:
            month = date.strftime("%Y-%m")
            by_month[month] = by_month.get(month, 0) + 1
        stored = searcher.stored_fields(docnum).get("tags", "")
        for name in split_lines(stored):
            by_tag[name] = by_tag.get(name, 0) + 1

    def top(counts: dict[str, int], by_key: bool = False) -> tuple[tuple[str, int], ...]:
        order = sorted(
            counts.items(), key=(lambda kv: kv[0]) if by_key else (lambda kv: (-kv[1], kv[0]))
        )
        return tuple(order[:20]) if not by_key else tuple(order)

    return {"source": top(by_source), "month": top(by_month, by_key=True), "tag": top(by_tag)}


def run(
    searcher: Any,
    text: str,
    *,
    limit: int = 10,
    offset: int = 0,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: SortOrder = "relevance",
    expand: bool = False,
    snippets: bool = True,
    source: str | None = None,
    author: str | None = None,
    tag: str | None = None,
    half_life_days: float | None = None,
    collapse: bool = True,
    facets: bool = False,
    explain_scores: bool = False,
) -> Results:
    """Search and return one page of hits; see `Index.search` for the arguments.

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
    parsed = parse(text)
    flt = build_filter(since, until, source, author, tag)
    query = parsed.query
    if expand:
        from searchlib.feedback import FEEDBACK_DOCS, expanded_query

        fast = _term_at_a_time(searcher, query, FEEDBACK_DOCS, flt)
        if fast is not None:
            top = fast[0]
        else:
            first = searcher.search(query, limit=FEEDBACK_DOCS, filter=flt)
            top = [(hit.docnum, float(hit.score or 0.0)) for hit in first]
        documents = [(dict(searcher.stored_fields(d)), score) for d, score in top]
        total = float(max(searcher.doc_count_all(), 1))

        def doc_share(term: str) -> float:
            share: float = searcher.doc_frequency("content", term) / total
            return share

        query = expanded_query(parsed, documents, doc_share)
    # Collapsing and recency re-rank a window deeper than the page, so that each page is
    # cut from the same deterministic ordering (paging never repeats or skips).
    reorder = collapse or (half_life_days is not None and sort == "relevance")
    window = offset + limit
    if reorder:
        window += 20  # room for the copies folded into the page's stories
    fast = _term_at_a_time(searcher, query, window, flt) if sort == "relevance" else None
    if fast is not None:
        ranked, scored = fast
        total, exact = scored, True
    else:
        options: dict[str, Any] = {"limit": window, "filter": flt}
        if sort != "relevance":
            options["sortedby"] = "date"
            options["reverse"] = sort == "date"
        results = searcher.search(query, **options)
        ranked = [(hit.docnum, float(hit.score or 0.0)) for hit in results]
        # Counting every match exactly would cost a second pass over the postings (the
        # collector skips blocks that cannot reach the top); when fewer hits than the
        # window were collected nothing was skipped and the count is exact, else it is
        # estimated.
        scored = results.scored_length()
        exact = scored < window or results.has_exact_length()
        total = (
            (len(results) if results.has_exact_length() else scored)
            if exact
            else min(results.estimated_length(), searcher.doc_count())
        )
    # Re-ranking reads columns only; stored documents are loaded for the page alone.
    reader = searcher.reader()
    if half_life_days is not None and sort == "relevance":
        day = date_lookup(reader)
        now = datetime.now()
        ranked = [(d, _recency(sc, day(d), now, half_life_days)) for d, sc in ranked]
        ranked.sort(key=lambda item: (-item[1], item[0]))
    if collapse:
        grouped = _collapse(ranked, column_lookup(reader, "simhash"))
    else:
        grouped = [(d, sc, []) for d, sc in ranked]
    ids = column_lookup(reader, "id")
    page = grouped[offset : offset + limit]
    if sort != "relevance":
        # Whoosh's sorted hits carry their sort key (the date) as score.
        relevance = _relevance(searcher, query, [docnum for docnum, _, _ in page])
        page = [(docnum, relevance.get(docnum, 0.0), copies) for docnum, _, copies in page]
    hits = tuple(
        replace(
            make_hit(dict(searcher.stored_fields(docnum)), score, parsed, snippets),
            copies=tuple(ids(c) for c in copies),
            explanation=explain(searcher, query, docnum) if explain_scores else (),
        )
        for docnum, score, copies in page
    )
    counts = facet_counts(searcher, query, flt) if facets else None
    suggestion = None
    if scored < SUGGEST_BELOW:
        from searchlib.spelling import suggest

        suggestion = suggest(searcher, text)
    return Results(
        hits=hits,
        total=total,
        offset=offset,
        query=text,
        facets=counts,
        suggestion=suggestion,
        total_is_estimate=not exact,
    )


def similar(searcher: Any, doc_id: str, limit: int = 10, collapse: bool = True) -> Results | None:
    """Stories like the one with `doc_id` (None when there is no such document).

    The key terms of the story (Bo1 divergence from the collection, as Whoosh's
    more-like-this computes them) are searched; the story itself and, with `collapse`,
    its near-identical copies are left out.
    """
    docnum = searcher.document_number(id=doc_id)
    if docnum is None:
        return None
    fields = searcher.stored_fields(docnum)
    # The content field holds analysed terms, so key terms are taken from analysed text.
    text = " ".join(analyze(f"{fields.get('title', '')}\n\n{fields.get('body', '')}"))
    found = searcher.more_like(docnum, "content", text=text, top=limit + 20, numterms=12)
    reader = searcher.reader()
    prints = column_lookup(reader, "simhash")
    own = prints(docnum)
    ranked = [
        (hit.docnum, float(hit.score or 0.0))
        for hit in found
        # Leave out copies of the story itself.
        if not collapse or (own ^ prints(hit.docnum)).bit_count() > DUPLICATE_BITS
    ]
    grouped = _collapse(ranked, prints) if collapse else [(d, sc, []) for d, sc in ranked]
    ids = column_lookup(reader, "id")
    hits = tuple(
        replace(
            make_hit(dict(searcher.stored_fields(d)), sc, None, True),
            copies=tuple(ids(c) for c in copies),
        )
        for d, sc, copies in grouped[:limit]
    )
    return Results(hits=hits, total=len(hits), offset=0, query=f"similar:{doc_id}")
