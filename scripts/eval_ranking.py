#!/usr/bin/env python3
"""Measure ranking quality on test collections with relevance judgments, side by side.

    python scripts/eval_ranking.py ../shared/data/retrieval/cacm
    python scripts/eval_ranking.py --reuters ../shared/data/corpora/reuters21578 \\
        ../shared/data/retrieval/{cacm,cran,cisi,med,npl}
    python scripts/eval_ranking.py --reuters DIR FOLDERS... --grid     # also the parameter grid
    python scripts/eval_ranking.py --reuters DIR FOLDERS... --expand   # also RM3, always and gated

One run prints one table: a row per collection, a column per ranking. The columns are
plain Whoosh BM25F with Whoosh's own defaults (`whoosh.scoring.BM25F()`: k1 1.2, b 0.75,
idf log(N / (df + 1)) + 1) and searchlib's default ranking, both on the same index and
the same parsed query (the same analyser and field weights), so they differ only in
scoring. docs/ranking.md records the method and the figures.

Collections:
  * CACM (Anserini's topics and qrels), CRAN, CISI, MED, NPL: their folders.
  * Reuters-21578 (`--reuters DIR`, the SGML folder), read with scripts/import_reuters.py:
    - reuters-topics: each TOPICS category with at least 20 stories is a query, written
      from the category's name alone (the table `TOPIC_QUERIES`); its stories are the
      relevant ones.
    - reuters-known-item: simulated known-item queries (Azzopardi, de Rijke and Balog,
      SIGIR 2007): a story is drawn, then 3-8 words from it, by popular (term
      frequency) or discriminative (inverse collection frequency) selection, each
      replaced with probability 0.2 by a word drawn from the collection; the story is
      the one relevant item. Seeded: the same run gives the same queries.

Each query is run as plain words (lower-cased, so "AND" in a query is a word, not an
operator, and without quotes, colons and leading +/-, which are query syntax). MAP, P@10
and nDCG@10 over the top `--depth` results; for known items MAP is the mean reciprocal
rank and "S@10" is the share found in the top 10. Near-duplicate collapsing is off: the
judgments score every document on its own. MAP is averaged over the queries that have
at least one relevant document. CRAN's graded judgments (1 best .. 4, and -1) are all
relevant for MAP and P@10; nDCG uses gain 5 - grade (1 for -1).

The grid and the searchlib column score with `searchlib.engine.topk.score_documents`, the
function searchlib's own searches use for plain words, with the parameters swapped in;
the script checks once per collection that it ranks as `Index.search` does. The Whoosh
column and the grid reach past the public API to the index's open Whoosh searcher: a
measuring tool, not an example of use.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import hashlib
import importlib.util
import itertools
import json
import math
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import scoring

from searchlib import Index, QueryError
from searchlib.engine import schema
from searchlib.engine.schema import STOPWORDS, TEXT_FIELDS
from searchlib.engine.topk import best, score_documents, term_leaves
from searchlib.search import feedback, searching
from searchlib.search import scoring as searchlib_scoring
from searchlib.search.proximity import rerank
from searchlib.search.query import parse

Docs = Iterator[dict[str, str]]
Queries = dict[str, str]
Qrels = dict[str, dict[str, int]]


def smart_records(path: Path, fields: str = "TW") -> Iterator[tuple[str, dict[str, str]]]:
    """Records of a SMART-format file: (.I id, {field letter: text})."""
    text = path.read_text(encoding="latin-1")
    for block in re.split(r"^\.I\s+", text, flags=re.M)[1:]:
        head, _, rest = block.partition("\n")
        if not head.strip():
            continue  # a stray ".I" line
        parts: dict[str, str] = {}
        for match in re.finditer(
            r"^\.([A-Z])\s*\n(.*?)(?=^\.[A-Z]\s*$|\Z)", rest, flags=re.M | re.S
        ):
            parts[match[1]] = " ".join(match[2].split())
        yield head.strip(), {k: v for k, v in parts.items() if k in fields}


def load_cacm(folder: Path) -> tuple[Docs, Queries, Qrels]:
    def docs() -> Docs:
        # The whole record, as in the documents Anserini indexes: abstract, date,
        # authors, entry line and citation lines (the papers it cites and is cited by).
        for number, parts in smart_records(folder / "cacm.all", "TWBANX"):
            yield {
                "id": f"CACM-{int(number):04d}",
                "title": parts.get("T", ""),
                "body": "\n".join(parts[k] for k in "WBANX" if k in parts),
            }

    topics = (folder / "anserini-topics.cacm.txt").read_text(encoding="latin-1")
    queries = {
        m[1].strip(): " ".join(m[2].split())
        for m in re.finditer(r"<DOCNO>\s*(\d+)\s*</DOCNO>(.*?)</DOC>", topics, flags=re.S)
    }
    qrels: Qrels = {}
    for line in (folder / "anserini-qrels.cacm.txt").read_text().splitlines():
        qid, _, doc, rel = line.split()
        if int(rel) > 0:
            qrels.setdefault(qid, {})[doc] = 1
    return docs(), queries, qrels


def load_smart(
    folder: Path, all_name: str, qry_name: str, rel_name: str, title: bool = True
) -> tuple[Docs, Queries, Qrels]:
    def docs() -> Docs:
        for number, parts in smart_records(folder / all_name):
            yield {
                "id": number,
                "title": parts.get("T", "") if title else "",
                "body": parts.get("W", ""),
            }

    queries: Queries = {}
    order: list[str] = []
    for number, parts in smart_records(folder / qry_name, fields="W"):
        order.append(number)
        queries[str(len(order))] = parts.get("W", "")
    qrels: Qrels = {}
    for line in (folder / rel_name).read_text(encoding="latin-1").splitlines():
        cols = line.split()
        if len(cols) < 3:
            continue
        qid = cols[0]
        if rel_name == "MED.REL":
            doc, grade = cols[2], 1
        elif rel_name == "cranqrel":
            doc, code = cols[1], int(cols[2])
            grade = 5 - code if code > 0 else 1
        else:
            doc, grade = cols[1], 1
        qrels.setdefault(str(int(qid)), {})[doc] = grade
    if rel_name != "cranqrel":
        # CISI and MED number their queries; CRAN's qrels count queries in file order.
        queries = {str(int(n)): queries[str(i)] for i, n in enumerate(order, 1)}
    return docs(), queries, qrels


def load_npl(folder: Path) -> tuple[Docs, Queries, Qrels]:
    def slash_records(path: Path) -> Iterator[tuple[str, str]]:
        for block in path.read_text(encoding="latin-1").split("/\n"):
            lines = block.strip().split("\n", 1)
            if len(lines) == 2 and lines[0].strip().isdigit():
                yield lines[0].strip(), " ".join(lines[1].split())

    def docs() -> Docs:
        for number, text in slash_records(folder / "doc-text"):
            yield {"id": number, "title": "", "body": text}

    queries = dict(slash_records(folder / "query-text"))
    qrels: Qrels = {}
    for number, text in slash_records(folder / "rlv-ass"):
        qrels[number] = dict.fromkeys(text.split(), 1)
    return docs(), queries, qrels


def load(folder: Path) -> tuple[Docs, Queries, Qrels]:
    if (folder / "cacm.all").exists():
        return load_cacm(folder)
    if (folder / "cran.all.1400").exists():
        return load_smart(folder, "cran.all.1400", "cran.qry", "cranqrel")
    if (folder / "CISI.ALL").exists():
        return load_smart(folder, "CISI.ALL", "CISI.QRY", "CISI.REL")
    if (folder / "MED.ALL").exists():
        return load_smart(folder, "MED.ALL", "MED.QRY", "MED.REL", title=False)
    if (folder / "doc-text").exists():
        return load_npl(folder)
    raise SystemExit(f"error: {folder} is not a supported collection (CACM, CRAN, CISI, MED, NPL)")


# -- Reuters-21578 -----------------------------------------------------------------------


def _import_reuters() -> Any:
    """scripts/import_reuters.py as a module: its SGML parsing is reused, not copied."""
    path = Path(__file__).with_name("import_reuters.py")
    spec = importlib.util.spec_from_file_location("import_reuters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: A query per Reuters TOPICS category with at least 20 stories, written from the
#: category's name and its meaning in the collection's documentation only (never from
#: the stories): "dlr" is the US dollar, "bop" the balance of payments, "gas" gasoline...
TOPIC_QUERIES: dict[str, str] = {
    "earn": "company earnings and profits",
    "acq": "mergers and acquisitions",
    "money-fx": "foreign exchange currency markets",
    "crude": "crude oil prices",
    "grain": "grain harvest",
    "trade": "foreign trade exports and imports",
    "interest": "interest rates",
    "wheat": "wheat crop",
    "ship": "shipping and ports",
    "corn": "corn maize crop",
    "dlr": "us dollar exchange rate",
    "oilseed": "oilseed production",
    "money-supply": "money supply growth",
    "sugar": "sugar production",
    "gnp": "gross national product economic growth",
    "coffee": "coffee exports",
    "veg-oil": "vegetable oils",
    "gold": "gold price",
    "nat-gas": "natural gas",
    "soybean": "soybeans",
    "bop": "balance of payments current account",
    "livestock": "livestock cattle",
    "cpi": "consumer price index inflation",
    "reserves": "foreign exchange reserves",
    "copper": "copper",
    "cocoa": "cocoa",
    "jobs": "employment and unemployment",
    "carcass": "meat carcass beef pork",
    "yen": "japanese yen",
    "rice": "rice",
    "iron-steel": "iron and steel",
    "ipi": "industrial production index",
    "gas": "gasoline",
    "cotton": "cotton",
    "alum": "aluminium",
    "barley": "barley",
    "meal-feed": "animal feed meal",
    "rubber": "rubber",
    "zinc": "zinc",
    "palm-oil": "palm oil",
    "pet-chem": "petrochemicals",
    "silver": "silver",
    "sorghum": "sorghum",
    "rapeseed": "rapeseed",
    "lead": "lead metal",
    "tin": "tin metal",
    "strategic-metal": "strategic metals",
    "wpi": "wholesale price index",
    "orange": "orange juice",
    "fuel": "fuel oil",
    "soy-meal": "soybean meal",
    "retail": "retail sales",
    "hog": "hogs and pigs",
    "soy-oil": "soybean oil",
    "heat": "heating oil",
    "housing": "housing starts",
    "stg": "sterling pound",
}
MIN_TOPIC_STORIES = 20


def reuters_stories(folder: Path) -> list[dict[str, Any]]:
    """The stories with text, as import_reuters.py makes them, with their TOPICS alone.

    Only headline and body are indexed: the tags hold the topics being judged.
    """
    module = _import_reuters()
    topics: dict[str, list[str]] = {}
    for path in sorted(folder.glob("reut2-*.sgm")):
        for attrs, inner in module._RECORD.findall(path.read_text(encoding="latin-1")):
            newid = module._NEWID.search(attrs)
            found = module._LIST["TOPICS"].search(inner)
            if newid and found:
                items = [item.strip() for item in module._ITEM.findall(found.group(1))]
                topics[f"reuters-{newid.group(1)}"] = [item for item in items if item]
    return [
        {
            "id": story["id"],
            "title": story["title"],
            "body": story["body"],
            "topics": topics.get(str(story["id"]), []),
        }
        for story in module.stories(folder)
    ]


def load_reuters_topics(stories: list[dict[str, Any]]) -> tuple[Queries, Qrels]:
    counts = Counter(topic for story in stories for topic in story["topics"])
    wanted = {topic for topic, n in counts.items() if n >= MIN_TOPIC_STORIES}
    missing = wanted - TOPIC_QUERIES.keys()
    if missing:
        raise SystemExit(f"error: no query written for Reuters topics {sorted(missing)}")
    qrels: Qrels = {}
    for story in stories:
        for topic in story["topics"]:
            if topic in wanted:
                qrels.setdefault(topic, {})[story["id"]] = 1
    return {topic: TOPIC_QUERIES[topic] for topic in sorted(wanted)}, qrels


_WORD = re.compile(schema.TOKEN_PATTERN)

#: Known-item simulation: query lengths, share of noise words, stories long enough.
KNOWN_ITEM_LENGTHS = (3, 8)
KNOWN_ITEM_NOISE = 0.2
KNOWN_ITEM_MIN_WORDS = 30


def _words(text: str) -> list[str]:
    """The words a searcher could type: lower-cased, letters only, no stopwords."""
    return [
        w for w in (m.lower() for m in _WORD.findall(text)) if w.isalpha() and w not in STOPWORDS
    ]


def load_reuters_known_items(
    stories: list[dict[str, Any]], count: int, seed: int
) -> tuple[Queries, Qrels]:
    """`count` simulated known-item queries (Azzopardi et al., SIGIR 2007).

    Half use popular selection (p(t|d) = tf(t, d) / |d|), half discriminative
    (p(t|d) proportional to 1 / p(t) over the words of d); each word is replaced, with
    probability KNOWN_ITEM_NOISE, by one drawn from the collection model p(t). Stories
    that appear more than once (Reuters repeats some) are not drawn: their copies would
    be equally right answers.
    """
    rng = random.Random(seed)
    words = {s["id"]: _words(f"{s['title']}\n{s['body']}") for s in stories}
    collection: Counter[str] = Counter()
    for terms in words.values():
        collection.update(terms)
    vocabulary = list(collection)
    cumulative = list(itertools.accumulate(collection[t] for t in vocabulary))
    total = cumulative[-1]
    seen = Counter(hashlib.sha1(f"{s['title']}\n{s['body']}".encode()).digest() for s in stories)
    eligible = [
        s["id"]
        for s in stories
        if len(words[s["id"]]) >= KNOWN_ITEM_MIN_WORDS
        and seen[hashlib.sha1(f"{s['title']}\n{s['body']}".encode()).digest()] == 1
    ]
    queries: Queries = {}
    qrels: Qrels = {}
    for number in range(count):
        doc = rng.choice(eligible)
        counts = Counter(words[doc])
        terms = list(counts)
        if number % 2 == 0:  # popular
            weights = [counts[t] for t in terms]
        else:  # discriminative
            weights = [total / collection[t] for t in terms]
        length = rng.randint(*KNOWN_ITEM_LENGTHS)
        chosen: list[str] = []
        for _ in range(length * 10):
            if len(chosen) == length:
                break
            if rng.random() < KNOWN_ITEM_NOISE:
                term = vocabulary[bisect.bisect_right(cumulative, rng.randrange(total))]
            else:
                term = rng.choices(terms, weights)[0]
            if term not in chosen:
                chosen.append(term)
        qid = f"ki-{number + 1}"
        queries[qid] = " ".join(chosen)
        qrels[qid] = {doc: 1}
    return queries, qrels


# -- Scoring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """A ranking to score: BM25 k1 and b, and the headline field's weight."""

    k1: float
    b: float
    title: float

    def __str__(self) -> str:
        return f"k1={self.k1:g} b={self.b:g} title={self.title:g}"


