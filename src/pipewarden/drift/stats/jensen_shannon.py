"""Jensen-Shannon distance: how distinguishable two distributions of shares are.

The square root of the Jensen-Shannon divergence in base 2 (as
``scipy.spatial.distance.jensenshannon(p, q, base=2)``), so it lies in [0, 1]: 0 for
identical shares, 1 for shares with nothing in common. Numeric columns use the PSI
bins (10 reference deciles); categorical columns their categories. Accepts numeric and
categorical columns.

Default threshold 0.1. A new category taking 5% of rows scores about 0.16, one taking
1% about 0.07. An effect size, not a test.
"""

from __future__ import annotations

import numpy as np

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import CategoricalPair, NumericPair, Pair
from pipewarden.drift.stats._registry import Statistic, unsupported

NAME = "js"
THRESHOLD = 0.1


def js_distance(reference: np.ndarray, current: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2) of two share vectors."""
    p = reference / reference.sum() if reference.sum() > 0 else reference
    q = current / current.sum() if current.sum() > 0 else current
    m = (p + q) / 2
    divergence = 0.5 * (_kl(p, m) + _kl(q, m))
    return float(np.sqrt(max(divergence, 0.0)))


def _kl(a: np.ndarray, b: np.ndarray) -> float:
    keep = a > 0
    return float(np.sum(a[keep] * np.log2(a[keep] / b[keep])))


def compute(pair: Pair) -> StatValue:
    if not isinstance(pair, NumericPair | CategoricalPair):
        raise unsupported(NAME, pair)
    return StatValue(NAME, js_distance(*pair.binned()))


STATISTIC = Statistic(
    NAME,
    frozenset({"numeric", "categorical"}),
    "effect",
    THRESHOLD,
    compute,
    "Jensen-Shannon distance",
)
