"""Clean scraped plain text: headline first, then a tag line, then paragraphs."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from searchlib.clean import rules, text_rules
from searchlib.clean.dates import find_date, parse_date, year_only
from searchlib.models import Article

_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u3000]+")
_TAG_ITEM = re.compile(r"^[\w][\w .'’\-]{0,60}$")
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


def is_boilerplate_line(line: str) -> bool:
    """True for a short line that is web furniture (comment prompt, share, copyright...).

    A sentence of the story's that mentions such things ("..., the Oil World newsletter
    said.", "No comment was immediately available.") is prose: see `is_reported_prose`.
    """
    return (
        len(line) <= 200
        and bool(rules.BOILERPLATE_LINE_RE.match(line))
        and not is_reported_prose(line)
    )


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


def _tag_line(line: str) -> list[str] | None:
    """Return the tags when `line` is a short comma-separated list of names or topics."""
    low = line.lower()
    if low.startswith(("tags:", "tagged:", "topics:", "keywords:")):
        line = line.split(":", 1)[1]
    elif len(line) > 150 or line.endswith((".", "!", "?", ":", ";")):
        return None
    items = [item.strip() for item in re.split(r"\s*[,;|]\s*", line) if item.strip()]
    if len(items) < 2 and not low.startswith(("tags:", "tagged:", "topics:", "keywords:")):
        return None
    if not all(_TAG_ITEM.match(item) and len(item.split()) <= 5 for item in items):
        return None
    return items


@dataclass
class _Line:
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


_SENTENCE_END = (".", "!", "?", "”", "’", '"', "»", "«", ")", "…")


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


def _numbered(lines: list[str]) -> list[_Line]:
    out: list[_Line] = []
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
            out.append(_Line(line, para))
    return out


def _story_start(lines: list[_Line]) -> int | None:
    """Where the story's prose begins: the first stretch of prose lines that holds at least
    a third of the words of the longest such stretch (a cookie notice or a teaser before
    the story is shorter; comments after it come after a trailer line)."""
    stretches: list[tuple[int, int]] = []  # (first line, words)
    start: int | None = None
    words = gap = 0
    for i, line in enumerate(lines):
        if start is not None and _is_trailer(line.text):
            stretches.append((start, words))
            start = None
            break
        if line.prose:
            if start is None:
                start, words = i, 0
            words += line.words
            gap = 0
        elif start is not None:
            gap += line.weak
            if gap >= text_rules.STORY_GAP:
                stretches.append((start, words))
                start = None
    if start is not None:
        stretches.append((start, words))
    if not stretches:
        return None
    most = max(words for _, words in stretches)
    return next(first for first, words in stretches if 3 * words >= most)


#: Words of prose kept before a trailer line can end the story: more than a headline
#: and a standfirst.
STORY_WORDS = 40


def _is_trailer(line: str) -> bool:
    return len(line) < 120 and bool(
        rules.TRAILER_START_RE.match(line) or text_rules.TRAILER_START_RE.match(line)
    )


def _in_menu(lines: list[_Line], i: int) -> bool:
    """Whether line `i` is an entry of a menu or link list: short, beside another short
    line that is not a byline or a date."""
    if lines[i].words > text_rules.MENU_WORDS:
        return False
    if i + 1 < len(lines) and (lines[i + 1].prose or _meta(lines[i + 1].text)):
        return False  # a short headline, right above its story or byline
    for j in (i - 1, i + 1):
        if 0 <= j < len(lines):
            other = lines[j]
            # A share widget or a trailer ("Share this:") under a short headline is no
            # menu entry beside it.
            if (
                other.words <= text_rules.MENU_WORDS
                and not _meta(other.text)
                and not _is_trailer(other.text)
            ):
                return True
    return False


def _headline_candidate(lines: list[_Line], i: int) -> bool:
    line = lines[i]
    followed = i + 1 < len(lines) and (lines[i + 1].prose or _meta(lines[i + 1].text))
    return (
        (2 if not followed else 1) <= line.words <= 30
        and len(line.text) <= 250
        and not line.furniture
        and not line.text.endswith((":", ";", ","))
        and not _meta(line.text)
        and not _labelled_meta(line.text)
        and not _in_menu(lines, i)
        and not text_rules.TIME_RE.search(line.text)
        and not text_rules.NUMERIC_DATE_RE.search(line.text)
    )


def _labelled_meta(text: str) -> bool:
    """A line labelled as a date or a byline that does not parse as one ("Published 29
    February 2023", "Updated 2 hours ago", "by jane roe"): never the headline."""
    return len(text) <= 80 and bool(
        (text_rules.DATE_LABEL_RE.match(text) and re.search(r"\d", text))
        or text_rules.UPDATED_RE.match(text)
        or text_rules.BYLINE_START_RE.match(text)
    )


def _headline(lines: list[_Line], start: int | None) -> int | None:
    """The headline's line among the headline-shaped lines before the story's prose.

    A byline or a date line next to a line marks it most surely; then a headline's
    length, then prose right after it; of equals, the first (a scrape begins with the
    page's menu, then its headline; subheads and lists follow). Lines that only name a
    person (a byline without its label) and tag lists count only when nothing else is.
    """
    if start is None:
        for i in range(len(lines)):
            if not lines[i].furniture and not _in_menu(lines, i) and not _meta(lines[i].text):
                return i
        return 0 if lines else None
    first = max(0, start - text_rules.HEADLINE_SEARCH)
    found = [i for i in range(first, start) if _headline_candidate(lines, i)]
    if _prose_headline(lines, start):
        found.append(start)
    if not found:
        # The story's first line opens the text: it is the headline only when it is
        # short enough to be one and more of the story follows.
        if start == 0 and lines[0].words <= 30 and len(lines) > 1:
            return 0
        return None
    plain = [i for i in found if not _name_only(lines[i].text) and not _tag_line(lines[i].text)]
    lede = _lede_keys(lines, start)

    def score(i: int) -> tuple[int, int]:
        value = 0
        keys = _keys(lines[i].text)
        shared = len(keys & lede)
        if keys and shared >= 2 and 2 * shared >= len(keys):
            value += 2
        elif shared >= 1:
            value += 1
        near = range(i - 1, min(i + 5, len(lines)))
        if any(_meta(lines[j].text, loose=True) for j in near if j >= 0 and j != i):
            value += 3
        if 4 <= lines[i].words <= 20:
            value += 2
        if any(lines[j].prose for j in range(i + 1, min(i + 5, len(lines)))):
            value += 1
        return value, -i

    return max(plain or found, key=score)


def _without_trail(title: str) -> str:
    """A headline without the breadcrumb trail a copy ran into it ("Home » News »
    Headline", "Newsroom/Tips/Headline") or a separator left before it ("/ Headline")."""
    title = title.lstrip("/»›> ")
    steps = text_rules.BREADCRUMB_SPLIT_RE.split(title)
    marked = bool(text_rules.BREADCRUMB_MARK_RE.search(title))
    if (
        len(steps) >= (2 if marked else 3)
        and (marked or text_rules.BREADCRUMB_ROOT_RE.match(steps[0].strip()))
        and len(steps[-1].split()) >= (1 if len(steps) >= 3 else 2)
        and all(
            0 < len(step.split()) <= text_rules.BREADCRUMB_STEP_WORDS and step[:1].isupper()
            for step in steps[:-1]
        )
    ):
        return steps[-1]
    return title


_WORD = re.compile(r"[^\W\d_]{4,}")


def _keys(text: str) -> set[str]:
    """The words of a line that carry its meaning, folded to a crude stem (their first five
    letters): enough to see a headline's words again in its story's first sentences."""
    return {word.casefold()[:5] for word in _WORD.findall(text)}


def _lede_keys(lines: list[_Line], start: int) -> set[str]:
    """The word keys of the story's first prose: its first 150 words."""
    keys: set[str] = set()
    words = 0
    first = start + 1 if _prose_headline(lines, start) else start
    for line in lines[first:]:
        if line.furniture:
            continue
        keys |= _keys(line.text)
        words += line.words
        if words >= 150:
            break
    return keys


def _prose_headline(lines: list[_Line], start: int) -> bool:
    """Whether the story's first prose line is its headline: a headline long enough to
    read as prose ("... (and How We Did It)"), not a sentence, with prose right under it
    or a byline or date line within three lines."""
    line = lines[start]
    below = lines[start + 1 : start + 4]
    return (
        line.words <= 30
        and not line.text.endswith((".", ":", ";", ","))
        and not line.furniture
        and bool(below)
        and (below[0].prose or any(_meta(other.text) for other in below))
    )


_NAME = re.compile(r"^[A-ZÀ-Þ][\w.'’-]*(?:\s+[A-ZÀ-Þ][\w.'’-]*){1,3}(?:,\s*[A-Z.]{2,6})*$")


def _name_only(text: str) -> bool:
    """A line that is only a person's name ("Dylan Bailey", "Jo Roe, MS, RD")."""
    return bool(_NAME.match(text)) and len(text.split(",")[0].split()) <= 3


_LOWER_WORD = re.compile(r"\b[a-zà-ÿ]{2,}\b")


def _common_words(text: str) -> frozenset[str]:
    """The words the text writes in lower case: a person's name is not among them, a
    section's or a category's ("Design Style", "Top Agencies") usually is."""
    words: set[str] = set()
    for token in text.split():
        if "/" not in token and "@" not in token:  # addresses write names in lower case
            words.update(_LOWER_WORD.findall(token))
    return frozenset(words)


def _person(name: str, common: frozenset[str]) -> bool:
    return not any(word.casefold() in common for word in re.findall(r"[^\W\d_]+", name))


def _byline(text: str) -> list[str]:
    return list(_byline_names(text))


@functools.lru_cache(maxsize=4096)
def _byline_names(text: str) -> tuple[str, ...]:
    """The authors a byline line names, if it is one."""
    if len(text) > text_rules.MAX_META_LINE or (text.endswith((".", "!", "?")) and len(text) > 60):
        return ()
    text = text_rules.GLUED_BYLINE_RE.sub(r"\1 ", text)
    match = text_rules.BYLINE_LABEL_RE.search(text)
    if match is None or match.start() > 60:
        return ()
    from searchlib.clean.metadata import clean_author

    rest = text_rules.GLUED_LABEL_RE.sub(r"\1 \2", text[match.end() :])
    rest = text_rules.NAMES_END_RE.split(rest, maxsplit=1)[0]
    names = clean_author(rest)
    before = text[: match.start()]
    # What comes before the label is a date or a label ("Posted on May 2, 2026 by Jo
    # Roe", "Post author By Jo Roe"), never the start of a sentence.
    if (
        before.strip(" |·•,;–—-")
        and not find_date(before)
        and not text_rules.DATE_LABEL_RE.match(before)
        and (len(before.split()) > 2 or any(len(name.split()) < 2 for name in names))
    ):
        return ()  # "Research by Topic", "Shop by Style": a menu entry, not a byline
    return tuple(names) if names and all(len(n.split()) <= 4 for n in names) else ()


def language(text: str) -> str | None:
    """The language a text is written in ("en", "de", …), from the function words it
    uses; None when it has too few or two languages are close."""
    counts = dict.fromkeys(text_rules.FUNCTION_WORDS, 0)
    for word in re.findall(r"[^\W\d_]+", text[:20_000].casefold()):
        for code, words in text_rules.FUNCTION_WORDS.items():
            counts[code] += word in words
    (best, first), (_, second) = sorted(counts.items(), key=lambda item: -item[1])[:2]
    if first < text_rules.LANGUAGE_MIN_WORDS or first < text_rules.LANGUAGE_MARGIN * second:
        return None
    return best


def _titled_name(text: str, common: frozenset[str]) -> list[str]:
    """The author of a byline without a label that gives a job title after the name
    ("Sarah Kim, Staff Writer", "Jo Roe, Redakteurin")."""
    name, comma, title = text.partition(",")
    if (
        comma
        and text_rules.JOB_TITLE_RE.match(title.strip())
        and _name_only(name.strip())
        and _person(name, common)
    ):
        return [name.strip()]
    return []


def _dated_name(text: str) -> list[str]:
    """The author a date line names without a byline's label ("Jo Roe am 18. September
    2019", "1. Februar 2022, Jo Roe"): a part of it that is only a person's name."""
    for part in text_rules.DATED_NAME_SPLIT_RE.split(text):
        part = part.strip()
        if (
            len(part.split()) >= 2
            and not re.search(r"\d", part)
            and _name_only(part)
            and not text_rules.UI_LINE_RE.match(part)
        ):
            return [part]
    return []


_YEAR = re.compile(r"\d{4}")


@functools.lru_cache(maxsize=4096)
def _line_date(text: str) -> datetime | None:
    """The date a date line gives: a short line that is a date, maybe with a label, a
    byline or a time ("Published March 3, 2025", "By Jo Roe | 3 March 2025")."""
    if len(text) > text_rules.MAX_META_LINE:
        return None
    labelled = (
        text_rules.DATE_LABEL_RE.match(text)
        or text_rules.UPDATED_RE.match(text)
        or text_rules.BYLINE_LABEL_RE.search(text)
    )
    if len(text) > 60 and not labelled:
        return None
    # A page's date fields run together in a copy: "June 29, 2020November 12, 2021",
    # "ByJane RoeMar 5, 2025".
    text = text_rules.GLUED_YEAR_RE.sub(r"\1 ", text)
    text = text_rules.GLUED_LABEL_RE.sub(r"\1 \2", text)
    found = find_date(text, short_years=bool(labelled))
    if found is None and len(text) <= 60 and _YEAR.search(text) and not year_only(text):
        # A year alone ("Trends for Fall 2025") would read as 1 January: no date line.
        found = _date_line(text)
    return found


def _meta(text: str, loose: bool = False) -> bool:
    """Whether a line is a byline or a date line; `loose` also takes a byline whose names
    are not a person's ("By The Currency editors")."""
    if loose and len(text) <= 80 and text_rules.BYLINE_LABEL_RE.match(text):
        return True
    return bool(_byline(text)) or _line_date(text) is not None


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
    lines = _numbered(_lines(text))
    if not lines:
        return Article()
    start = _story_start(lines)
    head = _headline(lines, start)
    if head is None:
        return Article(body=_body(lines, start or 0))
    title = _without_trail(lines[head].text)
    common = _common_words(text)
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
        names = [] if authors else _byline(line) or _titled_name(line, common)
        found = _line_date(line)
        if found is not None and not names and not authors:
            names = [name for name in _dated_name(line) if _person(name, common)]
        if names:
            authors = names
        if found is not None:
            if text_rules.UPDATED_RE.match(line):
                updated = updated or found
            else:
                date = date or found
        if i == head + 1 and not tags and not names and found is None:
            tags = _tag_line(line) or []
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
            found = None if text_rules.UPDATED_RE.match(line) else _line_date(line)
            if not authors:
                authors = _byline(line) or (
                    [n for n in _dated_name(line) if _person(n, common)] if found else []
                )
            date = date or found
    if not authors and start is not None:
        # A name alone under the headline is the byline without its label.
        for i in range(head + 1, min(start, head + 5)):
            under = lines[i]
            if (
                _name_only(under.text)
                and _person(under.text, common)
                and not under.furniture
                and not _tag_line(under.text)
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


def _body(lines: list[_Line], first: int) -> str:
    """The story's lines from `first`: furniture and lists of other stories dropped, cut
    at the trailer, and without the footer's short lines after the last prose."""
    kept: list[_Line] = []
    in_list = False
    for line in lines[first:]:
        # A trailer ends the story only after some of it: a "Share this:" under a
        # headline that reads as a sentence is a widget above the story, not its end.
        if _is_trailer(line.text) and sum(k.words for k in kept if k.prose) >= STORY_WORDS:
            break
        if text_rules.STORY_LIST_RE.match(line.text):
            in_list = True
            continue
        if in_list:
            if line.prose and not text_rules.LIST_ENTRY_RE.match(line.text):
                in_list = False
            else:
                continue
        if line.furniture or (_meta(line.text) and line.words <= 12):
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


def _date_line(line: str) -> datetime | None:
    if not re.search(r"\d{4}", line) or len(re.findall(r"[A-Za-z]+", line)) > 5:
        return None
    return parse_date(line)
