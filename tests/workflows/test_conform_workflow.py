"""The conform workflow: any source, named in the result."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl

import pipewarden as pw
from pipewarden.conform.gate import Gate


def _contract() -> pw.Contract:
    frame = pl.DataFrame({"a": [1, 2, 3], "c": ["x", "y", "x"]})
    return pw.infer_contract(pw.profile(frame), name="small")


def test_a_path_names_the_result(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    pl.DataFrame({"a": [1, 2], "c": ["x", "q"]}).write_csv(path)

    result = pw.conform(str(path), _contract())

    assert result.dataset == "batch.csv"
    assert result.contract == "small"
    assert result.to_dict()["dataset"] == "batch.csv"
    assert result.rows_in == result.rows_out + result.rows_quarantined == 2


def test_a_query_reads_a_database(tmp_path: Path) -> None:
    db = tmp_path / "rows.db"
    with sqlite3.connect(db) as conn:
        conn.execute("create table t (a integer, c text)")
        conn.executemany("insert into t values (?, ?)", [(1, "x"), (2, "y"), (3, "x")])

    result = pw.conform(
        f"sqlite:///{db}", _contract(), query="select * from t where a > 1"
    )

    assert result.rows_in == 2
    assert result.dataset is not None and result.dataset.startswith("sqlite:///")


def test_a_gate_is_used_as_it_is() -> None:
    gate = Gate(_contract())

    result = pw.conform(pl.DataFrame({"a": [1], "c": ["x"]}), gate)

    assert result.frame.columns == gate.columns
    assert result.contract == "small"
