"""Text length: did free text (or string ids) get longer or shorter?

Free text and identifiers are not compared as categories: most values occur once, so
every batch would look "new". Their profile keeps the moments of string lengths; the
score is the standardised mean difference |mean_cur - mean_ref| / pooled std (the std
floored at one character), and the p-value is Welch's t-test from the same moments
(``scipy.stats.ttest_ind_from_stats``). Accepts text columns.

Default threshold 0.2 (Cohen's "small" effect); needs both the effect and a
significant p-value.
"""

from __future__ import annotations

import math

from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import Pair, TextPair
from pipewarden.drift.stats._registry import Statistic, unsupported

NAME = "text_length"
THRESHOLD = 0.2
MIN_STD = 1.0
"""Lengths are in characters: a pooled std below one character is taken as one."""


def compute(pair: Pair) -> StatValue:
    from scipy import special  # scipy.stats costs seconds to import; special does not

    if not isinstance(pair, TextPair):
        raise unsupported(NAME, pair)
    r, c = pair.reference, pair.current
    if r.count < 2 or c.count < 2:
        return StatValue(NAME, 0.0, 1.0)
    s1, s2 = r.std or 0.0, c.std or 0.0
    pooled = math.sqrt(
        ((r.count - 1) * s1**2 + (c.count - 1) * s2**2) / (r.count + c.count - 2)
    )
    smd = abs(c.mean - r.mean) / max(pooled, MIN_STD)
    if s1 == 0 and s2 == 0:
        p = 1.0 if c.mean == r.mean else 0.0
    else:
        # Welch's t-test, as scipy.stats.ttest_ind_from_stats(equal_var=False).
        v1, v2 = s1**2 / r.count, s2**2 / c.count
        t = (c.mean - r.mean) / math.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1**2 / (r.count - 1) + v2**2 / (c.count - 1))
        p = float(2 * special.stdtr(df, -abs(t)))
    return StatValue(NAME, smd, p)


STATISTIC = Statistic(
    NAME,
    frozenset({"text"}),
    "both",
    THRESHOLD,
    compute,
    "standardised change of mean text length",
)
