"""The words of an index field, read from its terms files.

A term's bytes are decoded here, in the engine, so that a terms file whose keys are
garbled is reported as damage (`verify.is_read_error` reads a decoding error raised in
the engine's own readers as damage, anywhere else as a bug).
"""

from __future__ import annotations

from typing import Any

from searchlib.engine.columns import per_reader


def segment_terms(segment: Any, field: str, prefix: str) -> list[tuple[str, float]]:
    """A segment's `field` terms that start with `prefix`, with their frequencies (the
    total of their weights), read once while the segment is open: segments never change."""

    def read() -> list[tuple[str, float]]:
        return [
            (text.decode("utf-8"), info.weight())
            for text, info in segment.iter_prefix(field, prefix.encode("utf-8"))
        ]

    return per_reader(segment, ("terms", field, prefix), read)


def terms_starting(reader: Any, field: str, prefix: str) -> list[str]:
    """The `field` terms of `reader` (over all its segments) that start with `prefix`,
    in order."""
    return [btext.decode("utf-8") for btext in reader.expand_prefix(field, prefix)]
