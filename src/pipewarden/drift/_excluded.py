"""Which columns the domain classifier must not see, and why.

Some columns tell reference rows from current rows whatever else happened: a time
column, an identifier, and any column that moves with time, such as a pump's age or a
meter reading. The classifier would reach an AUC near 1 on them for a batch that is
perfectly clean, so they are left out, each with its reason. Two signs that a column
moves with time, both read from the row samples:

- it follows the time column on both sides (Spearman rank correlation of at least
  ``TIME_RHO`` in the reference sample and in the current one, with the same sign); a
  column that shifted between the sides, but does not trend within either, stays in;
- its values repeat within a side (at most ``REPEAT_SHARE`` as many distinct values as
  rows) yet barely coincide between the sides (the sides share at most
  ``STAMP_OVERLAP`` of its value distribution), while its per-column comparison did not
  drift: each batch carries its own values (an age in years recomputed per load, a
  version counter), which the per-column test judges by size and finds unchanged. A
  column whose values moved far enough to drift stays in.

Per-column comparisons never depend on this: they are the same with or without row
samples, so ``pipewarden check --reference`` and ``pipewarden drift`` agree on them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from pipewarden._text import share
from pipewarden.profiles.column import Kind
from pipewarden.profiles.dataset import DatasetProfile

TIME_RHO = 0.9
"""Rank correlation with time, on both sides, from which a column moves with time."""
REPEAT_SHARE = 0.1
"""Most distinct values per non-null row for a column whose values repeat."""
STAMP_OVERLAP = 0.5
"""Largest share of the value distribution the sides may have in common (1 - total
variation distance) for a column that moves with time."""
MIN_ROWS = 20
"""Fewest usable rows per side to judge a column."""


def classifier_exclusions(
    reference: DatasetProfile,
    current: DatasetProfile,
    samples: tuple[pl.DataFrame, pl.DataFrame],
    *,
    skipped: Mapping[str, str],
    roles: Mapping[str, str],
    time: tuple[str, ...],
    drifted: Mapping[str, bool],
) -> dict[str, str]:
    """The columns of both samples to leave out of the classifier, with the reason.

    Args:
        reference: Profile of the reference.
        current: Profile of the current batch.
        samples: Row samples (reference, current).
        skipped: Columns not compared per column, with the reason.
        roles: Label and prediction columns, with the reason they are left out.
        time: Time columns (contract or argument), tried first as the clock.
        drifted: Per compared column, whether its comparison drifted.

    Returns:
        Column name -> reason, in sample column order.
    """
    ref, cur = samples
    names = [c for c in ref.columns if c in cur.columns]
    out: dict[str, str] = {}
    clock = _clock(ref, cur, time, names)
    for name in names:
        reason = (
            skipped.get(name)
            or roles.get(name)
            or _kind_reason(reference, current, name)
            or _moves_with_time(ref, cur, name, clock, drifted)
        )
        if reason:
            out[name] = reason
    return out


def _kind_reason(
    reference: DatasetProfile, current: DatasetProfile, name: str
) -> str | None:
    for prof in (reference, current):
        col = prof.columns.get(name)
        if col is None:
            continue
        if col.kind is Kind.DATETIME:
            return "time column: it separates the sides by design"
        if col.kind is Kind.TEXT:
            return "free text or identifier: its values do not repeat"
        if col.kind is Kind.OTHER:
            return f"{col.dtype} values are not compared"
    return None


def _moves_with_time(
    ref: pl.DataFrame,
    cur: pl.DataFrame,
    name: str,
    clock: tuple[str, np.ndarray, np.ndarray] | None,
    drifted: Mapping[str, bool],
) -> str | None:
    r, c = _numbers(ref.get_column(name)), _numbers(cur.get_column(name))
    if r is None or c is None:
        return None
    if clock is not None and clock[0] != name:
        rho = _trend(r, c, clock[1], clock[2])
        if rho is not None:
            way = "grows" if rho > 0 else "falls"
            return f"{way} with time (Spearman {rho:.2f} with {clock[0]})"
    if name in drifted and not drifted[name]:
        return _stamped(r, c)
    return None


def _numbers(s: pl.Series) -> np.ndarray | None:
    """A numeric column as floats (NaN for missing); None for other columns."""
    if not s.dtype.is_numeric():
        return None
    x = s.cast(pl.Float64).to_numpy().astype(np.float64, copy=True)
    x[~np.isfinite(x)] = np.nan
    return x


def _clock(
    ref: pl.DataFrame, cur: pl.DataFrame, time: tuple[str, ...], names: list[str]
) -> tuple[str, np.ndarray, np.ndarray] | None:
    """The time column (by role first, else the first datetime column), as numbers
    per side."""
    for name in dict.fromkeys([*time, *names]):
        if name not in names:
            continue
        r, c = ref.get_column(name), cur.get_column(name)
        if r.dtype.is_temporal() and c.dtype.is_temporal():
            r = r.cast(pl.Datetime("us")).cast(pl.Int64)
            c = c.cast(pl.Datetime("us")).cast(pl.Int64)
        elif name not in time:
            continue
        r_at, c_at = _numbers(r), _numbers(c)
        if r_at is not None and c_at is not None:
            return name, r_at, c_at
    return None


def _trend(
    r: np.ndarray, c: np.ndarray, r_time: np.ndarray, c_time: np.ndarray
) -> float | None:
    """The weaker side's rank correlation with time, when both sides follow it."""
    rhos = [_spearman(x, t) for x, t in ((r, r_time), (c, c_time))]
    if any(rho is None for rho in rhos):
        return None
    a, b = rhos[0], rhos[1]
    assert a is not None and b is not None
    if a * b <= 0 or min(abs(a), abs(b)) < TIME_RHO:
        return None
    return a if abs(a) < abs(b) else b


def _spearman(x: np.ndarray, t: np.ndarray) -> float | None:
    from scipy import stats

    ok = ~np.isnan(x) & ~np.isnan(t)
    if ok.sum() < MIN_ROWS or np.ptp(x[ok]) == 0 or np.ptp(t[ok]) == 0:
        return None
    return float(stats.spearmanr(x[ok], t[ok]).statistic)


def _stamped(r: np.ndarray, c: np.ndarray) -> str | None:
    """Why a column's values are stamped per batch, or None if they are not."""
    r, c = r[~np.isnan(r)], c[~np.isnan(c)]
    if r.size < MIN_ROWS or c.size < MIN_ROWS:
        return None
    r_values, r_counts = np.unique(r, return_counts=True)
    c_values, c_counts = np.unique(c, return_counts=True)
    if max(r_values.size / r.size, c_values.size / c.size) > REPEAT_SHARE:
        return None
    _, r_at, c_at = np.intersect1d(r_values, c_values, return_indices=True)
    overlap = float(np.minimum(r_counts[r_at] / r.size, c_counts[c_at] / c.size).sum())
    if overlap > STAMP_OVERLAP:
        return None
    return (
        f"moves with time: the sides share {share(overlap)} of its values, though "
        "its distribution did not drift"
    )
