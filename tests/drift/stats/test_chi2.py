from __future__ import annotations

import numpy as np
import pytest
from drift_helpers import categorical_pair
from scipy import stats

from pipewarden.drift.stats import get
from pipewarden.drift.stats._inputs import OTHER


def test_chi2_matches_scipy_contingency_on_exact_counts():
    ref = ["a"] * 500 + ["b"] * 300 + ["c"] * 200
    cur = ["a"] * 430 + ["b"] * 330 + ["c"] * 240
    result = get("chi2")(categorical_pair(ref, cur))
    table = np.array([[500, 300, 200], [430, 330, 240]])
    expected = stats.chi2_contingency(table, correction=False)
    assert result.score == pytest.approx(expected.statistic, rel=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)


def test_chi2_pools_categories_too_rare_for_the_test():
    ref = ["a"] * 500 + ["b"] * 497 + ["r1", "r2", "r3"]
    cur = ["a"] * 520 + ["b"] * 478 + ["r4", "r5"]
    pair = categorical_pair(ref, cur)
    assert pair.categories == ("a", "b", OTHER)
    result = get("chi2")(pair)
    table = np.array([[500, 497, 3], [520, 478, 2]])
    assert result.score == pytest.approx(
        stats.chi2_contingency(table, correction=False).statistic, rel=1e-12
    )


def test_chi2_of_identical_shares_is_zero():
    result = get("chi2")(categorical_pair(["a", "b"] * 100, ["a", "b"] * 300))
    assert result.score == pytest.approx(0.0, abs=1e-12)
    assert result.p_value == pytest.approx(1.0)
