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
from pipewarden.profiles.hashing import sorted_unique

KLL_K = 200
"""KLL accuracy parameter: about 1.65% normalised rank error."""
THETA_LG_K = 11
"""log2 of the distinct-count (Theta) sketch's size."""
KMV_K = 1 << THETA_LG_K
"""Hashes a distinct-count sketch keeps: exact up to K distinct values, then a
relative standard error about 1/sqrt(K), 2.2%."""
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
        return cls.from_sorted(np.sort(np.asarray(values, dtype=np.float64)))

    @classmethod
    def from_sorted(cls, values: np.ndarray) -> Quantiles:
        """``from_array`` of values already in ascending order (float64, finite)."""
        if values.size == 0:
            return cls()
        return cls(_kll.encode(_kll.from_sorted(values, KLL_K)))

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

    def weighted(self) -> tuple[np.ndarray, np.ndarray]:
        """The values the distribution keeps and the weight of each, ascending.

        Exact: the distinct values and their counts. A sketch: its retained items,
        each standing for 2^level values (the extremes at low weight, see ``_kll``).
        The weights add up to ``n``; a share of them estimates a share of values
        within the sketch's rank error.
        """
        if self.values is not None and self.counts is not None:
            return self.values, self.counts.astype(np.float64)
        if not self.blob:
            return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.float64)
        state = self._state()
        values = np.concatenate(state.levels)
        weights = np.concatenate(
            [np.full(level.size, 2.0**h) for h, level in enumerate(state.levels)]
        )
        order = np.argsort(values, kind="stable")
        return values[order], weights[order]

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
THETA_MAX = 2**63 - 1
"""A theta sketch's theta while it holds every hash (DataSketches' MAX_THETA)."""
_THETA_HEADER = struct.Struct("<BBBHBH")
"""Compact theta sketch preamble: longs, serial version, type, unused, flags, seed hash."""
_THETA_SEED_HASH = 0x93CC
"""DataSketches' 16-bit hash of the default seed (9001), stored in every sketch."""
_THETA_FLAGS = 0b11010  # read-only, compact, ordered
_THETA_EMPTY = 0b100
_THETA_ORDERED = 0b10000


