"""Mergeable statistics: moments, quantiles (KLL), distinct counts, frequent values, time gaps.

Every sketch is an immutable value with ``zero()``, a constructor from one chunk of
data, ``merge()`` and ``to_dict()``/``from_dict()``. Merging the sketches of two chunks
gives the sketch of both chunks together: exactly for counts, extrema and moments;
within the published error of the sketch for quantiles (Apache DataSketches KLL) and
distinct counts (k-minimum-values, the algorithm behind DataSketches' Theta sketch).
"""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import datasketches as ds
import numpy as np

from pipewarden.errors import ProfileError
from pipewarden.profiles import _kll

KLL_K = 200
"""KLL accuracy parameter: about 1.65% normalised rank error."""
KMV_K = 2048
"""Distinct-count sketch size: relative standard error about 1/sqrt(K-2), 2.2%."""
FREQUENT_EXACT_LIMIT = 1000
"""Frequent values are exact while a column has at most this many distinct values."""
QUANTILES_EXACT_LIMIT = 1000
"""Quantiles are exact while a numeric column has at most this many distinct values."""
FREQUENT_LG_MAP = 10
"""log2 of the frequent-items sketch's map size once counts are no longer exact."""
MAX_GAPS = 32
"""Largest time gaps kept per datetime column."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str | bytes) -> bytes:
    """A sketch's bytes from its base64 text (or the bytes themselves: the store's
    codec hands them over as read, skipping a base64 round trip)."""
    if isinstance(text, bytes):
        return text
    return base64.b64decode(text.encode("ascii"))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values of a 1-d array, ascending (``np.unique`` without its hashing,
    which is about ten times slower on the few thousand hashes of a sketch)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _json_float(x: float) -> float | str:
    """``x`` for JSON: an overflowed sum (inf, NaN) as text, which float() reads back."""
    return x if math.isfinite(x) else str(x)


# --------------------------------------------------------------------------- moments
@dataclass(frozen=True, slots=True)
class Moments:
    """Count, mean, sum of squared deviations, min and max of finite values.

    Merged with Chan's parallel formula, so the merge of two chunks equals the whole
    up to floating-point rounding.
    """

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    min: float | None = None
    max: float | None = None

    @classmethod
    def zero(cls) -> Moments:
        return cls()

    @classmethod
    def from_stats(
        cls, count: int, mean: float | None, var: float | None, lo: Any, hi: Any
    ) -> Moments:
        """Build from a chunk's count, mean, sample variance, min and max."""
        if count == 0 or mean is None:
            return cls()
        m2 = float(var) * (count - 1) if (var is not None and count > 1) else 0.0
        return cls(int(count), float(mean), m2, float(lo), float(hi))

    @classmethod
    def from_array(cls, values: np.ndarray) -> Moments:
        """Build from a float array of finite values (used by tests and small paths)."""
        n = int(values.size)
        if n == 0:
            return cls()
        mean = float(values.mean())
        m2 = float(((values - mean) ** 2).sum())
        return cls(n, mean, m2, float(values.min()), float(values.max()))

    def merge(self, other: Moments) -> Moments:
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        n = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * other.count / n
        m2 = self.m2 + other.m2 + delta * delta * self.count * other.count / n
        lo = min(self.min, other.min)  # type: ignore[type-var]  # both set when count > 0
        hi = max(self.max, other.max)  # type: ignore[type-var]  # both set when count > 0
        return Moments(n, mean, m2, lo, hi)

    @property
    def variance(self) -> float | None:
        """Sample variance (ddof=1), or None below two values."""
        return self.m2 / (self.count - 1) if self.count > 1 else None

    @property
    def std(self) -> float | None:
        v = self.variance
        return math.sqrt(v) if v is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean": _json_float(self.mean),
            "m2": _json_float(self.m2),
            "min": self.min,
            "max": self.max,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Moments:
        return cls(
            int(data["count"]),
            float(data["mean"]),
            float(data["m2"]),
            data.get("min"),
            data.get("max"),
        )


