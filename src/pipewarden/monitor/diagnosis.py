"""Why did a window get worse: did the inputs move, or did the relation to the target?

Two domain classifiers (after Zhang et al., ICML 2023, "Why did the model fail?")
tell training rows from the window's labelled rows: one sees the inputs only, the
other the inputs and the label. Their cross-validated ROC AUC says how separable the
two sides are (0.5: not at all).

- AUC(inputs) high: P(x) moved (covariate drift).
- AUC(inputs + label) clearly above AUC(inputs): the label separates the sides
  beyond what the inputs explain, so P(y|x) moved (concept drift): at the same
  inputs, different outcomes.

Both, one, or neither gives ``both``, ``covariate_drift``, ``concept_drift`` or
``stable``; a window without enough labelled rows is ``no_labels``. The classifier
is scikit-learn's HistGradientBoostingClassifier (it takes nulls and categories as
they are), 40 boosting rounds, one thread, 3-fold stratified cross-validation, fixed seeds, at most 2,000 rows a side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

__all__ = [
    "COVARIATE_AUC",
    "CONCEPT_GAIN",
    "MIN_ROWS",
    "Diagnosis",
    "diagnose",
]

MIN_ROWS = 50
"""Labelled rows a window needs (and training rows) to be diagnosed."""
MAX_ROWS = 2_000
COVARIATE_AUC = 0.6
"""AUC(inputs) from which the inputs count as moved."""
CONCEPT_GAIN = 0.05
"""How much the label must add to the AUC for the relation to count as moved."""
SEED = 0


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The verdict on one window, with its evidence in a sentence."""

    kind: str
    evidence: str
    auc_inputs: float | None = None
    auc_with_label: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "evidence": self.evidence,
            "auc_inputs": self.auc_inputs,
            "auc_with_label": self.auc_with_label,
        }


def diagnose(
    training: pl.DataFrame,
    window: pl.DataFrame,
    inputs: Sequence[str],
    label: str,
) -> Diagnosis:
    """Compare training rows with a window's labelled rows.

    Args:
        training: Training rows with the inputs and the label.
        window: The window's labelled rows, same columns.
        inputs: Input columns to use (those on both sides).
        label: The label column (numbers, or classes as text).
    """
    rows = min(training.height, window.height)
    if rows < MIN_ROWS or not inputs:
        return Diagnosis(
            "no_labels",
            f"{window.height:,} labelled rows in the window; at least {MIN_ROWS} are "
            "needed to tell a shift of the inputs from a shift of the outcome.",
        )
    size = min(rows, MAX_ROWS)
    left = training.sample(n=size, seed=SEED) if training.height > size else training
    right = window.sample(n=size, seed=SEED) if window.height > size else window
    both = pl.concat(
        [left.select(*inputs, label), right.select(*inputs, label)],
        how="vertical_relaxed",
    )
    side = np.r_[np.zeros(left.height, dtype=int), np.ones(right.height, dtype=int)]
    auc_x = _auc(both.select(inputs), side)
    auc_xy = _auc(both, side)
    gain = auc_xy - auc_x
    moved_x, moved_y = auc_x >= COVARIATE_AUC, gain >= CONCEPT_GAIN
    kind = {
        (False, False): "stable",
        (True, False): "covariate_drift",
        (False, True): "concept_drift",
        (True, True): "both",
    }[(moved_x, moved_y)]
    return Diagnosis(kind, _evidence(kind, auc_x, auc_xy), auc_x, auc_xy)


def _evidence(kind: str, auc_x: float, auc_xy: float) -> str:
    figures = (
        f"a classifier tells training rows from this window's with AUC {auc_x:.2f} "
        f"on the inputs and {auc_xy:.2f} with the label"
    )
    return {
        "stable": f"Neither the inputs nor their relation to the outcome moved: {figures}.",
        "covariate_drift": "The inputs moved into other regions but the outcome at "
        f"given inputs did not: {figures}.",
        "concept_drift": "At the same inputs the outcomes differ (the relation between "
        f"inputs and target changed): {figures}.",
        "both": f"The inputs moved and so did the outcome at given inputs: {figures}.",
    }[kind]


def _auc(frame: pl.DataFrame, side: np.ndarray[Any, Any]) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from threadpoolctl import threadpool_limits

    matrix, categorical = _matrix(frame)
    model = HistGradientBoostingClassifier(
        max_iter=40,
        early_stopping=False,
        learning_rate=0.1,
        max_leaf_nodes=15,
        categorical_features=categorical or None,
        random_state=SEED,
    )
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    # One thread: small fits spend more on OpenMP start-up than on work (10x).
    with threadpool_limits(1):
        scores = cross_val_score(model, matrix, side, cv=folds, scoring="roc_auc")
    return float(np.mean(scores))


def _matrix(frame: pl.DataFrame) -> tuple[np.ndarray[Any, Any], list[int]]:
    """Numbers as they are, booleans as 0/1, text as category codes (nulls: NaN)."""
    columns: list[np.ndarray[Any, Any]] = []
    categorical: list[int] = []
    for i, name in enumerate(frame.columns):
        values = frame[name]
        if values.dtype.is_numeric() or values.dtype == pl.Boolean:
            columns.append(values.cast(pl.Float64).fill_nan(None).to_numpy())
            continue
        codes = values.cast(pl.String).cast(pl.Categorical).to_physical()
        columns.append(_capped(codes))
        categorical.append(i)
    return np.column_stack(columns).astype(float), categorical


def _capped(codes: pl.Series) -> np.ndarray[Any, Any]:
    """Category codes, the rarest beyond 250 folded into one (the classifier takes
    fewer than 255 categories)."""
    values = codes.cast(pl.Float64).to_numpy().copy()
    values[values >= 250] = 250.0
    return values
