"""Lines of scraped text and what each one is: the story's prose, the page's furniture,
or the start of the trailer that follows the story."""

from __future__ import annotations

from dataclasses import dataclass

from searchlib.clean import rules, text_rules


def is_boilerplate_line(line: str) -> bool:
    """True for a short line that is web furniture (comment prompt, share, copyright...).

    A sentence of the story's that mentions such things ("..., the Oil World newsletter
    said.", "No comment was immediately available.") is prose: see `is_reported_prose`.
    """
    return len(line) <= 200 and rules.is_boilerplate_text(line) and not is_reported_prose(line)


def is_reported_prose(line: str) -> bool:
    """A sentence of some length in the third person: the story's text, not the page's
    calls to its reader or its rights notice."""
    text = line.strip()
    return (
        len(text.split()) >= rules.PROSE_WORDS
        and text.endswith((".", "!", "?", "”", "’", '"', "»", "«"))
        and not rules.READER_ADDRESS_RE.search(text)
        and not rules.RIGHTS_NOTICE_RE.search(text)
    )


#: How a sentence, or a quotation closing one, ends.
_SENTENCE_END = (".", "!", "?", "”", "’", '"', "»", "«", ")", "…")


@dataclass
class Line:
    """A non-empty line of the text and the paragraph (blank-line block) it belongs to."""

    text: str
    para: int
    words: int = 0
    furniture: bool = False
    prose: bool = False

    def __post_init__(self) -> None:
        self.words = len(self.text.split())
        self.furniture = is_furniture(self.text)
        self.prose = not self.furniture and (
            self.words >= text_rules.LONG_PROSE_WORDS
            or (self.words >= text_rules.PROSE_WORDS and self.text.endswith(_SENTENCE_END))
        )

    @property
    def weak(self) -> bool:
        """A line too short or too furnished to interrupt the story: a subhead, a label."""
        return self.furniture or self.words <= text_rules.WEAK_WORDS

    @property
    def sentence(self) -> bool:
        """A sentence of three words or more: capitalised, ending as sentences end."""
        return (
            not self.furniture
            and self.words >= 3
            and self.text[:1].isupper()
            and self.text.endswith(_SENTENCE_END)
            and not self.text.endswith("..")
        )


def is_furniture(line: str) -> bool:
    """True for a line of a scraped page that is not the story's: the HTML rules'
    boilerplate lines, navigation and account lines, like, share, correction and comment
    prompts, and teasers for other stories."""
    if (
        len(line) <= text_rules.NOTICE_CHARS
        and text_rules.NOTICE_RE.match(line)
        and not _story_sentence(line)
    ):
        return True
    if len(line) > 450:
        return False
    return (
        is_boilerplate_line(line)
        or bool(text_rules.UI_LINE_RE.match(line))
        or bool(text_rules.TEASER_RE.match(line))
        or bool(text_rules.CALL_RE.match(line))
        or (bool(text_rules.TEXT_FURNITURE_RE.match(line)) and not is_reported_prose(line))
    )


def _story_sentence(line: str) -> bool:
    """A sentence of the story's that mentions what notices speak of ("Copyright holders
    said …", "The photo, © Reuters, was withdrawn …"): third person, some length, not
    addressing the reader and not itself a rights notice."""
    return (
        len(line.split()) >= 10
        and line.rstrip().endswith(_SENTENCE_END)
        and not rules.READER_ADDRESS_RE.search(line)
        and not text_rules.READER_RE.search(line)
        and not text_rules.RIGHTS_LINE_RE.search(line)
    )


def numbered(lines: list[str]) -> list[Line]:
    """The non-empty lines, each with its paragraph's number, a byline's lone label joined
    to the line after it."""
    out: list[Line] = []
    para = 0
    label = ""
    for line in lines:
        if not line:
            para += 1
        elif text_rules.BYLINE_ALONE_RE.match(line):
            # A byline's label on a line of its own ("By", then "Jane Roe" below it, as
            # a copy of the page's text often splits them): read with the next line.
            label = line
        else:
            if label:
                line = f"{label} {line}"
                label = ""
            out.append(Line(line, para))
    return out


def is_trailer(line: str) -> bool:
    """Whether a line starts the furniture after a story ("Leave a reply", "Like this:")."""
    return len(line) < 120 and bool(
        rules.TRAILER_START_RE.match(line) or text_rules.TRAILER_START_RE.match(line)
    )
