"""Document text made safe to write out: valid Unicode, and no terminal control codes.

An index holds what its inputs held. A headline carrying an escape sequence
(`ESC ] 0 ; ... BEL` retitles a terminal window; others move the cursor, rewrite the
screen or, in some terminals, answer back as typed input) must reach a terminal as
visible text, not as a command; and a lone surrogate, which some JSON and some file
names carry, cannot be encoded at all, so one such story would otherwise end a search
or stop an export half-way.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: C0 controls but tab and newline, DEL, and C1 controls (0x9b is CSI in 8-bit terminals).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: What `json.dumps(ensure_ascii=False)` leaves raw: DEL, the C1 controls, and the
#: line and paragraph separators that some JavaScript readers take for line ends.
_JSON_RAW = re.compile(r"[\x7f-\x9f\u2028\u2029]")


def valid_text(text: str) -> str:
    """`text` with its lone surrogates replaced by U+FFFD.

    JSON's `\\ud800` escapes, and Python strings, can hold a half of a UTF-16 pair
    alone. No encoder writes one: stored in the index, it would break every later read
    of the document (search, show, export), so text is made valid on the way in, and
    again on the way out for indexes written before.
    """
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub("\ufffd", text)


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def terminal_text(text: str, lines: bool = False) -> str:
    """`text` with each control character shown as a `\\xNN` escape and each lone
    surrogate as U+FFFD; tabs and (when `lines`) newlines are kept, and a newline in
    one-line text becomes a space."""
    text = valid_text(text)
    if lines:
        return _CONTROL.sub(_visible, text.replace("\r\n", "\n"))
    return _CONTROL_OR_BREAK.sub(
        lambda m: " " if m.group() in "\r\n" else _visible(m), text.replace("\r\n", " ")
    )


def json_line(data: Any, indent: int | None = None) -> str:
    """`data` as JSON that any reader and any terminal take safely: non-ASCII text as
    itself, controls escaped, lone surrogates replaced by U+FFFD."""
    text = valid_text(json.dumps(data, ensure_ascii=False, indent=indent))
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
