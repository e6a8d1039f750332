"""`searchlib search` and `similar` on the command line: how queries are typed, and
what the output says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchlib.cli import EXIT_ERROR, EXIT_NO_HITS, EXIT_OK, cli


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


def test_a_mistyped_long_option_keeps_clicks_message(indexed: Path) -> None:
    code, _, err = run("search", "--bogus", "storm")
    assert code == EXIT_ERROR and "No such option '--bogus'" in err and "`--`" not in err


@pytest.mark.parametrize(
    ("no_color", "coloured"), [(None, True), ("", True), ("1", False), ("0", False)]
)
def test_only_a_non_empty_no_color_turns_colour_off(
    indexed: Path, monkeypatch: pytest.MonkeyPatch, no_color: str | None, coloured: bool
) -> None:
    monkeypatch.setattr("searchlib.cli._stdout_is_terminal", lambda: True)
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
    from searchlib.cli import _score

    assert _score(value) == text


def test_recency_scores_do_not_all_read_zero(indexed: Path) -> None:
    code, out, _ = run("search", "bank OR snow OR festival", "--recent", "30")
    assert code == EXIT_OK
    scores = re.findall(r" · score (\S+)", out)
    assert len(scores) == 3
    assert all(float(s) > 0 for s in scores), scores
