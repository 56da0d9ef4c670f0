"""What the overview queries read back, as plain values: one summary per dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipewarden.store.records import RunSummary

__all__ = ["ColumnReading", "DatasetSummary"]


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """A dataset as the overview shows it: its newest run and how many it has.

    Attributes:
        name: Dataset name.
        runs: How many runs of it the store holds.
        last_run: Its newest run (by start time).
        findings: The newest run's findings, counted by severity (every severity
            present as a key, zero included).
    """

    name: str
    runs: int
    last_run: RunSummary
    findings: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "runs": self.runs,
            "last_run": self.last_run.to_dict(),
            "findings": dict(self.findings),
        }


@dataclass(frozen=True, slots=True)
class ColumnReading:
    """One per-column number of a run: a stored metric point (``null_rate``...) or
    the value of a finding (``drift.psi``...)."""

    run_id: str
    column: str
    name: str
    value: float
