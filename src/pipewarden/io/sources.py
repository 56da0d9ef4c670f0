"""Read any supported source as polars frames, in chunks of bounded size.

A source is a path (CSV, Parquet, JSON Lines, Arrow IPC), a directory (hive
partitions too) or glob of Parquet files, a ``file://`` URL, a remote URL
(``s3://``, ``gs://``, ``az://``, ``https://``, through fsspec), a database URL with a
query, a ``pyarrow.dataset``, an Arrow stream (``pa.RecordBatchReader``, a DuckDB
relation, anything with ``__arrow_c_stream__``), or in-memory data (any dataframe
narwhals knows: polars, pandas, PyArrow, Modin...; a list of dicts or one dict).
Every chunk of one source has the same column names and dtypes, and every problem
with the input surfaces as one :class:`~pipewarden.errors.SourceError` saying what is
wrong and what to do.

Files, datasets and streams are read a chunk at a time: rows per chunk follow from a
memory budget (``memory_budget``, 1 GiB by default) and the size of the first rows,
so a pass over any amount of data peaks under the budget.

Choices worth knowing:

- CSV files that are not valid UTF-8 are decoded with ``utf8-lossy``: undecodable
  bytes become U+FFFD, no row is lost, and a ``PipewardenWarning`` says so.
- A CSV column whose later values do not fit the type inferred from the first
  10,000 rows (a word among numbers) is read as String for the whole file. To know
  this before the first chunk is yielded, every row is parsed once before any is
  yielded (kept in a temporary Arrow file, so memory stays bounded). A profile
  reads ``optimistic`` instead: rows are yielded as they parse, and in the rare file
  where a later row does not parse, the profile starts again the checked way.
- A JSON Lines file's types come from every line, inferred before the first chunk
  is yielded; read ``optimistic``, from its first 10,000 lines (``io._jsonl``).
- SQL results take their dtypes from the first chunk; a later chunk that does not
  fit them losslessly raises SourceError asking for a CAST in the query.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import polars as pl
import pyarrow as pa

from pipewarden._polars import select_columns
from pipewarden.config import DEFAULT_MEMORY_BUDGET
from pipewarden.errors import ReadAgainError, SourceError
from pipewarden.io._budget import budget_chunk_rows, shared_budget
from pipewarden.io._datasets import (
    dataset_bytes,
    dataset_frames,
    dataset_row_bytes,
    dataset_rows,
    is_dataset,
    is_hive_folder,
    is_stream,
    parquet_dataset,
    stream_frames,
)
from pipewarden.io._files import (
    FileSet,
    file_frames,
    file_row_bytes,
    file_rows,
    path_text,
    resolve_files,
    total_bytes,
)
from pipewarden.io._memory import is_dataframe, lazy_frames, to_frame
from pipewarden.io._reasons import first_line
from pipewarden.io._remote import REMOTE_SCHEMES, open_remote
from pipewarden.io._sql import is_database_url, sql_frames, url_scheme
from pipewarden.io.urls import redact_url

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "SourceExtent",
    "SourceLike",
    "describe_source",
    "iter_frames",
    "optimistically",
    "read_frame",
    "shared_budget",
    "source_extent",
    "source_size_bytes",
]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 262_144
"""Rows per chunk unless the caller asks otherwise (2**18)."""

SourceLike: TypeAlias = (
    "str | os.PathLike[str] | pl.DataFrame | pl.LazyFrame | pa.Table"
    " | pa.RecordBatch | Mapping[str, Any] | Sequence[Mapping[str, Any]] | Any"
)
"""Anything :func:`iter_frames` reads; ``Any`` stands for a pandas DataFrame."""

_Reader: TypeAlias = Callable[[int], Iterator[pl.DataFrame]]


@dataclass(frozen=True, slots=True)
class SourceExtent:
    """How much a source holds, as far as can be told without reading it."""

    rows: int | None
    """Rows (exact for Parquet and datasets, estimated for CSV and JSON Lines)."""
    bytes: int | None
    """Bytes of its files."""


@dataclass(frozen=True, slots=True)
class _Opened:
    """A source checked and ready: how to read it and how big its rows are."""

    read: _Reader
    read_columns: Callable[[int, Sequence[str]], Iterator[pl.DataFrame]] | None = None
    """Reads only some columns without decoding the others, where the format can."""
    row_bytes: Callable[[], float | None] = lambda: None
    extent: Callable[[], SourceExtent] = lambda: SourceExtent(None, None)
    reading: Callable[[bool, bool], _Opened] | None = None
    """The same source read with ``(ahead, optimistic)``, where reading ahead and
    checking before reading are the reader's own doing (files)."""


