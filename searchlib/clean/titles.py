"""Choose an article's headline among what the page offers for it.

The candidates are the metadata title (JSON-LD headline, og:title), the <h1>s, the
<title> and the first line of the body. Each may carry a site or section name ("Story -
Site"), and any one of them may be wrong: a logo in an <h1>, a section label ("READER
CENTER"), a broken <title> that swallowed the page. The headline is the candidate the
others agree with, once site names are stripped; it is plain text of bounded length.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from searchlib.clean import rules
from searchlib.clean.dates import find_date

#: No headline is longer than this (characters); a longer candidate is page text or markup.
MAX_HEADLINE = 300
#: The first body line is a headline candidate only when it is this short or shorter.
MAX_FIRST_LINE = 200

_SPACE = re.compile(r"\s+")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8}\d{0,2});", re.I)
_TAG = re.compile(r"<[a-z!/][^<>]*>", re.I)
#: Markup that no headline holds even about HTML: a closing tag or a tag with attributes.
_BROKEN = re.compile(r"<\\?/|<[a-z]+\s+[\w-]+\s*=|<!--|-->", re.I)
#: Decoration some sites put around a headline ("=> Story <=", "## Story").
_DECORATION = " =<>#*~|_"
_PLAIN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
#: Second-level labels under which a country's sites register (example.co.uk).
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or"})

#: Weight of two candidates agreeing: the visible ones (an <h1>, the first body line) are
#: independent witnesses; og:title and <title> are usually written from one field.
_VISIBLE = frozenset({"h1", "first"})


@dataclass(frozen=True)
class Candidate:
    """A headline candidate and where it was read (meta, h1, title, first)."""

    source: str
    text: str


def plain_text(text: str) -> str:
    """The candidate as plain text, or "" when it is markup or too long for a headline.

    Entities left by a double escape ("&amp;#8211;" read as "&#8211;") are decoded.
    """
    text = _SPACE.sub(" ", text).strip()
    if _ENTITY.search(text):
        text = _SPACE.sub(" ", html.unescape(text)).strip()
    if len(text) > MAX_HEADLINE or _BROKEN.search(text) or len(_TAG.findall(text)) > 1:
        return ""
    return text.strip(_DECORATION) if _TAG.search(text) is None else text


#: What `key` removes: every character that is not a letter or a digit (`str.isalnum`).
_NOT_ALNUM = re.compile(r"[\W_]+")


def key(text: str) -> str:
    """Letters and digits only, case-folded: how two spellings of a headline compare."""
    return _NOT_ALNUM.sub("", text.casefold().translate(_PLAIN))


_ARTICLE = re.compile(r"^the\s+", re.I)


def _name_key(name: str) -> str:
    """The key of a name without its article: "The Valley Times" is "Valley Times"."""
    return key(_ARTICLE.sub("", name.strip())) or key(name)


def _domain_names(url: str | None) -> set[str]:
    """The names a site goes by in its host name: "koreatimes" for www.koreatimes.co.kr."""
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [label for label in host.split(".") if label and label != "www"]
    if len(labels) < 2:
        return set()
    labels = labels[:-1]
    if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
        labels = labels[:-1]
    names = {key(labels[-1]), key("".join(labels)), key("".join(reversed(labels)))}
    # "netsports.footballworld.com": the network a site belongs to ("A Netsports Site").
    names |= {key(label) for label in labels[:-1] if len(label) >= 6}
    return {name for name in names if len(name) >= 3}


@dataclass
class SiteNames:
    """What a page's site is called: og:site_name and the like, and its host name."""

    names: set[str]
    domain: set[str]
    folder: set[str] = field(default_factory=set)  # matched exactly, never loosely

    @classmethod
    def of(cls, site: str | None, url: str | None) -> SiteNames:
        """The site names of a page from its declared site name and its URL."""
        # A "site name" of a sentence's length is a headline put in the wrong field.
        names = {_name_key(site)} if site and key(site) and len(site.split()) <= 6 else set()
        # "news.com.au/heraldsun/story/...": a paper's name as the first folder of the path.
        parts = urlsplit(url).path.strip("/").split("/") if url else []
        folder = {key(parts[0])} if len(parts) > 2 and parts[0].isalpha() else set()
        return cls({n for n in names if len(n) >= 2}, _domain_names(url), folder)

    def match(self, segment: str, loose: bool) -> bool:
        """Whether `segment` is the site's name. `loose` also takes a short segment that
        holds the name ("The Korea Times" for koreatimes.co.kr, "CBN News" for "CBN")."""
        k = _name_key(segment)
        if not k:
            return True
        known = self.names | self.domain | self.folder
        if k in known or key(segment) in known:
            return True
        if not loose or len(segment.split()) > 5:
            return False
        return any(len(n) >= 4 and n in k for n in self.names | self.domain)


