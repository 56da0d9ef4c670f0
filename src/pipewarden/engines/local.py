"""The local engine: one vectorised Polars pass per chunk, merged into one profile."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from pipewarden.profiles.column import ColumnProfile, Physical
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.sketches import (
    FREQUENT_EXACT_LIMIT,
    KMV_K,
    Distinct,
    Frequent,
    Moments,
    Quantiles,
    TimeGaps,
)

HASH_SEED = 0x5EED
HASH_ID = f"polars-{'.'.join(pl.__version__.split('.')[:2])}-{HASH_SEED}"
"""Names the hash behind distinct counts; Polars does not promise a stable hash."""
FREQUENT_TOP = 2 * FREQUENT_EXACT_LIMIT
"""Values counted individually per chunk once a column has many distinct values."""
EXAMPLE_SCAN_ROWS = 10_000
"""Rows scanned for examples of values that are not numbers."""
NUMERIC_PATTERN = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


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

    def profile_frames(self, frames: Iterable[pl.DataFrame]) -> DatasetProfile:
        """Profile every chunk and merge: the profile of all chunks together.

        Polars work on one chunk (which releases the GIL) overlaps with the quantile
        sketches of the previous chunk (which hold it) in a second thread.
        """
        total = DatasetProfile.zero()
        pending: Future[DatasetProfile] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pw-sketch") as pool:
            for frame in frames:
                prepared = _prepare(frame)
                if pending is not None:
                    total = total.merge(pending.result())
                pending = pool.submit(_finish, prepared)
            if pending is not None:
                total = total.merge(pending.result())
        return total

    def profile_frame(self, frame: pl.DataFrame) -> DatasetProfile:
        """Profile one in-memory chunk."""
        return _finish(_prepare(frame))


@dataclass(slots=True)
class _Prepared:
    """A chunk's Polars results, before the (GIL-bound) quantile sketches."""

    rows: int
    columns: dict[str, dict[str, Any]]


def _prepare(frame: pl.DataFrame) -> _Prepared:
    if frame.width == 0:
        return _Prepared(frame.height, {})
    physicals = {name: physical_of(dtype) for name, dtype in frame.schema.items()}
    first = frame.select(
        [e for name, ph in physicals.items() for e in _scalar_exprs(name, ph)]
    ).row(0, named=True)
    _resolve_kmv(frame, physicals, first)
    tracked = [n for n, ph in physicals.items() if _tracks_frequent(n, ph, first)]
    counted = _value_counts(frame, tracked)
    columns = {
        name: _column_parts(frame, name, ph, first, counted.get(name))
        for name, ph in physicals.items()
    }
    return _Prepared(frame.height, columns)


def _finish(prepared: _Prepared) -> DatasetProfile:
    columns = {}
    for name, parts in prepared.columns.items():
        for key in ("quantiles", "intervals"):
            if isinstance(parts.get(key), np.ndarray):
                parts[key] = Quantiles.from_array(parts[key])
        if isinstance(parts.get("time"), np.ndarray):
            parts["time"] = TimeGaps.from_sorted(parts["time"])
        columns[name] = ColumnProfile(**parts)
    return DatasetProfile(prepared.rows, columns)


# ------------------------------------------------------------------ expressions
def _k(name: str, stat: str) -> str:
    return f"{name}\x1f{stat}"


