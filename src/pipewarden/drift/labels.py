"""Label shift: did the share of each class of the target move?

A class share can move a lot while PSI barely notices: a bad rate going from 3.4% to
7.8% has a PSI of 0.04 but more than doubles the positives. So ``label.shift`` scores
the largest Cohen's h over the classes (3.4% -> 7.8% scores 0.20) and tests the class
table with a chi-square test of homogeneity (for two classes, the two-proportion
z-test). Default threshold 0.1 on h, with p < alpha after correction. A label with many
distinct numeric values (a regression target) is compared like a numeric column.
"""

from __future__ import annotations

import numpy as np

from pipewarden.checks import codes
from pipewarden.checks.imbalance import MAX_CLASSES
from pipewarden.drift._plan import Plan, plan_column
from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import OTHER, CategoricalPair, Pair, cohen_h
from pipewarden.drift.stats._registry import Statistic, unsupported
from pipewarden.drift.stats.chi2 import chi2_of
from pipewarden.profiles.column import ColumnProfile, Physical

NAME = "label_shift"
THRESHOLD = 0.1
"""A label with more distinct values than this is a regression target."""


def class_shift(pair: Pair) -> StatValue:
    """Largest Cohen's h over classes, with the chi-square p-value of the class table."""
    if not isinstance(pair, CategoricalPair):
        raise unsupported(NAME, pair)
    ref, cur = pair.binned()
    h = max(
        (cohen_h(float(r), float(c)) for r, c in zip(ref, cur, strict=True)),
        default=0.0,
    )
    _, p = chi2_of(np.vstack([pair.reference, pair.current]))
    return StatValue(NAME, h, p)


STATISTIC = Statistic(
    NAME,
    frozenset({"categorical"}),
    "both",
    THRESHOLD,
    class_shift,
    "largest change of a class share (Cohen's h)",
)


def is_classification(ref: ColumnProfile, cur: ColumnProfile) -> bool:
    """Few classes counted exactly on both sides (else: a regression target)."""
    if ref.physical is Physical.FLOAT:
        return False
    return all(
        c.frequent.is_exact and len(c.frequent.counts or {}) <= MAX_CLASSES
        for c in (ref, cur)
    )


def plan_label(name: str, ref: ColumnProfile, cur: ColumnProfile) -> Plan | None:
    """The ``label.shift`` comparison of a label column, or None without values."""
    if not is_classification(ref, cur):
        return plan_column(name, ref, cur, None, check=codes.LABEL_SHIFT)
    if ref.non_null == 0 or cur.non_null == 0:
        return None
    pair = CategoricalPair(*_classes(ref, cur))
    plan = Plan(
        name,
        ref.kind.value,
        codes.LABEL_SHIFT,
        "categorical",
        pair,
        STATISTIC,
        THRESHOLD,
        None,
    )
    plan.values[NAME] = class_shift(pair)
    return plan


def _classes(
    ref: ColumnProfile, cur: ColumnProfile
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    rc, cc = ref.frequent.counts or {}, cur.frequent.counts or {}
    names = sorted((set(rc) | set(cc)) - {OTHER})
    return (
        tuple(names),
        np.array([rc.get(k, 0) for k in names], dtype=np.float64),
        np.array([cc.get(k, 0) for k in names], dtype=np.float64),
    )
