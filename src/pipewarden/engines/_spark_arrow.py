"""Frames between Polars and Spark: the Arrow that Spark takes, and the frame back.

Spark holds fewer types than Polars (no unsigned integers, categoricals, times of
day, or time zones per column; timestamps in microseconds). A Polars frame sent to
Spark is cast to types Spark holds, and the batches that come back from Spark are
cast back to the Polars dtypes, so the local engine profiles the same values with the
same dtypes on each executor. Columns Spark cannot hold at all (and whose profile is
only a null count: lists, structs, durations, times, binary, nulls) travel as a
boolean flag that is null where the value is, and get their profile back by name.

Nothing here imports pyspark: ``engines/spark.py`` does, and these run in executors.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from pipewarden.engines.local import physical_of
from pipewarden.profiles.column import ColumnProfile, Physical
from pipewarden.profiles.dataset import DatasetProfile

_WIDER: dict[Any, pl.DataType] = {
    pl.UInt8: pl.Int16(),
    pl.UInt16: pl.Int32(),
    pl.UInt32: pl.Int64(),
}


@dataclass(frozen=True, slots=True)
class Restore:
    """How a batch from Spark becomes the frame the local engine would have read.

    Attributes:
        dtypes: The Polars dtype of each column, in the frame's order; empty: the
            batch's own types, in its order.
        flagged: Columns that travel as null flags (see the module docstring).
    """

    dtypes: Mapping[str, pl.DataType] = field(default_factory=dict)
    flagged: tuple[str, ...] = ()
    wire: tuple[str, ...] = ()
    """The columns' names in Spark, when they differ from their own (Spark takes no
    empty names, and dots in names mean struct fields to it)."""
    chunked: bool = False
    """Whether batches carry ``CHUNK``: the index of the caller's chunk each row
    came from, so each chunk is profiled as one, as the local engine does."""


CHUNK = "__pw_chunk__"


def to_spark_arrow(
    frame: pl.DataFrame, chunk: int | None = None
) -> tuple[pa.Table, Restore]:
    """The frame as Arrow that Spark's ``createDataFrame`` takes, and how to undo it
    (with ``chunk``, every row carries it in a ``CHUNK`` column)."""
    flagged = tuple(
        name
        for name, dtype in frame.schema.items()
        if physical_of(dtype) is Physical.OTHER
    )
    wire = tuple(f"c{index}" for index in range(frame.width))
    exprs = [
        _spark_expr(name, dtype, name in flagged).alias(wired)
        for (name, dtype), wired in zip(frame.schema.items(), wire, strict=True)
    ]
    if chunk is not None:
        exprs.append(pl.lit(chunk, dtype=pl.Int64).alias(CHUNK))
    table = frame.select(exprs).to_arrow(compat_level=pl.CompatLevel.oldest())
    schema = pa.schema(
        [
            f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f
            for f in table.schema
        ]
    )
    restore = Restore(dict(frame.schema), flagged, wire, chunked=chunk is not None)
    return table.cast(schema), restore


def _spark_expr(name: str, dtype: pl.DataType, flagged: bool) -> pl.Expr:
    col = pl.col(name)
    if flagged:
        return pl.when(col.is_null()).then(None).otherwise(True).cast(pl.Boolean)
    if dtype in _WIDER:
        return col.cast(_WIDER[dtype])
    if dtype == pl.UInt64:
        return col.cast(pl.Decimal(20, 0))
    if isinstance(dtype, pl.Categorical | pl.Enum) or dtype in (
        pl.Categorical,
        pl.Enum,
    ):
        return col.cast(pl.String)
    if isinstance(dtype, pl.Datetime):
        # Spark keeps instants in microseconds: naive times travel as UTC wall time.
        utc = (
            col.dt.replace_time_zone("UTC")
            if dtype.time_zone is None
            else col.dt.convert_time_zone("UTC")
        )
        return utc.dt.cast_time_unit("us")
    return col


def restore_frame(data: pa.Table | pa.RecordBatch, restore: Restore) -> pl.DataFrame:
    """A batch from Spark as the Polars frame the local engine would have read."""
    frame = pl.from_arrow(data)
    assert isinstance(frame, pl.DataFrame)  # a table or batch gives a frame
    if not restore.dtypes:
        return frame
    if restore.wire:
        frame = frame.rename(dict(zip(restore.wire, restore.dtypes, strict=True)))
    return frame.select(
        pl.col(name)
        if name in restore.flagged
        else _restored(pl.col(name), frame.schema[name], dtype)
        for name, dtype in restore.dtypes.items()
    )


def _restored(col: pl.Expr, source: pl.DataType, target: pl.DataType) -> pl.Expr:
    if source == target:
        return col
    if isinstance(target, pl.Datetime) and source.is_integer():
        # Nanosecond Parquet timestamps, which Spark reads only as longs
        # (spark.sql.legacy.parquet.nanosAsLong): epoch nanoseconds, UTC.
        col = col.cast(pl.Datetime(target.time_unit or "ns"))
        if target.time_zone is not None:
            col = col.dt.replace_time_zone("UTC").dt.convert_time_zone(target.time_zone)
        return col
    if isinstance(target, pl.Datetime):
        if isinstance(source, pl.Datetime) and source.time_zone is not None:
            col = (
                col.dt.convert_time_zone(target.time_zone)
                if target.time_zone is not None
                else col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            )
        elif target.time_zone is not None:  # Spark's NTZ: wall time in UTC
            col = col.dt.replace_time_zone("UTC").dt.convert_time_zone(target.time_zone)
        return col.dt.cast_time_unit(target.time_unit or "us")
    if isinstance(source, pl.Datetime) and target == pl.Date:
        return col.dt.date()
    return col.cast(target)


def unflag(profile: DatasetProfile, restore: Restore) -> DatasetProfile:
    """The profile with each flagged column's own dtype (and, as the local engine
    gives for such columns, only its rows and nulls)."""
    if not restore.flagged:
        return profile
    columns = {
        name: _unflagged(col, restore.dtypes[name]) if name in restore.flagged else col
        for name, col in profile.columns.items()
    }
    segments = {
        column: {value: unflag(part, restore) for value, part in parts.items()}
        for column, parts in profile.segments.items()
    }
    return replace(profile, columns=columns, segments=segments)


def _unflagged(col: ColumnProfile, dtype: pl.DataType) -> ColumnProfile:
    return ColumnProfile(
        name=col.name,
        physical=Physical.OTHER,
        dtype=str(dtype),
        rows=col.rows,
        nulls=col.nulls,
    )


def chunks(
    batches: Iterable[pa.RecordBatch], restore: Restore, chunk_rows: int
) -> Iterator[pa.Table]:
    """A partition's batches as the chunks the local engine profiles: the caller's
    own chunks when they are marked, else about ``chunk_rows`` rows at a time."""
    if restore.chunked:
        return _by_chunk(batches)
    return _rechunked(batches, chunk_rows)


def _by_chunk(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.Table]:
    pending: list[pa.RecordBatch] = []
    current = None
    for batch in batches:
        ids = batch.column(CHUNK).to_numpy()
        bounds = [0, *(np.flatnonzero(np.diff(ids)) + 1).tolist(), len(ids)]
        for start, stop in itertools.pairwise(bounds):
            if start == stop:
                continue
            if pending and ids[start] != current:
                yield pa.Table.from_batches(pending).drop_columns([CHUNK])
                pending = []
            current = ids[start]
            pending.append(batch.slice(start, stop - start))
    if pending:
        yield pa.Table.from_batches(pending).drop_columns([CHUNK])


def _rechunked(
    batches: Iterable[pa.RecordBatch], chunk_rows: int
) -> Iterator[pa.Table]:
    """Spark's Arrow batches (10,000 rows by default) regrouped into chunks of about
    ``chunk_rows`` rows, the local engine's chunk size: fewer, larger Polars passes."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        pending.append(batch)
        rows += batch.num_rows
        if rows >= chunk_rows:
            yield pa.Table.from_batches(pending)
            pending, rows = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def spark_ready(frame: pl.DataFrame) -> pa.Table:
    """A frame's columns as Arrow types Spark holds, names kept: unsigned integers
    widened (UInt64 as decimal), categoricals as text, times with a zone as UTC
    instants, naive times as they are (Spark's TIMESTAMP_NTZ), all in microseconds."""
    exprs = [_held(name, dtype) for name, dtype in frame.schema.items()]
    return frame.select(exprs).to_arrow(compat_level=pl.CompatLevel.oldest())