def iter_frames(
    source: SourceLike,
    *,
    chunk_rows: int | None = None,
    query: str | None = None,
    memory_budget: int | None = None,
    columns: Sequence[str] | None = None,
    read_ahead: bool = True,
    optimistic: bool = False,
) -> Iterator[pl.DataFrame]:
    """Read a source as polars frames of ``chunk_rows`` rows (the last may be shorter).

    Cheap problems (missing file, unknown extension, empty file, missing query) are
    raised by this call; problems inside the data are raised while iterating. At
    least one frame is always yielded, so an empty source still has its columns.

    Args:
        source: A path, glob, ``file://`` URL, database URL, polars/pandas frame,
            pyarrow Table or RecordBatch, list of dicts, or one dict.
        chunk_rows: Rows per chunk. Large files are read this many rows at a time.
            By default as many as fit ``memory_budget`` (at most 262,144).
        query: The SQL to run; required for a database URL, refused otherwise.
        memory_budget: Bytes the pass may use at its peak (default 1 GiB): rows per
            chunk are chosen from the size of the first rows to stay under it.
        columns: Read only these columns, in this order (a Parquet file decodes no
            others); every one must exist.
        read_ahead: Read (or parse) a file's next chunk while the caller works on
            this one. False when the caller itself asks for the next chunk while it
            works (an engine with ``reads_ahead``): one chunk less in memory.
        optimistic: Yield rows before the whole source is known to read with the
            types found at its start (a CSV file's first 10,000 rows, a JSON Lines
            file's first 10,000 lines), saving the pass that checks them first. For a caller that can throw its work away:
            if a later row shows the types do not hold, iterating raises
            ``ReadAgainError`` and the caller reads again without it
            (``optimistically`` does both).

    Returns:
        An iterator of frames that all have the same columns and dtypes.

    Raises:
        SourceError: The source cannot be read; the message says why and what to do.
        MissingDependencyError: A database URL names a driver that is not installed.

    Example:
        >>> for frame in iter_frames("events/*.parquet", chunk_rows=100_000):
        ...     update(frame)
    """
    if chunk_rows is not None and chunk_rows < 1:
        raise SourceError(
            f"chunk_rows must be at least 1, got {chunk_rows}. Pass a positive number."
        )
    opened = _open(source, query)
    if opened.reading is not None and (optimistic or not read_ahead):
        opened = opened.reading(read_ahead, optimistic)
    if chunk_rows is None:
        chunk_rows = budget_chunk_rows(
            opened.row_bytes(),
            DEFAULT_CHUNK_ROWS,
            memory_budget or DEFAULT_MEMORY_BUDGET,
        )
    if columns is None:
        frames = opened.read(chunk_rows)
    elif opened.read_columns is not None:
        frames = opened.read_columns(chunk_rows, columns)
    else:
        frames = (select_columns(f, columns) for f in opened.read(chunk_rows))
    return _chunks(frames, chunk_rows, describe_source(source))


T = TypeVar("T")


def optimistically(work: Callable[[bool], T]) -> T:
    """``work(True)``, which reads its source with ``optimistic=True``; if the source
    then turns out not to hold the types its start promised, ``work(False)``.

    ``work`` must start afresh each time (a new engine pass, a new tally): what the
    first call made from the rows it read is thrown away.
    """
    try:
        return work(True)
    except ReadAgainError as again:
        logger.info("%s; reading it again, every row checked first", again)
        return work(False)


def read_frame(source: SourceLike, *, query: str | None = None) -> pl.DataFrame:
    """Read a whole source into one polars frame.

    Args:
        source: Anything :func:`iter_frames` accepts.
        query: The SQL to run, for a database URL.

    Returns:
        All rows. A polars DataFrame is returned as it is.

    Raises:
        SourceError: The source cannot be read.
    """
    if isinstance(source, pl.DataFrame):
        if query is not None:
            _open(source, query)
        return source
    frames = list(iter_frames(source, query=query))
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")


def describe_source(source: SourceLike) -> str:
    """Return a short human name for a source, for messages and findings.

    A file gives its name (``users.csv``), a directory its name, a glob its pattern,
    a database URL the URL without password, in-memory data its kind.
    """
    if isinstance(source, str) and is_database_url(source):
        return redact_url(source)
    if isinstance(source, str | os.PathLike):
        text = os.fspath(source)
        if "*" in text or "?" in text or "[" in text:
            return text
        try:
            return Path(path_text(text)).name or text
        except SourceError:
            return text
    return _kind_name(source)


