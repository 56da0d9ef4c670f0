"""Turn in-memory data (polars, pyarrow, any dataframe narwhals knows, records)
into polars frames.

narwhals recognises the dataframe libraries without importing them; pandas frames
convert with ``pl.from_pandas`` (mixed-type columns as text), the others through
narwhals' Arrow export.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import narwhals as nw
import polars as pl
import pyarrow as pa

from pipewarden.errors import SourceError
from pipewarden.io._formats import frame_from_arrow
from pipewarden.io._reasons import first_line

_CONVERSION_ERRORS = (
    pa.ArrowException,
    pl.exceptions.PolarsError,
    TypeError,
    ValueError,
)


def is_pandas(obj: object) -> bool:
    """Tell whether an object is a pandas DataFrame, without importing pandas."""
    return bool(nw.dependencies.is_pandas_dataframe(obj))


def is_dataframe(obj: object) -> bool:
    """Tell whether narwhals knows the object as a dataframe (eager or lazy), of
    any library it supports, without importing that library."""
    return bool(
        nw.dependencies.is_into_dataframe(obj)
        or isinstance(nw.from_native(obj, pass_through=True), nw.LazyFrame)
    )


def to_frame(obj: object) -> pl.DataFrame:
    """Convert an eager in-memory object to one polars frame.

    Raises:
        SourceError: The object cannot be converted, or is of an unsupported type.
    """
    if isinstance(obj, pl.DataFrame):
        return obj
    if isinstance(obj, pa.Table | pa.RecordBatch):
        check_unique(obj.schema.names)
        return _converted(lambda: frame_from_arrow(obj), "Arrow table")
    if is_pandas(obj):
        return _from_pandas(obj)
    if isinstance(obj, Mapping):
        return _from_records([obj], "record")
    if isinstance(obj, list | tuple):
        return _from_records(obj, "records")
    if is_dataframe(obj):
        return _from_narwhals(obj)
    raise SourceError(
        f"Cannot read an object of type '{type(obj).__name__}'. Pass a path, a "
        "database URL with query=, a dataframe (polars, pandas, pyarrow, Modin, "
        "DuckDB...), an Arrow dataset or stream, or a list of dicts."
    )


def check_unique(names: list[str]) -> None:
    """Raise SourceError naming the first column name that appears more than once."""
    for name, count in Counter(names).items():
        if count > 1:
            raise SourceError(
                f"Column names must be unique: '{name}' appears {count} times. "
                "Rename the columns."
            )


def lazy_frames(lazy: pl.LazyFrame, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """Yield an empty frame with the schema, then the LazyFrame's result in chunks."""
    try:
        yield pl.DataFrame(schema=lazy.collect_schema())
        yield from lazy.collect_batches(chunk_size=chunk_rows)
    except pl.exceptions.PolarsError as exc:
        raise SourceError(
            f"Cannot evaluate the LazyFrame: {first_line(exc)}. "
            "Check the query plan, e.g. by calling .collect() on a small slice."
        ) from exc


def _from_pandas(frame: Any) -> pl.DataFrame:
    names = [str(name) for name in frame.columns]
    check_unique(names)
    frame = frame.set_axis(names, axis="columns")
    try:
        return pl.from_pandas(frame)
    except _CONVERSION_ERRORS:
        pass
    frame = frame.copy(deep=False)
    for name in names:
        if frame[name].dtype == object and not _converts(frame[[name]]):
            frame[name] = [_text(value) for value in frame[name]]
    return _converted(lambda: pl.from_pandas(frame), "pandas DataFrame")


def _from_narwhals(obj: Any) -> pl.DataFrame:
    """Any other dataframe narwhals knows: eager ones through Arrow, lazy ones
    collected (a lazy frame with an Arrow stream is read in chunks before this)."""
    what = f"{type(obj).__module__.split('.')[0]} {type(obj).__name__}"
    native = nw.from_native(obj)
    if isinstance(native, nw.LazyFrame):
        native = native.collect()
    check_unique([str(name) for name in native.columns])
    return _converted(lambda: frame_from_arrow(native.to_arrow()), what)


def _converts(frame: Any) -> bool:
    try:
        pl.from_pandas(frame)
    except _CONVERSION_ERRORS:
        return False
    return True


def _text(value: object) -> str | None:
    """Stringify a value of a mixed-type column, keeping missing values missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _from_records(records: list[Any] | tuple[Any, ...], what: str) -> pl.DataFrame:
    if not records:
        raise SourceError(
            "The list of records is empty. Pass at least one record (a dict per row)."
        )
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise SourceError(
                f"Record {index} is a {type(record).__name__}, not a dict. "
                "Pass a list of dicts, one per row."
            )
    return _converted(lambda: pl.from_dicts(records, infer_schema_length=None), what)


def _converted(convert: Any, what: str) -> pl.DataFrame:
    try:
        frame = convert()
    except _CONVERSION_ERRORS as exc:
        raise SourceError(
            f"Cannot convert the {what} to a frame: {first_line(exc)}. "
            "Give each column one type of value (e.g. all numbers or all text)."
        ) from exc
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - converters give frames
        raise SourceError(f"The {what} did not convert to a frame. Pass a table.")
    return frame
