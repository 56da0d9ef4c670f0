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
"""

from __future__ import annotations

import numpy as np

__all__ = ["SEED", "hash_doubles", "hash_strings", "hash_words", "sorted_unique"]

SEED = 9001
"""DataSketches' default update seed."""

_U = np.uint64
_C1 = _U(0x87C37B91114253D5)
_C2 = _U(0x4CF5AD432745937F)
_F1 = _U(0xFF51AFD7ED558CCD)
_F2 = _U(0xC4CEB9FE1A85EC53)
_BLOCK = 1 << 15
"""Values hashed at a time: the temporaries stay in cache (ten times faster)."""
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [2**64 - 1], dtype=_U)
"""The low n bytes of a word, n = 0..8."""


def hash_words(words: np.ndarray, smallest: int | None = None) -> np.ndarray:
    """Theta hashes of 8-byte values, given as their little-endian uint64 words.

    Args:
        words: The canonical bytes of each value read as one uint64 (see the module
            docstring), e.g. ``ints.view(np.uint64)``.
        smallest: Keep only this many of the smallest distinct hashes (see
            ``_smallest``); None keeps every hash.

    Returns:
        A new uint64 array: each value's hash, below 2**63, in the values' order;
        with ``smallest``, the smallest distinct ones, sorted.
    """
    return _hash8(np.ascontiguousarray(words, dtype=_U), False, smallest)


def hash_doubles(values: np.ndarray, smallest: int | None = None) -> np.ndarray:
    """Theta hashes of float64 values (not NaN), with -0.0 hashed as 0.0.

    Args:
        values: The values; NaN must be left out first (it has no canonical bytes).
        smallest: As for ``hash_words``.

    Returns:
        As ``hash_words``.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    return _hash8(values.view(_U), True, smallest)


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


def _hash8(words: np.ndarray, doubles: bool, smallest: int | None) -> np.ndarray:
    """MurmurHash3_x64_128 of 8-byte words, a cache-sized block at a time; with
    ``doubles``, each block is first made canonical (-0.0 + 0.0 is 0.0)."""
    out = np.empty(words.size, dtype=_U)
    tmp = np.empty(min(_BLOCK, words.size), dtype=_U)
    h2 = np.empty_like(tmp)
    length = _U(SEED ^ 8)  # h1 and h2 start as the seed and take the length (8)
    for start in range(0, words.size, _BLOCK):
        h1 = out[start : start + _BLOCK]
        t, g = tmp[: h1.size], h2[: h1.size]
        block = words[start : start + _BLOCK]
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
    return out if smallest is None else _smallest(out, smallest)


def hash_strings(
    offsets: np.ndarray, data: np.ndarray, smallest: int | None = None
) -> np.ndarray:
    """Theta hashes of byte strings laid out as in Arrow (offsets into one buffer).

    Args:
        offsets: n + 1 int64 positions; string i is ``data[offsets[i]:offsets[i+1]]``.
        data: The bytes of all strings, as uint8.
        smallest: As for ``hash_words``.

    Returns:
        The n hashes, each below 2**63, as ``hash_words`` returns them.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    end = int(offsets[-1])
    padded = np.zeros(end + 16, dtype=np.uint8)
    padded[:end] = np.asarray(data, dtype=np.uint8)[:end]
    # The word starting at every byte: an unaligned view, read by position.
    words = np.ndarray((end + 9,), dtype="<u8", buffer=padded, strides=(1,))
    lengths = np.diff(offsets)
    out = np.empty(lengths.size, dtype=_U)
    for i in range(0, lengths.size, _ROWS):
        rows = slice(i, i + _ROWS)
        out[rows] = _hash_rows(offsets[:-1][rows], lengths[rows], words)
    return out if smallest is None else _smallest(out, smallest)


_ROWS = 1 << 14
"""Strings hashed at a time."""


def _hash_rows(
    starts: np.ndarray, lengths: np.ndarray, words: np.ndarray
) -> np.ndarray:
    """MurmurHash3_x64_128 (first half, shifted) of each string, block by block;
    ``words[i]`` is the little-endian word starting at byte i."""
    h1 = np.full(starts.size, SEED, dtype=_U)
    h2 = h1.copy()
    blocks = lengths // 16
    for b in range(int(blocks.max(initial=0))):
        at = np.flatnonzero(blocks > b)
        base = starts[at] + 16 * b
        a1, a2 = _mix_block(h1[at], h2[at], words[base], words[base + 8])
        h1[at], h2[at] = a1, a2
    tail = lengths % 16
    base = starts + 16 * blocks
    k1 = words[base] & _MASKS[np.minimum(tail, 8)]
    k2 = words[base + 8] & _MASKS[np.clip(tail - 8, 0, 8)]
    return _finalize(h1, h2, k1, k2, lengths)


def _finalize(
    h1: np.ndarray, h2: np.ndarray, k1: np.ndarray, k2: np.ndarray, lengths: np.ndarray
) -> np.ndarray:
    """Mix in the tail words and the length; the first 64 bits, shifted right."""
    h1 = h1 ^ _mix_k1(k1)
    h2 = h2 ^ _mix_k2(k2)
    n = lengths.astype(_U)
    h1 ^= n
    h2 ^= n
    h1 += h2
    h2 += h1
    t = np.empty_like(h1)
    _fmix(h1, t)
    _fmix(h2, t)
    h1 += h2
    h1 >>= _U(1)
    return h1


def _mix_k1(k1: np.ndarray) -> np.ndarray:
    k1 = k1 * _C1
    k1 = (k1 << _U(31)) | (k1 >> _U(33))
    return k1 * _C2


def _mix_k2(k2: np.ndarray) -> np.ndarray:
    k2 = k2 * _C2
    k2 = (k2 << _U(33)) | (k2 >> _U(31))
    return k2 * _C1


def _mix_block(
    h1: np.ndarray, h2: np.ndarray, k1: np.ndarray, k2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    h1 = h1 ^ _mix_k1(k1)
    h1 = (h1 << _U(27)) | (h1 >> _U(37))
    h1 = (h1 + h2) * _U(5) + _U(0x52DCE729)
    h2 = h2 ^ _mix_k2(k2)
    h2 = (h2 << _U(31)) | (h2 >> _U(33))
    h2 = (h2 + h1) * _U(5) + _U(0x38495AB5)
    return h1, h2


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