def source_size_bytes(source: SourceLike) -> int | None:
    """Return the total bytes on disk behind a path-like source, else None.

    Useful to decide whether to show a progress bar. Never raises: a missing path
    or non-file source gives None.
    """
    if isinstance(source, str) and (is_database_url(source) or _is_remote(source)):
        return None
    if isinstance(source, str | os.PathLike):
        return total_bytes(source)
    return None


def source_extent(source: SourceLike, *, query: str | None = None) -> SourceExtent:
    """Rows and bytes behind a source, for a progress bar's total; unknown as None.

    Reads Parquet footers and the first bytes of text files, never the data. Never
    raises: a source that cannot be opened has an unknown extent (reading it will
    say why).
    """
    if isinstance(source, pl.DataFrame | pa.Table | pa.RecordBatch):
        return SourceExtent(
            source.num_rows if not isinstance(source, pl.DataFrame) else source.height,
            None,
        )
    try:
        return _open(source, query).extent()
    except (SourceError, ImportError, OSError, pa.ArrowException):
        return SourceExtent(None, None)


def _is_remote(text: str) -> bool:
    return url_scheme(text) in REMOTE_SCHEMES


def _open(source: SourceLike, query: str | None) -> _Opened:
    """Check what can be checked cheaply; say how to read the source in chunks."""
    if isinstance(source, str) and _is_remote(source) and query is None:
        remote = open_remote(source, url_scheme(source) or "")
        dataset = remote.dataset
        if dataset is None:
            return _Opened(remote.frames)
        return _dataset_opened(dataset, remote.frames)
    if is_dataset(source) and query is None:
        return _dataset_opened(source, partial(dataset_frames, source))
    if isinstance(source, str) and is_database_url(source):
        return _Opened(_reader(source, query))
    if isinstance(source, str | os.PathLike) and query is None:
        path = Path(path_text(source))
        if path.is_dir() and is_hive_folder(path):
            dataset = parquet_dataset(str(path), os.fspath(source))
            return _dataset_opened(dataset, partial(dataset_frames, dataset))
        return _files_opened(resolve_files(source))
    return _Opened(_reader(source, query))


def _files_opened(
    files: FileSet, ahead: bool = True, optimistic: bool = False
) -> _Opened:
    read = partial(file_frames, files, ahead=ahead, optimistic=optimistic)
    return _Opened(
        read,
        read_columns=read,
        row_bytes=partial(file_row_bytes, files),
        extent=partial(_file_extent, files),
        reading=partial(_files_opened, files),
    )


def _dataset_opened(dataset: Any, read: _Reader) -> _Opened:
    return _Opened(
        read,
        row_bytes=partial(dataset_row_bytes, dataset),
        extent=lambda: SourceExtent(dataset_rows(dataset), dataset_bytes(dataset)),
    )


def _file_extent(files: FileSet) -> SourceExtent:
    return SourceExtent(
        file_rows(files), sum(path.stat().st_size for path in files.files)
    )


def _reader(source: SourceLike, query: str | None) -> _Reader:
    """Check what can be checked cheaply and return a function that reads chunks."""
    if isinstance(source, str) and is_database_url(source):
        if query is None or not query.strip():
            raise SourceError(
                f"Database URL '{redact_url(source)}' needs a query. "
                "Pass --query 'SELECT ...' (query='SELECT ...' in Python)."
            )
        return partial(sql_frames, source, query)
    if query is not None:
        raise SourceError(
            f"query= applies only to database URLs, not to "
            f"'{describe_source(source)}'. Drop query=, or pass a URL such as "
            "'sqlite:///data.db'."
        )
    if isinstance(source, str) and url_scheme(source) not in (None, "file"):
        raise SourceError(
            f"Cannot read '{source}': unknown URL scheme '{url_scheme(source)}'. "
            "Pass a local path, an s3://, gs://, az:// or https:// URL, or a "
            "database URL."
        )
    if isinstance(source, pl.LazyFrame):
        return partial(lazy_frames, source)
    if isinstance(source, pl.DataFrame | pa.Table | pa.RecordBatch):
        frame = to_frame(source)
        return lambda _chunk_rows: iter([frame])
    if is_stream(source) and not is_dataframe(source):
        return partial(stream_frames, source)
    frame = to_frame(source)
    return lambda _chunk_rows: iter([frame])


