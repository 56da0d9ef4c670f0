"""Severity: how bad a finding or an environment change is, and the one ranking of it.

A leaf module (it imports nothing from pipewarden), so ``env`` can use it without
depending on ``checks``; ``pipewarden.checks.findings`` re-exports it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Severity"]


class Severity(StrEnum):
    """How bad a finding is. Ordered: info < warning < error.

    Values compare equal to their strings (``Severity.ERROR == "error"``), so stored
    and JSON forms read back unchanged.
    """

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error: higher is worse."""
        return _ORDER.index(self)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_ORDER = (Severity.INFO, Severity.WARNING, Severity.ERROR)
"""The ranking, mildest first: the only place severities are ordered."""
