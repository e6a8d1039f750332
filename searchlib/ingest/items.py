"""What the readers give: a document read but not yet cleaned, and the inputs of a run."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

Kind = Literal["html", "text", "record"]

#: What a run is given: paths of files or folders, and records as dicts; or one of them.
Sources: TypeAlias = (
    Iterable[str | os.PathLike[str] | Mapping[str, Any]]
    | str
    | os.PathLike[str]
    | Mapping[str, Any]
)

#: The origin of dict records given to index, before "#" and their place in the list.
DICT_RECORDS = "record"


@dataclass(frozen=True)
class RawItem:
    """One document to index, read but not cleaned.

    `origin` is where it came from (absolute path, plus "#line" for records); `payload`
    is the file's bytes or the record's dict. `from_path` says the id was made from the
    file's path (a file, or a record with neither id nor url), so it stands for that
    file; an id a record gives names its story wherever the record is read from.
    """

    doc_id: str
    origin: str
    kind: Kind
    payload: bytes | dict[str, Any]
    checksum: str
    from_path: bool = False


def checksum(data: bytes) -> str:
    """The checksum of an input's content, stored with its document: a re-run compares
    it to tell an unchanged input, which it does not clean again."""
    return hashlib.blake2b(data, digest_size=12).hexdigest()
