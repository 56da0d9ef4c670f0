"""Helpers for drift tests (importable from every test under tests/drift): profiles of inline numpy data, numeric and categorical pairs.

Tolerances: a KLL sketch with k=200 has a normalised rank error of about 1.65% (99%
confidence, over all ranks at once). Each side's CDF can be off by that much, so a
statistic read from two sketches can be off by up to twice that on the rank scale.
Below 201 values a sketch keeps every value and statistics are exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from pipewarden.drift.stats._inputs import CategoricalPair, NumericPair, NumericSide
from pipewarden.engines.local import LocalEngine
from pipewarden.profiles.column import ColumnProfile

RANK_ERROR = 0.0165
"""KLL k=200 normalised rank error at 99% confidence (all ranks)."""
EXACT_N = 200
"""Up to this many values a KLL sketch with k=200 holds them all."""


def column(values: np.ndarray | Sequence[object], name: str = "x") -> ColumnProfile:
    """Profile of one column built from raw values by the local engine."""
    return LocalEngine().profile_frame(pl.DataFrame({name: values}))[name]


def numeric_pair(reference: np.ndarray, current: np.ndarray) -> NumericPair:
    ref = NumericSide.from_profile(column(reference))
    cur = NumericSide.from_profile(column(current))
    assert ref is not None and cur is not None
    return NumericPair.of(ref, cur)


def categorical_pair(reference: list[str], current: list[str]) -> CategoricalPair:
    return CategoricalPair.from_profiles(column(reference), column(current))


def raw_decile_shares(
    reference: np.ndarray, current: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Shares in bins cut at raw reference deciles (KLL's quantile definition)."""
    edges = np.unique(
        np.quantile(reference, np.arange(1, 10) / 10, method="inverted_cdf")
    )

    def shares(x: np.ndarray) -> np.ndarray:
        below = np.searchsorted(np.sort(x), edges, side="right") / x.size
        return np.diff(np.concatenate([[0.0], below, [1.0]]))

    return shares(reference), shares(current)
