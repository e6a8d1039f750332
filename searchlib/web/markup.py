"""Document text as HTML: escaped piece by piece, with matched words wrapped in
`<mark>` from their offsets, never by inserting markup into the text."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from searchlib.errors import QueryError
from searchlib.search.query import parse
from searchlib.search.snippets import matches


def marked(text: str, spans: Iterable[tuple[int, int]]) -> Markup:
    """`text` escaped, with each (start, end) span of it inside `<mark>`; spans that
    overlap an earlier one or fall outside the text are left out."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos or end <= start or end > len(text):
            continue
        out.append(escape(text[pos:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def query_terms(query: str) -> frozenset[str]:
    """The index terms of a query's words, to mark in a document; none for a query
    that cannot be searched."""
    if not query.strip():
        return frozenset()
    try:
        return parse(query).terms
    except QueryError:  # a query the search page rejects: nothing to mark
        return frozenset()


def highlighted(text: str, terms: frozenset[str]) -> Markup:
    """`text` as HTML, with the words whose index terms are in `terms` marked."""
    return marked(text, [(start, end) for start, end, _ in matches(text, terms)])


def paragraphs(body: str, terms: frozenset[str]) -> list[Markup]:
    """The body's paragraphs (split at line breaks) as HTML, `terms` marked."""
    return [highlighted(line.strip(), terms) for line in body.splitlines() if line.strip()]
