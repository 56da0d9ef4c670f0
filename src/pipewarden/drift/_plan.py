"""A planned comparison: one column's inputs and statistics, before the decision."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipewarden.contracts.model import ColumnSpec
from pipewarden.drift.results import StatValue
from pipewarden.drift.stats import get
from pipewarden.drift.stats._inputs import (
    CategoricalPair,
    NumericPair,
    NumericSide,
    Pair,
    TextPair,
)
from pipewarden.drift.stats._registry import Input, Statistic, unsupported
from pipewarden.drift.stats.wasserstein import w1
from pipewarden.profiles.column import ColumnProfile, Kind

DEFAULTS: dict[Input, tuple[str, str | None]] = {
    "numeric": ("wasserstein", "ks"),
    "categorical": ("js", "chi2"),
    "text": ("text_length", None),
    "proportion": ("null_rate", None),
}
"""Per input kind: the deciding statistic and the test that gives it significance."""
REPORTED: dict[Input, tuple[str, ...]] = {
    "numeric": ("wasserstein", "ks", "psi", "js"),
    "categorical": ("js", "chi2", "psi", "linf"),
    "text": ("text_length",),
    "proportion": ("null_rate",),
}
"""Statistics computed (and put in the report) for every column of a kind."""


@dataclass(slots=True)
class Plan:
    """One comparison to make: its inputs, statistics, and later its p-value."""

    column: str
    kind: str
    check: str
    input: Input
    pair: Pair
    statistic: Statistic
    threshold: float
    test: Statistic | None
    values: dict[str, StatValue] = field(default_factory=dict)
    q: float | None = None

    @property
    def p_raw(self) -> float | None:
        source = self.statistic if self.statistic.role != "effect" else self.test
        if source is None:
            return None
        return self.values[source.name].p_value


def input_of(col: ColumnProfile, spec: ColumnSpec | None) -> Input:
    declared = spec.kind if spec is not None else None
    if declared == "categorical" or col.kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return "categorical"
    if declared == "text" or col.kind is Kind.TEXT:
        return "text"
    return "numeric"


def plan_column(
    name: str,
    ref: ColumnProfile,
    cur: ColumnProfile,
    spec: ColumnSpec | None,
    *,
    check: str | None = None,
) -> Plan | None:
    """The comparison of one column, with its statistics computed (None: no data)."""
    kind = input_of(ref, spec)
    if kind == "categorical" and not (
        ref.frequent.is_tracked and cur.frequent.is_tracked
    ):
        # One side's values were not counted (free text or identifiers): category
        # shares are unknown there, so compare what both sides have, string lengths,
        # rather than shares made up for the uncounted side.
        kind, spec = "text", None
    pair = _pair(kind, ref, cur)
    if pair is None:
        return None
    default, test_name = DEFAULTS[kind]
    chosen = (
        spec.drift.statistic if spec is not None and spec.drift.statistic else default
    )
    statistic = get(chosen)
    if kind not in statistic.inputs:
        raise unsupported(chosen, pair)
    threshold = (
        spec.drift.threshold
        if spec is not None and spec.drift.threshold is not None
        else statistic.threshold
    )
    test = get(test_name) if statistic.role == "effect" and test_name else None
    plan = Plan(
        name,
        ref.kind.value,
        check or statistic.check,
        kind,
        pair,
        statistic,
        threshold,
        test,
    )
    for stat_name in dict.fromkeys(
        [statistic.name, *REPORTED[kind], *([test.name] if test else [])]
    ):
        plan.values[stat_name] = get(stat_name)(pair)
    if isinstance(pair, NumericPair):
        plan.values["wasserstein_raw"] = StatValue("wasserstein_raw", w1(pair))
    return plan


def _pair(kind: Input, ref: ColumnProfile, cur: ColumnProfile) -> Pair | None:
    if kind == "categorical":
        if ref.non_null == 0 or cur.non_null == 0:
            return None
        return CategoricalPair.from_profiles(ref, cur)
    if kind == "text":
        if ref.lengths.count == 0 or cur.lengths.count == 0:
            return None
        return TextPair(ref.lengths, cur.lengths)
    r, c = NumericSide.from_profile(ref), NumericSide.from_profile(cur)
    if r is None or c is None:
        return None
    return NumericPair.of(r, c)
