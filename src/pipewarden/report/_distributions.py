"""Reference and current distributions of one column, read from profile sketches.

These helpers only read profiles: histogram shares come from each side's KLL sketch
(CDF at common bin edges), category shares from its frequent-values sketch. Drift
statistics are not computed here; they come from ``pipewarden.drift``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from pipewarden._text import number
from pipewarden.profiles.column import ColumnProfile, Kind, Physical
from pipewarden.report import _format as fmt

HISTOGRAM_BINS = 30
"""Equal-width bins of a numeric histogram."""
MAX_UNIT_BINS = 80
"""Integer columns spanning at most this many values get one bin per integer."""
MAX_DISCRETE_VALUES = 40
"""Integer columns with at most this many distinct values are drawn as exact bars."""
TOP_CATEGORIES = 20
"""Categories drawn per column (the most frequent on either side)."""
TAIL = 0.005
"""Histograms span the TAIL..1-TAIL quantiles when the extremes are far out."""
TAIL_SPREAD = 1.5
"""The extremes are 'far out' when min..max is this many times wider than the tails' span."""
LOG_SPAN = 1000.0
"""Positive values spanning this factor (max/min) or more get log-spaced bins."""
_LOOKUP = 10_000


@dataclass(frozen=True, slots=True)
class Distribution:
    """Shares of values per bin or category, for the reference and the current batch.

    ``shape`` is ``"histogram"`` (``edges`` has one more item than ``labels``) or
    ``"bars"`` (one bar per category; ``numeric`` when the categories are numbers).
    A side is None when that profile is absent. Shares are of non-null values.
    ``density``: the bins differ in width, so heights are drawn as share per width.
    """

    shape: Literal["histogram", "bars"]
    labels: tuple[str, ...]
    reference: tuple[float, ...] | None
    current: tuple[float, ...] | None
    edges: tuple[float, ...] = ()
    numeric: bool = False
    log_scale: bool = False
    density: bool = False
    note: str = ""


def distribution_of(
    reference: ColumnProfile | None, current: ColumnProfile | None
) -> Distribution | None:
    """The distribution to draw for a column, or None when nothing can be drawn."""
    sides = [c for c in (reference, current) if c is not None]
    kinds = {c.kind for c in sides}
    if not sides or kinds & {Kind.TEXT, Kind.DATETIME, Kind.OTHER}:
        return None
    if kinds <= {Kind.CATEGORICAL, Kind.BOOLEAN}:
        return _categories(reference, current)
    if _is_discrete(sides):
        return _categories(reference, current, numeric=True)
    return _histogram(reference, current)


def why_no_distribution(
    reference: ColumnProfile | None, current: ColumnProfile | None
) -> str:
    """A short reason shown in place of a chart."""
    col = current if current is not None else reference
    if col is None:
        return "No profile for this column."
    if col.kind is Kind.TEXT:
        return (
            "Free text or identifier: values are too varied to chart; "
            "only counts are kept."
        )
    if col.kind is Kind.DATETIME:
        return "Timestamps: the earliest and latest values are below."
    return "No values to chart."


# ------------------------------------------------------------------ categories
def _is_discrete(sides: Sequence[ColumnProfile]) -> bool:
    if any(
        c.physical is not Physical.INTEGER or not c.frequent.is_exact for c in sides
    ):
        return False
    values: set[str] = set()
    for c in sides:
        values.update((c.frequent.counts or {}).keys())
    return 0 < len(values) <= MAX_DISCRETE_VALUES


def _shares(col: ColumnProfile | None) -> dict[str, float] | None:
    if col is None:
        return None
    freq = col.frequent
    total = freq.total
    if total <= 0:
        return {}
    return {v: n / total for v, n in freq.top(_LOOKUP)}


def _categories(
    reference: ColumnProfile | None,
    current: ColumnProfile | None,
    *,
    numeric: bool = False,
) -> Distribution | None:
    ref, cur = _shares(reference), _shares(current)
    present = [s for s in (ref, cur) if s is not None]
    if not any(present):
        return None
    candidates = dict.fromkeys(v for s in present for v in s)
    if numeric:
        labels = sorted(candidates, key=float)
    else:
        biggest = {v: max(s.get(v, 0.0) for s in present) for v in candidates}
        labels = sorted(candidates, key=lambda v: (-biggest[v], v))[:TOP_CATEGORIES]
    shown = [
        [s.get(v, 0.0) for v in labels] if s is not None else None for s in (ref, cur)
    ]
    return Distribution(
        "bars",
        tuple(labels),
        _tuple(shown[0]),
        _tuple(shown[1]),
        numeric=numeric,
        note=_rest_note(len(candidates), shown),
    )


