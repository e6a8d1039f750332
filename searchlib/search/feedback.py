"""Pseudo-relevance feedback (RM3): expand a query with the words of its top documents.

The feedback model follows RM3 as Anserini implements it: each of the top `FEEDBACK_DOCS`
documents contributes its term distribution weighted by its retrieval score; the
`FEEDBACK_TERMS` heaviest words form the feedback model, which is mixed with the original
query (weight `ORIGINAL_WEIGHT`) and searched again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from whoosh import query as wq

from searchlib.engine.schema import TEXT_FIELDS
from searchlib.search.query import ParsedQuery, Union, analyze
from searchlib.search.scoring import split_exclusions

FEEDBACK_DOCS = 10
FEEDBACK_TERMS = 10
ORIGINAL_WEIGHT = 0.5

#: When feedback is used. RM3 assumes the top documents share a topic; when one story
#: stands clearly ahead of the rest (a search for a particular story), its neighbours'
#: words pull it down. On Reuters known-item queries RM3 cost 0.11 MRR where it gained
#: 0.01-0.09 MAP on every topical collection (docs/ranking.md); expanding only when the
#: second score is within MIN_SECOND_SHARE of the first and the last feedback document
#: within MIN_LAST_SHARE keeps most of the gains and a third of the loss.
MIN_SECOND_SHARE = 0.85
MIN_LAST_SHARE = 0.6


def _normalise(weights: dict[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items()} if total else {}


#: Words in more than this share of the documents carry no topic and are not added.
MAX_DOC_SHARE = 0.1


def worth_expanding(scores: list[float]) -> bool:
    """Whether feedback from the top documents, scored `scores` (best first), is likely
    to help: their scores are close, so no one story answers the query alone."""
    if len(scores) < 2 or scores[0] <= 0:
        return False
    return scores[1] >= MIN_SECOND_SHARE * scores[0] and scores[-1] >= MIN_LAST_SHARE * scores[0]


def feedback_model(
    documents: list[tuple[dict[str, Any], float]], terms: int, doc_share: Callable[[str], float]
) -> dict[str, float]:
    """The RM3 feedback distribution over index terms of the given (fields, score) pairs.

    `doc_share(term)` is the share of the collection's documents holding the term.
    """
    model: dict[str, float] = {}
    for fields, score in documents:
        counts = Counter(analyze(f"{fields.get('title', '')}\n{fields.get('body', '')}"[:100_000]))
        # Each document contributes its own most frequent topical words, as a
        # distribution weighted by its score. Words in many documents are not topics;
        # rare numbers can be (a flight, a law, a cited paper), so they stay, as in
        # Anserini.
        vector = Counter(
            {
                term: count
                for term, count in counts.items()
                if 1 < len(term) <= 20 and doc_share(term) <= MAX_DOC_SHARE
            }
        ).most_common(terms)
        norm = sum(count for _, count in vector)
        if not norm:
            continue
        for term, count in vector:
            model[term] = model.get(term, 0.0) + score * count / norm
    heaviest = sorted(model.items(), key=lambda item: -item[1])[:terms]
    return _normalise(dict(heaviest))


def expanded_query(
    parsed: ParsedQuery,
    documents: list[tuple[dict[str, Any], float]],
    doc_share: Callable[[str], float],
) -> Any:
    """The original query mixed with the feedback model of `documents`."""
    model = feedback_model(documents, FEEDBACK_TERMS, doc_share)
    if not model:
        return parsed.query
    original = _normalise({t: float(n) for t, n in Counter(parsed.term_list).items()})
    if parsed.optional_only:
        mixed: dict[str, float] = {}
        for term, weight in original.items():
            mixed[term] = mixed.get(term, 0.0) + ORIGINAL_WEIGHT * weight
        for term, weight in model.items():
            mixed[term] = mixed.get(term, 0.0) + (1 - ORIGINAL_WEIGHT) * weight
        return _weighted_or(mixed)
    # Keep the user's phrases, filters and exclusions; the feedback words only re-rank.
    # Exclusions stay outermost, where the search removes them as a set of documents.
    positive, excluded = split_exclusions(parsed.query)
    expanded = wq.AndMaybe(
        positive, _weighted_or({t: (1 - ORIGINAL_WEIGHT) * w for t, w in model.items()})
    )
    return expanded if excluded is None else wq.AndNot(expanded, excluded)


def _weighted_or(weights: dict[str, float]) -> Any:
    # Weights are rescaled so the heaviest term keeps boost 1: BM25 scores stay comparable.
    top = max(weights.values())
    return Union(
        [
            wq.Term(field, term, boost=field_weight * weight / top)
            for term, weight in weights.items()
            for field, field_weight in TEXT_FIELDS.items()
        ]
    )