def default_setting() -> Setting:
    return Setting(searching.K1, searching.B, TEXT_FIELDS["title"])


@dataclass
class Collection:
    """An indexed test collection, its queries and judgments."""

    name: str
    index: Index
    queries: Queries
    qrels: Qrels
    known_item: bool = False
    ids: list[str] = field(default_factory=list)
    parsed: dict[float, dict[str, Any]] = field(default_factory=dict)

    @property
    def judged(self) -> list[str]:
        return [q for q in self.queries if self.qrels.get(q)]

    def searcher(self) -> Any:
        return self.index._get_searcher()  # the open searcher of searchlib's own searches

    def leaves(self, title: float) -> dict[str, tuple[Any, Any]]:
        """Each judged query parsed with the headline weighted `title`: (query, its
        scored (field, term, boost) leaves, or None when it is more than an OR of
        words); None for a query with nothing searchable."""
        if title not in self.parsed:
            saved = TEXT_FIELDS["title"]
            TEXT_FIELDS["title"] = title  # the parser reads the field weights per query
            try:
                out: dict[str, Any] = {}
                fields = self.searcher().schema
                for qid in self.judged:
                    try:
                        parsed = parse(as_words(self.queries[qid]))
                    except QueryError:
                        out[qid] = None
                        continue
                    query = parsed.query
                    leaves = term_leaves(query, lambda f: f in fields and fields[f].scorable)
                    out[qid] = (query, leaves, parsed.term_list)
                self.parsed[title] = out
            finally:
                TEXT_FIELDS["title"] = saved
        return self.parsed[title]


