"""The benchmark's fixed query sets: sizes, words taken from their story, repeatable."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import load_script, write_jsonl

BODY = (
    "Crude oil prices rose sharply on Monday after producers agreed to extend output "
    "cuts through the winter, traders said, while refiners warned that demand for "
    "heating fuel would stay weak across northern Europe until stockpiles were drawn."
)


def _corpus(path: Path) -> Path:
    records = [
        {"id": f"s{n}", "title": f"OIL PRICES CLIMB AFTER OUTPUT DEAL {n}", "body": BODY}
        for n in range(5)
    ]
    # Skipped as query sources: a headline of two long words, a body of a few.
    records.append({"id": "short-title", "title": "OIL UP", "body": BODY})
    records.append({"id": "short-body", "title": "OIL PRICES CLIMB", "body": "Oil rose."})
    return write_jsonl(path, records)


def test_each_set_has_its_sizes_and_words_from_its_story(tmp_path: Path) -> None:
    bench = load_script("bench")
    sets = bench.make_queries(_corpus(tmp_path / "c.jsonl"), 40)
    body = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", BODY)]
    for name, (_, sizes) in bench.QUERY_SETS.items():
        assert len(sets[name]) == 40
        for query in sets[name]:
            assert len(query.words) in sizes, (name, query)
            assert query.source.startswith("s")
            title = {"prices", "climb", "after", "output", "deal"}
            assert set(query.words) <= title | set(body)
    # A known item's words are the story's, in the story's order.
    for query in sets["known"]:
        at = [body.index(word) for word in query.words]
        assert at == sorted(at)
    # A question starts with the headline's words.
    assert all(q.words[:4] == ("prices", "climb", "after", "output") for q in sets["question"])


def test_the_sets_are_the_same_on_every_run(tmp_path: Path) -> None:
    bench = load_script("bench")
    corpus = _corpus(tmp_path / "c.jsonl")
    assert bench.make_queries(corpus, 20) == bench.make_queries(corpus, 20)
