"""How honest is pipewarden's drift decision? False alarms, power, multivariate.

Prints, at default settings (effect size above threshold AND corrected p < 0.01):
  1. false alarms: share of columns flagged on no-drift splits of one distribution,
     over 200 seeds, for tables like the standard benchmark table (8 columns);
  2. power: the smallest mean shift (in std) detected in >= 95% of trials, at
     n = 10,000 and n = 1,000,000 rows per side;
  3. the same for a new category taking 1%, 2%, 5% of a 50-category column;
  4. multivariate: detection rate of a correlation flip with unchanged marginals,
     and its false-alarm rate on the same distribution;
  5. hard shapes: false alarms per column on no-drift splits of heavy-tailed
     (lognormal sigma = 2, Pareto alpha = 1.5), zero-inflated and heavily discretized
     columns, 200 seeds, decided from profiles (sketches) and from the raw values
     (exact SciPy statistics, the same rule), with the largest Wasserstein score seen.

Data is generated with numpy and profiled directly by the local engine (no files).
Run: python benchmarks/bench_drift_quality.py [--quick] [--only 12345]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from pipewarden.drift import compare, domain_classifier
from pipewarden.drift.compare import ALPHA
from pipewarden.drift.correction import adjust
from pipewarden.drift.stats import ks, wasserstein
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


def hard_table(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """Shapes that strain a quantile sketch: heavy tails, a spike at zero, few values
    with many ties (more distinct values than are kept exactly)."""
    zero = rng.random(n) < 0.6
    return pl.DataFrame(
        {
            "lognormal_s2": rng.lognormal(0.0, 2.0, n),
            "pareto_a1_5": rng.pareto(1.5, n) + 1.0,
            "zero_inflated": np.where(zero, 0.0, rng.lognormal(0.0, 1.0, n)),
            "discretized": np.round(rng.normal(100.0, 15.0, n), 1),
        }
    )


def raw_decisions(
    ref: pl.DataFrame, cur: pl.DataFrame
) -> dict[str, tuple[bool, float]]:
    """The default rule on the raw values: Wasserstein / reference std >= 0.1 and the
    asymptotic KS p-value, Benjamini-Hochberg-corrected over the columns, < 0.01."""
    from scipy import stats

    scores, p_values = {}, []
    for name in ref.columns:
        a, b = ref.get_column(name).to_numpy(), cur.get_column(name).to_numpy()
        std = float(a.std(ddof=1)) or 1.0
        scores[name] = float(stats.wasserstein_distance(a, b)) / std
        p_values.append(float(stats.ks_2samp(a, b, method="asymp").pvalue))
    q = dict(zip(ref.columns, adjust(p_values), strict=True))
    return {
        name: (scores[name] >= wasserstein.THRESHOLD and q[name] < ALPHA, scores[name])
        for name in ref.columns
    }


def hard_false_alarms(n: int, seeds: int) -> dict[str, list[float]]:
    """Per column: [alarms from profiles, from raw values, largest profile score,
    largest raw score, largest KS D from profiles]."""
    out: dict[str, list[float]] = {}
    for seed in range(seeds):
        rng = np.random.default_rng(90_000 + seed)
        ref, cur = hard_table(rng, n), hard_table(rng, n)
        report = compare(profile(ref), profile(cur))
        raw = raw_decisions(ref, cur)
        for c in report.columns:
            row = out.setdefault(c.column, [0.0, 0.0, 0.0, 0.0, 0.0])
            row[0] += c.drifted
            row[1] += raw[c.column][0]
            row[2] = max(row[2], c.score)
            row[3] = max(row[3], raw[c.column][1])
            d = [v.score for v in c.stats if v.name == ks.NAME]
            row[4] = max(row[4], *d)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer seeds, for a smoke run")
    ap.add_argument(
        "--only", default="12345", help="the sections to run, e.g. 5 or 1234"
    )
    args = ap.parse_args()
    seeds, trials = (20, 10) if args.quick else (200, 40)
    start = time.perf_counter()
    sections: dict[str, Callable[[], None]] = {
        "1": lambda: no_drift(seeds),
        "2": lambda: mean_shift_power(trials),
        "3": lambda: new_category_power(trials),
        "4": lambda: multivariate_power(5 if args.quick else 10),
        "5": lambda: hard_shapes(seeds),
    }
    for key, run in sections.items():
        if key in args.only:
            run()
    print(f"total {time.perf_counter() - start:.0f} s")


def no_drift(seeds: int) -> None:
    print("1. False alarms on no-drift splits (default settings, 8 columns per table)")
    for n, k in ((1_000, seeds), (10_000, seeds), (1_000_000, max(2, seeds // 20))):
        rate, flagged, total = false_alarms(n, k)
        print(
            f"   n={n:>9,} x {k:>3} seeds: {flagged}/{total} columns flagged = "
            f"{rate:.2%}"
        )


def mean_shift_power(trials: int) -> None:
    print(f"2. Smallest mean shift (std) detected in >= {POWER:.0%} of {trials} trials")
    grid = [0.02, 0.05, 0.08, 0.1, 0.11, 0.12, 0.13, 0.15, 0.2, 0.3, 0.5]
    for n in (10_000, 1_000_000):
        found, rows = smallest_detected(mean_shift(n), grid, trials)
        print(f"   n={n:>9,}: {found} std   ({'; '.join(rows)})")


def new_category_power(trials: int) -> None:
    print(
        f"3. New category in a 50-category column, detection rate over {trials} trials"
    )
    for n in (10_000, 1_000_000):
        rates = [
            f"{s:.0%} share: {detection_rate(new_category(n), s, trials, 77):.0%}"
            for s in (0.01, 0.02, 0.05)
        ]
        print(f"   n={n:>9,}: " + "; ".join(rates))


def multivariate_power(m_trials: int) -> None:
    print(
        "4. Multivariate: correlation flip rho -> -rho, marginals unchanged "
        "(20,000 rows per side)"
    )
    for rho in (0.3, 0.5, 0.8):
        hit, false, marginal = multivariate(rho, m_trials, 20_000)
        print(
            f"   rho={rho}: detected {hit:.0%}, false alarms {false:.0%} "
            f"(per-column alarms on the flip: {marginal:.0%}) over {m_trials} trials"
        )


def hard_shapes(seeds: int) -> None:
    print(
        "5. Hard shapes: columns flagged on no-drift splits (n rows x seeds), "
        "from profiles / from raw values (largest Wasserstein score, profile / raw; "
        "largest KS D from profiles)"
    )
    for n, k in ((1_000, seeds), (10_000, seeds), (100_000, seeds), (1_000_000, 20)):
        for name, (p, r, ws, wr, d) in hard_false_alarms(n, k).items():
            print(
                f"   n={n:>9,} x {k:>3} {name:<14} {p / k:6.2%} / {r / k:6.2%}   "
                f"(W {ws:.3f} / {wr:.3f}; D {d:.4f})"
            )


if __name__ == "__main__":
    main()
