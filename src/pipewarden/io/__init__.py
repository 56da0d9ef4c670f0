"""Read paths, globs, database URLs and in-memory data as polars frames, in chunks."""

from __future__ import annotations

from pipewarden.io.sources import (
    DEFAULT_CHUNK_ROWS,
    SourceExtent,
    SourceLike,
    describe_source,
    iter_frames,
    read_frame,
    source_extent,
    source_size_bytes,
)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "SourceExtent",
    "SourceLike",
    "describe_source",
    "iter_frames",
    "read_frame",
    "source_extent",
    "source_size_bytes",
]
