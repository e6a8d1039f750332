"""Snippets: the passage of a document that best matches the query, with match offsets."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from whoosh.support.charset import accent_map

from searchlib.engine.schema import TOKEN_PATTERN, text_analyzer

#: How much of a body is scanned for the best passage: bounds the cost on huge documents.
SCAN_CHARS = 60_000
_SENTENCE_END = re.compile(r"[.!?…]\s+|\n+")


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    return text_analyzer()


_TOKEN = re.compile(TOKEN_PATTERN)


#: Characters whose accent folding turns a non-word character into a letter (combining
#: marks): in a text holding one, folded and original words may not line up.
_UNSTABLE = re.compile(
    "["
    + "".join(
        re.escape(chr(code))
        for code, folded in accent_map.items()
        if bool(re.match(r"\w", chr(code))) != bool(re.match(r"\w", folded))
    )
    + "]"
)


@lru_cache(maxsize=256)
def _candidates(prefixes: frozenset[str]) -> re.Pattern[str]:
    """The words (cut as the index cuts them) that begin with one of `prefixes`."""
    heads = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    # A word starts where no word character, or word character and dot, comes before.
    return re.compile(rf"(?<!\w)(?<!\w\.)(?=(?:{heads}))" + TOKEN_PATTERN)


def matches(text: str, terms: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, term) of each word in `text` whose index term is in `terms`.

    Running the whole analysis chain over every word of every hit's body cost more than
    the search itself. Only the words that begin like a query term (stemming keeps a
    word's first letters) are analysed, and they are found by one regular expression
    over the lower-cased, accent-folded text.
    """
    if not terms:
        return []
    prefixes = frozenset(term[:2] for term in terms)
    folded = text.lower()
    if not text.isascii():  # folding accents maps nothing in ASCII: skip the pass
        if len(folded) != len(text) or _UNSTABLE.search(text):
            return _matches_word_by_word(text, terms, prefixes)
        folded = folded.translate(accent_map)
    out = []
    for match in _candidates(prefixes).finditer(folded):
        offset = match.start()
        for start, end, term in _word_terms(text[offset : match.end()]):
            if term in terms:
                out.append((offset + start, offset + end, term))
    return out


@lru_cache(maxsize=65_536)
def _word_terms(word: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, index term) of the terms of one word: words recur from hit to hit."""
    tokens = _analyzer()(word, chars=True, mode="index")
    return tuple((token.startchar, token.endchar, token.text) for token in tokens)


def _matches_word_by_word(
    text: str, terms: frozenset[str], prefixes: frozenset[str]
) -> list[tuple[int, int, str]]:
    # For texts whose folded form is not aligned with them character for character.
    out = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        head = word[:3].lower().translate(accent_map)
        if head[:2] not in prefixes and head[:1] not in prefixes:
            continue
        offset = match.start()
        for start, end, term in _word_terms(word):
            if term in terms:
                out.append((offset + start, offset + end, term))
    return out


def _snap_start(text: str, start: int) -> int:
    """Move `start` back to a sentence start nearby, else to a word boundary."""
    if start <= 0:
        return 0
    window = text[max(0, start - 120) : start]
    found = list(_SENTENCE_END.finditer(window))
    if found:
        return max(0, start - 120) + found[-1].end()
    space = text.rfind(" ", 0, start)
    return space + 1 if space != -1 else 0


def _snap_end(text: str, end: int) -> int:
    if end >= len(text):
        return len(text)
    space = text.find(" ", end)
    return space if space != -1 else len(text)


def best_window(found: list[tuple[int, int, str]], width: int) -> int:
    """The index of the match that starts the best `width`-character window: the most
    distinct terms, then the most matches, then the earliest.

    The window slides over the matches with a running count of its terms, so a long
    body with many matches costs one pass, not one pass per match.
    """
    best = (-1, -1, 0)
    best_index = 0
    counts: dict[str, int] = {}
    j = 0
    for i, (start, _end, term) in enumerate(found):
        j = max(j, i)  # a match wider than the window leaves nothing counted before it
        while j < len(found) and found[j][1] - start <= width:
            counts[found[j][2]] = counts.get(found[j][2], 0) + 1
            j += 1
        key = (len(counts), j - i, -start)
        if key > best:
            best, best_index = key, i
        if j > i:  # the match was counted: it leaves as the window moves on
            left = counts[term] - 1
            if left:
                counts[term] = left
            else:
                del counts[term]
    return best_index


def make_snippet(
    body: str, terms: frozenset[str], width: int = 240
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Return the best `width`-character passage of `body` and the highlight offsets in it.

    The best passage holds the most distinct query terms, then the most matches; ties
    go to the earliest. Without a match the snippet is the opening of the body.
    """
    text = body[:SCAN_CHARS]
    found = matches(text, terms)
    if not found:
        end = _snap_end(text, width)
        snippet = text[:end].replace("\n", " ")
        return (snippet + (" …" if end < len(body) else ""), ())
    first = found[best_window(found, width)][0]
    # Centre the matches: start a little before the first one, at a sentence if close.
    start = _snap_start(text, max(0, first - width // 5))
    end = _snap_end(text, start + width)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(body) else ""
    snippet = prefix + text[start:end].replace("\n", " ") + suffix
    shift = len(prefix) - start
    spans = tuple((s + shift, e + shift) for s, e, _ in found if s >= start and e <= end)
    return snippet, spans
