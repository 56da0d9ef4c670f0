"""A window's model performance from its labelled rows, each metric with its noise.

The values come from scikit-learn (``mean_absolute_error``, ``root_mean_squared_error``,
``accuracy_score``, ``f1_score``, ``roc_auc_score``, ``log_loss`` ...). Each value gets
a 95% confidence interval over the window's own rows, which is what a rule compares
with the baseline so that a quiet hour with 12 labels pages no one:

- means of per-row quantities (MAE, MAPE, mean residual, log loss): the normal
  interval ``mean ± 1.96 s / sqrt(n)``; RMSE: that interval of the squared errors,
  square-rooted;
- accuracy: the Wilson score interval;
- precision, recall, F1: the bootstrap, done exactly on the confusion matrix (a
  bootstrap resample of rows is a multinomial draw of its cells), 400 draws with a
  fixed seed;
- ROC AUC: the Hanley and McNeil (1982) standard error.

MAPE is undefined when a label is 0 (the share is infinite): it is left out and a
note says so, instead of scikit-learn's huge finite number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "HIGHER_IS_BETTER",
    "MetricValue",
    "Performance",
    "classification_performance",
    "regression_performance",
]

Z95 = 1.959963984540054
BOOTSTRAP_DRAWS = 400
SEED = 20261206
HIGHER_IS_BETTER = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc"})
"""Metrics where a larger value is better (the others: errors and losses)."""


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One metric of one window, with its 95% interval (None when n is too small)."""

    value: float
    interval: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class Performance:
    """The metrics of one window's labelled rows.

    ``per_class``: per class, the share of rows predicted as it, the share labelled
    as it, and its recall (classification only). ``notes``: metrics left out, why.
    """

    labelled: int
    metrics: dict[str, MetricValue] = field(default_factory=dict)
    per_class: dict[str, dict[str, float | None]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def regression_performance(
    label: NDArray[np.float64], prediction: NDArray[np.float64]
) -> Performance:
    """MAE, RMSE, MAPE and mean residual (prediction - label) of labelled rows."""
    from sklearn.metrics import (
        mean_absolute_error,
        mean_absolute_percentage_error,
        root_mean_squared_error,
    )

    n = len(label)
    if n == 0:
        return Performance(0)
    residual = prediction - label
    absolute = np.abs(residual)
    squared = residual**2
    mse_low, mse_high = _mean_interval(squared) or (math.nan, math.nan)
    metrics = {
        "mae": MetricValue(
            float(mean_absolute_error(label, prediction)), _mean_interval(absolute)
        ),
        "rmse": MetricValue(
            float(root_mean_squared_error(label, prediction)),
            None
            if math.isnan(mse_low)
            else (math.sqrt(max(mse_low, 0.0)), math.sqrt(mse_high)),
        ),
        "mean_residual": MetricValue(float(residual.mean()), _mean_interval(residual)),
    }
    zeros = int(np.count_nonzero(label == 0))
    notes: tuple[str, ...] = ()
    if zeros:
        notes = (
            f"MAPE is undefined: {zeros:,} of {n:,} labels are 0 (a percentage of 0).",
        )
    else:
        metrics["mape"] = MetricValue(
            float(mean_absolute_percentage_error(label, prediction)),
            _mean_interval(absolute / np.abs(label)),
        )
    return Performance(n, dict(sorted(metrics.items())), {}, notes)


def classification_performance(
    label: Sequence[str],
    predicted: Sequence[str],
    scores: dict[str, NDArray[np.float64]] | None = None,
    *,
    classes: Sequence[str] | None = None,
) -> Performance:
    """Accuracy, precision, recall, F1 (and ROC AUC, log loss with scores).

    Args:
        label: True class of each labelled row.
        predicted: Predicted class of each row.
        scores: Per class, the predicted probability of each row (one entry: the
            probability of the positive class of a binary model).
        classes: Every class (default: those seen in labels and predictions). With
            two, the larger is positive (scikit-learn's convention) and precision,
            recall and F1 are of it; with more, their macro average.
    """
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
    )

    n = len(label)
    if n == 0:
        return Performance(0)
    y = np.asarray(label, dtype=object)
    p = np.asarray(predicted, dtype=object)
    known = sorted(set(classes or ()) | set(y.tolist()) | set(p.tolist()))
    binary = len(known) == 2
    average = "binary" if binary else "macro"
    pos = known[-1] if binary else 1
    kwargs = {"labels": known, "average": average, "pos_label": pos, "zero_division": 0}
    if not binary:
        kwargs.pop("pos_label")
    matrix = confusion_matrix(y, p, labels=known)
    accuracy = float(accuracy_score(y, p))
    metrics = {
        "accuracy": MetricValue(accuracy, _wilson(accuracy, n)),
        "precision": MetricValue(float(precision_score(y, p, **kwargs)), None),
        "recall": MetricValue(float(recall_score(y, p, **kwargs)), None),
        "f1": MetricValue(float(f1_score(y, p, **kwargs)), None),
    }
    for name, interval in _confusion_bootstrap(matrix, binary).items():
        metrics[name] = MetricValue(metrics[name].value, interval)
    notes: list[str] = []
    if scores:
        metrics.update(_score_metrics(y, known, scores, notes))
    per_class = _per_class(matrix, known, n)
    return Performance(n, dict(sorted(metrics.items())), per_class, tuple(notes))


