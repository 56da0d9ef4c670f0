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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pipewarden._text import number, share, signed_share
from pipewarden.checks import codes
from pipewarden.checks.findings import Finding, Severity
from pipewarden.monitor.metrics import RATE_METRICS
from pipewarden.store.records import MetricPoint, Series, SeriesKey, SeriesTable

__all__ = ["HistoryPolicy", "Series", "SeriesKey", "SeriesTable", "detect_anomalies"]


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
        history: Earlier values per (column, metric), oldest first (a
            :class:`SeriesTable` is judged faster, with the same findings).
        policy: Thresholds; the defaults when None.

    Returns:
        One warning per anomalous metric, named ``history.<metric>``.
    """
    rules = policy or HistoryPolicy()
    if isinstance(history, SeriesTable):
        shared = history.shared_keys
        if shared is not None:
            return _detect_in_table(current, history, shared, rules)
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


def _detect_in_table(
    current: Sequence[MetricPoint],
    table: SeriesTable,
    keys: tuple[SeriesKey, ...],
    rules: HistoryPolicy,
) -> list[Finding]:
    """``detect_anomalies`` when every earlier run has the same metrics.

    Every series then has one value per run, so the runs of a baseline are the same
    for all metrics: chosen once per moment as ``_baseline`` chooses them per series,
    and judged by the same functions, the findings are the same.
    """
    index = {key: i for i, key in enumerate(keys)}
    plans: dict[datetime, tuple[str, list[tuple[float, ...]], str]] = {}
    findings: list[Finding] = []
    for point in current:
        if point.metric not in rules.metrics:
            continue
        i = index.get((point.column, point.metric))
        if i is None:
            continue
        at = point.recorded_at
        plan = plans.get(at)
        if plan is None:
            plan = plans[at] = _plan(at, table, rules)
        method, columns, description = plan
        if method == "previous":
            finding = _judge_change(point, columns[i][-1], rules)
        else:
            baseline = _Baseline(method, list(columns[i]), description)
            finding = _judge_spread(point, baseline, rules)
        if finding is not None:
            findings.append(finding)
    return findings


def _plan(
    at: datetime, table: SeriesTable, rules: HistoryPolicy
) -> tuple[str, list[tuple[float, ...]], str]:
    """The baseline method for ``at``, with each metric's baseline values (by key
    position) and the baseline's description, chosen as ``_baseline`` does."""
    chosen = _choose(at, table.times, _same_weekday(at, table.times), rules)
    if chosen is None:
        return "previous", _columns(table, [len(table.times) - 1]), ""
    method, runs, description = chosen
    return method, _columns(table, runs), description


def _columns(table: SeriesTable, runs: list[int]) -> list[tuple[float, ...]]:
    """The values of these runs, metric by metric (each metric's in run order)."""
    width = len(table.run_keys[0])
    return list(zip(*(table.run_values[r] for r in runs), strict=True)) or [()] * width


def _same_weekday_before(
    at: datetime, history: Mapping[SeriesKey, Series]
) -> set[datetime]:
    """Moments in the history on the same weekday as ``at``, on an earlier date."""
    moments = {moment for series in history.values() for moment, _ in series}
    return _same_weekday(at, moments)


def _same_weekday(at: datetime, moments: Iterable[datetime]) -> set[datetime]:
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
    chosen = _choose(at, [moment for moment, _ in series], seasonal, rules)
    if chosen is None:
        return None
    method, runs, description = chosen
    return _Baseline(method, [series[r][1] for r in runs], description)


def _choose(
    at: datetime,
    moments: Sequence[datetime],
    seasonal: set[datetime],
    rules: HistoryPolicy,
) -> tuple[str, list[int], str] | None:
    """Which earlier runs (positions in ``moments``) a value at ``at`` is judged
    against, the method and its description; None: against the previous run only."""
    same_day = [r for r, moment in enumerate(moments) if moment in seasonal]
    same_day = same_day[-rules.seasonal_points :]
    if len(same_day) >= rules.seasonal_min_points:
        day = at.strftime("%A")
        return "seasonal", same_day, f"the last {len(same_day)} runs on a {day}"
    recent = list(range(len(moments)))[-rules.window :]
    if len(recent) >= rules.min_window_points:
        return "rolling", recent, f"the last {len(recent)} runs"
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
        check=codes.history_check(point.metric),
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
        limit = f"more than {share(rules.max_relative_change)} is flagged"
        threshold = rules.max_relative_change
        moved = (
            f"changed by {signed_share(change / previous)}"
            if previous
            else "moved away from 0"
        )
    return Finding(
        check=codes.history_check(point.metric),
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
    return number(value, 4)
