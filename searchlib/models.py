"""Plain data that leaves the library: articles, hits and reports (no Whoosh objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Inputs larger than this are skipped (a user can raise it); bounds time and memory.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def iso_date(moment: datetime | None) -> str | None:
    """A publication date as JSON holds it: ISO 8601, or None for an undated story."""
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class Article:
    """A cleaned news article."""

    title: str = ""
    body: str = ""
    date: datetime | None = None
    authors: tuple[str, ...] = ()
    url: str | None = None
    site: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the article as JSON-ready data (the date as ISO 8601)."""
        return {
            "title": self.title,
            "body": self.body,
            "date": iso_date(self.date),
            "authors": list(self.authors),
            "url": self.url,
            "site": self.site,
            "tags": list(self.tags),
            "language": self.language,
        }

    def to_text(self) -> str:
        """Render the article in the scraped-text form that `clean_text` reads back."""
        parts = [self.title] if self.title else []
        if self.tags:
            parts.append(", ".join(self.tags))
        if self.body:
            parts.append(self.body)
        return "\n\n".join(parts)


@dataclass(frozen=True)
class Hit:
    """One search result.

    `highlights` are (start, end) offsets of the matched words inside `snippet`.
    """

    id: str
    title: str
    url: str | None
    date: datetime | None
    source: str | None
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...] = ()
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()  # ids of near-identical stories folded into this hit
    explanation: tuple[tuple[str, str, float], ...] = ()  # (field, word, score) parts

    def to_dict(self) -> dict[str, object]:
        """Return the hit as JSON-ready data."""
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "date": iso_date(self.date),
            "source": self.source,
            # Significant digits, not decimals: recency makes old stories' scores tiny.
            "score": float(f"{self.score:.4g}"),
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "authors": list(self.authors),
            "tags": list(self.tags),
            "copies": list(self.copies),
            **(
                {
                    "explain": [
                        {"field": f, "term": t, "score": round(v, 4)}
                        for f, t, v in self.explanation
                    ]
                }
                if self.explanation
                else {}
            ),
        }


@dataclass(frozen=True)
class Skipped:
    """An input that was not indexed, and why."""

    source: str
    reason: str


@dataclass
class IndexReport:
    """What one call to `Index.add` did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    #: Documents whose file, read from a wider or narrower folder than before, took its
    #: new id: the document under the old id was replaced, not kept beside it.
    reidentified: int = 0
    #: The first `MAX_SKIP_NOTES` skipped inputs with their reasons (all are counted).
    skipped: list[Skipped] = field(default_factory=list)
    #: Every skipped input, counted by reason ("too large", "malformed JSON line 3", ...).
    skip_counts: dict[str, int] = field(default_factory=dict)

    #: Notes kept in `skipped`: a file of a million bad lines must not fill memory.
    MAX_SKIP_NOTES = 10_000

    def skip(self, note: Skipped) -> None:
        """Count a skipped input, and keep its note while there is room."""
        key = note.reason.split(":", 1)[0]
        if key.startswith("malformed JSON line"):
            key = "malformed JSON line"
        self.skip_counts[key] = self.skip_counts.get(key, 0) + 1
        if len(self.skipped) < self.MAX_SKIP_NOTES:
            self.skipped.append(note)

    @property
    def skipped_count(self) -> int:
        """How many inputs were skipped (may exceed the notes kept)."""
        return sum(self.skip_counts.values()) or len(self.skipped)

    @property
    def total(self) -> int:
        """Documents seen, whether or not they changed the index."""
        return self.added + self.updated + self.unchanged + self.reidentified

    def summary(self) -> str:
        """One line: the counts, then the skip reasons grouped."""
        line = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped_count} skipped"
        )
        if self.reidentified:
            line += f", {self.reidentified} given new ids"
        if self.removed:
            line += f", {self.removed} removed"
        reasons = dict(self.skip_counts)
        if not reasons:  # notes added directly to `skipped`
            for item in self.skipped:
                key = item.reason.split(":", 1)[0]
                reasons[key] = reasons.get(key, 0) + 1
        if reasons:
            line += " (" + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) + ")"
        return line


@dataclass(frozen=True)
class Stats:
    """A summary of an index."""

    documents: int
    first_date: datetime | None
    last_date: datetime | None
    sources: tuple[tuple[str, int], ...]
    size_bytes: int
    segments: int
    path: str

    def to_dict(self) -> dict[str, object]:
        """Return the figures as JSON-ready data: dates as days, every source with its
        count, the biggest first."""
        day = "%Y-%m-%d"
        return {
            "path": self.path,
            "documents": self.documents,
            "segments": self.segments,
            "first_date": self.first_date.strftime(day) if self.first_date else None,
            "last_date": self.last_date.strftime(day) if self.last_date else None,
            "size_bytes": self.size_bytes,
            "sources": dict(self.sources),
        }
