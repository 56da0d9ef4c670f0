"""A deterministic KLL quantile sketch, stored in Apache DataSketches' KLL format.

DataSketches' ``kll_doubles_sketch`` halves a level by keeping its odd or its even
items, picked by a random bit from a generator seeded by the clock; Python cannot seed
it. The same data then gives a different sketch in every run, and so different drift
scores. Here the compaction is KLL's (level h holds sorted items of weight 2^h; a full
level is halved and its survivors move up one level), with two changes:

* the bit that picks odd or even items is a hash of the sketch's size, the level and
  the level's length, so the same values give the same sketch in every process;
* a level keeps its lowest and highest quarter and halves only the items between, so
  a column's extreme values stay at low weight (the tails, which drive the
  Wasserstein distance of heavy-tailed columns, stay sharp, as in DataSketches' REQ).

Sketches are read and written in DataSketches' own serialised KLL format (serial
versions 1 and 2), so ``kll_doubles_sketch.deserialize`` answers queries on them, and
sketches written by earlier pipewarden versions (random compaction) merge with these.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from types import ModuleType

import numpy as np

_native: ModuleType | None
try:
    from pipewarden.profiles import _kllcore as _native
except ImportError:  # built without a C compiler: the same loop in numpy
    _native = None

M = 8
"""DataSketches' minimum level capacity."""
_FAMILY = 15
_PREAMBLE_SHORT, _PREAMBLE_FULL = 2, 5
_FLAG_EMPTY, _FLAG_LEVEL_ZERO_SORTED, _FLAG_SINGLE = 1, 2, 4
_HEADER = struct.Struct("<BBBBHBB")
_FULL = struct.Struct("<QHBB")
_MASK = (1 << 64) - 1


@dataclass(frozen=True, slots=True, eq=False)
class KllState:
    """A KLL sketch as plain arrays: ``levels[h]`` holds sorted items of weight 2^h."""

    k: int
    n: int
    min: float
    max: float
    levels: tuple[np.ndarray, ...]

    @property
    def retained(self) -> int:
        return sum(int(level.size) for level in self.levels)


