"""`searchlib serve` in a real, headless Chromium driven by Selenium.

The server runs as users start it (`searchlib serve` in its own process) on an index of
the shipped sample plus one hostile story whose fields hold markup and script. The
tests click through the page as a reader would: search, facets, the timeline, an
article and its similar stories. Every page must leave the browser console free of
errors, which also catches what the Content-Security-Policy blocks.

Chromium and its driver are required, never skipped: CI installs Debian's `chromium`
and `chromium-driver` (.ci/run). Screenshots go to $SEARCHLIB_SCREENSHOTS (default:
the test's tmp_path) and their paths are printed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver import Chrome
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from searchlib import Index
from searchlib.cli import SAMPLE_DIR

SEED_ID = "sample/000_2dbca9422a45b822.txt"
SEED_TITLE = "Xi Jinping- Putin summit is a bold display of unity"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = {
    "id": "hostile-1",
    # An attribute break-out and a script in the one field the page puts in an href.
    "url": 'https://evil.example/a?b="><script>alert(1)</script>',
    "title": f"Payload {SCRIPT} and {IMG} in a headline",
    "date": "2023-01-20",
    "authors": ["<b>Mallory</b>"],
    "source": "Hostile <i>Wire</i>",
    "tags": ["<svg onload=alert(1)>"],
    "body": f"The payload {SCRIPT} sits in the body.\n\nA second paragraph holds {IMG} as text.",
}
DESKTOP, PHONE = (1280, 900), (390, 844)
WAIT = 10.0


def _find(name: str, fallback: str) -> str | None:
    found = shutil.which(name)
    return found or (fallback if Path(fallback).exists() else None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample plus the hostile story, indexed once for the module; and what the
    library itself answers for the searches the tests make, to compare the page with."""
    path = tmp_path_factory.mktemp("web") / "index"
    with Index.create(path) as ix:
        ix.add([SAMPLE_DIR, HOSTILE], workers=1)
        similar = [hit.title for hit in ix.similar(SEED_ID).hits]
        said = ix.search("said", limit=100)
        newest = ix.search("said", sort="date", collapse=False)
    assert similar and said.total >= 4  # the scenarios below need both
    return {"path": path, "similar": similar, "said": said, "newest": newest}


