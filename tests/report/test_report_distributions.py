"""Distributions the report draws, read from profile sketches."""

from __future__ import annotations

import math

import polars as pl
import pytest

import pipewarden as pw
from pipewarden.checks.findings import CheckResult
from pipewarden.report import render_report
from pipewarden.report._distributions import (
    HISTOGRAM_BINS,
    TOP_CATEGORIES,
    distribution_of,
)


def _column(values: list[object], dtype: pl.DataType | None = None) -> pw.ColumnProfile:
    return pw.profile(pl.DataFrame({"x": pl.Series("x", values, dtype=dtype)}))["x"]


def test_float_histogram_uses_common_equal_bins_and_shares_sum_to_one() -> None:
    ref = _column([float(i) for i in range(1000)])
    cur = _column([float(i) + 500 for i in range(1000)])
    dist = distribution_of(ref, cur)
    assert dist is not None and dist.shape == "histogram"
    assert len(dist.edges) == HISTOGRAM_BINS + 1
    assert dist.edges[0] == 0.0 and dist.edges[-1] == 1499.0
    assert dist.reference is not None and dist.current is not None
    assert sum(dist.reference) == pytest.approx(1.0, abs=1e-6)
    assert sum(dist.current) == pytest.approx(1.0, abs=1e-6)
    # The reference fills the lower two thirds of the range, the current the upper.
    assert sum(dist.reference[:20]) == pytest.approx(1.0, abs=0.03)
    assert sum(dist.current[10:]) == pytest.approx(1.0, abs=0.03)
    assert not dist.log_scale and dist.note == ""


def test_far_out_tails_are_clipped_into_the_end_bins_with_a_note() -> None:
    values = [float(i % 100) for i in range(10_000)] + [1e6]
    dist = distribution_of(_column(values), None)
    assert dist is not None and dist.edges[-1] < 1000
    assert "values beyond fall in the end bins" in dist.note
    assert dist.current is None


def test_values_over_orders_of_magnitude_get_log_bins() -> None:
    values = [10 ** (i / 1000) for i in range(6000)]  # 1 .. 1e6, log-uniform
    dist = distribution_of(_column(values), None)
    assert dist is not None and dist.log_scale
    ratios = [b / a for a, b in zip(dist.edges, dist.edges[1:], strict=False)]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-6)
    assert dist.reference is not None
    assert max(dist.reference) - min(dist.reference) < 0.02


def test_small_integer_columns_are_exact_bars_per_value() -> None:
    ref = _column([0, 1, 1, 2, 2, 2, 10])
    cur = _column([1, 1, 3])
    dist = distribution_of(ref, cur)
    assert dist is not None and dist.shape == "bars" and dist.numeric
    assert dist.labels == ("0", "1", "2", "3", "10")
    assert dist.reference == pytest.approx((1 / 7, 2 / 7, 3 / 7, 0.0, 1 / 7), abs=1e-6)
    assert dist.current == pytest.approx((0.0, 2 / 3, 0.0, 1 / 3, 0.0), abs=1e-6)


def test_wide_integer_columns_use_exact_counts_per_unit_bin() -> None:
    values = [i % 60 for i in range(6000)]
    dist = distribution_of(_column(values), None)
    assert dist is not None and dist.shape == "histogram"
    assert dist.edges[0] == -0.5 and dist.edges[-1] == 59.5
    assert dist.reference == pytest.approx(tuple([1 / 60] * 60), abs=1e-6)


def test_categories_keep_the_most_frequent_and_say_how_much_is_left() -> None:
    values = [f"v{i:02d}" for i in range(40) for _ in range(40 - i)]
    dist = distribution_of(_column(values), _column(["v00", "new"]))
    assert dist is not None and dist.shape == "bars" and not dist.numeric
    assert len(dist.labels) == TOP_CATEGORIES
    # Ranked by the larger share on either side: both are half of the current batch.
    assert dist.labels[:3] == ("new", "v00", "v01")
    assert "other values make up" in dist.note


def test_booleans_are_bars() -> None:
    dist = distribution_of(_column([True, False, False, None]), None)
    assert dist is not None and dist.labels == ("false", "true")
    assert dist.reference == pytest.approx((2 / 3, 1 / 3))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([None, None], id="all-null"),
        pytest.param([math.nan, math.inf], id="no-finite-value"),
        pytest.param([], id="empty"),
    ],
)
def test_columns_without_values_have_nothing_to_draw(values: list[object]) -> None:
    assert distribution_of(_column(values, pl.Float64), None) is None


def test_constant_column_is_one_bin() -> None:
    dist = distribution_of(_column([2.5] * 10), _column([2.5] * 3))
    assert dist is not None and dist.edges == (2.0, 3.0)
    assert dist.reference == (1.0,) and dist.current == (1.0,)


def test_odd_columns_render_without_errors() -> None:
    frame = pl.DataFrame(
        {
            "empty": pl.Series([None, None, None], dtype=pl.Float64),
            "const": [1.0, 1.0, 1.0],
            "blank": ["", "", "a"],
            "neg": [-5, -3, -1],
        }
    )
    prof = pw.profile(frame)
    page = render_report(CheckResult(rows=3), current=prof, reference=prof)
    assert "No values to chart." in page
    assert '\\"\\"' in page  # the empty category is labelled "" on its axis
