"""Turn bytes of unknown encoding into text without mangling it."""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-.]+)""", re.I)

# Browsers decode these labels as windows-1252 (WHATWG Encoding), and pages rely on it:
# "latin-1" pages routinely hold cp1252 quotes and dashes in 0x80-0x9f.
_WINDOWS_1252_ALIASES = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "ascii",
                                   "us-ascii", "l1", "cp819", "ibm819", "iso_8859-1"})  # fmt: skip


def _normalise_label(label: str) -> str | None:
    label = label.strip().lower()
    if label in _WINDOWS_1252_ALIASES:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_encoding(data: bytes) -> str | None:
    """Return the encoding a page declares in its first bytes (BOM, XML or meta), if any."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if match:
        return _normalise_label(match.group(1).decode("ascii", "ignore"))
    return None


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode `data`: a BOM or the page's own declaration first, else UTF-8, else cp1252.

    Args:
        data: the raw bytes.
        declared: an encoding known from outside (an HTTP header, say), tried after a BOM.
    Returns:
        The text; undecodable bytes become U+FFFD rather than raising.
    """
    candidates: list[str] = []
    label = declared_encoding(data)
    if label and data[:4] and any(data.startswith(b) for b, _ in _BOMS):
        candidates.append(label)
    if declared:
        norm = _normalise_label(declared)
        if norm:
            candidates.append(norm)
    if label:
        candidates.append(label)
    # A page that declares latin-1 but is valid UTF-8 beyond ASCII is almost always UTF-8.
    candidates = ["utf-8", *candidates] if _looks_utf8(data) else [*candidates, "utf-8"]
    for name in candidates:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        return text.replace("\x00", "")
    return data.decode("cp1252", errors="replace").replace("\x00", "")


def _looks_utf8(data: bytes) -> bool:
    """True when `data` has non-ASCII bytes and all of them form valid UTF-8."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def is_binary(data: bytes) -> bool:
    """Guess whether `data` is a binary file (images, archives, executables), not text."""
    head = data[:8192]
    if not head:
        return False
    if head.startswith((b"\x1f\x8b", b"PK\x03\x04", b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
                        b"\x7fELF", b"BZh", b"\xfd7zXZ")):  # fmt: skip
        return True
    if any(head.startswith(b) for b, _ in _BOMS[1:]):
        return False  # UTF-16/32 text holds NULs legitimately
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.1
