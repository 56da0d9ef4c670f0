"""Sentinels: numbers that stand for "unknown" (0, -1, 99, 999, 9999, ...).

A value is a sentinel when it is a spike (at least ``MIN_SHARE`` of values, at least
``MIN_COUNT`` of them, all exactly equal) that sits apart from the rest of the
column: beyond its other values by a gap much wider than their spacing (an age of 0
among ages 18 to 90), or a code for unknown (-1, -9, 99, 999, ...) beyond them.
Recognised in the reference profile, sentinels are named in the contract
(``missing_values``); a batch where the sentinel's share vanishes while nulls
appear, or the reverse, changed how it encodes "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from pipewarden import _text
from pipewarden.profiles.column import ColumnProfile, Physical

__all__ = ["EncodingChange", "encoding_change", "find_sentinels", "point_share"]

MIN_SHARE = 0.005
MIN_COUNT = 5
CODES = frozenset({-1.0, -9.0, -99.0, -999.0, -9999.0, 99.0, 999.0, 9999.0, 99999.0})
"""Values that mean "unknown" by convention when they sit beyond the rest."""
GAP_SPACINGS = 3.0
"""A far value is this many times the rest's median spacing away from it ..."""
GAP_IQR = 0.25
"""... and this share of the rest's interquartile range."""
SPIKE = 5.0
"""A code is a spike when it holds this many times the median count of a value."""
VANISHED = 0.2
"""A share that fell below this fraction of the reference's has vanished."""


def _numeric(col: ColumnProfile) -> bool:
    return col.physical in (Physical.INTEGER, Physical.FLOAT) and col.moments.count > 0


def find_sentinels(col: ColumnProfile) -> list[float]:
    """The values of a numeric column that stand for "unknown", ascending."""
    if not _numeric(col):
        return []
    values, weights = col.quantiles.weighted()
    if values.size < 3:
        return []
    total = float(weights.sum())
    found = []
    candidates = {values[0], values[-1]} | (CODES & set(values.tolist()))
    for v in sorted(float(c) for c in candidates):
        if _is_sentinel(v, values, weights, total):
            found.append(v)
    return found


def _is_sentinel(
    v: float, values: np.ndarray, weights: np.ndarray, total: float
) -> bool:
    at = values == v
    mass = float(weights[at].sum())
    if mass < MIN_COUNT or mass / total < MIN_SHARE:
        return False
    rest, rest_w = values[~at], weights[~at]
    if rest.size < 2 or rest[0] <= v <= rest[-1]:
        return False  # not beyond the other values
    distinct = np.unique(rest)
    spacing = float(np.median(np.diff(distinct))) if distinct.size > 1 else 0.0
    cum = np.cumsum(rest_w) / rest_w.sum()
    q25, q75 = (
        float(rest[min(np.searchsorted(cum, q), rest.size - 1)]) for q in (0.25, 0.75)
    )
    gap = float(min(abs(rest[0] - v), abs(rest[-1] - v)))
    if gap >= max(GAP_SPACINGS * spacing, GAP_IQR * (q75 - q25)) and gap > 0:
        return True
    if v not in CODES or (v < 0 and rest[0] < 0):
        return False
    typical = float(np.median(rest_w)) if rest.size else 0.0
    return mass >= SPIKE * typical


def point_share(col: ColumnProfile, value: float) -> float:
    """Share of the column's rows holding exactly ``value``."""
    if not col.rows or not _numeric(col):
        return 0.0
    values, weights = col.quantiles.weighted()
    return float(weights[values == value].sum()) / col.rows


Direction = Literal["sentinel_to_null", "null_to_sentinel"]


@dataclass(frozen=True, slots=True)
class EncodingChange:
    """The encoding of "unknown" changed between the reference and the batch."""

    direction: Direction
    sentinel: float
    reference_sentinel: float | None
    """None without a reference profile (the contract only names the sentinel)."""
    reference_null: float
    current_sentinel: float
    current_null: float

    def sentence(self, column: str) -> str:
        v = _text.number(self.sentinel)
        if self.reference_sentinel is None:
            before = f"the contract names {v} as unknown"
        else:
            before = (
                f"reference {_text.share(self.reference_sentinel)} {v} and "
                f"{_text.share(self.reference_null)} null"
            )
        now = (
            f"this batch {_text.share(self.current_sentinel)} {v} and "
            f"{_text.share(self.current_null)} null"
        )
        if self.direction == "sentinel_to_null":
            what = f"unknown was written as {v} and now arrives as null"
        else:
            what = f"unknown arrived as null and is now written as {v}"
        return (
            f"Column '{column}': likely a new encoding of unknown: {what} "
            f"({before}; {now})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": "sentinel",
            "direction": self.direction,
            "sentinel": self.sentinel,
            "reference": {
                "sentinel_share": self.reference_sentinel,
                "null_share": self.reference_null,
            },
            "current": {
                "sentinel_share": self.current_sentinel,
                "null_share": self.current_null,
            },
        }


def encoding_change(
    col: ColumnProfile,
    sentinels: list[float],
    *,
    reference: ColumnProfile | None,
    reference_null: float,
) -> EncodingChange | None:
    """How the batch's encoding of unknown differs from the reference's, if it does.

    Args:
        col: The batch's column.
        sentinels: The contract's ``missing_values`` for it.
        reference: The reference's column, when there is a reference.
        reference_null: The reference's share of missing values (from the
            reference, or estimated from the contract's tolerated rate).
    """
    if not _numeric(col) and col.non_null:
        return None
    current_null = col.missing_rate
    for v in sentinels:
        ref_share = point_share(reference, v) if reference is not None else None
        now = point_share(col, v)
        expected = ref_share if ref_share is not None else MIN_SHARE
        if (
            expected > 0
            and now <= VANISHED * expected
            and current_null - reference_null >= 0.5 * expected
        ):
            return EncodingChange(
                "sentinel_to_null",
                v,
                ref_share,
                reference_null,
                now,
                current_null,
            )
    if reference_null < MIN_SHARE or current_null > VANISHED * reference_null:
        return None
    for v in find_sentinels(col):
        now = point_share(col, v)
        ref_share = point_share(reference, v) if reference is not None else 0.0
        if ref_share <= VANISHED * now and 0.5 <= now / reference_null <= 2.0:
            return EncodingChange(
                "null_to_sentinel", v, ref_share, reference_null, now, current_null
            )
    return None
