"""What a check is: a function of a CheckContext (profiles and contract) to findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from pipewarden.checks.findings import Finding
from pipewarden.contracts.model import Contract
from pipewarden.profiles.dataset import DatasetProfile

__all__ = ["CheckContext", "CheckFn"]


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Everything a check may look at: profiles and the contract, never raw rows."""

    batch: DatasetProfile
    contract: Contract
    reference: DatasetProfile | None = None
    now: datetime | None = None


CheckFn: TypeAlias = Callable[[CheckContext], Iterable[Finding]]
"""A check: reads the context, yields its findings (none when all is well)."""
