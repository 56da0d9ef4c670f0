"""What the overview queries read back, as plain values: one summary per dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipewarden.store.records import RunSummary

__all__ = ["ColumnReading", "DatasetSummary", "ModelTraffic"]


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


@dataclass(frozen=True, slots=True)
class ModelTraffic:
    """What was logged for one model version, from its batches' receipts.

    Attributes:
        name: Model name.
        version: Version label.
        predictions: Predictions stored (new ids), over every batch.
        labels: Labels stored (new or changed), over every batch.
        batches: Batches logged (predictions and labels).
        last_batch: Id of the newest batch (grows with every batch: a cheap
            fingerprint of what was logged), or None.
        last_logged_at: When the newest batch was logged, or None.
        registered_at: When the version was registered.
        task: ``classification``, ``regression``, or None when not known.
    """

    name: str
    version: str
    registered_at: datetime
    task: str | None = None
    predictions: int = 0
    labels: int = 0
    batches: int = 0
    last_batch: int | None = None
    last_logged_at: datetime | None = None
