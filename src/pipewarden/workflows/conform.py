"""Conform a batch to its contract: the one workflow behind ``pw.conform``,
``pipewarden conform`` and the server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pipewarden.conform.gate import ConformResult, Gate
from pipewarden.contracts.model import Contract
from pipewarden.io.sources import describe_source, read_frame

__all__ = ["conform"]


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
