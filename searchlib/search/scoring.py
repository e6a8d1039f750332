"""Scoring: the BM25 model, every match of a query with its score, recency and date
orders, and a score's parts per field and word."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from whoosh import query as wq
from whoosh import scoring

from searchlib.engine.columns import NO_DATE, column_lookup, date_lookup, date_range, raw_dates
from searchlib.engine.topk import score_documents, term_leaves, without
from searchlib.search.filters import DateLike, date_period
from searchlib.search.query import BoundedPrefix

if TYPE_CHECKING:
    from searchlib.engine.arrays import Scores

#: BM25 parameters, chosen over a grid on two Reuters news benchmarks and five abstract
#: collections (docs/ranking.md): at or above plain Whoosh BM25F on all seven. Lucene's
#: b=0.4 suited CACM's short abstracts and lost to Whoosh on CRAN, CISI, MED and on long
#: news stories; the full length normalisation (b=0.75) holds on all of them, and the
#: lower k1 keeps a word repeated in a long story from counting too much.
K1 = 0.9
B = 0.75

#: A ranked list of (document number, score), best first.
Ranked = list[tuple[int, float]]


class BM25(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's BM25F with the BM25 (Robertson/Lucene) inverse document frequency.

    Whoosh's default idf, log(N / (df + 1)) + 1, keeps common words heavy: a word in a
    third of the documents still weighs a quarter of the rarest one. Long
    natural-language queries are full of such words, and ranking suffers.
    """

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        return bm25_idf(parent.doc_frequency(fieldname, text), parent.doc_count_all())

    @property
    def per_field_b(self) -> bool:
        """Whether some field has a length normalisation of its own."""
        return bool(self._field_B)


def bm25_idf(frequency: int, documents: int) -> float:
    """BM25's inverse document frequency of a term in `frequency` of `documents`."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def weighting() -> Any:
    """The scoring model: BM25 per field, summed with the field weights of the query."""
    return BM25(B=B, K1=K1)


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


def match_scores(searcher: Any, query: Any, flt: Any | None) -> Mapping[int, float]:
    """Every document the query matches under the filter, with its relevance score."""
    positive, excluded = split_exclusions(query)
    scores = term_at_a_time(searcher, positive, flt)
    if scores is None:
        # Exhaustive, not Whoosh's pruned top k: that can drop a document of the true
        # top k, and pages cut from lists of different depths would then disagree.
        found = searcher.search(positive, limit=None, filter=flt)
        scores = {docnum: float(score or 0.0) for score, docnum in found.top_n}
    if excluded is not None and scores:
        scores = without(scores, searcher.docs_for_query(excluded))
    return scores


def split_exclusions(query: Any) -> tuple[Any, Any | None]:
    """A query's positive part and its exclusions (None when it has none).

    Exclusions are taken out as a set of documents: Whoosh's AndNot matcher let a
    segment's first positive document through even when it held an excluded word
    ("gas -oil" listed a story about oil and gas).
    """
    if isinstance(query, wq.AndNot):
        return query.a, query.b
    return query, None


def term_at_a_time(searcher: Any, query: Any, flt: Any | None) -> Mapping[int, float] | None:
    """Every match's score of an OR of words, scored by `topk`; None for other queries,
    which Whoosh runs."""
    model = searcher.weighting
    if not isinstance(model, BM25) or model.per_field_b:
        return None
    schema = searcher.schema
    if any(isinstance(leaf, BoundedPrefix) for leaf in query.leaves()):
        query = _terms_of_prefixes(query, searcher.reader())
    leaves = term_leaves(query, lambda field: field in schema and schema[field].scorable)
    if leaves is None:
        return None
    allowed = set(searcher.docs_for_query(flt)) if flt is not None else None
    documents = searcher.doc_count_all()

    def idf(frequency: int) -> float:
        return bm25_idf(frequency, documents)

    return score_documents(searcher, leaves, idf, model.K1, model.B, allowed)


def _terms_of_prefixes(query: Any, reader: Any) -> Any:
    """`query` with each `word*` replaced by the OR of the index terms it stands for.

    Whoosh scores a prefix as that OR (each term weighed as the word itself), a
    document at a time through a matcher per term: seconds for a short prefix of a few
    hundred terms. As an OR of terms it is scored term at a time, to the same scores.
    """
    if isinstance(query, BoundedPrefix):
        field = reader.schema[query.fieldname]
        terms = [
            wq.Term(query.fieldname, field.from_bytes(btext), boost=query.boost)
            for btext in query.expansion(reader)
            if btext
        ]
        if not terms:
            return wq.NullQuery  # a field where nothing starts with it
        return terms[0] if len(terms) == 1 else wq.Or(terms)
    if not query.children():
        return query
    expanded = query.apply(lambda child: _terms_of_prefixes(child, reader))
    if isinstance(expanded, wq.Or):
        # A prefix no term of a field starts with matches nothing there: leave it out.
        kept = [sub for sub in expanded.subqueries if sub is not wq.NullQuery]
        if len(kept) < len(expanded.subqueries):
            expanded = kept[0] if len(kept) == 1 else wq.Or(kept, boost=expanded.boost)
    return expanded


#: The least score whose logarithm is taken (a match Whoosh scores 0).
TINY = 1e-300


def with_recency(
    searcher: Any, scores: Mapping[int, float], half_life_days: float, origin: DateLike | None
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
        return {d: math.log(max(score, TINY)) for d, score in scores.items()}
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
    return {d: math.log(max(score, TINY)) - decays[d] + nearest for d, score in scores.items()}


def by_date(
    searcher: Any, scores: Mapping[int, float], newest_first: bool
) -> Callable[[int], Ranked]:
    """The first n matches by date, undated ones last in either direction, ties by
    docnum."""
    if not isinstance(scores, dict):  # held in arrays: sorted in them
        dates = raw_dates(searcher.reader())
        if dates is not None:
            return cast("Scores", scores).by_date(dates, newest_first)
    raw = column_lookup(searcher.reader(), "date", translate=False)
    sign = -1 if newest_first else 1

    def key(item: tuple[int, float]) -> tuple[bool, int, int]:
        value = raw(item[0])
        dated = isinstance(value, int) and value < NO_DATE
        return not dated, sign * value if dated else 0, item[0]

    keyed = sorted(scores.items(), key=key)
    return lambda n: keyed[:n]
