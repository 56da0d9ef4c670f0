from __future__ import annotations

import numpy as np
import polars as pl

from pipewarden.checks.findings import Severity
from pipewarden.contracts.model import Contract, DatasetSpec, LabelSpec
from pipewarden.drift import compare
from pipewarden.drift.stats import get
from pipewarden.engines.local import LocalEngine


def labelled(rng: np.random.Generator, n: int, bad_rate: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "bad": (rng.random(n) < bad_rate).astype(np.int64),
            "score": rng.beta(2, 5, n),
            "v": rng.normal(size=n),
        }
    )


def test_a_bad_rate_doubling_is_a_label_shift_even_with_a_small_psi(rng):
    engine = LocalEngine()
    ref = engine.profile_frame(labelled(rng, 20_000, 0.034))
    cur = engine.profile_frame(labelled(rng, 20_000, 0.078))
    report = compare(ref, cur, label="bad")
    assert report.label is not None
    assert report.label.check == "label.shift"
    assert report.label.drifted and report.label.severity >= Severity.WARNING
    assert report.label.message.startswith("Label 'bad' drifted: '1' 3.")
    # The same change read as PSI would pass unnoticed.
    from pipewarden.drift.stats._inputs import CategoricalPair

    psi = get("psi")(CategoricalPair.from_profiles(ref["bad"], cur["bad"])).score
    assert psi < 0.1
    assert "bad" not in {c.column for c in report.columns}


def test_a_stable_label_and_the_contract_label(rng):
    engine = LocalEngine()
    ref = engine.profile_frame(labelled(rng, 20_000, 0.05))
    cur = engine.profile_frame(labelled(rng, 20_000, 0.05))
    contract = Contract(dataset=DatasetSpec(label=LabelSpec(column="bad")))
    report = compare(ref, cur, contract=contract)
    assert report.label is not None and not report.label.drifted


def test_prediction_drift_is_named_as_such(rng):
    engine = LocalEngine()
    ref = engine.profile_frame(labelled(rng, 20_000, 0.05))
    cur = engine.profile_frame(
        labelled(rng, 20_000, 0.05).with_columns(pl.col("score") + 0.1)
    )
    report = compare(ref, cur, prediction="score")
    assert report.prediction is not None
    assert report.prediction.check == "drift.prediction"
    assert report.prediction.statistic == "wasserstein"
    assert report.prediction.drifted
    assert report.prediction.message.startswith("Prediction 'score' drifted")


def test_a_regression_target_is_compared_like_a_numeric_column(rng):
    engine = LocalEngine()
    ref = engine.profile_frame(pl.DataFrame({"y": rng.normal(0, 1, 5000)}))
    cur = engine.profile_frame(pl.DataFrame({"y": rng.normal(1, 1, 5000)}))
    report = compare(ref, cur, label="y")
    assert report.label is not None
    assert (report.label.check, report.label.statistic) == (
        "label.shift",
        "wasserstein",
    )
    assert report.label.severity is Severity.ERROR
