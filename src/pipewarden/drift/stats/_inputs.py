"""What drift statistics read: two column profiles turned into comparable summaries.

Everything here comes from profiles (sketches and counts), never from rows. A KLL
sketch is a weighted sample of the column; ``NumericSide`` keeps it as sorted values
with cumulative shares, so statistics are computed on the two step CDFs exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

import datasketches as ds
import numpy as np

from pipewarden.profiles.column import ColumnProfile, Physical
from pipewarden.profiles.sketches import Frequent, Moments

PSI_BINS = 10
"""Numeric columns are cut into this many bins at reference quantiles."""
OTHER = "__other__"
"""The pooled category: rare values, and values a sketch cannot count reliably."""
MIN_EXPECTED = 5.0
"""Categories whose expected count on either side is below this are pooled."""
MAX_CATEGORIES = 200
"""At most this many categories are compared one by one; the rest are pooled."""
MIN_SKETCH_SHARE = 0.002
"""Below this share, a value counted by a frequent-items sketch is pooled (not exact)."""
FREQUENT_SKETCH_TOP = 1000
"""Most values read from a frequent-items sketch."""
SKETCH_SIGMAS = 2.576
"""Sketch error bounds are at 99% confidence: about this many standard deviations."""


# ---------------------------------------------------------------------- numeric
@dataclass(frozen=True, slots=True, eq=False)
class NumericSide:
    """One side's finite values as a step CDF: sorted ``values`` with ``cum`` shares.

    ``rank_error`` is the sketch's a-priori normalised rank error (99% confidence),
    or 0 when the sketch still holds every value.
    """

    values: np.ndarray
    cum: np.ndarray
    n: int
    mean: float
    std: float
    rank_error: float

    @classmethod
    def from_profile(cls, col: ColumnProfile) -> NumericSide | None:
        """The side of a numeric column, or None when it has no finite value.

        Columns with few distinct values keep their quantiles exactly (profile format
        2); integer columns of older profiles are read from their exact value counts.
        Either way their statistics carry no sketch error.
        """
        if col.moments.count == 0:
            return None
        q = col.quantiles
        if q.values is not None and q.counts is not None:  # kept exactly
            return cls.from_distribution(q.values, q.counts, col.moments)
        if col.physical is Physical.INTEGER and col.frequent.is_exact:
            exact = cls.from_counts(col.frequent.counts or {}, col.moments)
            if exact is not None:
                return exact
        if q.is_empty:
            return None
        return cls.from_sketch(q.sketch(), col.moments)

    @classmethod
    def from_counts(
        cls, counts: dict[str, int], moments: Moments
    ) -> NumericSide | None:
        """Exact side from value counts (keys are numbers as text); None if not numbers."""
        try:
            values = np.array([float(k) for k in counts], dtype=np.float64)
        except ValueError:
            return None
        if values.size == 0:
            return None
        weights = np.array(list(counts.values()), dtype=np.float64)
        order = np.argsort(values)
        return cls.from_distribution(values[order], weights[order], moments)

    @classmethod
    def from_distribution(
        cls, values: np.ndarray, weights: np.ndarray, moments: Moments
    ) -> NumericSide:
        """Exact side from ascending distinct values and how often each occurs."""
        cum = np.cumsum(weights) / weights.sum()
        cum[-1] = 1.0
        return cls(
            np.asarray(values, dtype=np.float64),
            cum,
            int(weights.sum()),
            moments.mean,
            moments.std or 0.0,
            0.0,
        )

    @classmethod
    def from_sketch(cls, sk: ds.kll_doubles_sketch, moments: Moments) -> NumericSide:
        items = np.array([(v, w) for v, w in sk], dtype=np.float64).reshape(-1, 2)
        order = np.argsort(items[:, 0], kind="stable")
        values, weights = items[order, 0], items[order, 1]
        uniq, start = np.unique(values, return_index=True)
        summed = np.add.reduceat(weights, start)
        cum = np.cumsum(summed) / summed.sum()
        cum[-1] = 1.0
        error = (
            float(sk.normalized_rank_error(False)) if sk.is_estimation_mode() else 0.0
        )
        return cls(uniq, cum, int(sk.n), moments.mean, moments.std or 0.0, error)

    @classmethod
    def from_array(cls, values: np.ndarray) -> NumericSide:
        """Exact side from raw values (tests and small paths)."""
        x = np.sort(np.asarray(values, dtype=np.float64))
        uniq, counts = np.unique(x, return_counts=True)
        cum = np.cumsum(counts) / x.size
        return cls(
            uniq,
            cum,
            int(x.size),
            float(x.mean()),
            float(x.std(ddof=1)) if x.size > 1 else 0.0,
            0.0,
        )

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Share of values <= each point."""
        idx = np.searchsorted(self.values, x, side="right")
        padded = np.concatenate([[0.0], self.cum])
        return np.asarray(padded[idx], dtype=np.float64)

    def quantile(self, p: np.ndarray) -> np.ndarray:
        """Smallest value whose cumulative share reaches each rank in [0, 1]."""
        idx = np.searchsorted(self.cum, np.asarray(p, dtype=np.float64), side="left")
        return np.asarray(self.values[np.minimum(idx, self.values.size - 1)])

    @property
    def noise_variance(self) -> float:
        """Variance the sketch adds to a CDF value (its 99% bound read as 2.58 sigma)."""
        return (self.rank_error / SKETCH_SIGMAS) ** 2


