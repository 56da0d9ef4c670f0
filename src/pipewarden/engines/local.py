"""The local engine: one vectorised Polars pass per chunk, merged into one profile."""

from __future__ import annotations

import heapq
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from pipewarden._concurrent import ordered_map
from pipewarden._polars import is_pattern
from pipewarden.engines import _segments, _text
from pipewarden.profiles import hashing
from pipewarden.profiles.column import ColumnProfile, Physical
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.readings import (
    EXAMPLE_CHARS,
    EXAMPLES,
    ISO_DATETIME,
    READ_KINDS,
    Reading,
    TextReadings,
    iso_datetime,
    reads_as,
)
from pipewarden.profiles.sketches import (
    FREQUENT_EXACT_LIMIT,
    KMV_K,
    Distinct,
    Frequent,
    Moments,
    Quantiles,
    TimeGaps,
)

PROBE_SEED = 0x5EED
"""Seed of Polars' hash, which only guides a chunk's plan (never stored: Polars does
not promise a stable hash). Distinct counts use ``profiles.hashing``."""
FREQUENT_TOP = 2 * FREQUENT_EXACT_LIMIT
"""Values counted individually per chunk once a column has many distinct values."""
EXAMPLE_SCAN_ROWS = 10_000
"""Rows scanned for examples of values that do not read as a kind."""
TEXT_SAMPLE_ROWS = 2_000
"""Leading rows of a chunk whose lengths and spaces tell free text from categories."""
_SMALLEST = KMV_K + 2
"""Hashes of a chunk's column kept for its distinct-count sketch (see _theta_hashes)."""
PREPARING = 2
"""Chunks whose Polars work runs at once on a machine with two cores or more."""
_CHEAP_KINDS = ("integer", "float", "boolean")
"""Kinds a free-text or id column is read as row by row; datetimes only when some
value has the ISO shape (the parse costs about a regex match per value)."""


def physical_of(dtype: pl.DataType) -> Physical:
    """Map a Polars dtype to its storage family."""
    if dtype.is_integer():
        return Physical.INTEGER
    if dtype.is_float() or dtype.is_decimal():
        return Physical.FLOAT
    if dtype == pl.Boolean:
        return Physical.BOOLEAN
    if dtype in (pl.String, pl.Categorical, pl.Enum) or isinstance(
        dtype, pl.Categorical | pl.Enum
    ):
        return Physical.STRING
    if dtype.is_temporal() and dtype != pl.Time and not isinstance(dtype, pl.Duration):
        return Physical.DATETIME
    return Physical.OTHER


class LocalEngine:
    """Profiles Polars frames chunk by chunk."""

    name = "local"
    reads_ahead = True  # it pulls the next chunk while earlier ones are prepared

    def profile_frames(
        self, frames: Iterable[pl.DataFrame], segments: Sequence[str] | None = None
    ) -> DatasetProfile:
        """Profile every chunk and merge: the profile of all chunks together.

        ``PREPARING`` chunks get their Polars work at once, each in a thread of its
        own (Polars releases the GIL, so one chunk's Python runs while another's
        Polars does); the quantile sketches and hashes of each prepared chunk then
        run in a sketch thread and a hashing pool, in chunk order. With
        ``segments``, each segment column's most frequent values also get a
        profile of their own (``DatasetProfile.segments``).
        """
        total = DatasetProfile.zero()
        plan = _Plan()
        finishing: Future[DatasetProfile] | None = None
        cores = os.cpu_count() or 2
        at_once = _preparing(cores)

        def prepare_one(frame: pl.DataFrame) -> _Chunk:
            # Planned from the latest chunk prepared when this one starts.
            return _prepare_chunk(frame, plan, segments or ())

        with (
            ThreadPoolExecutor(
                max_workers=at_once, thread_name_prefix="pw-prepare"
            ) as prepare,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="pw-sketch") as pool,
            ThreadPoolExecutor(
                max_workers=max(1, cores - 1), thread_name_prefix="pw-hash"
            ) as hashing,
        ):
            # The next chunk is read only once the oldest is prepared.
            for chunk in ordered_map(prepare, prepare_one, frames, at_once):
                plan = chunk.plan
                if finishing is not None:
                    total = total.merge(finishing.result())
                finishing = pool.submit(
                    _finish_segmented, chunk.prepared, chunk.parts, hashing
                )
            if finishing is not None:
                total = total.merge(finishing.result())
        return _segments.cap_segments(total) if segments else total

    def profile_frame(
        self, frame: pl.DataFrame, segments: Sequence[str] | None = None
    ) -> DatasetProfile:
        """Profile one in-memory chunk (and its segments, see ``profile_frames``)."""
        return (
            self.profile_frames([frame], segments)
            if segments
            else _finish(_prepare(frame))
        )


def _preparing(cores: int) -> int:
    """Chunks prepared at once: two when there are two cores or more (each one
    more chunk held in memory, see ``io._budget``)."""
    return PREPARING if cores > 1 else 1


@dataclass(frozen=True, slots=True)
class _Chunk:
    """A prepared chunk, its segments' parts, and the plan it decided."""

    prepared: _Prepared
    parts: list[tuple[str, str, _Prepared]]
    plan: _Plan


def _prepare_chunk(
    frame: pl.DataFrame, expected: _Plan, segments: Sequence[str]
) -> _Chunk:
    prepared, plan = _prepare_planned(frame, expected)
    parts = [(c, v, _prepare(f)) for c, v, f in _segments.split(frame, segments)]
    return _Chunk(prepared, parts, plan)


def _finish_segmented(
    prepared: _Prepared, parts: list[tuple[str, str, _Prepared]], hashing: Executor
) -> DatasetProfile:
    profile = _finish(prepared, hashing)
    if not parts:
        return profile
    return _segments.attach(profile, [(c, v, _finish(p, hashing)) for c, v, p in parts])


@dataclass(frozen=True, slots=True)
class _Plan:
    """Which columns a chunk counted and which it treated as free text or ids, and
    the statistics of each counted text column's values so far (``_value_stats``)."""

    counted: tuple[str, ...] = ()
    wordy: tuple[str, ...] = ()
    known: Mapping[str, _Kept] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Unhashed:
    """A column whose distinct count is sketched in ``_finish``: hashing every value
    holds the GIL only in part, so it overlaps the next chunk's Polars work."""

    values: pl.Series
    physical: Physical
    repeats: bool = False
    """The probe says most values repeat: hash each distinct value once (Polars'
    ``unique`` costs a fraction of hashing them all)."""
    canonical: np.ndarray | None = None
    """The distinct values as ``_canonical`` gives them, when the row pass has them
    already (a datetime column's sorted times): hashed as they are, without
    extracting them from the column again."""
    expected: float | None = None
    """The probe's estimate of the distinct values, if it has one: the hashing then
    skips most hashes at once (``profiles.hashing``; the same hashes either way)."""

    def sketch(self) -> Distinct:
        if self.canonical is not None:
            return Distinct.from_hashes(_theta_hashes(self.canonical, self.expected))
        values = self.values.unique() if self.repeats else self.values
        return Distinct.from_hashes(_hashes_of(values, self.physical, self.expected))


def _unhashed(series: pl.Series, ph: Physical, row: dict[str, Any]) -> _Unhashed:
    """A column to hash in ``_finish``; with ``repeats`` when the chunk's probe
    sketch counts fewer distinct values than half its non-null ones."""
    name = _k(series.name, "kmv")
    non_null = series.len() - series.null_count()
    estimate = (
        _probe_estimate(row[name])
        if name in row and _kmv_is_complete(series.name, row)
        else None
    )
    repeats = estimate is not None and estimate <= non_null / 2
    return _Unhashed(series, ph, repeats, None, estimate)