@dataclass
class Scores:
    """Per-query AP, P@10 and nDCG@10 of one ranking on one collection."""

    ap: dict[str, float]
    p10: dict[str, float]
    ndcg: dict[str, float]

    @property
    def map(self) -> float:
        return sum(self.ap.values()) / max(len(self.ap), 1)

    @property
    def mean_p10(self) -> float:
        return sum(self.p10.values()) / max(len(self.p10), 1)

    @property
    def mean_ndcg(self) -> float:
        return sum(self.ndcg.values()) / max(len(self.ndcg), 1)

    @property
    def success10(self) -> float:
        return sum(1 for v in self.p10.values() if v > 0) / max(len(self.p10), 1)


def judge(c: Collection, ranked: dict[str, list[str]]) -> Scores:
    ap, p10, nd = {}, {}, {}
    for qid in c.judged:
        relevant = c.qrels[qid]
        docs = ranked.get(qid, [])
        ap[qid] = average_precision(docs, relevant)
        p10[qid] = sum(1 for d in docs[:10] if d in relevant) / 10
        nd[qid] = ndcg(docs, relevant)
    return Scores(ap, p10, nd)


def rank_setting(
    c: Collection, s: Setting, depth: int, proximity: bool = False
) -> dict[str, list[str]]:
    """Every judged query's ranking under `s`, scored as searchlib scores plain words
    (and re-ranked by term proximity when `proximity`)."""
    searcher = c.searcher()
    documents = searcher.doc_count_all()

    def idf(frequency: int) -> float:
        return searching.bm25_idf(frequency, documents)

    def word_idf(term: str) -> float:
        return idf(searcher.doc_frequency("content", term))

    out: dict[str, list[str]] = {}
    whoosh_searcher = None
    for qid, parsed in c.leaves(s.title).items():
        if parsed is None:
            out[qid] = []
            continue
        query, leaves, terms = parsed
        if leaves is not None:
            scores = score_documents(searcher, leaves, idf, s.k1, s.b)
        else:
            # As searchlib does: Whoosh scores what is more than an OR of words
            # ("message-passing" is a phrase), with the same formula.
            if whoosh_searcher is None:
                weighting = searchlib_scoring.BM25(B=s.b, K1=s.k1)
                whoosh_searcher = c.index._ix.searcher(weighting=weighting)
            found = whoosh_searcher.search(query, limit=None)
            scores = {d: float(score or 0.0) for score, d in found.top_n}
        ranked = best(scores, depth)
        if proximity:
            ranked = rerank(searcher, ranked, terms, word_idf)
        out[qid] = [c.ids[d] for d, _ in ranked]
    if whoosh_searcher is not None:
        whoosh_searcher.close()
    return out