@dataclass(frozen=True, slots=True, eq=False)
class NumericPair:
    """Reference and current values of a numeric column, plus shared bins."""

    reference: NumericSide
    current: NumericSide
    edges: np.ndarray
    """Inner bin edges (reference quantiles, de-duplicated)."""

    @classmethod
    def of(
        cls, reference: NumericSide, current: NumericSide, bins: int = PSI_BINS
    ) -> NumericPair:
        ranks = np.arange(1, bins) / bins
        inner = np.unique(reference.quantile(ranks))
        return cls(reference, current, inner)

    def binned(self) -> tuple[np.ndarray, np.ndarray]:
        """Shares per bin (first bin up to the first inner edge, last one beyond)."""
        return _shares_at(self.reference, self.edges), _shares_at(
            self.current, self.edges
        )

    @property
    def n_effective(self) -> float:
        """n·m/(n+m), lowered so the sketches' own error does not count as change."""
        n, m = self.reference.n, self.current.n
        sampling = 1.0 / n + 1.0 / m
        noise = 4.0 * (self.reference.noise_variance + self.current.noise_variance)
        return 1.0 / (sampling + noise)

    def summary(self) -> dict[str, object]:
        ref, cur = self.binned()
        return {
            "type": "numeric",
            "edges": self.plot_edges(),
            "reference": _floats(ref),
            "current": _floats(cur),
        }

    def plot_edges(self) -> list[float]:
        """Bin edges for drawing: the inner edges between the smallest and largest
        value seen. When an inner edge is itself the extreme (a bin holding one
        repeated value, as in integer columns), the outer edge sits half a step out."""
        inner = [float(e) for e in self.edges]
        lo = float(min(self.reference.values[0], self.current.values[0]))
        hi = float(max(self.reference.values[-1], self.current.values[-1]))
        if not inner:
            return [lo, hi if hi > lo else lo + 1.0]
        step = (inner[-1] - inner[0]) / max(len(inner) - 1, 1) or 1.0
        first = lo if lo < inner[0] else inner[0] - step / 2
        last = hi if hi > inner[-1] else inner[-1] + step / 2
        return [first, *inner, last]


def _shares_at(side: NumericSide, inner: np.ndarray) -> np.ndarray:
    cdf = np.concatenate([[0.0], side.cdf(inner), [1.0]])
    return np.clip(np.diff(cdf), 0.0, 1.0)


def _floats(a: np.ndarray) -> list[float]:
    return [float(x) for x in a]


