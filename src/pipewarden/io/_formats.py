"""Read CSV, Parquet, Arrow IPC and JSON Lines files batch by batch.

Every reader takes ``(files, label, chunk_rows, ahead, optimistic)``
(``pipewarden.io.formats`` holds them in its table) and yields an empty frame
carrying the schema first, then the rows, so a file with no rows still tells the
caller its columns. Only Parquet reads several files at once; the others read
exactly one; CSV and JSON Lines read ``optimistic`` (the others check nothing
first).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import polars.selectors as cs
import pyarrow as pa
import pyarrow.parquet as pq

from pipewarden._concurrent import ordered_map
from pipewarden.errors import SourceError
from pipewarden.io._csv import csv_frames
from pipewarden.io._jsonl import jsonl_frames
from pipewarden.io._reasons import first_line


def read_csv(
    files: Sequence[Path],
    label: str,
    chunk_rows: int,
    ahead: bool = True,
    optimistic: bool = False,
) -> Iterator[pl.DataFrame]:
    """Read one delimited text file (see ``_csv``; ``optimistic`` skips its checking
    pass). Its pieces of lines are parsed ahead whatever ``ahead`` says: a piece is
    small (``_lines.PARSED_AHEAD``)."""
    (path,) = files
    return csv_frames(path, label, chunk_rows, optimistic)


def read_parquet(
    files: Sequence[Path],
    label: str,
    chunk_rows: int,
    ahead: bool = True,
    optimistic: bool = False,
) -> Iterator[pl.DataFrame]:
    """Read Parquet files in order, as one frame with their shared schema."""
    return _parquet_frames(tuple(files), chunk_rows, ahead=ahead)


def read_jsonl(
    files: Sequence[Path],
    label: str,
    chunk_rows: int,
    ahead: bool = True,
    optimistic: bool = False,
) -> Iterator[pl.DataFrame]:
    """Read one JSON Lines file (see ``_jsonl``; ``optimistic`` infers its types
    from its first lines alone). Pieces of lines are parsed ahead, as for CSV."""
    (path,) = files
    return jsonl_frames(path, label, chunk_rows, optimistic)


def read_ipc(
    files: Sequence[Path],
    label: str,
    chunk_rows: int,
    ahead: bool = True,
    optimistic: bool = False,
) -> Iterator[pl.DataFrame]:
    """Read one Arrow IPC file, a record batch at a time (never ahead: a batch is
    read when asked for)."""
    (path,) = files
    return _ipc_frames(path, label)


_OFFSET_ZONE = re.compile(r"^[+-]\d{2}:?\d{2}$")
"""A fixed-offset time zone ('+05:30'): Arrow allows it, polars cannot hold it."""


def frame_from_arrow(data: pa.Table | pa.RecordBatch) -> pl.DataFrame:
    """Convert Arrow data to a polars frame, keeping Arrow types such as timestamps.

    Timestamps in a fixed-offset zone ('+05:30') become UTC: the same instants.
    """
    schema = _polars_zones(data.schema)
    if schema is not data.schema:
        data = data.cast(schema)
    frame = pl.from_arrow(data)
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - tables give frames
        raise SourceError("Arrow data did not convert to a frame. Pass a pa.Table.")
    return frame


def _polars_zones(schema: pa.Schema) -> pa.Schema:
    """``schema`` itself, or a copy with fixed-offset time zones as UTC."""
    if polars_reads(schema):
        return schema  # the usual case: polars reads the file itself
    fields = [
        field.with_type(pa.timestamp(field.type.unit, "UTC"))
        if _offset_zoned(field)
        else field
        for field in schema
    ]
    return pa.schema(fields, metadata=schema.metadata)


def polars_reads(schema: pa.Schema) -> bool:
    """Whether polars can read a Parquet file of this schema itself (it cannot hold
    fixed-offset time zones such as '+05:30')."""
    return not any(_offset_zoned(field) for field in schema)


def _offset_zoned(field: pa.Field) -> bool:
    return bool(
        pa.types.is_timestamp(field.type) and _OFFSET_ZONE.match(field.type.tz or "")
    )


def schema_frame(schema: pa.Schema) -> pl.DataFrame:
    """An empty frame with an Arrow schema's columns, as polars reads them."""
    # Not schema.empty_table(): that imports pandas, which costs seconds.
    return frame_from_arrow(pa.Table.from_batches([], schema=schema))


_empty = schema_frame


def parquet_columns(
    files: Sequence[Path], chunk_rows: int, columns: Sequence[str], ahead: bool = True
) -> Iterator[pl.DataFrame]:
    """Read only ``columns`` of Parquet files: the others are never decoded."""
    return _parquet_frames(tuple(files), chunk_rows, tuple(columns), ahead)