def _held(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            col = col.dt.convert_time_zone("UTC")
        return col.dt.cast_time_unit("us")
    return _spark_expr(name, dtype, flagged=False)


KIND = "__pw_kind__"
"""Which output a row of a fan-out belongs to (``SUMMARY`` for a partition's summary)."""
PART = "__pw_part__"
ROWS = "__pw_rows__"
DIGEST = "__pw_summary__"
SUMMARY = -1


@dataclass(frozen=True, slots=True)
class Fanout:
    """The Arrow rows one ``mapInArrow`` sends back for several outputs at once.

    Each row belongs to one output (``KIND``) and holds only that output's columns,
    named ``o{output}c{column}``; a partition ends with one summary row (its rows
    and the bytes its job summed up). ``wire`` is the exact Arrow schema Spark
    expects back.
    """

    outputs: tuple[tuple[str, ...], ...]
    wire: pa.Schema

    @staticmethod
    def wire_name(output: int, column: int) -> str:
        return f"o{output}c{column}"

    def batch(self, output: int, frame: pl.DataFrame, part: int) -> pa.RecordBatch:
        """One output's rows (in Spark's types) as a batch of the fan-out."""
        table = spark_ready(frame)
        rows = table.num_rows
        mine = {
            self.wire_name(output, index): table.column(index)
            for index in range(table.num_columns)
        }
        arrays = []
        for f in self.wire:
            if f.name == KIND:
                arrays.append(pa.array(np.full(rows, output, np.int32)))
            elif f.name == PART:
                arrays.append(pa.array(np.full(rows, part, np.int32)))
            elif f.name in mine:
                arrays.append(mine[f.name].combine_chunks().cast(f.type))
            else:
                arrays.append(pa.nulls(rows, f.type))
        return pa.RecordBatch.from_arrays(arrays, schema=self.wire)

    def summary(self, part: int, rows: int, digest: bytes) -> pa.RecordBatch:
        """A partition's summary row."""
        values: dict[str, Any] = {KIND: [SUMMARY], PART: [part], ROWS: [rows]}
        values[DIGEST] = [digest]
        arrays = [pa.array(values.get(f.name, [None]), type=f.type) for f in self.wire]
        return pa.RecordBatch.from_arrays(arrays, schema=self.wire)


def fanout_candidate(outputs: Mapping[int, Mapping[str, pl.DataType]]) -> pa.Schema:
    """The fan-out's Arrow schema before Spark's own types are applied."""
    fields = [
        pa.field(KIND, pa.int32()),
        pa.field(PART, pa.int32()),
        pa.field(ROWS, pa.int64()),
        pa.field(DIGEST, pa.binary()),
    ]
    for output, schema in outputs.items():
        empty = spark_ready(pl.DataFrame(schema=dict(schema)))
        for index, f in enumerate(empty.schema):
            kind = pa.string() if pa.types.is_large_string(f.type) else f.type
            fields.append(pa.field(Fanout.wire_name(output, index), kind))
    return pa.schema(fields)
