"""Wasserstein distance (earth mover's, W1), normalised by the reference's spread.

W1 is the area between the two cumulative distributions (equivalently between the two
quantile functions): how far, on average, values had to move. It is computed exactly
on the two sketches' step CDFs, then divided by the reference standard deviation, so
the score reads in standard deviations: a mean shift of 0.5 std scores 0.5 whatever the
column's units. (When the reference is constant the raw distance is used.) The raw W1,
in the column's units, is ``w1(pair)``. Accepts numeric columns.

Default threshold 0.1 (a tenth of a standard deviation); the default effect size for
numeric columns, paired with the KS test for significance.
"""

from __future__ import annotations

import numpy as np

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import NumericPair, Pair
from pipewarden.drift.stats._registry import Statistic, unsupported

NAME = "wasserstein"
THRESHOLD = 0.1


def w1(pair: NumericPair) -> float:
    """Raw W1 in the column's units: the integral of |F_ref - F_cur|."""
    points = np.union1d(pair.reference.values, pair.current.values)
    if points.size < 2:
        return 0.0
    gap = np.abs(pair.reference.cdf(points[:-1]) - pair.current.cdf(points[:-1]))
    return float(np.sum(gap * np.diff(points)))


def scale_of(pair: NumericPair) -> float:
    """The reference standard deviation, or 1 for a constant reference."""
    std = pair.reference.std
    return std if std > 0 else 1.0


def compute(pair: Pair) -> StatValue:
    if not isinstance(pair, NumericPair):
        raise unsupported(NAME, pair)
    return StatValue(NAME, w1(pair) / scale_of(pair))


STATISTIC = Statistic(
    NAME,
    frozenset({"numeric"}),
    "effect",
    THRESHOLD,
    compute,
    "Wasserstein distance / reference std",
)
