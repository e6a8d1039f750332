"""Ranking choices measured on news (docs/ranking.md): the BM25 defaults, when RM3
feedback is applied, and the news benchmarks of scripts/eval_ranking.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchlib import Index, feedback

from .conftest import write_jsonl


def _ranked(tmp_path: Path, records: list[dict[str, object]], query: str, **kw: object) -> list[str]:
    path = tmp_path / "ix"
    with Index.open_or_create(path) as ix:
        if len(ix) == 0:
            ix.add(write_jsonl(tmp_path / "docs.jsonl", records))
        return [h.id for h in ix.search(query, limit=20, collapse=False, **kw)]  # type: ignore[arg-type]


def test_feedback_is_worth_it_only_when_the_top_scores_are_close() -> None:
    assert feedback.worth_expanding([10.0, 9.5, 9.0, 8.0, 7.0])
    # One story far ahead: a search for that story.
    assert not feedback.worth_expanding([10.0, 5.0, 4.9, 4.8])
    # Close at the top, but the tenth far below: no shared topic to feed back.
    assert not feedback.worth_expanding([10.0, 9.8, 9.0, 5.0, 4.0, 3.0])
    assert not feedback.worth_expanding([10.0])
    assert not feedback.worth_expanding([])


#: One story holds both query words and stands far ahead; "ferry" shares its other words.
STANDS_OUT: list[dict[str, object]] = [
    {"id": "census", "title": "Quokka census", "body": "quokka wombat rottnest ferry island survey"},
    {"id": "ferry", "title": "Timetable", "body": "rottnest ferry island crossing"},
    *({"id": f"w{i}", "title": "Burrows", "body": f"wombat burrow number {i}"} for i in range(6)),
    *({"id": f"f{i}", "title": "Filler", "body": f"weather report calm {i}"} for i in range(60)),
]


def test_expansion_leaves_a_query_alone_when_one_story_stands_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = _ranked(tmp_path, STANDS_OUT, "quokka wombat")
    assert plain[0] == "census"
    assert _ranked(tmp_path, STANDS_OUT, "quokka wombat", expand=True) == plain
    # The gate is what keeps it so: feedback on every query changes this ranking.
    monkeypatch.setattr(feedback, "worth_expanding", lambda scores: True)
    assert _ranked(tmp_path, STANDS_OUT, "quokka wombat", expand=True) != plain
