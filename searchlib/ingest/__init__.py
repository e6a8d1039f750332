"""Ingest: reading sources, preparing documents, and the batch pipeline that feeds
the engine from worker processes."""
