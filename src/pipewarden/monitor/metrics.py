"""Turn a profile into metric points: the statistics kept as time series, per column.

Every recorded run adds one point per statistic to the store's narrow ``metrics``
table, so ``row_count`` of a dataset, or ``null_rate`` of one of its columns, can be
read back over time and watched for anomalies (``pipewarden.monitor.history``).
"""

from __future__ import annotations

import math
from datetime import datetime

from pipewarden.profiles.column import ColumnProfile
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store.records import MetricPoint

__all__ = [
    "COLUMN_METRICS",
    "DATASET_METRICS",
    "RATE_METRICS",
    "MetricPoint",
    "column_metrics",
    "profile_metrics",
]

DATASET_METRICS = ("row_count", "column_count")
COLUMN_METRICS = ("null_rate", "distinct", "mean", "std", "min", "max", "p50", "p95")
RATE_METRICS = frozenset({"null_rate"})
"""Metrics bounded by 0 and 1, compared by absolute rather than relative change."""


def profile_metrics(
    profile: DatasetProfile,
    *,
    dataset: str,
    recorded_at: datetime,
    run_id: str | None = None,
) -> list[MetricPoint]:
    """The metric points of one profile: dataset-wide first, then column by column.

    Numeric statistics (mean, std, min, max, p50, p95) exist only for columns with
    finite numeric values; non-finite values are left out.
    """
    points = [
        MetricPoint(
            dataset, None, "row_count", float(profile.rows), recorded_at, run_id
        ),
        MetricPoint(
            dataset,
            None,
            "column_count",
            float(len(profile.columns)),
            recorded_at,
            run_id,
        ),
    ]
    for column in profile.columns.values():
        for metric, value in column_metrics(column).items():
            points.append(
                MetricPoint(dataset, column.name, metric, value, recorded_at, run_id)
            )
    return points


def column_metrics(column: ColumnProfile) -> dict[str, float]:
    """The statistics of one column that are kept as time series."""
    values: dict[str, float | None] = {
        "null_rate": column.null_rate,
        "distinct": column.distinct_count,
    }
    moments = column.moments
    if moments.count > 0:
        values.update(
            mean=moments.mean, std=moments.std, min=moments.min, max=moments.max
        )
    if not column.quantiles.is_empty:
        p50, p95 = column.quantiles.quantiles([0.5, 0.95])
        values.update(p50=p50, p95=p95)
    return {
        name: float(value)
        for name, value in values.items()
        if value is not None and math.isfinite(float(value))
    }
