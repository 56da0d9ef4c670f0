"""History anomalies: the baseline each metric is judged against, and the findings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pipewarden.checks.findings import Severity
from pipewarden.monitor.history import (
    HistoryPolicy,
    Series,
    SeriesKey,
    SeriesTable,
    detect_anomalies,
)
from pipewarden.monitor.metrics import MetricPoint
from store_helpers import T0

History = dict[SeriesKey, Series]


def point(
    value: float,
    metric: str = "row_count",
    column: str | None = None,
    at: datetime = T0,
) -> MetricPoint:
    return MetricPoint("orders", column, metric, value, at)


def daily(values: list[float], *, end: datetime = T0) -> Series:
    """One value per day, the last one the day before ``end``."""
    start = end - timedelta(days=len(values))
    return [(start + timedelta(days=i), v) for i, v in enumerate(values)]


# ------------------------------------------------------------------ previous run


def test_no_history_no_findings() -> None:
    assert detect_anomalies([point(5.0)], {}) == []


def test_a_large_relative_change_from_the_previous_run_is_flagged() -> None:
    [finding] = detect_anomalies(
        [point(1850.0)], {(None, "row_count"): daily([1000.0])}
    )

    assert finding.check == "history.row_count"
    assert finding.column is None
    assert finding.severity is Severity.WARNING
    assert (finding.value, finding.threshold) == (1850.0, 0.5)
    assert finding.message == (
        "row_count changed by +85% since the previous run (1,000 -> 1,850; more than "
        "50% is flagged). Check what changed upstream; if it is expected, later runs "
        "will learn it."
    )


def test_a_small_relative_change_is_not_flagged() -> None:
    assert (
        detect_anomalies([point(1400.0)], {(None, "row_count"): daily([1000.0])}) == []
    )


def test_rates_are_judged_by_absolute_change() -> None:
    history: History = {("amount", "null_rate"): daily([0.01])}

    [finding] = detect_anomalies([point(0.3, "null_rate", "amount")], history)
    assert finding.message.startswith(
        "null_rate of column 'amount' changed by +0.29 since the previous run "
        "(0.01 -> 0.3; more than 0.1 is flagged)."
    )
    assert detect_anomalies([point(0.05, "null_rate", "amount")], history) == []


def test_moving_away_from_zero_is_flagged() -> None:
    [finding] = detect_anomalies(
        [point(4.0, "mean", "x")], {("x", "mean"): daily([0.0])}
    )

    assert "mean of column 'x' moved away from 0 since the previous run" in (
        finding.message
    )


# ------------------------------------------------------------------ rolling window


def test_a_value_far_outside_the_rolling_window_is_flagged() -> None:
    values = [1000.0, 1010.0, 990.0, 1005.0, 995.0, 1000.0]
    history: History = {
        (None, "row_count"): [
            (T0 - timedelta(hours=6 - i), v) for i, v in enumerate(values)
        ]
    }

    [finding] = detect_anomalies([point(400.0)], history)

    assert finding.threshold["method"] == "rolling"
    assert finding.threshold["points"] == 6
    assert finding.message.startswith("row_count is 400, outside the expected ")
    assert "of the last 6 runs; z = " in finding.message
    assert detect_anomalies([point(1008.0)], history) == []


def test_the_rolling_window_holds_the_last_runs_only() -> None:
    old = [5000.0] * 30
    recent = [1000.0] * 20
    history: History = {
        (None, "row_count"): [
            (T0 - timedelta(hours=50 - i), v) for i, v in enumerate(old + recent)
        ]
    }

    assert detect_anomalies([point(1000.0)], history) == []
    [finding] = detect_anomalies([point(5000.0)], history)
    assert "of the last 20 runs" in finding.message


def test_a_flat_series_tolerates_a_one_percent_wobble() -> None:
    history: History = {
        (None, "row_count"): [(T0 - timedelta(hours=h), 1000.0) for h in range(1, 8)]
    }

    assert detect_anomalies([point(1001.0)], history) == []
    assert len(detect_anomalies([point(1100.0)], history)) == 1


def test_a_null_rate_that_was_always_zero_flags_a_few_percent() -> None:
    history: History = {
        ("a", "null_rate"): [(T0 - timedelta(hours=h), 0.0) for h in range(1, 8)]
    }

    assert detect_anomalies([point(0.01, "null_rate", "a")], history) == []
    assert len(detect_anomalies([point(0.03, "null_rate", "a")], history)) == 1


# ------------------------------------------------------------------ seasonal


def test_a_weekly_rhythm_is_learned_from_the_same_weekday() -> None:
    # Four weeks of daily runs: weekdays ~1000 rows, Sundays ~100.
    start = datetime(2026, 10, 5, 6, tzinfo=T0.tzinfo)  # a Monday
    series = [
        (start + timedelta(days=d), 100.0 + d % 3 if d % 7 == 6 else 1000.0 + d % 5)
        for d in range(28)
    ]
    sunday = start + timedelta(days=34)
    history: History = {(None, "row_count"): series}

    assert detect_anomalies([point(101.0, at=sunday)], history) == []
    [finding] = detect_anomalies([point(1000.0, at=sunday)], history)
    assert finding.threshold["method"] == "seasonal"
    assert "of the last 4 runs on a Sunday" in finding.message


def test_same_day_runs_are_not_a_seasonal_baseline() -> None:
    at = T0 + timedelta(hours=10)
    history: History = {
        (None, "row_count"): [(T0 + timedelta(hours=h), 1000.0) for h in range(9)]
    }

    [finding] = detect_anomalies([point(3000.0, at=at)], history)

    assert finding.threshold["method"] == "rolling"


def test_unwatched_metrics_are_ignored() -> None:
    history: History = {("a", "max"): daily([1.0])}

    assert detect_anomalies([point(100.0, "max", "a")], history) == []
    policy = HistoryPolicy(metrics=frozenset({"max"}))
    assert len(detect_anomalies([point(100.0, "max", "a")], history, policy)) == 1


# ------------------------------------------------------------------ series tables


def table_of(
    runs: int, step: timedelta, *, drop_every: int = 0, seed: int = 0
) -> SeriesTable:
    """``runs`` earlier runs, ``step`` apart, ending before T0; with ``drop_every``
    some runs lack a metric, so not all runs share their keys."""
    import random

    rng = random.Random(seed)
    full: tuple[SeriesKey, ...] = (
        (None, "row_count"),
        ("a", "mean"),
        ("a", "null_rate"),
        ("b", "p95"),
    )
    times, keys, values = [], [], []
    for r in range(runs):
        times.append(T0 - step * (runs - r))
        run_keys = full
        if drop_every and r % drop_every == 0:
            run_keys = full[:2] + full[3:]
        keys.append(run_keys)
        values.append(
            tuple(
                rng.gauss(100, 5) if k[1] != "null_rate" else rng.random() / 10
                for k in run_keys
            )
        )
    return SeriesTable(times, keys, values)


def points_at(at: datetime, seed: int) -> list[MetricPoint]:
    import random

    rng = random.Random(seed)
    return [
        point(rng.choice([100.0, 104.0, 130.0, 300.0]), "row_count", at=at),
        point(rng.choice([100.0, 112.0, 60.0]), "mean", "a", at=at),
        point(rng.choice([0.0, 0.05, 0.4]), "null_rate", "a", at=at),
        point(rng.choice([100.0, 90.0, 1000.0]), "p95", "b", at=at),
        point(5.0, "max", "a", at=at),  # not watched
        point(1.0, "mean", "missing", at=at),  # no history
    ]


@pytest.mark.parametrize("runs", [1, 3, 4, 7, 20, 40])
@pytest.mark.parametrize(
    "step", [timedelta(hours=7), timedelta(days=1), timedelta(days=7)]
)
@pytest.mark.parametrize("drop_every", [0, 3])
def test_a_series_table_gives_the_findings_of_the_same_history_as_a_dict(
    runs: int, step: timedelta, drop_every: int
) -> None:
    for seed in range(5):
        table = table_of(runs, step, drop_every=drop_every, seed=seed)
        as_dict = {key: list(series) for key, series in table.items()}
        assert (table.shared_keys is not None) is (drop_every == 0 or runs == 1)
        for policy in (None, HistoryPolicy(window=3, min_window_points=2)):
            current = points_at(T0, seed)

            fast = detect_anomalies(current, table, policy)

            assert fast == detect_anomalies(current, as_dict, policy)


def test_a_series_table_is_the_mapping_of_its_series() -> None:
    table = table_of(3, timedelta(days=1), drop_every=2)

    assert table[("b", "p95")] == [
        (T0 - timedelta(days=3 - r), table.run_values[r][-1]) for r in range(3)
    ]
    assert [v for _, v in table[("a", "null_rate")]] == [table.run_values[1][2]]
    assert len(table) == 4 and ("a", "mean") in table
    assert SeriesTable([], [], []).shared_keys is None and not SeriesTable([], [], [])
