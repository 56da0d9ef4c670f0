from __future__ import annotations

import numpy as np
import pytest
from drift_helpers import (
    EXACT_N,
    categorical_pair,
    numeric_pair,
    raw_decile_shares,
)

from pipewarden.drift.stats import get
from pipewarden.drift.stats.psi import EPSILON, psi_of, smooth


def direct_psi(ref: np.ndarray, cur: np.ndarray) -> float:
    """PSI straight from the definition, smoothing each share with EPSILON."""
    r = (ref + EPSILON) / (1 + ref.size * EPSILON)
    c = (cur + EPSILON) / (1 + cur.size * EPSILON)
    return float(sum((ci - ri) * np.log(ci / ri) for ri, ci in zip(r, c, strict=True)))


@pytest.mark.parametrize("shift", [0.0, 0.2, 1.0])
def test_psi_matches_raw_numpy_exactly_while_sketches_hold_every_value(rng, shift):
    a, b = rng.normal(0, 1, EXACT_N), rng.normal(shift, 1, 180)
    expected = direct_psi(*raw_decile_shares(a, b))
    assert get("psi")(numeric_pair(a, b)).score == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("shift", [0.0, 0.3, 0.6])
def test_psi_is_within_sketch_error_of_raw_numpy_on_large_samples(rng, shift):
    a, b = rng.normal(0, 1, 200_000), rng.normal(shift, 1, 200_000)
    expected = direct_psi(*raw_decile_shares(a, b))
    # Bin shares (about 0.1 each) move by up to 2 x 1.65 points through the edges and
    # the CDFs; at these shifts that moves PSI by at most about 0.02 plus 10%.
    assert get("psi")(numeric_pair(a, b)).score == pytest.approx(
        expected, abs=0.02 + 0.1 * expected
    )


def test_psi_of_categories_is_exact_on_exact_counts():
    ref = ["a"] * 500 + ["b"] * 300 + ["c"] * 200
    cur = ["a"] * 400 + ["b"] * 300 + ["c"] * 200 + ["d"] * 100
    got = get("psi")(categorical_pair(ref, cur)).score
    expected = direct_psi(
        np.array([0.5, 0.3, 0.2, 0.0]), np.array([0.4, 0.3, 0.2, 0.1])
    )
    assert got == pytest.approx(expected, rel=1e-12)


def test_psi_is_about_the_square_of_a_normal_mean_shift(rng):
    a = rng.normal(0, 1, 100_000)
    assert get("psi")(numeric_pair(a, a + 0.5)).score == pytest.approx(0.25, rel=0.25)


def test_smoothing_keeps_empty_bins_finite():
    assert np.all(smooth(np.array([0.0, 1.0])) > 0)
    assert psi_of(np.array([1.0, 0.0]), np.array([0.0, 1.0])) < 20
