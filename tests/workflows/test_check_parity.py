"""The same data in any format gets the same findings.

One week of the demo's pumps goes through ``check`` as CSV, JSON Lines, Parquet, a
SQLite table (written with sqlite3), a pandas frame (``pd.read_csv``, no
``parse_dates``) and a Polars frame, against the contract inferred from October.
JSON Lines, SQLite and pandas hand ``ts`` over as ISO text; CSV, Parquet and Polars as
datetimes. What must hold:

- the same findings, in the same order: check id, column, severity, and (except for
  drift statistics) value, threshold and message, equal to the CSV's;
- drift statistics read from quantile sketches (``drift.wasserstein`` here), which
  are randomised (KLL): equal to the CSV's within 0.05 std, the spread measured
  between two runs of the same file (they are 0.02 to 0.06; the threshold is 0.1).
  Statistics from exact counts (``drift.js``, ``drift.null_rate``, ``label.shift``)
  are equal, message included;
- one more finding where ``ts`` arrives as text: ``schema.type_mismatch`` at info,
  naming the column only (its value names the source dtype, String).
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

import pipewarden as pw
from pipewarden.checks.findings import Severity
from pipewarden.contracts.model import Contract
from pipewarden.profiles.dataset import DatasetProfile

DATA = Path(pw.__file__).parent / "demo" / "data"
NOW = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
TEXT_TS = (
    "Column 'ts' is declared datetime and arrived as text; every value reads as "
    "datetime, so it is checked as datetime. Cast it upstream to skip the parsing."
)
SQL_TYPES = {pl.Int64: "INTEGER", pl.Float64: "REAL", pl.String: "TEXT"}


@pytest.fixture(scope="module")
def reference() -> DatasetProfile:
    return pw.profile(DATA / "reference_october.csv")


@pytest.fixture(scope="module")
def contract(reference: DatasetProfile) -> Contract:
    return pw.infer_contract(reference, label="failure", time="ts")


def _text_frame(path: Path) -> pl.DataFrame:
    """The CSV as Polars reads it without guessing dates: ``ts`` stays text."""
    return pl.read_csv(path)


def _typed_frame(path: Path) -> pl.DataFrame:
    return _text_frame(path).with_columns(pl.col("ts").str.to_datetime())


def _jsonl(path: Path, tmp: Path) -> dict[str, Any]:
    out = tmp / "batch.jsonl"
    _text_frame(path).write_ndjson(out)
    return {"batch": out}


def _parquet(path: Path, tmp: Path) -> dict[str, Any]:
    out = tmp / "batch.parquet"
    _typed_frame(path).write_parquet(out)
    return {"batch": out}


def _sqlite(path: Path, tmp: Path) -> dict[str, Any]:
    frame = _text_frame(path)
    columns = ", ".join(
        f'"{n}" {SQL_TYPES[d.base_type()]}' for n, d in frame.schema.items()
    )
    marks = ", ".join("?" for _ in frame.columns)
    out = tmp / "batch.db"
    with sqlite3.connect(out) as db:
        db.execute(f"CREATE TABLE batch ({columns})")
        db.executemany(f"INSERT INTO batch VALUES ({marks})", frame.rows())
    db.close()
    return {"batch": f"sqlite:///{out}", "query": "SELECT * FROM batch"}


SOURCES: dict[str, Callable[[Path, Path], dict[str, Any]]] = {
    "csv": lambda path, tmp: {"batch": path},
    "jsonl": _jsonl,
    "parquet": _parquet,
    "sqlite": _sqlite,
    "pandas": lambda path, tmp: {"batch": pd.read_csv(path)},
    "polars": lambda path, tmp: {"batch": _typed_frame(path)},
}
TS_AS_TEXT = {"jsonl", "sqlite", "pandas"}


SKETCHED = {"drift.wasserstein", "drift.ks"}
"""Statistics read from KLL quantile sketches, which differ from run to run."""


PROBLEMS = {
    "batch_outage.csv": [
        ("drift.null_rate", "temperature", "error"),
        ("nulls.rate", "temperature", "error"),
        ("time.gap", "ts", "error"),
        ("time.freshness", "ts", "warning"),
        ("volume.row_count", None, "warning"),
    ],
    "batch_schema_change.csv": [
        ("schema.type_mismatch", "pressure", "error"),
        ("schema.missing_column", "vibration", "warning"),
        ("schema.unexpected_column", "humidity", "warning"),
        ("time.freshness", "ts", "warning"),
        ("volume.row_count", None, "warning"),
    ],
}


@pytest.mark.parametrize("batch", ["batch_outage.csv", "batch_schema_change.csv"])
def test_every_format_gets_the_findings_of_the_csv(
    batch: str, reference: DatasetProfile, contract: Contract, tmp_path: Path
) -> None:
    results = {
        name: pw.check(
            **make(DATA / batch, tmp_path),
            contract=contract,
            reference=reference,
            now=NOW,
        )
        for name, make in SOURCES.items()
    }
    csv = results["csv"].findings
    # The batch's own problems (an outage; formatted numbers and renamed columns).
    assert [
        (f.check, f.column, f.severity.value) for f in csv if f.severity != "info"
    ] == PROBLEMS[batch]

    for name, result in results.items():
        text_ts = [
            f
            for f in result.findings
            if (f.check, f.column, f.severity)
            == ("schema.type_mismatch", "ts", Severity.INFO)
        ]
        rest = [f for f in result.findings if f not in text_ts]

        assert [(f.message, f.value) for f in text_ts] == (
            [(TEXT_TS, "String")] if name in TS_AS_TEXT else []
        ), name
        assert result.status == results["csv"].status, name
        assert [(f.check, f.column, f.severity) for f in rest] == [
            (f.check, f.column, f.severity) for f in csv
        ], name
        for got, want in zip(rest, csv, strict=True):
            if want.check in SKETCHED:
                assert math.isclose(got.value, want.value, abs_tol=0.05), (
                    name,
                    want.check,
                    want.column,
                )
            else:
                assert (got.value, got.threshold, got.message) == (
                    want.value,
                    want.threshold,
                    want.message,
                ), (name, want.check, want.column)
