"""Models over HTTP: predictions and labels (idempotent by batch key), reports,
/metrics (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from server_data import AUTH, Filled, settings_for

from pipewarden.server.app import create_app, tick
from pipewarden.store import open_store
from pipewarden.workflows.models import register_model
from pipewarden.workflows.monitoring import monitor_model
from store_helpers import make_fingerprint

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def _records(n: int, start: int = 0, *, shift: float = 0.0) -> list[dict[str, object]]:
    rng = np.random.default_rng(start)
    x = rng.normal(size=n) + shift
    return [
        {
            "id": f"r{start + i}",
            "ts": (T0 + timedelta(hours=start + i)).isoformat(),
            "x": float(x[i]),
            "pred": float(2 * x[i] + rng.normal(scale=0.1)),
        }
        for i in range(n)
    ]


@pytest.fixture
def model_client(filled: Filled) -> Iterator[TestClient]:
    rng = np.random.default_rng(0)
    train = pl.DataFrame({"x": rng.normal(size=300)}).with_columns(y=pl.col("x") * 2)
    with open_store(filled.url) as store:
        register_model(
            "m",
            "1",
            {"w": 1},
            training_data=train,
            label="y",
            metrics={"mae": 0.1},
            environment=make_fingerprint(),
            store=store,
        )
    with TestClient(create_app(settings_for(filled.url))) as c:
        yield c


def _post_predictions(c: TestClient, records, **extra):  # type: ignore[no-untyped-def]
    body = {"records": records, "id": "id", "prediction": "pred", "time": "ts"}
    headers = {**AUTH, **extra.pop("headers", {})}
    return c.post("/api/models/m/predictions", json={**body, **extra}, headers=headers)


def test_a_batch_sent_twice_with_its_key_stores_nothing_twice(
    model_client: TestClient, filled: Filled
) -> None:
    batch = _records(48)

    first = _post_predictions(model_client, batch, batch_key="b-1")
    again = _post_predictions(model_client, batch, batch_key="b-1")
    by_header = _post_predictions(
        model_client, _records(48, start=100), headers={"Idempotency-Key": "b-1"}
    )
    other = _post_predictions(model_client, _records(24, start=48))

    assert first.status_code == 200, first.text
    assert (first.json()["stored"], first.json()["already_logged"]) == (48, False)
    assert again.json()["already_logged"] is True
    assert by_header.json()["already_logged"] is True  # the key, not the content
    assert other.json()["stored"] == 24
    with open_store(filled.url) as store:
        assert store.load_predictions("m", "1").height == 72  # type: ignore[union-attr]


def test_labels_join_and_a_retry_changes_nothing(
    model_client: TestClient, filled: Filled
) -> None:
    _post_predictions(model_client, _records(48))
    labels = [{"id": r["id"], "y": 2 * r["x"]} for r in _records(48)[:30]]

    first = model_client.post(
        "/api/models/m/labels",
        json={"records": labels, "id": "id", "label": "y", "batch_key": "l-1"},
        headers=AUTH,
    )
    again = model_client.post(
        "/api/models/m/labels",
        json={"records": labels, "id": "id", "label": "y", "batch_key": "l-1"},
        headers=AUTH,
    )
    batches = model_client.get("/api/models/m/batches").json()

    assert first.json()["stored"] == 30 and again.json()["already_logged"] is True
    assert [b["kind"] for b in batches] == ["predictions", "labels"]
    with open_store(filled.url) as store:
        assert store.load_labels("m", "1").height == 30  # type: ignore[union-attr]


def test_the_model_report_is_monitor_models_and_metrics_follow_it(
    model_client: TestClient, filled: Filled
) -> None:
    _post_predictions(model_client, _records(72))
    labels = [{"id": r["id"], "y": 2 * r["x"]} for r in _records(72)]
    model_client.post(
        "/api/models/m/labels",
        json={"records": labels, "id": "id", "label": "y"},
        headers=AUTH,
    )
    before = _model_samples(model_client)

    got = model_client.get("/api/models/m").json()
    after = _model_samples(model_client)

    with open_store(filled.url) as store:
        expected = monitor_model("m", store=store, sync=False).to_dict()
    assert got["windows"] == json.loads(json.dumps(expected["windows"]))
    assert got["baseline"] == {"mae": 0.1}
    newest = [w for w in got["windows"] if w["labelled"]][-1]
    key = (("metric", "mae"), ("model", "m"), ("version", "1"))
    assert ("pipewarden_model_window_metric", key) not in before  # not computed yet
    assert after[("pipewarden_model_window_metric", key)] == pytest.approx(
        newest["metrics"]["mae"]
    )
    mv = (("model", "m"), ("version", "1"))
    assert after[("pipewarden_model_predictions_total", mv)] == 72
    assert after[("pipewarden_model_labels_total", mv)] == 72
    assert after[("pipewarden_model_window_labelled", mv)] == newest["labelled"]
    assert after[("pipewarden_model_retrain_advised", mv)] == float(
        got["advice"]["retrain"]
    )


def test_the_background_tick_computes_the_reports(filled: Filled) -> None:
    rng = np.random.default_rng(1)
    train = pl.DataFrame({"x": rng.normal(size=100)}).with_columns(y=pl.col("x"))
    with open_store(filled.url) as store:
        register_model("n", "2", {"w": 2}, training_data=train, label="y", store=store)
    app = create_app(settings_for(filled.url))
    with TestClient(app) as c:
        c.post(
            "/api/models/n/predictions",
            json={
                "records": _records(30),
                "id": "id",
                "prediction": "pred",
                "time": "ts",
            },
            headers=AUTH,
        )
        listed_before = c.get("/api/models").json()
        tick(app)
        listed_after = c.get("/api/models").json()

    assert [m["report"] for m in listed_before] == [None]
    assert [m["report"] for m in listed_after] == ["current"]
    assert listed_after[0]["predictions"] == 30


def test_an_unknown_model_is_404(model_client: TestClient) -> None:
    got = model_client.post(
        "/api/models/nope/predictions",
        json={"records": _records(2), "id": "id", "prediction": "pred"},
        headers=AUTH,
    )

    assert got.status_code == 404 and got.json()["error"] == "not_found"
    assert (
        model_client.get("/models/nope", headers={"accept": "text/html"}).status_code
        == 404
    )


def _model_samples(
    c: TestClient,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(c.get("/metrics").text)
        for s in f.samples
        if s.name.startswith("pipewarden_model")
    }


def test_an_uploaded_parquet_batch_is_logged_once(
    model_client: TestClient, filled: Filled
) -> None:
    import io

    buffer = io.BytesIO()
    frame = pl.DataFrame(_records(40)).with_columns(
        pl.col("ts").str.to_datetime(time_zone="UTC")
    )
    frame.write_parquet(buffer)
    form = {"id": "id", "prediction": "pred", "time": "ts", "batch_key": "p-1"}

    sent = [
        model_client.post(
            "/api/models/m/predictions/upload",
            files={"file": ("batch.parquet", buffer.getvalue())},
            data=form,
            headers=AUTH,
        ).json()
        for _ in range(2)
    ]

    assert [(r["stored"], r["already_logged"]) for r in sent] == [
        (40, False),
        (40, True),
    ]
    with open_store(filled.url) as store:
        assert store.load_predictions("m", "1").height == 40  # type: ignore[union-attr]


def test_json_bodies_parse_as_json_loads_would(model_client: TestClient) -> None:
    """Bodies are parsed by pydantic-core (fast_json): the same rows as
    ``json.loads`` (NaN, repeated keys: the last wins), malformed JSON a 422."""
    from pipewarden.workflows.traffic import PREDICTION

    text = (
        '{"records": [{"id": "a", "ts": "2026-11-02T00:00:00+00:00", "x": NaN, '
        '"pred": 1.5, "pred": 2.25}, {"id": "b", "ts": "2026-11-02T01:00:00+00:00", '
        '"x": 12345678901234567890, "pred": -0.0}], "id": "id", '
        '"prediction": "pred", "time": "ts", "batch_key": "parsed"}'
    )
    sent = model_client.post(
        "/api/models/m/predictions",
        content=text,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["stored"] == 2
    with open_store(model_client.app.state.settings.store_url) as store:  # type: ignore[attr-defined]
        rows = store.load_predictions("m", "1")
    assert rows is not None
    expected = [r["pred"] for r in json.loads(text)["records"]]
    assert rows.sort("__pw_id")[PREDICTION].to_list() == expected == [2.25, -0.0]

    broken = model_client.post(
        "/api/models/m/predictions",
        content=text[:-5],
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert broken.json()["error"] == "invalid_request"
