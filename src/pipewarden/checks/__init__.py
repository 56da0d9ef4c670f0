"""Checks: a batch profile (plus a reference profile) against a contract -> findings."""

from __future__ import annotations

from pipewarden.checks.context import CheckContext
from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.checks.registry import register, unregister
from pipewarden.checks.run import check_profile

__all__ = [
    "CheckContext",
    "CheckResult",
    "Finding",
    "Severity",
    "check_profile",
    "register",
    "unregister",
]
