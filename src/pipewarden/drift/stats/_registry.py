"""The statistic registry: name -> Statistic. Each statistic module registers itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pipewarden.checks import codes
from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import Pair
from pipewarden.errors import DriftError

Input = Literal["numeric", "categorical", "text", "proportion"]
Role = Literal["effect", "test", "both"]


@dataclass(frozen=True, slots=True)
class Statistic:
    """A drift statistic and how to read it.

    ``role`` says how the decision uses it: an ``effect`` size is compared with its
    threshold and needs a companion test for significance; a ``test`` gives a p-value
    and its threshold is the significance level; ``both`` gives an effect size and its
    own p-value.
    """

    name: str
    inputs: frozenset[Input]
    role: Role
    threshold: float
    compute: Callable[[Pair], StatValue]
    summary: str

    @property
    def check(self) -> str:
        """The finding's check id, e.g. ``drift.psi``."""
        return codes.drift_check(self.name)

    def __call__(self, pair: Pair) -> StatValue:
        return self.compute(pair)


_STATISTICS: dict[str, Statistic] = {}


def register(stat: Statistic) -> Statistic:
    """Add a statistic under its name (the part after ``drift.`` in check ids)."""
    _STATISTICS[stat.name] = stat
    return stat


def get(name: str) -> Statistic:
    """The statistic called ``name``.

    Raises:
        DriftError: No statistic has that name.
    """
    try:
        return _STATISTICS[name]
    except KeyError:
        raise DriftError(
            f"Unknown drift statistic '{name}'. Choose one of: "
            f"{', '.join(sorted(_STATISTICS))}."
        ) from None


def statistics() -> dict[str, Statistic]:
    """Every registered statistic, by name."""
    return dict(_STATISTICS)


def unsupported(name: str, pair: Pair) -> DriftError:
    kind = type(pair).__name__.removesuffix("Pair").lower()
    return DriftError(
        f"The '{name}' statistic does not apply to {kind} columns; pick "
        f"one of {', '.join(sorted(_for(kind)))} for this column."
    )


def _for(kind: str) -> list[str]:
    return [n for n, s in _STATISTICS.items() if kind in s.inputs]
