"""The row statistics of a free-text column in one compiled pass (``_textstats.c``).

What these Polars expressions give on the column's strings ``s``, from one read of
Polars' own string views (no copy), about ten times faster than the expressions:

==============  ==================================================================
count           ``s.len() - s.null_count()``
length_*        the sum, sum of squares, min and max of ``s.str.len_chars()``
with_space      ``s.str.contains(" ", literal=True).sum()``
padded          ``(s.str.strip_chars() != s).sum()`` (Unicode White_Space, first or
                last character)
may_read        the positions where ``s.str.contains(r"^[-+.0-9tTfF]")`` is true
==============  ==================================================================

It also counts a text column's values chunk after chunk (``ValueCounter``): each value
is numbered once, in a table the counter keeps, so a chunk's values are looked up
instead of grouped afresh (Polars' ``value_counts`` hashes every string again), and
the caller keeps each number's statistics.

The C module is built at install where a C compiler is found; without it (or with
PIPEWARDEN_PURE_PYTHON=1) ``text_stats`` returns None and callers use the expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from pipewarden.profiles.sketches import Moments

_native: ModuleType | None
try:
    from pipewarden.engines import _textstats as _native
except ImportError:  # built without a C compiler: the Polars expressions instead
    _native = None

__all__ = [
    "TextStats",
    "ValueCounter",
    "native",
    "string_views",
    "text_stats",
    "view_buffers",
]


def native() -> bool:
    """Whether ``text_stats`` computes (else it returns None)."""
    return _native is not None


@dataclass(frozen=True, slots=True, eq=False)
class TextStats:
    """A string column's statistics (see the module docstring); lengths in characters
    (Unicode scalar values), nulls left out of all of them."""

    count: int
    """Non-null values."""
    length_sum: int
    length_sq: int
    """The sum of the squared lengths, exact."""
    length_min: int | None
    """None when ``count`` is 0, as ``length_max``."""
    length_max: int | None
    with_space: int
    """Values holding the ASCII space anywhere."""
    padded: int
    """Values whose first or last character is whitespace."""
    may_read: np.ndarray
    """The int64 positions (0-based in the series, ascending) of the values whose first
    byte is one of ``- + . 0-9 t T f F``: the only ones that may read as a kind."""

    def moments(self) -> Moments:
        """The moments of the lengths, from the exact integer sums (one rounding each
        for the mean and ``m2``)."""
        n = self.count
        if n == 0 or self.length_min is None or self.length_max is None:
            return Moments()
        total = self.length_sum
        return Moments(
            n,
            total / n,
            (n * self.length_sq - total * total) / n,
            float(self.length_min),
            float(self.length_max),
        )


_EMPTY = np.empty(0, dtype=np.int64)


def text_stats(series: pl.Series) -> TextStats | None:
    """The statistics of a column of strings (or categories, or anything Polars casts
    to strings), read in place; None when the C module is not built: callers then
    use Polars expressions."""
    native = _native
    if native is None:
        return None
    n = total = squares = space = padded = 0
    lo: int | None = None
    hi: int | None = None
    picks, start = [], 0
    for chunk in string_views(series):
        count = len(chunk)
        if count > chunk.null_count:  # views may be absent when every value is null
            out = np.empty(count, dtype=np.int64)
            got = native.text_stats(*view_buffers(chunk), chunk.offset, count, out)
            n, total, squares = n + got[0], total + got[1], squares + got[2]
            lo = got[3] if lo is None else min(lo, got[3])
            hi = got[4] if hi is None else max(hi, got[4])
            space, padded = space + got[5], padded + got[6]
            picked = out[: got[7]]
            if start:  # positions in the column, in an array of their own
                picked = picked + start
            elif 4 * picked.size < count:  # few (free text): not a view of one per row
                picked = picked.copy()
            picks.append(picked)
        start += count
    if not picks:
        return TextStats(0, 0, 0, None, None, 0, 0, _EMPTY.copy())
    may_read = np.concatenate(picks) if len(picks) > 1 else picks[0]
    return TextStats(n, total, squares, lo, hi, space, padded, may_read)


class ValueCounter:
    """A text column's distinct values, numbered from 0 in the order first counted,
    and how often each occurred in the values counted since ``take`` (the C module's
    ``ValueTable``; None from ``counter`` without it).

    The table holds the values themselves and stops growing at the ``limit`` bytes a
    ``count`` allows: values it then lacks are not counted but returned. One thread at
    a time: callers serialize their use of a counter.
    """

    def __init__(self, table: Any) -> None:
        self._table = table

    @property
    def size(self) -> int:
        """How many values are numbered."""
        return int(self._table.size)

    @property
    def nbytes(self) -> int:
        """The memory the table holds."""
        return int(self._table.nbytes)

    def count(self, series: pl.Series, limit: int) -> np.ndarray:
        """Counts the non-null values of ``series`` (strings); the int64 positions of
        those the table lacks and had no room for within ``limit`` bytes (uncounted)."""
        missed, start = [], 0
        for chunk in string_views(series):
            count = len(chunk)
            if count > chunk.null_count:  # views may be absent when all are null
                out = np.empty(count, dtype=np.int64)
                lacked = self._table.count(
                    *view_buffers(chunk), chunk.offset, count, limit, out
                )
                if lacked:
                    missed.append(out[:lacked] + start)
            start += count
        return np.concatenate(missed) if missed else _EMPTY.copy()

    def take(self) -> np.ndarray:
        """Each numbered value's count (int64, by number) since the last ``take``."""
        return np.frombuffer(self._table.take_counts(), dtype=np.int64)

    def values(self, start: int, end: int) -> pl.Series:
        """The values numbered ``start`` to ``end - 1``, as a String series."""
        return pl.Series("value", self._table.values(start, end), dtype=pl.String)


def counter() -> ValueCounter | None:
    """A new, empty ``ValueCounter``; None without the C module."""
    return None if _native is None else ValueCounter(_native.ValueTable())


def string_views(series: pl.Series) -> list[pa.Array]:
    """A column's strings as Arrow string-view arrays, one per Polars chunk, each
    exported in place. (Exporting a column of several chunks whole joins them first:
    a copy of every view, 1-3 ms a column of 262,144 values.)"""
    arrays = []
    for part in series.cast(pl.String).get_chunks():
        values = part.to_arrow(compat_level=pl.CompatLevel.newest())
        chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
        for chunk in chunks:
            if not pa.types.is_string_view(chunk.type):
                chunk = chunk.cast(pa.string_view())
            arrays.append(chunk)
    return arrays


def view_buffers(
    array: pa.Array,
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray | None]:
    """A string-view array's buffers as the C modules take them: its views, its data
    buffers and its validity bitmap (None: no value is null), as uint8, in place. The
    array must hold a value that is not null (else the views may be absent)."""
    validity, views, *data = array.buffers()
    return (
        np.frombuffer(views, dtype=np.uint8),
        [np.frombuffer(d, dtype=np.uint8) for d in data],
        None if validity is None else np.frombuffer(validity, dtype=np.uint8),
    )
