"""Conform a batch to its contract: the one workflow behind ``pw.conform``,
``pipewarden conform`` and the server."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipewarden.conform.gate import ConformResult, Gate
from pipewarden.conform.stream import conform_frames
from pipewarden.contracts.model import Contract
from pipewarden.io.sinks import FrameSink
from pipewarden.io.sources import describe_source, iter_frames, read_frame
from pipewarden.workflows.profile import ProgressFn, tracked

__all__ = ["conform", "conform_to_files"]


def conform(
    batch: Any, contract: Contract | str | Path | Gate, *, query: str | None = None
) -> ConformResult:
    """Conform one batch to a contract (keep a ``Gate`` to conform many).

    Args:
        batch: A frame (polars, pandas, Arrow), records, or anything
            ``pipewarden.io`` reads: a path, glob or database URL with ``query``.
        contract: A Contract, the path of a contract YAML, or a Gate.
        query: SQL query, when ``batch`` is a database URL.

    Returns:
        The conformed frame, the quarantine and the findings; ``to_dict()`` is the
        JSON of ``pipewarden conform --json``.

    Raises:
        ConformError: The batch cannot be reshaped (see ``Gate.conform``).
        SourceError: The batch cannot be read.

    Example:
        >>> import pipewarden as pw
        >>> result = pw.conform("batch.csv", "contract.yaml")  # doctest: +SKIP
    """
    gate = contract if isinstance(contract, Gate) else Gate(contract)
    if query is None:
        return gate.conform(batch)
    result = gate.conform(read_frame(batch, query=query))
    return replace(result, dataset=describe_source(batch))


def conform_to_files(
    batch: Any,
    contract: Contract | str | Path | Gate,
    output: str | os.PathLike[str],
    quarantine: str | os.PathLike[str],
    *,
    query: str | None = None,
    memory_budget: int | None = None,
    empty_quarantine: bool = True,
    progress: ProgressFn | None = None,
) -> ConformResult:
    """Conform a batch of any size to a contract, writing as it goes: the conformed
    rows to ``output`` and the quarantined ones to ``quarantine``, a chunk at a time
    (Parquet row groups, Arrow IPC batches, CSV or JSON Lines appended). Memory
    holds a few chunks whatever the batch's size; both files appear only when whole.

    Args:
        batch: Anything ``pipewarden.io`` reads (a path, glob, URL, dataset, frame).
        contract: A Contract, the path of a contract YAML, or a Gate.
        output: The conformed rows' file; its extension says the format.
        quarantine: The quarantined rows' file.
        query: SQL query, when ``batch`` is a database URL.
        memory_budget: Bytes the pass may hold at its peak (default 1 GiB).
        empty_quarantine: Write ``quarantine`` with no rows when none are quarantined
            (else it is not written).
        progress: Called with the number of rows conformed after each chunk.

    Returns:
        The findings, row counts and reasons, as ``conform`` gives them for the same
        rows; ``frame`` and ``quarantine`` are None (the rows are in the files).

    Raises:
        ConformError: The batch cannot be reshaped (see ``Gate.conform``).
        SourceError: The batch cannot be read.
        ConfigError: A file cannot be written, or its extension is unknown.
    """
    gate = contract if isinstance(contract, Gate) else Gate(contract)
    frames = tracked(
        iter_frames(batch, query=query, memory_budget=memory_budget), progress
    )
    with FrameSink(output) as kept, FrameSink(quarantine) as held:
        outcome = conform_frames(gate.plan, frames, kept.write, held.write)
        kept.commit()
        if held.chunks or empty_quarantine:
            held.commit(empty=outcome.quarantine_schema)
    return ConformResult(
        frame=None,
        quarantine=None,
        findings=outcome.findings,
        rows_in=outcome.rows_in,
        reasons=outcome.reasons,
        dataset=describe_source(batch),
        contract=gate.contract_name,
    )
