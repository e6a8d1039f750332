"""Cleaned shards: a corpus cleaned once and kept, as gzip-compressed JSON lines that
`searchlib index` reads without cleaning them again.

A run is planned as partitions of its inputs (by file, and by line range for a large
JSON-lines file); each partition is cleaned into one shard, `part-00000.jsonl.gz`, on
its own, in any process or on any machine that can read the inputs (see `cluster`).
A shard is written under a hidden name and renamed when whole; a hidden note beside
it (`.part-00000.json`) then records what it was made from, so a re-run keeps it and
redoes only the shards without one. The run's manifest is `.manifest.json`: hidden
files are passed over when a folder is indexed, so the shards folder indexes as it is.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import unicodedata
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from searchlib.errors import SearchlibError
from searchlib.ingest.files import READ_ERRORS, open_input
from searchlib.ingest.items import RawItem
from searchlib.ingest.paths import kind_of, path_text, walk_inputs
from searchlib.models import DEFAULT_MAX_BYTES, Article, IndexReport, Skipped
from searchlib.output import json_line, valid_text

#: Articles per shard: big enough that a folder of shards is a few hundred files for
#: millions of articles, small enough that a lost shard costs a minute or two of work.
SHARD_ARTICLES = 10_000

#: The version of the shard format; a reader of another version is told so.
SHARD_FORMAT = 1

MANIFEST = ".manifest.json"

#: The fields of a cleaned record, in the order written (that of `searchlib export`).
RECORD_SCHEMA: dict[str, str] = {
    "id": "string: the document id `searchlib index` gives the input",
    "title": "string",
    "body": "string: paragraphs separated by blank lines",
    "date": "string (ISO 8601, UTC) or null",
    "authors": "list of strings",
    "site": "string or null",
    "tags": "list of strings",
    "url": "string or null",
    "language": "string or null",
    "cleaned": "true: taken as it is by `searchlib index`, never cleaned again",
}

#: Bytes read at a time while counting the lines of a JSON-lines file.
_CHUNK = 1 << 20


class ShardsError(SearchlibError):
    """The shards folder cannot be written or read."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


@dataclass(frozen=True)
class Piece:
    """A file of a partition, or lines `first` to `stop` (excluded) of a JSON-lines file.

    `path` is absolute, as every worker must read it; `rel` is the id its file gives."""

    path: str
    rel: str
    first: int = 1
    stop: int | None = None


@dataclass(frozen=True)
class Partition:
    """The inputs of one shard; `fingerprint` stands for them as they were planned (paths,
    sizes, modification times, line ranges), so a kept shard is known to be current."""

    number: int
    pieces: tuple[Piece, ...]
    fingerprint: str

    @property
    def name(self) -> str:
        return shard_name(self.number)


@dataclass(frozen=True)
class ShardResult:
    """What cleaning one partition gave: its shard's name, articles and skipped inputs."""

    number: int
    name: str
    articles: int
    skipped: tuple[Skipped, ...] = ()
    kept: bool = False  # written by an earlier run and kept


@dataclass
class CleanReport:
    """What one `clean` run did: shards written and kept, articles, skipped inputs counted
    by reason (as `index` counts them), and the shards that failed with why."""

    out: str = ""
    shards: int = 0
    written: int = 0
    kept: int = 0
    articles: int = 0
    skips: IndexReport = field(default_factory=IndexReport)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def add(self, result: ShardResult) -> None:
        self.shards += 1
        self.articles += result.articles
        if result.kept:
            self.kept += 1
        else:
            self.written += 1
        for note in result.skipped:
            self.skips.skip(note)

    @property
    def skipped(self) -> list[Skipped]:
        return self.skips.skipped

    @property
    def skipped_count(self) -> int:
        return self.skips.skipped_count

    def summary(self) -> str:
        """One line: articles, shards, skipped inputs by reason, failures."""
        line = f"{self.articles} articles in {self.shards} shard{'' if self.shards == 1 else 's'}"
        if self.kept:
            line += f" ({self.kept} kept from an earlier run)"
        line += f", {self.skipped_count} skipped"
        reasons = self.skips.skip_counts
        if reasons:
            line += " (" + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items())) + ")"
        if self.failed:
            line += f", {len(self.failed)} shards failed"
        return line


