"""Builders shared by the tests that keep runs: fingerprints, profiles, results, runs,
PostgreSQL schemas."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pytest

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import Contract
from pipewarden.engines.local import LocalEngine
from pipewarden.env.fingerprint import CodeVersion, Fingerprint
from pipewarden.monitor.metrics import profile_metrics
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store.records import Run, new_run_id

if TYPE_CHECKING:
    import sqlalchemy as sa

    from pipewarden.store import Store

PG_ENV = "PIPEWARDEN_TEST_PG_URL"
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # a Monday


def pg_url() -> str:
    """The test server's URL, or skip the test when none is configured."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set (start one with scripts/pg_test_server.sh)")
    return url


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; dropped afterwards."""
    import sqlalchemy as sa

    base = pg_url()
    schema = f"pw_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


def make_fingerprint(
    packages: dict[str, str] | None = None, **overrides: Any
) -> Fingerprint:
    fields: dict[str, Any] = {
        "python_version": "3.11.7",
        "python_implementation": "CPython",
        "python_build": ("main", "Jan  1 2024 00:00:00"),
        "python_compiler": "GCC 12.2.0",
        "executable": "/opt/venv/bin/python",
        "os": "Linux",
        "os_release": "6.1.0",
        "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
        "machine": "x86_64",
        "cpu_count": 8,
        "hostname": "trainer-1",
        "captured_at": "2026-11-01T00:00:00+00:00",
        "packages": tuple(
            sorted((packages or {"numpy": "2.1.0", "scikit-learn": "1.5.2"}).items())
        ),
        "env": (),
    }
    fields.update(overrides)
    return Fingerprint(**fields)


CODE = CodeVersion(commit="a" * 40, branch="main", dirty=False)


def frame(n: int = 100, *, null_every: int = 0, shift: float = 0.0) -> pl.DataFrame:
    """A small batch: an id, a float with optional nulls, a category."""
    return pl.DataFrame(
        {
            "id": list(range(n)),
            "amount": [
                None if null_every and i % null_every == 0 else i * 1.5 + shift
                for i in range(n)
            ],
            "grade": [("A", "B", "C")[i % 3] for i in range(n)],
        }
    )


def profile_of(data: pl.DataFrame) -> DatasetProfile:
    return LocalEngine().profile_frame(data)


def contract_for(prof: DatasetProfile, name: str = "orders") -> Contract:
    return infer_contract(prof, name=name)


def result_for(
    prof: DatasetProfile, *findings: Finding, dataset: str = "orders"
) -> CheckResult:
    return CheckResult(
        rows=prof.rows,
        findings=tuple(findings),
        dataset=dataset,
        contract="orders.yaml",
    )


WARNING = Finding(
    check="nulls.rate",
    column="amount",
    severity=Severity.WARNING,
    message="Column 'amount' is 10% null.",
    value=0.1,
    threshold=0.05,
)
ERROR = Finding(
    check="schema.missing_column",
    column="grade",
    severity=Severity.ERROR,
    message="Column 'grade' is missing.",
)


def database_of(store: Store) -> sa.Engine:
    """The SQL database behind a store, for tests that look at its rows."""
    from pipewarden.store.sql import SqlStore

    assert isinstance(store, SqlStore)
    return store.database


def make_run(
    prof: DatasetProfile,
    *findings: Finding,
    dataset: str = "orders",
    started_at: datetime = T0,
    **fields: Any,
) -> Run:
    """A finished run of ``prof``, 3 s long, with FP-like provenance unless given."""
    values: dict[str, Any] = {
        "id": new_run_id(started_at),
        "dataset": dataset,
        "started_at": started_at,
        "finished_at": started_at + timedelta(seconds=3),
        "result": result_for(prof, *findings, dataset=dataset),
        "profile": prof,
        "environment": make_fingerprint(),
        "code": CODE,
    }
    values.update(fields)
    return Run(**values)


def save(store: Store, run: Run) -> Run:
    """Keep a run with the metric points of its profile; returns it."""
    assert run.profile is not None
    points = profile_metrics(
        run.profile, dataset=run.dataset, recorded_at=run.started_at, run_id=run.id
    )
    store.save_run(run, points)
    return run


def varied_frame(n: int = 3000) -> pl.DataFrame:
    """Every kind of column, with exact and sketched distributions and frequencies."""
    rng = np.random.default_rng(5)
    wide = rng.normal(0, 1, n)
    wide[::17] = np.nan
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "wide": pl.Series(wide).fill_nan(
                None
            ),  # KLL quantiles, a Theta sketch past K
            "few": rng.integers(0, 40, n).astype(np.float64),  # exact quantiles
            "ids": np.arange(n),  # frequent items sketch
            "big": rng.integers(-(2**40), 2**40, n),  # large negative and positive
            "flag": rng.random(n) < 0.3,
            "colour": rng.choice(["red", "grün", 'qu"ote', "", "\\"], n),
            "text": [f"free text number {i} with spaces" for i in range(n)],
            "when": [
                start + timedelta(minutes=int(m)) for m in rng.integers(0, 10**5, n)
            ],
            "empty": pl.Series([None] * n, dtype=pl.Float64),
        }
    )
