from __future__ import annotations

import numpy as np
import pytest
from drift_helpers import (
    EXACT_N,
    RANK_ERROR,
    categorical_pair,
    numeric_pair,
    raw_decile_shares,
)
from scipy.spatial.distance import jensenshannon

from pipewarden.drift.stats import get
from pipewarden.drift.stats.jensen_shannon import js_distance


@pytest.mark.parametrize("shift", [0.0, 0.4, 2.0])
def test_js_matches_scipy_exactly_while_sketches_hold_every_value(rng, shift):
    a, b = rng.normal(0, 1, EXACT_N), rng.normal(shift, 1, 170)
    expected = jensenshannon(*raw_decile_shares(a, b), base=2)
    assert get("js")(numeric_pair(a, b)).score == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("shift", [0.0, 0.3, 1.0])
def test_js_is_within_sketch_error_of_scipy_on_large_samples(rng, shift):
    a, b = rng.normal(0, 1, 200_000), rng.normal(shift, 1, 200_000)
    expected = jensenshannon(*raw_decile_shares(a, b), base=2)
    # JS distance is a metric, so the error is at most d(P, P') + d(Q, Q'), where each
    # side's decile shares (0.1) are off by at most 2 x RANK_ERROR (edge and CDF).
    deciles = np.full(10, 0.1)
    off = deciles + 2 * RANK_ERROR * np.tile([1, -1], 5)
    bound = 2 * jensenshannon(deciles, off, base=2)
    assert get("js")(numeric_pair(a, b)).score == pytest.approx(expected, abs=bound)


def test_js_of_categories_matches_scipy():
    ref = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    cur = ["a"] * 45 + ["b"] * 30 + ["c"] * 20 + ["NEW"] * 5
    got = get("js")(categorical_pair(ref, cur)).score
    expected = jensenshannon([0.5, 0.3, 0.2, 0.0], [0.45, 0.3, 0.2, 0.05], base=2)
    assert got == pytest.approx(expected, abs=1e-12)


def test_js_is_bounded_by_one():
    assert js_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)
    assert js_distance(np.array([0.3, 0.7]), np.array([0.3, 0.7])) == 0.0
