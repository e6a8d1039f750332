#!/usr/bin/env python3
"""Measure ranking quality on a test collection with relevance judgments.

    python scripts/eval_ranking.py ../shared/data/retrieval/cacm
    python scripts/eval_ranking.py ../shared/data/retrieval/cacm --expand
    python scripts/eval_ranking.py ../shared/data/retrieval/med --show-queries 5

Supported: CACM (Anserini's topics and qrels), CRAN, CISI, MED, NPL. The documents are
indexed through the public API as JSON-lines records (title and body; a CACM body is
the whole record, as Anserini indexes it, so its figures compare), each query is
run as plain words (lower-cased, so "AND" in a query is a word, not an operator, and
without quotes, colons and leading +/-, which are query syntax)
and MAP, P@10 and nDCG@10 are printed. Near-duplicate collapsing is off: the judgments
score every document on its own. MAP is averaged over the queries that have at
least one relevant document. CRAN's graded judgments (1 best .. 4, and -1) are all
relevant for MAP and P@10; nDCG uses gain 5 - grade (1 for -1).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from searchlib import Index, QueryError

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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument(
        "--expand", action="store_true", help="also score with pseudo-relevance feedback (RM3)"
    )
    parser.add_argument("--depth", type=int, default=1000, help="ranked list length (default 1000)")
    args = parser.parse_args()
    docs, queries, qrels = load(args.folder)
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "docs.jsonl"
        with records.open("w", encoding="utf-8") as out:
            for doc in docs:
                out.write(json.dumps(doc) + "\n")
        start = time.perf_counter()
        with Index.create(Path(tmp) / "index") as ix:
            report = ix.add(records)
            took = time.perf_counter() - start
            print(
                f"{args.folder.name}: {report.added} documents indexed in {took:.1f}s, "
                f"{sum(1 for q in queries if qrels.get(q))} judged queries"
            )
            runs = [False, True] if args.expand else [False]
            for expand in runs:
                start = time.perf_counter()
                scores = evaluate(ix, queries, qrels, expand, args.depth)
                took = time.perf_counter() - start
                label = "BM25F + RM3" if expand else "BM25F"
                print(
                    f"  {label:<12} MAP {scores['MAP']:.4f}  P@10 {scores['P@10']:.4f}  "
                    f"nDCG@10 {scores['nDCG@10']:.4f}  ({took / max(scores['queries'], 1) * 1000:.1f} ms/query)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
