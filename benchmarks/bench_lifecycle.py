"""Benchmark ``models compare`` on paired (shadow) predictions.

    .venv/bin/python benchmarks/bench_lifecycle.py [--rows 1000000] [--store URL]

Two versions of a regression model scored the same ``--rows`` ids (a shadow
deployment), logged with a three-valued ``site`` input, and the champion's labels.
Timed: ``pw.compare_models`` (MAE, paired t-test on per-row losses, per-site figures)
with ``segments=["site"]`` and with none; and, for the breakdown, ``compare_sides``
alone on the already-loaded rows (the statistics without the store). The floor,
measured in the same run on the same rows in memory: a bare Polars inner join of
both sides' (id, prediction) with the labels, and the two MAEs overall and per site.
Logging the predictions is set-up, not timed (``bench_monitor.py`` measures it).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

import pipewarden as pw
from pipewarden.monitor.compare import compare_sides

BATCH = 200_000
T0 = datetime(2026, 5, 4, tzinfo=UTC)


def frames(rows: int) -> pl.DataFrame:
    """Ids, time, site, one input, the label and both models' predictions: the
    challenger is better overall and worse on site 'c'."""
    rng = np.random.default_rng(0)
    site = rng.choice(np.array(["a", "b", "c"]), rows)
    x = rng.normal(size=rows)
    y = 3 * x + rng.normal(size=rows)
    noise_b = np.where(site == "c", 1.6, 0.7)
    return pl.DataFrame(
        {
            "id": pl.int_range(rows, eager=True).cast(pl.String),
            "ts": pl.datetime_range(
                T0, T0 + timedelta(seconds=rows - 1), "1s", eager=True
            ),
            "site": site,
            "x": x,
            "y": y,
            "a": y + rng.normal(0, 1.2, rows),
            "b": y + rng.normal(0, 1, rows) * noise_b,
        }
    )


def log(frame: pl.DataFrame, url: str) -> float:
    started = time.perf_counter()
    for version in ("1", "2"):
        pw.register_model("m", version, version.encode(), task="regression", store=url)
    for offset in range(0, frame.height, BATCH):
        part = frame.slice(offset, BATCH)
        for version, column, other in (("1", "a", "b"), ("2", "b", "a")):
            pw.log_predictions(
                f"m:{version}",
                part.drop("y", other),
                id="id",
                prediction=column,
                time="ts",
                store=url,
            )
        pw.log_labels("m:1", part.select("id", "y"), id="id", label="y", store=url)
    return time.perf_counter() - started


def floor(frame: pl.DataFrame) -> float:
    """A bare Polars pass: join both sides and the labels on id, MAE of each side
    overall and per site."""
    a = frame.select("id", "site", "a")
    b = frame.select("id", "b")
    labels = frame.select("id", "y")
    started = time.perf_counter()
    joined = a.join(b, on="id").join(labels, on="id")
    errors = joined.select(
        "site",
        ea=(pl.col("a") - pl.col("y")).abs(),
        eb=(pl.col("b") - pl.col("y")).abs(),
    )
    errors.select(pl.col("ea").mean(), pl.col("eb").mean())
    errors.group_by("site").agg(pl.col("ea").mean(), pl.col("eb").mean())
    return time.perf_counter() - started


def timed(step: Callable[[], object]) -> tuple[float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - started, time.process_time() - cpu


def sides(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    base = frame.select(pl.col("id"), pl.col("y").alias("label"), "site")
    none = pl.lit(None, pl.Float64).alias("score")
    return (
        base.with_columns(frame["a"].alias("prediction"), none),
        base.with_columns(frame["b"].alias("prediction"), none),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--store", help="Store URL (default: a new SQLite file).")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = frames(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.store or f"sqlite:///{Path(tmp) / 'lifecycle.db'}"
        logged = log(frame, url)
        print(
            f"set-up: logged 2 x {args.rows:,} predictions and labels in {logged:.1f} s"
        )
        report = pw.compare_models("m:1", "m:2", segments=["site"], store=url)
        flagged = [s.value for s in report.flagged]
        print(
            f"check: {report.design}, {report.rows:,} rows, MAE "
            f"{report.champion_value:.4f} -> {report.challenger_value:.4f}, "
            f"verdict {report.verdict}, flagged {flagged}"
        )
        a, b = sides(frame)
        steps: dict[str, Callable[[], object]] = {
            "floor: Polars join + MAEs (in memory)": lambda: floor(frame),
            "compare_models, --segment site": lambda: pw.compare_models(
                "m:1", "m:2", segments=["site"], store=url
            ),
            "compare_models, no segments": lambda: pw.compare_models(
                "m:1", "m:2", segments=[], store=url
            ),
            "compare_sides alone (rows in memory), site": lambda: compare_sides(
                a, b, names=("m:1", "m:2"), task="regression", segments=["site"]
            ),
        }
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in steps}
        for _ in range(args.repeat):
            for name, step in steps.items():
                results[name].append(timed(step))
    base = statistics.median(wall for wall, _ in results[next(iter(steps))])
    print(f"\n{args.rows:,} paired predictions, median of {args.repeat} runs")
    print(f"{'step':<46} {'wall s':>8} {'cpu s':>8} {'x floor':>8}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:<46} {wall:>8.2f} {cpu:>8.2f} {wall / base:>8.1f}")


if __name__ == "__main__":
    main()