@dataclass(frozen=True, slots=True, eq=False)
class Distinct:
    """Distinct count: an Apache DataSketches Theta sketch (compact, lg_k 11).

    Holds the K smallest distinct value hashes (``hashing``: MurmurHash3 of canonical
    bytes, as every DataSketches library computes it) and ``theta``, the (K+1)-th
    smallest. Below K+1 distinct values the count is exact (theta stays
    ``THETA_MAX``); beyond, the estimate is K / (theta / 2**63) with relative
    standard error about 1/sqrt(K), 2.2%. Merging keeps the K smallest hashes of the
    union below both thetas, so the merge of two parts equals the sketch of the
    whole, as DataSketches' ``theta_union`` gives it; ``to_dict`` stores the sketch
    in DataSketches' compact serialization, which Spark and Druid read.

    Two older forms load too. Profiles written before pipewarden used the Theta hash
    hold a KMV sketch over Polars' hash (``hash_id`` names that hash, ``hashes`` its
    K smallest): it keeps its estimate and merges with KMV sketches of the same hash.
    Sketches whose hashes differ cannot be united; their merge is *estimate only*
    (``bounds``): at least the larger part's lower bound, at most the sum of the
    parts' upper bounds, estimated as the larger part's estimate.
    """

    hashes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    theta: int = THETA_MAX
    hash_id: str = ""
    """Empty for a Theta sketch; the Polars hash of a KMV sketch from before."""
    bounds: tuple[float, float, float] | None = None
    """Estimate only: (lower bound, estimate, upper bound)."""

    @classmethod
    def zero(cls) -> Distinct:
        return cls()

    @classmethod
    def from_hashes(cls, hashes: np.ndarray) -> Distinct:
        """The sketch of values with these Theta hashes (``hashing``; repeats allowed)."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        uniq = np.empty(0, dtype=np.uint64)
        if hashes.size > 4 * KMV_K:  # the smallest few first: cheaper than sorting
            cut = np.partition(hashes, 4 * KMV_K)[4 * KMV_K]
            uniq = sorted_unique(hashes[hashes <= cut])
        if uniq.size <= KMV_K + 1:  # too many repeats among them: sort them all
            uniq = sorted_unique(hashes)
        if uniq.size and uniq[0] == 0:  # 0 marks an empty slot in DataSketches
            uniq = uniq[1:]
        if uniq.size <= KMV_K:
            return cls(uniq.copy())
        return cls(uniq[:KMV_K].copy(), int(uniq[KMV_K]))

    @property
    def kind(self) -> str:
        """``theta``, ``kmv`` (a sketch from before the Theta hash) or ``bounds``."""
        if self.bounds is not None:
            return "bounds"
        return "kmv" if self.hash_id else "theta"

    @property
    def is_empty(self) -> bool:
        return self.bounds is None and self.hashes.size == 0 and self.theta == THETA_MAX

    def merge(self, other: Distinct) -> Distinct:
        if other.is_empty:
            return self
        if self.is_empty:
            return other
        if self.kind == other.kind == "theta":
            theta = min(self.theta, other.theta)
            both = sorted_unique(np.concatenate([self.hashes, other.hashes]))
            both = both[both < theta]
            if both.size > KMV_K:
                return Distinct(both[:KMV_K].copy(), int(both[KMV_K]))
            return Distinct(both, theta)
        if self.kind == other.kind == "kmv" and self.hash_id == other.hash_id:
            both = sorted_unique(np.concatenate([self.hashes, other.hashes]))[:KMV_K]
            return Distinct(both, hash_id=self.hash_id)
        return Distinct(
            bounds=(
                max(self.lower_bound, other.lower_bound),
                max(self.estimate, other.estimate),
                self.upper_bound + other.upper_bound,
            )
        )

    @property
    def is_exact(self) -> bool:
        if self.bounds is not None:
            return self.bounds[0] == self.bounds[2]
        if self.hash_id:
            return int(self.hashes.size) < KMV_K
        return self.theta == THETA_MAX

    @property
    def estimate(self) -> float:
        if self.bounds is not None:
            return self.bounds[1]
        k = int(self.hashes.size)
        if self.hash_id:  # KMV: the K-th smallest of 64-bit hashes
            if k < KMV_K:
                return float(k)
            kth = float(self.hashes[-1]) / 2.0**64
            return (KMV_K - 1) / kth if kth > 0 else float(k)
        if self.theta == THETA_MAX:
            return float(k)
        return k / (self.theta / THETA_MAX)

    @property
    def relative_error(self) -> float:
        """One relative standard error of the estimate (0 when exact); for an
        estimate-only count, half its range relative to the estimate."""
        if self.is_exact:
            return 0.0
        if self.bounds is not None:
            lo, est, hi = self.bounds
            return (hi - lo) / 2 / max(est, 1.0)
        return 1 / math.sqrt(KMV_K - 2 if self.hash_id else KMV_K)

    @property
    def lower_bound(self) -> float:
        """At least this many distinct values (about 2 standard errors below)."""
        if self.bounds is not None:
            return self.bounds[0]
        if self.is_exact:
            return self.estimate
        return max(
            float(self.hashes.size), self.estimate * (1 - 2 * self.relative_error)
        )

    @property
    def upper_bound(self) -> float:
        """At most this many distinct values (about 2 standard errors above)."""
        if self.bounds is not None:
            return self.bounds[2]
        return self.estimate * (1 + 2 * self.relative_error)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Distinct)
            and self.theta == other.theta
            and self.hash_id == other.hash_id
            and self.bounds == other.bounds
            and np.array_equal(self.hashes, other.hashes)
        )

    def __hash__(self) -> int:
        return hash((self.theta, self.hash_id, self.bounds, self.hashes.tobytes()))

    def serialize(self) -> bytes:
        """DataSketches' compact, ordered theta sketch (serial version 3).

        Raises:
            ProfileError: The count is not a Theta sketch (an older form).
        """
        if self.kind != "theta":
            raise ProfileError(
                f"A {self.kind} distinct count is not a Theta sketch and has no "
                "DataSketches form. Profile the data again to get one."
            )
        n = int(self.hashes.size)
        estimating = self.theta < THETA_MAX
        longs = 3 if estimating else 1 if n <= 1 else 2
        flags = _THETA_FLAGS | (_THETA_EMPTY if n == 0 and not estimating else 0)
        out = _THETA_HEADER.pack(longs, 3, 3, 0, flags, _THETA_SEED_HASH)
        if longs > 1:
            out += struct.pack("<II", n, 0)
        if estimating:
            out += struct.pack("<Q", self.theta)
        return out + self.hashes.astype("<u8").tobytes()

    @classmethod
    def deserialize(cls, blob: bytes) -> Distinct:
        """Read a compact theta sketch (any DataSketches serialization of one).

        Raises:
            ProfileError: The bytes are not a theta sketch with the default seed.
        """
        try:
            longs, version, family, _, flags, seed_hash = _THETA_HEADER.unpack_from(
                blob
            )
            if version != 3 or family != 3 or not flags & 0b1000:
                return cls._from_datasketches(blob)
            if seed_hash != _THETA_SEED_HASH and not flags & _THETA_EMPTY:
                raise ValueError(f"seed hash {seed_hash:#06x}, not the default seed")
            n = 0 if flags & _THETA_EMPTY else 1
            if longs > 1:
                (n,) = struct.unpack_from("<I", blob, 8)
            theta = struct.unpack_from("<Q", blob, 16)[0] if longs > 2 else THETA_MAX
            if 8 * (longs + n) != len(blob):
                raise ValueError(f"{len(blob)} bytes for {n} hashes")
            hashes = np.frombuffer(blob, dtype="<u8", count=n, offset=8 * longs)
        except (struct.error, ValueError) as exc:
            raise ProfileError(
                f"A distinct-count sketch is not a readable theta sketch ({exc}). "
                "The profile is damaged: profile the data again."
            ) from exc
        hashes = hashes.astype(np.uint64)
        ordered = flags & _THETA_ORDERED and bool(np.all(hashes[1:] > hashes[:-1]))
        return cls(hashes if ordered else np.sort(hashes), int(theta))

    @classmethod
    def _from_datasketches(cls, blob: bytes) -> Distinct:
        """Other theta serializations (e.g. compressed), through DataSketches."""
        try:
            plain = ds.compact_theta_sketch.deserialize(blob).serialize()
        except (RuntimeError, ValueError) as exc:
            raise ValueError(str(exc)) from exc
        if plain[1] != 3:
            raise ValueError(f"serial version {plain[1]}")
        return cls.deserialize(plain)

    def to_dict(self) -> dict[str, Any]:
        if self.bounds is not None:
            lo, est, hi = self.bounds
            return {"lower": lo, "estimate": est, "upper": hi}
        if self.hash_id:
            return {
                "kmv": _b64(self.hashes.astype("<u8").tobytes()),
                "hash": self.hash_id,
            }
        return {"theta": _b64(self.serialize())}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Distinct:
        if "estimate" in data:
            return cls(
                bounds=(
                    float(data["lower"]),
                    float(data["estimate"]),
                    float(data["upper"]),
                )
            )
        if "theta" in data:
            return cls.deserialize(_unb64(data["theta"]))
        raw = _unb64(data.get("kmv") or "")
        hashes = np.frombuffer(raw, dtype="<u8").astype(np.uint64)
        return cls(hashes, hash_id=str(data.get("hash") or "polars"))


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
        if np.count_nonzero(diffs > 0) > MAX_GAPS:
            # The MAX_GAPS longest, the earliest first among equals (as _top_gaps
            # orders them), so chunks and their merge keep the same gaps. They are
            # all positive (more than MAX_GAPS steps are), and so is the cut.
            cut = np.partition(diffs, diffs.size - MAX_GAPS)[diffs.size - MAX_GAPS]
            longer = np.flatnonzero(diffs > cut)
            ties = np.flatnonzero(diffs == cut)[: MAX_GAPS - longer.size]
            idx = np.concatenate([longer, ties])
        else:
            idx = np.flatnonzero(diffs > 0)
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
