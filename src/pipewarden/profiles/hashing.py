"""The hash behind distinct counts: Apache DataSketches' Theta hash, vectorised.

A value's hash is the first 64 bits of MurmurHash3_x64_128 (seed 9001, the
DataSketches default) of its canonical bytes, shifted right by one bit; this is
exactly what ``datasketches.update_theta_sketch.update`` computes, so a sketch built
here, by Spark, Druid or any DataSketches library from the same bytes is the same
sketch. The canonical bytes of a value, whatever engine holds it:

=============  =================================================================
integer        the value as a 64-bit little-endian integer (as DataSketches'
               ``update(int)``); unsigned values above 2**63 by their bits;
               128-bit values beyond 64 bits as the UTF-8 of their decimal text
float          the IEEE-754 double, little-endian, with -0.0 as 0.0; NaN is not
               hashed (as DataSketches' ``update(float)``, which takes -0.0 as 0.0)
boolean        false as the integer 0, true as 1
datetime       microseconds since 1970-01-01 UTC as a 64-bit integer (dates at
               midnight UTC)
string         the UTF-8 bytes; the empty string is hashed as zero bytes (where
               DataSketches' ``update(str)`` skips it, ``update(bytes)`` does not)
=============  =================================================================

An integer column and a float column hash 1 and 1.0 differently, as DataSketches does.

The hashes are computed by a small C module (``_murmur``, built at install where a C
compiler is found) or, without it, by numpy, block by block, about three times slower
on floats and four on strings; the two give the same hashes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import ModuleType

import numpy as np

_native: ModuleType | None
try:
    from pipewarden.profiles import _murmur as _native
except ImportError:  # built without a C compiler: numpy computes the same hashes
    _native = None

__all__ = [
    "SEED",
    "distinct_sorted",
    "hash_doubles",
    "hash_string_views",
    "hash_strings",
    "hash_words",
    "native",
    "sorted_unique",
]

SEED = 9001
"""DataSketches' default update seed."""

_U = np.uint64
_C1 = _U(0x87C37B91114253D5)
_C2 = _U(0x4CF5AD432745937F)
_F1 = _U(0xFF51AFD7ED558CCD)
_F2 = _U(0xC4CEB9FE1A85EC53)
_BLOCK = 1 << 15
"""Values hashed at a time: the temporaries stay in cache (ten times faster)."""
_ALL = 2**64 - 1
"""A bound every hash is below (they are below 2**63): no guessed bound."""
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [2**64 - 1], dtype=_U)
"""The low n bytes of a word, n = 0..8."""


def hash_words(
    words: np.ndarray, smallest: int | None = None, expected: float | None = None
) -> np.ndarray:
    """Theta hashes of 8-byte values, given as their little-endian uint64 words.

    Args:
        words: The canonical bytes of each value read as one uint64 (see the module
            docstring), e.g. ``ints.view(np.uint64)``.
        smallest: Keep only this many of the smallest distinct hashes (see
            ``_smallest``); None keeps every hash.
        expected: About how many distinct values there are, if known: the selection
            of the smallest then skips most hashes from the start. Any guess gives
            the same hashes (a wrong one costs a second pass).

    Returns:
        A new uint64 array: each value's hash, below 2**63, in the values' order;
        with ``smallest``, the smallest distinct ones, sorted.
    """
    return _hash8(np.ascontiguousarray(words, dtype=_U), False, smallest, expected)


