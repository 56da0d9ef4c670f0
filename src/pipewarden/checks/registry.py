"""The check registry: check id -> function of a CheckContext yielding findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from pipewarden.checks.findings import Finding
from pipewarden.contracts.model import Contract
from pipewarden.profiles.dataset import DatasetProfile


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Everything a check may look at: profiles and the contract, never raw rows."""

    batch: DatasetProfile
    contract: Contract
    reference: DatasetProfile | None = None
    now: datetime | None = None


CheckFn: TypeAlias = Callable[[CheckContext], Iterable[Finding]]

_REGISTRY: dict[str, CheckFn] = {}


def register(check_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check under its stable id (e.g. ``"nulls.rate"``)."""

    def deco(fn: CheckFn) -> CheckFn:
        _REGISTRY[check_id] = fn
        return fn

    return deco


def registered() -> dict[str, CheckFn]:
    """The registered checks, in registration order (importing the built-ins first)."""
    from pipewarden.checks import builtin  # noqa: F401  # registers the built-in checks

    return dict(_REGISTRY)