# ------------------------------------------------------------------------- quantiles
@dataclass(frozen=True, slots=True, eq=False)
class Quantiles:
    """Quantiles of finite float values: exact while few, a KLL sketch beyond.

    A column with at most ``QUANTILES_EXACT_LIMIT`` distinct values (ages, counts,
    ratings, labels) keeps its distribution exactly, as sorted distinct values and
    their counts; beyond that it is a KLL sketch, compacted deterministically
    (``_kll``) and kept in Apache DataSketches' serialised format. Merging two exact
    distributions adds the counts (exact); a merge that passes the limit, or meets a
    sketch, continues as a sketch. The same values give the same bytes in every run.
    """

    blob: bytes = b""
    values: np.ndarray | None = None
    """Exact mode: the distinct values, ascending (None for a sketch)."""
    counts: np.ndarray | None = None
    """Exact mode: how often each value occurs."""

    @classmethod
    def zero(cls) -> Quantiles:
        return cls()

    @classmethod
    def from_array(cls, values: np.ndarray) -> Quantiles:
        """Sketch a float64 array of finite values.

        The values are sorted (numpy releases the GIL while it sorts) and compacted
        deterministically (``_kll``): the same values give the same bytes in every
        process, whatever their order.
        """
        if values.size == 0:
            return cls()
        x = np.sort(np.asarray(values, dtype=np.float64))
        return cls(_kll.encode(_kll.from_sorted(x, KLL_K)))

    @classmethod
    def from_counts(cls, values: np.ndarray, counts: np.ndarray) -> Quantiles:
        """The exact distribution of distinct finite values and their counts.

        Past ``QUANTILES_EXACT_LIMIT`` distinct values this is a KLL sketch instead.
        """
        v = np.asarray(values, dtype=np.float64)
        c = np.asarray(counts, dtype=np.int64)
        keep = c > 0
        v, c = v[keep], c[keep]
        if v.size == 0:
            return cls()
        order = np.argsort(v, kind="stable")
        v, c = v[order], c[order]
        if v.size > 1 and not np.all(v[1:] > v[:-1]):  # repeated values: add up
            v, inverse = np.unique(v, return_inverse=True)
            c = np.bincount(inverse, weights=c, minlength=v.size).astype(np.int64)
        if v.size > QUANTILES_EXACT_LIMIT:
            return cls(_kll.encode(_kll.from_counts(v, c, KLL_K)))
        return cls(b"", v, c)

    @property
    def is_exact(self) -> bool:
        """True while the distribution is kept exactly (not sketched)."""
        return self.values is not None

    def sketch(self) -> ds.kll_doubles_sketch:
        """The distribution as a live DataSketches KLL sketch (a fresh object).

        Raises:
            ProfileError: The stored sketch is damaged.
        """
        if not self.blob:
            return ds.kll_doubles_sketch.deserialize(_kll.encode(self._state()))
        try:
            return ds.kll_doubles_sketch.deserialize(self.blob)
        except (IndexError, ValueError, RuntimeError) as exc:
            raise self._damaged(exc) from exc

    def _state(self) -> _kll.KllState:
        """The distribution as KLL levels (an exact one written in binary, no error)."""
        if self.values is not None and self.counts is not None:
            return _kll.from_counts(self.values, self.counts, KLL_K)
        if not self.blob:
            return _kll.KllState(KLL_K, 0, 0.0, 0.0, ())
        try:
            return _kll.decode(self.blob)
        except (ValueError, struct.error) as exc:
            raise self._damaged(exc) from exc

    def _damaged(self, exc: Exception) -> ProfileError:
        return ProfileError(
            f"A quantile sketch of {len(self.blob)} bytes cannot be read ({exc}). "
            "The profile is damaged: profile the data again."
        )

    def merge(self, other: Quantiles) -> Quantiles:
        if other.is_empty:
            return self
        if self.is_empty:
            return other
        if (
            self.values is not None
            and self.counts is not None
            and other.values is not None
            and other.counts is not None
        ):
            return Quantiles.from_counts(
                np.concatenate([self.values, other.values]),
                np.concatenate([self.counts, other.counts]),
            )
        return Quantiles(_kll.encode(_kll.merge(self._state(), other._state())))

    @property
    def n(self) -> int:
        if self.counts is not None:
            return int(self.counts.sum())
        return int(self.sketch().n) if self.blob else 0

    @property
    def is_empty(self) -> bool:
        return not self.blob and self.values is None

    def quantiles(self, qs: Sequence[float]) -> list[float]:
        """Values at the given ranks in [0, 1]; empty list when there are none.

        As DataSketches' ``get_quantile``: the smallest value whose share of values
        at or below it reaches the rank.
        """
        if self.values is not None and self.counts is not None:
            cum = np.cumsum(self.counts) / self.counts.sum()
            idx = np.searchsorted(cum, np.asarray(qs, dtype=np.float64), side="left")
            return [float(x) for x in self.values[np.minimum(idx, cum.size - 1)]]
        if not self.blob:
            return []
        sk = self.sketch()
        return [float(sk.get_quantile(float(q))) for q in qs]

    def cdf(self, points: Sequence[float]) -> list[float]:
        """Fraction of values <= each point (len(points) values, no trailing 1.0)."""
        if self.values is not None and self.counts is not None:
            cum = np.concatenate([[0.0], np.cumsum(self.counts) / self.counts.sum()])
            idx = np.searchsorted(
                self.values, np.asarray(points, dtype=np.float64), side="right"
            )
            return [float(x) for x in cum[idx]]
        if not self.blob:
            return [0.0] * len(points)
        sk = self.sketch()
        return [float(sk.get_rank(float(p), inclusive=True)) for p in points]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantiles) or self.blob != other.blob:
            return False
        if self.values is None or other.values is None:
            return self.values is None and other.values is None
        return np.array_equal(self.values, other.values) and np.array_equal(
            np.asarray(self.counts), np.asarray(other.counts)
        )

    def __hash__(self) -> int:
        exact = b"" if self.values is None else self.values.tobytes()
        return hash((self.blob, exact))

    def to_dict(self) -> dict[str, Any]:
        if self.values is not None and self.counts is not None:
            return {
                "kll": None,
                "values": self.values.tolist(),
                "counts": self.counts.tolist(),
            }
        return {"kll": _b64(self.blob)} if self.blob else {"kll": None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quantiles:
        if data.get("values") is not None:
            values = np.array(data["values"], dtype=np.float64)
            counts = np.array(data.get("counts", []), dtype=np.int64)
            if values.shape != counts.shape or values.ndim != 1:
                raise ProfileError(
                    "A quantiles entry has different numbers of values and counts. "
                    "The profile file is damaged: profile the data again."
                )
            return cls.from_counts(values, counts)
        raw = data.get("kll")
        return cls(_unb64(raw) if raw else b"")


# -------------------------------------------------------------------------- distinct
@dataclass(frozen=True, slots=True, eq=False)
class Distinct:
    """Distinct count by k minimum values (KMV) over 64-bit hashes.

    Holds the K smallest distinct hashes seen. Below K distinct values the count is
    exact; beyond it the estimate is (K-1)/u_K with relative standard error about
    1/sqrt(K-2). Merging keeps the K smallest of the union, so merge is exact. The
    hashes are computed by the engine (Polars' vectorised hash); ``hash_id`` names the
    function, and profiles hashed differently are not merged.
    """

    hashes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    hash_id: str = ""

    @classmethod
    def zero(cls) -> Distinct:
        return cls()

    @classmethod
    def from_hashes(cls, hashes: np.ndarray, hash_id: str) -> Distinct:
        """Keep the K smallest distinct values of an array of uint64 hashes."""
        uniq = sorted_unique(np.asarray(hashes, dtype=np.uint64))
        return cls(uniq[:KMV_K].copy(), hash_id)

    def merge(self, other: Distinct) -> Distinct:
        if other.hashes.size == 0:
            return (
                self
                if self.hash_id or not other.hash_id
                else Distinct(self.hashes, other.hash_id)
            )
        if self.hashes.size == 0:
            return other
        if self.hash_id != other.hash_id:
            raise ProfileError(
                f"Cannot merge distinct-count sketches made with different hashes "
                f"('{self.hash_id}' and '{other.hash_id}'). Profile both batches with "
                f"the same pipewarden and Polars versions."
            )
        both = sorted_unique(np.concatenate([self.hashes, other.hashes]))[:KMV_K]
        return Distinct(both, self.hash_id)

    @property
    def is_exact(self) -> bool:
        return int(self.hashes.size) < KMV_K

    @property
    def estimate(self) -> float:
        k = int(self.hashes.size)
        if k < KMV_K:
            return float(k)
        kth = float(self.hashes[-1]) / 2.0**64
        return (KMV_K - 1) / kth if kth > 0 else float(k)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Distinct)
            and self.hash_id == other.hash_id
            and np.array_equal(self.hashes, other.hashes)
        )

    def __hash__(self) -> int:
        return hash((self.hash_id, self.hashes.tobytes()))

    def to_dict(self) -> dict[str, Any]:
        return {"kmv": _b64(self.hashes.astype("<u8").tobytes()), "hash": self.hash_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Distinct:
        raw = _unb64(data.get("kmv") or "")
        return cls(
            np.frombuffer(raw, dtype="<u8").astype(np.uint64), data.get("hash", "")
        )


# -------------------------------------------------------------------------- frequent
@dataclass(frozen=True, slots=True, eq=False)
class Frequent:
    """Value counts: exact while small, an Apache DataSketches frequent-items sketch beyond.

    Values are kept as their string form. ``total`` is the weight of all values seen.
    """

    counts: dict[str, int] | None = field(default_factory=dict)
    blob: bytes = b""
    total: int = 0

    @classmethod
    def zero(cls) -> Frequent:
        return cls()

    @classmethod
    def from_counts(
        cls, values: Iterable[str], counts: Iterable[int], total: int | None = None
    ) -> Frequent:
        """Build from a chunk's value counts.

        ``total`` is the weight of the whole chunk when ``values`` lists only the most
        frequent of them (the rest are then not counted individually). Values are
        kept in sorted order, whatever order they come in (Polars' value counts have
        none), so the same chunk gives the same bytes.
        """
        pairs = dict(sorted(zip(values, (int(c) for c in counts), strict=True)))
        seen = sum(pairs.values())
        tot = seen if total is None else int(total)
        if len(pairs) <= FREQUENT_EXACT_LIMIT and tot == seen:
            return cls(pairs, b"", tot)
        return cls._sketch_of(pairs, tot)

    @classmethod
    def _sketch_of(
        cls,
        pairs: dict[str, int],
        total: int,
        base: ds.frequent_strings_sketch | None = None,
    ) -> Frequent:
        sk = base if base is not None else ds.frequent_strings_sketch(FREQUENT_LG_MAP)
        for v, c in pairs.items():
            sk.update(v, c)
        return cls(None, sk.serialize(), total)

    @classmethod
    def untracked(cls, total: int) -> Frequent:
        """Values not counted individually (ids, free text): only the total is kept."""
        return cls(None, b"", int(total))

    @property
    def is_exact(self) -> bool:
        return self.counts is not None

    @property
    def is_tracked(self) -> bool:
        return self.counts is not None or bool(self.blob)

    def _live(self) -> ds.frequent_strings_sketch:
        return ds.frequent_strings_sketch.deserialize(self.blob)

    def merge(self, other: Frequent) -> Frequent:
        if other.total == 0 and not other.blob:
            return self
        if self.total == 0 and not self.blob:
            return other
        total = self.total + other.total
        if not (self.is_tracked and other.is_tracked):
            return Frequent.untracked(total)
        if self.counts is not None and other.counts is not None:
            merged = dict(self.counts)
            for v, c in other.counts.items():
                merged[v] = merged.get(v, 0) + c
            if len(merged) <= FREQUENT_EXACT_LIMIT:
                return Frequent(merged, b"", total)
            return Frequent._sketch_of(merged, total)
        if self.counts is None and other.counts is None:
            sk = self._live()
            sk.merge(other._live())
            return Frequent(None, sk.serialize(), total)
        sketched, exact = (self, other) if self.counts is None else (other, self)
        return Frequent._sketch_of(exact.counts or {}, total, sketched._live())

    def top(self, n: int = 20) -> list[tuple[str, int]]:
        """The n most frequent values with their (estimated) counts, largest first."""
        if self.counts is not None:
            return sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        if not self.blob:
            return []
        rows = self._live().get_frequent_items(
            ds.frequent_items_error_type.NO_FALSE_NEGATIVES
        )
        return [(str(r[0]), int(r[1])) for r in rows[:n]]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Frequent)
            and self.counts == other.counts
            and self.blob == other.blob
            and self.total == other.total
        )

    def __hash__(self) -> int:
        return hash((self.total, self.blob))

    def to_dict(self) -> dict[str, Any]:
        if self.counts is not None:
            return {"counts": self.counts, "total": self.total}
        if not self.blob:
            return {"untracked": True, "total": self.total}
        return {"sketch": _b64(self.blob), "total": self.total}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Frequent:
        if "counts" in data:
            return cls(
                {str(k): int(v) for k, v in data["counts"].items()},
                b"",
                int(data["total"]),
            )
        if data.get("untracked"):
            return cls.untracked(int(data["total"]))
        return cls(None, _unb64(data["sketch"]), int(data["total"]))


