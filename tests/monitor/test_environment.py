"""env.mismatch findings from two fingerprints, and the packages a pickle needs."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from pipewarden.checks.findings import Severity
from pipewarden.monitor.environment import check_model_environment, packages_referenced
from pipewarden.store.records import ModelRecord
from store_helpers import make_fingerprint

TRAINED = make_fingerprint({"numpy": "2.1.0", "scikit-learn": "1.5.2", "rich": "13.0"})


def model(*important: str) -> ModelRecord:
    return ModelRecord(
        name="m",
        version="1",
        artifact_hash="ab" * 32,
        artifact_path=None,
        environment=TRAINED,
        important_packages=important,
        registered_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def test_packages_referenced_reads_the_pickle_without_loading_it() -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    model = sklearn.LogisticRegression().fit(np.array([[0.0], [1.0]]), [0, 1])

    assert packages_referenced(pickle.dumps(model)) == ("numpy", "scikit-learn")


@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_packages_referenced_reads_every_protocol(protocol: int) -> None:
    data = pickle.dumps({"a": np.arange(3), "b": Path("x")}, protocol=protocol)

    assert packages_referenced(data) == ("numpy",)


def test_packages_referenced_of_bytes_that_are_not_a_pickle_is_empty() -> None:
    assert packages_referenced(b"\x00\x01 not a pickle") == ()
    assert packages_referenced(pickle.dumps({"plain": [1, 2.0, "x"]})) == ()


def test_what_matters_for_the_model_is_an_env_mismatch() -> None:
    here = make_fingerprint({"numpy": "2.2.0", "scikit-learn": "1.5.2", "rich": "14.0"})

    findings = check_model_environment(model("numpy", "scikit-learn"), here)

    assert [(f.check, f.severity, f.segment) for f in findings] == [
        ("env.mismatch", Severity.ERROR, {"kind": "package", "name": "numpy"}),
        ("env.mismatch", Severity.WARNING, {"kind": "package", "name": "rich"}),
    ]
    assert findings[0].message == (
        "Model m:1: numpy is 2.2.0 here but 2.1.0 where the model was trained (minor "
        "change). Pin numpy==2.1.0 in production, or retrain."
    )
    assert (findings[0].value, findings[0].threshold) == ("2.2.0", "2.1.0")


def test_the_training_environment_suits_its_model() -> None:
    assert check_model_environment(model("numpy"), TRAINED) == ()


def test_an_important_package_known_to_neither_side_is_not_reported() -> None:
    findings = check_model_environment(model("torch"), TRAINED)

    assert findings == ()
