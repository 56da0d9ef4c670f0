"""Spark engine speed (issue 14, benchmark d): the profile on Spark local[2] against the
local engine and against a bare Spark ``df.summary()`` of the same Parquet table.

One process, one SparkSession (local[2], no UI), best of --repeat after a warm-up run
that starts Spark's Python workers:
  floor          Polars reads the file and computes count, nulls, min, max, mean, std
                 of every column (benchmarks/_table.py floor)
  local          pipewarden.profile(path): the local engine
  spark          pipewarden.profile(path, engine="spark"): Spark reads the Parquet,
                 each partition profiled with mapInArrow, partials merged
  spark summary  spark.read.parquet(path).summary().collect(): count, mean, stddev,
                 min, approximate quartiles and max of every column, in the JVM

With --conform, the gate instead (issue 14, Spark conform): the contract inferred from
the reference table, the current table (times in microseconds) conformed:
  read           pl.read_parquet(path): the Polars read the local gate starts with
  local gate     Gate(contract).conform(pl.read_parquet(path))
  spark gate     Gate(contract).conform(spark.read.parquet(path)): one mapInArrow,
                 the outputs checkpointed in the executors, the partitions' totals
                 merged (the call returns when the conformed rows and quarantine exist)
  bare pass      spark.read.parquet(path).mapInArrow(no-op).count(): the same Arrow
                 round trip through Spark's Python workers, doing nothing

Usage: python benchmarks/bench_spark.py [--rows N] [--repeat R] [--out DIR] [--conform]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", default="bench-data")
    parser.add_argument("--conform", action="store_true", help="the gate instead")
    args = parser.parse_args()

    import polars as pl
    from _table import floor, make_tables

    import pipewarden as pw

    path, _ = make_tables(args.rows, args.out)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pyspark 4.3 with pandas 3
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.legacy.parquet.nanosAsLong", "true")
            .getOrCreate()
        )
    spark.sparkContext.setLogLevel("ERROR")
    data = spark.read.parquet(str(path))
    partitions = data.rdd.getNumPartitions()
    if args.conform:
        _conform(spark, args.rows, args.out, args.repeat, partitions)
        return
    pw.profile(str(path), engine="spark")  # warm-up: Python workers, imports

    figures = {
        "floor": _best(lambda: floor(pl.read_parquet(path)), args.repeat),
        "local": _best(lambda: pw.profile(str(path)), args.repeat),
        "spark": _best(lambda: pw.profile(str(path), engine="spark"), args.repeat),
        "spark summary": _best(
            lambda: spark.read.parquet(str(path)).summary().collect(), args.repeat
        ),
    }
    spark.stop()
    print(
        f"{args.rows:,} rows x 20 columns, {path.stat().st_size / 2**20:.0f} MiB "
        f"Parquet, Spark local[2], {partitions} partitions, best of {args.repeat}"
    )
    for name, seconds in figures.items():
        print(f"  {name:<14} {seconds:7.2f} s")
    print(f"  spark / local         {figures['spark'] / figures['local']:.2f}x")
    print(f"  spark / spark summary {figures['spark'] / figures['spark summary']:.2f}x")
    print(f"  local / floor         {figures['local'] / figures['floor']:.2f}x")
    print(f"  spark / floor         {figures['spark'] / figures['floor']:.2f}x")


def _conform(spark: object, rows: int, out: str, repeat: int, partitions: int) -> None:
    import polars as pl
    from _table import make_tables

    import pipewarden as pw

    reference, nanos = make_tables(rows, out)
    # Spark reads nanosecond Parquet times only as longs (nanosAsLong), which the gate
    # rightly cannot read as times: both gates get the table in microseconds.
    current = Path(out) / f"current_us_{rows}.parquet"
    if not current.exists():
        pl.read_parquet(nanos).with_columns(
            pl.col(pl.Datetime).dt.cast_time_unit("us")
        ).write_parquet(current)
    gate = pw.Gate(pw.infer_contract(pw.profile(str(reference))))
    read = spark.read  # type: ignore[attr-defined]

    def no_op(batches: object) -> object:
        yield from batches  # type: ignore[misc]

    def bare() -> int:
        data = read.parquet(str(current))
        return int(data.mapInArrow(no_op, data.schema).count())

    def on_spark() -> pw.ConformResult:
        return gate.conform(read.parquet(str(current)))

    result = on_spark()  # warm-up: Python workers, imports
    local = gate.conform(pl.read_parquet(current))
    assert (result.rows_out, result.rows_quarantined) == (
        local.rows_out,
        local.rows_quarantined,
    )
    figures = {
        "read": _best(lambda: pl.read_parquet(current), repeat),
        "local gate": _best(lambda: gate.conform(pl.read_parquet(current)), repeat),
        "spark gate": _best(on_spark, repeat),
        "bare pass": _best(bare, repeat),
    }
    spark.stop()  # type: ignore[attr-defined]
    assert isinstance(local.frame, pl.DataFrame)
    print(
        f"{rows:,} rows x {len(pl.read_parquet_schema(current))} columns in, "
        f"{local.frame.width} out, {local.rows_quarantined:,} quarantined; "
        f"Spark local[2], {partitions} partitions, best of {repeat}"
    )
    for name, seconds in figures.items():
        print(f"  {name:<11} {seconds:7.2f} s")
    print(
        f"  spark gate / local gate {figures['spark gate'] / figures['local gate']:.2f}x"
    )
    print(
        f"  spark gate / bare pass  {figures['spark gate'] / figures['bare pass']:.2f}x"
    )
    print(f"  local gate / read       {figures['local gate'] / figures['read']:.2f}x")


if __name__ == "__main__":
    main()
