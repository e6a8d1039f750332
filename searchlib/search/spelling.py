"""'Did you mean': correct misspelled query words from the index's own vocabulary."""

from __future__ import annotations

import re
from heapq import nlargest
from itertools import islice
from typing import Any

from whoosh.support.levenshtein import damerau_levenshtein

from searchlib.engine.columns import per_reader
from searchlib.engine.lexicon import segment_terms, terms_starting
from searchlib.engine.topk import document_frequency, documents_holding
from searchlib.search.query import analyze
from searchlib.search.snippets import matches as find_terms

_PLAIN_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")
_OPERATORS = frozenset({"OR", "AND", "NOT"})

#: A word the index knows is "rare", and worth checking for a typo, in at most this
#: many documents (or this share of them, in a large index): a typo of a name recurs
#: in a few stories ("Volker" in 1 Reuters story, "Volcker" in 124).
RARE_DOCS = 5
RARE_SHARE = 0.0002
#: A rare word is corrected to a word one edit away only when that word is in at least
#: this many times as many documents: "Koch" (2 stories) is not "Kock" (7).
MORE_FREQUENT = 10


def _surface(searcher: Any, stem: str) -> str:
    """A word as the documents write it, for an index term (a stem): 'govern' ->
    'government'; the stem itself when no document shows it as written."""
    return _written(searcher, stem) or stem


def _written(searcher: Any, stem: str) -> str | None:
    """A word as the documents write it, for an index term, or None when none of the
    first documents holding it shows it in its title or body.

    Read from the first few documents that hold the term (no ranking: the first
    postings are as good a sample, and ranking a common term's postings costs ms).
    """
    from whoosh import query as wq

    holders = searcher.docs_for_query(wq.Term("content", stem))
    for docnum in islice(holders, SURFACE_SAMPLE):
        fields = searcher.stored_fields(docnum)
        text = f"{fields.get('title', '')}\n{fields.get('body', '')}"[:50_000]
        found_at = find_terms(text, frozenset({stem}))
        if found_at:
            start, end, _ = found_at[0]
            return str(text[start:end].lower())
    return None


#: How many documents holding a term are read for the way it is written.
SURFACE_SAMPLE = 3


#: How many of the index's nearest terms to a word it lacks are compared, as written,
#: with the word typed.
CANDIDATES = 6


def _unknown_correction(
    searcher: Any, word: str, stem: str, context: list[str] | None = None
) -> str | None:
    """The word as the documents write it that is closest to `word`, which the index
    lacks, or None.

    The index's terms nearest the stem come first (one edit, else two), most frequent
    first; they are then compared with what was typed, as written: stems hide how far
    a word is ("cofee" is one edit from the stem of "coming", "come", and from that
    of "coffee", "coffe", but only "coffee" is one edit from "cofee"). Of those as near
    to it, the one found in most documents with a `context` term (the query's other
    words) wins: "opek oil" is "opec oil", though "open" is the more frequent word.
    """
    vocabulary = _vocabulary(searcher.reader(), stem[0])
    # The nearest words first, the most frequent among them: ranking everything
    # within two edits by frequency alone turned "prces" into "pct", not "price".
    # A term no document shows as written (a stem of a word in no title or body, or
    # only in replaced ones) is no word to offer: two edits are tried when one edit
    # gives none that is.
    pairs: list[tuple[str, str]] = []
    for edits in (1, 2):
        found = _nearest(vocabulary, stem, edits)
        pairs = [(term, surface) for term in found if (surface := _written(searcher, term))]
        if pairs:
            break
    typed = word.lower()
    together = _together(searcher.reader(), [term for term, _ in pairs], context or [])
    ranked = sorted(
        (damerau_levenshtein(typed, surface), -together.get(term, 0), rank, surface)
        for rank, (term, surface) in enumerate(pairs)
    )
    return ranked[0][3] if ranked else None


def _together(reader: Any, terms: list[str], context: list[str]) -> dict[str, int]:
    """For each of `terms`, how many documents hold it and every one of the `context`
    terms; or, when none holds them all, and one of them. (None without context.)

    Every context word first: a word common in any story ("open", "prices") shares
    documents with each other word, while the intended one shares them with all.
    """
    if not context or len(terms) < 2:
        return {}
    holding = [documents_holding(reader, "content", term) for term in context]
    held = {term: documents_holding(reader, "content", term) for term in terms}
    for beside in (set.intersection(*holding), set.union(*holding)):
        counts = {term: len(documents & beside) for term, documents in held.items()}
        if any(counts.values()):
            return counts
    return {}


class _Vocabulary:
    """The `content` terms that start with one letter, sorted, with their frequencies
    in the index (deleted documents' postings included, as Whoosh counts them)."""

    __slots__ = ("frequencies", "terms")

    def __init__(self, terms: list[str], frequencies: list[float]) -> None:
        self.terms = terms
        self.frequencies = frequencies


