"""Benchmark the store: record a run with a 20-column profile, read one metric's history.

    .venv/bin/python benchmarks/bench_store.py [--store URL] [--runs 10000]

Targets (SQLite, one process): recording a run <= 20 ms; the history of one metric
over 10,000 runs <= 100 ms. Recording includes everything ``pw.record_run`` does
(metric points, history anomalies against earlier runs, profile compression, one
``Store.save_run`` transaction); the environment fingerprint and git state are
captured once beforehand, as a long-running service would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.contracts.infer import infer_contract
from pipewarden.env.fingerprint import capture, code_version
from pipewarden.monitor.metrics import MetricPoint, profile_metrics
from pipewarden.store import Run, Store, open_store
from pipewarden.workflows.profile import profile
from pipewarden.workflows.record import record_run

ROWS = 10_000
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def batch(seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for i in range(10):
        values = rng.normal(100 + i, 10, ROWS)
        values[rng.random(ROWS) < 0.02] = np.nan
        columns[f"f{i:02d}"] = pl.Series(values).fill_nan(None)
    for i in range(5):
        columns[f"i{i:02d}"] = rng.integers(0, 1000, ROWS)
    for i in range(5):
        columns[f"c{i:02d}"] = rng.choice(["red", "green", "blue", "grey"], ROWS)
    return pl.DataFrame(columns)


def bench_record(store: Store, runs: int) -> tuple[list[float], list[float]]:
    prof = profile(batch(0))
    contract = infer_contract(prof, name="bench")
    env, code = capture(), code_version(".")
    finding = Finding(
        "nulls.rate", "f00", Severity.WARNING, "Column 'f00' is 2% null.", 0.02, 0.01
    )
    result = CheckResult(rows=prof.rows, findings=(finding,), dataset="record")
    wall, cpu = [], []
    for i in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        record_run(
            store,
            result,
            profile=prof,
            environ=os.environ,
            contract=contract,
            dataset="record",
            environment=env,
            code=code,
            started_at=T0 + timedelta(hours=i),
        )
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def fill_history(store: Store, runs: int) -> int:
    """Save ``runs`` runs with their metric points (no profiles), 500 a transaction."""
    prof = profile(batch(1))
    template = profile_metrics(prof, dataset="history", recorded_at=T0)
    rng = np.random.default_rng(2)
    result = CheckResult(rows=ROWS, dataset="history")
    chunk = 500
    for start in range(0, runs, chunk):
        saved: list[tuple[Run, list[MetricPoint]]] = []
        for i in range(start, min(start + chunk, runs)):
            at = T0 + timedelta(hours=i)
            run = Run(f"r-bench-{i:06d}", "history", at, at, result)
            wobble = 1 + rng.normal(0, 0.01)
            points = [
                replace(p, value=p.value * wobble, recorded_at=at, run_id=run.id)
                for p in template
            ]
            saved.append((run, points))
        store.save_runs(saved)
    return runs * len(template)


def bench_history(store: Store, reads: int) -> tuple[list[float], list[float], int]:
    wall, cpu, count = [], [], 0
    for _ in range(reads):
        started, started_cpu = time.perf_counter(), time.process_time()
        series = store.metric_history("history", "null_rate", column="f03")
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        count = len(series)
    return wall, cpu, count


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--store", help="Store URL (default: a SQLite file in a temp dir)"
    )
    parser.add_argument(
        "--runs", type=int, default=10_000, help="Runs of history to read back"
    )
    parser.add_argument("--record", type=int, default=200, help="Runs to record")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pw-bench-"))
    url = args.store or f"sqlite:///{folder / 'bench.db'}"
    print(
        f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(wall times stretch on a busy machine; CPU times much less)"
    )
    for level in (0, 1):
        with open_store(url, compression=level) as store:
            bench_record(store, 20)  # warm up, and give history something to compare
            wall, cpu = bench_record(store, args.record)
        print(
            f"record a run (20 columns, {ROWS:,} rows, history on, zlib level "
            f"{level}): wall {summary(wall)}; CPU {summary(cpu)}  [target <= 20 ms]"
        )
    with open_store(url) as store:
        print(f"store: {store.url}")
        started = time.perf_counter()
        points = fill_history(store, args.runs)
        print(
            f"filled {args.runs:,} runs / {points:,} metric points in "
            f"{time.perf_counter() - started:.1f} s"
        )
        wall, cpu, count = bench_history(store, 20)
        print(
            f"read one metric over {count:,} runs: wall {summary(wall)}; "
            f"CPU {summary(cpu)}  [target <= 100 ms]"
        )
    if url.startswith("sqlite"):
        size = sum(p.stat().st_size for p in folder.iterdir())
        print(f"SQLite files: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