def _parquet_frames(
    files: tuple[Path, ...],
    chunk_rows: int,
    columns: tuple[str, ...] | None = None,
    ahead: bool = True,
) -> Iterator[pl.DataFrame]:
    schema, uniform, groups = _parquet_schema(files)
    if columns is not None:
        schema = pa.schema([schema.field(name) for name in columns])
    yield _empty(schema)
    if uniform:
        yield from _polars_parquet(files, groups, chunk_rows, columns, ahead)
        return
    for path in files:
        try:
            handle = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            raise _bad_parquet(path, exc) from exc
        present = handle.schema_arrow.names
        wanted = None if columns is None else [n for n in columns if n in present]
        try:
            for batch in handle.iter_batches(batch_size=chunk_rows, columns=wanted):
                yield frame_from_arrow(_conform_batch(batch, schema))
        except (pa.ArrowException, OSError) as exc:
            raise _bad_parquet(path, exc) from exc
        finally:
            handle.close()


def _polars_parquet(
    files: tuple[Path, ...],
    groups: list[list[int]],
    chunk_rows: int,
    columns: tuple[str, ...] | None = None,
    ahead: bool = True,
) -> Iterator[pl.DataFrame]:
    """Polars reads each chunk's row range (decoding in parallel); with ``ahead``,
    while the consumer works on the one before: two chunks in memory at most,
    whatever the file size. A chunk is whole row groups (``_group_ranges``).

    (Polars' own streaming batches run ahead of a slower consumer without limit.)
    """
    ranges = [
        (path, start, length)
        for path, sizes in zip(files, groups, strict=True)
        for start, length in _group_ranges(sizes, chunk_rows)
    ]

    def read(chunk: tuple[Path, int, int]) -> pl.DataFrame:
        path, start, length = chunk
        try:
            scan = pl.scan_parquet(path, glob=False)
            if columns is not None:
                scan = scan.select(cs.by_name(list(columns)))
            return scan.slice(start, length).collect()
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise _bad_parquet(path, exc) from exc

    if not ahead:
        yield from map(read, ranges)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pw-read") as pool:
        yield from ordered_map(pool, read, ranges, 2)  # this chunk and the next


def _group_ranges(groups: list[int], chunk_rows: int) -> Iterator[tuple[int, int]]:
    """(start, length) of chunks of whole row groups of ``groups`` rows each, at most
    ``chunk_rows`` rows a chunk; a larger group alone, in slices of ``chunk_rows``.

    polars decodes every row group a slice touches: chunks that straddle groups
    decoded most groups twice (the 8,000,000-row standard table, groups of 125,000
    rows in chunks of 143,360: 3.2 s CPU to read, 2.1 s in whole groups).
    """
    start = length = 0
    for size in groups:
        if length and length + size > chunk_rows:
            yield start, length
            start, length = start + length, 0
        if size > chunk_rows:
            for offset in range(0, size, chunk_rows):
                yield start + offset, min(chunk_rows, size - offset)
            start += size
        else:
            length += size
    if length:
        yield start, length


def _parquet_schema(
    files: tuple[Path, ...],
) -> tuple[pa.Schema, bool, list[list[int]]]:
    """The one schema all files share (widened where types differ safely), whether
    every file already has it, and each file's row groups' row counts (all from the
    footers)."""
    schemas, groups = [], []
    for path in files:
        try:
            with pq.ParquetFile(path) as handle:
                schemas.append(handle.schema_arrow)
                meta = handle.metadata
                groups.append(
                    [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
                )
        except (pa.ArrowException, OSError) as exc:
            raise _bad_parquet(path, exc) from exc
    first = schemas[0]
    if all(schema.equals(first, check_metadata=False) for schema in schemas):
        # polars reads Parquet itself only when it can hold every time zone.
        return first, _polars_zones(first) is first, groups
    try:
        return (
            pa.unify_schemas(schemas, promote_options="permissive"),
            False,
            groups,
        )
    except (pa.ArrowException, TypeError) as exc:
        raise SourceError(
            f"Parquet files '{files[0]}' .. '{files[-1]}' have conflicting column "
            f"types: {first_line(exc)}. Read them separately, or rewrite them with "
            "one schema."
        ) from exc


def _conform_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.Table:
    """Reorder, widen and null-fill a batch so it matches the shared schema."""
    if batch.schema.equals(schema, check_metadata=False):
        return pa.Table.from_batches([batch])
    names = batch.schema.names
    columns = [
        batch.column(names.index(field.name)).cast(field.type)
        if field.name in names
        else pa.nulls(batch.num_rows, field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _bad_parquet(path: Path, exc: BaseException) -> SourceError:
    return SourceError(
        f"Cannot read Parquet file '{path}': {first_line(exc)}. "
        "Check that the file was written completely, or export it again."
    )


def _ipc_frames(path: Path, label: str) -> Iterator[pl.DataFrame]:
    """Read an Arrow IPC file (random-access format, or stream format) by batch."""
    try:
        with pa.OSFile(str(path), "rb") as source:
            try:
                reader = pa.ipc.open_file(source)
            except pa.ArrowInvalid:
                source.seek(0)
                stream = pa.ipc.open_stream(source)
                yield _empty(stream.schema)
                for batch in stream:
                    yield frame_from_arrow(batch)
                return
            yield _empty(reader.schema)
            for index in range(reader.num_record_batches):
                yield frame_from_arrow(reader.get_batch(index))
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(
            f"Cannot read Arrow IPC file '{label}': {first_line(exc)}. "
            "Check that it is an Arrow IPC (Feather v2) file, or export it again."
        ) from exc
