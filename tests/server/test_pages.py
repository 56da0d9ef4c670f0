"""The dashboard's pages, as HTML: what they show, escaping, headers, forms."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient
from server_data import EVIL, TOKEN, Filled, settings_for

from pipewarden.server.app import create_app
from pipewarden.server.pages import CSP
from pipewarden.store import open_store

HTML = {"accept": "text/html"}


def test_the_overview_lists_every_dataset_with_its_status(
    client: TestClient, filled: Filled
) -> None:
    page = client.get("/", headers=HTML)

    assert page.status_code == 200
    rows = re.findall(r'<a href="/datasets/([^"]+)">', page.text)
    assert rows == ["orders", "scores"]
    assert f'href="/runs/{filled.orders[-1].id}"' in page.text
    assert '<span class="status s-fail">fail</span>' in page.text
    assert page.headers["content-security-policy"] == CSP


def test_a_run_page_has_findings_charts_and_the_diff(
    client: TestClient, filled: Filled
) -> None:
    run, before = filled.orders[-1], filled.orders[-2]

    page = client.get(f"/runs/{run.id}", headers=HTML).text

    assert "schema.missing_column" in page
    assert f'href="/runs/{before.id}"' in page  # the diff names the run before
    figures = re.findall(
        r'<script type="application/json" id="(run-\d)">(.*?)</script>', page
    )
    assert [f[0] for f in figures] == ["run-1", "run-2"]
    nulls = json.loads(figures[0][1])
    this_run = next(t for t in nulls["data"] if t["name"] == "this run")
    assert this_run["y"] == ["id", "amount", "grade"]
    assert this_run["x"][1] == 30 / 120
    assert '<script src="/static/plotly.min.js" defer></script>' in page


def test_a_dataset_page_draws_history_with_the_contract_thresholds(
    client: TestClient, filled: Filled
) -> None:
    page = client.get(
        "/datasets/orders", params={"column": "amount"}, headers=HTML
    ).text

    figures = [
        json.loads(body)
        for body in re.findall(
            r'<script type="application/json" id="history-\d">(.*?)</script>', page
        )
    ]
    rows, nulls = figures
    assert rows["data"][0]["y"] == [100.0, 110.0, 120.0]
    contract = filled.orders[-1].contract
    assert contract is not None
    assert [s["y0"] for s in rows["layout"]["shapes"]] == [
        contract.dataset.rows.min,
        contract.dataset.rows.max,
    ]
    assert nulls["data"][0]["y"] == [0.0, 11 / 110, 30 / 120]
    assert [s["y0"] for s in nulls["layout"]["shapes"]] == [
        contract.columns["amount"].max_null_rate
    ]


def test_column_names_and_values_are_escaped_everywhere(
    client: TestClient, filled: Filled
) -> None:
    pages = {
        path: client.get(path, headers=HTML).text
        for path in ("/", "/runs", f"/runs/{filled.scores.id}", "/datasets/scores")
    }

    for path, page in pages.items():
        assert EVIL not in page, path
        assert "<img" not in page, path
    run_page = pages[f"/runs/{filled.scores.id}"]
    assert html.escape(EVIL, quote=True) in run_page  # the table cell
    # chart labels: JSON-escaped for the page, entity-escaped for plotly
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in run_page


def test_an_error_page_is_html_for_a_browser_and_json_for_the_api(
    client: TestClient,
) -> None:
    page = client.get("/runs/r-none", headers=HTML)
    api = client.get("/api/runs/r-none", headers=HTML)

    assert page.status_code == api.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>not_found</h1>" in page.text
    assert api.json()["error"] == "not_found"


def test_the_alert_forms_need_the_token_and_change_the_alert(
    client: TestClient, filled: Filled
) -> None:
    aid = filled.alert_id
    page = client.get("/alerts", headers=HTML).text
    refused = client.post(f"/alerts/{aid}/ack", data={"token": "wrong-wrong-wrong"})
    acked = client.post(
        f"/alerts/{aid}/ack",
        data={"token": TOKEN, "by": "erin"},
        follow_redirects=False,
    )

    assert 'type="password" name="token"' in page
    assert refused.status_code == 401
    assert acked.status_code == 303
    assert acked.headers["location"] == f"/alerts#alert-{aid}"
    with open_store(filled.url) as store:
        alert = store.get_alert(aid)
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", "erin")


def test_insecure_mode_says_so_on_every_page(filled: Filled) -> None:
    banner = "Insecure mode: this server accepts writes without a token"
    app = create_app(settings_for(filled.url, token=None, insecure=True))
    with TestClient(app) as open_client:
        pages = [
            open_client.get(p, headers=HTML).text
            for p in ("/", "/runs", "/alerts", "/checklist", "/datasets/orders")
        ]
        missing = open_client.get("/runs/none", headers=HTML).text

    assert all(banner in page for page in [*pages, missing])
    assert 'name="token"' not in pages[2]


def test_no_banner_with_a_token(client: TestClient) -> None:
    assert "Insecure mode" not in client.get("/", headers=HTML).text


def test_the_checklist_lists_datasets_by_last_run(
    client: TestClient, filled: Filled
) -> None:
    page = client.get("/checklist", headers=HTML).text

    order = re.findall(r'<tr><td><a href="/datasets/([^"]+)">', page)
    assert order == ["scores", "orders"]  # scores last ran before orders


def test_plotly_is_served_from_the_server(client: TestClient) -> None:
    got = client.get("/static/plotly.min.js")

    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/javascript")
    assert len(got.content) > 1_000_000
    assert client.get("/static/dashboard.js").status_code == 200
    assert client.get("/static/other.js").status_code == 404