def _split(text: str, colon: bool = True) -> tuple[str, list[str]]:
    """The first separator found in `text` and the parts it separates. A colon counts
    only when `colon` is set: it divides more headlines than it ends. A spaced colon
    counts when it divides three parts or more ("Site : Section : Story"): French
    puts a space before the colon of a headline."""
    for sep in (*rules.TITLE_SEPARATORS, ": ") if colon else rules.TITLE_SEPARATORS:
        if sep in text and (sep != " : " or text.count(sep) > 1):
            return sep, [part.strip() for part in text.split(sep)]
    return "", [text]


def strip_site(text: str, site: SiteNames, shared: set[str]) -> str:
    """`text` without leading or trailing segments that name the site, nor the section
    labels between them and the story ("The Hindu : Business : Story").

    A segment names the site when it is the declared site name, the host name, or a
    segment that other titles of the page share at an edge while their headlines
    differ. A ": " prefix is taken only when it is the site's name exactly: a colon
    divides many a headline.
    """
    sep, parts = _split(text)
    if len(parts) < 2:
        return text
    loose = sep != ": "

    def is_site(part: str) -> bool:
        return site.match(part, loose) or (loose and key(part) in shared)

    def is_section(part: str, story: str) -> bool:
        return _words(part) <= _LABEL_WORDS < _words(story)

    if not (is_site(parts[0]) or is_site(parts[-1])):
        return _strip_inner_site(text, is_site)
    count = len(parts)
    if is_site(parts[-1]):
        while len(parts) > 1 and is_site(parts[-1]):
            parts.pop()
        while len(parts) > 1 and is_section(parts[-1], parts[0]):
            parts.pop()
    if is_site(parts[0]):
        while len(parts) > 1 and is_site(parts[0]):
            parts.pop(0)
        # "Site: NHL roundup: Story": past a leading site, a colon is the headline's own
        # ("Story: Sport: Site" ends with sections, which no headline does).
        while loose and len(parts) > 1 and is_section(parts[0], parts[-1]):
            parts.pop(0)
    return sep.join(parts).strip() if len(parts) < count else text


_ANY_SEPARATOR = re.compile("(" + "|".join(map(re.escape, rules.TITLE_SEPARATORS)) + ")")


def _strip_inner_site(text: str, is_site: Callable[[str], bool]) -> str:
    """The story part of a title whose site name stands between labels and the story,
    whatever separators part them: "Local News | Valley Times -- Story", "Story | Valley
    Times | Local"."""
    pieces = _ANY_SEPARATOR.split(text)
    parts = pieces[0::2]
    for i in range(1, len(parts) - 1):
        if not is_site(parts[i]):
            continue
        before, after = parts[:i], parts[i + 1 :]
        if _labels_beside_story(before, after):
            return "".join(pieces[2 * i + 2 :]).strip()
        if _labels_beside_story(after, before):
            return "".join(pieces[: 2 * i - 1]).strip()
    return text


def _labels_beside_story(labels: list[str], story: list[str]) -> bool:
    """Whether `labels` are all short (sections) and `story` holds a longer part, and
    more words than they do: a three-word headline is no section of a slogan."""
    words = [_words(p) for p in story]
    return (
        all(_words(p) <= _LABEL_WORDS for p in labels)
        and max(words) > _LABEL_WORDS
        and sum(words) > sum(_words(p) for p in labels)
    )


