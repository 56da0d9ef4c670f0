"""Read data in object stores and on web servers (``s3://``, ``gs://``, ``az://``,
``https://``) through fsspec.

Parquet and Arrow IPC are read where they lie, a record batch at a time (Arrow's
dataset scanner over the fsspec filesystem: a folder, hive partitions or a glob).
CSV and JSON Lines, and anything behind ``https://``, are first copied in a stream to
a temporary file that is removed after reading: their readers need to seek, and
the copy costs disk, not memory. Credentials and endpoints come from the usual
places of each store (``AWS_*`` variables, ``~/.aws``, ...), never from pipewarden.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import polars as pl

from pipewarden._optional import require
from pipewarden.errors import MissingDependencyError, SourceError
from pipewarden.io._datasets import dataset_frames, parquet_dataset
from pipewarden.io._files import FileSet, file_frames
from pipewarden.io._reasons import first_line
from pipewarden.io.formats import format_of, readable_text

REMOTE_SCHEMES = frozenset(
    {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "http", "https"}
)
_PACKAGES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
    "http": "aiohttp",
    "https": "aiohttp",
}
"""The fsspec implementation each scheme needs, for the install hint."""
_GLOB_CHARS = frozenset("*?[")

if TYPE_CHECKING:
    import pyarrow.dataset as ds
_COPY_BLOCK = 8 << 20


@dataclass(frozen=True, slots=True)
class Remote:
    """One remote source: a dataset read in place, or a file to copy first."""

    url: str
    dataset: ds.Dataset | None
    filesystem: Any = None
    path: str = ""

    def frames(self, chunk_rows: int) -> Iterator[pl.DataFrame]:
        """The schema frame, then the rows."""
        if self.dataset is not None:
            return dataset_frames(self.dataset, chunk_rows)
        return self._copied_frames(chunk_rows)

    def _copied_frames(self, chunk_rows: int) -> Iterator[pl.DataFrame]:
        name = PurePosixPath(self.path.split("?")[0]).name or "data"
        with tempfile.TemporaryDirectory(prefix="pipewarden-") as folder:
            local = Path(folder) / name
            try:
                with (
                    self.filesystem.open(self.path, "rb") as remote,
                    local.open("wb") as copy,
                ):
                    shutil.copyfileobj(remote, copy, _COPY_BLOCK)
            except (OSError, ValueError) as exc:
                raise SourceError(
                    f"Cannot download '{self.url}': {first_line(exc)}. Check the URL "
                    "and that the server is reachable."
                ) from exc
            fmt = format_of(local)
            assert fmt is not None  # checked in open_remote
            yield from file_frames(FileSet(self.url, fmt, (local,)), chunk_rows)


def open_remote(url: str, scheme: str) -> Remote:
    """Find what a remote URL points at: a Parquet folder or glob, or one file.

    Raises:
        MissingDependencyError: fsspec or the store's package is not installed.
        SourceError: Nothing there, or a file of a format we cannot tell.
    """
    fs, path = _filesystem(url, scheme)
    if scheme in ("http", "https"):
        _format(url, url)
        return Remote(url, None, fs, url)
    try:
        if _GLOB_CHARS.intersection(path):
            files = sorted(fs.glob(path))
            return Remote(url, _parquet_files(files, url, fs), fs, path)
        if fs.isdir(path):
            return Remote(url, parquet_dataset(path, url, fs), fs, path)
        exists = fs.exists(path)
    except (OSError, ValueError) as exc:
        raise SourceError(
            f"Cannot list '{url}': {first_line(exc)}. Check the URL and the "
            "store's credentials (e.g. AWS_* variables for s3://)."
        ) from exc
    if not exists:
        raise SourceError(
            f"No such object: '{url}'. Check the bucket and key, or pass a folder "
            "of Parquet files."
        )
    fmt = _format(path, url)
    if fmt == "parquet":
        return Remote(url, parquet_dataset([path], url, fs), fs, path)
    if fmt == "ipc":
        import pyarrow.dataset as ds

        return Remote(url, ds.dataset(path, filesystem=fs, format="ipc"), fs, path)
    return Remote(url, None, fs, path)


def _filesystem(url: str, scheme: str) -> tuple[Any, str]:
    fsspec = require("fsspec", extra="cloud", purpose=f"Reading {scheme}:// URLs")
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        package = _PACKAGES.get(scheme, "the fsspec implementation for it")
        raise MissingDependencyError(
            f"Reading {scheme}:// URLs needs {package}. Install it with: pip install "
            f"{package} (s3:// and https:// come with 'pipewarden[cloud]')."
        ) from exc
    except ValueError as exc:
        raise SourceError(
            f"Cannot read '{url}': {first_line(exc)}. Use an s3://, gs://, az:// or "
            "https:// URL, or a local path."
        ) from exc
    return fs, str(path)


def _format(path: str, url: str) -> str:
    fmt = format_of(Path(PurePosixPath(path.split("?")[0]).name))
    if fmt is None:
        raise SourceError(f"Unknown file type for '{url}'. {readable_text()}")
    return fmt


def _parquet_files(files: list[str], url: str, fs: Any) -> ds.Dataset:
    if not files:
        raise SourceError(f"No objects match '{url}'. Check the pattern.")
    others = [f for f in files if format_of(Path(PurePosixPath(f).name)) != "parquet"]
    if others:
        raise SourceError(
            f"Glob '{url}' matches objects that are not Parquet, such as "
            f"'{others[0]}'. Narrow the pattern (e.g. 's3://bucket/data/*.parquet')."
        )
    return parquet_dataset(files, url, fs)
