"""The REST API against the store and the workflows it fronts (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import polars as pl
import pytest
from fastapi.testclient import TestClient
from server_data import AUTH, EVIL, TOKEN, Filled, settings_for

import pipewarden as pw
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.yaml_io import dump_contract
from pipewarden.pipelines.run_diff import diff_runs
from pipewarden.server.app import create_app
from pipewarden.store import open_store
from pipewarden.workflows.checklist import checklist
from pipewarden.workflows.conform import conform
from store_helpers import frame


def test_runs_list_newest_first_with_filters(
    client: TestClient, filled: Filled
) -> None:
    every = client.get("/api/runs").json()
    orders = client.get("/api/runs", params={"dataset": "orders"}).json()
    failing = client.get("/api/runs", params={"status": "fail"}).json()
    two = client.get("/api/runs", params={"limit": 2}).json()

    newest_first = [r.id for r in reversed(filled.orders)]
    assert [r["id"] for r in orders] == newest_first
    # scores ran 5 hours after the first orders run, before the second
    assert [r["id"] for r in every] == [
        *newest_first[:2],
        filled.scores.id,
        newest_first[2],
    ]
    assert [r["id"] for r in failing] == [filled.orders[-1].id]
    assert len(two) == 2
    assert orders[0] == filled.orders[-1].summary.to_dict()


def test_run_detail_has_findings_and_the_profile_summary(
    client: TestClient, filled: Filled
) -> None:
    run = filled.orders[-1]

    got = client.get(f"/api/runs/{run.id[:14]}").json()

    assert got["id"] == run.id
    assert got["findings"] == [f.to_dict() for f in run.result.findings]
    assert run.profile is not None
    amount = run.profile.columns["amount"]
    assert got["profile"]["rows"] == run.profile.rows == 120
    assert got["profile"]["columns"]["amount"]["null_rate"] == pytest.approx(
        amount.null_rate
    )
    assert got["profile"]["columns"]["amount"]["null_rate"] == pytest.approx(30 / 120)


def test_run_diff_defaults_to_the_run_before(
    client: TestClient, filled: Filled
) -> None:
    first, second, third = filled.orders

    default = client.get(f"/api/runs/{third.id}/diff").json()
    named = client.get(
        f"/api/runs/{third.id}/diff", params={"against": first.id}
    ).json()
    none_before = client.get(f"/api/runs/{first.id}/diff")

    with open_store(filled.url) as store:
        expected = diff_runs(store.get_run(second.id), store.get_run(third.id))
        expected_named = diff_runs(store.get_run(first.id), store.get_run(third.id))
    assert default == json.loads(json.dumps(expected.to_dict()))
    assert named == json.loads(json.dumps(expected_named.to_dict()))
    assert none_before.status_code == 404
    assert none_before.json()["error"] == "not_found"


def test_datasets_have_their_newest_run_and_counts(
    client: TestClient, filled: Filled
) -> None:
    listed = client.get("/api/datasets").json()
    one = client.get("/api/datasets/orders").json()

    assert [d["name"] for d in listed] == ["orders", "scores"]
    orders = listed[0]
    assert orders["runs"] == 3
    assert orders["last_run"]["id"] == filled.orders[-1].id
    assert orders["findings"] == {"error": 1, "warning": 0, "info": 2}
    assert one["recent_runs"][0]["id"] == filled.orders[-1].id
    assert client.get("/api/datasets/nope").status_code == 404


def test_metric_history_is_the_stored_series(
    client: TestClient, filled: Filled
) -> None:
    got = client.get(
        "/api/datasets/orders/history",
        params={"metric": "null_rate", "column": "amount"},
    ).json()

    assert got["values"] == pytest.approx([0.0, 11 / 110, 30 / 120])
    assert got["run_ids"] == [r.id for r in filled.orders]


def _contract_yaml() -> str:
    return dump_contract(infer_contract(pw.profile(frame(100)), name="orders"))


def test_a_check_of_json_records_equals_pw_check(client: TestClient) -> None:
    batch = frame(100, null_every=3)
    contract = _contract_yaml()

    got = client.post(
        "/api/checks",
        json={"records": batch.to_dicts(), "contract": contract},
        headers=AUTH,
    )

    expected = pw.check(batch, _parsed(contract))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["run_id"] is None
    assert _comparable(body["result"]) == _comparable(expected.to_dict())
    assert any(f["check"] == "nulls.rate" for f in body["result"]["findings"])


def _parsed(text: str) -> pw.Contract:
    from pipewarden.contracts.yaml_io import parse_contract

    return parse_contract(text)


def _comparable(result: dict[str, object]) -> dict[str, object]:
    """The result without what names the batch (a frame here, records there)."""
    return {k: v for k, v in result.items() if k not in ("dataset",)}


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_an_uploaded_file_is_checked_and_recorded(
    client: TestClient, filled: Filled, suffix: str
) -> None:
    batch = frame(80, null_every=4)
    buffer = io.BytesIO()
    {
        ".csv": batch.write_csv,
        ".parquet": batch.write_parquet,
        ".jsonl": batch.write_ndjson,
    }[suffix](buffer)

    got = client.post(
        "/api/checks/upload",
        files={"file": (f"batch{suffix}", buffer.getvalue())},
        data={"dataset": "orders"},  # no contract: the newest run's
        headers=AUTH,
    )

    assert got.status_code == 200, got.text
    body = got.json()
    with open_store(filled.url) as store:
        run = store.get_run(body["run_id"])
        assert store.count_runs(dataset="orders") == 4
    assert run.dataset == "orders"
    assert run.result.rows == body["result"]["rows"] == 80
    nulls = [f for f in body["result"]["findings"] if f["check"] == "nulls.rate"]
    assert nulls and nulls[0]["value"] == pytest.approx(20 / 80)


def test_an_upload_of_an_unknown_kind_is_refused(client: TestClient) -> None:
    got = client.post(
        "/api/checks/upload",
        files={"file": ("batch.xlsx", b"PK..")},
        data={"dataset": "orders"},
        headers=AUTH,
    )

    assert got.status_code == 422
    assert got.json() == {
        "error": "unreadable_data",
        "message": "The uploaded file 'batch.xlsx' has no readable extension. "
        "Upload a .csv, .parquet, .jsonl, .ndjson, .arrow, .ipc file.",
    }


def test_a_check_without_contract_or_dataset_says_what_to_send(
    client: TestClient,
) -> None:
    got = client.post("/api/checks", json={"records": [{"id": 1}]}, headers=AUTH)

    assert got.status_code == 400
    assert got.json()["error"] == "bad_request"
    assert "Say which contract to use" in got.json()["message"]


def test_a_bad_contract_is_422_invalid_contract(client: TestClient) -> None:
    got = client.post(
        "/api/checks",
        json={"records": [{"id": 1}], "contract": "kind: other\nversion: 1\n"},
        headers=AUTH,
    )

    assert got.status_code == 422
    assert got.json()["error"] == "invalid_contract"


def test_conform_returns_the_rows_and_the_quarantine_of_the_workflow(
    client: TestClient,
) -> None:
    contract = _parsed(_contract_yaml())
    records = frame(30).to_dicts()
    records[3]["grade"] = "Z"  # unseen category
    records[5]["amount"] = "not a number"

    got = client.post(
        "/api/conform",
        json={"records": records, "contract": dump_contract(contract)},
        headers=AUTH,
    )

    expected = conform(pl.from_dicts(records, infer_schema_length=None), contract)
    assert got.status_code == 200, got.text
    body = got.json()
    assert len(body["rows"]) == expected.rows_out
    assert len(body["quarantine"]) == expected.rows_quarantined
    assert len(body["rows"]) + len(body["quarantine"]) == 30
    assert (
        body["result"]["conform"]
        == json.loads(json.dumps(expected.to_dict()))["conform"]
    )


def test_acknowledge_then_resolve_an_alert(client: TestClient, filled: Filled) -> None:
    aid = filled.alert_id
    listed = client.get("/api/alerts").json()

    acked = client.post(f"/api/alerts/{aid}/ack", json={"by": "dana"}, headers=AUTH)
    again = client.post(f"/api/alerts/{aid}/ack", headers=AUTH)
    resolved = client.post(f"/api/alerts/{aid}/resolve", headers=AUTH)
    detail = client.get(f"/api/alerts/{aid}").json()

    assert [a["id"] for a in listed] == [aid]
    assert (
        acked.status_code == 200 and acked.json()["alert"]["status"] == "acknowledged"
    )
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    assert resolved.status_code == 200
    assert detail["status"] == "resolved"
    assert detail["acknowledged_by"] == "dana"
    assert [e["kind"] for e in detail["events"]] == [
        "opened",
        "acknowledged",
        "resolved",
    ]
    assert client.get("/api/alerts").json() == []


def test_the_checklist_is_the_workflows(client: TestClient, filled: Filled) -> None:
    got = client.get("/api/checklist", params={"day": "2026-11-03"}).json()

    with open_store(filled.url) as store:
        expected = checklist(
            datetime(2026, 11, 3).date(),
            store=store,
            now=datetime.fromisoformat(got["now"]),
            alerts=False,
        )
    assert got == json.loads(json.dumps(expected.to_dict()))
    assert got["alerts"] == []  # a GET judges no alert (the alert stays as it was)
    assert client.get(f"/api/alerts/{filled.alert_id}").json()["escalation_level"] == 0


def test_errors_are_json_from_the_table(client: TestClient) -> None:
    missing = client.get("/api/runs/r-nope")
    route = client.get("/api/nothing-here")
    invalid = client.get("/api/runs", params={"limit": 0})
    method = client.delete("/api/runs")

    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert route.json() == {
        "error": "not_found",
        "message": "No route /api/nothing-here. See /docs for the API.",
    }
    assert invalid.status_code == 422 and invalid.json()["error"] == "invalid_request"
    assert method.status_code == 405 and method.json()["error"] == "method_not_allowed"


def test_a_body_over_the_limit_is_413(filled: Filled) -> None:
    app = create_app(settings_for(filled.url, max_body_bytes=1000))
    records = [{"id": i, "text": "x" * 50} for i in range(40)]  # ~2.6 kB

    with TestClient(app) as small:
        declared = small.post("/api/checks", json={"records": records}, headers=AUTH)

        def chunks():  # no Content-Length: counted while read
            body = json.dumps({"records": records}).encode()
            for i in range(0, len(body), 500):
                yield body[i : i + 500]

        streamed = small.post(
            "/api/checks",
            content=chunks(),
            headers={**AUTH, "content-type": "application/json"},
        )
        fits = small.post("/api/checks", json={"records": [{"id": 1}]}, headers=AUTH)

    assert declared.status_code == 413
    assert declared.json()["error"] == "body_too_large"
    assert streamed.status_code == 413
    assert streamed.json()["error"] == "body_too_large"
    assert fits.status_code == 400  # past the limit check: no contract named


def test_the_token_is_never_in_a_response_or_the_app_repr(client: TestClient) -> None:
    wrong = client.post("/api/alerts/1/ack", headers={"Authorization": "Bearer nope"})

    assert wrong.status_code == 401
    assert TOKEN not in wrong.text
    assert TOKEN not in repr(client.app.state.auth)  # type: ignore[attr-defined]


def test_the_background_tick_escalates_and_delivers(filled: Filled) -> None:
    from pipewarden.server.app import tick

    app = create_app(settings_for(filled.url))
    with open_store(filled.url) as store:
        before = store.get_alert(filled.alert_id)
    assert before.due_at is not None

    tick(app, now=before.due_at.astimezone(UTC))

    with open_store(filled.url) as store:
        after = store.get_alert(filled.alert_id)
        events = [e.kind for e in store.list_alert_events(filled.alert_id)]
    assert after.escalation_level == before.escalation_level + 1
    assert events[-1] == "escalated"
    assert app.state.background.ticks == 1
    app.state.store.close()


def test_the_evil_column_comes_back_as_data(client: TestClient, filled: Filled) -> None:
    got = client.get(f"/api/runs/{filled.scores.id}").json()

    assert EVIL in got["columns"]


def test_a_check_against_the_last_passing_run_names_it(
    client: TestClient, filled: Filled
) -> None:
    batch = frame(100, null_every=2)

    got = client.post(
        "/api/checks",
        json={
            "records": batch.to_dicts(),
            "dataset": "orders",
            "reference": "last-pass",
        },
        headers=AUTH,
    )

    assert got.status_code == 200, got.text
    with open_store(filled.url) as store:
        run = store.get_run(got.json()["run_id"])
    passing = filled.orders[1]  # warn counts as passing; the newest run fails
    assert run.reference == f"run:{passing.id}"
    drift = {
        f["column"]
        for f in got.json()["result"]["findings"]
        if f["check"].startswith("drift.")
    }
    assert drift == {"id", "amount", "grade"}


def test_a_check_against_a_reference_set_names_its_version(
    client: TestClient, filled: Filled
) -> None:
    reference = frame(300)
    pw.references.add("orders-ref", reference, store=filled.url, user="server")
    batch = frame(100, null_every=2)

    got = client.post(
        "/api/checks",
        json={
            "records": batch.to_dicts(),
            "dataset": "orders",
            "reference": "ref:orders-ref",
        },
        headers=AUTH,
    )

    assert got.status_code == 200, got.text
    with open_store(filled.url) as store:
        run = store.get_run(got.json()["run_id"])
    assert run.reference == "ref:orders-ref@1"
    nulls = [
        f
        for f in got.json()["result"]["findings"]
        if f["check"] == "drift.null_rate" and f["column"] == "amount"
    ]
    assert [f["severity"] for f in nulls] == ["error"]