@pytest.fixture(scope="module")
def server(archive: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`searchlib serve` on the archive, in its own process; yields its base URL."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [sys.executable, "-m", "searchlib", "serve", "--index", str(archive["path"])]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"searchlib serve exited {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/stats", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"searchlib serve did not answer in 20 s:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    """Headless Chromium with a fresh profile, its console log kept for the tests."""
    chromium = _find("chromium", "/usr/bin/chromium")
    chromedriver = _find("chromedriver", "/usr/bin/chromedriver")
    if chromium is None or chromedriver is None:
        pytest.fail(
            "the browser tests need Chromium and its driver, which were not found: "
            "install them with `apt-get install -y chromium chromium-driver` (.ci/run does)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # Leave any dialog open, so that the tests see it instead of the driver dismissing it.
    options.set_capability("unhandledPromptBehavior", "ignore")
    browser = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def page(driver: Chrome, server: str) -> Iterator[Chrome]:
    """The browser at desktop size, its console emptied; after the test, no dialog is
    open and nothing was logged as an error."""
    _viewport(driver, *DESKTOP)
    _console(driver)
    yield driver
    _assert_quiet(driver)


def _viewport(driver: Chrome, width: int, height: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def _console(driver: Chrome) -> list[dict[str, Any]]:
    """The browser console's entries since the last call (reading empties it)."""
    entries: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return entries


def _assert_quiet(driver: Chrome) -> None:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        pass
    else:
        text = alert.text
        alert.dismiss()
        pytest.fail(f"a dialog opened: {text!r}")
    errors = [entry for entry in _console(driver) if entry["level"] == "SEVERE"]
    assert errors == [], f"console errors: {errors}"


def _navigate(driver: Chrome, action: Callable[[], object]) -> None:
    """Run `action` (a click, a submit) and wait for the page it leads to."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()
    WebDriverWait(driver, WAIT).until(ec.staleness_of(old))
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _open(driver: Chrome, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _count(driver: Chrome) -> int:
    """The number of results `#count` states ("12 results", "about 1,590 results")."""
    text = driver.find_element(By.ID, "count").text
    found = re.search(r"\d[\d,]*", text)
    assert found, f"no number in #count: {text!r}"
    return int(found.group().replace(",", ""))


def _titles(driver: Chrome) -> list[str]:
    return [
        a.text for a in driver.find_elements(By.CSS_SELECTOR, "ol#results > li.hit a.hit-title")
    ]


def _params(driver: Chrome) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def _facet(driver: Chrome, label: str) -> WebElement:
    for link in driver.find_elements(By.CSS_SELECTOR, "nav#facets a.facet"):
        if label in link.text:
            return link
    raise AssertionError(f"no facet {label!r} in nav#facets")


def _shot(driver: Chrome, folder: Path, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot at {path}"
    with capsys.disabled():  # to the terminal even under capture, so CI's log shows it
        print(f"\nscreenshot: {path}")
    return path


def test_search_puts_the_seed_story_first(page: Chrome, server: str) -> None:
    _open(page, f"{server}/")
    box = page.find_element(By.ID, "q")
    assert page.find_element(By.CSS_SELECTOR, "label[for='q']").text.strip()
    box.send_keys("Power of Siberia")
    _navigate(page, lambda: box.send_keys(Keys.ENTER))
    # The bookmark holds the query alone: no empty fields, no defaults.
    assert urlsplit(page.current_url).query == "q=Power+of+Siberia"
    titles = _titles(page)
    assert titles and titles[0] == SEED_TITLE
    assert _count(page) == len(titles)
    first = page.find_element(By.CSS_SELECTOR, "ol#results > li.hit")
    marks = [m.text.lower() for m in first.find_elements(By.CSS_SELECTOR, ".hit-snippet mark")]
    assert "siberia" in marks


def test_facets_narrow_combine_and_are_removed(
    page: Chrome, server: str, archive: dict[str, Any]
) -> None:
    _open(page, f"{server}/?q=said")
    assert _count(page) == archive["said"].total
    _navigate(page, _facet(page, "Example Wire").click)
    assert _params(page)["source"] == ["Example Wire"]
    assert _count(page) == 2 < archive["said"].total
    active = _facet(page, "Example Wire")
    assert "active" in (active.get_attribute("class") or "").split()
    assert active.get_attribute("aria-current") == "true"
    # A second filter, from another group, combines with the first.
    _navigate(page, _facet(page, "coffee").click)
    assert _params(page)["source"] == ["Example Wire"] and _params(page)["tag"] == ["coffee"]
    assert _titles(page) == ["Coffee prices hit a 13-year high after poor harvests"]
    removes = page.find_elements(By.CSS_SELECTOR, "#active-filters a.remove-filter")
    assert len(removes) == 2
    for _ in range(2):
        _navigate(page, page.find_element(By.CSS_SELECTOR, "#active-filters a.remove-filter").click)
    assert "source" not in _params(page) and "tag" not in _params(page)
    assert _count(page) == archive["said"].total


def test_a_timeline_bar_narrows_to_its_period(
    page: Chrome, server: str, archive: dict[str, Any]
) -> None:
    _open(page, f"{server}/?q=said")
    bars = page.find_elements(By.CSS_SELECTOR, "svg#timeline a.bar-link")
    assert bars, "no bar links in svg#timeline"
    for bar in bars:
        assert bar.find_elements(By.CSS_SELECTOR, "rect.bar")
        assert bar.find_elements(By.TAG_NAME, "title")
    # April 2024 holds two of the sample's dated stories that say "said".
    april = [b for b in bars if "since=2024-04" in (b.get_dom_attribute("href") or "")]
    assert april, [b.get_dom_attribute("href") for b in bars]
    _navigate(page, april[0].find_element(By.CSS_SELECTOR, "rect.bar").click)
    params = _params(page)
    assert params["q"] == ["said"]
    assert params["since"][0].startswith("2024-04") and params["until"][0].startswith("2024-04")
    dated = [h for h in archive["said"].hits if h.date and (h.date.year, h.date.month) == (2024, 4)]
    assert _count(page) == len(dated) < archive["said"].total
    assert sorted(_titles(page)) == sorted(h.title for h in dated)


def test_article_and_a_similar_story(page: Chrome, server: str, archive: dict[str, Any]) -> None:
    _open(page, f"{server}/?q={quote('Power of Siberia')}")
    link = page.find_element(By.CSS_SELECTOR, "ol#results > li.hit a.hit-title")
    href = urlsplit(link.get_attribute("href") or "")
    assert (href.path, parse_qs(href.query)["id"]) == ("/article", [SEED_ID])
    _navigate(page, link.click)
    assert page.find_element(By.ID, "headline").text == SEED_TITLE
    assert page.find_element(By.ID, "meta").text.strip()
    assert page.find_elements(By.CSS_SELECTOR, "#body p")
    marks = {m.text.lower() for m in page.find_elements(By.CSS_SELECTOR, "#body mark")}
    assert "siberia" in marks
    similar = page.find_elements(By.CSS_SELECTOR, "ul#similar li a")
    assert similar, "no similar stories on the seed's page"
    _navigate(page, similar[0].click)
    assert urlsplit(page.current_url).path == "/article"
    assert page.find_element(By.ID, "headline").text == archive["similar"][0]


def test_hostile_story_renders_as_text(page: Chrome, server: str) -> None:
    _open(page, f"{server}/?q=payload")
    assert _titles(page) == [HOSTILE["title"]]
    snippet = page.find_element(By.CSS_SELECTOR, "ol#results > li.hit .hit-snippet").text
    assert SCRIPT in snippet
    facets = page.find_element(By.ID, "facets").text
    assert "Hostile <i>Wire</i>" in facets
    _assert_no_injection(page)
    _navigate(page, page.find_element(By.CSS_SELECTOR, "a.hit-title").click)
    assert page.find_element(By.ID, "headline").text == HOSTILE["title"]
    body = page.find_element(By.ID, "body").text
    assert SCRIPT in body and IMG in body
    meta = page.find_element(By.ID, "meta")
    assert "<b>Mallory</b>" in meta.text and "Hostile <i>Wire</i>" in meta.text
    hrefs = [a.get_attribute("href") or "" for a in meta.find_elements(By.TAG_NAME, "a")]
    assert any(h.startswith("https://evil.example/") for h in hrefs), hrefs
    _assert_no_injection(page)
    _open(page, f"{server}/article?id={quote(HOSTILE['id'])}&explain=1&q=payload")
    _assert_no_injection(page)


def _assert_no_injection(driver: Chrome) -> None:
    """Only the page's own elements: no inline script, no image, no element the
    story's markup would have made, no dialog."""
    assert driver.find_elements(By.CSS_SELECTOR, "script:not([src])") == []
    for selector in ("img[src='x']", "svg[onload]", "[onerror]"):
        assert driver.find_elements(By.CSS_SELECTOR, selector) == [], selector
    made = "//b[normalize-space()='Mallory'] | //i[normalize-space()='Wire']"
    assert driver.find_elements(By.XPATH, made) == []
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 (the property raises when there is no dialog)


def test_did_you_mean_and_paging(page: Chrome, server: str, archive: dict[str, Any]) -> None:
    _open(page, f"{server}/?q=harbuor")
    assert page.find_element(By.ID, "count").text.strip()  # says that nothing was found
    assert _titles(page) == []
    _navigate(page, page.find_element(By.ID, "did-you-mean").click)
    assert _params(page)["q"] == ["harbour"]
    assert _titles(page)[0].startswith("Harbour town")
    said = [hit.title for hit in archive["said"].hits]
    _open(page, f"{server}/?q=said&limit=2")
    assert _titles(page) == said[:2] and not page.find_elements(By.ID, "prev")
    _navigate(page, page.find_element(By.ID, "next").click)
    assert _params(page)["offset"] == ["2"] and _params(page)["limit"] == ["2"]
    assert _titles(page) == said[2:4]
    _navigate(page, page.find_element(By.ID, "prev").click)
    assert _titles(page) == said[:2]


def _show_options(page: Chrome) -> None:
    """Unfold the form's options, and wait until they can be used."""
    if not page.find_element(By.ID, "sort").is_displayed():  # the options may be folded away
        page.find_element(By.CSS_SELECTOR, "form#search summary").click()
    for control in ("sort", "no-collapse"):
        WebDriverWait(page, WAIT).until(ec.element_to_be_clickable((By.ID, control)))
    for control in ("expand", "recent"):  # switched off under a date order
        WebDriverWait(page, WAIT).until(ec.visibility_of_element_located((By.ID, control)))


def test_the_form_options_go_into_the_url(
    page: Chrome, server: str, archive: dict[str, Any]
) -> None:
    _open(page, f"{server}/?q=said")
    _show_options(page)
    Select(page.find_element(By.ID, "sort")).select_by_value("date")
    page.find_element(By.ID, "no-collapse").click()
    form = page.find_element(By.CSS_SELECTOR, "form#search")
    _navigate(page, form.find_element(By.CSS_SELECTOR, "[type=submit]").click)
    params = _params(page)
    assert params["sort"] == ["date"] and params["collapse"] == ["0"]
    assert _titles(page) == [hit.title for hit in archive["newest"].hits]
    # The state read back from the URL: the form shows what the page shows.
    assert (
        Select(page.find_element(By.ID, "sort")).first_selected_option.get_attribute("value")
        == "date"
    )
    assert page.find_element(By.ID, "no-collapse").is_selected()
    _show_options(page)
    # Recency and expansion re-rank by relevance: a date order switches them off.
    assert not page.find_element(By.ID, "recent").is_enabled()
    assert not page.find_element(By.ID, "expand").is_enabled()
    Select(page.find_element(By.ID, "sort")).select_by_value("relevance")
    assert page.find_element(By.ID, "recent").is_enabled()
    page.find_element(By.ID, "expand").click()
    page.find_element(By.ID, "recent").send_keys("30")
    form = page.find_element(By.CSS_SELECTOR, "form#search")
    _navigate(page, form.find_element(By.CSS_SELECTOR, "[type=submit]").click)
    params = _params(page)
    assert params["expand"] == ["1"] and params["recent"] == ["30"]
    assert _count(page) >= 1


def test_slash_focuses_the_query_box(page: Chrome, server: str) -> None:
    _open(page, f"{server}/?q=said")
    page.execute_script("document.activeElement && document.activeElement.blur()")
    assert page.switch_to.active_element.get_attribute("id") != "q"
    ActionChains(page).send_keys("/").perform()
    assert page.switch_to.active_element.get_attribute("id") == "q"
    assert page.find_element(By.ID, "q").get_attribute("value") == "said"  # no "/" typed


def test_screenshots_at_desktop_and_phone_widths(
    page: Chrome, server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Path(os.environ.get("SEARCHLIB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "search": f"{server}/?q=said",
        "article": f"{server}/article?id={quote(SEED_ID)}&q={quote('Power of Siberia')}",
    }
    for width_name, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        _viewport(page, width, height)
        for name, url in pages.items():
            _open(page, url)
            # Nothing wider than the screen: a phone reader never scrolls sideways.
            scroll = page.execute_script("return document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} is {scroll}px wide at {width}px"
            path = _shot(page, folder, f"{name}-{width_name}", capsys)
            assert path.stat().st_size > 10_000  # a rendered page, not a blank one
