"""The server tests' store: runs of two datasets and an open alert; the token."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from pipewarden.checks.findings import Finding, Severity
from pipewarden.contracts.infer import infer_contract
from pipewarden.monitor.rules import RuleSet
from pipewarden.server.settings import ServerSettings
from pipewarden.store import Run, Store, open_store
from pipewarden.workflows.alerts import alert_on_run
from pipewarden.workflows.models import register_model
from pipewarden.workflows.traffic import log_labels, log_predictions
from store_helpers import (
    ERROR,
    T0,
    WARNING,
    frame,
    make_fingerprint,
    make_run,
    profile_of,
    save,
)

TOKEN = "test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EVIL = "<img src=x onerror=alert(1)>"
"""A column name (and value) that would run script if a page did not escape it."""


@dataclass(frozen=True)
class Filled:
    """What the filled store holds."""

    url: str
    orders: tuple[Run, ...]  # oldest first
    scores: Run
    alert_id: int


def drift_finding(column: str, value: float) -> Finding:
    return Finding(
        check="drift.psi",
        column=column,
        severity=Severity.INFO,
        message=f"Column '{column}' PSI {value}.",
        value=value,
        threshold=0.2,
    )


def fill(store: Store, url: str) -> Filled:
    """Three runs of 'orders' (nulls growing, the last failing), one of 'scores'."""
    runs = []
    for day, nulls in enumerate((0, 10, 4)):
        data = frame(100 + 10 * day, null_every=nulls)
        prof = profile_of(data)
        findings: tuple[Finding, ...] = (drift_finding("amount", 0.05 * (day + 1)),)
        if day == 1:
            findings += (WARNING,)
        if day == 2:
            findings += (ERROR, drift_finding("grade", 0.31))
        contract = infer_contract(profile_of(frame(100)), name="orders")
        run = make_run(
            prof,
            *findings,
            started_at=T0 + timedelta(days=day),
            contract=contract,
            contract_digest=contract.digest,
        )
        runs.append(save(store, run))
    scores = save(
        store,
        make_run(
            profile_of(frame(50).rename({"grade": EVIL})),
            dataset="scores",
            started_at=T0 + timedelta(hours=5),
        ),
    )
    outcome = alert_on_run(
        store, runs[-1], RuleSet.default(), now=runs[-1].started_at, environ={}
    )
    alert = outcome.events[0].alert
    assert alert.id is not None
    return Filled(url, tuple(runs), scores, alert.id)


def settings_for(url: str, **overrides: object) -> ServerSettings:
    values: dict[str, object] = {
        "store_url": url,
        "token": TOKEN,
        "background_seconds": 0,
        "environ": {k: v for k, v in os.environ.items() if k == "PATH"},
    }
    values.update(overrides)
    return ServerSettings(**values)  # type: ignore[arg-type]


def add_model(url: str) -> None:
    """Register model m:1 with a day of predictions and labels."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=48)
    start = datetime(2026, 11, 2, tzinfo=UTC)
    batch = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(48)],
            "ts": [start + timedelta(minutes=30 * i) for i in range(48)],
            "x": x,
            "pred": 2 * x,
            "y": 2 * x + rng.normal(scale=0.1, size=48),
        }
    )
    with open_store(url) as store:
        register_model(
            "m",
            "1",
            {"w": 1},
            training_data=batch.select("x", "y"),
            label="y",
            environment=make_fingerprint(),
            store=store,
        )
        log_predictions(
            "m", batch.drop("y"), id="id", prediction="pred", time="ts", store=store
        )
        log_labels("m", batch.select("id", "y"), id="id", label="y", store=store)