# ------------------------------------------------------------------------ time gaps
@dataclass(frozen=True, slots=True)
class TimeGaps:
    """First and last timestamp and the largest gaps between consecutive timestamps.

    Times are integer microseconds since the epoch (UTC). A gap is ``(start, end)``:
    no timestamp lies strictly between them. Merging intersects the empty stretches of
    both sides, so for chunks that do not overlap in time (the usual case) the merged
    gaps are exact; when they overlap, every gap at least as long as the shortest gap
    kept on either side is exact.
    """

    min: int | None = None
    max: int | None = None
    gaps: tuple[tuple[int, int], ...] = ()

    @classmethod
    def zero(cls) -> TimeGaps:
        return cls()

    @classmethod
    def from_sorted(
        cls, times: np.ndarray, diffs: np.ndarray | None = None
    ) -> TimeGaps:
        """Build from sorted int64 microseconds (no nulls); ``diffs`` may pass in
        ``np.diff(times)`` when the caller has it already."""
        if times.size == 0:
            return cls()
        if times.size == 1:
            return cls(int(times[0]), int(times[0]), ())
        if diffs is None:
            diffs = np.diff(times)
        idx = np.flatnonzero(diffs > 0)
        if idx.size > MAX_GAPS:
            # The MAX_GAPS longest, the earliest first among equals (as _top_gaps
            # orders them), so chunks and their merge keep the same gaps.
            cut = np.partition(diffs[idx], idx.size - MAX_GAPS)[idx.size - MAX_GAPS]
            longer = idx[diffs[idx] > cut]
            ties = idx[diffs[idx] == cut][: MAX_GAPS - longer.size]
            idx = np.concatenate([longer, ties])
        gaps = [(int(times[i]), int(times[i + 1])) for i in idx]
        return cls(int(times[0]), int(times[-1]), _top_gaps(gaps))

    def merge(self, other: TimeGaps) -> TimeGaps:
        if other.min is None:
            return self
        if self.min is None:
            return other
        assert self.max is not None and other.max is not None
        lo, hi = min(self.min, other.min), max(self.max, other.max)
        empty_a = _empties(self)
        empty_b = _empties(other)
        gaps = [g for g in _intersect(empty_a, empty_b) if g[0] >= lo and g[1] <= hi]
        return TimeGaps(lo, hi, _top_gaps(gaps))

    @property
    def largest(self) -> tuple[int, int] | None:
        return self.gaps[0] if self.gaps else None

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max, "gaps": [list(g) for g in self.gaps]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimeGaps:
        return cls(
            data.get("min"),
            data.get("max"),
            tuple((int(a), int(b)) for a, b in data.get("gaps", [])),
        )


_FAR = 2**62
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros_to_text(micros: int) -> str:
    """Microseconds since the epoch as 'YYYY-MM-DD HH:MM:SS' (UTC), any year."""
    try:
        moment = _EPOCH + timedelta(microseconds=int(micros))
    except OverflowError:
        return f"{micros} us since 1970"
    return f"{moment.year:04d}-{moment:%m-%d %H:%M:%S}"


def _top_gaps(gaps: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    ordered = sorted(set(gaps), key=lambda g: (-(g[1] - g[0]), g[0]))
    return tuple(ordered[:MAX_GAPS])


def _empties(tg: TimeGaps) -> list[tuple[int, int]]:
    """Known empty stretches of one side, as sorted closed-open intervals."""
    assert tg.min is not None and tg.max is not None
    return sorted([(-_FAR, tg.min), *tg.gaps, (tg.max, _FAR)])


def _intersect(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out
