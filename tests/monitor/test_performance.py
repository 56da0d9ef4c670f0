"""Window metrics equal scikit-learn / numpy on the same rows; intervals hold the value."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

from pipewarden.monitor.performance import (
    classification_performance,
    regression_performance,
)


def test_regression_metrics_equal_sklearn_and_numpy() -> None:
    rng = np.random.default_rng(3)
    label = rng.normal(50, 10, 500)
    prediction = label + rng.normal(1.0, 3.0, 500)

    perf = regression_performance(label, prediction)

    m = {k: v.value for k, v in perf.metrics.items()}
    assert m["mae"] == pytest.approx(skm.mean_absolute_error(label, prediction))
    assert m["rmse"] == pytest.approx(
        math.sqrt(skm.mean_squared_error(label, prediction))
    )
    assert m["mape"] == pytest.approx(
        skm.mean_absolute_percentage_error(label, prediction)
    )
    assert m["mean_residual"] == pytest.approx(float(np.mean(prediction - label)))
    err = np.abs(prediction - label)
    half = 1.959963984540054 * err.std(ddof=1) / math.sqrt(len(err))
    assert perf.metrics["mae"].interval == pytest.approx(
        (err.mean() - half, err.mean() + half)
    )
    assert perf.labelled == 500


def test_mape_is_undefined_when_a_label_is_zero() -> None:
    perf = regression_performance(np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0]))

    assert "mape" not in perf.metrics
    assert perf.notes == (
        "MAPE is undefined: 1 of 3 labels are 0 (a percentage of 0).",
    )


def test_binary_classification_metrics_equal_sklearn() -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 2, 800)
    score = np.clip(0.3 * truth + rng.uniform(0, 0.7, 800), 0, 1)
    predicted = (score > 0.5).astype(int)
    y, p = [str(v) for v in truth], [str(v) for v in predicted]

    perf = classification_performance(y, p, {"1": score})

    m = {k: v.value for k, v in perf.metrics.items()}
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(truth, predicted))
    assert m["precision"] == pytest.approx(skm.precision_score(truth, predicted))
    assert m["recall"] == pytest.approx(skm.recall_score(truth, predicted))
    assert m["f1"] == pytest.approx(skm.f1_score(truth, predicted))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, score))
    assert m["log_loss"] == pytest.approx(skm.log_loss(truth, score))
    for value in perf.metrics.values():
        assert value.interval is not None
        low, high = value.interval
        assert low <= value.value <= high
    assert perf.per_class["1"]["actual"] == pytest.approx(truth.mean())
    assert perf.per_class["1"]["recall"] == pytest.approx(m["recall"])


def test_multiclass_metrics_are_macro_averages_as_sklearn() -> None:
    rng = np.random.default_rng(8)
    truth = rng.choice(["a", "b", "c"], 600)
    predicted = np.where(
        rng.uniform(size=600) < 0.7, truth, rng.choice(["a", "b", "c"], 600)
    )

    perf = classification_performance(list(truth), list(predicted))

    m = {k: v.value for k, v in perf.metrics.items()}
    assert m["f1"] == pytest.approx(skm.f1_score(truth, predicted, average="macro"))
    assert m["precision"] == pytest.approx(
        skm.precision_score(truth, predicted, average="macro")
    )
    assert m["recall"] == pytest.approx(
        skm.recall_score(truth, predicted, average="macro")
    )


def test_a_dozen_labels_give_a_wide_interval() -> None:
    rng = np.random.default_rng(1)
    label = rng.normal(0, 1, 12)
    wide = regression_performance(label, label + rng.normal(0, 1, 12))
    label = rng.normal(0, 1, 12_000)
    narrow = regression_performance(label, label + rng.normal(0, 1, 12_000))

    def width(perf: object) -> float:
        low, high = perf.metrics["mae"].interval  # type: ignore[attr-defined]
        return float(high - low)

    assert width(wide) > 20 * width(narrow)
