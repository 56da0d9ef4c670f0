"""A model's promotions, as plain values: which version became the champion of its
name, when, by whom, why (a note) and on what evidence (a ``models compare`` JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["PromotionRecord"]


@dataclass(frozen=True, slots=True)
class PromotionRecord:
    """One promotion of a model version to champion of its name.

    Attributes:
        name: Model name.
        version: The version promoted.
        promoted_at: When (UTC).
        promoted_by: Who, when known.
        note: Why, in the promoter's words.
        evidence: The comparison that supports it (``ComparisonReport.to_dict()``).
        previous: The version that was champion before, if any.
        id: The store's id (None until saved).
    """

    name: str
    version: str
    promoted_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    promoted_by: str | None = None
    note: str | None = None
    evidence: dict[str, Any] | None = None
    previous: str | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "promoted_at": self.promoted_at.isoformat(),
            "promoted_by": self.promoted_by,
            "note": self.note,
            "previous": self.previous,
            "evidence": self.evidence,
        }