def _distinct_times(name: str, row: dict[str, Any]) -> np.ndarray:
    """A datetime column's distinct times as ``_canonical`` gives them: the row pass
    has them sorted, as microseconds since the epoch (only distinct hashes count)."""
    times = np.asarray(row[_k(name, "time")], dtype=np.int64)
    return hashing.distinct_sorted(times).view(np.uint64)


@dataclass(frozen=True, slots=True)
class _Measured:
    """A float column's finite values, sketched in ``_finish``: sorted once
    (``_ascending``), they give both its quantiles and its distinct values.

    A column whose rows repeat a few values gets their exact distribution from their
    counts, as a counted column would; any other gets a KLL sketch. The distinct
    values are hashed once each, unless NaN or infinities were dropped from
    ``values``: then ``unhashed`` hashes the column itself (infinities count).
    """

    values: np.ndarray
    rows: int
    """The column's values that are not null nor NaN (infinities included)."""
    unhashed: _Unhashed | None = None

    def sketch(self) -> tuple[Quantiles, Distinct]:
        # Sorted in this thread's scratch: nothing below keeps x (the sketches copy
        # what they keep), and a fresh megabyte a column costs its page faults.
        x = _ascending(self.values, _scratch(self.values.size))
        first = np.empty(x.size, dtype=bool)  # where each distinct value starts
        first[:1] = True
        np.not_equal(x[1:], x[:-1], out=first[1:])
        distinct = int(np.count_nonzero(first))
        if self.rows >= 2 * KMV_K and distinct < KMV_K:  # a few, repeated
            counts = np.diff(np.r_[np.flatnonzero(first), x.size])
            quantiles = Quantiles.from_counts(x[first], counts)
        else:
            quantiles = Quantiles.from_sorted(x)
        if self.unhashed is not None:
            return quantiles, self.unhashed.sketch()
        # Equal values hash alike: when most are distinct, all of them are hashed
        # rather than gathered first.
        hashed = x if 2 * distinct > x.size else x[first]
        return quantiles, Distinct.from_hashes(_theta_hashes(hashed, float(distinct)))


_SCRATCH = threading.local()


def _scratch(size: int) -> np.ndarray:
    """This thread's float64 scratch of ``size`` items, overwritten by its next call
    (kept from call to call, grown when too small): for values sorted only to be
    sketched (the sketches copy what they keep)."""
    held: np.ndarray | None = getattr(_SCRATCH, "floats", None)
    if held is None or held.size < size:
        held = np.empty(size, dtype=np.float64)
        _SCRATCH.floats = held
    return held[:size]


@dataclass(slots=True)
class _Prepared:
    """A chunk's Polars results, before the (GIL-bound) quantile sketches."""

    rows: int
    columns: dict[str, dict[str, Any]]


def _prepare(frame: pl.DataFrame) -> _Prepared:
    """All Polars work on one chunk: a few parallel selects, no per-row Python."""
    return _prepare_planned(frame, None)[0]


def _prepare_planned(
    frame: pl.DataFrame, expected: _Plan | None
) -> tuple[_Prepared, _Plan]:
    """``_prepare``, guessing from the previous chunk's plan what to count.

    The row statistics decide which columns get value counts and which are free
    text or ids. Consecutive chunks almost always decide alike, so the counts and
    text statistics the previous chunk needed are computed in the same select as
    the row statistics; whatever this chunk decides differently is computed after
    it. The profile is the same either way: the guess only saves a second select.
    """
    if frame.width == 0:
        return _Prepared(frame.height, {}), _Plan()
    frame, named = _literal_names(frame)
    schema = frame.schema  # built anew on every access: read it once
    physicals = {name: physical_of(dtype) for name, dtype in schema.items()}
    guess = expected or _Plan()
    guess_counted = [n for n in guess.counted if n in physicals]
    guess_wordy = [n for n in guess.wordy if physicals.get(n) is Physical.STRING]
    # Columns counted in this select get their probe from the counts instead.
    probed = [n for n in guess_counted if physicals[n] in _PROBED]
    # Text columns are counted after it, by the counters the plan keeps.
    tabled = [n for n in guess_counted if _tabled(schema[n])]
    packed = frame.select(
        [
            e
            for name, ph in physicals.items()
            for e in _row_exprs(
                name,
                ph,
                schema[name],
                with_values=name not in guess_counted,
                with_probe=name not in probed,
            )
        ]
        + _count_exprs(frame, [n for n in guess_counted if n not in tabled])
        + [e for n in guess_wordy for e in _wordy_exprs(n)]
    )
    known: dict[str, _Kept] = {}
    selected = [n for n in guess_counted if n not in tabled]
    counts = _with_known(
        _unpacked_counts(packed, selected), physicals, guess.known, known
    ) | _tabled_counts(frame, tabled, guess.known, known)
    row = _one_row(packed.drop(selected))
    for name in probed:
        row.update(_probe_of_counts(name, counts[name]))
    _refine_non_finite(frame, physicals, row)
    counted = [
        n
        for n, ph in physicals.items()
        if _counts_values(n, ph, row, frame.height - int(row[_k(n, "nulls")]))
    ]
    wordy = [
        n for n, ph in physicals.items() if ph is Physical.STRING and n not in counted
    ]
    missing = [
        _values_expr(n, ph)
        for n, ph in physicals.items()
        if ph is Physical.INTEGER and n not in counted and _k(n, "values") not in row
    ]
    if missing:  # expected to be counted, but this chunk is not: its values after all
        row.update(_one_row(frame.select(missing)))
    uncounted = [n for n in counted if n not in counts]
    polars_counts, words = _second_pass(
        frame,
        [n for n in uncounted if not _tabled(schema[n])],
        [n for n in wordy if n not in guess_wordy],
    )
    more_counts = _with_known(
        polars_counts, physicals, guess.known, known
    ) | _tabled_counts(
        frame, [n for n in uncounted if _tabled(schema[n])], guess.known, known
    )
    counts = {n: counts[n] for n in counted if n in counts} | more_counts
    known = {n: known[n] for n in counted if n in known}
    words = row | words
    columns = {}
    for name, ph in physicals.items():
        parts = _base_parts(frame, name, ph, row)
        got = counts.get(name)
        if isinstance(got, _TextCounts):
            parts.update(_string_parts(got, frame.height - parts["nulls"]))
        elif ph is Physical.STRING:
            parts.update(_wordy_parts(frame, name, row, words))
        elif got is not None:
            parts.update(_counted_parts(got, parts["rows"] - parts["nulls"]))
        elif ph in (Physical.INTEGER, Physical.BOOLEAN):
            parts["distinct"] = _unhashed(frame.get_column(name), ph, row)
            parts["frequent"] = Frequent.untracked(parts["rows"] - parts["nulls"])
        columns[name] = parts
    if named:
        columns = {
            named.get(n, n): {**parts, "name": named.get(n, n)}
            for n, parts in columns.items()
        }
    return _Prepared(frame.height, columns), _Plan(tuple(counted), tuple(wordy), known)


