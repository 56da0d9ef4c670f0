from __future__ import annotations

import numpy as np
import pytest
from drift_helpers import categorical_pair, numeric_pair, raw_decile_shares

from pipewarden.drift.stats import get


def test_linf_is_the_largest_share_change():
    ref = ["a"] * 60 + ["b"] * 40
    cur = ["a"] * 45 + ["b"] * 40 + ["c"] * 15
    assert get("linf")(categorical_pair(ref, cur)).score == pytest.approx(0.15)


def test_linf_of_numeric_columns_uses_the_decile_bins(rng):
    a, b = rng.normal(0, 1, 150), rng.normal(0.5, 1, 150)
    r, c = raw_decile_shares(a, b)
    assert get("linf")(numeric_pair(a, b)).score == pytest.approx(
        float(np.max(np.abs(c - r))), abs=1e-12
    )
