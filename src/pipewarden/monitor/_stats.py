"""The tests behind ``models compare``: a difference of one metric between two models,
with its 95% interval and p-value, paired (the same rows) or unpaired (disjoint rows).

- Means of per-row losses (MAE, log loss) and RMSE: a t interval on the per-row
  influence values (the losses themselves; for RMSE the delta method,
  ``e**2 / (2 RMSE)``): paired, on the per-row differences (the paired t-test);
  unpaired, Welch's interval with the Welch-Satterthwaite degrees of freedom.
- Accuracy, paired: McNemar's test on the discordant rows (the exact binomial test
  when there are fewer than ``EXACT_BELOW`` of them, else the continuity-corrected
  chi-square), and the Bonett-Price (2012) adjusted Wald interval of the difference.
- Accuracy, unpaired: the pooled two-proportion z-test and the Agresti-Caffo (2000)
  interval (one success and one failure added to each side).
- ROC AUC: DeLong, DeLong and Clarke-Pearson (1988), computed from mid-ranks as Sun
  and Xu (2014) do: paired, the covariance of the two AUCs on the same rows;
  unpaired, the sum of the two variances.
- The sample-ratio check of a split: the chi-square goodness-of-fit of the two row
  counts against the expected share.

Every difference is challenger minus champion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

__all__ = [
    "EXACT_BELOW",
    "Difference",
    "SampleRatio",
    "auc",
    "delong_paired",
    "delong_unpaired",
    "mean_paired",
    "mean_unpaired",
    "mcnemar",
    "sample_ratio",
    "two_proportions",
]

Z95 = 1.959963984540054
EXACT_BELOW = 50
"""McNemar: discordant rows under which the exact binomial test is used."""
Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Difference:
    """Challenger minus champion, its 95% interval and the two-sided p-value."""

    difference: float
    ci: tuple[float, float]
    p_value: float
    test: str


@dataclass(frozen=True, slots=True)
class SampleRatio:
    """The traffic split's rows against the expected share of the champion."""

    champion_rows: int
    challenger_rows: int
    expected_share: float
    chi2: float
    p_value: float

    @property
    def mismatch(self) -> bool:
        """p < 0.001, the usual threshold of a sample-ratio mismatch."""
        return self.p_value < 0.001


# --------------------------------------------------------------------- means


def mean_paired(
    champion: Floats, challenger: Floats, *, difference: float
) -> Difference:
    """The paired t interval of ``difference`` from per-row influence values.

    Args:
        champion: Per-row influence values of the champion's metric.
        challenger: The challenger's, on the same rows in the same order.
        difference: The metric difference itself (challenger - champion).
    """
    d = np.asarray(challenger, dtype=float) - np.asarray(champion, dtype=float)
    n = len(d)
    if n < 2:
        return Difference(difference, (math.nan, math.nan), math.nan, "paired t")
    se = float(d.std(ddof=1)) / math.sqrt(n)
    return _t(difference, se, n - 1, "paired t on per-row losses")