def rank_whoosh(c: Collection, depth: int) -> dict[str, list[str]]:
    """Every judged query's ranking by plain Whoosh BM25F, its default parameters."""
    whoosh_searcher = c.index._ix.searcher(weighting=scoring.BM25F())
    out: dict[str, list[str]] = {}
    try:
        for qid in c.judged:
            try:
                query = parse(as_words(c.queries[qid])).query
            except QueryError:
                out[qid] = []
                continue
            found = whoosh_searcher.search(query, limit=depth)
            out[qid] = [c.ids[d] for _, d in found.top_n]
    finally:
        whoosh_searcher.close()
    return out


def rank_library(c: Collection, depth: int, expand: bool) -> dict[str, list[str]]:
    """Every judged query's ranking by `Index.search` itself."""
    out: dict[str, list[str]] = {}
    for qid in c.judged:
        try:
            hits = c.index.search(
                as_words(c.queries[qid]), limit=depth, expand=expand, snippets=False, collapse=False
            )
            out[qid] = [hit.id for hit in hits]
        except QueryError:
            out[qid] = []
    return out


def build(
    name: str, docs: Docs, queries: Queries, qrels: Qrels, tmp: Path, known: bool
) -> Collection:
    records = tmp / f"{name}.jsonl"
    with records.open("w", encoding="utf-8") as out:
        for doc in docs:
            out.write(
                json.dumps({"id": doc["id"], "title": doc["title"], "body": doc["body"]}) + "\n"
            )
    start = time.perf_counter()
    ix = Index.create(tmp / name)
    report = ix.add(records)
    searcher = ix._get_searcher()
    ids = [""] * searcher.doc_count_all()
    for docnum, fields in enumerate(searcher.reader().all_stored_fields()):
        ids[docnum] = fields["id"]
    c = Collection(name, ix, queries, qrels, known, ids)
    print(
        f"# {name}: {report.added} documents indexed in {time.perf_counter() - start:.1f}s, "
        f"{len(c.judged)} judged queries",
        file=sys.stderr,
    )
    return c


