"""Uploaded files, kept in a temporary folder while a workflow reads them, so an
upload goes through the same readers as a file named on the command line."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from pipewarden.errors import SourceError

__all__ = ["UPLOAD_SUFFIXES", "saved_upload", "upload_name"]

UPLOAD_SUFFIXES = (".csv", ".parquet", ".jsonl", ".ndjson", ".arrow", ".ipc")
_CHUNK = 1 << 20


@contextmanager
def saved_upload(file: UploadFile) -> Iterator[Path]:
    """The uploaded file on disk (named after the client's name), removed afterwards.

    Raises:
        SourceError: The name has no extension pipewarden reads.
    """
    name = upload_name(file.filename)
    with tempfile.TemporaryDirectory(prefix="pipewarden-upload-") as folder:
        path = Path(folder) / name
        with path.open("wb") as sink:
            while chunk := file.file.read(_CHUNK):
                sink.write(chunk)
        yield path


def upload_name(filename: str | None) -> str:
    """A safe file name with a readable extension, from the client's.

    Raises:
        SourceError: No name, or an extension pipewarden does not read.
    """
    base = Path(filename or "").name
    suffix = Path(base).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise SourceError(
            f"The uploaded file '{base}' has no readable extension. Upload a "
            f"{', '.join(UPLOAD_SUFFIXES)} file."
        )
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(base).stem)[:100] or "batch"
    return stem + suffix
