from __future__ import annotations

import numpy as np
import pytest
from drift_helpers import EXACT_N, RANK_ERROR, numeric_pair
from scipy import stats

from pipewarden.drift.stats import get
from pipewarden.drift.stats.wasserstein import w1


@pytest.mark.parametrize("shift", [0.0, 0.5, 3.0])
def test_wasserstein_matches_scipy_exactly_while_sketches_hold_every_value(rng, shift):
    a, b = rng.normal(10, 2, EXACT_N), rng.normal(10 + shift, 3, 120)
    pair = numeric_pair(a, b)
    raw = stats.wasserstein_distance(a, b)
    assert w1(pair) == pytest.approx(raw, rel=1e-9)
    assert get("wasserstein")(pair).score == pytest.approx(
        raw / np.std(a, ddof=1), rel=1e-9
    )


@pytest.mark.parametrize("shift", [0.0, 0.1, 0.5])
def test_wasserstein_is_within_sketch_error_of_scipy_on_large_samples(rng, shift):
    a, b = rng.normal(0, 1, 200_000), rng.normal(shift, 1, 200_000)
    score = get("wasserstein")(numeric_pair(a, b)).score
    # W1 integrates |F_ref - F_cur|; each CDF is off by at most RANK_ERROR, and
    # the error matters over the central ~1.5 std where F moves: 2 x 1.65% x 1.5.
    tolerance = 2 * RANK_ERROR * 1.5
    assert score == pytest.approx(
        stats.wasserstein_distance(a, b) / np.std(a), abs=tolerance
    )


def test_wasserstein_reads_in_reference_standard_deviations(rng):
    a = rng.normal(100, 10, 100_000)
    score = get("wasserstein")(numeric_pair(a, a + 5)).score
    assert score == pytest.approx(0.5, abs=0.05)


def test_wasserstein_of_a_constant_reference_is_the_raw_distance():
    pair = numeric_pair(np.full(50, 3.0), np.full(50, 4.5))
    assert get("wasserstein")(pair).score == pytest.approx(1.5)
