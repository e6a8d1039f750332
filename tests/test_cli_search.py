"""`searchlib search` and `similar` on the command line: how queries are typed, and
what the output says."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib.cli import EXIT_ERROR, EXIT_NO_HITS, EXIT_OK, cli

from .conftest import write_jsonl


def run(*args: str, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env or None, prog_name="searchlib")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def indexed(news: Path) -> Path:
    code, out, err = run("index", str(news))
    assert code == EXIT_OK, out + err
    return news


def ids(out: str) -> list[str]:
    """The hit ids of text output, in order."""
    return re.findall(r" · id (\S+)", out)


def test_several_words_are_one_query(indexed: Path) -> None:
    code, out, err = run("search", "mountain", "passes")
    assert code == EXIT_OK, err
    assert ids(out)[0] == "wire-2"
    assert out == run("search", "mountain passes")[1]
    # A quoted phrase is one argument among the others.
    code, out, _ = run("search", '"mountain passes"', "storm")
    assert code == EXIT_OK and ids(out)[0] == "wire-2"
    code, _, _ = run("search", '"passes mountain"', "storm")
    assert code == EXIT_NO_HITS  # the phrase is still required
    code, _, err = run("search")
    assert code == EXIT_ERROR and "Missing argument 'QUERY...'" in err


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["-snow", "storm"], "searchlib search -- -snow storm"),
        (["storm", "-snow"], "searchlib search -- storm -snow"),
        (["-n", "3", "-snow", "storm"], "searchlib search -n 3 -- -snow storm"),
        (["--limit=3", "-nuclear", "power"], "searchlib search --limit=3 -- -nuclear power"),
    ],
)
def test_a_query_starting_with_a_dash_says_to_use_double_dash(
    indexed: Path, args: list[str], suggestion: str
) -> None:
    code, _, err = run("search", *args)
    assert code == EXIT_ERROR
    word = next(a for a in args if a.startswith("-") and a[1].isalpha() and len(a) > 2)
    assert err == (
        f"Error: {word} is not an option of `searchlib search`; to search for it, "
        f"put the query after `--`: `{suggestion}` (see `searchlib search --help`)\n"
    )


def test_double_dash_passes_exclusions(indexed: Path) -> None:
    code, out, _ = run("search", "storm")
    assert code == EXIT_OK and ids(out)[0] == "wire-2"
    code, _, _ = run("search", "--", "-snow", "storm")
    assert code == EXIT_NO_HITS  # the one storm story mentions snow
    code, out, _ = run("search", "-n", "5", "--", "-snow", "bank")
    assert code == EXIT_OK and ids(out)[0] == "wire-1"
    assert "wire-2" not in ids(out)


def test_an_option_after_double_dash_is_pointed_out(indexed: Path) -> None:
    code, out, err = run("search", "--", "-snow", "bank", "-n", "5")
    assert code == EXIT_OK and ids(out)[0] == "wire-1"
    assert "'-n' comes after '--'" in err
    _, _, err = run("search", "--", "-snow", "bank")
    assert "comes after" not in err  # an exclusion is no option


def test_a_mistyped_long_option_keeps_clicks_message(indexed: Path) -> None:
    code, _, err = run("search", "--bogus", "storm")
    assert code == EXIT_ERROR and "No such option '--bogus'" in err and "`--`" not in err


@pytest.mark.parametrize(
    ("no_color", "coloured"), [(None, True), ("", True), ("1", False), ("0", False)]
)
def test_only_a_non_empty_no_color_turns_colour_off(
    indexed: Path, monkeypatch: pytest.MonkeyPatch, no_color: str | None, coloured: bool
) -> None:
    monkeypatch.setattr("searchlib.cli.searching.stdout_is_terminal", lambda: True)
    env = {} if no_color is None else {"NO_COLOR": no_color}
    result = CliRunner().invoke(cli, ["search", "storm"], env=env, color=True)
    assert result.exit_code == EXIT_OK
    assert ("\x1b[" in result.stdout) is coloured


def test_paging_options_have_help() -> None:
    code, out, _ = run("search", "--help")
    assert code == EXIT_OK
    flat = " ".join(out.split())
    assert "-n, --limit INTEGER RANGE Hits per page." in flat
    assert "--offset INTEGER RANGE Skip this many hits" in flat


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (16.384, "16.4"),
        (2.5, "2.5"),
        (0.004567, "0.00457"),
        (1.234e-10, "1.23e-10"),
        (0.0, "0"),
        (1234.5, "1234"),
    ],
)
def test_scores_keep_three_significant_digits(value: float, text: str) -> None:
    from searchlib.cli.searching import format_score

    assert format_score(value) == text


def test_recency_scores_do_not_all_read_zero(indexed: Path) -> None:
    code, out, _ = run("search", "bank OR snow OR festival", "--recent", "30")
    assert code == EXIT_OK
    scores = re.findall(r" · score (\S+)", out)
    assert len(scores) == 3
    assert all(float(s) > 0 for s in scores), scores


def test_json_is_one_object_a_script_can_page_with(indexed: Path) -> None:
    query = ["search", "bank OR snow OR festival OR storm", "--no-collapse", "-n", "2"]
    code, out, _ = run(*query, "--json")
    assert code == EXIT_OK
    page = json.loads(out)
    assert list(page) == [
        "query",
        "total",
        "total_is_estimate",
        "matches",
        "offset",
        "next_offset",
        "hits",
        "did_you_mean",
        "unfiltered_total",
    ]
    assert page["query"] == "bank OR snow OR festival OR storm"
    assert page["total"] == page["matches"] == 3 and page["total_is_estimate"] is False
    assert page["offset"] == 0 and page["next_offset"] == 2 and len(page["hits"]) == 2
    assert {"id", "title", "score", "snippet", "highlights"} <= set(page["hits"][0])
    seen = [hit["id"] for hit in page["hits"]]
    while page["next_offset"] is not None:
        page = json.loads(run(*query, "--json", "--offset", str(page["next_offset"]))[1])
        seen += [hit["id"] for hit in page["hits"]]
    assert len(seen) == len(set(seen)) == 3
    code, out, _ = run("search", "mountain", "--json", "--facets")
    assert json.loads(out)["facets"]["source"] == {"Alpine Post": 1}
    code, out, _ = run("search", "mountian", "--json")
    page = json.loads(out)
    assert code == EXIT_NO_HITS and page["hits"] == [] and page["did_you_mean"] == "mountain"


def test_jsonl_keeps_one_object_per_hit(indexed: Path) -> None:
    code, out, err = run("search", "bank OR snow", "--jsonl", "--facets")
    assert code == EXIT_OK
    assert [json.loads(line)["id"] for line in out.splitlines()] in (
        ["wire-1", "wire-2"],
        ["wire-2", "wire-1"],
    )
    assert json.loads(err.splitlines()[0])["facet"] == "source"


def test_similar_json_is_one_object(indexed: Path) -> None:
    code, out, _ = run("similar", "wire-2", "--json")
    assert code == EXIT_OK
    page = json.loads(out)
    assert page["query"] == "similar:wire-2" and page["total"] == len(page["hits"])
    assert "wire-2" not in [hit["id"] for hit in page["hits"]]
    _, out, _ = run("similar", "wire-2", "--jsonl")
    assert [json.loads(line)["id"] for line in out.splitlines()] == [
        hit["id"] for hit in page["hits"]
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["mountain", "--source", "bbc"],
            "with --source bbc (1 document matches without the filters)",
        ),
        (
            ["bank OR snow", "--since", "2024", "--tag", "heavy weather"],
            "with --since 2024 --tag 'heavy weather' (2 documents match without the filters)",
        ),
        (["zebra", "--author", "ana"], "with --author ana (nor without the filters)"),
    ],
)
def test_no_results_names_the_filters(indexed: Path, args: list[str], message: str) -> None:
    code, out, err = run("search", *args)
    assert code == EXIT_NO_HITS and out == ""
    assert err.splitlines()[0] == f"no results for {args[0]!r} {message}"


def test_next_page_hint_uses_the_librarys_next_offset(indexed: Path) -> None:
    code, _, err = run("search", "bank OR snow OR festival", "-n", "1", "--no-collapse")
    assert code == EXIT_OK and err.strip() == "results 1-1 of 3; next page: --offset 1"
    code, _, err = run("search", "bank OR snow OR festival", "-n", "1", "--offset", "2")
    assert code == EXIT_OK and err.strip() == "results 3-3 of 3"  # the last page still counts


def test_an_offset_past_the_end_says_so(indexed: Path) -> None:
    code, out, err = run("search", "bank OR snow OR festival", "--offset", "3")
    assert code == EXIT_NO_HITS and out == ""
    assert err.strip() == (
        "--offset 3 is past the last result: 'bank OR snow OR festival' has 3 (try --offset 0)"
    )


def test_recency_options_that_would_be_ignored_are_errors(indexed: Path) -> None:
    code, _, err = run("search", "bank", "--recent-from", "2023")
    assert code == EXIT_ERROR and "--recent" in err
    code, _, err = run("search", "bank", "--recent", "7", "--sort", "date")
    assert code == EXIT_ERROR and "date sort" in err


def test_partial_dates_and_recent_from(indexed: Path) -> None:
    assert ids(run("search", "bank OR snow", "--since", "2023")[1]) == ["wire-1"]
    assert ids(run("search", "bank OR snow", "--until", "2021")[1]) == ["wire-2"]  # all of 2021
    assert ids(run("search", "bank OR snow", "--until", "2021-11-19")[1]) == []
    newest = ids(run("search", "bank OR snow", "--recent", "30")[1])
    assert newest == ["wire-1", "wire-2"]  # 2023 is nearer the newest story than 2021
    then = ids(run("search", "bank OR snow", "--recent", "30", "--recent-from", "2021-11")[1])
    assert then == ["wire-2", "wire-1"]
    flat = " ".join(run("search", "--help")[1].split())
    assert "--recent-from DATE Measure --recent ages from this date; default: the newest" in flat


def test_stats_names_ten_sources_and_json_all(tmp_path: Path) -> None:
    records = [
        {"id": f"s{n}-{k}", "title": "Story", "body": "Text.", "source": f"Paper {n:02d}"}
        for n in range(12)
        for k in range(n + 1)
    ]
    code, _, _ = run("index", str(write_jsonl(tmp_path / "many.jsonl", records)))
    assert code == EXIT_OK
    code, out, _ = run("stats")
    line = next(line for line in out.splitlines() if line.startswith("sources"))
    assert line.startswith("sources    Paper 11 (12), Paper 10 (11), Paper 09 (10),")
    assert line.count("(") == 11  # ten sources, and the pointer to --json
    assert line.endswith("Paper 02 (3), and 2 more (--json lists all)")
    sources = json.loads(run("stats", "--json")[1])["sources"]
    assert len(sources) == 12 and sources["Paper 00"] == 1


def test_did_you_mean_when_the_other_words_match(tmp_path: Path) -> None:
    records = [
        *(
            {"id": f"v{n}", "title": "Fed", "body": f"Volcker on interest rates {n}."}
            for n in range(12)
        ),
        {"id": "typo", "title": "Fed", "body": "Volker said interest rates would hold."},
        *({"id": f"b{n}", "title": "Bonn", "body": "The Bundesbank kept rates."} for n in range(3)),
    ]
    run("index", str(write_jsonl(tmp_path / "fed.jsonl", records)))
    code, _, err = run("search", "Bundesbnak", "interest", "rates")
    assert code == EXIT_OK  # 16 stories match the other words
    assert "did you mean: searchlib search 'bundesbank interest rates'" in err
    code, _, err = run("search", "Volker")
    assert code == EXIT_OK and "did you mean: searchlib search volcker" in err
    code, _, err = run("search", "Volcker", "interest", "rates")
    assert code == EXIT_OK and "did you mean" not in err


def test_did_you_mean_keeps_the_options_typed(tmp_path: Path) -> None:
    """The suggested command runs the corrected query as the typed one ran: same
    filters, order and output (a first trial's suggestion dropped `--tag` and `--sort`),
    from the first page."""
    records = [
        {"id": f"c{n}", "title": "Coffee", "body": "Coffee prices rose.", "tags": ["coffee"]}
        for n in range(12)
    ]
    run("index", str(write_jsonl(tmp_path / "c.jsonl", records)))
    code, _, err = run(
        "search", "--tag", "coffee", "--no-collapse", "-n", "3", "--offset", "3", "cofee", "prices"
    )
    assert code == EXIT_OK
    suggested = "searchlib search --tag coffee --no-collapse -n 3 'coffee prices'"
    assert f"did you mean: {suggested}\n" in err
    code, out, _ = run(*shlex.split(suggested)[1:])
    assert code == EXIT_OK and [line[:3] for line in out.splitlines() if ". " in line[:4]] == [
        "1. ",
        "2. ",
        "3. ",
    ]
    code, _, err = run("search", "--", "-tea", "cofee")
    assert "did you mean: searchlib search -- '-tea coffee'\n" in err
    assert run("search", "--", "-tea coffee")[0] == EXIT_OK


def test_hints_keep_an_index_given_before_the_command(indexed: Path, index_dir: Path) -> None:
    """A hint to copy must search the same index: `searchlib --index DIR search`."""
    code, _, err = run("--index", str(index_dir), "search", "mountain", "-bank")
    assert code == EXIT_ERROR
    assert f"`searchlib --index {index_dir} search -- mountain -bank`" in err
    code, _, err = run("--index", str(index_dir), "search", "mountian")
    assert f"did you mean: searchlib --index {index_dir} search mountain" in err
