"""Search: the query language, retrieval and ranking, filters, collapse, snippets,
relevance feedback, spelling and export."""
