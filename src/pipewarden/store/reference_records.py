"""Shared reference sets, as plain values: one version of a named reference profile.

A reference set is a name under which engineers keep successive reference profiles
(never the rows). Each version carries what it was built from (input fingerprints),
who added it and when, and the contract it was checked against. Nothing here touches
the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipewarden.io.fingerprints import InputFingerprint
from pipewarden.profiles.dataset import DatasetProfile

__all__ = ["ReferenceSummary", "ReferenceVersion"]


@dataclass(frozen=True, slots=True)
class ReferenceSummary:
    """One version of a reference set, without its profile (what ``list`` shows).

    Attributes:
        name: The reference set's name.
        version: 1, 2, ... in the order versions were added.
        rows: Rows of the data the profile was made from.
        columns: Its number of columns.
        added_at: When the version was added (UTC).
        added_by: Who added it (user name).
        note: Free text said when adding it.
        contract_name: The contract it was checked against, by name or path.
        contract_digest: That contract's digest.
        status: The check's status against that contract (pass, warn, fail).
    """

    name: str
    version: int
    rows: int
    columns: int
    added_at: datetime
    added_by: str | None = None
    note: str | None = None
    contract_name: str | None = None
    contract_digest: str | None = None
    status: str | None = None

    @property
    def label(self) -> str:
        """``NAME@VERSION``."""
        return f"{self.name}@{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "rows": self.rows,
            "columns": self.columns,
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
            "note": self.note,
            "contract": self.contract_name,
            "contract_digest": self.contract_digest,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class ReferenceVersion:
    """One version of a reference set with its profile and input fingerprints.

    ``summary.version`` is 0 for a version not yet stored: the store numbers it.
    """

    summary: ReferenceSummary
    profile: DatasetProfile
    inputs: tuple[InputFingerprint, ...] = ()

    @property
    def name(self) -> str:
        return self.summary.name

    @property
    def version(self) -> int:
        return self.summary.version

    @property
    def label(self) -> str:
        """``NAME@VERSION``."""
        return self.summary.label

    def to_dict(self) -> dict[str, Any]:
        """The summary and inputs (the profile is left out: ``profile.to_dict()``)."""
        return {
            **self.summary.to_dict(),
            "inputs": [i.to_dict() for i in self.inputs],
        }
