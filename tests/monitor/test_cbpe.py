"""CBPE end to end: a calibrated classifier under covariate shift keeps its realized
metrics inside the estimate's interval; under concept shift the estimate says it is
unreliable; a regressor gets a plain "no estimate"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from pipewarden.monitor.cbpe import Estimator, expected_calibration_error
from pipewarden.store import Store
from pipewarden.workflows.models import register_model
from pipewarden.workflows.monitoring import monitor_model
from pipewarden.workflows.traffic import log_labels, log_predictions
from store_helpers import make_fingerprint

DAYS = 100
ROWS = 250
T0 = datetime(2026, 3, 2, tzinfo=UTC)


def _day(
    day: int, shift: float, rng: np.random.Generator, *, concept: bool
) -> pl.DataFrame:
    x = rng.normal(shift, 1.0, ROWS)
    score = 1 / (1 + np.exp(-(1.6 * x - 0.4)))  # the true P(y = 1 | x): calibrated
    truth_p = 1 / (1 + np.exp(1.6 * x - 0.4)) if concept else score
    y = rng.random(ROWS) < truth_p
    return pl.DataFrame(
        {
            "id": [f"{day}-{i}" for i in range(ROWS)],
            "ts": [T0 + timedelta(days=day, seconds=60 * i) for i in range(ROWS)],
            "x": x,
            "p": score,
            "pred": (score > 0.5).astype(np.int64),
            "y": y.astype(np.int64),
        }
    )


def _log(store: Store, days: list[pl.DataFrame]) -> None:
    register_model(
        "churn",
        "1",
        b"m",
        environment=make_fingerprint(),
        task="classification",
        store=store,
    )
    frame = pl.concat(days)
    log_predictions(
        "churn",
        frame.drop("y"),
        id="id",
        prediction="pred",
        time="ts",
        scores="p",
        store=store,
    )
    log_labels("churn", frame.select("id", "y"), id="id", label="y", store=store)


def test_cbpe_interval_holds_the_realized_metrics_under_covariate_shift(
    store: Store,
) -> None:
    rng = np.random.default_rng(5)
    days = [_day(d, 1.5 * d / DAYS, rng, concept=False) for d in range(DAYS)]
    _log(store, days)

    report = monitor_model("churn", window="day", store=store, sync=False)

    data = report.to_dict()
    assert data["estimation"]["reference_window"] == T0.isoformat()
    inside = {"accuracy": 0, "f1": 0, "roc_auc": 0}
    for window, frame in zip(data["windows"], days, strict=True):
        est = window["estimated"]["metrics"]
        y, pred, p = frame["y"], frame["pred"], frame["p"]
        realized = {  # scikit-learn's, independently of the window metrics
            "accuracy": accuracy_score(y, pred),
            "f1": f1_score(y, pred),
            "roc_auc": roc_auc_score(y, p),
        }
        for name, value in realized.items():
            assert (
                est[name]["realized"] == value
                or abs(est[name]["realized"] - value) < 1e-12
            )
            low, high = est[name]["interval"]
            inside[name] += low <= value <= high
    assert all(count / DAYS >= 0.90 for count in inside.values()), inside
    checked = [w["estimated"]["reliable"] for w in data["windows"][1:]]
    assert sum(checked) / len(checked) >= 0.85


def test_cbpe_says_the_estimate_is_unreliable_under_concept_shift(
    store: Store,
) -> None:
    rng = np.random.default_rng(6)
    days = [_day(d, 0.3, rng, concept=d >= 4) for d in range(8)]
    _log(store, days)

    windows = monitor_model("churn", window="day", store=store, sync=False).windows

    shifted = [w.estimate for w in windows[4:]]
    assert all(e is not None and e["reliable"] is False for e in shifted)
    assert all(
        any(r.startswith("calibration drift") for r in e["reasons"])  # type: ignore[index]
        for e in shifted
    )


def test_a_miscalibrated_reference_is_recalibrated_with_isotonic_regression() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(0, 1, 3000)
    truth = rng.random(3000) < 1 / (1 + np.exp(-2 * x))
    overconfident = 1 / (1 + np.exp(-6 * x))
    estimator = Estimator.fit(overconfident, truth)
    assert estimator.recalibrated
    assert estimator.ece_raw is not None and estimator.ece_raw > 0.1
    fresh_x = rng.normal(0, 1, 3000)
    fresh_truth = rng.random(3000) < 1 / (1 + np.exp(-2 * fresh_x))
    calibrated = estimator.calibrate(1 / (1 + np.exp(-6 * fresh_x)))
    assert expected_calibration_error(calibrated, fresh_truth) < 0.04


def test_a_regressor_gets_no_label_free_estimate(store: Store) -> None:
    register_model(
        "plant",
        "1",
        b"m",
        environment=make_fingerprint(),
        task="regression",
        store=store,
    )
    frame = pl.DataFrame({"id": ["a", "b"], "pred": [1.0, 2.5], "y": [1.2, 2.0]})
    log_predictions("plant", frame, id="id", prediction="pred", store=store)
    report = monitor_model("plant", store=store, sync=False).to_dict()
    assert report["estimation"]["method"] is None
    assert report["estimation"]["note"].startswith(
        "No label-free performance estimate for regression models"
    )
    assert report["windows"][0]["estimated"] is None
