"""monitor_model: windows, metrics, alerts, diagnosis and retrain advice, end to end."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from pipewarden.monitor.retrain import RetrainPolicy
from pipewarden.store import Store
from pipewarden.workflows.models import register_model
from pipewarden.workflows.monitoring import monitor_model
from pipewarden.workflows.traffic import log_labels, log_predictions
from store_helpers import make_fingerprint

ROWS = 600


def _truth(x1: np.ndarray, x2: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """The process: linear, with a bend the linear model never saw (x1 > 1.5)."""
    return 3 * x1 + 2 * x2 + 0.8 * np.maximum(x1 - 1.5, 0) ** 2 + noise


def _month(month: int, shift: float, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(shift, 1, ROWS)
    x2 = rng.normal(0, 1, ROWS)
    start = datetime(2026, month, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "id": [f"{month}-{i}" for i in range(ROWS)],
            "ts": [start + timedelta(minutes=60 * i) for i in range(ROWS)],
            "x1": x1,
            "x2": x2,
            "pred": 3 * x1 + 2 * x2,
            "y": _truth(x1, x2, rng.normal(0, 1, ROWS)),
        }
    )


def _register(store: Store, **extra: object) -> float:
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(0, 1, 4000), rng.normal(0, 1, 4000)
    y = _truth(x1, x2, rng.normal(0, 1, 4000))
    baseline = float(mean_absolute_error(y, 3 * x1 + 2 * x2))
    register_model(
        "plant",
        "1",
        {"coef": [3, 2]},
        training_data=pl.DataFrame({"x1": x1, "x2": x2, "y": y}),
        label="y",
        metrics={"mae": baseline},
        importances={"x1": 0.6, "x2": 0.4},
        environment=make_fingerprint(),
        store=store,
        **extra,  # type: ignore[arg-type]
    )
    return baseline


SHIFTS = {1: 0.0, 2: 0.0, 3: 0.0, 4: 2.0, 5: 2.5, 6: 3.0}
"""Three stable months, then x1 moves further into the bend every month."""


def test_error_rising_month_after_month_alerts_those_months_and_advises_retraining(
    store: Store,
) -> None:
    _register(store)
    months = {m: _month(m, s, seed=m) for m, s in SHIFTS.items()}
    for frame in months.values():
        log_predictions(
            "plant", frame.drop("y"), id="id", prediction="pred", time="ts", store=store
        )
        log_labels("plant", frame.select("id", "y"), id="id", label="y", store=store)

    report = monitor_model(
        "plant", window="month", store=store, now=datetime(2026, 7, 1, tzinfo=UTC)
    )

    assert [w.start.month for w in report.windows] == [1, 2, 3, 4, 5, 6]
    for window in report.windows:  # every window metric equals scikit-learn's
        frame = months[window.start.month]
        assert window.metrics["mae"] == pytest.approx(
            mean_absolute_error(frame["y"], frame["pred"])
        )
        assert window.metrics["rmse"] == pytest.approx(
            root_mean_squared_error(frame["y"], frame["pred"])
        )
    perf_windows = {
        f["segment"]["window"][:7]
        for f in report.to_dict()["findings"]
        if f["check"].startswith("perf.")
    }
    assert perf_windows == {"2026-04", "2026-05", "2026-06"}
    assert all(not w.findings for w in report.windows[:3])
    severities = [
        next(f.severity.value for f in w.findings if f.check == "perf.mae")
        for w in report.windows[3:]
    ]
    assert severities[-1] == "error"
    assert report.advice.retrain
    assert (
        "performance rule failed in the last 3 labelled windows"
        in (report.advice.reasons[0])
    )
    assert report.to_dict()["findings"][-1]["check"] == "retrain.recommended"
    june = report.windows[-1]
    assert june.drift["drifted_columns"] == ["x1"]
    mae = next(f for f in june.findings if f.check == "perf.mae")
    assert "'x1' carries 60% of the model's importance and moved +3." in mae.message
    assert [w.diagnosis.kind for w in report.windows[:3]] == ["stable"] * 3  # type: ignore[union-attr]
    opened = {(a["rule"], a["first_window"][:7]) for a in report.to_dict()["alerts"]}
    assert ("mae_error", "2026-04") in opened
    assert all(window >= "2026-04" for _, window in opened)
    assert {e.kind for e in report.alert_events} >= {"opened"}


def test_late_out_of_order_labels_give_the_numbers_of_labels_logged_at_once(
    tmp_path: object,
) -> None:
    from pipewarden.store import open_store

    months = [_month(m, SHIFTS[m], seed=m) for m in (1, 4, 5)]
    labels = pl.concat([m.select("id", "y") for m in months])
    results = []
    for how in ("at_once", "late"):
        with open_store(f"sqlite:///{tmp_path}/{how}.db") as store:  # type: ignore[str-bytes-safe]
            _register(store)
            if (
                how == "late"
            ):  # labels first for some ids, in shuffled chunks, a wrong one fixed
                order = list(range(labels.height))
                random.Random(4).shuffle(order)
                shuffled = labels[order]
                wrong = shuffled.head(50).with_columns(pl.col("y") + 100)
                log_labels("plant", wrong, id="id", label="y", store=store)
            for frame in months:
                log_predictions(
                    "plant",
                    frame.drop("y"),
                    id="id",
                    prediction="pred",
                    time="ts",
                    store=store,
                )
                if how == "at_once":
                    log_labels(
                        "plant",
                        frame.select("id", "y"),
                        id="id",
                        label="y",
                        store=store,
                    )
            if how == "late":
                for chunk in shuffled.iter_slices(700):
                    log_labels("plant", chunk, id="id", label="y", store=store)
                log_labels(
                    "plant", shuffled.slice(0, 700), id="id", label="y", store=store
                )
            report = monitor_model("plant", window="month", store=store, sync=False)
            results.append([(w.labelled, w.metrics) for w in report.windows])
    assert results[0] == results[1]


def _concept(store: Store, kind: str) -> str:
    _register(store)
    rng = np.random.default_rng(11)
    n = 1500
    x1 = rng.normal(2.0 if kind == "inputs" else 0.0, 1, n)
    x2 = rng.normal(0, 1, n)
    y = 3 * x1 + 2 * x2 + rng.normal(0, 1, n) + (4.0 if kind == "concept" else 0.0)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            "id": [str(i) for i in range(n)],
            "ts": [start + timedelta(minutes=20 * i) for i in range(n)],
            "x1": x1,
            "x2": x2,
            "pred": 3 * x1 + 2 * x2,
            "y": y,
        }
    )
    log_predictions(
        "plant", frame.drop("y"), id="id", prediction="pred", time="ts", store=store
    )
    log_labels("plant", frame.select("id", "y"), id="id", label="y", store=store)
    report = monitor_model("plant", window="month", store=store, sync=False)
    (window,) = report.windows
    assert window.diagnosis is not None
    return window.diagnosis.kind


def test_a_shifted_target_at_the_same_inputs_is_concept_drift(store: Store) -> None:
    assert _concept(store, "concept") == "concept_drift"


def test_a_pure_input_shift_is_not_concept_drift(store: Store) -> None:
    assert _concept(store, "inputs") == "covariate_drift"


def test_old_models_are_advised_to_retrain_by_age(store: Store) -> None:
    _register(store)
    frame = _month(1, 0.0, seed=1)
    log_predictions(
        "plant", frame.drop("y"), id="id", prediction="pred", time="ts", store=store
    )
    later = datetime.now(UTC) + timedelta(days=400)

    report = monitor_model(
        "plant",
        window="month",
        store=store,
        now=later,
        policy=RetrainPolicy(max_age_days=365),
        sync=False,
    )

    assert report.advice.retrain
    assert report.advice.reasons[0].startswith("the model is 400 days old")


def test_a_quiet_hour_with_twelve_labels_pages_no_one(store: Store) -> None:
    baseline = _register(store)
    rng = np.random.default_rng(21)
    start = datetime(2026, 2, 2, 9, tzinfo=UTC)
    x1, x2 = rng.normal(0, 1, 12), rng.normal(0, 1, 12)
    frame = pl.DataFrame(
        {
            "id": [f"q{i}" for i in range(12)],
            "ts": [start + timedelta(minutes=5 * i) for i in range(12)],
            "x1": x1,
            "x2": x2,
            "pred": 3 * x1 + 2 * x2,
            "y": 3 * x1 + 2 * x2 + rng.normal(0, 1.6, 12),  # noisier than trained
        }
    )
    log_predictions(
        "plant", frame.drop("y"), id="id", prediction="pred", time="ts", store=store
    )
    log_labels("plant", frame.select("id", "y"), id="id", label="y", store=store)

    report = monitor_model("plant", window="hour", store=store)

    (window,) = report.windows
    assert window.metrics["mae"] > 1.25 * baseline  # past the rule's threshold...
    low, _ = window.performance.metrics["mae"].interval  # type: ignore[misc]
    assert low < baseline  # ...but not beyond the window's own noise
    assert window.findings == () and report.alerts == ()


def test_classification_windows_equal_sklearn_with_scores(store: Store) -> None:
    from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score

    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, 2000)
    train = pl.DataFrame(
        {"x": x, "churn": (x + rng.normal(0, 1, 2000) > 0).astype(int)}
    )
    register_model(
        "churn",
        "1",
        {"t": 1},
        training_data=train,
        label="churn",
        metrics={"accuracy": 0.76},
        environment=make_fingerprint(),
        store=store,
    )
    start = datetime(2026, 5, 1, tzinfo=UTC)
    xs = rng.normal(0, 1, 1200)
    p = 1 / (1 + np.exp(-1.7 * xs))
    y = (xs + rng.normal(0, 1, 1200) > 0).astype(int)
    frame = pl.DataFrame(
        {
            "id": [str(i) for i in range(1200)],
            "ts": [start + timedelta(hours=i) for i in range(1200)],
            "x": xs,
            "pred": (p > 0.5).astype(int),
            "p": p,
            "churn": y.astype(float),  # labels as 0.0/1.0 still match classes 0/1
        }
    )
    log_predictions(
        "churn",
        frame.drop("churn"),
        id="id",
        prediction="pred",
        time="ts",
        scores="p",
        store=store,
    )
    log_labels("churn", frame, id="id", label="churn", store=store)

    report = monitor_model("churn", window="month", store=store)

    assert report.task == "classification"
    for window in report.windows:
        rows = frame.filter(
            (pl.col("ts") >= window.start) & (pl.col("ts") < window.end)
        )
        truth, pred, score = rows["churn"].cast(int), rows["pred"], rows["p"]
        assert window.metrics["accuracy"] == pytest.approx(accuracy_score(truth, pred))
        assert window.metrics["f1"] == pytest.approx(f1_score(truth, pred))
        assert window.metrics["roc_auc"] == pytest.approx(roc_auc_score(truth, score))
        assert window.metrics["log_loss"] == pytest.approx(log_loss(truth, score))
