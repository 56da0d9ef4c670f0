"""Chi-square test of homogeneity: do both sides draw categories in the same shares?

The 2 x K table of counts (reference and current rows, one column per category,
categories with an expected count below 5 pooled into ``__other__``) gives
sum (O - E)**2 / E with K - 1 degrees of freedom, as
``scipy.stats.chi2_contingency(table, correction=False)``. When counts come from a
frequent-items sketch rather than exact counts, they are scaled down so that the
sketch's own error is not read as change. Accepts categorical columns.

A test: its threshold (default 0.01) is the significance level for the corrected
p-value. The score is the chi-square statistic, which grows with the row count: on
millions of rows it is huge for tiny changes, so read the effect size (``js``) next to
it.
"""

from __future__ import annotations

import numpy as np

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import CategoricalPair, Pair
from pipewarden.drift.stats._registry import Statistic, unsupported

NAME = "chi2"
THRESHOLD = 0.01


def chi2_of(table: np.ndarray) -> tuple[float, float]:
    """Statistic and p-value of a 2 x K table (columns with no count dropped)."""
    from scipy import special  # scipy.stats costs seconds to import; special does not

    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    statistic = float(np.sum((table - expected) ** 2 / expected))
    dof = table.shape[1] - 1
    return statistic, float(special.chdtrc(dof, statistic))


def compute(pair: Pair) -> StatValue:
    if not isinstance(pair, CategoricalPair):
        raise unsupported(NAME, pair)
    table = np.vstack([pair.reference, pair.current]) * pair.effective_scale
    statistic, p = chi2_of(table)
    return StatValue(NAME, statistic, p)


STATISTIC = Statistic(
    NAME,
    frozenset({"categorical"}),
    "test",
    THRESHOLD,
    compute,
    "chi-square test of homogeneity",
)
