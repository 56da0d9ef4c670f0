"""The gate: conform any batch or record into the model's frame; quarantine what cannot fit.

Example:
    >>> from pipewarden.conform import Gate
    >>> gate = Gate("contract.yaml")  # doctest: +SKIP
    >>> result = gate.conform(batch)  # doctest: +SKIP
    >>> result.frame, result.quarantine, result.findings  # doctest: +SKIP
    >>> gate.conform_record({"amount": "$33,000.00", "plan": "gold "}).record  # doctest: +SKIP
"""

from __future__ import annotations

from pipewarden.conform._frames import to_polars
from pipewarden.conform.gate import ConformResult, Gate
from pipewarden.conform.quarantine import META_COLUMNS
from pipewarden.conform.record import RecordResult

__all__ = ["META_COLUMNS", "ConformResult", "Gate", "RecordResult", "to_polars"]
