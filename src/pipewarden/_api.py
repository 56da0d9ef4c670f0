"""The top-level functions: profile a batch, check it against a contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from pipewarden.checks.findings import CheckResult, merge_findings
from pipewarden.checks.run import check_profile
from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.engines.registry import resolve_engine
from pipewarden.io.sources import DEFAULT_CHUNK_ROWS, describe_source, iter_frames
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


def check(
    batch: Any,
    contract: Contract | str | Path,
    *,
    reference: Any = None,
    now: datetime | None = None,
    dataset: str | None = None,
    **profile_kwargs: Any,
) -> CheckResult:
    """Check a batch against a contract.

    Args:
        batch: Data (anything ``profile`` reads) or a DatasetProfile.
        contract: A Contract or the path of a YAML contract.
        reference: Reference data, a saved profile path, or a DatasetProfile.
        now: When freshness is judged (default: now, UTC).
        dataset: Name for the batch in the result (default: from the source).
        **profile_kwargs: Passed to ``profile`` (engine, query, chunk_rows, progress).

    Returns:
        The findings; call ``raise_for_findings()`` to stop on errors.
    """
    spec = contract if isinstance(contract, Contract) else load_contract(contract)
    contract_name = spec.name or (
        Path(contract).name if not isinstance(contract, Contract) else None
    )
    if spec.dataset.segments and reference is not None:
        profile_kwargs.setdefault("segments", list(spec.dataset.segments))
    prof = as_profile(batch, **profile_kwargs)
    ref = as_profile(reference, **profile_kwargs) if reference is not None else None
    name = dataset or (
        None if isinstance(batch, DatasetProfile) else describe_source(batch)
    )
    result = check_profile(
        prof, spec, reference=ref, now=now, dataset=name, contract_name=contract_name
    )
    return result if ref is None else _with_drift(result, ref, prof, spec)


def _with_drift(
    result: CheckResult,
    reference: DatasetProfile,
    current: DatasetProfile,
    contract: Contract,
) -> CheckResult:
    """The result plus the drift findings of current against reference."""
    from pipewarden.drift.compare import compare

    drift = compare(reference, current, contract=contract, dataset=result.dataset)
    return replace(result, findings=merge_findings(result.findings, drift.findings))
