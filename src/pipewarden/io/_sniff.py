"""Tell what a file holds from its first bytes, so no file is read as something else.

A file is read by its extension, but its content has the last word: a gzip or zstd
CSV is decompressed whatever its name, and a Parquet file named ``.csv``, UTF-16
text, an archive or binary data is refused with what it looks like and what to do.
"""

from __future__ import annotations

import gzip
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Literal, cast

from pipewarden.errors import SourceError
from pipewarden.io._reasons import first_line

__all__ = ["check_content", "check_unique_names", "compression_of", "open_bytes"]

SNIFF_BYTES = 1 << 16
"""How much of a text file is looked at: its first 64 KiB (decompressed)."""

Compression = Literal["gzip", "zstd"]
_COMPRESSIONS: tuple[tuple[bytes, Compression], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
"""Compressions polars reads in CSV and JSON Lines: decompressed whatever the name."""
_FORMATS = (
    (b"PAR1", "a Parquet file", "Parquet", ".parquet"),
    (b"ARROW1", "an Arrow IPC file", "Arrow IPC", ".arrow"),
    (b"\xff\xff\xff\xff", "an Arrow IPC stream", "Arrow IPC", ".arrow"),
)
"""(magic, what it is, format title, suffix to give it)."""
_ARCHIVES = (
    (b"PK\x03\x04", "a zip archive", "unzip it"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it (xz -d)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it"),
)
_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
_TEXT_FORMATS = frozenset({"csv", "jsonl"})
_TITLES = {
    "csv": "CSV",
    "jsonl": "JSON Lines",
    "parquet": "Parquet",
    "ipc": "Arrow IPC",
}


def compression_of(path: Path) -> Compression | None:
    """The compression a file's first bytes announce, if polars reads it."""
    with path.open("rb") as handle:
        head = handle.read(4)
    return next((name for magic, name in _COMPRESSIONS if head.startswith(magic)), None)


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when its content is gzip or zstd."""
    compression = compression_of(path)
    if compression == "gzip":
        return cast(IO[bytes], gzip.GzipFile(path, "rb"))
    if compression == "zstd":
        import pyarrow as pa

        stream: IO[bytes] = pa.CompressedInputStream(os.fspath(path), "zstd")
        return stream
    return path.open("rb")


def check_content(path: Path, fmt: str, label: str) -> None:
    """Refuse a file whose content is not the format its name says.

    Raises:
        SourceError: It is another format, an archive, UTF-16/32 text or binary data;
            the message says what it looks like and what to do.
    """
    title = _TITLES.get(fmt, fmt)
    if fmt in _TEXT_FORMATS:
        _check_text(path, title, label)
        return
    with path.open("rb") as handle:
        head = handle.read(8)
    if fmt != "parquet" or head.startswith(b"PAR1"):
        return  # an IPC file or stream has no single magic: its reader checks it
    found = _what(head, title)
    if found is not None:
        what, fix = found
        raise SourceError(f"File '{label}' is {what}, not {title}. {fix}")


def check_unique_names(names: Sequence[str], label: str) -> None:
    """Refuse a file whose header names a column more than once.

    Raises:
        SourceError: Names the repeated columns and where they are.
    """
    counts = Counter(names)
    repeated = [name for name, count in counts.items() if count > 1]
    if not repeated:
        return
    where = ", ".join(
        f"'{name}' (columns {_positions(names, name)})" for name in repeated
    )
    raise SourceError(
        f"File '{label}' has duplicate column names: {where}. A contract checks one "
        "column per name, so pipewarden does not rename them: rename the duplicates "
        "in the header, or export the file again."
    )


def _check_text(path: Path, title: str, label: str) -> None:
    try:
        with open_bytes(path) as handle:
            head = handle.read(SNIFF_BYTES)
    except (OSError, EOFError, ValueError) as exc:  # pyarrow's errors are ValueErrors
        raise SourceError(
            f"File '{label}' is {compression_of(path)}-compressed but does not "
            f"decompress ({first_line(exc)}). Check that it was written completely, "
            "or export it again."
        ) from exc
    for magic, encoding in _BOMS:
        if head.startswith(magic):
            raise SourceError(
                f"File '{label}' is {encoding} text (it starts with a {encoding} "
                f"byte-order mark); pipewarden reads UTF-8. Re-encode it, e.g. "
                f"iconv -f {encoding} -t UTF-8 '{label}' > utf8{path.suffix}."
            )
    found = _what(head, title)
    if found is not None:
        what, fix = found
        raise SourceError(f"File '{label}' is {what}, not {title} text. {fix}")
    if b"\x00" in head:
        raise SourceError(
            f"File '{label}' is not {title} text: it holds NUL bytes in its first "
            "64 KiB, so it is binary data (or UTF-16/UTF-32 text without a "
            "byte-order mark). Check that it is the file you meant; re-encode text "
            "as UTF-8."
        )


def _what(head: bytes, title: str) -> tuple[str, str] | None:
    """What a file starting with ``head`` is, when its first bytes say so, and
    what to do about it."""
    for magic, what, other, suffix in _FORMATS:
        if head.startswith(magic) and other != title:
            return what, (
                f"Give it the extension {suffix} to read it as {other}, or pass the "
                f"{title} file."
            )
    for magic, what, fix in _ARCHIVES:
        if head.startswith(magic):
            return what, f"{fix.capitalize()} first, then pass the file inside."
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return "bzip2-compressed", (
            "Decompress it (bunzip2) first, or compress it with gzip or zstd, which "
            "pipewarden reads."
        )
    for magic, compression in _COMPRESSIONS:
        if head.startswith(magic):
            return (
                f"{compression}-compressed",
                f"Decompress it first ({title} files are read as they are).",
            )
    return None


def _positions(names: Sequence[str], name: str) -> str:
    found = [str(index + 1) for index, each in enumerate(names) if each == name]
    return f"{', '.join(found[:-1])} and {found[-1]}"
