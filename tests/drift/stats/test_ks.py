from __future__ import annotations

import pytest
from drift_helpers import EXACT_N, RANK_ERROR, numeric_pair
from scipy import stats

from pipewarden.drift.stats import get
from pipewarden.drift.stats.ks import ks_p_value


@pytest.mark.parametrize("shift", [0.0, 0.3, 1.0])
def test_ks_matches_scipy_exactly_while_sketches_hold_every_value(rng, shift):
    a, b = rng.normal(0, 1, EXACT_N), rng.normal(shift, 1, 150)
    result = get("ks")(numeric_pair(a, b))
    expected = stats.ks_2samp(a, b, method="asymp")
    assert result.score == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)


@pytest.mark.parametrize("shift", [0.0, 0.05, 0.3])
def test_ks_statistic_is_within_sketch_error_of_scipy_on_large_samples(rng, shift):
    a, b = rng.normal(0, 1, 200_000), rng.lognormal(0, 0.5, 100_000) + shift
    result = get("ks")(numeric_pair(a, b))
    # Each CDF is off by at most RANK_ERROR, so their gap by at most twice that.
    assert result.score == pytest.approx(
        stats.ks_2samp(a, b).statistic, abs=2 * RANK_ERROR
    )


def test_ks_does_not_read_sketch_error_as_change_on_millions_of_rows(rng):
    a, b = rng.normal(0, 1, 1_000_000), rng.normal(0, 1, 1_000_000)
    pair = numeric_pair(a, b)
    assert pair.n_effective < 5_000
    p_value = get("ks")(pair).p_value
    assert p_value is not None and p_value > 0.01


def test_ks_p_value_follows_the_kolmogorov_distribution():
    assert ks_p_value(0.0, 1000) == 1.0
    assert ks_p_value(0.1, 500) == pytest.approx(stats.kstwo.sf(0.1, 500))


@pytest.mark.parametrize("n", [1_500, 4_700, 100_000])
@pytest.mark.parametrize("d", [0.005, 0.01, 0.02, 0.03])
def test_large_sample_p_values_match_the_exact_distribution(n, d):
    assert ks_p_value(d, n) == pytest.approx(stats.kstwo.sf(d, n), abs=3e-3)


def test_counted_integer_columns_are_compared_exactly(rng):
    a, b = rng.poisson(3, 300_000), rng.poisson(3.1, 300_000)
    result = get("ks")(numeric_pair(a, b))
    expected = stats.ks_2samp(a, b, method="asymp")
    assert numeric_pair(a, b).reference.rank_error == 0.0
    assert result.score == pytest.approx(expected.statistic, abs=1e-12)
    # Past EXACT_UP_TO the p-value is the limiting distribution with Stephens'
    # correction: within a few percent of scipy's exact value even at p ~ 1e-66.
    assert result.p_value == pytest.approx(expected.pvalue, rel=0.1, abs=1e-300)