def _literal_names(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame with each column that ``pl.col`` would read as a pattern (``*``,
    ``^...$``) renamed by its position, and the way back to the real names: the
    engine's many ``pl.col(name)`` then need no ``_polars.column`` each."""
    odd = {name: f"\x1f{i}" for i, name in enumerate(frame.columns) if is_pattern(name)}
    if not odd:
        return frame, {}
    return frame.rename(odd), {safe: name for name, safe in odd.items()}


def _finish(prepared: _Prepared, hashing: Executor | None = None) -> DatasetProfile:
    """The sketches that need numpy arrays: KLL quantiles, time gaps, distinct counts.

    With ``hashing``, the columns' sorts and hashes (which release the GIL) run there
    as jobs, in parallel with each other and with this thread's time gaps; this
    thread then runs the jobs no worker has started yet.
    """
    jobs: dict[tuple[str, str], Callable[[], Any]] = {}
    for name, parts in prepared.columns.items():
        quantiles, distinct = parts.get("quantiles"), parts.get("distinct")
        if isinstance(quantiles, _Measured):
            jobs[name, "measured"] = quantiles.sketch
        elif isinstance(quantiles, np.ndarray):
            jobs[name, "quantiles"] = partial(_sorted_quantiles, quantiles)
        if isinstance(distinct, _Unhashed):
            jobs[name, "distinct"] = distinct.sketch
    pending = {key: hashing.submit(job) for key, job in jobs.items()} if hashing else {}
    for parts in prepared.columns.values():
        if isinstance(parts.get("time"), np.ndarray):
            times = parts["time"]
            steps = np.diff(times)
            # Rows sharing a timestamp (many devices per tick) are one tick: the
            # cadence is the spacing of distinct times.
            seconds = steps[steps > 0].astype(np.float64) / 1e6
            parts["intervals"] = Quantiles.from_sorted(
                _ascending(seconds, _scratch(seconds.size))
            )
            parts["time"] = TimeGaps.from_sorted(times, steps)
    done = {
        key: jobs[key]()
        for key in reversed(jobs)  # the workers take them from the front
        if key not in pending or pending[key].cancel()
    }
    for name, part in jobs:
        key = (name, part)
        got = done[key] if key in done else pending[key].result()
        parts = prepared.columns[name]
        if part == "measured":
            parts["quantiles"], parts["distinct"] = got
        else:
            parts[part] = got
    return DatasetProfile(
        prepared.rows,
        {name: ColumnProfile(**parts) for name, parts in prepared.columns.items()},
    )


def _sorted_quantiles(values: np.ndarray) -> Quantiles:
    return Quantiles.from_sorted(_ascending(values, _scratch(values.size)))


def _ascending(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Finite float64 ``values`` in ascending order (a copy, in ``out`` if given),
    -0.0 before 0.0.

    numpy's sort (SIMD, x86-simd-sort or Highway) takes ~5 ns a value on 140,000
    floats, where Polars' sort of the floats as integers took 20; it leaves -0.0 and
    0.0 in any order among themselves, so the zeros are written again, negative
    ones first: one order only, and so the same sketch bytes in every run.
    """
    if out is None:
        ordered = np.sort(np.asarray(values, dtype=np.float64))
    else:
        ordered = out
        ordered[...] = values
        ordered.sort()
    lo = int(np.searchsorted(ordered, 0.0, side="left"))
    hi = int(np.searchsorted(ordered, 0.0, side="right"))
    if hi - lo > 1:
        negative = int(np.count_nonzero(np.signbit(ordered[lo:hi])))
        if 0 < negative < hi - lo:
            ordered[lo : lo + negative] = -0.0
            ordered[lo + negative : hi] = 0.0
    return ordered


# ------------------------------------------------------------------ row-level pass
def _k(name: str, stat: str) -> str:
    return f"{name}\x1f{stat}"


def _row_exprs(
    name: str,
    ph: Physical,
    dtype: pl.DataType,
    with_values: bool = True,
    with_probe: bool = True,
) -> list[pl.Expr]:
    """Statistics computed over the rows of a column, all in one parallel select.

    Numeric columns also hand over their values for the quantile sketch (unless
    ``with_values`` is False: a column expected to be counted gets exact quantiles from its
    counts) and datetime columns their sorted times; strings get their statistics
    from value counts, or for free text and ids in ``_wordy_parts``. Without
    ``with_probe``, the probe sketch is left to ``_probe_of_counts``.
    """
    col = pl.col(name)
    out = [col.null_count().alias(_k(name, "nulls"))]
    if ph is Physical.BOOLEAN:
        out += [col.count().alias(_k(name, "n")), col.sum().alias(_k(name, "true"))]
    if ph in (Physical.INTEGER, Physical.FLOAT):
        # Moments over every non-null value; a float column that holds NaN or
        # infinities gets them again over its finite values (_refine_non_finite).
        x = col.cast(pl.Float64) if ph is Physical.FLOAT else col
        out += _moment_exprs(x, name)
        if with_values:
            out.append(_values_expr(name, ph))
    if ph is Physical.STRING:
        head = col.head(TEXT_SAMPLE_ROWS).cast(pl.String)
        out += [
            head.str.len_chars().mean().alias(_k(name, "head_len")),
            head.str.contains(" ", literal=True).mean().alias(_k(name, "head_space")),
        ]
    if ph is Physical.DATETIME:
        t = col
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            t = t.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        micros = t.cast(pl.Datetime("us")).cast(pl.Int64).drop_nulls().sort()
        out.append(micros.implode().alias(_k(name, "time")))
    if ph in _PROBED and with_probe:
        values = col.drop_nulls()
        if ph is Physical.STRING:  # Categorical/Enum hash unlike the String counts do
            values = values.cast(pl.String)
        # The 2K smallest hashes, not de-duplicated (five times cheaper than unique):
        # when they hold K distinct values, those are the column's K smallest.
        out.append(
            values.hash(PROBE_SEED).bottom_k(2 * KMV_K).implode().alias(_k(name, "kmv"))
        )
    return out


def _moment_exprs(x: pl.Expr, name: str) -> list[pl.Expr]:
    return [
        x.count().alias(_k(name, "n")),
        x.mean().alias(_k(name, "mean")),
        x.var().alias(_k(name, "var")),
        x.min().alias(_k(name, "min")),
        x.max().alias(_k(name, "max")),
    ]


def _values_expr(name: str, ph: Physical) -> pl.Expr:
    """A numeric column's non-null values as float64, as a list (sorted later,
    ``_ascending``)."""
    x = pl.col(name).cast(pl.Float64) if ph is Physical.FLOAT else pl.col(name)
    return x.drop_nulls().cast(pl.Float64).implode().alias(_k(name, "values"))


def _refine_non_finite(
    frame: pl.DataFrame, physicals: dict[str, Physical], row: dict[str, Any]
) -> None:
    """Float columns holding NaN or infinities: moments and values of the finite ones.

    Rare, so the first select skips the filter that this needs. Whether a column
    holds any (``nonfinite``) follows from its moments: NaN makes the mean NaN, and
    an infinity is the minimum or the maximum (polars' skip NaN). A sum that
    overflows flags finite values too, and this then computes the same moments.
    """
    exprs = []
    for name, ph in physicals.items():
        if ph is not Physical.FLOAT:
            continue
        stats = (row[_k(name, stat)] for stat in ("mean", "min", "max"))
        nonfinite = any(v is not None and not math.isfinite(v) for v in stats)
        row[_k(name, "nonfinite")] = nonfinite
        if not nonfinite:
            continue
        x = pl.col(name).cast(pl.Float64)
        finite = x.filter(x.is_finite())
        exprs += [
            *_moment_exprs(finite, name),
            x.is_nan().sum().alias(_k(name, "nan")),
            (x == float("inf")).sum().alias(_k(name, "posinf")),
            (x == float("-inf")).sum().alias(_k(name, "neginf")),
            finite.implode().alias(_k(name, "values")),
        ]
    if exprs:
        row.update(_one_row(frame.select(exprs)))


def _moments(name: str, sc: dict[str, Any]) -> Moments:
    if _k(name, "true") in sc:  # a boolean column: its moments follow from the count
        n, true = int(sc[_k(name, "n")]), int(sc[_k(name, "true")] or 0)
        if n == 0:
            return Moments.zero()
        var = true * (n - true) / (n * (n - 1)) if n > 1 else None
        return Moments.from_stats(
            n, true / n, var, 0.0 if true < n else 1.0, 1.0 if true else 0.0
        )
    return Moments.from_stats(
        int(sc[_k(name, "n")]),
        sc[_k(name, "mean")],
        sc[_k(name, "var")],
        sc[_k(name, "min")],
        sc[_k(name, "max")],
    )


def _one_row(result: pl.DataFrame) -> dict[str, Any]:
    """A one-row select as a dict; list columns become numpy arrays.

    Hash lists (``kmv``) become sorted unique uint64 arrays, and
    ``<column>\x1fkmv_raw`` keeps how many hashes the list held before
    de-duplication. Value lists are read-only views of Polars' memory.
    """
    lists = [n for n, dtype in result.schema.items() if isinstance(dtype, pl.List)]
    row = result.drop(lists).row(0, named=True)
    for name in lists:
        if name.endswith(_MAY_READ_KEY):  # strings: kept as Polars holds them
            row[name] = result.get_column(name)[0]
            continue
        raw = result.get_column(name)[0].to_numpy()
        if name.endswith("kmv"):
            row[name] = hashing.sorted_unique(raw.astype(np.uint64, copy=False))
            row[f"{name}_raw"] = raw.size
        else:
            row[name] = raw
    return row


_PROBED = (Physical.STRING, Physical.INTEGER, Physical.BOOLEAN)
"""Kinds the probe decides for: counted, or free text and ids. Floats and times are
never counted (their sorted values give the same, see ``_Measured``)."""


def _probe_of_counts(name: str, counts: pl.DataFrame | _TextCounts) -> dict[str, Any]:
    """The probe sketch of ``_row_exprs`` (its ``kmv`` and ``kmv_raw`` entries),
    from the column's value counts: each distinct value hashed once.

    The probe keeps the 2K smallest hashes of all rows, repeats included; here the
    distinct hashes are sorted and taken, with their counts, until they cover as
    many rows. The same entries, for the hashing of a column's few distinct values
    instead of all its rows.
    """
    key = _k(name, "kmv")
    if isinstance(counts, _TextCounts):  # the hashes kept with each value's stats
        hashes, n = counts.stats[_PROBE], counts.n
    else:
        hashes = counts.get_column("value").hash(PROBE_SEED).to_numpy()
        n = counts.get_column("n").to_numpy()
    # At most 2K values are taken (each counts at least one row): only the 2K
    # smallest hashes are sorted.
    order = np.arange(hashes.size)
    if hashes.size > 2 * KMV_K:
        order = np.argpartition(hashes, 2 * KMV_K - 1)[: 2 * KMV_K]
    order = order[np.argsort(hashes[order], kind="stable")]
    rows = np.cumsum(n[order])
    raw = min(2 * KMV_K, int(rows[-1]) if rows.size else 0)
    taken = int(np.searchsorted(rows, raw, side="left")) + 1
    smallest = hashes[order[:taken]].astype(np.uint64, copy=False)
    return {key: hashing.sorted_unique(smallest), f"{key}_raw": raw}


def _kmv_is_complete(name: str, row: dict[str, Any]) -> bool:
    """True when the raw smallest hashes already give the exact K-minimum sketch."""
    key = _k(name, "kmv")
    return int(row[f"{key}_raw"]) < 2 * KMV_K or row[key].size >= KMV_K


def _is_wordy(name: str, row: dict[str, Any], non_null: int) -> bool:
    """Free text or ids with many distinct values: counting them is wasted work.

    Mostly distinct values are ids; long values with spaces in the chunk's first rows
    are free text. Either way a column with few distinct values is still counted
    (cheaply), and ``_string_parts`` then recognises text from the counts.
    """
    if not _kmv_is_complete(name, row):
        return False
    estimate = _probe_estimate(row[_k(name, "kmv")])
    if estimate <= FREQUENT_EXACT_LIMIT:
        return False
    if estimate > non_null / 2:
        return True
    length = row[_k(name, "head_len")] or 0.0
    return length >= 20 and (row[_k(name, "head_space")] or 0.0) >= 0.5


def _counts_values(name: str, ph: Physical, row: dict[str, Any], non_null: int) -> bool:
    """Categories, small integers and booleans; not ids, free text or measurements."""
    if ph is Physical.STRING:
        return not _is_wordy(name, row, non_null)
    if ph is Physical.BOOLEAN:
        return True
    if ph is Physical.INTEGER:
        return int(row[_k(name, "kmv")].size) < KMV_K
    # Measurements and times: their sorted values give the distinct set (_Measured).
    return False


def _second_pass(
    frame: pl.DataFrame, counted: list[str], wordy: list[str]
) -> tuple[dict[str, pl.DataFrame], dict[str, Any]]:
    """One parallel select for what the first one decided: value counts of the
    ``counted`` columns as (value, n) frames, row statistics of the ``wordy`` ones."""
    exprs = _count_exprs(frame, counted) + [e for n in wordy for e in _wordy_exprs(n)]
    if not exprs:
        return {}, {}
    packed = frame.select(exprs)
    counts = _unpacked_counts(packed, counted)
    return counts, _one_row(packed.drop(counted)) if wordy else {}


def _unpacked_counts(packed: pl.DataFrame, names: list[str]) -> dict[str, pl.DataFrame]:
    """The (value, n) frame of each column counted by ``_count_exprs``."""
    return {
        name: packed.get_column(name)
        .explode()
        .struct.unnest()
        .rename({name: "value", _COUNT: "n"})
        for name in names
    }


def _count_exprs(frame: pl.DataFrame, names: list[str]) -> list[pl.Expr]:
    exprs = []
    schema = frame.schema
    for name in names:
        dtype = schema[name]
        values = pl.col(name).drop_nulls()
        if dtype in (pl.Categorical, pl.Enum) or isinstance(
            dtype, pl.Categorical | pl.Enum
        ):
            values = values.cast(pl.String)
        # The count field must not share the column's name (a column called "n").
        exprs.append(values.value_counts(name=_COUNT).implode().alias(name))
    return exprs


_COUNT = "\x1fcount"


# ------------------------------------------------------------------ per column
def _base_parts(
    frame: pl.DataFrame, name: str, ph: Physical, row: dict[str, Any]
) -> dict[str, Any]:
    """Constructor arguments of a ColumnProfile; sketches still as numpy arrays."""
    series = frame.get_column(name)
    parts: dict[str, Any] = {
        "name": name,
        "physical": ph,
        "dtype": str(series.dtype),
        "rows": frame.height,
        "nulls": int(row[_k(name, "nulls")]),
    }
    if ph in (Physical.INTEGER, Physical.FLOAT, Physical.BOOLEAN):
        parts["moments"] = _moments(name, row)
    if ph is Physical.FLOAT:
        # Counted apart only when the column holds any (_refine_non_finite).
        for stat in ("nan", "posinf", "neginf"):
            parts[stat] = int(row.get(_k(name, stat)) or 0)
    if ph is Physical.INTEGER and _k(name, "values") in row:
        parts["quantiles"] = row[_k(name, "values")]  # counted columns: from counts
    if ph is Physical.FLOAT:  # never counted: its sorted values tell the same
        values = np.asarray(row[_k(name, "values")], dtype=np.float64)
        unhashed = _unhashed(series, ph, row) if row[_k(name, "nonfinite")] else None
        rows = parts["rows"] - parts["nulls"] - parts["nan"]
        parts["quantiles"] = _Measured(values, rows, unhashed)
    if ph is Physical.DATETIME:  # never counted: its sorted times tell the same
        parts["time"] = row[_k(name, "time")]
        times = _distinct_times(name, row)
        parts["distinct"] = _Unhashed(series, ph, canonical=times, expected=times.size)
    return parts


def _counted_parts(counts: pl.DataFrame, non_null: int) -> dict[str, Any]:
    """Distinct set and frequent values of a non-string column, from its counts."""
    values = counts.get_column("value")  # integers or booleans (_counts_values)
    hashes = _hashes_of(values, physical_of(values.dtype))
    parts: dict[str, Any] = {
        "distinct": Distinct.from_hashes(hashes),
        "frequent": _frequent(_top_counts(counts), non_null),
    }
    if values.dtype.is_integer():  # few distinct numbers: their exact distribution
        parts["quantiles"] = Quantiles.from_counts(
            values.cast(pl.Float64).to_numpy(), counts.get_column("n").to_numpy()
        )
    return parts


def _string_parts(counts: _TextCounts, non_null: int) -> dict[str, Any]:
    """String statistics from the counts of each distinct value and its statistics
    (``_TextCounts``), weighted by its count."""
    n, stats = counts.n, counts.stats
    total = int(n.sum())
    weights = n.astype(np.float64)
    length = stats[_LEN].astype(np.float64)
    # Sums of whole numbers, exact below 2**53 whatever their order (as Polars' were).
    mean = float(np.sum(length * weights)) / total if total else 0.0
    squares = float(np.sum(length * length * weights))
    var = (squares - total * mean * mean) / (total - 1) if total > 1 else None
    lengths = Moments.from_stats(
        total,
        mean,
        max(var, 0.0) if var is not None else None,
        int(stats[_LEN].min()) if total else None,
        int(stats[_LEN].max()) if total else None,
    )
    distinct = Distinct.from_hashes(
        counts.theta
        if counts.theta is not None
        else _hashes_of(counts.values, Physical.STRING)
    )
    trimmed = (
        float(np.sum(stats[_TRIMMED].astype(np.float64) * weights)) / total
        if total
        else 0.0
    )
    words = int(n[stats[_WORDS]].sum())
    free_text = total and trimmed >= 20 and words >= total / 2
    id_like = distinct.estimate > FREQUENT_EXACT_LIMIT and distinct.estimate > total / 2
    read = {kind: int(n[stats[_k(_READ, kind)]].sum()) for kind in READ_KINDS}
    # The values counted one by one: the frequent ones, and the examples of a kind no
    # value reads as (the most frequent values).
    tracked = not (free_text or id_like)
    frame = counts.frame()
    top = _top_counts(frame) if tracked or not all(read.values()) else None
    readings: dict[str, Reading] = {}
    nothing: Reading | None = None  # the most frequent values: misses of any kind
    for kind in READ_KINDS:
        if read[kind]:
            readings[kind] = _counted_reading(
                frame, stats[_k(_READ, kind)], read[kind], total
            )
            continue
        if nothing is None:  # the usual case, so computed once for all such kinds
            assert top is not None
            nothing = Reading(0, _cut(_most_frequent(top)))
        readings[kind] = nothing
    parts: dict[str, Any] = {
        "lengths": lengths,
        "with_space": int(n[stats[_SPACE]].sum()),
        "padded": int(n[stats[_PADDED]].sum()),
        "readings": TextReadings(**readings),
        "distinct": distinct,
        "frequent": _frequent(top, non_null)
        if top is not None and tracked
        else Frequent.untracked(non_null),
    }
    if readings["datetime"].count:
        # Distinct times give the same first, last, gaps and intervals as all rows.
        parts["time"] = np.sort(stats[_MICROS][stats[_k(_READ, "datetime")]])
    return parts


def _most_frequent(top: tuple[list[str], list[int]]) -> list[str]:
    """The ``EXAMPLES`` most frequent of ``top``'s values, ties in the values' order
    (``_by_count``); only those counted at least as often as the EXAMPLES-th are
    ordered."""
    values, counts = top
    if len(counts) > EXAMPLES:
        n = np.asarray(counts)
        least = np.partition(n, n.size - EXAMPLES)[n.size - EXAMPLES]
        picked = np.flatnonzero(n >= least).tolist()
        values, counts = [values[i] for i in picked], [counts[i] for i in picked]
    most = heapq.nsmallest(EXAMPLES, zip(values, counts, strict=True), _by_count)
    return [value for value, _ in most]


@dataclass(frozen=True, slots=True, eq=False)
class _TextCounts:
    """A text column's distinct non-null values, each with its count (``n``, all
    above 0) and its statistics (``stats``: the columns of ``_value_stats`` as numpy
    arrays, ``_MICROS`` 0 where a value is no time), in one order; ``theta`` holds
    each value's Theta hash when the counter keeps them."""

    values: pl.Series
    n: np.ndarray
    stats: Mapping[str, np.ndarray]
    theta: np.ndarray | None = None

    @classmethod
    def of_frame(cls, frame: pl.DataFrame) -> _TextCounts:
        """From a (value, n) frame joined to ``_value_stats``' columns."""
        return cls(
            frame.get_column("value"),
            frame.get_column("n").to_numpy().astype(np.int64, copy=False),
            _stat_arrays(frame),
        )

    def frame(self) -> pl.DataFrame:
        """The (value, n) frame."""
        return pl.DataFrame([self.values.alias("value"), pl.Series("n", self.n)])

    def take(self, index: np.ndarray) -> _TextCounts:
        return _TextCounts(
            self.values.gather(index),
            self.n[index],
            {name: array[index] for name, array in self.stats.items()},
            None if self.theta is None else self.theta[index],
        )


def _stat_arrays(stats: pl.DataFrame) -> dict[str, np.ndarray]:
    """The statistics of ``_value_stats``' frame as numpy arrays (``_TextCounts``)."""
    return {
        name: (
            stats.get_column(name).fill_null(0)
            if name == _MICROS
            else stats.get_column(name)
        ).to_numpy()
        for name in _STATS
    }


_READ = "\x1fread"
_MICROS = "\x1fmicros"
_LEN, _TRIMMED, _SPACE, _WORDS, _PADDED, _PROBE = (
    f"\x1f{stat}" for stat in ("len", "trimmed", "space", "words", "padded", "probe")
)
_STATS = (
    _LEN,
    _TRIMMED,
    _SPACE,
    _WORDS,
    _PADDED,
    _PROBE,
    _MICROS,
    *(_k(_READ, kind) for kind in READ_KINDS),
)
"""The statistics ``_value_stats`` gives each value."""
KNOWN_BYTES = 16 << 20
"""Memory for the distinct values of counted text columns whose statistics are kept
from chunk to chunk (``_Counted``, or ``_with_value_stats`` without the C module and
for categorical columns), all columns together: categories repeat
theirs in every chunk. The two or three plans alive at once fit well within the room
``io._budget`` keeps for the libraries."""


@dataclass(eq=False, slots=True)
class _Counted:
    """A text column's values so far, numbered by a ``ValueCounter`` (``_text``), and
    their statistics and Theta hashes in the same order (``known``): a chunk's values
    are counted by number and only values never seen before are read and hashed.

    Shared by the plans of consecutive chunks (two are prepared at once), so changed
    only under ``lock``; ``known`` is replaced, never changed in place.
    """

    counter: _text.ValueCounter
    known: _TextCounts | None = None
    """Every numbered value (its ``n`` unused)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def nbytes(self) -> int:
        known = self.known
        if known is None:
            return self.counter.nbytes
        theta = 0 if known.theta is None else known.theta.nbytes
        return (
            self.counter.nbytes
            + int(known.values.estimated_size())
            + sum(array.nbytes for array in known.stats.values())
            + theta
        )


_Kept = pl.DataFrame | _Counted
"""What a plan keeps of a counted text column's values: their statistics, or (with
the C module, for ``pl.String`` columns) a ``_Counted``."""


def _kept_bytes(kept: Mapping[str, _Kept]) -> int:
    return sum(
        v.nbytes() if isinstance(v, _Counted) else int(v.estimated_size())
        for v in kept.values()
    )


def _tabled(dtype: pl.DataType) -> bool:
    """Whether a column is counted by a ``_Counted`` (String, with the C module)."""
    return dtype == pl.String and _text.native()


def _with_known(
    counts: dict[str, pl.DataFrame],
    physicals: dict[str, Physical],
    known: Mapping[str, _Kept],
    kept: dict[str, _Kept],
) -> dict[str, pl.DataFrame | _TextCounts]:
    """The value counts of text columns with their values' statistics
    (``_with_value_stats``, as ``_TextCounts``), the others as they are; the known
    values of each text column go into ``kept``, at most ``KNOWN_BYTES`` of them in
    all."""
    out: dict[str, pl.DataFrame | _TextCounts] = {}
    room = KNOWN_BYTES - _kept_bytes(kept)
    for name, frame in counts.items():
        if physicals[name] is not Physical.STRING:
            out[name] = frame
            continue
        before = known.get(name)
        frame, values = _with_value_stats(
            frame, before if isinstance(before, pl.DataFrame) else None, room
        )
        if values is not None:
            kept[name] = values
            room -= int(values.estimated_size())
        out[name] = _TextCounts.of_frame(frame)
    return out


def _tabled_counts(
    frame: pl.DataFrame,
    names: list[str],
    known: Mapping[str, _Kept],
    kept: dict[str, _Kept],
) -> dict[str, pl.DataFrame | _TextCounts]:
    """The value counts of text columns with their values' statistics, as
    ``_with_known`` gives them, counted by each column's ``_Counted`` (from
    ``known``, or new); each goes into ``kept``. The values a counter numbers stop
    growing once all columns keep ``KNOWN_BYTES``: others are counted by Polars."""
    out: dict[str, pl.DataFrame | _TextCounts] = {}
    for name in names:
        before = known.get(name)
        if isinstance(before, _Counted):
            counted = before
        else:
            counter = _text.counter()
            assert counter is not None  # _tabled: the C module is there
            counted = _Counted(counter)
        # The room the other columns leave: as this chunk keeps them, else as the
        # plan before it did.
        others = {**known, **kept}
        others.pop(name, None)
        room = KNOWN_BYTES - _kept_bytes(others)
        out[name] = _counted_values(frame.get_column(name), counted, room)
        kept[name] = counted
    return out


def _counted_values(series: pl.Series, counted: _Counted, room: int) -> _TextCounts:
    """The distinct non-null values of a text column, their counts and statistics:
    counted by number, the statistics and hashes of values new to ``counted`` read
    and kept, those it had no room for (``room`` bytes in all) counted, read and
    hashed here."""
    with counted.lock:
        known = counted.known
        missed = counted.counter.count(
            series, max(room - (counted.nbytes() - counted.counter.nbytes), 0)
        )
        counts = counted.counter.take()
        numbered = 0 if known is None else known.n.size
        if counts.size > numbered:
            fresh = _read_values(counted.counter.values(numbered, counts.size))
            known = fresh if known is None else _joined_counts([known, fresh])
            counted.known = known
    present = np.flatnonzero(counts)
    got = (
        _read_values(pl.Series("value", [], dtype=pl.String))
        if known is None
        else known.take(present)
    )
    got = replace(got, n=counts[present])
    if not missed.size:
        return got
    rest = series.gather(missed).cast(pl.String)
    more = rest.value_counts(name=_COUNT).rename({rest.name: "value", _COUNT: "n"})
    fresh = _read_values(more.get_column("value"))
    fresh = replace(fresh, n=more.get_column("n").to_numpy().astype(np.int64))
    return _joined_counts([got, fresh])


def _read_values(values: pl.Series) -> _TextCounts:
    """Distinct text values with their statistics and Theta hashes (counts 0)."""
    return _TextCounts(
        values,
        np.zeros(values.len(), dtype=np.int64),
        _stat_arrays(_value_stats(values)),
        _each_hash(values),
    )


def _joined_counts(parts: list[_TextCounts]) -> _TextCounts:
    """``parts`` one after the other (each with its Theta hashes)."""
    thetas = [part.theta for part in parts]
    assert all(theta is not None for theta in thetas)
    return _TextCounts(
        pl.concat([part.values for part in parts]),
        np.concatenate([part.n for part in parts]),
        {
            name: np.concatenate([part.stats[name] for part in parts])
            for name in parts[0].stats
        },
        np.concatenate(thetas),  # type: ignore[arg-type]
    )


def _each_hash(values: pl.Series) -> np.ndarray:
    """Each value's Theta hash (``profiles.hashing``), in order (no nulls)."""
    text = values.cast(pl.String).to_arrow(compat_level=pl.CompatLevel.oldest())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    return _utf8_hashes(text, None)


