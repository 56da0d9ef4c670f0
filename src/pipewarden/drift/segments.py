"""Where a change concentrates: the segment (e.g. ``device_id`` = 17) behind it.

When profiles carry per-segment profiles (``DatasetProfile.segments``, filled by the
engine for the contract's segment columns), a drifted comparison is split by segment:
each segment value's share of the *excess* over what the reference predicts for it.
For nulls, the excess of a segment is its current nulls minus its rows times its
reference null rate; for a mean shift, its share of current values times the change of
its mean; for a category, its current count of the most changed category minus what
its reference share predicts. A segment holding at least half of the excess is named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipewarden.drift._plan import Plan
from pipewarden.drift.stats._inputs import OTHER, CategoricalPair, most_changed
from pipewarden.profiles.column import ColumnProfile
from pipewarden.profiles.dataset import DatasetProfile

MIN_SHARE = 0.5
"""A segment is named when it holds at least this share of the excess."""
OTHER_SEGMENT = "__other__"

Excess = Callable[[ColumnProfile | None, ColumnProfile, ColumnProfile], float]
"""(reference segment or None, current segment, whole reference) -> excess."""


@dataclass(frozen=True, slots=True)
class Located:
    """The segment behind a change and its share of it."""

    column: str
    value: str
    share: float
    what: str
    """'nulls', 'mean' or a category (quoted)."""

    @property
    def segment(self) -> dict[str, str]:
        return {self.column: self.value}


class Locator:
    """Splits drifted comparisons by the segment columns both profiles carry."""

    def __init__(
        self,
        reference: DatasetProfile,
        current: DatasetProfile,
        columns: Sequence[str] | None = None,
    ) -> None:
        shared = [c for c in current.segments if c in reference.segments]
        self.columns = [c for c in shared if columns is None or c in columns]
        self.reference = reference
        self.current = current

    def __call__(self, plan: Plan) -> Located | None:
        if not self.columns or plan.column not in self.reference.columns:
            return None
        if plan.input == "proportion":
            return self._best(plan.column, _null_excess, "nulls")
        if plan.input == "numeric":
            return self._best(plan.column, _mean_excess, "mean")
        if isinstance(plan.pair, CategoricalPair):
            category = _most_changed(plan.pair)
            if category is not None:
                return self._best(
                    plan.column, _category_excess(category), repr(category)
                )
        return None

    def _best(self, name: str, excess: Excess, what: str) -> Located | None:
        whole = self.reference.columns[name]
        best: Located | None = None
        for seg_col in self.columns:
            parts = self.current.segments[seg_col]
            refs = self.reference.segments[seg_col]
            found = {}
            for value, prof in parts.items():
                cur = prof.columns.get(name)
                if cur is None:
                    continue
                ref_part = refs.get(value)
                ref = ref_part.columns.get(name) if ref_part is not None else None
                found[value] = excess(ref, cur, whole)
            located = _concentration(seg_col, found, what)
            if located is not None and (best is None or located.share > best.share):
                best = located
        return best


def _concentration(column: str, excess: dict[str, float], what: str) -> Located | None:
    if not excess:
        return None
    total = sum(abs(v) for v in excess.values())
    if total <= 0:
        return None
    value, top = max(excess.items(), key=lambda kv: abs(kv[1]))
    share = abs(top) / total
    net = sum(excess.values())
    if value == OTHER_SEGMENT or share < MIN_SHARE or top * net <= 0:
        return None
    return Located(column, value, share, what)


def _missing(col: ColumnProfile) -> int:
    return col.nulls + col.nan


def _null_excess(
    ref: ColumnProfile | None, cur: ColumnProfile, whole: ColumnProfile
) -> float:
    basis = ref if ref is not None and ref.rows else whole
    rate = _missing(basis) / basis.rows if basis.rows else 0.0
    return _missing(cur) - rate * cur.rows


def _mean_excess(
    ref: ColumnProfile | None, cur: ColumnProfile, whole: ColumnProfile
) -> float:
    if cur.moments.count == 0:
        return 0.0
    basis = ref if ref is not None and ref.moments.count else whole
    return cur.moments.count * (cur.moments.mean - basis.moments.mean)


def _category_excess(category: str) -> Excess:
    def excess(
        ref: ColumnProfile | None, cur: ColumnProfile, whole: ColumnProfile
    ) -> float:
        basis = ref if ref is not None and ref.non_null else whole
        expected = _count(basis, category) / basis.non_null if basis.non_null else 0.0
        return _count(cur, category) - expected * cur.non_null

    return excess


def _count(col: ColumnProfile, category: str) -> float:
    counts = col.frequent.counts
    if counts is not None:
        return float(counts.get(category, 0))
    return float(dict(col.frequent.top(1000)).get(category, 0))


def _most_changed(pair: CategoricalPair) -> str | None:
    ref, cur = pair.binned()
    keep = np.array([c != OTHER for c in pair.categories])
    if not keep.any():
        return None
    names = [c for c in pair.categories if c != OTHER]
    return names[most_changed(ref[keep], cur[keep])]
