"""Drift statistics, one per module, each registered under its name.

    >>> from pipewarden.drift.stats import get
    >>> get("psi").threshold
    0.1

Numeric: ``psi``, ``ks``, ``wasserstein``, ``js``. Categorical: ``chi2``, ``js``,
``linf``, ``psi``. Text: ``text_length``. Any column: ``null_rate``.
"""

from __future__ import annotations

from pipewarden.drift.stats import (  # noqa: F401  # each module registers itself
    chi2,
    jensen_shannon,
    ks,
    linf,
    null_rate,
    psi,
    text_length,
    wasserstein,
)
from pipewarden.drift.stats._registry import Statistic, get, register, statistics

__all__ = ["Statistic", "get", "register", "statistics"]