def mean_unpaired(
    champion: Floats, challenger: Floats, *, difference: float
) -> Difference:
    """Welch's interval of ``difference`` from the two sides' influence values."""
    a = np.asarray(champion, dtype=float)
    b = np.asarray(challenger, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return Difference(difference, (math.nan, math.nan), math.nan, "Welch t")
    va, vb = float(a.var(ddof=1)) / len(a), float(b.var(ddof=1)) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (
        (va**2 / (len(a) - 1) if va else 0.0) + (vb**2 / (len(b) - 1) if vb else 0.0)
        or math.inf
    )
    return _t(difference, se, df, "Welch t on per-row losses")


def _t(difference: float, se: float, df: float, test: str) -> Difference:
    if se == 0:
        p = 1.0 if difference == 0 else 0.0
        return Difference(difference, (difference, difference), p, test)
    q = float(stats.t.ppf(0.975, df))
    p = float(2 * stats.t.sf(abs(difference) / se, df))
    return Difference(difference, (difference - q * se, difference + q * se), p, test)


# --------------------------------------------------------------------- accuracy


def mcnemar(
    champion_right: NDArray[np.bool_], challenger_right: NDArray[np.bool_]
) -> Difference:
    """McNemar's test and the Bonett-Price interval of the paired accuracy difference."""
    a = np.asarray(champion_right, dtype=bool)
    b = np.asarray(challenger_right, dtype=bool)
    n = len(a)
    gained = int(np.count_nonzero(~a & b))  # champion wrong, challenger right
    lost = int(np.count_nonzero(a & ~b))
    diff = (gained - lost) / n if n else math.nan
    discordant = gained + lost
    if discordant == 0:
        p = 1.0
        test = "McNemar (no discordant rows)"
    elif discordant < EXACT_BELOW:
        p = _binomial_two_sided(min(gained, lost), discordant)
        test = "McNemar exact binomial"
    else:
        chi2 = (abs(gained - lost) - 1) ** 2 / discordant
        p = float(stats.chi2.sf(chi2, 1))
        test = "McNemar chi-square (continuity-corrected)"
    g = (gained + 1) / (n + 2)
    lo = (lost + 1) / (n + 2)
    adjusted = g - lo
    half = Z95 * math.sqrt(max(g + lo - adjusted**2, 0.0) / (n + 2))
    ci = (max(-1.0, adjusted - half), min(1.0, adjusted + half))
    return Difference(diff, ci, min(1.0, p), test)


def _binomial_two_sided(k: int, n: int) -> float:
    """Twice the lower tail P(X <= k), X ~ Binomial(n, 1/2), k <= n/2 (exact sums)."""
    tail = sum(math.comb(n, i) for i in range(k + 1))
    return min(1.0, float(2 * tail / 2**n))


def two_proportions(
    champion_right: int, champion_rows: int, challenger_right: int, challenger_rows: int
) -> Difference:
    """The two-proportion z-test and the Agresti-Caffo interval of the difference."""
    n1, n2 = champion_rows, challenger_rows
    p1, p2 = champion_right / n1, challenger_right / n2
    pooled = (champion_right + challenger_right) / (n1 + n2)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p = (
        (1.0 if p1 == p2 else 0.0)
        if se0 == 0
        else float(2 * stats.norm.sf(abs(p2 - p1) / se0))
    )
    t1, t2 = (champion_right + 1) / (n1 + 2), (challenger_right + 1) / (n2 + 2)
    half = Z95 * math.sqrt(t1 * (1 - t1) / (n1 + 2) + t2 * (1 - t2) / (n2 + 2))
    ci = (max(-1.0, t2 - t1 - half), min(1.0, t2 - t1 + half))
    return Difference(p2 - p1, ci, p, "two-proportion z")


# --------------------------------------------------------------------- ROC AUC


@dataclass(frozen=True, slots=True)
class _Placements:
    auc: float
    v10: Floats  # per positive: the share of negatives it outranks
    v01: Floats  # per negative: the share of positives that outrank it


def _placements(truth: NDArray[np.bool_], score: Floats) -> _Placements:
    pos, neg = score[truth], score[~truth]
    m, n = len(pos), len(neg)
    everything = stats.rankdata(np.concatenate([pos, neg]))
    within_pos = stats.rankdata(pos)
    within_neg = stats.rankdata(neg)
    v10 = (everything[:m] - within_pos) / n
    v01 = 1 - (everything[m:] - within_neg) / m
    return _Placements(float(v10.mean()), v10, v01)


def auc(truth: NDArray[np.bool_], score: Floats) -> float:
    """The ROC AUC (ties count one half), by mid-ranks."""
    return _placements(np.asarray(truth, bool), np.asarray(score, float)).auc


def _variance(p: _Placements) -> float:
    return float(p.v10.var(ddof=1) / len(p.v10) + p.v01.var(ddof=1) / len(p.v01))


def delong_paired(
    truth: NDArray[np.bool_], champion: Floats, challenger: Floats
) -> Difference:
    """DeLong's test of two AUCs on the same rows."""
    y = np.asarray(truth, dtype=bool)
    a = _placements(y, np.asarray(champion, dtype=float))
    b = _placements(y, np.asarray(challenger, dtype=float))
    m, n = len(a.v10), len(a.v01)
    cov = float(np.cov(a.v10, b.v10)[0, 1] / m + np.cov(a.v01, b.v01)[0, 1] / n)
    var = _variance(a) + _variance(b) - 2 * cov
    return _z(b.auc - a.auc, var, "DeLong paired")


def delong_unpaired(
    champion_truth: NDArray[np.bool_],
    champion: Floats,
    challenger_truth: NDArray[np.bool_],
    challenger: Floats,
) -> Difference:
    """DeLong's variances of two AUCs on disjoint rows, summed."""
    a = _placements(np.asarray(champion_truth, bool), np.asarray(champion, float))
    b = _placements(np.asarray(challenger_truth, bool), np.asarray(challenger, float))
    return _z(b.auc - a.auc, _variance(a) + _variance(b), "DeLong unpaired")


def _z(difference: float, var: float, test: str) -> Difference:
    if not var > 0:
        p = 1.0 if difference == 0 else 0.0
        return Difference(difference, (difference, difference), p, test)
    se = math.sqrt(var)
    p = float(2 * stats.norm.sf(abs(difference) / se))
    return Difference(
        difference, (difference - Z95 * se, difference + Z95 * se), p, test
    )


# --------------------------------------------------------------------- traffic


def sample_ratio(
    champion_rows: int, challenger_rows: int, expected_share: float = 0.5
) -> SampleRatio:
    """The chi-square goodness-of-fit of the split (1 degree of freedom)."""
    total = champion_rows + challenger_rows
    expected = (total * expected_share, total * (1 - expected_share))
    chi2 = sum(
        (o - e) ** 2 / e
        for o, e in zip((champion_rows, challenger_rows), expected, strict=True)
        if e > 0
    )
    return SampleRatio(
        champion_rows,
        challenger_rows,
        expected_share,
        float(chi2),
        float(stats.chi2.sf(chi2, 1)),
    )
