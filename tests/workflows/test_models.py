"""register_model and check_environment: models kept with the environment they need."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipewarden.checks.findings import Severity
from pipewarden.errors import ConfigError, RecordNotFoundError, StoreError
from pipewarden.store import Store
from pipewarden.workflows.models import check_environment, register_model
from store_helpers import make_fingerprint, profile_of

TRAINED = make_fingerprint({"numpy": "2.1.0", "scikit-learn": "1.5.2", "rich": "13.0"})


def test_register_model_keeps_hash_profile_environment_and_metrics(
    store: Store,
) -> None:
    model = {"weights": np.arange(3)}
    training = pl.DataFrame({"x": [1.0, 2.0, 3.0]})

    record = register_model(
        "churn",
        "1",
        model,
        training_data=training,
        metrics={"auc": 0.91},
        environment=TRAINED,
        store=store,
    )

    assert (
        record.artifact_hash
        == hashlib.sha256(
            pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        ).hexdigest()
    )
    assert record.important_packages == ("numpy",)
    got = store.get_model("churn", "1")
    assert got.environment == TRAINED
    assert got.metrics == {"auc": 0.91}
    assert got.training_profile is not None
    assert got.training_profile.to_dict() == profile_of(training).to_dict()
    assert got.to_dict()["training_rows"] == 3


def test_register_model_from_a_file_hashes_the_file(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"w": np.arange(2)}))

    record = register_model(
        "churn", "1", path, environment=TRAINED, store=store, important=["Scikit_Learn"]
    )

    assert record.artifact_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record.artifact_path == str(path.resolve())
    assert record.important_packages == ("scikit-learn",)


def test_a_missing_model_file_is_a_config_error(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read model file"):
        register_model("m", "1", tmp_path / "none.pkl", store=store)


def test_registering_the_same_artifact_again_is_a_no_op(store: Store) -> None:
    first = register_model("m", "1", {"a": 1}, environment=TRAINED, store=store)

    again = register_model("m", "1", {"a": 1}, environment=TRAINED, store=store)

    assert again.artifact_hash == first.artifact_hash


def test_a_version_cannot_be_registered_with_another_artifact(store: Store) -> None:
    register_model("m", "1", {"a": 1}, environment=TRAINED, store=store)

    with pytest.raises(StoreError, match="Model 'm' version '1' is already registered"):
        register_model("m", "1", {"a": 2}, environment=TRAINED, store=store)


def test_the_newest_version_is_the_default(store: Store) -> None:
    register_model("m", "1", {"a": 1}, environment=TRAINED, store=store)
    register_model("m", "2", {"a": 2}, environment=TRAINED, store=store)

    assert store.get_model("m").version == "2"
    with pytest.raises(RecordNotFoundError, match="No model 'm' version '3'"):
        store.get_model("m", "3")


def test_check_environment_reports_what_matters_for_the_model(store: Store) -> None:
    register_model(
        "m",
        "1",
        {"a": np.arange(2)},
        environment=TRAINED,
        store=store,
        important=["numpy", "scikit-learn"],
    )
    here = make_fingerprint({"numpy": "2.2.0", "scikit-learn": "1.5.2", "rich": "14.0"})

    findings = check_environment("m", "1", environment=here, store=store)

    assert [(f.check, f.severity, f.segment) for f in findings] == [
        ("env.mismatch", Severity.ERROR, {"kind": "package", "name": "numpy"}),
        ("env.mismatch", Severity.WARNING, {"kind": "package", "name": "rich"}),
    ]
    assert findings[0].message == (
        "Model m:1: numpy is 2.2.0 here but 2.1.0 where the model was trained (minor "
        "change). Pin numpy==2.1.0 in production, or retrain."
    )
    assert (findings[0].value, findings[0].threshold) == ("2.2.0", "2.1.0")


def test_check_environment_is_quiet_in_the_training_environment(store: Store) -> None:
    register_model("m", "1", {"a": 1}, environment=TRAINED, store=store)

    assert check_environment("m", environment=TRAINED, store=store) == ()


def test_register_and_check_accept_a_store_url(store_url: str) -> None:
    register_model("m", "1", {"a": 1}, environment=TRAINED, store=store_url)

    assert check_environment("m", "1", environment=TRAINED, store=store_url) == ()


def test_the_environment_is_captured_from_the_given_variables(store: Store) -> None:
    record = register_model(
        "m", "1", {"a": 1}, environ={"OMP_NUM_THREADS": "4"}, store=store
    )

    assert record.environment.env == (("OMP_NUM_THREADS", "4"),)
    assert check_environment("m", environ={"OMP_NUM_THREADS": "4"}, store=store) == ()
