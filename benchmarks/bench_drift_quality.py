"""How honest is pipewarden's drift decision? False alarms, power, multivariate.

Prints, at default settings (effect size above threshold AND corrected p < 0.01):
  1. false alarms: share of columns flagged on no-drift splits of one distribution,
     over 200 seeds, for tables like the standard benchmark table (8 columns);
  2. power: the smallest mean shift (in std) detected in >= 95% of trials, at
     n = 10,000 and n = 1,000,000 rows per side;
  3. the same for a new category taking 1%, 2%, 5% of a 50-category column;
  4. multivariate: detection rate of a correlation flip with unchanged marginals,
     and its false-alarm rate on the same distribution.

Data is generated with numpy and profiled directly by the local engine (no files).
Run: python benchmarks/bench_drift_quality.py [--quick]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from pipewarden.drift import compare, domain_classifier
from pipewarden.engines.local import LocalEngine
from pipewarden.profiles.dataset import DatasetProfile

ENGINE = LocalEngine()
POWER = 0.95


def profile(frame: pl.DataFrame) -> DatasetProfile:
    return ENGINE.profile_frame(frame)


def mixed_table(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """Eight columns shaped like the standard benchmark table, 2% nulls on floats."""

    def nulls(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float64)
        x[rng.random(n) < 0.02] = np.nan
        return x

    zipf = 1 / np.arange(1, 6) ** 0.8
    return pl.DataFrame(
        {
            "f_norm": nulls(rng.normal(100, 10, n)),
            "f_logn": nulls(rng.lognormal(3, 1, n)),
            "i_qty": rng.poisson(3, n),
            "i_age": rng.integers(18, 91, n),
            "c_5": rng.choice([f"c5_{k}" for k in range(5)], n, p=zipf / zipf.sum()),
            "c_50": rng.choice([f"c50_{k:02d}" for k in range(50)], n),
            "b_flag": rng.random(n) < 0.3,
            "label": (rng.random(n) < 0.05).astype(np.int64),
        }
    )


def false_alarms(n: int, seeds: int) -> tuple[float, int, int]:
    flagged = total = 0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        report = compare(profile(mixed_table(rng, n)), profile(mixed_table(rng, n)))
        columns = {c.column for c in report.columns} | {c.column for c in report.nulls}
        flagged += len(set(report.drifted_columns))
        total += len(columns)
    return flagged / total, flagged, total


def detection_rate(
    make: Callable[[np.random.Generator, float], pl.DataFrame],
    effect: float,
    trials: int,
    seed0: int,
) -> float:
    hits = 0
    for t in range(trials):
        rng = np.random.default_rng(seed0 + t)
        ref, cur = profile(make(rng, 0.0)), profile(make(rng, effect))
        hits += bool(compare(ref, cur).drifted)
    return hits / trials


def smallest_detected(
    make: Callable[[np.random.Generator, float], pl.DataFrame],
    grid: list[float],
    trials: int,
) -> tuple[float | None, list[str]]:
    rows, found = [], None
    for i, effect in enumerate(grid):
        rate = detection_rate(make, effect, trials, 1000 * (i + 1))
        rows.append(f"{effect:g}: {rate:.0%}")
        if rate >= POWER:
            found = effect
            break
    return found, rows


def mean_shift(n: int) -> Callable[[np.random.Generator, float], pl.DataFrame]:
    def make(rng: np.random.Generator, shift: float) -> pl.DataFrame:
        return pl.DataFrame({"x": rng.normal(shift, 1.0, n)})

    return make


def new_category(n: int) -> Callable[[np.random.Generator, float], pl.DataFrame]:
    names = np.array([f"c50_{k:02d}" for k in range(50)], dtype=object)

    def make(rng: np.random.Generator, share: float) -> pl.DataFrame:
        values = names[rng.integers(0, 50, n)]
        values[rng.random(n) < share] = "c50_NEW"
        return pl.DataFrame({"c": values})

    return make


def correlated(rng: np.random.Generator, n: int, rho: float) -> pl.DataFrame:
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
    return pl.DataFrame({"a": z[:, 0], "b": z[:, 1], "c": rng.normal(size=n)})


def multivariate(rho: float, trials: int, n: int) -> tuple[float, float, float]:
    """(detection rate of rho -> -rho, false-alarm rate at rho, marginal alarms)."""
    hits = false = marginal = 0
    for t in range(trials):
        rng = np.random.default_rng(5000 + t)
        ref = correlated(rng, n, rho)
        flipped, same = correlated(rng, n, -rho), correlated(rng, n, rho)
        report = compare(profile(ref), profile(flipped), samples=(ref, flipped))
        hits += bool(report.multivariate and report.multivariate.drifted)
        marginal += bool(report.drifted)
        null = domain_classifier(ref, same)
        false += bool(null and null.drifted)
    return hits / trials, false / trials, marginal / trials


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer seeds, for a smoke run")
    quick = ap.parse_args().quick
    seeds, trials = (20, 10) if quick else (200, 40)
    start = time.perf_counter()

    print("1. False alarms on no-drift splits (default settings, 8 columns per table)")
    for n, k in ((1_000, seeds), (10_000, seeds), (1_000_000, max(2, seeds // 20))):
        rate, flagged, total = false_alarms(n, k)
        print(
            f"   n={n:>9,} x {k:>3} seeds: {flagged}/{total} columns flagged = "
            f"{rate:.2%}"
        )

    print(f"2. Smallest mean shift (std) detected in >= {POWER:.0%} of {trials} trials")
    grid = [0.02, 0.05, 0.08, 0.1, 0.11, 0.12, 0.13, 0.15, 0.2, 0.3, 0.5]
    for n in (10_000, 1_000_000):
        found, rows = smallest_detected(mean_shift(n), grid, trials)
        print(f"   n={n:>9,}: {found} std   ({'; '.join(rows)})")

    print(
        f"3. New category in a 50-category column, detection rate over {trials} trials"
    )
    for n in (10_000, 1_000_000):
        rates = [
            f"{s:.0%} share: {detection_rate(new_category(n), s, trials, 77):.0%}"
            for s in (0.01, 0.02, 0.05)
        ]
        print(f"   n={n:>9,}: " + "; ".join(rates))

    print(
        "4. Multivariate: correlation flip rho -> -rho, marginals unchanged "
        "(20,000 rows per side)"
    )
    m_trials = 5 if quick else 10
    for rho in (0.3, 0.5, 0.8):
        hit, false, marginal = multivariate(rho, m_trials, 20_000)
        print(
            f"   rho={rho}: detected {hit:.0%}, false alarms {false:.0%} "
            f"(per-column alarms on the flip: {marginal:.0%}) over {m_trials} trials"
        )
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
