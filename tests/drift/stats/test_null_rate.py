from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pipewarden.drift.stats import get
from pipewarden.drift.stats._inputs import ProportionPair


@pytest.mark.parametrize(
    ("r", "c", "n"), [(20, 300, 1000), (200, 210, 10_000), (0, 5, 500)]
)
def test_null_rate_p_value_matches_a_two_by_two_chi_square(r, c, n):
    result = get("null_rate")(ProportionPair(r, n, c, n))
    table = np.array([[r, n - r], [c, n - c]])
    expected = stats.chi2_contingency(table, correction=False).pvalue
    assert result.p_value == pytest.approx(expected, rel=1e-9)


def test_null_rate_score_is_cohens_h():
    result = get("null_rate")(ProportionPair(20, 1000, 300, 1000))
    expected = 2 * math.asin(math.sqrt(0.3)) - 2 * math.asin(math.sqrt(0.02))
    assert result.score == pytest.approx(expected)
    assert result.score > 0.8


def test_no_nulls_on_either_side_is_no_change():
    result = get("null_rate")(ProportionPair(0, 100, 0, 100))
    assert (result.score, result.p_value) == (0.0, 1.0)
