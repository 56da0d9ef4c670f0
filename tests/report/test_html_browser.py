"""The HTML report in a real browser (Debian's chromium), with the network cut off."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from report_data import EVIL_COLUMN, EVIL_VALUE

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.report import render_report
from pipewarden.report._charts import LABEL_CHARS

CHROMIUM = os.environ.get("PIPEWARDEN_TEST_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"
    ),
]


@dataclass
class Opened:
    """A report open in the browser, with what it tried to do."""

    page: Page
    path: Path
    screenshot: Path
    charted: int
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


def _open(browser: Browser, folder: Path, page_html: str) -> Opened:
    """Open a report with every request but file:// blocked; wait for its charts."""
    path = folder / "report.html"
    path.write_text(page_html, encoding="utf-8")
    charted = page_html.count('class="pw-figure"')
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    state = Opened(page, path, folder / "report.png", charted)

    def route(r: Route) -> None:
        url = r.request.url
        state.requests.append(url)
        if url.startswith("file://"):
            r.continue_()
        else:
            state.blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("dialog", lambda d: (state.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: state.errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function(
        "n => document.querySelectorAll('.chart svg.main-svg').length >= n",
        arg=charted,
        timeout=30_000,
    )
    page.screenshot(path=str(state.screenshot), full_page=True)
    return state


@pytest.fixture(scope="module")
def opened(
    browser: Browser,
    tmp_path_factory: pytest.TempPathFactory,
    result: CheckResult,
    current: DatasetProfile,
    reference: DatasetProfile,
) -> Opened:
    page_html = render_report(result, current=current, reference=reference)
    return _open(browser, tmp_path_factory.mktemp("browser"), page_html)


def _column_texts(opened: Opened, index: int) -> list[str]:
    texts: list[str] = opened.page.eval_on_selector_all(
        "#findings-table tbody tr:not([hidden])",
        f"rows => rows.map(r => r.cells[{index}].textContent.trim())",
    )
    return texts


def test_report_renders_offline_with_a_chart_per_charted_column(opened: Opened) -> None:
    assert opened.blocked == []
    assert all(url.startswith("file://") for url in opened.requests)
    assert opened.errors == []
    sizes = opened.page.eval_on_selector_all(
        ".chart",
        "charts => charts.map(c => { const s = c.querySelector('svg.main-svg');"
        " if (!s) return 0; const r = s.getBoundingClientRect();"
        " return r.width * r.height; })",
    )
    assert len(sizes) == opened.charted == 6  # five columns and the null rates
    assert all(size > 0 for size in sizes)
    assert opened.screenshot.stat().st_size > 10_000


def test_network_requests_are_blocked_by_the_route(opened: Opened) -> None:
    status = opened.page.evaluate(
        "() => fetch('https://example.com/x').then(() => 'loaded', () => 'blocked')"
    )
    assert status == "blocked"
    assert opened.blocked[-1].startswith("https://example.com/")
    opened.blocked.clear()


def test_clicking_a_header_sorts_the_findings(opened: Opened) -> None:
    page = opened.page
    header = page.locator("#findings-table thead th", has_text="Check")
    header.click()
    ascending = _column_texts(opened, 1)
    assert ascending == sorted(ascending)
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert _column_texts(opened, 1) == sorted(ascending, reverse=True)
    page.locator("#findings-table thead th", has_text="Severity").click()
    assert _column_texts(opened, 0) == ["info", "warning", "warning", "error"]


def test_severity_and_text_filters_hide_rows(opened: Opened) -> None:
    page = opened.page
    page.locator(".severity-filter input[value=warning]").uncheck()
    page.locator(".severity-filter input[value=info]").uncheck()
    assert _column_texts(opened, 0) == ["error"]
    assert page.locator("#finding-count").inner_text() == "1 of 4 shown"
    page.locator(".severity-filter input[value=warning]").check()
    page.locator("#finding-filter").fill("CITY")
    assert _column_texts(opened, 2) == ["city"]
    page.locator("#finding-filter").fill("no such text")
    assert page.locator("#findings-empty").is_visible()
    page.locator("#finding-filter").fill("")
    page.locator(".severity-filter input[value=info]").check()
    assert page.locator("#finding-count").inner_text() == "4 of 4 shown"


def test_hostile_names_show_as_text_and_never_run(opened: Opened) -> None:
    page = opened.page
    assert opened.dialogs == []
    title = page.locator("article.card h3", has_text="alert(1)")
    assert title.inner_text() == EVIL_COLUMN
    assert title.is_visible()
    ticks = page.eval_on_selector_all(
        "article.card:has(h3:text-is('city')) svg.main-svg text",
        "texts => texts.map(t => t.textContent)",
    )
    assert EVIL_VALUE[: LABEL_CHARS - 1] + "\u2026" in ticks
    assert page.evaluate("() => typeof window.alert === 'function'")
    assert opened.dialogs == []


def test_many_info_findings_start_hidden(browser: Browser, tmp_path: Path) -> None:
    info = tuple(
        Finding("drift.psi", f"c{i}", Severity.INFO, f"Column 'c{i}' is stable.")
        for i in range(12)
    )
    error = Finding("nulls.rate", "c0", Severity.ERROR, "Column 'c0' is 30% null.")
    opened = _open(browser, tmp_path, render_report(CheckResult(1, (error, *info))))
    assert _column_texts(opened, 0) == ["error"]
    assert opened.page.locator("#finding-count").inner_text() == "1 of 13 shown"
    opened.page.locator(".severity-filter input[value=info]").check()
    assert len(_column_texts(opened, 0)) == 13
    assert opened.errors == [] and opened.blocked == []
