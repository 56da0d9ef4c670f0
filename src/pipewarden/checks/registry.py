"""The check registry: the built-in checks plus the ones users register by id.

The built-ins are listed in ``pipewarden.checks.builtin.BUILTIN_CHECKS``; this module
holds only what ``register`` adds, and refuses to replace a taken id silently.

    >>> from pipewarden.checks import register
    >>> @register("orders.total_matches_lines")
    ... def total_matches_lines(ctx):
    ...     return []
"""

from __future__ import annotations

from collections.abc import Callable

from pipewarden.checks.builtin import BUILTIN_CHECKS
from pipewarden.checks.context import CheckContext, CheckFn
from pipewarden.errors import ConfigError

__all__ = ["CheckContext", "CheckFn", "register", "registered", "unregister"]

_REGISTERED: dict[str, CheckFn] = {}
"""Checks added with ``register``, by id (including replaced built-ins)."""


def register(check_id: str, *, replace: bool = False) -> Callable[[CheckFn], CheckFn]:
    """Register a check under its stable id (e.g. ``"orders.total_matches_lines"``).

    Args:
        check_id: The id its findings carry, family first.
        replace: Allow taking the id of a built-in or already registered check.

    Returns:
        A decorator that registers the function and returns it unchanged.

    Raises:
        ConfigError: The id is taken and ``replace`` is not set.
    """
    if not replace and check_id in registered():
        what = "a built-in check" if check_id in BUILTIN_CHECKS else "registered"
        raise ConfigError(
            f"Check id '{check_id}' is taken ({what}). Choose another id, or pass "
            f"replace=True to register('{check_id}', replace=True) to replace it."
        )

    def deco(fn: CheckFn) -> CheckFn:
        _REGISTERED[check_id] = fn
        return fn

    return deco


def unregister(check_id: str) -> None:
    """Remove a check added with ``register``; a built-in it replaced comes back.

    Raises:
        ConfigError: No check was registered under this id.
    """
    if check_id not in _REGISTERED:
        raise ConfigError(
            f"No check was registered under '{check_id}'"
            + (
                " (built-in checks cannot be removed)"
                if check_id in BUILTIN_CHECKS
                else ""
            )
            + ". Pass an id given to register()."
        )
    del _REGISTERED[check_id]


def registered() -> dict[str, CheckFn]:
    """Every check that runs: the built-ins in their order, then registered ones.

    A built-in replaced with ``register(..., replace=True)`` keeps its place.
    """
    return {**BUILTIN_CHECKS, **_REGISTERED}