def _scalar_exprs(name: str, ph: Physical) -> list[pl.Expr]:
    col = pl.col(name)
    out = [col.null_count().alias(_k(name, "nulls"))]
    if ph in (Physical.INTEGER, Physical.FLOAT, Physical.BOOLEAN):
        x = col.cast(pl.Float64)
        finite = x.filter(x.is_finite())
        out += _moment_exprs(finite, name)
        if ph is Physical.FLOAT:
            out += [
                x.is_nan().sum().alias(_k(name, "nan")),
                (x == float("inf")).sum().alias(_k(name, "posinf")),
                (x == float("-inf")).sum().alias(_k(name, "neginf")),
            ]
    elif ph is Physical.STRING:
        s = col.cast(pl.String)
        out += _moment_exprs(s.str.len_chars().cast(pl.Float64), name)
        out += [
            s.str.contains(" ", literal=True).sum().alias(_k(name, "space")),
            (s.str.strip_chars() != s).sum().alias(_k(name, "padded")),
            s.str.contains(NUMERIC_PATTERN).sum().alias(_k(name, "numeric")),
        ]
    if ph is not Physical.OTHER:
        values = col.drop_nulls()
        if ph is Physical.FLOAT:
            values = values.filter(values.is_not_nan())
        out.append(_kmv_expr(values, name, raw=True))
    return out


def _kmv_expr(values: pl.Expr, name: str, *, raw: bool) -> pl.Expr:
    """The K smallest distinct hashes; ``raw`` skips the unique step (see _kmv)."""
    hashed = values.hash(HASH_SEED)
    picked = hashed.bottom_k(2 * KMV_K) if raw else hashed.unique().bottom_k(KMV_K)
    return picked.implode().alias(_k(name, "kmv"))


def _resolve_kmv(
    frame: pl.DataFrame, physicals: dict[str, Physical], sc: dict[str, Any]
) -> None:
    """Finish distinct sketches in place.

    The first pass takes the 2K smallest hashes without de-duplicating (five times
    cheaper). When they hold at least K distinct hashes, the K smallest distinct hashes
    of the column are among them. Otherwise (a column with repeated values) the exact
    distinct step runs, in one more select over just those columns.
    """
    redo = []
    for name in sc.keys() & {_k(n, "kmv") for n in physicals}:
        uniq = np.unique(np.asarray(sc[name], dtype=np.uint64))
        if uniq.size >= KMV_K or len(sc[name]) < 2 * KMV_K:
            sc[name] = uniq[:KMV_K]
        else:
            redo.append(name.split("\x1f")[0])
    if redo:
        exprs = []
        for n in redo:
            values = pl.col(n).drop_nulls()
            if physicals[n] is Physical.FLOAT:
                values = values.filter(values.is_not_nan())
            exprs.append(_kmv_expr(values, n, raw=False))
        sc.update(frame.select(exprs).row(0, named=True))


def _moment_exprs(x: pl.Expr, name: str) -> list[pl.Expr]:
    return [
        x.count().alias(_k(name, "n")),
        x.mean().alias(_k(name, "mean")),
        x.var().alias(_k(name, "var")),
        x.min().alias(_k(name, "min")),
        x.max().alias(_k(name, "max")),
    ]


def _moments(name: str, sc: dict[str, Any]) -> Moments:
    return Moments.from_stats(
        int(sc[_k(name, "n")]),
        sc[_k(name, "mean")],
        sc[_k(name, "var")],
        sc[_k(name, "min")],
        sc[_k(name, "max")],
    )


def _tracks_frequent(name: str, ph: Physical, sc: dict[str, Any]) -> bool:
    """Count values individually unless the chunk looks like ids or free text."""
    if ph not in (Physical.STRING, Physical.INTEGER, Physical.BOOLEAN):
        return False
    distinct = Distinct.from_hashes(
        np.asarray(sc[_k(name, "kmv")], dtype=np.uint64), HASH_ID
    ).estimate
    non_null = int(sc[_k(name, "n")]) if ph is Physical.STRING else None
    if ph is Physical.STRING and non_null:
        mean_len = sc[_k(name, "mean")] or 0.0
        if mean_len >= 20 and int(sc[_k(name, "space")]) >= non_null / 2:
            return False
    if distinct < FREQUENT_EXACT_LIMIT:
        return True
    n = int(sc[_k(name, "n")]) if ph is not Physical.STRING else (non_null or 0)
    return distinct <= 0.5 * n


