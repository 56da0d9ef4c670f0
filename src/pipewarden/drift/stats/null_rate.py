"""Null-rate change: did the share of missing values (null or NaN) move?

The score is Cohen's h between the two missing shares, |2 asin(sqrt(c)) -
2 asin(sqrt(r))|, which weighs a change near 0% more than the same change near 50%
(2% -> 30% scores 0.87; 2% -> 4% scores 0.12; 0% -> 1% scores 0.20). The p-value is the
pooled two-proportion z-test (the same as a 2 x 2 chi-square without continuity
correction). Accepts every column kind.

Default threshold 0.1 on h; a finding needs both h above it and a significant p-value.
"""

from __future__ import annotations

import math

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import Pair, ProportionPair, cohen_h
from pipewarden.drift.stats._registry import Statistic, unsupported

NAME = "null_rate"
THRESHOLD = 0.1


def two_proportion_p(pair: ProportionPair) -> float:
    """Two-sided p-value of the pooled two-proportion z-test."""
    from scipy import special  # scipy.stats costs seconds to import; special does not

    n1, n2 = pair.reference_total, pair.current_total
    if n1 == 0 or n2 == 0:
        return 1.0
    pooled = (pair.reference_count + pair.current_count) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return 1.0
    z = (pair.current_share - pair.reference_share) / math.sqrt(var)
    return float(special.erfc(abs(z) / math.sqrt(2)))


def compute(pair: Pair) -> StatValue:
    if not isinstance(pair, ProportionPair):
        raise unsupported(NAME, pair)
    h = cohen_h(pair.reference_share, pair.current_share)
    return StatValue(NAME, h, two_proportion_p(pair))


STATISTIC = Statistic(
    NAME,
    frozenset({"proportion"}),
    "both",
    THRESHOLD,
    compute,
    "change in the share of missing values",
)