def collections(args: argparse.Namespace, tmp: Path) -> list[Collection]:
    out: list[Collection] = []
    if args.reuters:
        stories = reuters_stories(args.reuters)
        queries, qrels = load_reuters_topics(stories)
        # One index serves both Reuters benchmarks.
        topics = build("reuters-topics", iter(stories), queries, qrels, tmp, False)
        out.append(topics)
        queries, qrels = load_reuters_known_items(stories, args.known_items, args.seed)
        out.append(Collection("reuters-known-item", topics.index, queries, qrels, True, topics.ids))
    for folder in args.folders:
        docs, queries, qrels = load(folder)
        out.append(build(folder.name, docs, queries, qrels, tmp, False))
    return out


def average_precision(ranked: list[str], relevant: dict[str, int]) -> float:
    hits = 0
    total = 0.0
    for rank, doc in enumerate(ranked, 1):
        if doc in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant) if relevant else 0.0


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], 1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 1) for rank, gain in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


_SYNTAX = re.compile(r'["():]|(?<!\w)[-+]')


def as_words(text: str) -> str:
    """A natural-language query as plain words: lower-cased (so "AND" is a word, not an
    operator) and without quotes, colons or leading +/- (which are query syntax)."""
    return _SYNTAX.sub(" ", text.lower())


