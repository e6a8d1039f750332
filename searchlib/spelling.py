"""'Did you mean': correct misspelled query words from the index's own vocabulary."""

from __future__ import annotations

import re
from typing import Any

from searchlib.query import analyze
from searchlib.snippets import matches

_PLAIN_WORD = re.compile(r"^[^\W\d_][\w'’.-]*$")
_OPERATORS = frozenset({"OR", "AND", "NOT"})


def _surface(searcher: Any, stem: str) -> str:
    """A word as the documents write it, for an index term (a stem): 'govern' -> 'government'."""
    from whoosh import query as wq

    found = searcher.search(wq.Term("content", stem), limit=1)
    if not found:
        return stem
    fields = found[0].fields()
    text = f"{fields.get('title', '')}\n{fields.get('body', '')}"[:50_000]
    found_at = matches(text, frozenset({stem}))
    if not found_at:
        return stem
    start, end, _ = found_at[0]
    return text[start:end].lower()


def suggest(searcher: Any, raw: str) -> str | None:
    """The query with each word unknown to the index replaced by the closest known word,
    or None when every word is known or nothing close enough exists."""
    reader = searcher.reader()
    corrector = None
    changed = False
    words = raw.split()
    for i, word in enumerate(words):
        if word in _OPERATORS or not _PLAIN_WORD.match(word):
            continue  # leave phrases, fields, exclusions and operators as typed
        stems = analyze(word)
        if len(stems) != 1 or reader.doc_frequency("content", stems[0]) > 0:
            continue
        if corrector is None:
            corrector = reader.corrector("content")
        # The nearest words first, the most frequent among them: ranking everything
        # within two edits by frequency alone turned "prces" into "pct", not "price".
        found = corrector.suggest(stems[0], limit=1, maxdist=1, prefix=1) or corrector.suggest(
            stems[0], limit=1, maxdist=2, prefix=1
        )
        if found:
            words[i] = _surface(searcher, found[0])
            changed = True
    return " ".join(words) if changed else None