# --------------------------------------------------------------------- intervals


def _mean_interval(values: NDArray[np.float64]) -> tuple[float, float] | None:
    n = len(values)
    if n < 2:
        return None
    mean = float(values.mean())
    half = Z95 * float(values.std(ddof=1)) / math.sqrt(n)
    return (mean - half, mean + half)


def _wilson(share: float, n: int) -> tuple[float, float]:
    z2 = Z95 * Z95
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _confusion_bootstrap(
    matrix: NDArray[np.int64], binary: bool
) -> dict[str, tuple[float, float]]:
    """Precision, recall and F1 intervals from multinomial redraws of the matrix."""
    n = int(matrix.sum())
    rng = np.random.default_rng(SEED)
    k = matrix.shape[0]
    draws = rng.multinomial(n, (matrix / n).ravel(), size=BOOTSTRAP_DRAWS).reshape(
        BOOTSTRAP_DRAWS, k, k
    )
    tp = np.diagonal(draws, axis1=1, axis2=2).astype(float)
    predicted = draws.sum(axis=1).astype(float)  # column sums
    actual = draws.sum(axis=2).astype(float)  # row sums
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(
            precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0
        )
    # Classes absent from labels and predictions of a draw count 0, as zero_division=0.
    out = {}
    for name, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        picked = values[:, -1] if binary else values.mean(axis=1)
        low, high = np.quantile(picked, [0.025, 0.975])
        out[name] = (float(low), float(high))
    return out


def _score_metrics(
    y: NDArray[np.object_],
    known: list[str],
    scores: dict[str, NDArray[np.float64]],
    notes: list[str],
) -> dict[str, MetricValue]:
    from sklearn.metrics import log_loss, roc_auc_score

    if len(set(y.tolist())) < 2:
        notes.append("ROC AUC and log loss need both classes among the labels.")
        return {}
    if len(scores) == 1 and len(known) == 2:
        positive = np.asarray(next(iter(scores.values())), dtype=float)
        truth = (y == known[-1]).astype(int)
        auc = float(roc_auc_score(truth, positive))
        clipped = np.clip(positive, 1e-15, 1 - 1e-15)
        losses = -(truth * np.log(clipped) + (1 - truth) * np.log(1 - clipped))
        return {
            "roc_auc": MetricValue(auc, _hanley_mcneil(auc, truth)),
            "log_loss": MetricValue(
                float(log_loss(truth, positive, labels=[0, 1])), _mean_interval(losses)
            ),
        }
    missing = [c for c in known if c not in scores]
    if missing:
        notes.append(
            f"ROC AUC and log loss need a score per class; none for {', '.join(missing)}."
        )
        return {}
    matrix = np.column_stack([np.asarray(scores[c], dtype=float) for c in known])
    auc = float(roc_auc_score(y, matrix, labels=known, multi_class="ovr"))
    rows = np.searchsorted(np.asarray(known, dtype=object), y)
    picked = np.clip(matrix[np.arange(len(y)), rows] / matrix.sum(axis=1), 1e-15, 1)
    return {
        "roc_auc": MetricValue(auc, None),
        "log_loss": MetricValue(
            float(log_loss(y, matrix, labels=known)), _mean_interval(-np.log(picked))
        ),
    }


def _hanley_mcneil(auc: float, truth: NDArray[np.int64]) -> tuple[float, float]:
    pos = int(truth.sum())
    neg = len(truth) - pos
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    var = (
        auc * (1 - auc) + (pos - 1) * (q1 - auc * auc) + (neg - 1) * (q2 - auc * auc)
    ) / (pos * neg)
    half = Z95 * math.sqrt(max(var, 0.0))
    return (max(0.0, auc - half), min(1.0, auc + half))


def _per_class(
    matrix: NDArray[np.int64], known: list[str], n: int
) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for i, name in enumerate(known):
        actual = int(matrix[i].sum())
        out[name] = {
            "predicted": float(matrix[:, i].sum()) / n,
            "actual": actual / n,
            "recall": None if actual == 0 else float(matrix[i, i]) / actual,
        }
    return out
