"""Performance before labels: confidence-based performance estimation (CBPE, as
NannyML does it) for binary classifiers that log the positive class's probability.

If the scores are calibrated, each row's label is a Bernoulli draw with its score as
the probability, so a window's labels are a Poisson-binomial sample: the estimate
draws ``DRAWS`` label vectors from the (calibrated) scores and computes accuracy, F1
(of the positive class) and ROC AUC for each, against the logged predicted classes.
The mean is the estimate and the 2.5% and 97.5% quantiles its interval: the range
the realized value should fall in once labels arrive (it includes the labels'
sampling noise, unlike NannyML's point estimate with a standard error).

Calibration is checked on the reference window (the first with ``MIN_REFERENCE``
labelled rows): the expected calibration error (ECE, ten equal-count bins) of the raw
scores against the 99th percentile it reaches when labels are drawn from those very
scores (calibrated scores exceed it 1% of the time). Only beyond it, and when isotonic
calibration (scikit-learn) fitted out of fold lowers the ECE, are the scores
recalibrated by isotonic regression fitted on the whole reference, as NannyML does
(recalibrating calibrated scores on a few hundred rows made the estimates
overconfident: isotonic steps overfit). A labelled window then says when the
assumptions look broken: its ECE is above the 99th percentile of ECE under calibrated
scores (calibration drift: P(label | score) moved, as under concept shift), or a
realized metric falls outside the estimate's interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

__all__ = [
    "DRAWS",
    "MIN_REFERENCE",
    "Estimator",
    "WindowScores",
    "estimate_windows",
    "expected_calibration_error",
]

DRAWS = 400
MIN_REFERENCE = 200
"""Labelled rows a reference window needs to check calibration."""
MIN_CHECK = 50
"""Labelled rows a window needs for its assumptions to be checked."""
BINS = 10
SEED = 20261207
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


def expected_calibration_error(score: Floats, truth: Bools, bins: int = BINS) -> float:
    """ECE over equal-count bins of the score: sum of share x |mean score - rate|."""
    order = np.argsort(score, kind="stable")
    total = 0.0
    for part in np.array_split(order, min(bins, len(order))):
        if len(part):
            total += len(part) * abs(score[part].mean() - truth[part].mean())
    return float(total / len(score))


def _ece_draws(p: Floats, draws: Bools) -> Floats:
    """ECE of each drawn label vector (rows of ``draws``) against ``p``."""
    order = np.argsort(p, kind="stable")
    parts = [part for part in np.array_split(order, min(BINS, len(p))) if len(part)]
    total = np.zeros(draws.shape[0])
    for part in parts:
        total += len(part) * np.abs(p[part].mean() - draws[:, part].mean(axis=1))
    result: Floats = total / len(p)
    return result


@dataclass
class Estimator:
    """CBPE fitted on a reference window's scores and labels (or on none)."""

    ece_raw: float | None = None
    ece_calibrated: float | None = None
    reference_rows: int = 0
    ece_bound: float | None = None
    _calibrator: Any = None

    @classmethod
    def fit(cls, score: Floats | None, truth: Bools | None) -> Estimator:
        """Check (and, if it helps, recalibrate) the scores on a reference window;
        ``None``: no reference, the scores are trusted as they are."""
        if score is None or truth is None or len(score) < MIN_REFERENCE:
            return cls()
        from sklearn.isotonic import IsotonicRegression
        from sklearn.model_selection import KFold

        raw = expected_calibration_error(score, truth)
        out_of_fold = np.empty_like(score)
        folds = KFold(5, shuffle=True, random_state=0).split(score)
        for fit_rows, held in folds:
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
            iso.fit(score[fit_rows], truth[fit_rows])
            out_of_fold[held] = iso.predict(score[held])
        calibrated = expected_calibration_error(out_of_fold, truth)
        clipped = np.clip(score, 0.0, 1.0)
        draws = np.random.default_rng(SEED + 2).random((DRAWS, len(score))) < clipped
        bound = float(np.quantile(_ece_draws(clipped, draws), 0.99))
        calibrator = None
        if raw > bound and calibrated < raw:
            calibrator = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
            calibrator.fit(score, truth)
        return cls(raw, calibrated, len(score), bound, calibrator)

    @property
    def recalibrated(self) -> bool:
        return self._calibrator is not None

    def calibrate(self, score: Floats) -> Floats:
        if self._calibrator is None:
            return np.clip(score, 0.0, 1.0)
        result: Floats = np.clip(self._calibrator.predict(score), 0.0, 1.0)
        return result

    def estimate(
        self, score: Floats, predicted_positive: Bools, *, seed: int = SEED
    ) -> dict[str, dict[str, Any]]:
        """Per metric: ``value`` (mean over the draws) and ``interval`` (95%)."""
        p = self.calibrate(score)
        draws = np.random.default_rng(seed).random((DRAWS, len(p))) < p
        found = _metrics(draws, predicted_positive, score)
        return {
            name: {
                "value": float(np.nanmean(values)),
                "interval": [
                    float(np.nanquantile(values, 0.025)),
                    float(np.nanquantile(values, 0.975)),
                ],
            }
            for name, values in found.items()
            if np.isfinite(values).any()
        }

    def calibration_drift(self, score: Floats, truth: Bools) -> tuple[float, float]:
        """The window's ECE of calibrated scores, and its 99th percentile under
        calibration (from draws of labels from those scores)."""
        p = self.calibrate(score)
        draws = np.random.default_rng(SEED + 1).random((DRAWS, len(p))) < p
        return (
            expected_calibration_error(p, truth),
            float(np.quantile(_ece_draws(p, draws), 0.99)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference_rows": self.reference_rows,
            "ece_raw": self.ece_raw,
            "ece_isotonic_out_of_fold": self.ece_calibrated,
            "ece_bound_if_calibrated": self.ece_bound,
            "recalibrated": self.recalibrated,
        }


def _metrics(draws: Bools, predicted: Bools, score: Floats) -> dict[str, Floats]:
    """Accuracy, F1 and ROC AUC of every drawn label vector (one per row of draws)."""
    yhat = predicted.astype(bool)
    accuracy = (draws == yhat).mean(axis=1)
    tp = (draws & yhat).sum(axis=1).astype(float)
    fp = (~draws & yhat).sum(axis=1).astype(float)
    fn = (draws & ~yhat).sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
        ranks = stats.rankdata(score)
        positives = draws.sum(axis=1).astype(float)
        negatives = draws.shape[1] - positives
        rank_sum = draws.astype(float) @ ranks
        auc = (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
    auc = np.where((positives > 0) & (negatives > 0), auc, np.nan)
    return {"accuracy": accuracy, "f1": f1, "roc_auc": auc}


@dataclass(frozen=True, slots=True)
class WindowScores:
    """One window's scored rows: score, predicted positive, and the label (positive
    or not) where known (``labelled`` marks the rows with a label)."""

    score: Floats
    predicted_positive: Bools
    truth: Bools
    labelled: Bools


METHOD = (
    "CBPE: labels drawn from the (isotonic-recalibrated when that helps) scores, "
    f"{DRAWS} draws per window; the interval holds the realized value's 95% range"
)


def estimate_windows(
    windows: list[WindowScores | None],
    realized: list[dict[str, float]],
) -> tuple[dict[str, Any], list[dict[str, Any] | None]]:
    """The estimation summary and each window's estimate (None: no scored rows).

    Args:
        windows: Each window's scored rows, in time order.
        realized: Each window's realized metrics on its labelled rows (may be empty).
    """
    reference = next(
        (
            i
            for i, w in enumerate(windows)
            if w is not None and int(w.labelled.sum()) >= MIN_REFERENCE
        ),
        None,
    )
    if reference is None:
        estimator = Estimator()
    else:
        ref = windows[reference]
        assert ref is not None
        estimator = Estimator.fit(ref.score[ref.labelled], ref.truth[ref.labelled])
    out: list[dict[str, Any] | None] = []
    for i, w in enumerate(windows):
        if w is None or not len(w.score):
            out.append(None)
            continue
        found = estimator.estimate(w.score, w.predicted_positive)
        for name, figures in found.items():
            figures["realized"] = realized[i].get(name)
        out.append(
            {
                "metrics": found,
                "reference": i == reference,
                **_assumptions(estimator, w, realized[i], i == reference),
            }
        )
    summary = {
        "method": METHOD,
        "reference_window": reference,
        "calibration": estimator.to_dict(),
        "note": None
        if reference is not None
        else f"No window has {MIN_REFERENCE} labelled scored rows: calibration is "
        "unchecked and the scores are taken as calibrated.",
    }
    return summary, out


def _assumptions(
    estimator: Estimator, w: WindowScores, realized: dict[str, float], reference: bool
) -> dict[str, Any]:
    """Whether the estimate held where labels arrived, and why not."""
    rows = int(w.labelled.sum())
    if reference or rows < MIN_CHECK:
        return {"reliable": None, "reasons": []}
    score, truth = w.score[w.labelled], w.truth[w.labelled]
    reasons = []
    ece, bound = estimator.calibration_drift(score, truth)
    if ece > bound:
        reasons.append(
            f"calibration drift: the scores' ECE is {ece:.3f} on the {rows:,} labelled "
            f"rows, above the {bound:.3f} that calibrated scores reach 99% of the time"
        )
    on_labelled = estimator.estimate(score, w.predicted_positive[w.labelled])
    for name, figures in on_labelled.items():
        value = realized.get(name)
        low, high = figures["interval"]
        if value is not None and not low <= value <= high:
            reasons.append(
                f"realized {name} {value:.3f} is outside the estimate's interval "
                f"[{low:.3f}, {high:.3f}] for the labelled rows"
            )
    return {"reliable": not reasons, "reasons": reasons}
