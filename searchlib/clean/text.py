"""Clean scraped plain text: headline first, then a tag line, then paragraphs."""

from __future__ import annotations

import re

from searchlib.clean import rules, text_rules
from searchlib.clean.text_header import (
    byline,
    common_words,
    dated_name,
    is_meta,
    is_person,
    line_date,
    name_only,
    tag_line,
    titled_name,
)
from searchlib.clean.text_headline import find_headline, story_start, without_trail
from searchlib.clean.text_lines import Line, is_boilerplate_line, is_trailer, numbered
from searchlib.models import Article

__all__ = ["clean_body", "clean_text", "language"]

_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u3000]+")
#: Control characters, and the invisible ones that sit inside words.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069"
    + rules.INVISIBLE_CHARS
    + "]"
)


def _lines(text: str) -> list[str]:
    # Line and paragraph separators (U+2028, U+2029) end lines as a newline does.
    text = re.sub("\r\n?|[\u2028\u2029\x85]", "\n", text)
    text = _CONTROL.sub("", text)
    return [_SPACE.sub(" ", line).strip() for line in text.split("\n")]


def _paragraphs(lines: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _strip_furniture(paragraphs: list[list[str]]) -> list[list[str]]:
    """Drop boilerplate lines and cut the trailer ("Leave a reply", comment prompts...)."""
    out: list[list[str]] = []
    for para in paragraphs:
        kept: list[str] = []
        for line in para:
            if out and len(line) < 120 and rules.TRAILER_START_RE.match(line):
                if kept:
                    out.append(kept)
                return out
            if not is_boilerplate_line(line):
                kept.append(line)
        if kept:
            out.append(kept)
    return out


def clean_body(text: str) -> str:
    """Strip boilerplate lines from a body whose other fields are known.

    Used for records that carry their own title, date and tags: nothing is moved out
    of the body, only web furniture is removed and white space normalised.
    """
    paragraphs = _strip_furniture(_paragraphs(_lines(text)))
    return "\n\n".join("\n".join(p) for p in paragraphs)


#: Words of prose kept before a trailer line can end the story: more than a headline
#: and a standfirst.
STORY_WORDS = 40


#: For each function word, the languages it belongs to: one lookup a word.
_LANGUAGES_OF: dict[str, tuple[str, ...]] = {}
for _code, _words in text_rules.FUNCTION_WORDS.items():
    for _word in _words:
        _LANGUAGES_OF[_word] = (*_LANGUAGES_OF.get(_word, ()), _code)


def language(text: str) -> str | None:
    """The language a text is written in ("en", "de", …), from the function words it
    uses; None when it has too few or two languages are close."""
    counts = dict.fromkeys(text_rules.FUNCTION_WORDS, 0)
    for word in re.findall(r"[^\W\d_]+", text[:20_000].casefold()):
        for code in _LANGUAGES_OF.get(word, ()):
            counts[code] += 1
    (best, first), (_, second) = sorted(counts.items(), key=lambda item: -item[1])[:2]
    if first < text_rules.LANGUAGE_MIN_WORDS or first < text_rules.LANGUAGE_MARGIN * second:
        return None
    return best


def clean_text(text: str) -> Article:
    """Turn scraped plain text into an Article.

    The headline is the last headline-shaped line before the story's first prose, past
    any menu, account or navigation lines the scrape kept; with no prose, the first line
    that is none of these. Around it, a short line of comma-separated names is read as
    tags, a byline ("By ...", "Von ...", "Par ...", "Posted on <date> by ...") as authors
    and a date line ("Published March 3, 2025", "Publié le 3 mars 2025") as the date. The
    body is the story's lines, without furniture lines (like, share, comment and correction
    prompts, teasers, lists of other stories, copyright lines) and without the trailer
    that follows it. Never raises.
    """
    lines = numbered(_lines(text))
    if not lines:
        return Article()
    start = story_start(lines)
    head = find_headline(lines, start)
    if head is None:
        return Article(body=_body(lines, start or 0))
    title = without_trail(lines[head].text)
    common = common_words(text)
    tags: list[str] = []
    authors: list[str] = []
    date = updated = None
    body_from = head + 1
    header_end = start if start is not None and start > head else head + 1
    # The header: a few lines before the headline (a date or a byline above it) and the
    # lines between it and the story's prose (tags, a byline, a date, share buttons).
    for i in range(max(0, head - 4), max(header_end, min(head + 4, len(lines)))):
        if i == head:
            continue
        line = lines[i].text
        if i > head and start is None and (i >= len(lines) - 1 or lines[i].words > 12):
            break  # no prose: the header ends where a longer line or the text ends
        names = [] if authors else byline(line) or titled_name(line, common)
        found = line_date(line)
        if found is not None and not names and not authors:
            names = [name for name in dated_name(line) if is_person(name, common)]
        if names:
            authors = names
        if found is not None:
            if text_rules.UPDATED_RE.match(line):
                updated = updated or found
            else:
                date = date or found
        if i == head + 1 and not tags and not names and found is None:
            tags = tag_line(line) or []
            if tags:
                body_from = i + 1
                continue
        if i > head and (names or found is not None):
            body_from = i + 1
    if start is not None and (date is None or not authors):
        # A byline or a date line farther from the headline (a wrong pick, or a header
        # that puts them after share buttons and labels): the nearest one counts.
        around = range(max(0, start - text_rules.HEADLINE_SEARCH), min(start + 6, len(lines)))
        for i in sorted(around, key=lambda i: abs(i - head)):
            line = lines[i].text
            found = None if text_rules.UPDATED_RE.match(line) else line_date(line)
            if not authors:
                authors = byline(line) or (
                    [n for n in dated_name(line) if is_person(n, common)] if found else []
                )
            date = date or found
    if not authors and start is not None:
        # A name alone under the headline is the byline without its label.
        for i in range(head + 1, min(start, head + 5)):
            under = lines[i]
            if (
                name_only(under.text)
                and is_person(under.text, common)
                and not under.furniture
                and not tag_line(under.text)
            ):
                from searchlib.clean.metadata import clean_author

                authors = clean_author(under.text.split(",")[0])
                break
    if start is not None and start > body_from:
        # Between the header and the prose: labels, share buttons, a caption. A longer
        # line (a standfirst, a list) stays.
        skipped = [ln for ln in lines[body_from:start] if ln.words > text_rules.WEAK_WORDS]
        body = _body([*skipped, *lines[start:]], 0)
    else:
        body = _body(lines, body_from)
    return Article(
        title=title,
        body=body,
        date=date or updated,
        authors=tuple(authors),
        tags=tuple(tags),
        language=language(body),
    )


def _body(lines: list[Line], first: int) -> str:
    """The story's lines from `first`: furniture and lists of other stories dropped, cut
    at the trailer, and without the footer's short lines after the last prose."""
    kept: list[Line] = []
    in_list = False
    for line in lines[first:]:
        # A trailer ends the story only after some of it: a "Share this:" under a
        # headline that reads as a sentence is a widget above the story, not its end.
        if is_trailer(line.text) and sum(k.words for k in kept if k.prose) >= STORY_WORDS:
            break
        if text_rules.STORY_LIST_RE.match(line.text):
            in_list = True
            continue
        if in_list:
            if line.prose and not text_rules.LIST_ENTRY_RE.match(line.text):
                in_list = False
            else:
                continue
        if line.furniture or (is_meta(line.text) and line.words <= 12):
            continue
        kept.append(line)
    last = max((i for i, line in enumerate(kept) if line.prose), default=None)
    if last is not None:
        tail = kept[last + 1 :]
        # A short closing sentence ("He declined to comment.") is the story's own; a
        # footer's short lines are names and links, not sentences.
        if all((line.weak and not line.sentence) or _calls_reader(line.text) for line in tail):
            kept = kept[: last + 1]
    paragraphs: list[list[str]] = []
    para = None
    for line in kept:
        if line.para != para or not paragraphs:
            paragraphs.append([])
            para = line.para
        paragraphs[-1].append(line.text)
    return "\n\n".join("\n".join(p) for p in paragraphs)


def _calls_reader(line: str) -> bool:
    """A short line that speaks to the reader ("Get the latest news delivered to your
    inbox."): a box's text after the story, never the story's own closing line."""
    return len(line.split()) <= 20 and bool(rules.READER_ADDRESS_RE.search(line))
