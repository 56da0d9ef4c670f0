"""Find the files behind a path, directory, glob or file:// URL, their format, and read them."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipewarden._polars import select_columns
from pipewarden.errors import SourceError
from pipewarden.io._formats import parquet_columns, polars_reads
from pipewarden.io._sniff import check_content
from pipewarden.io.formats import FORMATS, Format, readable_text
from pipewarden.io.formats import format_of as format_of  # store.inputs reads it here

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class FileSet:
    """The files behind one path-like source, all of one format."""

    label: str
    """The source as the caller wrote it, for messages."""
    format: Format
    files: tuple[Path, ...]


def file_frames(
    files: FileSet,
    chunk_rows: int,
    columns: Sequence[str] | None = None,
    *,
    ahead: bool = True,
    optimistic: bool = False,
) -> Iterator[pl.DataFrame]:
    """Yield the schema frame, then the rows of every file in order; with
    ``columns``, only those (Parquet decodes no others); with ``ahead``, the next
    chunk is read while the caller works on one; with ``optimistic``, see
    ``sources.iter_frames``."""
    if columns is not None and files.format == "parquet":
        return parquet_columns(files.files, chunk_rows, columns, ahead)
    frames = FORMATS[files.format].read(
        files.files, files.label, chunk_rows, ahead, optimistic
    )
    if columns is None:
        return frames
    return (select_columns(frame, columns) for frame in frames)


def path_text(source: str | os.PathLike[str]) -> str:
    """Return the local path a path or file:// URL points at."""
    text = os.fspath(source)
    if not text.lower().startswith("file:"):
        return text
    parsed = urlparse(text)
    if parsed.netloc not in ("", "localhost"):
        raise SourceError(
            f"Cannot read '{text}': file:// URLs must point at this machine, not "
            f"'{parsed.netloc}'. Copy the file here, or mount it and pass its path."
        )
    from urllib.request import url2pathname

    return url2pathname(parsed.path)


def resolve_files(source: str | os.PathLike[str]) -> FileSet:
    """Find the data files a path, directory, glob or file:// URL refers to.

    Raises:
        SourceError: Nothing to read there, or a format we cannot tell.
    """
    label = os.fspath(source)
    text = path_text(source)
    path = Path(text)
    if path.is_dir():
        return FileSet(label, "parquet", _parquet_files_in(path, label))
    if path.is_file():
        fmt = _known_format(path, label)
        return FileSet(label, fmt, (_checked(_non_empty(path, label), fmt, label),))
    if _GLOB_CHARS.intersection(text):
        return FileSet(label, "parquet", _parquet_files_matching(text, label))
    raise SourceError(
        f"No such file: '{label}'. "
        "Check the path, or pass a directory or glob of Parquet files."
    )


def total_bytes(source: str | os.PathLike[str]) -> int | None:
    """Return the bytes on disk behind a path-like source, or None if unknown."""
    try:
        files = resolve_files(source).files
        return sum(path.stat().st_size for path in files)
    except (SourceError, OSError):
        return None


def _known_format(path: Path, label: str) -> Format:
    found = format_of(path)
    if found is None:
        extension = f"'{path.suffix}'" if path.suffix else "(no extension)"
        raise SourceError(
            f"Unknown file type {extension} for '{label}'. {readable_text()}"
        )
    return found


def _non_empty(path: Path, label: str) -> Path:
    if path.stat().st_size == 0:
        raise SourceError(
            f"File '{label}' is empty (0 bytes). "
            "Check that the job writing it finished, or pass another file."
        )
    return path


def _checked(path: Path, fmt: Format, label: str | None = None) -> Path:
    check_content(path, fmt, str(path) if label is None else label)
    return path


def _is_data_file(path: Path) -> bool:
    hidden = path.name.startswith((".", "_"))
    return path.is_file() and not hidden and format_of(path) == "parquet"


def _parquet_files_in(directory: Path, label: str) -> tuple[Path, ...]:
    files = sorted(
        (path for path in directory.iterdir() if _is_data_file(path)),
        key=lambda path: path.name,
    )
    if not files:
        raise SourceError(
            f"No Parquet files in directory '{label}'. Put .parquet or .pq files "
            "in it, or pass a glob such as 'data/**/*.parquet' for nested folders."
        )
    return tuple(_checked(_non_empty(path, str(path)), "parquet") for path in files)


def _parquet_files_matching(pattern: str, label: str) -> tuple[Path, ...]:
    matches = sorted(glob.glob(pattern, recursive=True))
    files = [Path(match) for match in matches if Path(match).is_file()]
    if not files:
        raise SourceError(
            f"No files match '{label}'. Check the pattern, or pass a file path."
        )
    others = [path for path in files if format_of(path) != "parquet"]
    if others:
        raise SourceError(
            f"Glob '{label}' matches files that are not Parquet, such as "
            f"'{others[0]}'. Narrow the pattern (e.g. 'data/*.parquet'), "
            "or read other formats one file at a time."
        )
    return tuple(_checked(_non_empty(path, str(path)), "parquet") for path in files)


_PROBE_ROWS = 2_048
"""Leading rows read to tell how much memory a row takes."""
_PROBE_BYTES = 1 << 16
"""Leading bytes of a text file read to estimate its rows from its lines."""


def file_row_bytes(files: FileSet) -> float | None:
    """Bytes a row takes in memory: from the first rows of a Parquet file, from the
    length of the first lines of text (a number's text is about as long as its
    value in memory; JSON Lines repeat their keys, so this errs on the safe side).
    None when it cannot be told cheaply (Arrow IPC keeps its writer's batches)."""
    path = files.files[0]
    if files.format == "parquet":
        try:
            head = _parquet_head(path)
        except (pl.exceptions.PolarsError, pa.ArrowException, OSError):
            return None  # the reader will say what is wrong
        return head.nbytes / head.num_rows if head.num_rows else None
    if files.format in ("csv", "jsonl") and path.suffix.lower() != ".gz":
        lines, sample = _line_sample(path)
        return _TEXT_ROW_FACTOR * len(sample) / lines if lines else None
    return None


def _parquet_head(path: Path) -> pa.Table:
    """The file's first ``_PROBE_ROWS`` rows: decoded by Polars, which reads just those
    (pyarrow decodes their whole row group), unless a time zone needs pyarrow."""
    if not polars_reads(pq.read_schema(path)):
        with pq.ParquetFile(path) as handle:
            head = next(handle.iter_batches(batch_size=_PROBE_ROWS), None)
        return pa.table({}) if head is None else pa.Table.from_batches([head])
    return pl.scan_parquet(path, glob=False).head(_PROBE_ROWS).collect().to_arrow()


_TEXT_ROW_FACTOR = 1.5
"""Memory per byte of a text row, with room for string offsets and validity."""


def _line_sample(path: Path) -> tuple[int, bytes]:
    with path.open("rb") as handle:
        head = handle.read(_PROBE_BYTES)
    return head.count(b"\n"), head


def file_rows(files: FileSet) -> int | None:
    """Rows behind a file set: exact for Parquet (footers), estimated from the
    length of the first lines for plain CSV and JSON Lines, else None."""
    if files.format == "parquet":
        try:
            return sum(int(pq.read_metadata(path).num_rows) for path in files.files)
        except (pa.ArrowException, OSError):
            return None
    (path,) = files.files
    if files.format not in ("csv", "jsonl") or path.suffix.lower() == ".gz":
        return None
    lines, head = _line_sample(path)
    if not lines:
        return None
    size = path.stat().st_size
    rows = size * lines / len(head) if len(head) < size else lines
    return max(int(rows) - (files.format == "csv"), 0)