def _chunks(
    frames: Iterator[pl.DataFrame], chunk_rows: int, name: str
) -> Iterator[pl.DataFrame]:
    """Cut frames into chunks of exactly ``chunk_rows`` rows, all of one schema.

    The first frame fixes the schema. Frames that already have the right size pass
    through unchanged.
    """
    guarded = _guarded(frames, name)
    first = next(guarded)
    schema = first.schema
    pending: list[pl.DataFrame] = []
    pending_rows = 0
    emitted = False
    for frame in _prepend(first, guarded):
        rest = _fit(frame, schema, name)
        _check_times(rest, name)
        while rest.height:
            take = min(chunk_rows - pending_rows, rest.height)
            pending.append(rest if take == rest.height else rest.slice(0, take))
            pending_rows += take
            rest = rest.slice(take)
            if pending_rows == chunk_rows:
                yield _joined(pending)
                pending, pending_rows, emitted = [], 0, True
    if pending:
        yield _joined(pending)
    elif not emitted:
        yield first.clear()


def _prepend(
    first: pl.DataFrame, rest: Iterator[pl.DataFrame]
) -> Iterator[pl.DataFrame]:
    yield first
    yield from rest


def _joined(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")


def _guarded(frames: Iterator[pl.DataFrame], name: str) -> Iterator[pl.DataFrame]:
    """Turn third-party errors a reader did not wrap into SourceError."""
    try:
        yield from frames
    except (pl.exceptions.PolarsError, pa.ArrowException, OSError) as exc:
        raise SourceError(
            f"Cannot read '{name}': {first_line(exc)}. "
            "Check that the data is complete and well formed."
        ) from exc


def _fit(frame: pl.DataFrame, schema: pl.Schema, name: str) -> pl.DataFrame:
    """Make a later chunk match the first chunk's schema, if that loses nothing."""
    if frame.schema == schema:
        return frame
    if frame.columns != schema.names():
        raise SourceError(
            f"The columns of '{name}' change partway through: {schema.names()} "
            f"became {frame.columns}. Give every part of the source the same columns."
        )
    return frame.with_columns(
        _fit_column(frame[column], dtype, name)
        for column, dtype in schema.items()
        if frame.schema[column] != dtype
    )


def _fit_column(values: pl.Series, dtype: pl.DataType, name: str) -> pl.Series:
    if values.dtype == pl.Null or values.null_count() == values.len():
        return pl.Series(values.name, [None] * values.len(), dtype=dtype)
    try:
        fitted = values.cast(dtype, strict=True)
        lossless = bool(fitted.cast(values.dtype).eq_missing(values).all())
    except (pl.exceptions.PolarsError, pa.ArrowException):
        lossless = False
    if lossless:
        return fitted
    raise SourceError(
        f"Column '{values.name}' is {dtype} in the first rows of '{name}' but "
        f"holds {values.dtype} later. Cast it to one type in the source (in SQL: "
        "CAST in the query), or pass a larger chunk_rows."
    )


def _check_times(frame: pl.DataFrame, name: str) -> None:
    """Refuse dates and times that microseconds cannot hold (beyond year 262,143).

    Parquet and Arrow carry dates in days and times in seconds or milliseconds far
    past the years polars can show or profile; reading on would crash later.
    """
    for column, dtype in frame.schema.items():
        coarse = dtype == pl.Date or (
            isinstance(dtype, pl.Datetime) and dtype.time_unit == "ms"
        )
        if not coarse:
            continue
        values = frame.get_column(column)
        beyond = (
            values.cast(pl.Datetime("us"), strict=False).null_count()
            - values.null_count()
        )
        if beyond:
            raise SourceError(
                f"Column '{column}' of '{name}' holds {beyond:,} date(s) or time(s) "
                "beyond what pipewarden can read (years -262,143 to 262,143). Replace "
                "them with null or a sentinel date in the source."
            )


def _kind_name(source: object) -> str:
    if isinstance(source, pl.DataFrame):
        return "polars DataFrame"
    if isinstance(source, pl.LazyFrame):
        return "polars LazyFrame"
    if isinstance(source, pa.Table):
        return "Arrow table"
    if isinstance(source, pa.RecordBatch):
        return "Arrow record batch"
    if is_dataset(source):
        return "Arrow dataset"
    if isinstance(source, pa.RecordBatchReader):
        return "Arrow stream"
    if is_dataframe(source):
        return f"{type(source).__module__.split('.')[0]} {type(source).__name__}"
    if isinstance(source, Mapping):
        return "record"
    if isinstance(source, list | tuple):
        return "records"
    return type(source).__name__