# ------------------------------------------------------------------ capacities
def _cap_aux(k: int, depth: int) -> int:
    """DataSketches' ``int_cap_aux``: about k·(2/3)^depth, rounded as it rounds."""
    if depth > 30:
        half = depth // 2
        return _cap_aux(_cap_aux(k, half), depth - half)
    power: int = 3**depth  # an int: depth is not negative
    return (((2 * k) << depth) // power + 1) >> 1


@functools.cache
def level_capacity(k: int, num_levels: int, height: int) -> int:
    """Items level ``height`` holds before it is compacted (as DataSketches)."""
    return max(M, _cap_aux(k, num_levels - height - 1))


@functools.cache
def total_capacity(k: int, num_levels: int) -> int:
    """Items a sketch of ``num_levels`` levels holds (its serialised item array)."""
    return sum(level_capacity(k, num_levels, h) for h in range(num_levels))


# ------------------------------------------------------------------ building
def from_sorted(values: np.ndarray, k: int) -> KllState:
    """The sketch of ascending finite float64 values (at least one)."""
    x = np.asarray(values, dtype=np.float64)
    return _compacted(k, int(x.size), float(x[0]), float(x[-1]), [x])


def from_counts(values: np.ndarray, counts: np.ndarray, k: int) -> KllState:
    """The sketch of ascending distinct values occurring ``counts`` times (all > 0).

    A count is written in binary: the value goes to level h for every bit h of its
    count, which represents it exactly before any compaction.
    """
    v = np.asarray(values, dtype=np.float64)
    c = np.asarray(counts, dtype=np.int64)
    top = int(c.max()).bit_length()
    levels = [v[(c >> h) & 1 == 1] for h in range(top)]
    return _compacted(k, int(c.sum()), float(v[0]), float(v[-1]), levels)


def merge(a: KllState, b: KllState) -> KllState:
    """The sketch of both sketches' values: levels joined, then compacted."""
    if not b.n:
        return a
    if not a.n:
        return b
    depth = max(len(a.levels), len(b.levels))
    levels = [_merge_sorted(_level(a, h), _level(b, h)) for h in range(depth)]
    return _compacted(
        min(a.k, b.k), a.n + b.n, min(a.min, b.min), max(a.max, b.max), levels
    )


def _level(state: KllState, height: int) -> np.ndarray:
    if height < len(state.levels):
        return state.levels[height]
    return np.empty(0, dtype=np.float64)


def _merge_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if not a.size:
        return b
    if not b.size:
        return a
    # Two sorted runs: the stable sort (timsort) merges them in linear time.
    return np.sort(np.concatenate([a, b]), kind="stable")


def _compacted(
    k: int, n: int, lo: float, hi: float, levels: list[np.ndarray]
) -> KllState:
    """Compact the lowest full level until the sketch fits its capacity (in C with
    the ``_kllcore`` module, the same steps: ``_compacted_numpy``)."""
    native = _native
    if native is None:
        return _compacted_numpy(k, n, lo, hi, levels)
    blob, sizes = native.compacted(
        k, n, [np.ascontiguousarray(level, dtype=np.float64) for level in levels]
    )
    items = np.frombuffer(blob, dtype=np.float64)
    bounds = np.cumsum(sizes)[:-1]
    return KllState(k, n, lo, hi, tuple(np.split(items, bounds)))


def _compacted_numpy(
    k: int, n: int, lo: float, hi: float, levels: list[np.ndarray]
) -> KllState:
    levels = list(levels) or [np.empty(0, dtype=np.float64)]
    total = sum(int(level.size) for level in levels)
    while total > total_capacity(k, len(levels)):
        height = _lowest_full(k, levels)
        if height == len(levels) - 1:
            levels.append(np.empty(0, dtype=np.float64))
        cap = level_capacity(k, len(levels), height)
        kept, promoted = _compact(levels[height], cap // 4, _bit(n, height, levels))
        levels[height] = kept
        levels[height + 1] = _merge_sorted(levels[height + 1], promoted)
        total -= promoted.size
    while len(levels) > 1 and not levels[-1].size:
        levels.pop()
    return KllState(k, n, lo, hi, tuple(levels))


def _lowest_full(k: int, levels: list[np.ndarray]) -> int:
    for height, level in enumerate(levels):
        if level.size >= level_capacity(k, len(levels), height):
            return height
    # Over capacity with no level at its own capacity cannot happen (the capacities
    # add up to the total); compact the largest level all the same.
    return int(np.argmax([level.size for level in levels]))


def _compact(level: np.ndarray, ends: int, odd: int) -> tuple[np.ndarray, np.ndarray]:
    """Halve the middle of a sorted level: (items that stay, items promoted).

    The ``ends`` lowest and highest items stay, as does the first middle item when the
    middle has an odd length; of each following pair, item ``odd`` (0 or 1) is
    promoted with twice the weight.
    """
    size = int(level.size)
    ends = min(ends, max(0, (size - 2) // 2))
    middle = level[ends : size - ends]
    spare = middle.size % 2
    pairs = middle[spare:].reshape(-1, 2)
    kept = np.concatenate([level[:ends], middle[:spare], level[size - ends :]])
    return kept, np.ascontiguousarray(pairs[:, odd])


def _bit(n: int, height: int, levels: list[np.ndarray]) -> int:
    """A pseudo-random bit fixed by the sketch's size and the level (splitmix64)."""
    z = (n * 0x9E3779B97F4A7C15 + (height << 48) + levels[height].size) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return (z ^ (z >> 31)) & 1


# ------------------------------------------------------------------ format
def encode(state: KllState) -> bytes:
    """DataSketches' serialised ``kll_doubles_sketch`` of a state."""
    if state.n == 0:
        return _HEADER.pack(_PREAMBLE_SHORT, 1, _FAMILY, _FLAG_EMPTY, state.k, M, 0)
    if state.n == 1:
        head = _HEADER.pack(_PREAMBLE_SHORT, 2, _FAMILY, _FLAG_SINGLE, state.k, M, 0)
        return head + struct.pack("<d", state.min)
    num_levels = len(state.levels)
    capacity = total_capacity(state.k, num_levels)
    offsets = np.cumsum([0] + [level.size for level in state.levels[:-1]])
    offsets += capacity - state.retained
    return b"".join(
        [
            _HEADER.pack(
                _PREAMBLE_FULL, 1, _FAMILY, _FLAG_LEVEL_ZERO_SORTED, state.k, M, 0
            ),
            _FULL.pack(state.n, state.k, num_levels, 0),
            offsets.astype("<u4").tobytes(),
            struct.pack("<dd", state.min, state.max),
            np.concatenate(state.levels).astype("<f8").tobytes(),
        ]
    )


def decode(blob: bytes) -> KllState:
    """The state of a serialised ``kll_doubles_sketch`` (ours or DataSketches').

    Raises:
        ValueError: The bytes are not a KLL doubles sketch (the caller words it).
    """
    if len(blob) < _HEADER.size:
        raise ValueError("too short for a KLL sketch")
    preamble, _version, family, flags, k, m, _ = _HEADER.unpack_from(blob)
    if family != _FAMILY or m != M:
        raise ValueError("not a KLL sketch")
    if flags & _FLAG_EMPTY:
        return KllState(k, 0, 0.0, 0.0, ())
    if flags & _FLAG_SINGLE:
        (item,) = struct.unpack_from("<d", blob, _HEADER.size)
        return KllState(k, 1, item, item, (np.array([item]),))
    if preamble != _PREAMBLE_FULL:
        raise ValueError("unknown KLL preamble")
    n, _min_k, num_levels, _ = _FULL.unpack_from(blob, _HEADER.size)
    at = _HEADER.size + _FULL.size
    offsets = np.frombuffer(blob, dtype="<u4", count=num_levels, offset=at)
    at += 4 * num_levels
    lo, hi = struct.unpack_from("<dd", blob, at)
    at += 16
    capacity = total_capacity(k, num_levels)
    items = np.frombuffer(
        blob, dtype="<f8", count=capacity - int(offsets[0]), offset=at
    )
    bounds = [int(o) - int(offsets[0]) for o in offsets] + [items.size]
    levels = [
        items[bounds[h] : bounds[h + 1]].astype(np.float64) for h in range(num_levels)
    ]
    if not flags & _FLAG_LEVEL_ZERO_SORTED:
        levels[0] = np.sort(levels[0])
    return KllState(k, int(n), float(lo), float(hi), tuple(levels))
