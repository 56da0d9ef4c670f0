"""The file formats pipewarden reads and writes: one table of suffixes, readers and writers.

>>> from pathlib import Path
>>> from pipewarden.io.formats import FORMATS, format_of
>>> FORMATS["parquet"].suffixes
('.parquet', '.pq')
>>> format_of(Path("batch.csv.gz"))
'csv'
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import polars as pl

from pipewarden.errors import ConfigError
from pipewarden.io._formats import read_csv, read_ipc, read_jsonl, read_parquet
from pipewarden.io._reasons import first_line
from pipewarden.io.outputs import write_atomically

__all__ = [
    "DEFAULT_WRITE_FORMAT",
    "FORMATS",
    "FileFormat",
    "Format",
    "format_of",
    "readable_text",
    "write_format_of",
    "write_frame",
]

Format = Literal["csv", "parquet", "jsonl", "ipc"]
Reader = Callable[[Sequence[Path], str, int, bool, bool], Iterator[pl.DataFrame]]
"""``(files, label, chunk_rows, ahead, optimistic)`` -> the schema frame, then the
rows in chunks; with ``ahead``, the next chunk is read while the caller works on
one; with ``optimistic``, a reader that checks a whole file before yielding any
row (CSV, JSON Lines) may yield rows first and raise ``ReadAgainError`` later."""
Writer = Callable[[pl.DataFrame, Path], None]


@dataclass(frozen=True, slots=True)
class FileFormat:
    """One file format: how its files are named, read and written."""

    name: Format
    title: str
    """What people call it, for messages: ``"JSON Lines"``."""
    suffixes: tuple[str, ...]
    """Extensions read as this format, lower case."""
    write_suffixes: tuple[str, ...]
    """Extensions written as this format; the first is the one to suggest."""
    read: Reader
    write: Writer
    gzip: bool = False
    """Also read gzip-compressed (``.csv.gz``)."""


def _write_csv(frame: pl.DataFrame, path: Path) -> None:
    frame.write_csv(path)


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    frame.write_parquet(path)


def _write_jsonl(frame: pl.DataFrame, path: Path) -> None:
    frame.write_ndjson(path)


def _write_ipc(frame: pl.DataFrame, path: Path) -> None:
    frame.write_ipc(path)


FORMATS: Mapping[Format, FileFormat] = MappingProxyType(
    {
        "csv": FileFormat(
            "csv",
            "CSV",
            (".csv", ".tsv", ".txt"),
            (".csv",),
            read_csv,
            _write_csv,
            gzip=True,
        ),
        "parquet": FileFormat(
            "parquet",
            "Parquet",
            (".parquet", ".pq"),
            (".parquet", ".pq"),
            read_parquet,
            _write_parquet,
        ),
        "jsonl": FileFormat(
            "jsonl",
            "JSON Lines",
            (".jsonl", ".ndjson"),
            (".jsonl", ".ndjson"),
            read_jsonl,
            _write_jsonl,
        ),
        "ipc": FileFormat(
            "ipc",
            "Arrow IPC",
            (".arrow", ".feather", ".ipc"),
            (".arrow", ".feather", ".ipc"),
            read_ipc,
            _write_ipc,
        ),
    }
)
"""Every format, by name."""
DEFAULT_WRITE_FORMAT: Format = "parquet"
"""The format to write when in doubt: it keeps every dtype."""

_READ = {suffix: f.name for f in FORMATS.values() for suffix in f.suffixes}
_WRITE = {suffix: f.name for f in FORMATS.values() for suffix in f.write_suffixes}


def format_of(path: Path) -> Format | None:
    """The format a file name implies for reading, or None for an unknown extension."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] == ".gz":
        found = _READ.get(suffixes[-2])
        return found if found is not None and FORMATS[found].gzip else None
    return _READ.get(path.suffix.lower())


def readable_text() -> str:
    """The formats that can be read, as a sentence for error messages."""
    parts = [f"{f.title} ({', '.join(_read_names(f))})" for f in FORMATS.values()]
    return f"Use {', '.join(parts[:-1])} or {parts[-1]}."


def write_format_of(path: str | os.PathLike[str]) -> Format:
    """The format a file name asks to be written in.

    Raises:
        ConfigError: The extension is not one we write; the message lists those we do.
    """
    found = _WRITE.get(Path(path).suffix.lower())
    if found is None:
        raise ConfigError(
            f"Cannot tell the format of '{os.fspath(path)}' from its extension. End "
            f"it with {_writable_text()}."
        )
    return found


def write_frame(frame: pl.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a frame in the format its file name asks for, creating folders on the way.

    The frame is written beside the file and renamed into place, so an interrupted
    run leaves the previous file whole (see ``io.outputs.write_atomically``).

    Raises:
        ConfigError: Unknown extension, a path that cannot be written, or a frame
            the format cannot hold.
    """
    fmt = write_format_of(path)
    target = Path(path)
    try:
        write_atomically(target, lambda temporary: FORMATS[fmt].write(frame, temporary))
    except OSError as exc:
        raise ConfigError(
            f"Cannot write '{target}': {exc.strerror or exc}. Choose a writable path."
        ) from exc
    except pl.exceptions.PolarsError as exc:
        raise ConfigError(
            f"Cannot write '{target}' as {fmt}: {first_line(exc)}. Write "
            f"{FORMATS[DEFAULT_WRITE_FORMAT].title} instead."
        ) from exc


def _read_names(f: FileFormat) -> tuple[str, ...]:
    return f.suffixes + ((f"{f.suffixes[0]}.gz",) if f.gzip else ())


def _writable_text() -> str:
    """One suffix per format, the default format first: '.parquet, .csv, ... or .arrow'."""
    ordered = sorted(FORMATS.values(), key=lambda f: f.name != DEFAULT_WRITE_FORMAT)
    names = [f.write_suffixes[0] for f in ordered]
    return f"{', '.join(names[:-1])} or {names[-1]}"
