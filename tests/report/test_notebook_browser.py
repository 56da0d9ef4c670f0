"""Each result's notebook HTML in a real browser (Debian's chromium), network cut off:
no console or page error, no dialog, and no element made from a hostile name."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from display_data import EVIL, results
from playwright.sync_api import Browser, ConsoleMessage, Route, sync_playwright

CHROMIUM = os.environ.get("PIPEWARDEN_TEST_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = results()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_html_loads_with_no_error_and_runs_nothing(
    browser: Browser, name: str, tmp_path: Path
) -> None:
    body = RESULTS[name]._repr_html_()  # type: ignore[attr-defined]
    path = tmp_path / f"{name}.html"
    path.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>',
        encoding="utf-8",
    )
    page = browser.new_page()
    seen: dict[str, list[str]] = {
        "blocked": [],
        "dialogs": [],
        "errors": [],
        "console": [],
    }

    def route(r: Route) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    def console(m: ConsoleMessage) -> None:
        if m.type in {"error", "warning"}:
            seen["console"].append(m.text)

    page.route("**/*", route)
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", console)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")

    assert seen == {"blocked": [], "dialogs": [], "errors": [], "console": []}
    assert page.locator("img, script, iframe").count() == 0
    text = page.locator(".pipewarden-result").inner_text()
    if name in {"profile", "contract", "drift"}:
        assert EVIL in text  # shown as text, not made into an element
    svgs = page.locator(".pipewarden-result svg rect")
    if name in {"profile", "drift"}:
        assert svgs.count() > 0
        box = page.locator(".pipewarden-result svg").first.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
    page.close()
