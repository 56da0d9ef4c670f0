"""Drift statistics, one per module, listed here under their names.

    >>> from pipewarden.drift.stats import get
    >>> get("psi").threshold
    0.1

Numeric: ``psi``, ``ks``, ``wasserstein``, ``js``. Categorical: ``chi2``, ``js``,
``linf``, ``psi``. Text: ``text_length``. Any column: ``null_rate``. Add your own
with ``register(Statistic(...))``.
"""

from __future__ import annotations

from pipewarden.drift.stats import (
    _registry,
    chi2,
    jensen_shannon,
    ks,
    linf,
    null_rate,
    psi,
    text_length,
    wasserstein,
)
from pipewarden.drift.stats._registry import (
    Statistic,
    get,
    register,
    statistics,
    unregister,
)

__all__ = [
    "BUILTIN_STATISTICS",
    "Statistic",
    "get",
    "register",
    "statistics",
    "unregister",
]

BUILTIN_STATISTICS: tuple[Statistic, ...] = (
    chi2.STATISTIC,
    jensen_shannon.STATISTIC,
    ks.STATISTIC,
    linf.STATISTIC,
    null_rate.STATISTIC,
    psi.STATISTIC,
    text_length.STATISTIC,
    wasserstein.STATISTIC,
)
"""The statistics pipewarden ships, one per module of this package."""

_registry.add_builtins(BUILTIN_STATISTICS)