def hash_doubles(
    values: np.ndarray, smallest: int | None = None, expected: float | None = None
) -> np.ndarray:
    """Theta hashes of float64 values (not NaN), with -0.0 hashed as 0.0.

    Args:
        values: The values; NaN must be left out first (it has no canonical bytes).
        smallest, expected: As for ``hash_words``.

    Returns:
        As ``hash_words``.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    return _hash8(values.view(_U), True, smallest, expected)


def hash_string_views(
    views: np.ndarray,
    data: list[np.ndarray],
    validity: np.ndarray | None,
    offset: int,
    count: int,
    smallest: int,
    expected: float | None = None,
) -> np.ndarray:
    """The smallest Theta hashes of an Arrow string-view array's non-null strings,
    read in place (Polars' own layout: no copy into offsets and one buffer).

    Args:
        views: The array's views buffer (16 bytes a string), as uint8.
        data: Its data buffers, as uint8.
        validity: Its validity bitmap as uint8, or None when nothing is null.
        offset, count: The array's slice of the views.
        smallest, expected: As for ``hash_words``.

    Returns:
        As ``hash_strings`` with ``smallest``.

    Raises:
        RuntimeError: Without the C module (``native()`` is False): the caller reads
            the strings as offsets and bytes for ``hash_strings`` instead.
    """
    native = _native
    if native is None:
        raise RuntimeError("string views are hashed by the C module only")
    return _native_smallest(
        lambda bound, out, tmp: native.smallest_views(
            views, data, validity, offset, count, SEED, smallest, bound, out, tmp
        ),
        smallest,
        expected,
    )


def native() -> bool:
    """Whether the hashes come from the C module (else numpy computes them)."""
    return _native is not None


def _smallest(hashes: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` smallest distinct values of ``hashes``, sorted.

    A sketch needs only these: a linear-time partition finds the values up to a cut,
    and only those few are sorted (sorting them all, or de-duplicating block by
    block, costs several times the hashing itself).
    """
    n = k
    while n < hashes.size:
        cut = np.partition(hashes, n)[n]
        kept = sorted_unique(hashes[hashes <= cut])
        if kept.size >= k:  # every distinct value up to the cut: the k smallest
            return kept[:k]
        n *= 4  # repeats among the smallest: look further
    return sorted_unique(hashes)[:k]


class _Smallest:
    """The ``k`` smallest distinct hashes of blocks fed one at a time.

    Once ``k`` distinct hashes are kept, a block's hashes above the largest of them
    cannot be among the ``k`` smallest: one comparison drops them, and only the few
    below are merged in. No array of every hash is made (such arrays, and the copy
    a partition of them takes, cost more in page faults than the hashing itself).
    """

    __slots__ = ("k", "kept")

    def __init__(self, k: int) -> None:
        self.k = k
        self.kept = np.empty(0, dtype=_U)

    def add(self, block: np.ndarray) -> None:
        """Take in a block of hashes (not kept: the caller may reuse it)."""
        kept = self.kept
        if kept.size < self.k:
            self.kept = _smallest(np.concatenate([kept, block]), self.k)
            return
        below = block[block <= kept[-1]]
        if below.size:  # few: merged into the sorted ones, repeats dropped
            below = np.sort(below)
            merged = np.insert(kept, np.searchsorted(kept, below), below)
            self.kept = distinct_sorted(merged)[: self.k]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values of a 1-d array, ascending (``np.unique`` without its hashing,
    which is about ten times slower on the few thousand hashes of a sketch)."""
    return distinct_sorted(np.sort(values))


def distinct_sorted(ordered: np.ndarray) -> np.ndarray:
    """The distinct values of an ascending array."""
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _hash8(
    words: np.ndarray, doubles: bool, smallest: int | None, expected: float | None
) -> np.ndarray:
    """MurmurHash3_x64_128 of 8-byte words: by the C module, or here a cache-sized
    block at a time; with ``doubles``, each block is first made canonical (-0.0 +
    0.0 is 0.0). With ``smallest``, each block's hashes go to a ``_Smallest``."""
    n = words.size
    native = _native
    if native is not None:
        if smallest is None:
            out = np.empty(n, dtype=_U)
            native.hash_words(words, out, doubles, SEED)
            return out
        return _native_smallest(
            lambda bound, out, tmp: native.smallest_words(
                words, doubles, SEED, smallest, bound, out, tmp
            ),
            smallest,
            expected,
        )
    keep = _Smallest(smallest) if smallest is not None else None
    ours, tmp, h2 = _scratch(min(_BLOCK, n), 3)
    out = ours if keep is not None else np.empty(n, dtype=_U)
    length = _U(SEED ^ 8)  # h1 and h2 start as the seed and take the length (8)
    for start in range(0, n, _BLOCK):
        block = words[start : start + _BLOCK]
        h1 = out[start : start + _BLOCK] if keep is None else out[: block.size]
        t, g = tmp[: h1.size], h2[: h1.size]
        if doubles:
            np.add(block.view(np.float64), 0.0, out=t.view(np.float64))
            block = t
        np.multiply(block, _C1, out=h1)
        _rotl(h1, 31, t)
        h1 *= _C2
        h1 ^= length  # h1 = seed ^ k1 ^ len
        h1 += length  # h1 += h2
        np.add(h1, length, out=g)  # h2 += h1
        _fmix(h1, t)
        _fmix(g, t)
        h1 += g
        h1 >>= _U(1)
        if keep is not None:
            keep.add(h1)
    return out if keep is None else keep.kept


def hash_strings(
    offsets: np.ndarray,
    data: np.ndarray,
    smallest: int | None = None,
    expected: float | None = None,
) -> np.ndarray:
    """Theta hashes of byte strings laid out as in Arrow (offsets into one buffer).

    Args:
        offsets: n + 1 int64 positions; string i is ``data[offsets[i]:offsets[i+1]]``.
        data: The bytes of all strings, as uint8.
        smallest, expected: As for ``hash_words``.

    Returns:
        The n hashes, each below 2**63, as ``hash_words`` returns them.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    data = np.asarray(data, dtype=np.uint8)
    n = offsets.size - 1
    out = np.empty(n if smallest is None else 0, dtype=_U)
    native = _native
    if native is not None:
        if smallest is None:
            native.hash_strings(offsets, data, out, SEED)
            return out
        return _native_smallest(
            lambda bound, out, tmp: native.smallest_strings(
                offsets, data, SEED, smallest, bound, out, tmp
            ),
            smallest,
            expected,
        )
    keep = _Smallest(smallest) if smallest is not None else None
    for i in range(0, n, _ROWS):
        bounds = offsets[i : i + _ROWS + 1]
        words = _words_of(data, int(bounds[0]), int(bounds[-1]))
        starts, lengths = bounds[:-1] - bounds[0], np.diff(bounds)
        if keep is None:
            _hash_rows(starts, lengths, words, out[i : i + lengths.size])
        else:
            keep.add(_hash_rows(starts, lengths, words))
    return out if keep is None else keep.kept


_ROWS = 1 << 13
"""Strings hashed at a time (their temporaries stay below malloc's mmap threshold,
so they are reused, not faulted in afresh for every block)."""


_local = threading.local()


def _scratch(size: int, count: int) -> list[np.ndarray]:
    """``count`` uint64 work arrays of ``size`` items, this thread's own, kept from
    call to call: allocating and freeing them each time costs page faults."""
    arrays: list[np.ndarray] = getattr(_local, "arrays", [])
    if len(arrays) < count or arrays[0].size < size:
        arrays = [np.empty(max(size, _BLOCK), dtype=_U) for _ in range(max(count, 3))]
        _local.arrays = arrays
    return [a[:size] for a in arrays[:count]]


def _native_smallest(
    select: Callable[[int, np.ndarray, np.ndarray], int],
    k: int,
    expected: float | None,
) -> np.ndarray:
    """The ``k`` smallest distinct hashes, by the C module's ``select(bound, out,
    tmp)``: first below a bound guessed from ``expected``, and if fewer than k fall
    below it, again without one."""
    if k < 1:
        return np.empty(0, dtype=_U)
    out, tmp = _scratch(_native_room(k), 2)
    bound = _bound(k, expected)
    kept = select(bound, out, tmp)
    if kept < k and bound != _ALL:  # guessed too low: all of them
        kept = select(_ALL, out, tmp)
    return out[:kept].copy()


def _bound(k: int, expected: float | None) -> int:
    """A bound the ``k`` smallest of about ``expected`` distinct hashes fall below,
    with room to spare: hashes are uniform below 2**63, so the k-th smallest is near
    k / expected of the way (within a few per cent at k = 4,096)."""
    if not expected or expected <= 2 * k:
        return _ALL
    return int(min(1.0, 1.5 * k / expected) * 2.0**63)


def _native_room(k: int) -> int:
    """Scratch the C selection of the ``k`` smallest hashes works in: hashes pile up
    below the current bound until it is full, then are sorted and cut back to k."""
    return max(4 * k, 1 << 12)


def _words_of(data: np.ndarray, begin: int, end: int) -> np.ndarray:
    """``words[i]``: the little-endian word starting at byte ``begin + i``, for
    every i up to ``end - begin``, with zeros past ``end`` (an unaligned view of
    ``data``; only the bytes near the end of the buffer are copied, to pad them)."""
    if end + 16 <= data.size:
        return np.ndarray(
            (end - begin + 9,), dtype="<u8", buffer=data, offset=begin, strides=(1,)
        )
    padded = np.zeros(end - begin + 16, dtype=np.uint8)
    padded[: end - begin] = data[begin:end]
    return np.ndarray((end - begin + 9,), dtype="<u8", buffer=padded, strides=(1,))


def _hash_rows(
    starts: np.ndarray,
    lengths: np.ndarray,
    words: np.ndarray,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """MurmurHash3_x64_128 (first half, shifted) of each string, 16-byte block by
    block; ``words[i]`` is the little-endian word starting at byte i.

    The rows are ordered by their number of whole blocks first, so the rows that
    still have a block ``b`` are a tail of them, worked on in place. With ``out``,
    the hashes are written there in the rows' order; without, they come back in
    the sorted order (fine for a sketch, which keeps only the smallest).
    """
    n = starts.size
    blocks = lengths >> 4
    top = int(blocks.max(initial=0))
    order = None
    if top and int(blocks.min()) != top:
        key = blocks.astype(np.uint16) if top < 1 << 16 else blocks
        order = np.argsort(key, kind="stable")
        starts, lengths, blocks = starts[order], lengths[order], blocks[order]
    h1, h2, t = _scratch(n, 3)
    h1.fill(SEED)
    h2.fill(SEED)
    firsts = np.searchsorted(blocks, np.arange(top), side="right")
    for b in range(top):
        i = int(firsts[b])  # rows i.. have a block b
        a1, a2, u = h1[i:], h2[i:], t[i:]
        base = starts[i:] + 16 * b
        k = words[base]
        _mix_k(k, 31, _C1, _C2, u)
        a1 ^= k
        _rotl(a1, 27, u)
        a1 += a2
        a1 *= _FIVE
        a1 += _U(0x52DCE729)
        base += 8
        k = words[base]
        _mix_k(k, 33, _C2, _C1, u)
        a2 ^= k
        _rotl(a2, 31, u)
        a2 += a1
        a2 *= _FIVE
        a2 += _U(0x38495AB5)
    tail = lengths & 15
    base = starts + 16 * blocks
    k = words[base]
    k &= _MASKS[np.minimum(tail, 8)]
    _mix_k(k, 31, _C1, _C2, t)
    h1 ^= k
    base += 8
    k = words[base]
    tail -= 8
    np.clip(tail, 0, 8, out=tail)
    k &= _MASKS[tail]
    _mix_k(k, 33, _C2, _C1, t)
    h2 ^= k
    k = lengths.astype(_U)
    h1 ^= k
    h2 ^= k
    h1 += h2
    h2 += h1
    _fmix(h1, t)
    _fmix(h2, t)
    h1 += h2
    h1 >>= _U(1)
    if out is None:
        return h1
    if order is None:
        out[:] = h1
    else:
        out[order] = h1
    return out


_FIVE = _U(5)


def _mix_k(
    k: np.ndarray, r: int, first: np.uint64, second: np.uint64, tmp: np.ndarray
) -> None:
    """A key word's mix, in place: times ``first``, rotated left by r, times ``second``."""
    k *= first
    _rotl(k, r, tmp)
    k *= second


def _rotl(x: np.ndarray, r: int, tmp: np.ndarray) -> None:
    """Rotate each word left by r bits, in place."""
    np.right_shift(x, _U(64 - r), out=tmp)
    x <<= _U(r)
    x |= tmp


def _fmix(k: np.ndarray, tmp: np.ndarray) -> None:
    """MurmurHash3's 64-bit finaliser, in place."""
    for factor in (_F1, _F2, None):
        np.right_shift(k, _U(33), out=tmp)
        k ^= tmp
        if factor is not None:
            k *= factor
