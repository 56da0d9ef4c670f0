"""L-infinity distance: the largest change in the share of any one category.

max over categories of |c - r|, with r and c the reference and current shares of
non-null values; rare categories are pooled into ``__other__`` first. Accepts
categorical columns (and numeric ones, on the PSI bins).

Default threshold 0.05: some category gained or lost five percentage points. Easy to
explain ("'c50_NEW' went from 0% to 5%"); an effect size, not a test.
"""

from __future__ import annotations

import numpy as np

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import CategoricalPair, NumericPair, Pair
from pipewarden.drift.stats._registry import Statistic, unsupported

NAME = "linf"
THRESHOLD = 0.05


def compute(pair: Pair) -> StatValue:
    if not isinstance(pair, NumericPair | CategoricalPair):
        raise unsupported(NAME, pair)
    ref, cur = pair.binned()
    return StatValue(NAME, float(np.max(np.abs(cur - ref))) if ref.size else 0.0)


STATISTIC = Statistic(
    NAME,
    frozenset({"categorical", "numeric"}),
    "effect",
    THRESHOLD,
    compute,
    "largest change of a category share",
)
