"""Find a scraped text's headline: the headline-shaped line before the story's first
prose, past the menu, account and navigation lines the scrape kept."""

from __future__ import annotations

import re

from searchlib.clean import text_rules
from searchlib.clean.text_header import is_meta, labelled_meta, name_only, tag_line
from searchlib.clean.text_lines import Line, is_trailer


def story_start(lines: list[Line]) -> int | None:
    """Where the story's prose begins: the first stretch of prose lines that holds at least
    a third of the words of the longest such stretch (a cookie notice or a teaser before
    the story is shorter; comments after it come after a trailer line)."""
    stretches: list[tuple[int, int]] = []  # (first line, words)
    start: int | None = None
    words = gap = 0
    for i, line in enumerate(lines):
        if start is not None and is_trailer(line.text):
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


def _in_menu(lines: list[Line], i: int) -> bool:
    """Whether line `i` is an entry of a menu or link list: short, beside another short
    line that is not a byline or a date."""
    if lines[i].words > text_rules.MENU_WORDS:
        return False
    if i + 1 < len(lines) and (lines[i + 1].prose or is_meta(lines[i + 1].text)):
        return False  # a short headline, right above its story or byline
    for j in (i - 1, i + 1):
        if 0 <= j < len(lines):
            other = lines[j]
            # A share widget or a trailer ("Share this:") under a short headline is no
            # menu entry beside it.
            if (
                other.words <= text_rules.MENU_WORDS
                and not is_meta(other.text)
                and not is_trailer(other.text)
            ):
                return True
    return False


def _headline_candidate(lines: list[Line], i: int) -> bool:
    line = lines[i]
    followed = i + 1 < len(lines) and (lines[i + 1].prose or is_meta(lines[i + 1].text))
    return (
        (2 if not followed else 1) <= line.words <= 30
        and len(line.text) <= 250
        and not line.furniture
        and not line.text.endswith((":", ";", ","))
        and not is_meta(line.text)
        and not labelled_meta(line.text)
        and not _in_menu(lines, i)
        and not text_rules.TIME_RE.search(line.text)
        and not text_rules.NUMERIC_DATE_RE.search(line.text)
    )


def find_headline(lines: list[Line], start: int | None) -> int | None:
    """The headline's line among the headline-shaped lines before the story's prose.

    A byline or a date line next to a line marks it most surely; then a headline's
    length, then prose right after it; of equals, the first (a scrape begins with the
    page's menu, then its headline; subheads and lists follow). Lines that only name a
    person (a byline without its label) and tag lists count only when nothing else is.
    """
    if start is None:
        for i in range(len(lines)):
            if not lines[i].furniture and not _in_menu(lines, i) and not is_meta(lines[i].text):
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
    plain = [i for i in found if not name_only(lines[i].text) and not tag_line(lines[i].text)]
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
        if any(is_meta(lines[j].text, loose=True) for j in near if j >= 0 and j != i):
            value += 3
        if 4 <= lines[i].words <= 20:
            value += 2
        if any(lines[j].prose for j in range(i + 1, min(i + 5, len(lines)))):
            value += 1
        return value, -i

    return max(plain or found, key=score)


def without_trail(title: str) -> str:
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


def _lede_keys(lines: list[Line], start: int) -> set[str]:
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


def _prose_headline(lines: list[Line], start: int) -> bool:
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
        and (below[0].prose or any(is_meta(other.text) for other in below))
    )
