"""Profile a batch in one pass: the workflow behind ``pw.profile`` and ``pipewarden profile``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from pipewarden.engines.registry import resolve_engine
from pipewarden.io.sources import DEFAULT_CHUNK_ROWS, iter_frames
from pipewarden.profiles.dataset import DatasetProfile, is_profile_json

ProgressFn = Callable[[int], None]
"""Called with the number of rows just profiled."""


def profile(
    data: Any,
    *,
    engine: str = "local",
    query: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: ProgressFn | None = None,
    segments: list[str] | None = None,
) -> DatasetProfile:
    """Profile a batch in one pass, chunk by chunk.

    Args:
        data: A path, glob or URL (CSV, Parquet, JSON Lines, Arrow IPC), a SQLAlchemy
            URL with ``query``, or a polars/pandas/pyarrow frame.
        engine: Compute engine name.
        query: SQL query, when ``data`` is a database URL.
        chunk_rows: Rows per chunk; memory stays bounded by this.
        progress: Called after each chunk with its row count.
        segments: Columns whose most frequent values also get a profile of their own
            (``DatasetProfile.segments``), so drift can name the segment behind a change.

    Returns:
        The mergeable profile of the whole batch.

    Raises:
        SourceError: The data cannot be read.

    Example:
        >>> import pipewarden as pw
        >>> prof = pw.profile("transactions.parquet")  # doctest: +SKIP
    """
    frames = iter_frames(data, chunk_rows=chunk_rows, query=query)
    tracked = _tracked(frames, progress)
    if segments:
        return resolve_engine(engine).profile_frames(tracked, segments)
    return resolve_engine(engine).profile_frames(tracked)


def _tracked(
    frames: Iterator[pl.DataFrame], progress: ProgressFn | None
) -> Iterator[pl.DataFrame]:
    for frame in frames:
        yield frame
        if progress is not None:
            progress(frame.height)


def as_profile(data: Any, **kwargs: Any) -> DatasetProfile:
    """``data`` itself if it is a profile, the saved profile it names, or its profile."""
    if isinstance(data, DatasetProfile):
        return data
    if isinstance(data, str | Path) and is_profile_json(data):
        return DatasetProfile.load(data)
    return profile(data, **kwargs)