def _shared_edges(texts: list[str]) -> set[str]:
    """Edge segments common to two titles that differ otherwise ("A | Site", "B | Site")."""
    seen: dict[str, str] = {}
    shared: set[str] = set()
    for text in texts:
        _, parts = _split(text, colon=False)
        if len(parts) < 2:
            continue
        for edge, rest in ((parts[0], parts[1:]), (parts[-1], parts[:-1])):
            k, other = key(edge), key("".join(rest))
            before = seen.get(k)
            # "A - Story" and "A - Story - Site" share "A" but tell one headline.
            if before is not None and before not in other and other not in before:
                shared.add(k)
            seen.setdefault(k, other)
    return shared


def _segments(text: str) -> set[str]:
    """The keys of every run of whole segments of `text`, itself included."""
    _, parts = _split(text, colon=False)
    return {
        key(" ".join(parts[i:j])) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
    }


def _support(one: Candidate, other: Candidate) -> float:
    """How much `other` vouches for `one`: the same text, or `one` as a whole-segment
    part of it, counts fully; `one` inside it as a phrase counts half."""
    a, b = key(one.text), key(other.text)
    if not a or not b or {one.source, other.source} == _VISIBLE:
        # The first body line is most often the <h1> itself, no second witness.
        return 0.0
    weight = 2.0 if one.source in _VISIBLE or other.source in _VISIBLE else 1.0
    if a == b or a in _segments(other.text):
        return weight
    if len(a) >= 12 and a in b:
        return weight / 2
    return 0.0


def is_label(text: str) -> bool:
    """Whether a candidate is a date, time or byline and nothing else: never a headline."""
    dated = find_date(text) is not None or re.search(r"\d:\d\d|\d[/.-]\d", text)
    return bool(dated and rules.DATE_ONLY_RE.match(text)) or bool(
        rules.BYLINE_RE.match(text) and len(text.split()) <= 6
    )


#: A title part of this many words or fewer is a section or site label ("Top Stories",
#: "A Netsports Site") unless something on the page repeats it.
_LABEL_WORDS = 3


#: A section name glued to its dash before the story: "Music- Lavigne lawsuit settled"; a
#: lower-case word after it is a German word ending ("Buß- und Ordnungsgeld").
_SECTION_PREFIX = re.compile(r"^[A-Z][\w&]*(?: [A-Z][\w&]*)?- (?=[A-Z])")


def _words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]+", text))


def is_headline_line(text: str) -> bool:
    """Whether a body line is shaped like a headline: short, a few words, no full stop."""
    words = len(text.split())
    return (
        2 <= words <= 25
        and len(text) <= MAX_FIRST_LINE
        and not text.rstrip().endswith((".", ":", ";", ","))
        and not rules.BYLINE_RE.match(text)
    )


@dataclass(frozen=True)
class Headline:
    """The chosen headline, and whether it is the body's first line taken in place of a
    section label: that line may be the story's own first sentence, kept in the body."""

    text: str
    from_lead: bool = False


