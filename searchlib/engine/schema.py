"""The index schema and the analysis chain shared by indexing, querying and snippets."""

from __future__ import annotations

import re
import sys
from functools import cache, lru_cache
from typing import Any

import Stemmer
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.support.charset import accent_map

#: Bumped whenever the schema, the analysis or the id rule changes in a way an old index
#: cannot serve. 7: a file's id starts with the name of the folder given (`f1/a.txt`);
#: an index of bare relative ids would take every file again as new, and the folder
#: given cannot be told from the stored paths, so such an index is rebuilt, not migrated.
SCHEMA_VERSION = 7

#: Lucene's English stop set (as used by Anserini's BM25 baselines), plus the lone
#: letters left by splitting contractions and possessives ("Putin's" -> putin, s).
STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
        "s",
        "t",
    ]
)

#: Words are runs of letters and digits, joined across inner dots ("U.S.", "3.5").
TOKEN_PATTERN = r"\w+(?:\.\w+)*"


_PORTER = Stemmer.Stemmer("porter")


def porter_stem(word: str) -> str:
    """Porter's stemmer as Lucene applies it ("operating", "operation" -> oper).

    Whoosh's own Porter code leaves some words half-stemmed ("operating" -> operat), so
    forms of one word missed each other. Only words of letters are stemmed: numbers and
    dotted forms ("3.5", "u.s") are not English suffixes.
    """
    stem: str = _PORTER.stemWord(word) if word.isalpha() else word
    return stem


_TOKEN = re.compile(TOKEN_PATTERN)


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return porter_stem(word)


def text_terms(text: str) -> list[str]:
    """The terms `text_analyzer` gives for `text`, in order, computed directly.

    Whoosh's chain builds a token object per word and passes it through a generator per
    filter; this loop gives the same terms (a property test holds it to the chain) at a
    fraction of the cost, which the cleaning workers pay for every word indexed.
    """
    stops = STOPWORDS
    if text.isascii():
        # Lower-cased whole, the words are the same, and folding leaves ASCII as it is.
        return [_stem(word) for word in _TOKEN.findall(text.lower()) if word not in stops]
    out: list[str] = []
    for word in _TOKEN.findall(text):
        word = word.lower().translate(accent_map)
        if word and word not in stops:
            out.append(_stem(word))
    return out


def name_terms(text: str) -> list[str]:
    """The terms `name_analyzer` gives for `text`, in order, computed directly."""
    if text.isascii():
        return _TOKEN.findall(text.lower())
    return [word.lower().translate(accent_map) for word in _TOKEN.findall(text)]


def text_analyzer() -> Any:
    """Tokenize, lower-case, fold accents (café = cafe), drop stopwords, Porter-stem.

    Stopwords are removed with renumbered positions, so a phrase query such as
    "Power of Siberia" matches the text "Power of Siberia".
    """
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOPWORDS, minsize=1)
        | StemFilter(stemfn=porter_stem)
    )


def name_analyzer() -> Any:
    """For names (authors, sources, tags): folded and lower-cased, not stemmed or stopped."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def indexed_terms_analyzer() -> Any:
    """Splits text that is already analysed (index terms joined by spaces).

    Headline and body reach the writer as `Posted` postings, analysed in the worker
    processes that clean them; this analyser only serves text given to those fields
    directly. Queries and feedback analyse with `text_terms`, snippets with `text_analyzer`.
    """
    return RegexTokenizer(r"\S+")


class Posted(list):  # type: ignore[type-arg]
    """One field of one document as postings ready for the index: (term as UTF-8, count,
    weight, encoded positions) per distinct term, in the form Whoosh's writer adds them.

    The cleaning workers build these, so the one process that writes the index neither
    analyses nor tokenises: before, splitting the analysed terms again took a third of
    its time.
    """


_POSITIONS = Positions()


def posted(terms: list[str]) -> Posted:
    """Postings of a field whose analysed terms, in order, are `terms`."""
    places: dict[str, list[int]] = {}
    for place, term in enumerate(terms):
        places.setdefault(term, []).append(place)
    once = _found_once()
    encode = _POSITIONS.encode
    out = Posted()
    for term, where in places.items():
        count = len(where)
        value = once[where[0]] if count == 1 and where[0] < _ONCE_TABLE else encode(where)
        out.append((term.encode("utf-8"), count, float(count), value))
    return out


#: Positions below this have their encoding for a term found once in a table: most
#: terms of a story are found once, and encoding is a pickle each time.
_ONCE_TABLE = 4096


@cache
def _found_once() -> list[bytes]:
    """The encoded positions of a term found once, by its position."""
    return [_POSITIONS.encode([place]) for place in range(_ONCE_TABLE)]


class PostedText(TEXT):  # type: ignore[misc]
    """A text field that takes `Posted` postings as they are (or text, analysed as TEXT)."""

    def index(self, value: Any, **kwargs: Any) -> Any:
        if isinstance(value, Posted):
            return iter(value)
        return super().index(value, **kwargs)


def build_schema() -> Schema:
    """Return the schema of a searchlib index."""
    analyzer = indexed_terms_analyzer()
    names = name_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        checksum=ID(sortable=True),
        origin=ID(stored=True, sortable=True),
        title=PostedText(analyzer=analyzer, stored=True, phrase=True),
        body=STORED(),
        content=PostedText(analyzer=analyzer, phrase=True),
        authors=TEXT(analyzer=names, stored=True, phrase=True),
        source=TEXT(analyzer=names, stored=True, phrase=True),
        source_key=ID(sortable=True),
        tags=TEXT(analyzer=names, stored=True, phrase=True),
        tag_keys=KEYWORD(commas=True, lowercase=True),
        url=ID(stored=True),
        language=ID(stored=True),
        date=DATETIME(stored=True, sortable=True),
        # A column, not stored: collapsing reads fingerprints without loading documents.
        simhash=COLUMN(NumericColumn("Q")),
    )


#: Fields a user can name in a query ("author:smith"), mapped to schema fields.
QUERY_FIELDS: dict[str, str] = {
    "title": "title",
    "headline": "title",
    "body": "content",
    "text": "content",
    "author": "authors",
    "authors": "authors",
    "by": "authors",
    "source": "source",
    "site": "source",
    "tag": "tags",
    "tags": "tags",
    "url": "url",
    "id": "id",
    "lang": "language",
    "language": "language",
}

#: Fields searched by plain words, with their weight in the BM25F sum. `content` holds
#: headline and body together (one length normalisation for the whole story, as
#: Lucene-style engines index it); the headline field adds a quarter again for words in
#: the headline. Measured on two Reuters news benchmarks and five abstract collections
#: (docs/ranking.md): a quarter is best, or within 0.001 MAP of it, on every topical
#: collection; searches for one known story do best without it, and lose most with more.
TEXT_FIELDS: dict[str, float] = {"content": 1.0, "title": 0.25}


#: Index files pickle the schema's classes by module path. An index of format 1 names
#: them as searchlib 0.1 did, under `searchlib.schema`, so either release reads what
#: the other wrote; `trusted` maps the name back to this module.
LEGACY_MODULE = "searchlib.schema"
for _kind in (Posted, PostedText):
    _kind.__module__ = LEGACY_MODULE
sys.modules.setdefault(LEGACY_MODULE, sys.modules[__name__])
