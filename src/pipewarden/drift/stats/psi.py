"""Population stability index (PSI): how much the shares of bins or categories moved.

PSI = sum over bins of (c - r) * ln(c / r), with r and c the reference and current
shares, each smoothed as (share + 1e-4) / (1 + B * 1e-4) so empty bins stay finite.
Numeric columns are cut into 10 bins at reference deciles; categorical columns use
their categories. Accepts numeric and categorical columns.

Default threshold 0.1. Read it the credit-scoring way: below 0.1 stable, 0.1 to 0.25
a moderate shift, above 0.25 a major one. For a normal column a mean shift of d
standard deviations gives a PSI of about d**2. PSI is an effect size, not a test.
"""

from __future__ import annotations

import numpy as np

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import CategoricalPair, NumericPair, Pair
from pipewarden.drift.stats._registry import Statistic, unsupported

NAME = "psi"
THRESHOLD = 0.1
EPSILON = 1e-4
"""Added to every share before the logarithm."""


def smooth(shares: np.ndarray) -> np.ndarray:
    """Shares with epsilon added, renormalised to sum to one."""
    return (shares + EPSILON) / (1.0 + shares.size * EPSILON)


def psi_of(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI of two share vectors over the same bins."""
    r, c = smooth(reference), smooth(current)
    return float(np.sum((c - r) * np.log(c / r)))


def compute(pair: Pair) -> StatValue:
    if not isinstance(pair, NumericPair | CategoricalPair):
        raise unsupported(NAME, pair)
    return StatValue(NAME, psi_of(*pair.binned()))


STATISTIC = Statistic(
    NAME,
    frozenset({"numeric", "categorical"}),
    "effect",
    THRESHOLD,
    compute,
    "population stability index",
)
