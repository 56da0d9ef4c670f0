"""The caller's frame type in and out: pandas in, pandas out; Arrow in, Arrow out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl
import pyarrow as pa

from pipewarden.conform.coerce import FAIL, to_text
from pipewarden.errors import SourceError
from pipewarden.io.sources import read_frame

FrameKind = Literal["polars", "pandas", "arrow"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """A batch as a polars frame, and how to give results back in its own type."""

    frame: pl.DataFrame
    kind: FrameKind
    index: Any = None
    """The pandas index, for pandas batches."""

    def give_back(self, frame: pl.DataFrame, rows: np.ndarray | None) -> Any:
        """``frame`` in the caller's type; ``rows`` are its positions in the batch."""
        if self.kind == "arrow":
            return frame.to_arrow()
        if self.kind == "pandas":
            out = frame.to_pandas()
            if self.index is not None:
                out.index = self.index if rows is None else self.index[rows]
            return out
        return frame


def is_pandas(obj: object) -> bool:
    kind = type(obj)
    return kind.__module__.startswith("pandas") and kind.__name__ == "DataFrame"


def is_records(obj: object) -> bool:
    """A list or tuple of mappings (one per row)."""
    return isinstance(obj, list | tuple) and bool(obj) and isinstance(obj[0], Mapping)


def incoming(batch: Any) -> Incoming:
    """Read any batch the gate accepts into polars, remembering its type.

    Raises:
        SourceError: The batch cannot be read.
    """
    if isinstance(batch, pl.DataFrame):
        return Incoming(batch, "polars")
    if isinstance(batch, pl.LazyFrame):
        return Incoming(batch.collect(), "polars")
    if isinstance(batch, pa.Table | pa.RecordBatch):
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        return Incoming(_from_arrow(table), "arrow")
    if is_pandas(batch):
        return Incoming(_from_pandas(batch), "pandas", batch.index)
    return Incoming(read_frame(batch), "polars")


def _from_arrow(table: pa.Table) -> pl.DataFrame:
    try:
        frame = pl.from_arrow(table)
    except (pl.exceptions.PolarsError, pa.ArrowException):
        return read_frame(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _from_pandas(frame: Any) -> pl.DataFrame:
    if all(isinstance(c, str) for c in frame.columns) and frame.columns.is_unique:
        try:
            return pl.from_pandas(frame)
        except (pl.exceptions.PolarsError, pa.ArrowException, TypeError, ValueError):
            pass
    return read_frame(frame)


def records_frame(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Records as one frame: a column per key, in order of first appearance.

    A key holding one kind of value gets that dtype; a key mixing kinds gets their
    common dtype (integers and floats: Float64; numbers and text: String, which the
    gate then reads as the contract says).

    Raises:
        SourceError: An item is not a mapping.
    """
    columns = _same_keys(records)
    if columns is None:
        for index, record in enumerate(records):
            if not isinstance(record, Mapping):
                raise SourceError(
                    f"Record {index} is a {type(record).__name__}, not a dict. Pass a "
                    "list of dicts, one per row."
                )
        keys = list(dict.fromkeys(k for r in records for k in r))
        columns = {k: [r.get(k) for r in records] for k in keys}
    return pl.DataFrame([_column(k, v) for k, v in columns.items()])


def _same_keys(records: Sequence[Any]) -> dict[str, list[Any]] | None:
    """Columns of records that all have the first record's keys, else None (fast)."""
    first = records[0]
    if not isinstance(first, Mapping):
        return None
    try:
        if set(map(len, records)) != {len(first)}:
            return None
        # Same length and every key of the first found: the same keys.
        return {k: [r[k] for r in records] for k in first}
    except (KeyError, TypeError, IndexError):
        return None


def _column(name: str, values: list[Any]) -> pl.Series:
    for strict in (True, False):
        try:
            series = pl.Series(name, values, strict=strict)
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            continue
        if series.dtype != pl.Object:  # Python objects: no gate step can read them
            return series
    texts = [to_text(v) for v in values]
    return pl.Series(
        name,
        [str(values[i]) if t is FAIL else t for i, t in enumerate(texts)],
        dtype=pl.String,
    )


def to_polars(batch: Any) -> pl.DataFrame:
    """Any batch the gate accepts (polars, pandas, Arrow, a path) as a polars frame,
    read the way the gate reads it.

    Raises:
        SourceError: The batch cannot be read.
    """
    return incoming(batch).frame
