"""/metrics: Prometheus exposition of the store, checked value by value."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from server_data import Filled, add_model, settings_for

from pipewarden.server.app import create_app, tick
from pipewarden.server.metrics import METRIC_NAMES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _scrape(filled: Filled, **overrides: object) -> str:
    app = create_app(settings_for(filled.url, **overrides))
    with TestClient(app) as c:
        tick(app)  # computes the model reports (the background loop's job)
        got = c.get("/metrics")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/plain; version=0.0.4")
    return got.text


def test_dataset_metrics_are_the_newest_runs(filled: Filled) -> None:
    before = datetime.now(UTC)
    samples = _samples(_scrape(filled))
    after = datetime.now(UTC)

    def get(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted(labels.items())))]

    last = filled.orders[-1]
    assert get("pipewarden_datasets") == 2
    assert get("pipewarden_dataset_runs_total", dataset="orders") == 3
    assert get("pipewarden_dataset_runs_total", dataset="scores") == 1
    assert [
        get("pipewarden_dataset_last_run_status", dataset="orders", status=s)
        for s in ("pass", "warn", "fail")
    ] == [0, 0, 1]
    assert get("pipewarden_dataset_last_run_rows", dataset="orders") == 120
    assert (
        get("pipewarden_dataset_last_run_findings", dataset="orders", severity="error")
        == 1
    )
    assert (
        get("pipewarden_dataset_last_run_findings", dataset="orders", severity="info")
        == 2
    )
    assert (
        get("pipewarden_dataset_last_run_findings", dataset="scores", severity="error")
        == 0
    )
    assert get(
        "pipewarden_dataset_last_run_timestamp_seconds", dataset="orders"
    ) == pytest.approx(last.started_at.timestamp())
    age = get("pipewarden_dataset_last_run_age_seconds", dataset="orders")
    assert (before - last.started_at).total_seconds() <= age
    assert age <= (after - last.started_at).total_seconds()
    assert (
        get(
            "pipewarden_alerts_open",
            severity="sev3",
            status="open",
            subject_kind="dataset",
        )
        == 1
    )
    assert (
        get(
            "pipewarden_alerts_open",
            severity="sev1",
            status="open",
            subject_kind="dataset",
        )
        == 0
    )


def test_columns_only_for_datasets_that_opt_in(filled: Filled) -> None:
    plain = _samples(_scrape(filled))
    opted = _samples(_scrape(filled, column_metrics=frozenset({"orders"})))

    def columns(samples: dict) -> dict[tuple, float]:
        return {
            k: v
            for k, v in samples.items()
            if k[0].startswith("pipewarden_dataset_column_")
        }

    assert columns(plain) == {}
    got = columns(opted)
    nulls = {
        dict(k[1])["column"]: v for k, v in got.items() if k[0].endswith("null_ratio")
    }
    drift = {
        (dict(k[1])["column"], dict(k[1])["statistic"]): v
        for k, v in got.items()
        if k[0].endswith("drift_score")
    }
    assert {dict(k[1])["dataset"] for k in got} == {"orders"}
    assert nulls == {"id": 0.0, "amount": pytest.approx(30 / 120), "grade": 0.0}
    assert drift == {("amount", "psi"): pytest.approx(0.15), ("grade", "psi"): 0.31}


def test_names_follow_prometheus_conventions(filled: Filled) -> None:
    text = _scrape(filled, column_metrics=frozenset({"orders"}))
    families = {f.name: f for f in text_string_to_metric_families(text)}

    for name, family in families.items():
        assert name.startswith("pipewarden_")
        assert re.fullmatch(r"[a-z_]+", name)
        exposed = {s.name for s in family.samples}
        if family.type == "counter":  # (no model here: its counters are empty)
            assert exposed <= {f"{name}_total"}
    assert {s.name for f in families.values() for s in f.samples} <= set(METRIC_NAMES)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="no promtool")
def test_promtool_reads_the_exposition(filled: Filled) -> None:
    text = _scrape(filled, column_metrics=frozenset({"orders"}))

    done = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stdout + done.stderr


def _referenced(text: str) -> set[str]:
    return set(re.findall(r"\bpipewarden_[a-z_]+\b", text))


def test_every_metric_the_examples_reference_exists(filled: Filled) -> None:
    add_model(filled.url)
    text = _scrape(filled, column_metrics=frozenset({"orders"}))
    exposed = {s.name for f in text_string_to_metric_families(text) for s in f.samples}
    dashboard = json.loads((EXAMPLES / "grafana_dashboard.json").read_text())
    exprs = " ".join(
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    )
    rules = (EXAMPLES / "prometheus_alerts.yml").read_text()

    in_dashboard, in_rules = _referenced(exprs), _referenced(rules)

    assert len(in_dashboard) >= 6 and len(in_rules) >= 3
    assert in_dashboard - exposed == set()
    assert in_rules - exposed == set()


@pytest.mark.skipif(shutil.which("promtool") is None, reason="no promtool")
def test_promtool_accepts_the_example_alert_rules() -> None:
    done = subprocess.run(
        ["promtool", "check", "rules", str(EXAMPLES / "prometheus_alerts.yml")],
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 7 rules found" in done.stdout