def evaluate(
    ix: Index, queries: Queries, qrels: Qrels, expand: bool, depth: int
) -> dict[str, float]:
    aps, p10s, ndcgs = [], [], []
    for qid, text in queries.items():
        relevant = qrels.get(qid)
        if not relevant:
            continue
        try:
            hits = ix.search(
                as_words(text), limit=depth, expand=expand, snippets=False, collapse=False
            )
            ranked = [hit.id for hit in hits]
        except QueryError:
            ranked = []
        aps.append(average_precision(ranked, relevant))
        p10s.append(sum(1 for doc in ranked[:10] if doc in relevant) / 10)
        ndcgs.append(ndcg(ranked, relevant))
    n = max(len(aps), 1)
    return {
        "queries": len(aps),
        "MAP": sum(aps) / n,
        "P@10": sum(p10s) / n,
        "nDCG@10": sum(ndcgs) / n,
    }


# -- Reports -----------------------------------------------------------------------------

#: Anserini's (Lucene's) BM25 MAP on CACM: the default must not fall below it.
CACM_FLOOR = 0.3123

GRID_K1 = (0.6, 0.9, 1.2, 1.5, 2.0)
GRID_B = (0.3, 0.4, 0.5, 0.6, 0.75, 0.9)
GRID_TITLE = (0.0, 0.25, 0.5, 1.0)


