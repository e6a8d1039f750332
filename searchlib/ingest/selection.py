"""Which of the items a run reads it writes: not those unchanged since the index took
them, nor those whose id another input of the run, or another existing file, gives."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from searchlib.ingest.items import DICT_RECORDS, RawItem
from searchlib.ingest.origins import Origins
from searchlib.ingest.paths import origin_file, path_exists
from searchlib.models import IndexReport, Skipped

#: At most this many changed records of one file are held back (see `Selection.items`);
#: beyond it the oldest is written, at worst once more than needed, so memory stays
#: bounded.
HELD_BACK = 1000

#: An item to write, with the ids its file is indexed under and loses (see `Selection`).
ToWrite = tuple[RawItem, tuple[str, ...]]


class Selection:
    """The items of one run to write, chosen as they are read.

    Each is given with the ids its file is indexed under and loses (it was read from
    another folder before). What is not written is counted in `report` as it is passed
    over. `done` counts the inputs handled, for progress: here those passed over, by
    the caller those it writes; `files_done` the files begun.
    """

    def __init__(self, report: IndexReport, known: dict[str, str], origins: Origins) -> None:
        """`known`: the checksum of each indexed id, kept up to date by the run as it
        writes; `origins`: the files the indexed documents were read from."""
        self.report, self.known, self.origins = report, known, origins
        self.done = 0
        self.files_done = 0
        self._last_file = ""
        self._claims = _Claims()

    def items(self, entries: Iterable[RawItem | Skipped]) -> Iterator[ToWrite]:
        """The items of `entries` (as `read_sources` gives them) to write, in order."""
        report, origins = self.report, self.origins
        # Changed records of the current file whose ids it gave before: held back
        # until the file ends, as a later line may repeat the id with the version
        # the index holds (the last one wins, and an unchanged file changes nothing).
        held: dict[str, RawItem] = {}
        # Ids of this file written before its end (too many were held): their later
        # lines must be written too, whatever the index held before.
        early: set[str] = set()
        for entry in entries:
            where = (entry.source if isinstance(entry, Skipped) else entry.origin).split("#")[0]
            if where != self._last_file:
                yield from _release(held)
                early.clear()
                self.files_done += 1
                self._last_file = where
            if isinstance(entry, Skipped):
                report.skip(entry)
                self.done += 1
                continue
            if (clash := self._claims.clash(entry)) is not None:
                report.skip(clash)
                self.done += 1
                continue
            moved = False
            if (other := _other_file(entry, origins)) is not None:
                if path_exists(other):
                    # An id is another file's story while that file exists; only a
                    # record's own id names its story in any file (a feed exported
                    # again under another name), and only against such a record.
                    if entry.from_path or not origins.given(entry.doc_id):
                        report.skip(_indexed_clash(entry, other))
                        self.done += 1
                        continue
                else:
                    # Moved or renamed: this file is now the story's, even unchanged,
                    # so that its stored origin (shown, and used by --prune) follows.
                    moved = True
            stale: tuple[str, ...] = ()
            if entry.from_path:
                # One file, one document: read through a wider or narrower folder than
                # before, it takes its new id and its old one goes in the same commit.
                stale = tuple(i for i in origins.ids_at(entry.origin) if i != entry.doc_id)
            if held.pop(entry.doc_id, None) is not None:
                self.done += 1  # an earlier line of this file, revised by this one
            changed = self.known.get(entry.doc_id) != entry.checksum
            if moved or stale or changed or entry.doc_id in early:
                if changed and not entry.from_path and other is None and entry.doc_id in self.known:
                    held[entry.doc_id] = entry
                    if len(held) > HELD_BACK:
                        for item in _release(held, 1):
                            early.add(item[0].doc_id)
                            yield item
                else:
                    yield entry, stale
            else:
                report.unchanged += 1
                self.done += 1
        yield from _release(held)


class _Claims:
    """The ids read in one run, each with the input (file, or the dict records) that gave it.

    Two inputs giving one id would replace each other's document, so the later one is
    skipped with a note naming both: it is checked as items are read, before any
    cleaning, so one writer and many workers report the same. An id repeated within one
    input (a record revised further down a JSON-lines file) is that input's own update:
    the later record replaces the earlier, as on a re-run.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, str] = {}
        # One string per input, shared by all its ids: a million records of one file
        # cost a million dict slots, not a million copies of the file's path.
        self._inputs: dict[str, str] = {}

    def clash(self, item: RawItem) -> Skipped | None:
        """Claim `item`'s id for its input; a note if another input claimed it first.
        (A file reached twice is read once: see `sources.read_sources`.)"""
        # A record's origin is its file and "#line"; a file's origin is its path alone
        # (which may itself hold a "#").
        source = item.origin.rsplit("#", 1)[0] if item.kind == "record" else item.origin
        source = self._inputs.setdefault(source, source)
        first = self._by_id.setdefault(item.doc_id, source)
        if first is source:
            return None
        if item.kind == "record":
            advice = "give the records distinct ids"
        else:
            advice = "index one folder that holds both, or rename one of them"
        earlier = "the records given" if first == DICT_RECORDS else first
        return Skipped(
            item.origin,
            f"id collision: {item.doc_id!r} is also given by {earlier}, read earlier in "
            f"this run; {advice}",
        )


def _release(held: dict[str, RawItem], count: int | None = None) -> Iterator[ToWrite]:
    """Yield the `count` oldest held-back records (all by default) for writing."""
    for doc_id in list(itertools.islice(held, count)):
        yield held.pop(doc_id), ()


def _other_file(item: RawItem, origins: Origins) -> str | None:
    """The file the index holds `item`'s id from, when that is another file than item's."""
    indexed = origins.file(item.doc_id)
    if indexed is None or indexed == origin_file(item.origin):
        return None
    return indexed


def _indexed_clash(item: RawItem, other: str) -> Skipped:
    """The note for an input whose id is already a story read from another, existing file.

    Ids made from paths hold the folder's name, not where it is: a second folder of one
    name would otherwise replace the first one's stories, each counted as "updated".
    """
    if item.from_path:
        advice = "index one folder that holds both, rename one of them"
    else:
        advice = "give the record another id"
    return Skipped(
        item.origin,
        f"id collision: {item.doc_id!r} is also given by {other}, indexed earlier; "
        f"{advice}, or start afresh with --rebuild",
    )