def shard_name(number: int) -> str:
    return f"part-{number:05d}.jsonl.gz"


def _note_name(number: int) -> str:
    return f".part-{number:05d}.json"


# --- planning ---------------------------------------------------------------------


def plan(
    paths: Iterable[str | os.PathLike[str]],
    shard_size: int = SHARD_ARTICLES,
    exclude: Path | None = None,
) -> Iterator[Partition | Skipped]:
    """The partitions of `paths` in order, each of about `shard_size` articles, and a
    note for each input passed over (a folder that cannot be listed, a file reached
    twice). Files are taken in the order `index` reads them; a page is one article, a
    JSON-lines file as many as it has lines, split across partitions where it does not
    fit. Streams: only the partition being filled is held."""
    from searchlib.ingest.sources import _already_read

    pieces: list[Piece] = []
    count = 0
    number = 0
    read: dict[str, str] = {}
    for source in paths:
        for entry in walk_inputs([source], exclude=exclude):
            if isinstance(entry, Skipped):
                yield entry
                continue
            path, rel = entry
            if path.is_file():
                # Each file once, as `read_sources` reads it.
                reached = path_text(path.resolve())
                if (earlier := read.get(reached)) is not None:
                    yield Skipped(reached, _already_read(reached, earlier, rel, path.is_symlink()))
                    continue
                read[reached] = rel
            where = str(path.absolute())
            lines = _json_lines(path)
            first = 1
            while True:
                room = shard_size - count
                left = 1 if lines is None else lines - first + 1
                if left <= room:
                    pieces.append(Piece(where, rel, first, None))
                    count += left
                    break
                pieces.append(Piece(where, rel, first, first + room))
                first += room
                count = shard_size
                yield _partition(number, pieces)
                number, pieces, count = number + 1, [], 0
            if count >= shard_size:
                yield _partition(number, pieces)
                number, pieces, count = number + 1, [], 0
    if pieces:
        yield _partition(number, pieces)


def _json_lines(path: Path) -> int | None:
    """The lines of a JSON-lines file (None for any other input, or one that cannot be
    read: its worker reports why)."""
    from searchlib.ingest.records import is_json_document

    kind, gz = kind_of(path)
    if kind != "record" or not path.is_file() or is_json_document(path, gz):
        return None
    lines = 0
    last = b"\n"
    try:
        with open_input(path, gz) as handle:
            while chunk := handle.read(_CHUNK):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except READ_ERRORS:
        return None
    return max(1, lines + (last != b"\n"))


def _partition(number: int, pieces: list[Piece]) -> Partition:
    digest = hashlib.blake2b(digest_size=12)
    for piece in pieces:
        try:
            st = Path(piece.path).stat()
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            stamp = "-"
        digest.update(f"{piece.path}\0{piece.rel}\0{piece.first}\0{piece.stop}\0{stamp}\n".encode())
    return Partition(number, tuple(pieces), digest.hexdigest())


# --- cleaning a partition (in a worker) -------------------------------------------


