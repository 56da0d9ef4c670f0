"""Profile a batch in one pass: the workflow behind ``pw.profile`` and ``pipewarden profile``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import polars as pl

from pipewarden.checks.findings import Finding
from pipewarden.checks.imbalance import class_balance, imbalance_note
from pipewarden.contracts.model import IMBALANCE_INFO_SHARE
from pipewarden.engines.base import Engine, SourceEngine
from pipewarden.engines.registry import resolve_engine
from pipewarden.engines.spark import is_spark_frame
from pipewarden.errors import ProfileError, ReadAgainError, SourceError
from pipewarden.io.sources import iter_frames, optimistically
from pipewarden.profiles.dataset import DatasetProfile, is_profile_json

ProgressFn = Callable[[int], None]
"""Called with the number of rows just read (negative: taken back, when a source is
read again)."""


@runtime_checkable
class Stages(Protocol):
    """A ``ProgressFn`` that is also told when a workflow starts reading another
    source (``check``: the reference, then the batch again): the CLI's bar then
    starts over, with that source's rows as its total. A plain ``ProgressFn`` counts
    every row read, across the sources."""

    def __call__(self, rows: int) -> None: ...

    def stage(self, label: str, source: Any, query: str | None) -> None:
        """The rows that follow are ``source``'s, read for ``label``."""


def next_stage(
    progress: ProgressFn | None, label: str, source: Any, query: str | None = None
) -> None:
    """Tell ``progress`` the rows that follow are ``source``'s, if it has stages."""
    if isinstance(progress, Stages):
        progress.stage(label, source, query)


def profile(
    data: Any,
    *,
    engine: str = "local",
    query: str | None = None,
    chunk_rows: int | None = None,
    progress: ProgressFn | None = None,
    segments: list[str] | None = None,
    memory_budget: int | None = None,
) -> DatasetProfile:
    """Profile a batch in one pass, chunk by chunk.

    Args:
        data: A path, glob or URL (CSV, Parquet, JSON Lines, Arrow IPC), a SQLAlchemy
            URL with ``query``, a polars/pandas/pyarrow frame, or a Spark DataFrame
            (always profiled by the Spark engine, on its executors).
        engine: Compute engine name: ``local`` (default) or ``spark`` (Parquet read
            by Spark, partitions profiled on the executors and merged).
        query: SQL query, when ``data`` is a database URL.
        chunk_rows: Rows per chunk (default: as many as ``memory_budget`` allows, at
            most 262,144); memory stays bounded by this.
        progress: Called after each chunk with its row count.
        segments: Columns whose most frequent values also get a profile of their own
            (``DatasetProfile.segments``), so drift can name the segment behind a change.
        memory_budget: Bytes the pass may hold at its peak, whatever the input's
            size (default 1 GiB, the ``memory_budget`` setting).

    Returns:
        The mergeable profile of the whole batch.

    Raises:
        SourceError: The data cannot be read.

    Example:
        >>> import pipewarden as pw
        >>> prof = pw.profile("transactions.parquet")  # doctest: +SKIP
    """
    chosen = engine_for(data, engine, query)
    if isinstance(chosen, SourceEngine):
        return chosen.profile_source(data, segments=segments, progress=progress)

    def run(optimistic: bool) -> DatasetProfile:
        frames = iter_frames(
            data,
            chunk_rows=chunk_rows,
            query=query,
            memory_budget=memory_budget,
            read_ahead=not chosen.reads_ahead,
            optimistic=optimistic,
        )
        counted = tracked(frames, progress)
        if segments:
            return chosen.profile_frames(counted, segments)
        return chosen.profile_frames(counted)

    return optimistically(run)


def engine_for(data: Any, engine: str, query: str | None = None) -> Engine:
    """The engine that profiles ``data``: ``engine``, or Spark for a Spark DataFrame
    (its rows live in Spark).

    Raises:
        EngineNotAvailableError: No engine has that name.
        MissingDependencyError: The engine needs an extra that is not installed.
        SourceError: A database query for an engine that reads no databases.
    """
    chosen = resolve_engine("spark" if is_spark_frame(data) else engine)
    if isinstance(chosen, SourceEngine) and query is not None:
        raise SourceError(
            f"The {chosen.name} engine does not read databases. Drop --engine "
            f"{chosen.name} (the local engine reads query results in chunks)."
        )
    return chosen


def tracked(
    frames: Iterable[pl.DataFrame], progress: ProgressFn | None
) -> Iterator[pl.DataFrame]:
    """The frames unchanged, reporting each one's rows to ``progress`` once used
    (and taking them back when the source must be read again: ``ReadAgainError``)."""
    reported = 0
    try:
        for frame in frames:
            yield frame
            if progress is not None:
                progress(frame.height)
                reported += frame.height
    except ReadAgainError:
        if progress is not None and reported:
            progress(-reported)
        raise


def as_profile(data: Any, **kwargs: Any) -> DatasetProfile:
    """``data`` itself if it is a profile, the saved profile it names, or its profile."""
    if is_data(data):
        return profile(data, **kwargs)
    return data if isinstance(data, DatasetProfile) else DatasetProfile.load(data)


def is_data(source: Any) -> bool:
    """Whether ``source`` holds rows to read, not a profile (in memory or saved)."""
    if isinstance(source, DatasetProfile):
        return False
    return not (isinstance(source, str | Path) and is_profile_json(source))


def label_note(
    prof: DatasetProfile, label: str, *, info_below: float = IMBALANCE_INFO_SHARE
) -> Finding | None:
    """The ``label.imbalance`` info finding ``check`` gives for this label, if any.

    Args:
        prof: Profile of the data.
        label: The target column.
        info_below: Share of labelled rows below which a minority class is told.

    Returns:
        The info finding (class, share, ratio, what to do), or None when the rarest
        class is at least ``info_below`` of rows, or the label has a single class.

    Raises:
        ProfileError: The label column is not in the data.
    """
    col = prof.columns.get(label)
    if col is None:
        raise ProfileError(
            f"--label column '{label}' is not in the data; columns are: "
            f"{', '.join(prof.columns)}. Pass one of them."
        )
    balance = class_balance(col)
    return imbalance_note(balance, info_below) if balance is not None else None
