"""The statistic registry: name -> Statistic.

``pipewarden.drift.stats`` lists the built-ins and hands them over with
``add_builtins``; ``register`` adds others and refuses to replace a name silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from pipewarden.checks import codes
from pipewarden.drift.results import StatValue
from pipewarden.drift.stats._inputs import Pair
from pipewarden.errors import ConfigError, DriftError

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


_BUILTIN: dict[str, Statistic] = {}
"""The built-in statistics, handed over once by ``pipewarden.drift.stats``."""
_REGISTERED: dict[str, Statistic] = {}
"""Statistics added with ``register`` (including replaced built-ins)."""


def add_builtins(stats: Iterable[Statistic]) -> None:
    """Make the built-in statistics known; called once, by ``pipewarden.drift.stats``."""
    for stat in stats:
        if stat.name in _BUILTIN:
            raise DriftError(f"Two built-in drift statistics are named '{stat.name}'.")
        _BUILTIN[stat.name] = stat


def register(stat: Statistic, *, replace: bool = False) -> Statistic:
    """Add a statistic under its name (the part after ``drift.`` in check ids).

    Args:
        stat: The statistic.
        replace: Allow taking the name of a built-in or already registered statistic.

    Returns:
        The statistic, so a module can write ``STATISTIC = register(Statistic(...))``.

    Raises:
        ConfigError: The name is taken and ``replace`` is not set.
    """
    if not replace and stat.name in statistics():
        what = "a built-in statistic" if stat.name in _BUILTIN else "registered"
        raise ConfigError(
            f"Drift statistic name '{stat.name}' is taken ({what}). Choose another "
            "name, or pass replace=True to register() to replace it."
        )
    _REGISTERED[stat.name] = stat
    return stat


def unregister(name: str) -> None:
    """Remove a statistic added with ``register``; a built-in it replaced comes back.

    Raises:
        ConfigError: No statistic was registered under this name.
    """
    if name not in _REGISTERED:
        builtin = " (built-in statistics cannot be removed)" if name in _BUILTIN else ""
        raise ConfigError(
            f"No drift statistic was registered under '{name}'{builtin}. Pass a name "
            "given to register()."
        )
    del _REGISTERED[name]


def get(name: str) -> Statistic:
    """The statistic called ``name``.

    Raises:
        DriftError: No statistic has that name.
    """
    known = statistics()
    try:
        return known[name]
    except KeyError:
        raise DriftError(
            f"Unknown drift statistic '{name}'. Choose one of: "
            f"{', '.join(sorted(known))}."
        ) from None


def statistics() -> dict[str, Statistic]:
    """Every statistic, by name: the built-ins, then registered ones."""
    return {**_BUILTIN, **_REGISTERED}


def unsupported(name: str, pair: Pair) -> DriftError:
    kind = type(pair).__name__.removesuffix("Pair").lower()
    return DriftError(
        f"The '{name}' statistic does not apply to {kind} columns; pick "
        f"one of {', '.join(sorted(_for(kind)))} for this column."
    )


def _for(kind: str) -> list[str]:
    return [n for n, s in statistics().items() if kind in s.inputs]