def pick_headline(
    meta_title: str,
    title_tag: str,
    h1s: list[str],
    first_line: str,
    site_name: str | None,
    url: str | None,
    nav: frozenset[str] = frozenset(),
    lead: str = "",
) -> Headline:
    """The headline: the candidate the others agree with, without the site's name.

    Args:
        meta_title: the JSON-LD headline or og:title.
        title_tag: the page's <title>.
        h1s: the texts of the page's first <h1>s.
        first_line: the first line of the body, "" when there is none.
        site_name: og:site_name or the like.
        url: the page's address, for its host name.
        nav: keys (see `key`) of the page's short link texts: its navigation.
        lead: the body's first lines, which tell the story part of a title from labels.
    Returns:
        The headline, plain text of at most MAX_HEADLINE characters ("" when there is
        none), and whether it is the body's first line put in place of a section label.
    """
    site = SiteNames.of(site_name, url)
    raw = [("meta", meta_title), ("title", title_tag), *(("h1", h) for h in h1s)]
    if is_headline_line(first_line):
        raw.append(("first", first_line))
    texts = [(source, plain_text(text)) for source, text in raw]
    shared = _shared_edges([text for source, text in texts if text and source in ("meta", "title")])
    candidates = []
    for source, text in texts:
        stripped = _SECTION_PREFIX.sub("", strip_site(text, site, shared)) if text else ""
        if stripped and not site.match(stripped, loose=False) and not is_label(stripped):
            candidates.append(Candidate(source, stripped))
    if not candidates:
        return Headline("")
    scores = {
        id(c): sum(_support(c, o) for o in candidates if o.source != c.source) for c in candidates
    }
    best = max(candidates, key=lambda c: scores[id(c)])
    if scores[id(best)] > 0:
        # Among equals, the visible headline first, then metadata, then the <title>.
        order = ("h1", "meta", "title", "first")
        top = [c for c in candidates if scores[id(c)] == scores[id(best)]]
        # Two parts of one title both backed by it: the story outweighs the label
        # ("Herald Sun" and the story, both <h1>s, both parts of the <title>).
        most = max(min(_words(c.text), _LABEL_WORDS) for c in top)
        top = [c for c in top if min(_words(c.text), _LABEL_WORDS) == most]
        best = min(top, key=lambda c: order.index(c.source))
        seen = any(c.source in _VISIBLE and key(c.text) == key(best.text) for c in candidates)
        # A title no visible line repeats may still carry a section or site name.
        text = best.text if best.source in _VISIBLE or seen else _longest_part(best.text, lead)
        return Headline(text)
    # No two candidates agree: metadata names the article; a lone <h1> does too, where
    # several are section labels; the <title> loses its site name by its longest part.
    by_source = {c.source: c.text for c in reversed(candidates)}
    lone_h1 = len([c for c in candidates if c.source == "h1"]) == 1 and len(h1s) == 1
    first = by_source.get("first", "")
    if "meta" in by_source:
        chosen = _longest_part(by_source["meta"], lead)
    elif lone_h1:
        chosen = by_source["h1"]
    elif "title" in by_source:
        chosen = _longest_part(by_source["title"], lead)
    else:
        return Headline(first or by_source.get("h1", ""))
    # A short label no other candidate repeats ("NY1: Top Stories"), or one of the
    # page's links, is the section, not the story, when the body opens with a
    # headline-shaped line that is no date line.
    # Only a part cut from a longer title counts: a whole short title names the page.
    cut = key(chosen) not in {key(text) for _, text in texts}
    label = cut and (
        _words(chosen) <= _LABEL_WORDS
        or (_words(chosen) <= _LABEL_WORDS + 1 and key(chosen) in nav)
    )
    if first and label and _words(first) > _LABEL_WORDS and find_date(first) is None:
        return Headline(first, from_lead=True)
    return Headline(chosen)


_LEAD_WORD = re.compile(r"[^\W\d_]{4,}")


def _longest_part(title: str, lead: str = "") -> str:
    """The part of a separated title that tells the story: the one sharing most words
    with the body's first lines, else the longest (headlines outweigh brand names); the
    whole title when no part stands out."""
    sep, parts = _split(title, colon=False)
    if not sep:
        return title
    lead_words = {w.casefold() for w in _LEAD_WORD.findall(lead)}
    shared = [len({w.casefold() for w in _LEAD_WORD.findall(p)} & lead_words) for p in parts]
    if sorted(shared)[-1] > max(sorted(shared)[-2], 0):
        return parts[shared.index(max(shared))]
    longest = max(parts, key=len)
    if len(longest) >= 0.5 * len(title) or len(parts) == 2:
        return longest
    # "Story - National - Sport - Chronicle": one prose part among labels.
    words = sorted((_words(part) for part in parts), reverse=True)
    return longest if words[0] > _LABEL_WORDS and words[0] >= 2 * words[1] else title
