"""The Engine protocol: what a compute engine does for pipewarden."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import polars as pl

from pipewarden.profiles.dataset import DatasetProfile


@runtime_checkable
class Engine(Protocol):
    """Computes mergeable profiles of batches."""

    name: str
    reads_ahead: bool
    """Whether the engine reads the next chunk while it works on this one: then the
    chunks it is handed need not be read ahead of it (``iter_frames(read_ahead=)``)."""

    def profile_frames(
        self, frames: Iterable[pl.DataFrame], segments: Sequence[str] | None = None
    ) -> DatasetProfile:
        """Profile a stream of chunks into one profile (with per-segment profiles)."""
        ...

    def profile_frame(
        self, frame: pl.DataFrame, segments: Sequence[str] | None = None
    ) -> DatasetProfile:
        """Profile one in-memory chunk (with per-segment profiles)."""
        ...


@runtime_checkable
class SourceEngine(Engine, Protocol):
    """An engine that reads sources itself, where the data lives (Spark reads Parquet
    and profiles DataFrames on its executors) instead of being handed local chunks."""

    def profile_source(
        self,
        source: Any,
        *,
        segments: Sequence[str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> DatasetProfile:
        """Profile a source: a path, or a DataFrame of the engine's own kind."""
        ...