def _with_value_stats(
    counts: pl.DataFrame, known: pl.DataFrame | None, room: int = KNOWN_BYTES
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """``counts`` with each value's statistics, and the values known to the next chunk.

    The statistics of a value (length, spaces, how it reads) are its own, so those an
    earlier chunk computed are joined in and only values not seen before are read;
    the known values stop growing at ``room`` bytes. The rows come in any order:
    what ``_string_parts`` computes from them does not depend on it.
    """
    if known is None or known.estimated_size() > room:
        stats = _value_stats(counts.get_column("value"))
        joined = pl.concat([counts, stats.drop("value")], how="horizontal")
        return joined, stats if stats.estimated_size() <= room else None
    joined = counts.join(known, on="value", how="left")
    fresh = joined.get_column(_LEN).is_null()
    if not fresh.any():
        return joined, known
    new = joined.filter(fresh).select("value", "n")
    stats = _value_stats(new.get_column("value"))
    joined = pl.concat(
        [joined.filter(~fresh), pl.concat([new, stats.drop("value")], how="horizontal")]
    )
    if known.estimated_size() + stats.estimated_size() <= room:
        known = pl.concat([known, stats])
    return joined, known


def _value_stats(values: pl.Series) -> pl.DataFrame:
    """Each distinct text value (no nulls) with its length, trimmed length, whether it
    holds a space before and after trimming, whether it is padded, its probe hash,
    and how it reads (``_read_flags``)."""
    value = pl.col("value")
    stripped = value.str.strip_chars()
    return pl.DataFrame([values.alias("value"), *_read_flags(values)]).with_columns(
        value.str.len_chars().alias(_LEN),
        stripped.str.len_chars().alias(_TRIMMED),
        value.str.contains(" ", literal=True).alias(_SPACE),
        stripped.str.contains(" ", literal=True).alias(_WORDS),
        (stripped != value).alias(_PADDED),
        value.hash(PROBE_SEED).alias(_PROBE),
    )


def _read_flags(values: pl.Series) -> list[pl.Series]:
    """Each distinct value's ISO time (``_MICROS``) and whether it reads as each kind.

    Only the values that may read (``_MAY_READ``) are read: categories rarely do, and
    reading costs milliseconds a column even on a few values. The others get null
    and False, as reading them would.
    """
    picked = values.str.contains(_MAY_READ).fill_null(False).arg_true()
    if picked.len() == values.len():
        micros, flags = _read(values)
    else:  # the others read as nothing
        micros = pl.repeat(None, values.len(), dtype=pl.Int64, eager=True)
        flags = [pl.repeat(False, values.len(), eager=True) for _ in _CHEAP_KINDS]
        if picked.len():
            got, read = _read(values.gather(picked))
            micros = micros.scatter(picked, got)
            flags = [f.scatter(picked, r) for f, r in zip(flags, read, strict=True)]
    return [
        micros.alias(_MICROS),
        *[f.alias(_k(_READ, k)) for k, f in zip(_CHEAP_KINDS, flags, strict=True)],
        micros.is_not_null().alias(_k(_READ, "datetime")),
    ]


def _read(values: pl.Series) -> tuple[pl.Series, list[pl.Series]]:
    """``values`` read as ISO times (microseconds) and as each of ``_CHEAP_KINDS``."""
    text = pl.col("value")
    read = pl.DataFrame({"value": values}).select(
        iso_datetime(text).cast(pl.Int64).alias(_MICROS),
        *[reads_as(text, k).alias(_k(_READ, k)) for k in _CHEAP_KINDS],
    )
    return read.get_column(_MICROS), [
        read.get_column(_k(_READ, k)) for k in _CHEAP_KINDS
    ]


def _counted_reading(
    counts: pl.DataFrame, reads: np.ndarray, count: int, total: int
) -> Reading:
    """The values that read (``reads``: which of the (value, n) rows of ``counts``
    do), and the most frequent of those that do not."""
    if count >= total:
        return Reading(count)
    bad = counts.filter(pl.Series(~reads)).top_k(
        EXAMPLES, by=["n", "value"], reverse=[False, True]
    )
    bad = bad.sort("n", "value", descending=[True, False])
    return Reading(count, tuple(v[:EXAMPLE_CHARS] for v in bad.get_column("value")))


_MAY_READ = r"^[-+.0-9tTfF]"
"""How every value that reads as a kind starts (a sign, a point or a digit; t or f of
true or false): free text rarely does, so only those few are read (``_read_counts``)."""


def _wordy_exprs(name: str) -> list[pl.Expr]:
    """Row statistics of free text and ids (no value counts).

    The lengths, spaces, padding and the values that may read as a kind come from
    one compiled pass over the column in ``_wordy_parts`` (``_text.text_stats``),
    or, where it is not built, from these expressions.
    """
    text = pl.col(name).cast(pl.String)
    head = text.head(EXAMPLE_SCAN_ROWS)
    exprs = []
    if not _text.native():
        exprs += [
            # Lengths come back as an array: the moments of the expression would
            # each compute it again (an eager select shares no subexpressions).
            text.str.len_chars().drop_nulls().implode().alias(_k(name, "lengths")),
            text.str.contains(" ", literal=True).sum().alias(_k(name, "space")),
            (text.str.strip_chars() != text).sum().alias(_k(name, "padded")),
            # One pass picks the values that may read as a kind; each kind's
            # reading then runs on those few, not on every row (_read_counts).
            text.filter(text.str.contains(_MAY_READ))
            .implode()
            .alias(_k(name, _MAY_READ_KEY)),
        ]
    exprs += [
        head.drop_nulls()
        .unique(maintain_order=True)
        .head(EXAMPLES)
        .implode()
        .alias(_k(name, "first")),
    ]
    if _text.native():  # from the first rows that may read (_head_examples)
        return [*exprs, head.null_count().alias(_k(name, "head_nulls"))]
    for kind in _CHEAP_KINDS:
        exprs += [
            _examples(head, kind).alias(_k(name, f"{kind}_examples")),
            _misses(head, kind).sum().alias(_k(name, f"{kind}_head_misses")),
        ]
    return exprs


_MAY_READ_KEY = "may_read"


_DATED = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
"""How every ISO datetime starts: a value that starts so reads as no number nor
boolean, and is the only kind that may read as a datetime."""


def _read_counts(name: str, words: dict[str, Any]) -> None:
    """Values of a free-text column that read as each kind: counted among the values
    ``_wordy_exprs`` found may read (the others cannot), into ``words`` as the row
    statistics they stand for, with those that start as a date apart (``dated``).

    Only values that do not start as a date are read as numbers and booleans: a
    column of timestamps as text is read by none of the three patterns.
    """
    candidates = words.pop(_k(name, _MAY_READ_KEY))
    text = pl.Series("text", candidates, dtype=pl.String)
    # A value starting with t or f can read as a boolean only, any other candidate
    # as anything but a boolean: each is matched against what it may be.
    worded = text.str.contains("^[tTfF]").fill_null(False)
    numeric = text.filter(~worded)
    dated = numeric.str.contains(_DATED).fill_null(False)
    counts = _one_row(
        pl.DataFrame([numeric.filter(~dated)]).select(
            *[reads_as(pl.col("text"), k).sum().alias(k) for k in ("integer", "float")]
        )
    )
    counts["boolean"] = int(_reads_boolean(text.filter(worded)).sum())
    words.update({_k(name, key): value for key, value in counts.items()})
    words[_k(name, "dated")] = numeric.filter(dated)


def _reads_boolean(values: pl.Series) -> pl.Series:
    """Whether each value reads as a boolean (``reads_as``)."""
    frame = pl.DataFrame([values.alias("text")])
    return frame.select(reads_as(pl.col("text"), "boolean")).to_series()


def _wordy_parts(
    frame: pl.DataFrame, name: str, row: dict[str, Any], words: dict[str, Any]
) -> dict[str, Any]:
    """Free text and ids, from the statistics of ``_wordy_exprs`` in ``words``."""
    if _k(name, "lengths") in words:  # the expressions computed them
        values = np.asarray(words[_k(name, "lengths")], dtype=np.float64)
        lengths, count = Moments.from_array(values), values.size
        space, padded = words[_k(name, "space")], words[_k(name, "padded")]
    else:
        series = frame.get_column(name)
        stats = _text.text_stats(series)
        assert stats is not None  # _wordy_exprs left these to it
        lengths, count = stats.moments(), stats.count
        space, padded = stats.with_space, stats.padded
        may_read = series.cast(pl.String).gather(stats.may_read)
        words[_k(name, _MAY_READ_KEY)] = may_read
        _head_examples(series, name, stats.may_read, may_read, words)
    _read_counts(name, words)
    readings = {
        kind: _wordy_reading(frame, name, kind, words, count) for kind in _CHEAP_KINDS
    }
    parts: dict[str, Any] = {
        "lengths": lengths,
        "with_space": int(space or 0),
        "padded": int(padded or 0),
        "distinct": _unhashed(frame.get_column(name), Physical.STRING, row),
        "frequent": Frequent.untracked(count),
    }
    dated: pl.Series = words[_k(name, "dated")]
    timed = _wordy_times(frame, name) if dated.len() else None
    if timed is not None and (timed[0].count or _any_iso(dated)):
        readings["datetime"], parts["time"] = timed
    else:  # nothing has the ISO shape: no value reads, the first ones are examples
        readings["datetime"] = Reading(0, _cut(list(words[_k(name, "first")])))
    parts["readings"] = TextReadings(**readings)
    return parts


def _head_examples(
    series: pl.Series,
    name: str,
    positions: np.ndarray,
    may_read: pl.Series,
    words: dict[str, Any],
) -> None:
    """The entries of ``_wordy_exprs``' examples per kind, found in the first rows
    from those that may read (``positions``, ascending; ``may_read``: their values):
    only they can read as a kind, so every other value there is a miss. Where none
    reads, the misses are the first distinct values (``first``)."""
    head = min(series.len(), EXAMPLE_SCAN_ROWS)
    present = head - int(words[_k(name, "head_nulls")])
    within = int(np.searchsorted(positions, head))
    text = pl.DataFrame({"text": may_read.head(within)})
    reads = text.select(
        *[reads_as(pl.col("text"), kind).alias(kind) for kind in _CHEAP_KINDS]
    )
    first = list(words[_k(name, "first")])
    for kind in _CHEAP_KINDS:
        read = reads.get_column(kind).to_numpy()
        words[_k(name, f"{kind}_head_misses")] = present - int(read.sum())
        if not read.any():
            words[_k(name, f"{kind}_examples")] = first
            continue
        keep = np.ones(head, dtype=bool)
        keep[positions[:within][read]] = False
        words[_k(name, f"{kind}_examples")] = (
            series.head(head)
            .cast(pl.String)
            .filter(pl.Series(keep))
            .drop_nulls()
            .unique(maintain_order=True)
            .head(EXAMPLES)
            .to_list()
        )


def _any_iso(dated: pl.Series) -> bool:
    """Whether a value has the ISO shape (asked only when none read as a datetime)."""
    return bool(dated.str.contains(f"^{ISO_DATETIME}$").any())


def _probe_estimate(hashes: np.ndarray) -> float:
    """Distinct values among the K smallest distinct 64-bit probe hashes (KMV)."""
    k = int(hashes.size)
    if k < KMV_K:
        return float(k)
    kth = float(hashes[KMV_K - 1]) / 2.0**64
    return (KMV_K - 1) / kth if kth > 0 else float(k)


def _hashes_of(
    series: pl.Series, ph: Physical, expected: float | None = None
) -> np.ndarray:
    """The smallest Theta hashes of a column's non-null values (``profiles.hashing``).

    128-bit integers that fit 64 bits hash as those do; wider ones have no 8-byte
    form and hash as their decimal text (as DataSketches' ``update(str)`` would).
    """
    if series.dtype in (pl.Int128, pl.UInt128):
        narrow = series.cast(pl.Int64, strict=False)
        wide = series.filter(narrow.is_null() & series.is_not_null())
        hashes = _theta_hashes(_canonical(narrow, ph))
        if wide.len():
            text = _canonical(wide.cast(pl.String), Physical.STRING)
            hashes = np.concatenate([hashes, _theta_hashes(text)])
        return hashes
    return _theta_hashes(_canonical(series, ph), expected)


def _canonical(
    series: pl.Series, ph: Physical
) -> np.ndarray | pa.Array | pa.ChunkedArray:
    """The non-null values of a column as ``profiles.hashing`` takes them: float64
    for floats (not NaN), uint64 words of the canonical bytes for integers, booleans
    and times, UTF-8 strings otherwise (Polars' own string views, nulls and all,
    when the C hash reads them in place: it skips the nulls)."""
    if ph is Physical.FLOAT:  # NaN is not hashed; hash_doubles takes -0.0 as 0.0
        x = series.cast(pl.Float64)
        if x.null_count() or x.is_nan().any():
            x = x.drop_nulls()
            x = x.filter(x.is_not_nan())
        return x.to_numpy()
    if ph is Physical.STRING:
        if hashing.native():  # Polars' string views, read in place (nulls skipped)
            return pa.chunked_array(_text.string_views(series), type=pa.string_view())
        text = series.cast(pl.String).rechunk()
        return text.drop_nulls().to_arrow(compat_level=pl.CompatLevel.oldest())
    s = series.drop_nulls()
    if ph is Physical.DATETIME:
        if isinstance(s.dtype, pl.Datetime) and s.dtype.time_zone is not None:
            s = s.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        s = s.cast(pl.Datetime("us"))
    if s.dtype != pl.UInt64:
        s = s.cast(pl.Int64)
    return np.ascontiguousarray(s.to_numpy()).view(np.uint64)


_NO_HASHES = np.empty(0, dtype=np.uint64)


def _theta_hashes(
    values: np.ndarray | pa.Array | pa.ChunkedArray, expected: float | None = None
) -> np.ndarray:
    """The smallest ``profiles.hashing`` hashes of what ``_canonical`` gave: all a
    Theta sketch keeps (K, the next one as theta, one more in case a hash is 0);
    ``expected`` is the probe's estimate of the distinct values, if any."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return hashing.hash_doubles(values, _SMALLEST, expected)
    if isinstance(values, np.ndarray):
        return hashing.hash_words(values, _SMALLEST, expected)
    if isinstance(values, pa.ChunkedArray) and values.num_chunks == 1:
        values = values.chunk(0)
    elif isinstance(values, pa.ChunkedArray):  # each chunk's smallest, then theirs
        total = max(len(values), 1)
        parts = [
            _theta_hashes(chunk, expected and expected * len(chunk) / total)
            for chunk in values.chunks
        ]
        both = hashing.sorted_unique(np.concatenate([*parts, _NO_HASHES]))
        return both[:_SMALLEST].copy()
    if pa.types.is_string_view(values.type):
        if len(values) == values.null_count:
            return np.empty(0, dtype=np.uint64)
        return hashing.hash_string_views(
            *_text.view_buffers(values),
            values.offset,
            len(values),
            _SMALLEST,
            expected,
        )
    return _utf8_hashes(values, _SMALLEST, expected)


def _utf8_hashes(
    values: pa.Array, smallest: int | None, expected: float | None = None
) -> np.ndarray:
    """``hashing.hash_strings`` of a large-UTF-8 array without nulls: each value's
    Theta hash, or the ``smallest``."""
    _, offsets, data = values.buffers()
    if offsets is None or len(values) == 0:
        return np.empty(0, dtype=np.uint64)
    start = values.offset
    offs = np.frombuffer(offsets, dtype=np.int64)[start : start + len(values) + 1]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0)
    return hashing.hash_strings(offs - offs[0], raw[int(offs[0]) :], smallest, expected)


def _wordy_reading(
    frame: pl.DataFrame, name: str, kind: str, words: dict[str, Any], count: int
) -> Reading:
    read = int(words[_k(name, kind)] or 0)
    examples = list(words[_k(name, f"{kind}_examples")])
    if (
        len(examples) < EXAMPLES
        and count - read > words[_k(name, f"{kind}_head_misses")]
    ):
        # The first rows held too few values that do not read: look further.
        text = pl.col(name).cast(pl.String)
        more = frame.select(_examples(text, kind).alias("examples"))
        examples = more.get_column("examples")[0].to_list()
    return Reading(read, _cut(examples))


def _wordy_times(frame: pl.DataFrame, name: str) -> tuple[Reading, np.ndarray]:
    """A free-text or id column holding ISO-shaped text: its values as datetimes."""
    text = pl.col(name).cast(pl.String)
    parsed = frame.select(text.alias("text"), iso_datetime(text).alias("moment"))
    text, moment = pl.col("text"), pl.col("moment")
    got = parsed.select(
        moment.cast(pl.Int64).drop_nulls().sort().implode().alias("times"),
        text.filter(text.is_not_null() & moment.is_null())
        .head(EXAMPLE_SCAN_ROWS)
        .unique(maintain_order=True)
        .head(EXAMPLES)
        .implode()
        .alias("examples"),
    )
    times = got.get_column("times")[0].to_numpy()
    examples = got.get_column("examples")[0].to_list()
    return Reading(int(times.size), _cut(examples)), times


def _cut(examples: list[str]) -> tuple[str, ...]:
    return tuple(v[:EXAMPLE_CHARS] for v in examples)


def _misses(text: pl.Expr, kind: str) -> pl.Expr:
    """True where a value is present and does not read as ``kind``."""
    return text.is_not_null() & ~reads_as(text, kind)


def _examples(text: pl.Expr, kind: str) -> pl.Expr:
    """The first five distinct values that do not read as ``kind``, as a list."""
    return (
        text.filter(_misses(text, kind))
        .head(EXAMPLE_SCAN_ROWS)
        .unique(maintain_order=True)
        .head(EXAMPLES)
        .implode()
    )


def _top_counts(counts: pl.DataFrame) -> tuple[list[str], list[int]]:
    """The values counted individually (``FREQUENT_TOP`` of the most frequent once a
    column has many), as text, with their counts."""
    top = counts
    if top.height > FREQUENT_EXACT_LIMIT:
        top = top.top_k(FREQUENT_TOP, by=["n", "value"], reverse=[False, True])
    values = top.get_column("value").cast(pl.String)
    if top.get_column("value").dtype == pl.Boolean:
        values = values.str.to_lowercase()
    return values.to_list(), top.get_column("n").to_list()


def _by_count(pair: tuple[str, int]) -> tuple[int, str]:
    """The most frequent first, then in the values' order (as ``_counted_reading``)."""
    return -pair[1], pair[0]


def _frequent(top: tuple[list[str], list[int]], non_null: int) -> Frequent:
    if non_null == 0:
        return Frequent.zero()
    return Frequent.from_counts(*top, total=non_null)