def check_scorer(c: Collection) -> None:
    """Warn when the script's scoring of the default departs from `Index.search`."""
    some = Collection(c.name, c.index, {q: c.queries[q] for q in c.judged[:5]}, c.qrels, ids=c.ids)
    mine = rank_setting(some, default_setting(), 10)
    theirs = rank_library(some, 10, expand=False)
    if mine != theirs:
        print(
            f"# warning: {c.name}: the script's ranking differs from Index.search", file=sys.stderr
        )


def cell(s: Scores) -> str:
    return f"{s.map:.4f} {s.mean_p10:.4f}"


def print_table(rows: list[Collection], columns: dict[str, dict[str, Scores]]) -> None:
    print(f"{'MAP P@10 (known items: MRR S@10)':<34}" + "".join(f"{n:>18}" for n in columns))
    for c in rows:
        line = f"{c.name:<20}{len(c.judged):>6} queries  "
        for scores in columns.values():
            s = scores[c.name]
            shown = f"{s.map:.4f} {s.success10:.4f}" if c.known_item else cell(s)
            line += f"{shown:>18}"
        print(line)


def allowed(maps: dict[str, float], whoosh: dict[str, float], names: list[str]) -> bool:
    """The guards: at least Whoosh's MAP on every collection, and CACM's floor."""
    if any(maps[n] < whoosh[n] for n in names):
        return False
    return "cacm" not in names or maps["cacm"] >= CACM_FLOOR


def objective(maps: dict[str, float], whoosh: dict[str, float], names: list[str]) -> float:
    """Mean MAP relative to plain Whoosh: each collection counts alike, whatever its scale."""
    return sum(maps[n] / whoosh[n] for n in names) / len(names)


def choose(
    grid: dict[Setting, dict[str, float]], whoosh: dict[str, float], names: list[str]
) -> Setting:
    """The setting with the best objective on `names` among those within the guards
    (among all when none is)."""
    ok = [s for s, maps in grid.items() if allowed(maps, whoosh, names)] or list(grid)
    return max(ok, key=lambda s: (objective(grid[s], whoosh, names), -s.b))


