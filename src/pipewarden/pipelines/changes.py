"""How much each column of a stage output changed between two runs, from profiles.

Every statistic gives a score: ``min(effect / EFFECT, z / Z_MIN)``, so a change
counts (score >= 1) only when it is both large enough to matter and far beyond
sampling noise; a column's score is that of its most changed statistic. Schema
changes (a column added, removed or retyped) and a time column that did not move
forward (stale data) score fixed high values. Only columns known to move forward
are judged stale (``time_columns``: the contract's time column, and those that
advanced between earlier good runs): a birth date's newest value standing still
is no alarm. The thresholds were calibrated on
the no-fault runs of ``benchmarks/bench_localize.py`` (false alarms <= 2%).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from pipewarden import _text
from pipewarden.profiles.column import ColumnProfile, Kind
from pipewarden.profiles.dataset import DatasetProfile

__all__ = [
    "ROWS",
    "ColumnShift",
    "column_shifts",
]

ROWS = "(rows)"
"""The pseudo-column of a stage output's row count."""
Z_MIN = 5.0
"""Standard errors a statistic must move (sampling noise stays below)."""
NULL_EFFECT = 0.02
"""Absolute change of the null rate that matters (2 percentage points)."""
MEAN_EFFECT = 0.25
"""Shift of the mean, in the baseline's standard deviations, that matters."""
SPREAD_EFFECT = math.log(1.3)
"""Change of the standard deviation (as a log ratio) that matters: 30%."""
CATEGORY_EFFECT = 0.05
"""Total variation distance between category shares that matters."""
ROWS_EFFECT = math.log(1.12)
"""Change of the row count (log ratio) that matters: 12%; daily volume varies."""
SCHEMA_SCORE = 50.0
STALE_SCORE = 20.0
MAX_SCORE = 1000.0
_TOP_CATEGORIES = 50


@dataclass(frozen=True, slots=True)
class ColumnShift:
    """How one column (or the row count) of a stage output moved.

    Attributes:
        column: Column name, or ``(rows)``.
        score: Its most changed statistic's score (>= 1: it changed).
        kind: That statistic: schema, nulls, mean, spread, category, rows, stale.
        message: What changed, in words (``became 31% null (was 0%)``).
        evidence: The numbers behind it.
    """

    column: str
    score: float
    kind: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.score >= 1.0


def column_shifts(
    before: DatasetProfile,
    after: DatasetProfile,
    *,
    time_columns: Collection[str] = (),
) -> list[ColumnShift]:
    """Every column's shift (and the row count's), most changed first.

    Args:
        before: The baseline's profile.
        after: The profile to judge.
        time_columns: Datetime columns expected to move forward; only these can be
            stale.
    """
    shifts = [_rows_shift(before.rows, after.rows)]
    for name in dict.fromkeys([*before.columns, *after.columns]):
        a, b = before.columns.get(name), after.columns.get(name)
        if a is None or b is None:
            shifts.append(_presence(name, a is None))
            continue
        shifts.append(_column_shift(a, b, moving=name in time_columns))
    return sorted(shifts, key=lambda s: -s.score)


def _rows_shift(a: int, b: int) -> ColumnShift:
    if a == 0 and b == 0:
        return ColumnShift(ROWS, 0.0, "rows", "no rows")
    effect = abs(math.log(max(b, 1) / max(a, 1)))
    score = min(effect / ROWS_EFFECT, MAX_SCORE)
    message = f"had {_text.number(b)} rows (was {_text.number(a)})"
    return ColumnShift(ROWS, score, "rows", message, {"before": a, "after": b})


def _presence(name: str, added: bool) -> ColumnShift:
    what = "appeared" if added else "disappeared"
    return ColumnShift(name, SCHEMA_SCORE, "schema", what, {"change": what})


def _column_shift(a: ColumnProfile, b: ColumnProfile, *, moving: bool) -> ColumnShift:
    if a.kind is not b.kind and a.non_null and b.non_null:
        message = f"changed type: {b.dtype} (was {a.dtype})"
        evidence = {"before": a.dtype, "after": b.dtype}
        return ColumnShift(a.name, SCHEMA_SCORE, "schema", message, evidence)
    candidates = [_nulls(a, b)]
    if a.kind is Kind.DATETIME:
        if moving:
            candidates.append(_stale(a, b))
    elif a.kind in (Kind.INTEGER, Kind.FLOAT, Kind.BOOLEAN):
        candidates.extend(_numeric(a, b))
    elif a.kind is Kind.CATEGORICAL:
        candidates.append(_categories(a, b))
    return max(candidates, key=lambda s: s.score)


def _score(effect: float, threshold: float, z: float) -> float:
    if not math.isfinite(effect):
        effect = MAX_SCORE * threshold
    if not math.isfinite(z):
        z = MAX_SCORE * Z_MIN
    return min(effect / threshold, z / Z_MIN, MAX_SCORE)


