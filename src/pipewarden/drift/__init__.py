"""Drift: which columns of a batch changed against reference data, measured honestly.

``compare(reference, current)`` reads two profiles and returns a DriftReport with a
``drift.<statistic>`` finding for every compared column. Statistics live one per module
in ``pipewarden.drift.stats``; the multivariate test (which needs row samples) in
``pipewarden.drift.multivariate``.
"""

from __future__ import annotations

from pipewarden.drift.compare import compare
from pipewarden.drift.multivariate import RowSampler, domain_classifier
from pipewarden.drift.results import (
    ColumnComparison,
    DriftReport,
    MultivariateResult,
    StatValue,
)

__all__ = [
    "ColumnComparison",
    "DriftReport",
    "MultivariateResult",
    "RowSampler",
    "StatValue",
    "compare",
    "domain_classifier",
]