def run_grid(
    rows: list[Collection], whoosh: dict[str, float], depth: int, out: Path | None
) -> None:
    names = [c.name for c in rows]
    grid: dict[Setting, dict[str, float]] = {}
    start = time.perf_counter()
    for k1, b, title in itertools.product(GRID_K1, GRID_B, GRID_TITLE):
        s = Setting(k1, b, title)
        grid[s] = {c.name: judge(c, rank_setting(c, s, depth)).map for c in rows}
        print(f"# {s}: {time.perf_counter() - start:.0f}s", file=sys.stderr)
    print(f"\n# grid: {len(grid)} settings in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    if out is not None:
        out.write_text(
            json.dumps(
                {
                    "whoosh": whoosh,
                    "grid": [
                        {"k1": s.k1, "b": s.b, "title": s.title, **m} for s, m in grid.items()
                    ],
                },
                indent=1,
            )
        )
    ranked = sorted(grid, key=lambda s: -objective(grid[s], whoosh, names))
    print(
        f"\nGrid (MAP; {len(grid)} settings, best 15 by mean MAP relative to Whoosh; * within the guards)"
    )
    print(f"{'setting':<28}" + "".join(f"{n[:18]:>19}" for n in names) + f"{'rel.':>8}")
    for s in ranked[:15]:
        mark = "*" if allowed(grid[s], whoosh, names) else " "
        print(
            f"{mark}{s!s:<27}"
            + "".join(f"{grid[s][n]:>19.4f}" for n in names)
            + f"{objective(grid[s], whoosh, names):>8.4f}"
        )
    chosen = choose(grid, whoosh, names)
    print(f"chosen on all collections: {chosen}")
    current = default_setting()
    print("\nLeave one collection out (chosen on the others, scored on the one left out)")
    print(f"{'left out':<20}{'chosen on the others':<30}{'MAP':>8}{'Whoosh':>8}{'default':>8}")
    for left in names:
        others = [n for n in names if n != left]
        pick = choose(grid, whoosh, others)
        default_map = grid[current][left] if current in grid else float("nan")
        print(
            f"{left:<20}{pick!s:<30}{grid[pick][left]:>8.4f}{whoosh[left]:>8.4f}{default_map:>8.4f}"
        )


@contextlib.contextmanager
def always_expanding() -> Iterator[None]:
    """RM3 on every query, whatever `feedback.worth_expanding` says."""
    saved = feedback.worth_expanding
    feedback.worth_expanding = lambda scores: True
    try:
        yield
    finally:
        feedback.worth_expanding = saved


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", type=Path, nargs="*", help="CACM, CRAN, CISI, MED, NPL folders")
    parser.add_argument(
        "--reuters", type=Path, help="the reuters21578 SGML folder: both news benchmarks"
    )
    parser.add_argument(
        "--known-items", type=int, default=500, help="simulated known-item queries (default 500)"
    )
    parser.add_argument("--seed", type=int, default=21578, help="seed of the known-item queries")
    parser.add_argument(
        "--expand", action="store_true", help="also RM3, always and as gated by default"
    )
    parser.add_argument(
        "--proximity", action="store_true", help="also re-rank the top 100 by term proximity"
    )
    parser.add_argument(
        "--grid", action="store_true", help="also the k1 x b x headline weight grid"
    )
    parser.add_argument("--grid-out", type=Path, help="write the grid's figures as JSON")
    parser.add_argument("--depth", type=int, default=1000, help="ranked list length (default 1000)")
    args = parser.parse_args()
    if not args.folders and not args.reuters:
        parser.error("give at least one collection folder or --reuters")
    with tempfile.TemporaryDirectory(prefix="eval-ranking-") as tmp:
        rows = collections(args, Path(tmp))
        columns: dict[str, dict[str, Scores]] = {"Whoosh BM25F": {}, "searchlib": {}}
        timing: dict[str, float] = {}
        for c in rows:
            check_scorer(c)
            columns["Whoosh BM25F"][c.name] = judge(c, rank_whoosh(c, args.depth))
            start = time.perf_counter()
            columns["searchlib"][c.name] = judge(c, rank_library(c, args.depth, expand=False))
            timing[c.name] = (time.perf_counter() - start) / max(len(c.judged), 1)
        if args.expand:
            columns["+RM3 always"] = {}
            columns["+RM3 gated"] = {}
            for c in rows:
                with always_expanding():
                    columns["+RM3 always"][c.name] = judge(
                        c, rank_library(c, args.depth, expand=True)
                    )
                columns["+RM3 gated"][c.name] = judge(c, rank_library(c, args.depth, expand=True))
        if args.proximity:
            columns["+proximity"] = {}
            for c in rows:
                start = time.perf_counter()
                rank_setting(c, default_setting(), args.depth)
                plain = time.perf_counter() - start
                start = time.perf_counter()
                ranked = rank_setting(c, default_setting(), args.depth, proximity=True)
                cost = (time.perf_counter() - start - plain) / max(len(c.judged), 1)
                columns["+proximity"][c.name] = judge(c, ranked)
                print(f"# {c.name}: proximity adds {cost * 1000:.1f} ms/query", file=sys.stderr)
        print(f"searchlib default: {default_setting()}")
        print_table(rows, columns)
        print(
            "searchlib ms/query: "
            + ", ".join(f"{name} {took * 1000:.1f}" for name, took in timing.items())
        )
        if args.grid or args.grid_out:
            whoosh = {c.name: columns["Whoosh BM25F"][c.name].map for c in rows}
            run_grid(rows, whoosh, args.depth, args.grid_out)
        for c in {id(c.index): c for c in rows}.values():
            c.index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
