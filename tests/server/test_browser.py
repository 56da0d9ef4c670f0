"""The dashboard in a real browser: Debian's chromium driven by Playwright against
``pipewarden serve`` on 127.0.0.1 (a subprocess), with every other host blocked.

Screenshots go to $PIPEWARDEN_TEST_ARTIFACTS/dashboard (else a pytest temp folder).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from server_data import EVIL, TOKEN, Filled, add_model, fill

from pipewarden.store import open_store

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
SRC = Path(__file__).resolve().parents[2] / "src"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}"
    ),
]


@dataclass
class Server:
    base: str
    filled: Filled
    shots: Path


@dataclass
class Watch:
    """What a page tried: requests elsewhere, dialogs (alert()), script errors."""

    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{root / 'store.db'}"
    with open_store(url) as store:
        filled = fill(store, url)
    add_model(url)
    token_file = root / "token"
    token_file.write_text(TOKEN + "\n")
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("PIPEWARDEN_TOKEN", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipewarden",
            "serve",
            "--store",
            url,
            "--port",
            str(port),
            "--token-file",
            str(token_file),
            "--background-seconds",
            "0",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        artifacts = os.environ.get("PIPEWARDEN_TEST_ARTIFACTS")
        shots = (
            Path(artifacts) / "dashboard"
            if artifacts
            else tmp_path_factory.mktemp("screenshots")
        )
        shots.mkdir(parents=True, exist_ok=True)
        yield Server(base, filled, shots)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"pipewarden serve exited: {out}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("pipewarden serve did not come up in 30 s")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server: Server):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    watch = Watch()

    def route(r) -> None:  # type: ignore[no-untyped-def]
        if r.request.url.startswith(server.base):
            r.continue_()
        else:
            watch.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on(
        "console",
        lambda m: watch.console.append(m.text) if m.type == "error" else None,
    )
    page.watch = watch
    yield page
    page.close()
    assert watch.blocked == [] and watch.errors == []
    # no Content-Security-Policy violation, no failed load (the wrong-token case
    # answers 401 on purpose)
    assert [m for m in watch.console if "401" not in m] == []


def _charts_drawn(page, expected: int) -> None:  # type: ignore[no-untyped-def]
    assert page.locator(".pw-chart").count() == expected
    page.wait_for_selector(
        f".pw-chart[data-drawn='1'] >> nth={expected - 1}", timeout=30_000
    )
    drawn = page.eval_on_selector_all(
        ".pw-chart",
        """els => els.map(e => ({
            drawn: e.getAttribute('data-drawn'),
            svg: e.querySelectorAll('.main-svg').length,
            marks: e.querySelectorAll('.bars path, .scatterlayer path.js-line, .point').length,
            width: e.getBoundingClientRect().width,
            height: e.getBoundingClientRect().height,
        }))""",
    )
    assert len(drawn) == expected
    for chart in drawn:
        assert chart["drawn"] == "1" and chart["svg"] >= 1 and chart["marks"] >= 1, (
            chart
        )
        assert chart["width"] > 300 and chart["height"] > 150, chart


def test_the_overview_shows_the_datasets(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.base + "/")

    names = page.locator("#datasets tbody tr td:first-child").all_inner_texts()
    page.screenshot(path=str(server.shots / "overview.png"), full_page=True)

    assert names == ["orders", "scores"]
    assert page.locator("#datasets .status.s-fail").count() == 1
    assert (server.shots / "overview.png").stat().st_size > 10_000


def test_open_a_run_and_see_its_charts_drawn(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    run = server.filled.orders[-1]
    page.goto(server.base + "/")

    page.click(f"a[href='/runs/{run.id}']")
    page.wait_for_url(f"**/runs/{run.id}")
    _charts_drawn(page, 2)
    page.screenshot(path=str(server.shots / "run.png"), full_page=True)

    assert "schema.missing_column" in page.inner_text(".findings")
    assert page.locator("#diff-columns").count() == 1


def test_a_dataset_history_is_drawn_with_thresholds(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.base + "/datasets/orders?column=amount")

    _charts_drawn(page, 2)
    page.screenshot(path=str(server.shots / "dataset.png"), full_page=True)

    # the dashed threshold lines are drawn as shapes
    assert page.locator(".pw-chart .shapelayer path").count() >= 3


def test_acknowledge_an_alert_and_see_its_state_change(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    aid = server.filled.alert_id
    page.goto(server.base + "/alerts")
    row = page.locator(f"#alert-{aid}")
    assert row.locator(".alert-status").inner_text().startswith("open")

    row.locator("form[action$='/ack'] input[name=token]").fill(TOKEN)
    row.locator("button.ack").click()
    page.wait_for_url(f"**/alerts#alert-{aid}")
    page.screenshot(path=str(server.shots / "alerts.png"), full_page=True)

    status = page.locator(f"#alert-{aid} .alert-status").inner_text()
    assert status.startswith("acknowledged")
    assert "by dashboard" in status
    assert page.locator(f"#alert-{aid} button.ack").count() == 0


def test_a_wrong_token_in_the_form_is_refused(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    aid = server.filled.alert_id
    page.goto(server.base + "/alerts")
    row = page.locator(f"#alert-{aid}")

    row.locator("form[action$='/resolve'] input[name=token]").fill(
        "not-the-token-at-all"
    )
    row.locator("button.resolve").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "unauthorized"
    with open_store(server.filled.url) as store:
        assert store.get_alert(aid).status != "resolved"


def test_a_column_named_like_html_runs_no_script(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    run = server.filled.scores
    for path in (f"/runs/{run.id}", "/datasets/scores", "/", "/runs"):
        page.goto(server.base + path)
        if path.startswith("/runs/"):
            _charts_drawn(page, 2)
            page.screenshot(path=str(server.shots / "evil_column.png"), full_page=True)

        assert page.locator("img").count() == 0, path
        assert page.watch.dialogs == [], path
    cells = page.locator("#runs tbody td").all_inner_texts()
    assert "scores" in cells
    page.goto(server.base + f"/runs/{run.id}")
    assert EVIL in page.locator("#columns").inner_text()


def test_the_api_docs_render_offline(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.base + "/docs")

    page.wait_for_selector(".opblock", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    page.screenshot(path=str(server.shots / "docs.png"))

    assert "/api/checks" in paths and "/metrics" in paths


def test_a_model_page_draws_its_window_charts(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.base + "/")
    page.click("#models a[href^='/models/m']")
    page.wait_for_url("**/models/m?version=1")

    # metrics per window (mae, mape, mean_residual), predictions and labels
    _charts_drawn(page, 4)
    page.screenshot(path=str(server.shots / "model.png"), full_page=True)

    assert page.locator("#windows tbody tr").count() >= 1
    assert "Model m" in page.locator("h1").inner_text()
