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

Usage: python benchmarks/bench_spark.py [--rows N] [--repeat R] [--out DIR]
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


if __name__ == "__main__":
    main()
