"""Unit errors: out-of-range values split by side, and the standard conversion that
maps most of one side back into the expected range.

Works on weighted values (``Quantiles.weighted``: exact counts for columns of few
distinct values, a KLL sketch's items beyond), so a profile is enough. A conversion
is named only when it maps at least ``EXPLAINED_SHARE`` of a side into the allowed
range; among those, the one whose converted values are closest (Kolmogorov-Smirnov
distance) to the reference distribution wins, so ``5.11`` read as feet-and-inches
(71 in) beats ``5.11 ft x 12`` (61.3 in) when the reference is heights in inches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from pipewarden import _text

__all__ = [
    "CONVERSIONS",
    "EXPLAINED_SHARE",
    "Conversion",
    "Side",
    "out_of_range_sides",
]

EXPLAINED_SHARE = 0.9
"""A conversion must map at least this share of a side's values into the range."""
MIN_VALUES = 5
"""Fewer out-of-range values than this are not diagnosed (too few to tell a unit)."""
EXAMPLES = 5

Direction = Literal["below", "above"]


@dataclass(frozen=True, slots=True)
class Conversion:
    """A standard conversion from the unit values arrived in to the expected one."""

    id: str
    """Stable name, e.g. ``celsius_to_fahrenheit``."""
    arrived: str
    expected: str
    formula: str
    """How to convert, with ``x`` the value as it arrived: ``x·9/5+32``."""
    apply: Callable[[np.ndarray], np.ndarray]

    @property
    def label(self) -> str:
        return f"{self.arrived}→{self.expected}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": self.arrived,
            "to": self.expected,
            "formula": self.formula,
        }


def _feet_inches(x: np.ndarray) -> np.ndarray:
    """5.11 read as 5 ft 11 in: 71 inches (NaN where the decimals are not inches)."""
    feet = np.floor(x)
    inches = np.round((x - feet) * 100, 6)
    ok = (x > 0) & (inches < 12) & (np.abs(inches - np.round(inches)) < 1e-6)
    return np.where(ok, feet * 12 + inches, np.nan)


CONVERSIONS: tuple[Conversion, ...] = (
    Conversion("celsius_to_fahrenheit", "°C", "°F", "x·9/5+32", lambda x: x * 1.8 + 32),
    Conversion(
        "fahrenheit_to_celsius", "°F", "°C", "(x-32)·5/9", lambda x: (x - 32) / 1.8
    ),
    Conversion("cm_to_in", "cm", "in", "x/2.54", lambda x: x / 2.54),
    Conversion("in_to_cm", "in", "cm", "x·2.54", lambda x: x * 2.54),
    Conversion("ft_to_in", "ft", "in", "x·12", lambda x: x * 12),
    Conversion("in_to_ft", "in", "ft", "x/12", lambda x: x / 12),
    Conversion(
        "feet_inches_to_in",
        "feet-and-inches written as 5.11",
        "in",
        "12·feet + inches",
        _feet_inches,
    ),
    Conversion(
        "feet_inches_to_cm",
        "feet-and-inches written as 5.11",
        "cm",
        "(12·feet + inches)·2.54",
        lambda x: _feet_inches(x) * 2.54,
    ),
    Conversion("m_to_cm", "m", "cm", "x·100", lambda x: x * 100),
    Conversion("cm_to_m", "cm", "m", "x/100", lambda x: x / 100),
    Conversion(
        "fraction_to_percent", "fraction", "percent", "x·100", lambda x: x * 100
    ),
    Conversion(
        "percent_to_fraction", "percent", "fraction", "x/100", lambda x: x / 100
    ),
    Conversion("kg_to_lb", "kg", "lb", "x·2.20462", lambda x: x * 2.20462),
    Conversion("lb_to_kg", "lb", "kg", "x/2.20462", lambda x: x / 2.20462),
    Conversion("s_to_ms", "s", "ms", "x·1000", lambda x: x * 1000),
    Conversion("ms_to_s", "ms", "s", "x/1000", lambda x: x / 1000),
    Conversion(
        "thousands_to_units", "thousands", "units", "x·1000", lambda x: x * 1000
    ),
    Conversion(
        "units_to_thousands", "units", "thousands", "x/1000", lambda x: x / 1000
    ),
)
"""Every conversion tried, in order of preference among equals."""

