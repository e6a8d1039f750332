"""The Reuters-21578 importer on a few stories written here in its SGML form."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import load_script

#: Four stories as the corpus writes them: a clean DATE, one with control codes and a
#: desk code after the time, one with two spaces before the time, and one whose time is
#: garbage. Headlines are upper case, with an apostrophe, an ordinal and acronyms.
SGML = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TOPICS><D>interest</D></TOPICS><PLACES><D>usa</D></PLACES>
<TEXT>&#2;
<TITLE>FED'S JOHNSON SEES 3RD QUARTER GROWTH</TITLE>
<DATELINE>    WASHINGTON, Feb 26 - </DATELINE><BODY>Growth will pick up, he said.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="YES" NEWID="2">
<DATE>27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM</DATE>
<TOPICS><D>grain</D></TOPICS>
<TEXT>&#2;
<TITLE>BONUS WHEAT FLOUR FOR NORTH YEMEN -- USDA</TITLE>
<BODY>The USDA accepted a bid, the IMF said.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="3">
<DATE>3-MAR-1987  09:15:05.40</DATE>
<TEXT TYPE="BRIEF">&#2;
<TITLE>******Mixed case brief stays as written</TITLE>
&#3;</TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="4">
<DATE>31-MAR-1987 605:12:19.12</DATE>
<TEXT>&#2;
<TITLE>NO USABLE TIME</TITLE>
<BODY>A story whose stamp is broken.
&#3;</BODY></TEXT>
</REUTERS>
"""


@pytest.fixture(scope="module")
def importer() -> ModuleType:
    return load_script("import_reuters")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "reuters"
    folder.mkdir()
    (folder / "reut2-000.sgm").write_bytes(SGML.encode("latin-1"))
    return folder


def test_dates_are_read_from_the_leading_stamp(importer: ModuleType, corpus: Path) -> None:
    dates = {story["id"]: story["date"] for story in importer.stories(corpus)}
    assert dates == {
        "reuters-1": "1987-02-26T15:01:01.790000",
        "reuters-2": "1987-03-27T00:02:59.130000",
        "reuters-3": "1987-03-03T09:15:05.400000",
        "reuters-4": None,
    }


def test_headlines_are_kept_as_written(importer: ModuleType, corpus: Path) -> None:
    titles = [story["title"] for story in importer.stories(corpus)]
    assert titles == [
        "FED'S JOHNSON SEES 3RD QUARTER GROWTH",
        "BONUS WHEAT FLOUR FOR NORTH YEMEN -- USDA",
        "******Mixed case brief stays as written",
        "NO USABLE TIME",
    ]


def test_main_writes_one_record_per_story(
    importer: ModuleType, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "reuters.jsonl"
    monkeypatch.setattr(sys, "argv", ["import_reuters.py", str(corpus), str(out)])
    assert importer.main() == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["reuters-1", "reuters-2", "reuters-3", "reuters-4"]
    assert records[1]["body"] == "The USDA accepted a bid, the IMF said."
    assert records[0]["tags"] == ["interest", "usa"]
    assert sum(1 for r in records if r["date"]) == 3
