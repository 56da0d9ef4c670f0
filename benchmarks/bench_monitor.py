"""Benchmark monitoring: log predictions (20 inputs), join labels, monitor 12 windows.

    .venv/bin/python benchmarks/bench_monitor.py [--rows 1000000] [--store URL]

Targets (SQLite): ingest through ``pw.log_predictions`` >= 200,000 rows/s; ``monitor``
over 1,000,000 logged predictions in 12 monthly windows <= 2 s. Each figure is also
given as a ratio to a floor measured in the same run on the same rows: a bare
``executemany`` of the (id, time, prediction) rows into a keyed table of the same
database (ingest, labels), and a bare Polars pass (read the same Parquet rows, join
the labels read with SQL, MAE per month with ``group_by_dynamic``) for ``monitor``.
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

import pipewarden as pw

BATCHES = 5
T0 = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_US = 365 * 86_400_000_000


def frames(rows: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(0)
    inputs = {f"x{i}": rng.normal(size=rows) for i in range(20)}
    times = np.sort(rng.integers(0, YEAR_US, rows)) + int(T0.timestamp() * 1e6)
    frame = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(rows)],
            "ts": pl.Series(times).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
            **inputs,
            "pred": inputs["x0"] * 2 + inputs["x1"],
        }
    )
    labels = frame.select("id", y=pl.col("pred") + pl.Series(rng.normal(0, 1, rows)))
    return frame, labels


def floor_sqlite(frame: pl.DataFrame, path: Path) -> float:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute(
        "create table p (model_id int, row_id text, batch_id int, time_us int, "
        "prediction real, primary key (model_id, row_id))"
    )
    ids = frame["id"].to_list()
    times = frame["ts"].dt.epoch("us").to_list()
    preds = frame["pred"].to_list()
    start = time.perf_counter()
    con.executemany(
        "insert into p values (1, ?, 1, ?, ?)", zip(ids, times, preds, strict=True)
    )
    con.commit()
    took = time.perf_counter() - start
    con.close()
    return took


def floor_copy(frame: pl.DataFrame, url: str) -> float:
    """PostgreSQL: a bare COPY of id/time/prediction into a keyed table."""
    import sqlalchemy as sa

    database = sa.create_engine(url)
    raw = database.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            "create temp table p (row_id text primary key, time_us bigint, "
            "prediction double precision)"
        )
        rows = zip(
            frame["id"].to_list(),
            frame["ts"].dt.epoch("us").to_list(),
            frame["pred"].to_list(),
            strict=True,
        )
        start = time.perf_counter()
        with cursor.copy("copy p (row_id, time_us, prediction) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()
        database.dispose()


def read_labels(url: str) -> list[tuple[str, float]]:
    """The store's labels, through the driver's own cursor."""
    import sqlalchemy as sa

    database = sa.create_engine(url)
    raw = database.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("select row_id, label from labels")
        return list(cursor.fetchall())
    finally:
        raw.close()
        database.dispose()


def floor_monitor(frame: pl.DataFrame, url: str) -> float:
    """Read the labels with SQL (the store's table), the rows' ids, times and
    predictions from Parquet, join them and take the MAE per month with Polars."""
    buffer = io.BytesIO()
    frame.select("id", "ts", "pred").write_parquet(buffer, compression="lz4")
    start = time.perf_counter()
    found = read_labels(url)
    labels = pl.DataFrame(
        found, schema={"id": pl.String, "y": pl.Float64}, orient="row"
    )
    rows = pl.read_parquet(io.BytesIO(buffer.getvalue()))
    (
        rows.join(labels, on="id")
        .sort("ts")
        .group_by_dynamic("ts", every="1mo")
        .agg((pl.col("pred") - pl.col("y")).abs().mean())
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--store", default=None)
    args = parser.parse_args()
    frame, labels = frames(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        url = args.store or f"sqlite:///{folder}/bench.db"
        floor = (
            floor_copy(frame, args.store)
            if args.store and args.store.startswith("postgresql")
            else floor_sqlite(frame, Path(folder) / "floor.db")
        )
        train = (
            frame.head(20_000)
            .drop("id", "ts", "pred")
            .with_columns(y=labels["y"].head(20_000))
        )
        with pw.open_store(url) as store:
            pw.register_model(
                "bench",
                "1",
                b"bench",
                training_data=train,
                label="y",
                metrics={"mae": 0.8},
                store=store,
            )
            size = args.rows // BATCHES
            start = time.perf_counter()
            for part in frame.iter_slices(size):
                pw.log_predictions(
                    "bench", part, id="id", prediction="pred", time="ts", store=store
                )
            ingest = time.perf_counter() - start
            start = time.perf_counter()
            for part in labels.iter_slices(size):
                pw.log_labels("bench", part, id="id", label="y", store=store)
            joined = time.perf_counter() - start
            pw.monitor_model("bench", window="month", store=store, sync=False)  # warm
            start = time.perf_counter()
            report = pw.monitor_model("bench", window="month", store=store, sync=False)
            monitored = time.perf_counter() - start
        bare = floor_monitor(frame, url)
    n = args.rows
    print(
        f"store: {url.split(':')[0]}, {n:,} predictions with 20 inputs, {BATCHES} batches"
    )
    print(
        f"ingest  {n / ingest:>10,.0f} rows/s  ({ingest:.2f} s; "
        f"{ingest / floor:.1f}x a bare executemany (SQLite) or COPY (PostgreSQL) of "
        f"id/time/prediction: {floor:.2f} s)"
    )
    print(
        f"labels  {n / joined:>10,.0f} rows/s  ({joined:.2f} s; "
        f"{joined / floor:.1f}x the same floor)"
    )
    print(
        f"monitor {monitored:>10.2f} s for {len(report.windows)} windows "
        f"({monitored / bare:.1f}x a bare Polars read+join+MAE per month: {bare:.2f} s)"
    )


if __name__ == "__main__":
    main()
