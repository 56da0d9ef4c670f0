"""What changed between two versions of a reference set: data columns, inputs,
contract and provenance, the way ``runs diff`` compares two runs (same column and
input comparisons, from ``pipelines.run_diff``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipewarden.pipelines.run_diff import (
    ColumnChange,
    InputChange,
    ValueChange,
    column_changes,
    input_changes,
)
from pipewarden.store.reference_records import ReferenceSummary, ReferenceVersion

__all__ = ["ReferenceDiffReport", "diff_references"]

OVERVIEW = ("rows", "columns", "contract_name", "contract_digest", "status")
"""Summary fields compared: how big, and which contract it was checked against."""


@dataclass(frozen=True, slots=True)
class ReferenceDiffReport:
    """Everything that differs from version ``a`` to version ``b``.

    Attributes:
        a: The first version.
        b: The second version.
        overview: Rows, columns, contract and check status, where they differ.
        columns: Data columns added, removed or with moved statistics.
        inputs: Input files that differ.
    """

    a: ReferenceSummary
    b: ReferenceSummary
    overview: tuple[ValueChange, ...] = ()
    columns: tuple[ColumnChange, ...] = ()
    inputs: tuple[InputChange, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing compared differs."""
        return not (self.overview or self.columns or self.inputs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "overview": [c.to_dict() for c in self.overview],
            "columns": [c.to_dict() for c in self.columns],
            "inputs": [c.to_dict() for c in self.inputs],
        }


def diff_references(a: ReferenceVersion, b: ReferenceVersion) -> ReferenceDiffReport:
    """Compare two stored versions of reference sets.

    Args:
        a: The earlier (or known-good) version.
        b: The version to explain.

    Returns:
        What differs, section by section.
    """
    x, y = a.summary.to_dict(), b.summary.to_dict()
    x["contract_name"], y["contract_name"] = x.pop("contract"), y.pop("contract")
    overview = tuple(ValueChange(k, x[k], y[k]) for k in OVERVIEW if x[k] != y[k])
    return ReferenceDiffReport(
        a=a.summary,
        b=b.summary,
        overview=overview,
        columns=column_changes(a.profile, b.profile),
        inputs=input_changes(a.inputs, b.inputs),
    )