UNIT_WORDS: dict[str, frozenset[str]] = {
    "°C": frozenset({"c", "celsius", "degc"}),
    "°F": frozenset({"f", "fahrenheit", "degf"}),
    "cm": frozenset({"cm", "centimeters", "centimetres"}),
    "in": frozenset({"inch", "inches"}),  # not "in": a word in many names
    "ft": frozenset({"ft", "feet", "foot"}),
    "m": frozenset({"m", "meters", "metres"}),
    "kg": frozenset({"kg", "kilograms", "kilos"}),
    "lb": frozenset({"lb", "lbs", "pounds"}),
    "s": frozenset({"s", "sec", "secs", "seconds"}),
    "ms": frozenset({"ms", "millis", "milliseconds"}),
    "percent": frozenset({"pct", "percent", "percentage"}),
    "fraction": frozenset({"frac", "fraction", "ratio"}),
    "thousands": frozenset({"k", "thousands", "000s"}),
}
"""Words in a column's name that say which unit it holds (``weight_kg``, ``tempF``)."""


@dataclass(frozen=True, slots=True)
class Side:
    """The values on one side of the range, and the conversion that explains them."""

    direction: Direction
    bound: float
    count: int
    share: float
    """Of the batch's rows."""
    examples: tuple[float, ...]
    conversion: Conversion | None = None
    explained: float = 0.0
    """Share of this side's values the conversion maps into the range."""

    @property
    def word(self) -> str:
        return "minimum" if self.direction == "below" else "maximum"

    def sentence(self) -> str:
        """'412 values (11%) lie below the minimum 12 (e.g. ...); x·9/5+32 maps 99%
        of them into range'."""
        text = (
            f"{self.count:,} value(s) ({_text.share(self.share)}) lie {self.direction} "
            f"the {self.word} {_text.number(self.bound)}"
        )
        if self.examples:
            text += f" (e.g. {', '.join(_text.number(v) for v in self.examples)})"
        c = self.conversion
        if c is not None:
            text += (
                f"; {c.formula} maps {_text.share(self.explained)} of them into range"
            )
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "bound": self.bound,
            "count": self.count,
            "share": self.share,
            "examples": list(self.examples),
            "conversion": None
            if self.conversion is None
            else self.conversion.to_dict(),
            "explained": self.explained if self.conversion is not None else None,
        }


def out_of_range_sides(
    values: np.ndarray,
    weights: np.ndarray,
    *,
    rows: int,
    low: float | None,
    high: float | None,
    reference: tuple[np.ndarray, np.ndarray] | None = None,
    column: str | None = None,
) -> list[Side]:
    """The sides of ``[low, high]`` that values fall outside, each diagnosed.

    Args:
        values: Ascending values (a profile's ``quantiles.weighted()``, or rows).
        weights: How many values each stands for.
        rows: The batch's rows, for shares.
        low: The allowed minimum (None: open).
        high: The allowed maximum (None: open).
        reference: The reference's weighted values, to pick among conversions that
            all fit the range.
        column: The column's name: when it names a unit (``weight_kg``), a
            conversion into that unit is preferred among those that fit (kg↔lb and
            cm↔in both fit many ranges; the name tells them apart).

    Returns:
        A side for each bound some value lies beyond, below first.
    """
    sides: list[Side] = []
    for direction, bound in (("below", low), ("above", high)):
        if bound is None:
            continue
        mask = values < bound if direction == "below" else values > bound
        if not mask.any():
            continue
        side_values, side_weights = values[mask], weights[mask]
        count = max(1, round(float(side_weights.sum())))
        inside = np.ones(values.size, dtype=bool)
        if low is not None:
            inside &= values >= low
        if high is not None:
            inside &= values <= high
        sides.append(
            _diagnosed(
                direction,  # type: ignore[arg-type]  # one of the two literals above
                bound,
                side_values,
                side_weights,
                kept=(values[inside], weights[inside]),
                count=count,
                rows=rows,
                low=low,
                high=high,
                reference=reference,
                named=_named_unit(column),
            )
        )
    return sides


