"""Kolmogorov-Smirnov test: the largest gap between the two cumulative distributions.

The statistic D = max |F_ref(x) - F_cur(x)| is evaluated on the union of both sketches'
values (the exact maximum for the two step CDFs). The p-value is the asymptotic
two-sample one, as ``scipy.stats.ks_2samp(method="asymp")``: the Kolmogorov
distribution of D with effective size n*m/(n+m) (``scipy.stats.kstwo``). When a KLL
sketch summarises more values than it keeps, its own rank error (about 1.3% at 99%
confidence for k=200) is added as noise, which caps the effective size near 4,700:
the sketch cannot see differences smaller than its error, so it does not claim to.
Accepts numeric columns.

A test: its threshold (default 0.01) is the significance level for the corrected
p-value. D itself reads as "up to D of the rows moved across some value".
"""

from __future__ import annotations

import numpy as np

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import NumericPair, Pair
from pipewarden.drift.stats._registry import Statistic, unsupported

NAME = "ks"
THRESHOLD = 0.01
EXACT_UP_TO = 1_000
"""Effective sizes up to this use the exact finite-n distribution."""


def ks_statistic(pair: NumericPair) -> float:
    """max |F_ref - F_cur| over every value either side holds."""
    points = np.union1d(pair.reference.values, pair.current.values)
    gap = np.abs(pair.reference.cdf(points) - pair.current.cdf(points))
    return float(gap.max()) if gap.size else 0.0


def ks_p_value(d: float, n_effective: float) -> float:
    """Asymptotic two-sample p-value of D at the given effective size."""
    n = max(1, round(n_effective))
    if n <= EXACT_UP_TO:
        from scipy import stats

        p = stats.kstwo.sf(d, n)
    else:
        # kstwo.sf is exact and takes ~0.3 s at n ~ 5,000; the limiting Kolmogorov
        # distribution with Stephens' small-sample correction agrees to ~1e-3 there.
        from scipy import special  # scipy.stats costs seconds to import

        root = np.sqrt(n)
        p = special.kolmogorov((root + 0.12 + 0.11 / root) * d)
    return float(min(1.0, max(0.0, p)))


def compute(pair: Pair) -> StatValue:
    if not isinstance(pair, NumericPair):
        raise unsupported(NAME, pair)
    d = ks_statistic(pair)
    return StatValue(NAME, d, ks_p_value(d, pair.n_effective))


STATISTIC = Statistic(
    NAME,
    frozenset({"numeric"}),
    "test",
    THRESHOLD,
    compute,
    "Kolmogorov-Smirnov test",
)