def clean_partition(
    partition: Partition, out: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> ShardResult:
    """Clean one partition into its shard in the folder `out`, and return what it gave.

    Runs in a worker: it reads the inputs, writes the shard under a hidden name unique
    to this attempt and renames it when whole (a retried task never meets a half
    shard), then writes the note that marks the shard done. The bytes written depend
    on the inputs alone (no time or host in the gzip header), so every run, local or
    distributed, writes the same shard.
    """
    from searchlib.ingest.documents import clean_item
    from searchlib.ingest.selection import _Claims

    folder = Path(out)
    target = folder / partition.name
    partial = folder / f".{partition.name}.{os.getpid()}-{os.urandom(4).hex()}"
    claims = _Claims()  # ids given twice within the shard; across shards, `index` sees them
    notes: list[Skipped] = []
    articles = 0
    try:
        with (
            open(partial, "wb") as raw,
            gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as shard,
        ):
            for piece in partition.pieces:
                for entry in _piece_entries(piece, max_bytes):
                    if isinstance(entry, Skipped):
                        notes.append(entry)
                        continue
                    if (clash := claims.clash(entry)) is not None:
                        notes.append(clash)
                        continue
                    article = clean_item(entry)
                    if isinstance(article, Skipped):
                        notes.append(article)
                        continue
                    shard.write(json_line(shard_record(entry.doc_id, article)).encode())
                    shard.write(b"\n")
                    articles += 1
        partial.replace(target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    note = {
        "format": SHARD_FORMAT,
        "fingerprint": partition.fingerprint,
        "bytes": target.stat().st_size,  # a shard cut short since is made again
        "articles": articles,
        "skipped": [[n.source, n.reason] for n in notes],
    }
    _write_atomic(folder / _note_name(partition.number), json.dumps(note).encode())
    return ShardResult(partition.number, partition.name, articles, tuple(notes))


def _piece_entries(piece: Piece, max_bytes: int) -> Iterator[RawItem | Skipped]:
    """What reading a piece gives: its file's items, or those of its lines only. A note
    about the whole file (unreadable, binary) belongs to the piece that starts it."""
    from searchlib.ingest.sources import read_file

    entries = read_file(Path(piece.path), piece.rel, max_bytes)
    if piece.first == 1 and piece.stop is None:
        yield from entries
        return
    try:
        for entry in entries:
            line = _line_of(entry)
            if line is None:
                if piece.first == 1:
                    yield entry
            elif piece.stop is not None and line >= piece.stop:
                return  # the rest of the file is other pieces'
            elif line >= piece.first:
                yield entry
    finally:
        if isinstance(entries, Generator):
            entries.close()  # stops reading the file at once


def _line_of(entry: RawItem | Skipped) -> int | None:
    """The line of a JSON-lines file an item or note is about (None: the whole file)."""
    where = entry.source if isinstance(entry, Skipped) else entry.origin
    for sep in ("#", ":"):
        head, found, tail = where.rpartition(sep)
        if (
            found
            and tail.isdigit()
            and head.lower().rstrip().endswith((".gz", ".jsonl", ".ndjson", ".json"))
        ):
            return int(tail)
    return None


def shard_record(doc_id: str, article: Article) -> dict[str, Any]:
    """The record written for a cleaned article: its text as the index stores it (NFC,
    valid Unicode) and its site as the index names it, so that indexing or exporting
    the shards gives what indexing the inputs gives."""
    from searchlib.ingest.documents import _host

    return {
        "id": doc_id,
        "title": valid_text(unicodedata.normalize("NFC", article.title)),
        "body": valid_text(unicodedata.normalize("NFC", article.body)),
        "date": article.date.isoformat() if article.date is not None else None,
        "authors": [valid_text(a) for a in article.authors],
        "site": valid_text(article.site or _host(article.url) or "") or None,
        "tags": [valid_text(t) for t in article.tags],
        "url": valid_text(article.url or "") or None,
        "language": valid_text(article.language or "") or None,
        "cleaned": True,
    }


def cleaned_article(record: Mapping[str, Any]) -> Article:
    """The Article a cleaned record holds, as written (a field of the wrong type is
    left empty rather than failing the record)."""

    def text(name: str) -> str:
        value = record.get(name)
        return value if isinstance(value, str) else ""

    def texts(name: str) -> tuple[str, ...]:
        value = record.get(name)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    date = None
    with contextlib.suppress(ValueError):
        date = datetime.fromisoformat(text("date")) if text("date") else None
    return Article(
        title=text("title"),
        body=text("body"),
        date=date,
        authors=texts("authors"),
        url=text("url") or None,
        site=text("site") or text("source") or None,
        tags=texts("tags"),
        language=text("language") or None,
    )


# --- the folder of shards ---------------------------------------------------------


def prepare_folder(out: Path) -> Path:
    """Create the shards folder if need be and check it can be written; its absolute path.

    Raises:
        ShardsError: it cannot be created or written, or it holds files other than
            shards (which indexing the folder would take in).
    """
    out = out.absolute()
    others = sorted(p.name for p in out.iterdir() if not _ours(p.name)) if out.is_dir() else []
    if others:
        # `index DIR` would take them in with the shards.
        raise ShardsError(
            str(out),
            f"{out} holds other files ({others[0]}{', ...' if len(others) > 1 else ''}): "
            "give --out an empty or new folder, or one an earlier `clean --out` wrote",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ShardsError(
            str(out), f"cannot write shards in {out}: {exc.strerror or exc}; give another --out"
        ) from None
    return out


def _ours(name: str) -> bool:
    """Whether a file name is one `clean --out` writes: a shard, its note, the manifest,
    or a file on its way to one of them."""
    return name.startswith(("part-", ".part-", MANIFEST, ".probe-"))


def kept_result(out: Path, partition: Partition) -> ShardResult | None:
    """The result of a shard an earlier run finished from the same inputs, or None."""
    try:
        note = json.loads((out / _note_name(partition.number)).read_bytes())
        size = (out / partition.name).stat().st_size
    except (OSError, ValueError):
        return None
    if not isinstance(note, dict) or note.get("fingerprint") != partition.fingerprint:
        return None
    if note.get("bytes") != size:
        return None  # the shard changed since it was written (cut short, replaced)
    skipped = tuple(Skipped(str(s), str(r)) for s, r in note.get("skipped", ()))
    return ShardResult(partition.number, partition.name, int(note["articles"]), skipped, kept=True)


def remove_partials(out: Path) -> None:
    """Remove shards left half-written (`.part-00000.jsonl.gz.<pid>-<random>`): a worker
    stopped by an interrupt never reaches its own clean-up. Called once the run's
    workers are gone."""
    for path in out.glob(".part-*.jsonl.gz.*"):
        path.unlink(missing_ok=True)


def remove_beyond(out: Path, count: int) -> None:
    """Remove the shards (and their notes) numbered `count` and above: an earlier run
    over more inputs wrote them, and they would be indexed with the rest."""
    for path in out.glob("part-*.jsonl.gz"):
        number = path.name.removeprefix("part-").removesuffix(".jsonl.gz")
        if number.isdigit() and int(number) >= count:
            path.unlink(missing_ok=True)
            (out / _note_name(int(number))).unlink(missing_ok=True)


def write_manifest(
    out: Path, report: CleanReport, shard_size: int, results: list[ShardResult]
) -> None:
    """Write the run's manifest: counts, skipped inputs by reason (the first
    `IndexReport.MAX_SKIP_NOTES` with their sources), failures, version and schema."""
    from searchlib import __version__

    manifest = {
        "searchlib": __version__,
        "format": SHARD_FORMAT,
        "cleaned": True,
        "shard_size": shard_size,
        "articles": report.articles,
        "shards": [{"name": r.name, "articles": r.articles} for r in results],
        "skipped": report.skipped_count,
        "skipped_by_reason": dict(sorted(report.skips.skip_counts.items())),
        "skipped_inputs": [{"source": n.source, "reason": n.reason} for n in report.skipped],
        "failed": [{"shard": name, "reason": reason} for name, reason in report.failed],
        "record": RECORD_SCHEMA,
    }
    _write_atomic(
        out / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    )


def shard_records(folder: Path) -> Iterator[dict[str, Any]]:
    """Every record of a folder of shards, shard by shard, line by line; of records
    with one id, the first (as indexing the folder keeps it).

    Raises:
        ShardsError: the folder holds no shards, or a shard is damaged.
    """
    shards = sorted(folder.glob("part-*.jsonl.gz"))
    if not shards:
        raise ShardsError(
            str(folder),
            f"no shards (part-*.jsonl.gz) in {folder}: write them with "
            "`searchlib clean SOURCES... --out DIR`",
        )
    seen: set[str] = set()
    for shard in shards:
        number = 0
        try:
            with gzip.open(shard, "rb") as lines:
                for number, line in enumerate(lines, 1):  # noqa: B007 (read by the message below)
                    if not line.strip():
                        continue
                    record = json.loads(line)
                    doc_id = str(record.get("id"))
                    if doc_id in seen:
                        continue  # as `index` does: the first record with an id wins
                    seen.add(doc_id)
                    yield record
        except (OSError, EOFError, ValueError, AttributeError) as exc:
            # A shard cut short, garbled or not JSON objects: the run that wrote it died
            # or the file was damaged since. Cleaning again remakes it.
            # A line that is not JSON is the bad one; a read that fails, the one after.
            where = number if isinstance(exc, ValueError) else number + 1
            raise ShardsError(
                str(shard),
                f"shard {shard.name} is damaged at line {where} ({type(exc).__name__}): "
                "delete it and run `searchlib clean ... --out` again to remake it",
            ) from None


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}-{os.urandom(4).hex()}")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
