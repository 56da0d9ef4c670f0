from __future__ import annotations

import math

import polars as pl
import pytest

from pipewarden.monitor.metrics import profile_metrics
from store_helpers import T0, profile_of


def test_profile_metrics_cover_the_dataset_and_each_column() -> None:
    prof = profile_of(
        pl.DataFrame(
            {
                "x": [1.0, 2.0, 3.0, None],
                "s": ["a", "b", "a", "a"],
            }
        )
    )

    points = {
        (p.column, p.metric): p.value
        for p in profile_metrics(prof, dataset="d", recorded_at=T0, run_id="r")
    }

    assert points[(None, "row_count")] == 4.0
    assert points[(None, "column_count")] == 2.0
    assert points[("x", "null_rate")] == 0.25
    assert points[("x", "mean")] == 2.0
    assert points[("x", "std")] == 1.0
    assert (points[("x", "min")], points[("x", "max")]) == (1.0, 3.0)
    assert points[("x", "p50")] == pytest.approx(2.0)
    assert points[("x", "distinct")] == pytest.approx(3.0)
    assert points[("s", "distinct")] == pytest.approx(2.0)
    assert ("s", "mean") not in points
    assert all(math.isfinite(v) for v in points.values())


def test_points_carry_dataset_time_and_run() -> None:
    prof = profile_of(pl.DataFrame({"x": [1]}))

    [first, *_] = profile_metrics(prof, dataset="d", recorded_at=T0, run_id="r")

    assert (first.dataset, first.recorded_at, first.run_id) == ("d", T0, "r")


def test_an_all_null_column_has_only_null_rate_and_distinct() -> None:
    prof = profile_of(pl.DataFrame({"x": [None, None]}, schema={"x": pl.Float64}))

    metrics = {
        p.metric
        for p in profile_metrics(prof, dataset="d", recorded_at=T0)
        if p.column == "x"
    }

    assert metrics == {"null_rate", "distinct"}