# ------------------------------------------------------------------ categorical
@dataclass(frozen=True, slots=True, eq=False)
class CategoricalPair:
    """Counts per category on both sides, aligned; rare or unreliable ones pooled.

    ``exact`` is False when either side's counts come from a frequent-items sketch;
    ``share_error`` is then the sketch's error on a share (99% bound).
    """

    categories: tuple[str, ...]
    reference: np.ndarray
    current: np.ndarray
    exact: bool = True
    share_error: float = 0.0

    @classmethod
    def from_profiles(cls, ref: ColumnProfile, cur: ColumnProfile) -> CategoricalPair:
        rc, r_err = _counts(ref)
        cc, c_err = _counts(cur)
        return cls.from_counts(
            rc,
            cc,
            ref.non_null,
            cur.non_null,
            exact=r_err == 0 and c_err == 0,
            share_error=max(r_err, c_err),
        )

    @classmethod
    def from_counts(
        cls,
        ref: dict[str, int],
        cur: dict[str, int],
        ref_total: int,
        cur_total: int,
        *,
        exact: bool = True,
        share_error: float = 0.0,
    ) -> CategoricalPair:
        """Align two count tables; values not listed fall into ``__other__``."""
        names = sorted(
            set(ref) | set(cur), key=lambda k: (-(ref.get(k, 0) + cur.get(k, 0)), k)
        )
        big = min(ref_total, cur_total) / max(ref_total + cur_total, 1)
        kept = [
            k
            for k in names
            if k != OTHER and (ref.get(k, 0) + cur.get(k, 0)) * big >= MIN_EXPECTED
        ][:MAX_CATEGORIES]
        r = np.array([ref.get(k, 0) for k in kept], dtype=np.float64)
        c = np.array([cur.get(k, 0) for k in kept], dtype=np.float64)
        r_other, c_other = ref_total - r.sum(), cur_total - c.sum()
        if r_other > 0 or c_other > 0:
            kept.append(OTHER)
            r = np.append(r, max(r_other, 0.0))
            c = np.append(c, max(c_other, 0.0))
        return cls(tuple(kept), r, c, exact, share_error)

    def binned(self) -> tuple[np.ndarray, np.ndarray]:
        return _normalised(self.reference), _normalised(self.current)

    @property
    def effective_scale(self) -> float:
        """Factor applied to counts in tests so sketch error is not read as change."""
        if self.exact or self.share_error == 0:
            return 1.0
        n = float(
            self.reference.sum()
            * self.current.sum()
            / max(self.reference.sum() + self.current.sum(), 1.0)
        )
        sigma2 = 2 * (self.share_error / SKETCH_SIGMAS) ** 2
        return min(1.0, 1.0 / (1.0 + n * 4.0 * sigma2))

    def summary(self) -> dict[str, object]:
        ref, cur = self.binned()
        return {
            "type": "categorical",
            "categories": list(self.categories),
            "reference": _floats(ref),
            "current": _floats(cur),
        }


def _normalised(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total > 0 else counts


def _counts(col: ColumnProfile) -> tuple[dict[str, int], float]:
    """Counts to compare, and the error on a share (0 when exact)."""
    freq: Frequent = col.frequent
    if freq.is_exact:
        return dict(freq.counts or {}), 0.0
    if not freq.blob or col.non_null == 0:
        return {}, 1.0
    sk = ds.frequent_strings_sketch.deserialize(freq.blob)
    error = float(sk.epsilon)  # counts are off by at most epsilon x total weight
    floor = max(MIN_SKETCH_SHARE, 3 * error) * col.non_null
    counts = {v: n for v, n in freq.top(FREQUENT_SKETCH_TOP) if n >= floor}
    return counts, max(error, 1e-12)


# ----------------------------------------------------------------- text lengths
@dataclass(frozen=True, slots=True)
class TextPair:
    """String lengths (characters) on both sides."""

    reference: Moments
    current: Moments

    def summary(self) -> dict[str, object]:
        def side(m: Moments) -> dict[str, float]:
            return {"mean_length": m.mean, "std_length": m.std or 0.0}

        return {
            "type": "text",
            "reference": side(self.reference),
            "current": side(self.current),
        }


# ------------------------------------------------------------------ proportions
@dataclass(frozen=True, slots=True)
class ProportionPair:
    """A count out of a total on both sides (nulls out of rows, positives out of labels)."""

    reference_count: int
    reference_total: int
    current_count: int
    current_total: int

    @property
    def reference_share(self) -> float:
        return (
            self.reference_count / self.reference_total if self.reference_total else 0.0
        )

    @property
    def current_share(self) -> float:
        return self.current_count / self.current_total if self.current_total else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "type": "null_rate",
            "reference": self.reference_share,
            "current": self.current_share,
        }


Pair: TypeAlias = NumericPair | CategoricalPair | TextPair | ProportionPair


def is_numeric(col: ColumnProfile) -> bool:
    return col.physical in (Physical.INTEGER, Physical.FLOAT)


def most_changed(reference: np.ndarray, current: np.ndarray) -> int:
    """Index of the share that moved most relative to its size (a new 5% category
    beats fifty categories losing 0.1 point each; a bad rate beats its complement)."""
    moved = np.abs(current - reference) / np.sqrt(
        np.maximum(reference, current) + 1e-12
    )
    return int(np.argmax(moved))


def cohen_h(p1: float, p2: float) -> float:
    """Cohen's h between two proportions: 2·asin(√p2) − 2·asin(√p1), in absolute value."""
    return abs(
        2 * math.asin(math.sqrt(min(max(p2, 0.0), 1.0)))
        - 2 * math.asin(math.sqrt(min(max(p1, 0.0), 1.0)))
    )
