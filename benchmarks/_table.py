"""The standard benchmark table: 20 columns of synthetic transactions, N rows.

Our own implementation of the specification pipewarden's benchmarks share (20 columns:
8 float (4 normal, 4 lognormal, ~2% nulls), 4 int (unique id, poisson, age 18..90,
geometric), 5 string (categoricals of cardinality 5, 50, 1000, 20000, and free text
with ~N/10 distinct notes), a timestamp at ~1 event/s with one 3-day gap at 60% of the
rows, a boolean (p=0.3) and a 0/1 label with 0.5% positives). The "current" table has
three injected changes: f_norm_1 mean +0.5 std, c_50 gains 'c50_NEW' on 5% of rows,
f_logn_2 null rate 2% -> 30%. Same distributions, different seeds otherwise.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

WORDS = [
    "refund",
    "late",
    "package",
    "damaged",
    "gift",
    "card",
    "express",
    "order",
    "customer",
    "support",
    "store",
    "online",
    "mobile",
    "app",
    "payment",
    "failed",
    "retry",
    "address",
    "change",
    "weekend",
    "sale",
    "discount",
    "coupon",
    "loyalty",
    "points",
    "premium",
    "member",
    "return",
    "exchange",
    "size",
    "color",
    "blue",
    "red",
    "green",
    "black",
    "white",
    "small",
    "medium",
    "large",
    "fast",
    "slow",
    "ok",
    "great",
    "bad",
]
GAP_SECONDS = 3 * 86_400
GAP_AT = 0.6


def _nulls(rng: np.random.Generator, x: np.ndarray, rate: float) -> pl.Series:
    mask = rng.random(x.shape[0]) < rate
    return pl.Series(x).scatter(np.flatnonzero(mask), None)


def _cats(
    rng: np.random.Generator, n: int, card: int, prefix: str, zipf: bool
) -> np.ndarray:
    width = len(str(card))
    labels = np.array([f"{prefix}_{k:0{width}d}" for k in range(card)], dtype=object)
    if zipf:
        w = 1.0 / np.arange(1, card + 1) ** 0.8
        return labels[rng.choice(card, size=n, p=w / w.sum())]
    return labels[rng.integers(0, card, size=n)]


def _text(rng: np.random.Generator, n: int) -> np.ndarray:
    pool_size = max(1, n // 10)
    words = np.array(WORDS, dtype=object)
    picks = words[rng.integers(0, len(WORDS), size=(pool_size, 5))]
    nums = rng.integers(0, 10**6, size=pool_size)
    pool = np.array(
        [
            " ".join(w) + f" #{k}"
            for w, k in zip(picks.tolist(), nums.tolist(), strict=True)
        ],
        dtype=object,
    )
    return pool[rng.integers(0, pool_size, size=n)]


def make_table(n: int, seed: int, start: datetime, *, drift: bool) -> pl.DataFrame:
    """One table of the standard benchmark (``drift`` makes the 'current' one)."""
    rng = np.random.default_rng(seed)
    shift = 5.0 if drift else 0.0
    cols: dict[str, object] = {
        "f_norm_1": _nulls(rng, rng.normal(100.0 + shift, 10.0, n), 0.02),
        "f_norm_2": _nulls(rng, rng.normal(0.0, 1.0, n), 0.02),
        "f_norm_3": _nulls(rng, rng.normal(-50.0, 25.0, n), 0.02),
        "f_norm_4": _nulls(rng, rng.normal(1e4, 2e3, n), 0.02),
        "f_logn_1": _nulls(rng, rng.lognormal(3.0, 1.0, n), 0.02),
        "f_logn_2": _nulls(rng, rng.lognormal(1.0, 0.5, n), 0.30 if drift else 0.02),
        "f_logn_3": _nulls(rng, rng.lognormal(5.0, 1.5, n), 0.02),
        "f_logn_4": _nulls(rng, rng.lognormal(0.0, 0.25, n), 0.02),
    }
    base = 10**9 if drift else 0
    cols["i_id"] = np.arange(base, base + n, dtype=np.int64)
    cols["i_qty"] = rng.poisson(3.0, n).astype(np.int64)
    cols["i_age"] = rng.integers(18, 91, n).astype(np.int64)
    cols["i_items"] = rng.geometric(0.3, n).astype(np.int64)
    cols["c_5"] = _cats(rng, n, 5, "c5", zipf=True)
    c50 = _cats(rng, n, 50, "c50", zipf=False)
    if drift:
        c50[rng.random(n) < 0.05] = "c50_NEW"
    cols["c_50"] = c50
    cols["c_1000"] = _cats(rng, n, 1000, "c1000", zipf=True)
    cols["c_20000"] = _cats(rng, n, 20000, "c20000", zipf=False)
    cols["c_text"] = _text(rng, n)
    gaps = rng.exponential(1.0, n)
    gaps[0] = 0.0
    gaps[int(n * GAP_AT)] += GAP_SECONDS
    micros = (np.cumsum(gaps) * 1e6).astype(np.int64)
    cols["b_flag"] = rng.random(n) < 0.3
    cols["label"] = (rng.random(n) < 0.005).astype(np.int64)
    frame = pl.DataFrame(cols)
    ts = pl.Series("ts", micros).cast(pl.Datetime("us")) + timedelta(
        seconds=(start - datetime(1970, 1, 1)).total_seconds()
    )
    return frame.insert_column(17, ts).cast({"ts": pl.Datetime("ns")})


def floor(frame: pl.DataFrame) -> pl.DataFrame:
    """The floor every benchmark divides by: count, nulls, min, max, mean and std of
    every column, in one Polars select (what any profiler must at least compute)."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        exprs += [
            col.count().alias(f"{name}_n"),
            col.null_count().alias(f"{name}_z"),
            col.min().alias(f"{name}_lo"),
            col.max().alias(f"{name}_hi"),
        ]
        if dtype.is_numeric() or dtype == pl.Boolean:
            x = col.cast(pl.Float64)
            exprs += [x.mean().alias(f"{name}_mean"), x.std().alias(f"{name}_std")]
    return frame.select(exprs)


def make_tables(
    rows: int, out_dir: str | Path = "bench-data", seed: int = 20240101
) -> tuple[Path, Path]:
    """Write (or reuse) reference_<rows>.parquet and current_<rows>.parquet."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ref_path, cur_path = (
        out / f"reference_{rows}.parquet",
        out / f"current_{rows}.parquet",
    )
    if ref_path.exists() and cur_path.exists():
        return ref_path, cur_path
    t0 = time.perf_counter()
    ref = make_table(rows, seed, datetime(2024, 1, 1), drift=False)
    end = ref.get_column("ts").max()
    assert isinstance(end, datetime)
    cur = make_table(rows, seed + 1, end + timedelta(hours=1), drift=True)
    ref.write_parquet(ref_path, compression="snappy")
    cur.write_parquet(cur_path, compression="snappy")
    print(f"generated {rows:,}-row tables in {time.perf_counter() - t0:.1f} s -> {out}")
    return ref_path, cur_path