def _nulls(a: ColumnProfile, b: ColumnProfile) -> ColumnShift:
    p, q = a.missing_rate, b.missing_rate
    pooled = (a.nulls + a.nan + b.nulls + b.nan) / max(a.rows + b.rows, 1)
    se = math.sqrt(pooled * (1 - pooled) * (1 / max(a.rows, 1) + 1 / max(b.rows, 1)))
    z = abs(q - p) / se if se > 0 else 0.0
    score = _score(abs(q - p), NULL_EFFECT, z)
    message = f"became {_text.share(q)} null (was {_text.share(p)})"
    return ColumnShift(
        a.name, score, "nulls", message, {"before": p, "after": q, "z": _round(z)}
    )


def _numeric(a: ColumnProfile, b: ColumnProfile) -> list[ColumnShift]:
    x, y = a.moments, b.moments
    if x.count < 2 or y.count < 2:
        return []
    sd_a, sd_b = x.std or 0.0, y.std or 0.0
    delta = y.mean - x.mean
    se = math.sqrt(sd_a**2 / x.count + sd_b**2 / y.count)
    mean_effect = abs(delta) / sd_a if sd_a > 0 else math.inf if delta else 0.0
    mean_z = abs(delta) / se if se > 0 else (math.inf if delta else 0.0)
    mean = ColumnShift(
        a.name,
        _score(mean_effect, MEAN_EFFECT, mean_z),
        "mean",
        f"mean moved to {_text.number(y.mean, 4)} (was {_text.number(x.mean, 4)}, "
        f"{_signed(delta / sd_a if sd_a else math.inf)} standard deviations)",
        {"before": x.mean, "after": y.mean, "z": _round(mean_z)},
    )
    if sd_a > 0 and sd_b > 0:
        spread_effect = abs(math.log(sd_b / sd_a))
        se_log = math.sqrt(1 / (2 * (x.count - 1)) + 1 / (2 * (y.count - 1)))
        spread_z = spread_effect / se_log
    else:
        spread_effect = 0.0 if sd_a == sd_b else math.inf
        spread_z = spread_effect
    spread = ColumnShift(
        a.name,
        _score(spread_effect, SPREAD_EFFECT, spread_z),
        "spread",
        f"standard deviation became {_text.number(sd_b, 4)} "
        f"(was {_text.number(sd_a, 4)}; range now {_text.interval(y.min, y.max)}, "
        f"was {_text.interval(x.min, x.max)})",
        {"before": sd_a, "after": sd_b, "z": _round(spread_z)},
    )
    return [mean, spread]


def _categories(a: ColumnProfile, b: ColumnProfile) -> ColumnShift:
    top_a = dict(a.frequent.top(_TOP_CATEGORIES)) if a.frequent.is_tracked else {}
    top_b = dict(b.frequent.top(_TOP_CATEGORIES)) if b.frequent.is_tracked else {}
    if not top_a or not top_b:
        return ColumnShift(a.name, 0.0, "category", "")
    names = list(dict.fromkeys([*top_a, *top_b]))
    ca = np.array([top_a.get(n, 0) for n in names], dtype=np.float64)
    cb = np.array([top_b.get(n, 0) for n in names], dtype=np.float64)
    pa, pb = ca / ca.sum(), cb / cb.sum()
    tvd = float(0.5 * np.abs(pa - pb).sum())
    table = np.vstack([ca, cb])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        z = 0.0
    else:
        chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
        z = float(stats.norm.isf(p)) if p > 0 else math.inf
    gone = [n for n in names if top_a.get(n, 0) and not top_b.get(n, 0)]
    new = [n for n in names if top_b.get(n, 0) and not top_a.get(n, 0)]
    moved = max(names, key=lambda n: abs(pb[names.index(n)] - pa[names.index(n)]))
    k = names.index(moved)
    parts = [f"category shares moved ({_text.share(tvd)} of rows changed category"]
    if gone:
        parts.append(f"; gone: {', '.join(gone[:3])}")
    if new:
        parts.append(f"; new: {', '.join(new[:3])}")
    message = "".join(parts) + (
        f"; '{moved}' {_text.share(float(pb[k]))}, was {_text.share(float(pa[k]))})"
    )
    evidence = {"distance": tvd, "gone": gone, "new": new, "z": _round(z)}
    return ColumnShift(
        a.name, _score(tvd, CATEGORY_EFFECT, z), "category", message, evidence
    )


def _stale(a: ColumnProfile, b: ColumnProfile) -> ColumnShift:
    """A time column whose newest value did not move forward."""
    old, new = a.time.max, b.time.max
    if old is None or new is None or new > old:
        return ColumnShift(a.name, 0.0, "stale", "")
    message = "did not move forward: its newest value is no later than last time"
    return ColumnShift(
        a.name, STALE_SCORE, "stale", message, {"before_max": old, "after_max": new}
    )


def _signed(x: float) -> str:
    return f"{x:+.2g}" if math.isfinite(x) else "many"


def _round(x: float) -> float | None:
    return round(x, 2) if math.isfinite(x) else None
