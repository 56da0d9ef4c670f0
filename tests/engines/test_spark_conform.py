"""The gate on Spark: ``Gate(contract).conform(spark_df)`` equals the local gate on
the same rows (``spark_df.toArrow()``): the same conformed rows and quarantine (rows
numbered in the DataFrame), the same schemas, findings, counts and reasons, with
each partition conformed on its executor and no row collected to the driver."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import pipewarden as pw
from pipewarden.conform.gate import ConformResult
from pipewarden.contracts.model import Contract
from pipewarden.errors import ConformError, MissingDependencyError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark
ROWS = 6_000

CONTRACT: dict[str, Any] = {
    "name": "customers",
    "policies": {"unexpected_columns": "drop", "missing_columns": "fill"},
    "columns": {
        "id": {"kind": "integer", "dtype": "Int64", "nullable": False},
        "age": {
            "kind": "integer",
            "dtype": "Int64",
            "nullable": False,
            "range": {"min": 0, "max": 120},
            "conform": {
                "on_out_of_range": "quarantine",
                "on_coerce_error": "quarantine",
                "on_null": "quarantine",
            },
        },
        "income": {
            "kind": "float",
            "dtype": "Float64",
            "range": {"min": 0, "max": 1_000_000},
            "conform": {
                "on_out_of_range": "clip",
                "on_null": "impute",
                "impute": "median",
                "median": 1000.0,
            },
        },
        "plan": {
            "kind": "categorical",
            "dtype": "String",
            "nullable": False,
            "categories": ["bronze", "gold", "silver"],
            "conform": {"normalize": True, "on_unseen": "quarantine"},
        },
        "signup": {
            "kind": "datetime",
            "dtype": "Datetime(time_unit='us', time_zone=None)",
            "nullable": False,
            "conform": {"on_null": "quarantine"},
        },
        "small": {"kind": "integer", "dtype": "UInt8"},
        "region": {"kind": "categorical", "dtype": "Categorical"},
        "seen": {
            "kind": "datetime",
            "dtype": "Datetime(time_unit='us', time_zone='Europe/Paris')",
        },
        "tenure": {
            "kind": "integer",
            "dtype": "Int32",
            "conform": {"on_missing": "median", "median": 12.0},
        },
    },
}
"""``tenure`` is missing from the batch; ``extra`` is unexpected."""


def messy(rows: int = ROWS, seed: int = 5) -> pl.DataFrame:
    """Ages as text with words, blanks and out of range; plans with case variants,
    unseen values and nulls; incomes out of range and missing; signup times missing;
    an unexpected column; no ``tenure``."""
    rng = np.random.default_rng(seed)
    ages = rng.integers(-5, 130, rows).astype(str).astype(object)
    ages[rng.random(rows) < 0.01] = "forty"
    ages[rng.random(rows) < 0.01] = "3,5"
    ages[rng.random(rows) < 0.02] = None
    plans = rng.choice(
        ["gold", "silver", "bronze", " Gold", "SILVER", "platinum", "tin", None],
        rows,
        p=[0.3, 0.3, 0.2, 0.05, 0.05, 0.04, 0.03, 0.03],
    )
    income = rng.normal(5e5, 4e5, rows)
    signup = [
        None if rng.random() < 0.02 else dt.datetime(2024, 1, 1) + dt.timedelta(hours=i)
        for i in range(rows)
    ]
    return pl.DataFrame(
        {
            "id": np.arange(rows),
            "age": pl.Series(ages.tolist(), dtype=pl.String),
            "income": pl.Series(income).set(pl.Series(rng.random(rows) < 0.03), None),
            "plan": pl.Series(plans.tolist(), dtype=pl.String),
            "signup": pl.Series(signup, dtype=pl.Datetime("us")),
            "small": rng.integers(0, 200, rows),
            "region": rng.choice(["north", "south", "east"], rows),
            "seen": pl.Series(signup, dtype=pl.Datetime("us")).dt.replace_time_zone(
                "UTC"
            ),
            "extra": rng.normal(0, 1, rows),
        }
    )


@pytest.fixture(scope="module")
def batch(spark: SparkSession) -> DataFrame:
    frame = messy().to_arrow(compat_level=pl.CompatLevel.oldest())
    return spark.createDataFrame(frame).repartition(3)


def local_of(data: DataFrame) -> pl.DataFrame:
    """The DataFrame's rows as the local gate gets them, in Spark's order."""
    frame = pl.from_arrow(data.toArrow())
    assert isinstance(frame, pl.DataFrame)
    return frame


def polars_of(data: DataFrame) -> pl.DataFrame:
    frame = pl.from_arrow(data.toArrow())
    assert isinstance(frame, pl.DataFrame)
    return frame


def assert_same(on_spark: ConformResult, local: ConformResult) -> None:
    got_frame, got_held = polars_of(on_spark.frame), polars_of(on_spark.quarantine)
    # Spark holds no unsigned integers, categoricals nor a time zone per column: the
    # conformed UInt8 comes back widened, the categorical as text, times in UTC.
    held = {n: _held(d) for n, d in local.frame.schema.items()}
    assert got_frame.schema == pl.Schema(held)
    assert got_held.schema == local.quarantine.schema
    assert_frame_equal(got_frame, local.frame.cast(held))  # type: ignore[arg-type]
    assert_frame_equal(got_held, local.quarantine)
    assert on_spark.to_dict() == local.to_dict()  # findings, counts, reasons
    assert sorted(on_spark.reasons) == sorted(local.reasons)


def _held(dtype: pl.DataType) -> pl.DataType:
    if dtype == pl.UInt8:
        return pl.Int16()
    if isinstance(dtype, pl.Categorical):
        return pl.String()
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return pl.Datetime("us", "UTC")
    return dtype


def test_spark_conform_equals_the_local_gate(batch: DataFrame) -> None:
    assert batch.rdd.getNumPartitions() == 3
    gate = pw.Gate(Contract.from_dict(CONTRACT))
    local = gate.conform(local_of(batch))
    on_spark = gate.conform(batch)
    # The case exercises every step: text that is no number, out of range, unseen
    # and variant categories, nulls in required columns, missing and extra columns.
    checks = {f.check for f in local.findings}
    assert checks >= {
        "schema.type_mismatch",
        "range.out_of_bounds",
        "category.unseen",
        "nulls.rate",
        "schema.missing_column",
        "schema.unexpected_column",
    }
    assert {c for c, *_ in local.reasons} == {
        "schema.type_mismatch",
        "range.out_of_bounds",
        "category.unseen",
        "nulls.rate",
    }
    assert 500 < local.rows_quarantined < ROWS // 2
    assert type(on_spark.frame).__name__ == "DataFrame"
    assert_same(on_spark, local)
    assert (on_spark.rows_in, on_spark.rows_out, on_spark.rows_quarantined) == (
        ROWS,
        local.rows_out,
        local.rows_quarantined,
    )
    # The quarantine's row is the position in the DataFrame, across partitions.
    rows = polars_of(on_spark.quarantine)["row"].to_numpy()
    assert rows.max() > ROWS * 2 // 3 and np.all(np.diff(rows) > 0)


def test_one_partition_and_kept_columns_give_the_same(
    spark: SparkSession, batch: DataFrame
) -> None:
    keep = {
        **CONTRACT,
        "policies": {**CONTRACT["policies"], "unexpected_columns": "keep"},
    }
    gate = pw.Gate(Contract.from_dict(keep))
    one = batch.coalesce(1)
    on_spark = gate.conform(one)
    local = gate.conform(local_of(one))
    assert "extra" in polars_of(on_spark.frame).columns
    assert_same(on_spark, local)


def test_an_empty_dataframe_conforms_to_empty_frames(batch: DataFrame) -> None:
    gate = pw.Gate(Contract.from_dict(CONTRACT))
    empty = batch.limit(0)
    on_spark = gate.conform(empty)
    local = gate.conform(local_of(empty))
    assert on_spark.rows_in == on_spark.rows_quarantined == 0
    assert_same(on_spark, local)


def test_a_refusing_policy_fails_on_the_driver_in_one_line(batch: DataFrame) -> None:
    strict = {**CONTRACT, "policies": {"unexpected_columns": "fail"}}
    with pytest.raises(ConformError, match="extra"):
        pw.Gate(Contract.from_dict(strict)).conform(batch)


def test_a_spark_result_has_no_row_mask(batch: DataFrame) -> None:
    result = pw.Gate(Contract.from_dict(CONTRACT)).conform(batch.limit(10))
    with pytest.raises(ConformError, match="row mask"):
        _ = result.kept_mask


def test_without_pyspark_one_line_says_how_to_install_it(
    batch: DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = pw.Gate(Contract.from_dict(CONTRACT))
    for name in [m for m in sys.modules if m.split(".")[0] == "pyspark"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark fails
    with pytest.raises(MissingDependencyError) as caught:
        gate.conform(batch)
    assert str(caught.value) == (
        "The Spark engine needs pyspark. Install it with: pip install 'pipewarden[spark]'"
    )
