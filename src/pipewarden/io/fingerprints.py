"""Fingerprint the inputs of a run: path, size, modification time and a content hash.

The hash is cheap where it can be: for Parquet, the footer metadata (schema, row
groups, statistics) identifies the content without reading the data; other files
under 64 MB are hashed whole; larger ones are known by size and time only.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pipewarden.errors import SourceError
from pipewarden.io._files import format_of, path_text, resolve_files
from pipewarden.io._sql import is_database_url
from pipewarden.io.urls import redact_url

__all__ = [
    "MAX_HASHED_BYTES",
    "MAX_INPUT_FILES",
    "HashMethod",
    "InputFingerprint",
    "fingerprint_file",
    "fingerprint_inputs",
]

logger = logging.getLogger(__name__)

MAX_HASHED_BYTES = 64 * 1024 * 1024
"""Files smaller than this (64 MB) are hashed whole (unless they are Parquet)."""
MAX_INPUT_FILES = 1000
"""At most this many files of a directory or glob are fingerprinted."""

_PARQUET_MAGIC = b"PAR1"
_CHUNK = 1024 * 1024

HashMethod = Literal["parquet-footer", "sha256", "size-mtime", "query", "none"]
"""How an input's ``content_hash`` was made (``size-mtime``: no hash, too big)."""


@dataclass(frozen=True, slots=True)
class InputFingerprint:
    """What a run read: a file (or query) and enough to tell whether it changed.

    Attributes:
        path: The file path, or the database URL without password.
        size: Bytes on disk, or None when unknown.
        modified_at: Last modification time (UTC), or None.
        content_hash: Hex sha256 of the content (see ``hash_method``), or None.
        hash_method: ``parquet-footer`` (hash of the Parquet footer metadata),
            ``sha256`` (of all bytes, files under 64 MB), ``size-mtime`` (no hash:
            the file is large), ``query`` (hash of the SQL text) or ``none``.
    """

    path: str
    size: int | None
    modified_at: datetime | None
    content_hash: str | None
    hash_method: HashMethod

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "modified_at": _iso(self.modified_at),
            "content_hash": self.content_hash,
            "hash_method": self.hash_method,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputFingerprint:
        return cls(
            path=str(data["path"]),
            size=None if data.get("size") is None else int(data["size"]),
            modified_at=_parse_time(data.get("modified_at")),
            content_hash=data.get("content_hash"),
            hash_method=data.get("hash_method", "none"),
        )


def fingerprint_inputs(
    data: Any, *, query: str | None = None
) -> tuple[InputFingerprint, ...]:
    """Fingerprint what a source reads: its files, or its query.

    Args:
        data: A path, directory, glob or file:// URL, or a database URL; anything
            else (an in-memory frame) has no input to fingerprint.
        query: The SQL run against a database URL.

    Returns:
        One fingerprint per file (sorted, at most ``MAX_INPUT_FILES``), one for a
        query, or none.
    """
    if isinstance(data, str) and is_database_url(data):
        digest = hashlib.sha256((query or "").encode()).hexdigest()
        return (InputFingerprint(redact_url(data), None, None, digest, "query"),)
    if not isinstance(data, str | os.PathLike):
        return ()
    try:
        files = resolve_files(data).files
    except SourceError:
        return ()
    if len(files) > MAX_INPUT_FILES:
        logger.info(
            "Fingerprinting the first %d of %d files of %s",
            MAX_INPUT_FILES,
            len(files),
            data,
        )
    return tuple(fingerprint_file(path) for path in files[:MAX_INPUT_FILES])


def fingerprint_file(path: str | Path) -> InputFingerprint:
    """Fingerprint one file (see the module docstring for how it is hashed)."""
    p = Path(path_text(os.fspath(path)))
    try:
        stat = p.stat()
    except OSError:
        return InputFingerprint(str(p), None, None, None, "none")
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    resolved = str(p.resolve())
    try:
        if format_of(p) == "parquet":
            footer = _parquet_footer(p, stat.st_size)
            if footer is not None:
                digest = hashlib.sha256(footer).hexdigest()
                return InputFingerprint(
                    resolved, stat.st_size, modified, digest, "parquet-footer"
                )
        if stat.st_size < MAX_HASHED_BYTES:
            return InputFingerprint(
                resolved, stat.st_size, modified, _sha256(p), "sha256"
            )
    except OSError as exc:
        logger.debug("Cannot hash %s: %s", p, exc)
    return InputFingerprint(resolved, stat.st_size, modified, None, "size-mtime")


def _parquet_footer(path: Path, size: int) -> bytes | None:
    """The Thrift-encoded FileMetaData at the end of a Parquet file, or None."""
    if size < 12:
        return None
    with path.open("rb") as fh:
        fh.seek(size - 8)
        tail = fh.read(8)
        if tail[4:] != _PARQUET_MAGIC:
            return None
        length = int.from_bytes(tail[:4], "little")
        if length <= 0 or length > size - 12:
            return None
        fh.seek(size - 8 - length)
        return fh.read(length)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse_time(text: Any) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