def _named_unit(column: str | None) -> str | None:
    """The unit a column's name says it holds, if exactly one."""
    if not column:
        return None
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", column)
    words = set(re.split(r"[^a-z0-9]+", spaced.lower())) - {""}
    named = [unit for unit, spelled in UNIT_WORDS.items() if words & spelled]
    return named[0] if len(named) == 1 else None


def _diagnosed(
    direction: Direction,
    bound: float,
    values: np.ndarray,
    weights: np.ndarray,
    *,
    kept: tuple[np.ndarray, np.ndarray],
    count: int,
    rows: int,
    low: float | None,
    high: float | None,
    reference: tuple[np.ndarray, np.ndarray] | None,
    named: str | None = None,
) -> Side:
    examples = _examples(values)
    side = Side(direction, bound, count, count / rows if rows else 0.0, examples)
    if count < MIN_VALUES:
        return side
    best: tuple[bool, float, int, Conversion, float] | None = None
    total = float(weights.sum())
    for order, conversion in enumerate(CONVERSIONS):
        with np.errstate(all="ignore"):
            mapped = conversion.apply(values)
        inside = np.isfinite(mapped)
        if low is not None:
            inside &= mapped >= low
        if high is not None:
            inside &= mapped <= high
        explained = float(weights[inside].sum()) / total
        if explained < EXPLAINED_SHARE:
            continue
        # Judged on the whole batch as it would be with this side converted, so a
        # side that is only the tail of the converted values is not misjudged.
        distance = _ks(
            np.concatenate([kept[0], mapped[inside]]),
            np.concatenate([kept[1], weights[inside]]),
            reference,
        )
        # Into the unit the column's name says it holds first, then the closest.
        rank = (conversion.expected != named, distance, order, conversion, explained)
        if best is None or rank[:3] < best[:3]:
            best = rank
    if best is None:
        return side
    *_, conversion, explained = best
    conversion = _named_by_data(conversion, values, low, high)
    return Side(
        direction,
        bound,
        count,
        side.share,
        examples,
        conversion,
        explained,
    )


def _named_by_data(
    conversion: Conversion, values: np.ndarray, low: float | None, high: float | None
) -> Conversion:
    """Between conversions of the same arithmetic, the one the values point at:
    fractions are within [0, 1] and percents within [0, 100]."""
    by_id = {c.id: c for c in CONVERSIONS}
    fraction_like = values.size and values.min() >= 0 and values.max() <= 1
    percent_range = (low is None or low >= 0) and (high is not None and high <= 100)
    if conversion.id == "m_to_cm" and fraction_like and percent_range:
        return by_id["fraction_to_percent"]
    if (
        conversion.id == "cm_to_m"
        and (low is not None and low >= 0)
        and (high is not None and high <= 1)
    ):
        return by_id["percent_to_fraction"]
    return conversion


def _ks(
    values: np.ndarray,
    weights: np.ndarray,
    reference: tuple[np.ndarray, np.ndarray] | None,
) -> float:
    """Weighted Kolmogorov-Smirnov distance to the reference (0 without one)."""
    if reference is None or not values.size or not reference[0].size:
        return 0.0
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    rv, rw = reference
    points = np.union1d(v, rv)
    cdf = np.cumsum(w) / w.sum()
    rcdf = np.cumsum(rw) / rw.sum()
    a = np.concatenate([[0.0], cdf])[np.searchsorted(v, points, side="right")]
    b = np.concatenate([[0.0], rcdf])[np.searchsorted(rv, points, side="right")]
    return float(np.max(np.abs(a - b)))


def _examples(values: np.ndarray) -> tuple[float, ...]:
    """A few distinct offending values, spread from the least to the most extreme."""
    distinct = np.unique(values)
    if distinct.size <= EXAMPLES:
        picked = distinct
    else:
        idx = np.linspace(0, distinct.size - 1, EXAMPLES).round().astype(int)
        picked = distinct[idx]
    return tuple(float(x) for x in picked)
