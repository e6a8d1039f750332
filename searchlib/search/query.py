"""The query language: plain words (ranked, any may match), "phrases", -exclusions,
OR, AND, NOT, prefix* and field:value. Parsing never fails on user input; a query with
nothing searchable in it, or a prefix too short to expand, raises QueryError with a hint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from whoosh import query as wq

from searchlib.engine.schema import QUERY_FIELDS, TEXT_FIELDS, name_terms, text_terms
from searchlib.errors import QueryError

Modifier = Literal["", "+", "-"]

#: A prefix (`opec*`) needs this many letters: a shorter one names most of the index.
MIN_PREFIX = 2
#: A prefix expands to at most this many index terms, its most frequent ones: the rest
#: are rare forms and typos, and each term costs a posting list to read.
MAX_EXPANSION = 300
#: A prefix that begins more index terms than this is refused rather than scanned.
MAX_PREFIX_SCAN = 20_000
#: Prefixes one query may hold. Each expands to up to MAX_EXPANSION terms in every
#: field it applies to, and a short one costs a tenth of a second or more on a Reuters-size
#: archive: twelve keep a query's worst case near a second, where 250 took minutes.
MAX_PREFIXES = 12

#: Fields a prefix applies to (the text fields and the name fields), as parsed.
_PREFIX_FIELDS = frozenset({"content", "title", "authors", "source", "tags"})


@dataclass
class Clause:
    """One element of a query: a word, a phrase, or a field test."""

    text: str
    phrase: bool = False
    field: str | None = None
    modifier: Modifier = ""


class Terms(frozenset[str]):
    """The index terms to highlight: these terms, and any term that starts with one of
    `prefixes` (the query's `word*`s, whose expansion depends on the index).

    The prefixes are members too, so code that looks at the terms' first letters (the
    snippet finder does) sees them.
    """

    prefixes: tuple[str, ...]

    def __new__(cls, terms: Iterable[str] = (), prefixes: Iterable[str] = ()) -> Terms:
        prefixes = tuple(prefixes)
        made = super().__new__(cls, (*terms, *prefixes))
        made.prefixes = prefixes
        return made

    def __contains__(self, term: object) -> bool:
        if frozenset.__contains__(self, term):
            return True
        return bool(self.prefixes) and isinstance(term, str) and term.startswith(self.prefixes)


@dataclass
class ParsedQuery:
    """A user query turned into a Whoosh query, with the words to highlight."""

    query: Any
    terms: frozenset[str]
    term_list: tuple[str, ...] = ()  # the searched words in order, repeats kept
    optional_only: bool = False  # only plain optional words: no phrase, filter or exclusion


def analyze(text: str, kind: str = "text") -> list[str]:
    """The index terms of `text` under the text or name analysis chain."""
    return text_terms(text) if kind == "text" else name_terms(text)


def tokenize(raw: str) -> list[Clause | str]:
    """Split a query into clauses and the operators OR / AND / NOT (as strings)."""
    out: list[Clause | str] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch.isspace() or ch in "()":
            i += 1
            continue
        modifier: Modifier = ""
        if ch in "+-" and i + 1 < n and not raw[i + 1].isspace():
            modifier = "+" if ch == "+" else "-"
            i += 1
            ch = raw[i]
        if ch == '"':
            end = raw.find('"', i + 1)
            if end == -1:  # unbalanced quote: read the rest as plain words
                for word in raw[i + 1 :].split():
                    out.append(Clause(word, modifier=modifier))
                break
            out.append(Clause(raw[i + 1 : end], phrase=True, modifier=modifier))
            i = end + 1
            continue
        j = i
        while j < n and not raw[j].isspace() and raw[j] not in '()"':
            j += 1
        word = raw[i:j]
        i = j
        if not modifier and word in ("OR", "AND", "NOT", "||", "&&"):
            out.append({"||": "OR", "&&": "AND"}.get(word, word))
            continue
        name, sep, value = word.partition(":")
        if sep and name.lower() in QUERY_FIELDS:
            target = QUERY_FIELDS[name.lower()]
            if not value and i < n and raw[i] == '"':
                end = raw.find('"', i + 1)
                value = raw[i + 1 : end] if end != -1 else raw[i + 1 :]
                i = end + 1 if end != -1 else n
            if value.strip():
                out.append(Clause(value, field=target, modifier=modifier))
                continue
        # Not a field test: a stray colon is just punctuation between words.
        out.append(Clause(word.replace(":", " "), modifier=modifier))
    return out


class BoundedPrefix(wq.Prefix):  # type: ignore[misc]
    """The index terms of a field that start with `text`: the `MAX_EXPANSION` most
    frequent of them, each scored as the word itself would be (Whoosh's Prefix gives
    every match one constant score, so `opec*` would rank unlike `opec`).

    In a stemmed field the words that start with `text` may be indexed under a stem
    that does not: "negotiate" is "negoti", "company" is "compani". So the prefix's own
    stem counts too, and so do the prefix less its last one or two letters when that
    leaves five or more and is an index term.

    Raises (when searched):
        QueryError: more than `MAX_PREFIX_SCAN` terms start with the prefix.
    """

    def __init__(self, fieldname: str, text: str, boost: float = 1.0, stemmed: bool = False):
        super().__init__(fieldname, text, boost=boost, constantscore=False)
        self.stemmed = stemmed

    def expansion(self, ixreader: Any) -> list[bytes]:
        """The index terms (as bytes) this prefix stands for in `ixreader`.

        Raises:
            QueryError: more than `MAX_PREFIX_SCAN` terms start with the prefix.
        """
        return list(self._btexts(ixreader))

    def _btexts(self, ixreader: Any) -> Iterable[bytes]:
        # Whoosh asks for the expansion several times per search (size estimates,
        # then the matcher): work it out once per reader.
        cache: dict[int, list[bytes]] = self.__dict__.setdefault("_expansions", {})
        key = id(ixreader)
        if key not in cache:
            cache[key] = self._expand(ixreader)
        return cache[key]

    def _expand(self, ixreader: Any) -> list[bytes]:
        found: list[tuple[int, bytes]] = []
        for count, btext in enumerate(ixreader.expand_prefix(self.fieldname, self.text)):
            if count >= MAX_PREFIX_SCAN:
                raise QueryError(
                    f"too many words start with {self.text!r} (over {MAX_PREFIX_SCAN:,}): "
                    "give a longer prefix"
                )
            found.append((ixreader.doc_frequency(self.fieldname, btext), btext))
        found.sort(key=lambda item: (-item[0], item[1]))
        kept = {btext for _, btext in found[:MAX_EXPANSION]}
        if self.stemmed:
            for term in _stems_of_prefix(self.text):
                btext = term.encode("utf-8")
                if ixreader.doc_frequency(self.fieldname, btext):
                    kept.add(btext)
        return sorted(kept)


class Union(wq.Or):  # type: ignore[misc]
    """An OR query whose parts are always merged as a tree of union matchers.

    On segments under 5,000 documents Whoosh picks a matcher that pre-loads every posting
    of every part into an array: it cannot skip the blocks that cannot reach the top hits,
    and on a many-segment index it took most of the query time.
    """

    matcher_type = wq.Or.DEFAULT_MATCHER


def _text_query(terms: list[str], phrase: bool, weight: float = 1.0) -> Any:
    """Match `terms` in any of the text fields, weighted per field (BM25F-style sum)."""
    if len(terms) == 1 or not phrase:
        subs = [
            Union([wq.Term(f, t, boost=w * weight) for f, w in TEXT_FIELDS.items()]) for t in terms
        ]
        return subs[0] if len(subs) == 1 else wq.And(subs)
    return Union([wq.Phrase(f, terms, boost=w) for f, w in TEXT_FIELDS.items()])


def _prefix(clause: Clause) -> str | None:
    """The folded prefix of a `word*` clause, or None for any other clause.

    Raises:
        QueryError: the prefix has fewer than `MIN_PREFIX` letters.
    """
    text = clause.text.strip()
    if clause.phrase or not text.endswith("*"):
        return None
    if clause.field is not None and clause.field not in _PREFIX_FIELDS:
        return None
    words = analyze(text.rstrip("*"), "name")  # folded and lower-cased, not stemmed
    if len(words) > 1:
        return None  # `a-b*`: read as words, as before
    if not words or len(words[0]) < MIN_PREFIX:
        raise QueryError(
            f"the prefix {text!r} is too short: give at least {MIN_PREFIX} letters before the *"
        )
    return words[0]


def _stems_of_prefix(prefix: str) -> list[str]:
    """The terms other than those starting with `prefix` that words starting with it
    may be indexed under: its own stem, and itself less one or two final letters."""
    cut = [prefix[:size] for size in (len(prefix) - 2, len(prefix) - 1) if size >= 5]
    return [*analyze(prefix), *cut]


def _prefix_query(prefix: str, field: str | None) -> Any:
    """Words that start with `prefix`, in `field` or in every text field (weighted)."""
    fields = TEXT_FIELDS if field is None else {field: 1.0}
    parts = [BoundedPrefix(f, prefix, boost=w, stemmed=f in TEXT_FIELDS) for f, w in fields.items()]
    return parts[0] if len(parts) == 1 else Union(parts)


def _field_query(clause: Clause) -> Any | None:
    assert clause.field is not None
    target = clause.field
    if target in ("id", "url"):
        return wq.Term(target, clause.text.strip())
    if target == "language":
        return wq.Term(target, clause.text.strip().lower())
    kind = "text" if target in TEXT_FIELDS else "name"
    terms = analyze(clause.text, kind)
    if not terms:
        return None
    if len(terms) == 1:
        return wq.Term(target, terms[0])
    return wq.Phrase(target, terms)


def parse(raw: str) -> ParsedQuery:
    """Turn a user's query string into a Whoosh query.

    Plain words are optional (a document holding more of them scores higher); phrases,
    field tests and +words are required; -clauses exclude; `a OR b` joins its
    neighbours into one alternative; `a AND b` makes both required. With field tests
    alone required, a match must also hold one of the plain words: the field narrows
    the words' results.

    Raises:
        QueryError: nothing in the query can be searched (empty, or only stopwords).
    """
    if not raw or not raw.strip():
        raise QueryError("empty query: give one or more words to search for")
    items = tokenize(raw[:2000])
    groups: list[list[Clause]] = []
    required_groups: set[int] = set()
    pending_or = pending_and = pending_not = False
    for item in items:
        if isinstance(item, str):
            if item == "OR":
                pending_or = bool(groups)
            elif item == "AND":
                pending_and = bool(groups)
            else:
                pending_not = True
            continue
        if pending_not:
            item.modifier = "-"
            pending_not = False
        if pending_or and groups and item.modifier != "-":
            groups[-1].append(item)
        else:
            groups.append([item])
        if pending_and:
            required_groups.update({len(groups) - 2, len(groups) - 1})
        pending_or = pending_and = False

    required: list[Any] = []
    optional: list[Any] = []
    excluded: list[Any] = []
    terms: set[str] = set()
    prefixes: list[str] = []
    expanded = 0  # prefixes, excluded ones too
    term_list: list[str] = []
    # Plain optional words are counted, not repeated: Whoosh folds duplicate clauses
    # into one, and a word a query repeats should weigh more (BM25's query tf).
    loose: Counter[str] = Counter()
    # Whether something other than a field test is required: a phrase, a +word, AND.
    content_required = False
    for index, group in enumerate(groups):
        subqueries: list[Any] = []
        must = index in required_groups
        content_must = must
        if len(group) == 1 and not must and _is_loose(group[0]) and _prefix(group[0]) is None:
            words = analyze(group[0].text)
            if len(words) == 1:
                loose[words[0]] += 1
                terms.add(words[0])
                term_list.append(words[0])
                continue
        for clause in group:
            prefix = _prefix(clause)
            if prefix is not None:
                expanded += 1
                if expanded > MAX_PREFIXES:
                    raise QueryError(
                        f"the query holds more than {MAX_PREFIXES} prefixes (word*): each "
                        "stands for up to hundreds of words; give fewer"
                    )
                sub = _prefix_query(prefix, clause.field)
                if clause.modifier != "-":
                    prefixes.append(prefix)
                    terms.update(_stems_of_prefix(prefix))
                # Like a word: required when +word, and, like a field test, when field:
                field_test = clause.field is not None and clause.modifier != "-"
                must = must or clause.modifier == "+" or field_test
                content_must = content_must or clause.modifier == "+"
            elif clause.field is not None:
                sub = _field_query(clause)
                must = must or clause.modifier != "-"
            else:
                words = analyze(clause.text)
                sub = _text_query(words, phrase=clause.phrase or len(words) > 1) if words else None
                if sub is not None and clause.modifier != "-":
                    terms.update(words)
                    term_list.extend(words)
                must = must or clause.phrase or clause.modifier == "+"
                content_must = content_must or clause.phrase or clause.modifier == "+"
            if sub is None:
                continue
            if clause.modifier == "-":
                excluded.append(sub)
            else:
                subqueries.append(sub)
        if not subqueries:
            continue
        combined = subqueries[0] if len(subqueries) == 1 else Union(subqueries)
        (required if must else optional).append(combined)
        content_required = content_required or (must and content_must)

    optional.extend(_text_query([term], False, float(count)) for term, count in loose.items())
    if not required and not optional:
        if excluded:
            positive: Any = wq.Every()
        else:
            raise QueryError(
                f"nothing to search for in {raw.strip()[:80]!r}: the query holds only "
                "stopwords or punctuation; add a distinctive word"
            )
    elif required:
        must_q = required[0] if len(required) == 1 else wq.And(required)
        if optional and not content_required:
            # Field tests narrow the words' results (source:reuters coffee is Reuters
            # stories about coffee), not every Reuters story with coffee ones first.
            positive = wq.And([must_q, _or(optional)])
        else:
            positive = wq.AndMaybe(must_q, _or(optional)) if optional else must_q
    else:
        positive = _or(optional)
    final = wq.AndNot(positive, _or(excluded)) if excluded else positive
    # Feedback rebuilds an optional-only query from its words: a prefix would be lost.
    optional_only = not required and not excluded and not prefixes
    return ParsedQuery(final, Terms(terms, prefixes), tuple(term_list), optional_only)


def _is_loose(clause: Clause) -> bool:
    return clause.field is None and not clause.phrase and clause.modifier == ""


def _or(queries: list[Any]) -> Any:
    return queries[0] if len(queries) == 1 else Union(queries)
