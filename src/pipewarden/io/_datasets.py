"""Arrow datasets and streams, read a record batch at a time.

A ``pyarrow.dataset`` (a hive-partitioned folder, a remote bucket, or one a caller
built), an Arrow stream (``pa.RecordBatchReader``, an IPC stream, a DuckDB relation or
anything with ``__arrow_c_stream__``) is read through Arrow's scanner with one batch
and one file of read-ahead, so memory holds a few batches whatever the data's size.
``pyarrow.dataset`` is imported only when one is read (it loads pandas: 0.25 s).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from pipewarden.errors import SourceError
from pipewarden.io._formats import frame_from_arrow, schema_frame
from pipewarden.io._reasons import first_line

BATCH_READAHEAD = 1
"""Batches Arrow decodes ahead of the consumer (per file)."""
FRAGMENT_READAHEAD = 1
"""Files Arrow opens ahead of the consumer."""

if TYPE_CHECKING:
    import pyarrow.dataset as ds


def is_stream(obj: object) -> bool:
    """Whether an object hands out Arrow record batches (the Arrow C stream protocol)."""
    return isinstance(obj, pa.RecordBatchReader) or hasattr(obj, "__arrow_c_stream__")


def is_dataset(obj: object) -> bool:
    """Whether an object is a ``pyarrow.dataset.Dataset`` (without importing it)."""
    module = sys.modules.get("pyarrow.dataset")
    return module is not None and isinstance(obj, module.Dataset)


def parquet_dataset(
    paths: str | list[str], label: str, filesystem: Any = None
) -> ds.Dataset:
    """A Parquet dataset over a folder (``key=value`` sub-folders become columns)
    or over a list of files.

    Raises:
        SourceError: The files cannot be opened or disagree on their schema.
    """
    import pyarrow.dataset as ds

    # key=value folders become columns; values read as integers where all are.
    hive = ds.HivePartitioning.discover(infer_dictionary=False)
    try:
        return ds.dataset(
            paths,
            filesystem=filesystem,
            format="parquet",
            partitioning=hive if isinstance(paths, str) else None,
        )
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise SourceError(
            f"Cannot open the Parquet dataset '{label}': {first_line(exc)}. "
            "Check that every file under it is a complete Parquet file."
        ) from exc


def dataset_frames(dataset: ds.Dataset, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The schema frame, then the rows in batches of at most ``chunk_rows``."""
    yield schema_frame(dataset.schema)
    scanner = dataset.scanner(
        batch_size=chunk_rows,
        batch_readahead=BATCH_READAHEAD,
        fragment_readahead=FRAGMENT_READAHEAD,
    )
    for batch in scanner.to_batches():
        if batch.num_rows:
            yield frame_from_arrow(batch)


def stream_frames(obj: object, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The schema frame, then the stream's record batches as they come."""
    try:
        reader = (
            obj
            if isinstance(obj, pa.RecordBatchReader)
            else pa.RecordBatchReader.from_stream(obj)
        )
    except (pa.ArrowException, TypeError) as exc:
        raise SourceError(
            f"Cannot read the Arrow stream of a {type(obj).__name__}: "
            f"{first_line(exc)}. Pass a pyarrow Table or a path instead."
        ) from exc
    yield schema_frame(reader.schema)
    for batch in reader:
        for start in range(0, batch.num_rows, chunk_rows):
            yield frame_from_arrow(batch.slice(start, chunk_rows))


def dataset_rows(dataset: ds.Dataset) -> int | None:
    """Rows in a dataset from the file footers (no data read), or None."""
    try:
        return int(dataset.count_rows())
    except (pa.ArrowException, OSError):
        return None


def dataset_bytes(dataset: ds.Dataset) -> int | None:
    """Bytes of a dataset's files, or None when it is not made of files."""
    import pyarrow.dataset as ds

    if not isinstance(dataset, ds.FileSystemDataset):
        return None
    try:
        infos = dataset.filesystem.get_file_info(dataset.files)
    except (pa.ArrowException, OSError):
        return None
    return sum(max(info.size or 0, 0) for info in infos)


def dataset_row_bytes(dataset: ds.Dataset, rows: int = 2048) -> float | None:
    """Bytes a row of the dataset takes in memory, from its first rows."""
    try:
        head = dataset.head(rows)
    except (pa.ArrowException, OSError):
        return None
    return head.nbytes / head.num_rows if head.num_rows else None


def is_hive_folder(path: Path) -> bool:
    """Whether a folder holds ``key=value`` sub-folders (a hive-partitioned dataset)."""
    return any(
        child.is_dir() and "=" in child.name and not child.name.startswith((".", "_"))
        for child in path.iterdir()
    )