def _value_counts(frame: pl.DataFrame, names: list[str]) -> dict[str, pl.DataFrame]:
    if not names:
        return {}
    exprs = []
    for name in names:
        s = pl.col(name).drop_nulls().cast(pl.String)
        exprs.append(
            s.value_counts(sort=True, name="n").head(FREQUENT_TOP).implode().alias(name)
        )
    row = frame.select(exprs).row(0, named=True)
    return {name: pl.DataFrame(row[name]) for name in names}


def _column_parts(
    frame: pl.DataFrame,
    name: str,
    ph: Physical,
    sc: dict[str, Any],
    counts: pl.DataFrame | None,
) -> dict[str, Any]:
    """Constructor arguments of a ColumnProfile; sketches still as numpy arrays."""
    series = frame.get_column(name)
    base: dict[str, Any] = {
        "name": name,
        "physical": ph,
        "dtype": str(series.dtype),
        "rows": frame.height,
        "nulls": int(sc[_k(name, "nulls")]),
    }
    if ph in (Physical.INTEGER, Physical.FLOAT, Physical.BOOLEAN):
        base.update(_numeric_parts(series, ph, name, sc))
    elif ph is Physical.STRING:
        base.update(_string_parts(series, name, sc))
    elif ph is Physical.DATETIME:
        base.update(_time_parts(series))
    if ph is not Physical.OTHER:
        hashes = np.asarray(sc[_k(name, "kmv")], dtype=np.uint64)
        base["distinct"] = Distinct.from_hashes(hashes, HASH_ID)
    if ph in (Physical.STRING, Physical.INTEGER, Physical.BOOLEAN):
        base["frequent"] = _frequent(counts, base["rows"] - base["nulls"])
    return base


def _numeric_parts(
    series: pl.Series, ph: Physical, name: str, sc: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {"moments": _moments(name, sc)}
    if ph is Physical.FLOAT:
        out["nan"] = int(sc[_k(name, "nan")] or 0)
        out["posinf"] = int(sc[_k(name, "posinf")] or 0)
        out["neginf"] = int(sc[_k(name, "neginf")] or 0)
    if ph is not Physical.BOOLEAN:
        values = series.cast(pl.Float64).drop_nulls()
        if ph is Physical.FLOAT:
            values = values.filter(values.is_finite())
        out["quantiles"] = np.array(values.to_numpy(), dtype=np.float64, copy=True)
    return out


def _string_parts(series: pl.Series, name: str, sc: dict[str, Any]) -> dict[str, Any]:
    n_numeric = int(sc[_k(name, "numeric")] or 0)
    non_null = int(sc[_k(name, "n")])
    examples: tuple[str, ...] = ()
    if n_numeric < non_null:
        head = series.cast(pl.String).drop_nulls().head(EXAMPLE_SCAN_ROWS)
        bad = head.filter(~head.str.contains(NUMERIC_PATTERN))
        examples = tuple(
            v[:80] for v in bad.unique(maintain_order=True).head(5).to_list()
        )
    return {
        "lengths": _moments(name, sc),
        "with_space": int(sc[_k(name, "space")] or 0),
        "padded": int(sc[_k(name, "padded")] or 0),
        "numeric_like": n_numeric,
        "non_numeric_examples": examples,
    }


def _time_parts(series: pl.Series) -> dict[str, Any]:
    s = series
    if isinstance(s.dtype, pl.Datetime) and s.dtype.time_zone is not None:
        s = s.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    micros = s.cast(pl.Datetime("us")).cast(pl.Int64).drop_nulls().sort()
    arr = micros.to_numpy()
    diffs = np.diff(arr).astype(np.float64) / 1e6 if arr.size > 1 else np.empty(0)
    return {"time": arr, "intervals": diffs}


def _frequent(counts: pl.DataFrame | None, non_null: int) -> Frequent:
    if non_null == 0:
        return Frequent.zero()
    if counts is None:
        return Frequent.untracked(non_null)
    values, ns = counts.columns
    return Frequent.from_counts(
        counts.get_column(values).to_list(),
        counts.get_column(ns).to_list(),
        total=non_null,
    )
