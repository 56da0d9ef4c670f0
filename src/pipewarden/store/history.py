"""Anomalies in the history of a dataset's metrics, as ``history.<metric>`` findings.

Each metric of a new run is compared with the best baseline its history allows, as
Deequ's anomaly strategies do:

1. **seasonal**: at least 3 earlier runs on the same weekday (UTC), at least a week
   back: the value must lie within mean ± z·σ of the last 8 of them. A weekly rhythm
   (quiet weekends) then does not look anomalous every Saturday.
2. **rolling**: else, at least 5 earlier runs: within mean ± z·σ of the last 20.
3. **previous**: else, change against the previous run: relative change of at most
   50%, or an absolute change of at most 0.1 for rates such as ``null_rate``.

σ is floored (1% of the mean, and 0.005 for rates) so that a series that never moved
does not flag the smallest wobble. Anomalies are warnings: history informs, the
contract decides what fails.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from pipewarden.checks.findings import Finding, Severity
from pipewarden.store.metrics import RATE_METRICS
from pipewarden.store.records import MetricPoint

__all__ = ["HistoryPolicy", "Series", "SeriesKey", "detect_anomalies"]

SeriesKey: TypeAlias = tuple[str | None, str]
"""(column, metric); column None for dataset-wide metrics."""
Series: TypeAlias = Sequence[tuple[datetime, float]]
"""Earlier values of one metric, oldest first."""

WATCHED = frozenset({"row_count", "null_rate", "distinct", "mean", "std", "p50", "p95"})
_RATE_FLOOR = 0.005
_TINY = 1e-12


@dataclass(frozen=True, slots=True)
class HistoryPolicy:
    """How history anomalies are judged (defaults as in the module docstring).

    Attributes:
        window: Earlier runs in the rolling baseline.
        min_window_points: Fewest earlier runs for the rolling baseline.
        seasonal_points: Same-weekday runs in the seasonal baseline.
        seasonal_min_points: Fewest same-weekday runs for the seasonal baseline.
        max_z: How many (floored) standard deviations from the mean are tolerated.
        max_relative_change: Largest relative change against the previous run.
        max_absolute_change: Largest absolute change of a rate against the previous run.
        relative_floor: σ is at least this share of |mean|.
        metrics: Metrics watched.
        lookback_runs: Earlier runs read from the store to find these baselines.
    """

    window: int = 20
    min_window_points: int = 5
    seasonal_points: int = 8
    seasonal_min_points: int = 3
    max_z: float = 3.0
    max_relative_change: float = 0.5
    max_absolute_change: float = 0.1
    relative_floor: float = 0.01
    metrics: frozenset[str] = WATCHED
    lookback_runs: int = 200


@dataclass(frozen=True, slots=True)
class _Baseline:
    method: str
    values: list[float]
    description: str


def detect_anomalies(
    current: Sequence[MetricPoint],
    history: Mapping[SeriesKey, Series],
    policy: HistoryPolicy | None = None,
) -> list[Finding]:
    """Compare a run's metric points with their history.

    Args:
        current: The new run's points.
        history: Earlier values per (column, metric), oldest first.
        policy: Thresholds; the defaults when None.

    Returns:
        One warning per anomalous metric, named ``history.<metric>``.
    """
    rules = policy or HistoryPolicy()
    findings: list[Finding] = []
    seasonal: dict[datetime, set[datetime]] = {}
    for point in current:
        if point.metric not in rules.metrics:
            continue
        series = history.get((point.column, point.metric), ())
        if not series:
            continue
        at = point.recorded_at
        if at not in seasonal:
            seasonal[at] = _same_weekday_before(at, history)
        finding = _judge(point, series, seasonal[at], rules)
        if finding is not None:
            findings.append(finding)
    return findings


def _same_weekday_before(
    at: datetime, history: Mapping[SeriesKey, Series]
) -> set[datetime]:
    """Moments in the history on the same weekday as ``at``, on an earlier date."""
    moments = {moment for series in history.values() for moment, _ in series}
    weekday, day = at.weekday(), at.date()
    return {m for m in moments if m.weekday() == weekday and m.date() < day}


def _judge(
    point: MetricPoint, series: Series, seasonal: set[datetime], rules: HistoryPolicy
) -> Finding | None:
    baseline = _baseline(point.recorded_at, series, seasonal, rules)
    if baseline is None:
        return _judge_change(point, series[-1][1], rules)
    return _judge_spread(point, baseline, rules)


def _baseline(
    at: datetime, series: Series, seasonal: set[datetime], rules: HistoryPolicy
) -> _Baseline | None:
    same_day = [value for moment, value in series if moment in seasonal]
    same_day = same_day[-rules.seasonal_points :]
    if len(same_day) >= rules.seasonal_min_points:
        day = at.strftime("%A")
        return _Baseline(
            "seasonal", same_day, f"the last {len(same_day)} runs on a {day}"
        )
    recent = [value for _, value in series][-rules.window :]
    if len(recent) >= rules.min_window_points:
        return _Baseline("rolling", recent, f"the last {len(recent)} runs")
    return None


def _judge_spread(
    point: MetricPoint, baseline: _Baseline, rules: HistoryPolicy
) -> Finding | None:
    mean, spread = _mean_and_stdev(baseline.values)
    floor = _RATE_FLOOR if point.metric in RATE_METRICS else _TINY
    sigma = max(spread, rules.relative_floor * abs(mean), floor)
    z = (point.value - mean) / sigma
    if abs(z) <= rules.max_z:
        return None
    low, high = mean - rules.max_z * sigma, mean + rules.max_z * sigma
    return Finding(
        check=f"history.{point.metric}",
        column=point.column,
        severity=Severity.WARNING,
        value=point.value,
        threshold={
            "method": baseline.method,
            "low": low,
            "high": high,
            "mean": mean,
            "z": round(z, 2),
            "points": len(baseline.values),
        },
        message=(
            f"{_subject(point)} is {_num(point.value)}, outside the expected "
            f"{_num(low)} to {_num(high)} (mean ± {_num(rules.max_z)}σ of "
            f"{baseline.description}; z = {z:+.1f}). {_ADVICE}"
        ),
    )


def _judge_change(
    point: MetricPoint, previous: float, rules: HistoryPolicy
) -> Finding | None:
    change = point.value - previous
    if point.metric in RATE_METRICS:
        if abs(change) <= rules.max_absolute_change:
            return None
        limit = f"more than {_num(rules.max_absolute_change)} is flagged"
        threshold = rules.max_absolute_change
        moved = f"changed by {change:+.4g}"
    else:
        if (
            abs(change) <= rules.max_relative_change * abs(previous)
            or abs(change) < _TINY
        ):
            return None
        limit = f"more than {rules.max_relative_change:.0%} is flagged"
        threshold = rules.max_relative_change
        moved = (
            f"changed by {change / previous:+.0%}" if previous else "moved away from 0"
        )
    return Finding(
        check=f"history.{point.metric}",
        column=point.column,
        severity=Severity.WARNING,
        value=point.value,
        threshold=threshold,
        message=(
            f"{_subject(point)} {moved} since the previous run "
            f"({_num(previous)} -> {_num(point.value)}; {limit}). {_ADVICE}"
        ),
    )


def _mean_and_stdev(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``statistics`` is exact, and too slow here)."""
    n = len(values)
    mean = math.fsum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))


_ADVICE = "Check what changed upstream; if it is expected, later runs will learn it."


def _subject(point: MetricPoint) -> str:
    if point.column is None:
        return point.metric
    return f"{point.metric} of column '{point.column}'"


def _num(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"