def _vocabulary(reader: Any, letter: str) -> _Vocabulary:
    """The terms of `reader` starting with `letter`, read once per open reader.

    Whoosh's corrector walked them on every word (80 ms for one word on Reuters, the
    distance computed in Python); each segment's terms are read once, with their
    frequencies, and kept while the segment is open (segments never change).
    """

    def merged() -> _Vocabulary:
        totals: dict[str, float] = {}
        for segment, _ in reader.leaf_readers():
            for term, frequency in segment_terms(segment, "content", letter):
                totals[term] = totals.get(term, 0.0) + frequency
        terms = sorted(totals)
        return _Vocabulary(terms, [totals[term] for term in terms])

    return per_reader(reader, ("spelling", letter), merged)


def _nearest(vocabulary: _Vocabulary, stem: str, maxdist: int) -> list[str]:
    """Up to `CANDIDATES` terms within `maxdist` edits of `stem` (optimal string
    alignment, as Whoosh's corrector measures), most frequent first.

    Whoosh's corrector ranks them by frequency alone within the distance asked for,
    ties by the later term kept and the earlier listed; so does this.
    """
    frequencies = vocabulary.frequencies
    scored = (
        (-(maxdist + 0.5 / (frequencies[i] or 1)), vocabulary.terms[i])
        for i in _within(stem, vocabulary.terms, maxdist)
        if vocabulary.terms[i] != stem
    )
    kept = nlargest(CANDIDATES, scored)
    return [term for _, term in sorted(kept, key=lambda item: (-item[0], item[1]))]


def _within(stem: str, words: list[str], edits: int) -> list[int]:
    """The positions in `words`, in order, of those within `edits` edits of `stem`
    (optimal string alignment, the measure of Whoosh's corrector)."""
    from rapidfuzz.distance import OSA  # only for a word to correct: 10 ms to import
    from rapidfuzz.process import extract

    return sorted(
        i for _, _, i in extract(stem, words, scorer=OSA.distance, score_cutoff=edits, limit=None)
    )


#: Letters a rare word's correction must share with it at the start. Walking the
#: vocabulary for terms one edit away from all terms with the same first letter took 7 to
#: 28 ms on Reuters, and rare words (names, tickers) are common in queries; three letters
#: take under 2 ms. Words the index lacks are corrected from the first letter on.
RARE_PREFIX = 3


def _rare_correction(reader: Any, stem: str, frequency: int) -> str | None:
    """A term one edit from a rare term and `MORE_FREQUENT` times as common, or None."""
    if len(stem) <= RARE_PREFIX:
        return None  # too short to tell a typo from another word ("ga", "xu")
    best, best_frequency = None, frequency * MORE_FREQUENT
    nearby = terms_starting(reader, "content", stem[:RARE_PREFIX])
    # In the vocabulary's order: of equally frequent words the last is kept.
    for near in (nearby[i] for i in _within(stem, nearby, 1)):
        if near == stem:
            continue
        near_frequency = reader.doc_frequency("content", near)
        if near_frequency >= best_frequency:
            best, best_frequency = near, near_frequency
    return best


def suggest(searcher: Any, raw: str, matches: int = 0) -> str | None:
    """The query `raw` with its misspelled words corrected, or None when none is.

    A word is misspelled when the index does not know it, or when it is rare and a
    word one edit away is far more frequent ("Volker" for "Volcker"). Either is
    corrected whatever the other words match: a query that finds plenty through them
    can still hold a typo. Phrases, fields, exclusions and operators are left as typed.
    `matches` (how many documents the query matched) does not change the decision;
    the words' document frequencies decide it. A query of common words costs one
    document-frequency lookup per word; of its rare words, only the rarest is checked.
    """
    reader = searcher.reader()
    documents = reader.doc_count()
    # In a small index every word is rare; a correction must be able to be
    # MORE_FREQUENT times as common.
    rare = max(RARE_DOCS, int(documents * RARE_SHARE))
    corrections: dict[int, str] = {}
    rarest: tuple[int, int, int, str] | None = None  # (frequency, -length, index, stem)
    words = raw.split()
    plain: list[tuple[int, str, str, int]] = []  # (index, word, stem, frequency)
    for i, word in enumerate(words):
        if word in _OPERATORS or not _PLAIN_WORD.match(word):
            continue
        stems = analyze(word)
        if len(stems) == 1:
            plain.append((i, word, stems[0], document_frequency(reader, "content", stems[0])))
    known = [stem for _, _, stem, frequency in plain if frequency]
    for i, word, stem, frequency in plain:
        if frequency == 0:
            found = _unknown_correction(searcher, word, stem, known)
            if found:
                corrections[i] = found
        elif frequency <= rare and frequency * MORE_FREQUENT <= documents:
            candidate = (frequency, -len(stem), i, stem)
            rarest = candidate if rarest is None else min(rarest, candidate)
    # Only the rarest known word is checked: names and tickers, rare but right, are
    # common in queries, and each check walks part of the vocabulary.
    if rarest is not None:
        frequency, _, i, stem = rarest
        found = _rare_correction(reader, stem, frequency)
        if found:
            corrections[i] = _surface(searcher, found)
    for i, found in corrections.items():
        words[i] = found
    return " ".join(words) if corrections else None