def _rest_note(candidates: int, shown: Sequence[Sequence[float] | None]) -> str:
    rest = [
        (side, 1.0 - sum(s))
        for side, s in zip(("reference", "current"), shown, strict=True)
        if s is not None
    ]
    if candidates <= TOP_CATEGORIES and all(r < 0.0005 for _, r in rest):
        return ""
    parts = " and ".join(f"{fmt.share(max(0.0, r))} of {side}" for side, r in rest)
    return (
        f"The {TOP_CATEGORIES} most frequent values on either side; the other "
        f"values make up {parts}."
    )


# ------------------------------------------------------------------ histograms
def _histogram(
    reference: ColumnProfile | None, current: ColumnProfile | None
) -> Distribution | None:
    sides = [
        c for c in (reference, current) if c is not None and not c.quantiles.is_empty
    ]
    if not sides:
        return None
    bins = _bins(sides)
    edges = bins.edges
    shares = [
        _bin_shares(c, edges) if c is not None else None for c in (reference, current)
    ]
    labels = tuple(f"{number(a, 4)} to {number(b, 4)}" for a, b in pairwise(edges))
    notes = []
    if bins.clipped:
        notes.append(
            f"Bins span the {fmt.share(TAIL)} to {fmt.share(1 - TAIL)} quantiles of both "
            "sides; values beyond fall in the end bins."
        )
    if bins.log_scale:
        notes.append("Log scale: the values span several orders of magnitude.")
    return Distribution(
        "histogram",
        labels,
        _tuple(shares[0]),
        _tuple(shares[1]),
        edges=tuple(edges),
        log_scale=bins.log_scale,
        note=" ".join(notes),
    )


@dataclass(frozen=True, slots=True)
class _Bins:
    edges: list[float]
    clipped: bool
    log_scale: bool


def _bins(sides: Sequence[ColumnProfile]) -> _Bins:
    """Common bin edges for both sides: per integer, log-spaced or equal-width."""
    tails = [c.quantiles.quantiles([TAIL, 1 - TAIL]) for c in sides]
    t_lo, t_hi = min(t[0] for t in tails), max(t[1] for t in tails)
    lo = min((c.moments.min for c in sides if c.moments.min is not None), default=t_lo)
    hi = max((c.moments.max for c in sides if c.moments.max is not None), default=t_hi)
    clipped = t_hi > t_lo and (hi - lo) > TAIL_SPREAD * (t_hi - t_lo)
    if clipped:
        lo, hi = t_lo, t_hi
    integer = all(c.physical in (Physical.INTEGER, Physical.BOOLEAN) for c in sides)
    if integer and hi - lo <= MAX_UNIT_BINS:
        first, last = math.floor(lo), math.ceil(hi)
        return _Bins([k - 0.5 for k in range(first, last + 2)], clipped, False)
    if hi <= lo:
        return _Bins([lo - 0.5, lo + 0.5], clipped, False)
    if wants_log(lo, hi):
        ratio = (hi / lo) ** (1 / HISTOGRAM_BINS)
        edges = [lo * ratio**i for i in range(HISTOGRAM_BINS)] + [hi]
        return _Bins(edges, clipped, True)
    step = (hi - lo) / HISTOGRAM_BINS
    return _Bins([lo + i * step for i in range(HISTOGRAM_BINS)] + [hi], clipped, False)


def wants_log(lo: float, hi: float) -> bool:
    """Positive values over several orders of magnitude read best on a log axis."""
    return lo > 0 and hi / lo >= LOG_SPAN


def _bin_shares(col: ColumnProfile, edges: Sequence[float]) -> list[float]:
    """Share of values per bin; the end bins also hold values beyond the edges.

    Exact value counts are used when the profile has them (integer columns with few
    distinct values), the KLL sketch's CDF otherwise.
    """
    counts = col.frequent.counts if col.physical is Physical.INTEGER else None
    if counts and col.frequent.total > 0:
        return _counted_shares(counts, col.frequent.total, edges)
    if col.quantiles.is_empty:
        return [0.0] * (len(edges) - 1)
    inner = col.quantiles.cdf(list(edges[1:-1]))
    cuts = [0.0, *inner, 1.0]
    return [max(0.0, b - a) for a, b in pairwise(cuts)]


def _counted_shares(
    counts: dict[str, int], total: int, edges: Sequence[float]
) -> list[float]:
    out = [0.0] * (len(edges) - 1)
    inner = list(edges[1:-1])
    for value, n in counts.items():
        out[bisect.bisect_right(inner, float(value))] += n / total
    return out


def _tuple(values: Sequence[float] | None) -> tuple[float, ...] | None:
    return None if values is None else tuple(round(v, 6) for v in values)
