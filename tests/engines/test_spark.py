"""The Spark engine on Spark's own data: DataFrames of several partitions, Parquet
files and hive-partitioned folders read by Spark, through the workflows and the CLI.

Spark must equal local on the same data: counts, nulls, extrema and distinct sets
exactly (the Theta sketches are byte-identical), moments to 1e-9, quantiles by rank.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pytest

import pipewarden as pw
from pipewarden.cli import main
from pipewarden.engines.local import LocalEngine
from pipewarden.engines.registry import resolve_engine
from pipewarden.errors import MissingDependencyError, SourceError
from pipewarden.profiles.dataset import DatasetProfile

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark
ROWS = 20_000
RANK_TOLERANCE = 0.03


def _table(rows: int = ROWS, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3.0, 1.0, rows)
    amount[rng.random(rows) < 0.05] = np.nan
    return pl.DataFrame(
        {
            "id": [f"c{i:06d}" for i in range(rows)],
            "age": pl.Series(rng.integers(18, 90, rows)).cast(pl.Int32),
            "amount": pl.Series(amount).fill_nan(None).to_list(),
            "score": rng.normal(0.0, 1.0, rows),
            "region": rng.choice(["north", "south", "east", "west"], rows),
            "active": rng.random(rows) < 0.3,
            "ts": [
                dt.datetime(2024, 1, 1) + dt.timedelta(minutes=int(m))
                for m in np.sort(rng.integers(0, 60 * 24 * 30, rows))
            ],
        }
    )


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    return _table()


@pytest.fixture(scope="module")
def parquet(table: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "table.parquet"
    table.write_parquet(path)
    return path


@pytest.fixture(scope="module")
def hive(table: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spark") / "lake"
    table.write_parquet(folder, partition_by=["region"])
    assert sorted(p.name for p in folder.iterdir())[0] == "region=east"
    return folder


@pytest.fixture
def no_engine_cache() -> Iterator[None]:
    resolve_engine.cache_clear()
    yield
    resolve_engine.cache_clear()


def _assert_ranks(profile: DatasetProfile, table: pl.DataFrame, column: str) -> None:
    ordered = np.sort(table.get_column(column).drop_nulls().to_numpy())
    for q in (0.01, 0.1, 0.5, 0.9, 0.99):
        (value,) = profile[column].quantiles.quantiles([q])
        below = np.searchsorted(ordered, value, "left") / ordered.size
        at_or_below = np.searchsorted(ordered, value, "right") / ordered.size
        assert below - RANK_TOLERANCE <= q <= at_or_below + RANK_TOLERANCE


def test_a_spark_dataframe_of_many_partitions_profiles_like_local(
    spark: SparkSession,
    table: pl.DataFrame,
    parquet: Path,
    assert_profiles_match: Callable[..., None],
) -> None:
    # Five partitions by time range (a shuffle), as time-ordered data is laid out:
    # time gaps merge exactly only across partitions that do not overlap in time.
    data = spark.read.parquet(str(parquet)).repartitionByRange(5, "ts")
    assert data.rdd.getNumPartitions() == 5
    got = pw.profile(data)  # a Spark DataFrame picks the Spark engine itself
    expected = LocalEngine().profile_frame(table)
    # Time intervals across partitions are the one thing a merge cannot know.
    assert_profiles_match(got, expected, intervals=False)
    assert got["id"].distinct.serialize() == expected["id"].distinct.serialize()
    assert got["score"].distinct.serialize() == expected["score"].distinct.serialize()
    assert got["region"].frequent.counts == expected["region"].frequent.counts
    for column in ("age", "amount", "score"):
        _assert_ranks(got, table, column)


def test_a_parquet_path_read_by_spark_profiles_like_the_local_engine(
    spark: SparkSession, parquet: Path, assert_profiles_match: Callable[..., None]
) -> None:
    got = pw.profile(str(parquet), engine="spark")
    expected = pw.profile(str(parquet))
    assert_profiles_match(got, expected)
    assert [c.dtype for c in got.columns.values()] == [
        c.dtype for c in expected.columns.values()
    ]


def test_nanosecond_timestamps_come_back_as_times(
    spark: SparkSession, tmp_path: Path, assert_profiles_match: Callable[..., None]
) -> None:
    times = pl.datetime_range(
        dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2), "1h", eager=True
    )
    frame = pl.DataFrame(
        {"naive": times.dt.cast_time_unit("ns"), "paris": times.dt.cast_time_unit("ns")}
    ).with_columns(pl.col("paris").dt.replace_time_zone("Europe/Paris"))
    path = tmp_path / "ns.parquet"
    frame.write_parquet(path)
    got = pw.profile(str(path), engine="spark")
    assert_profiles_match(got, pw.profile(str(path)))
    assert got["paris"].dtype == "Datetime(time_unit='ns', time_zone='Europe/Paris')"


def test_a_hive_partitioned_folder_gets_its_partition_column(
    spark: SparkSession,
    table: pl.DataFrame,
    hive: Path,
    assert_profiles_match: Callable[..., None],
) -> None:
    seen: list[int] = []
    got = pw.profile(str(hive), engine="spark", progress=seen.append)
    # The local reference: Polars' own reading of the hive folder.
    lake = pl.read_parquet(hive / "**" / "*.parquet", hive_partitioning=True)
    expected = LocalEngine().profile_frame(lake)
    # Each partition spans the whole month: gaps between times are the one sketch
    # that merges exactly only across partitions apart in time (TimeGaps).
    assert_profiles_match(_without(got, "ts"), _without(expected, "ts"))
    assert (got["ts"].time.min, got["ts"].time.max) == (
        expected["ts"].time.min,
        expected["ts"].time.max,
    )
    assert got["ts"].distinct.serialize() == expected["ts"].distinct.serialize()
    assert got["region"].frequent.counts == dict(
        table.get_column("region").value_counts().iter_rows()
    )
    assert sum(seen) == ROWS


def _without(profile: DatasetProfile, column: str) -> DatasetProfile:
    kept = {name: col for name, col in profile.columns.items() if name != column}
    return DatasetProfile(profile.rows, kept)


def test_check_and_drift_find_the_same_on_spark(
    spark: SparkSession, parquet: Path, tmp_path: Path
) -> None:
    shifted = _table(seed=4).with_columns(pl.col("score") + 0.5, pl.col("age") + 3)
    current = tmp_path / "current.parquet"
    shifted.write_parquet(current)
    contract = pw.infer_contract(pw.profile(str(parquet)))
    now = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    local = pw.check(str(current), contract, reference=str(parquet), now=now)
    on_spark = pw.check(
        str(current), contract, reference=str(parquet), now=now, engine="spark"
    )
    assert _findings(on_spark.to_dict()) == _findings(local.to_dict())
    assert local.status == on_spark.status == "fail"
    local_drift = pw.compare(str(parquet), str(current), sample_rows=0)
    spark_drift = pw.compare(str(parquet), str(current), sample_rows=0, engine="spark")
    assert _findings(spark_drift.to_dict()) == _findings(local_drift.to_dict())
    assert "age" in {f.column for f in spark_drift.findings if f.severity >= "warning"}


def _findings(data: dict[str, object]) -> list[tuple[object, ...]]:
    """(check, column, severity, value rounded, threshold) of each finding."""
    out = []
    for f in data["findings"]:  # type: ignore[attr-defined]
        value = f["value"]
        if isinstance(value, float):
            value = round(value, 6)
        out.append((f["check"], f["column"], f["severity"], value, f["threshold"]))
    return sorted(out, key=repr)


def test_the_cli_prints_the_same_summary_on_spark(
    spark: SparkSession, parquet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", str(parquet)]) == 0
    local = capsys.readouterr().out
    assert main(["profile", str(parquet), "--engine", "spark"]) == 0
    on_spark = capsys.readouterr().out
    assert on_spark == local
    assert "20,000 rows, 7 columns" in on_spark


def test_spark_refuses_other_formats_before_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    with pytest.raises(SourceError, match=r"^The Spark engine reads Parquet"):
        pw.profile(str(path), engine="spark")


def test_without_pyspark_one_line_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_engine_cache: None,
) -> None:
    for name in [m for m in sys.modules if m.split(".")[0] == "pyspark"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark fails
    with pytest.raises(MissingDependencyError):
        resolve_engine("spark")
    path = tmp_path / "t.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(path)
    assert main(["profile", str(path), "--engine", "spark"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: The Spark engine needs pyspark. "
        "Install it with: pip install 'pipewarden[spark]'"
    ]
