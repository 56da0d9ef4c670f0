"""ContractGate: models trained behind the gate score messy batches unchanged."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from pipewarden.contracts.model import Contract
from pipewarden.errors import ConformError
from pipewarden.sklearn import ContractGate

CATEGORICAL = ["plan", "region"]
NUMERIC = ["age", "income", "tenure"]


def _customers(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "income": rng.lognormal(10.5, 0.4, rows).round(2),
            "tenure": rng.integers(1, 120, rows),
            "plan": rng.choice(["basic", "plus", "premium"], rows),
            "region": rng.choice(["north", "south", "east"], rows),
        }
    )
    churn = (frame["tenure"].to_numpy() < 24).astype(int)
    spend = 20 + 0.0004 * frame["income"].to_numpy() + rng.normal(0, 1, rows)
    return frame, churn, spend


def _pipeline(model: Any, **gate: Any) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
            ("numbers", "passthrough", NUMERIC),
        ]
    )
    return Pipeline(
        [("gate", ContractGate(**gate)), ("encode", encode), ("model", model)]
    )


@pytest.fixture(scope="module")
def train() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    return _customers(600, seed=1)


def _messy(batch: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {
        "extra": batch.assign(promo_code="X"),
        "missing": batch.drop(columns=["tenure"]),
        "as_text": batch.assign(income=[f"${x:,.2f}" for x in batch["income"]]),
        "unseen": batch.assign(plan="enterprise", region=batch["region"] + "  "),
    }


@pytest.mark.parametrize(
    "model",
    [RandomForestClassifier(n_estimators=20, random_state=0), LinearRegression()],
)
def test_models_behind_the_gate_score_messy_batches(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray], model: Any
) -> None:
    frame, churn, spend = train
    pipe = _pipeline(model, normalize=True).fit(
        frame, churn if isinstance(model, RandomForestClassifier) else spend
    )
    batch, _, _ = _customers(50, seed=2)
    clean = pipe.predict(batch)
    for name, messy in _messy(batch).items():
        predictions = pipe.predict(messy)
        assert len(predictions) == len(batch), name
        if name == "as_text":
            assert np.allclose(predictions, clean)


def test_quarantined_rows_are_left_out_and_can_be_aligned(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray],
) -> None:
    frame, churn, _ = train
    pipe = _pipeline(
        RandomForestClassifier(n_estimators=5, random_state=0),
        on_out_of_range="quarantine",
    ).fit(frame, churn)
    batch, _, _ = _customers(10, seed=3)
    batch.loc[4, "age"] = 500
    assert len(pipe.predict(batch)) == 9
    gate = pipe.named_steps["gate"]
    assert gate.last_result_.kept_mask.tolist() == [i != 4 for i in range(10)]
    bounds = gate.contract_.columns["age"].range
    assert bounds is not None
    assert gate.quarantine_["reason"].tolist() == [
        f"value is outside [{bounds.min:,.6g}, {bounds.max:,.6g}]"
    ]
    kept, mask = gate.transform_with_mask(batch)
    assert list(kept.index) == [i for i in range(10) if i != 4]
    assert mask.sum() == 9


def test_fit_transform_refuses_to_misalign_y(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray],
) -> None:
    frame, churn, _ = train
    contract = ContractGate().fit(frame).contract_.to_dict()
    contract["columns"]["age"]["range"] = {"min": 0, "max": 30}
    contract["columns"]["age"]["conform"]["on_out_of_range"] = "quarantine"
    with pytest.raises(ConformError, match="training row"):
        ContractGate(Contract.from_dict(contract)).fit_transform(frame, churn)


def test_the_label_column_is_recorded_but_not_passed_on(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray],
) -> None:
    frame, churn, _ = train
    gate = ContractGate(label="churn").fit(frame.assign(churn=churn))
    assert gate.contract_.dataset.label is not None
    assert list(gate.get_feature_names_out()) == [
        "age",
        "income",
        "tenure",
        "plan",
        "region",
    ]
    assert list(gate.transform(frame.assign(churn=churn)).columns) == list(
        gate.get_feature_names_out()
    )


@pytest.mark.parametrize(
    ("output", "kind"),
    [("pandas", pd.DataFrame), ("polars", pl.DataFrame), ("default", pd.DataFrame)],
)
def test_set_output_chooses_the_frame_type(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray], output: Any, kind: type
) -> None:
    frame, _, _ = train
    gate = ContractGate().set_output(transform=output).fit(frame)
    assert isinstance(gate.transform(frame), kind)
    assert isinstance(clone(gate).fit(frame).transform(frame), kind)


def test_polars_in_gives_polars_out_by_default(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray],
) -> None:
    frame = pl.from_pandas(train[0])
    assert isinstance(ContractGate().fit(frame).transform(frame), pl.DataFrame)


def test_numpy_in_gives_numpy_out(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray],
) -> None:
    array = train[0][NUMERIC].to_numpy()
    gate = ContractGate().fit(array)
    assert list(gate.get_feature_names_out()) == ["x0", "x1", "x2"]
    assert np.allclose(gate.transform(array), array)


def test_a_gate_clones_pickles_and_grid_searches(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray],
) -> None:
    frame, churn, _ = train
    pipe = _pipeline(RandomForestClassifier(n_estimators=5, random_state=0))
    search = GridSearchCV(
        pipe, {"gate__normalize": [False, True], "model__max_depth": [2, 4]}, cv=3
    )
    search.fit(frame, churn)
    assert set(search.best_params_) == {"gate__normalize", "model__max_depth"}
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    batch = _messy(frame.head(20))["as_text"]
    assert (restored.predict(batch) == search.best_estimator_.predict(batch)).all()
    assert clone(ContractGate(on_unseen="null")).get_params()["on_unseen"] == "null"


def test_on_unseen_fallback_maps_to_the_training_mode(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray],
) -> None:
    frame, _, _ = train
    gate = ContractGate(on_unseen="fallback").fit(frame)
    mode = gate.contract_.columns["plan"].conform.mode
    out = gate.transform(frame.head(3).assign(plan="enterprise"))
    assert out["plan"].tolist() == [mode] * 3


def test_a_contract_file_is_used_as_is(
    train: tuple[pd.DataFrame, np.ndarray, np.ndarray], tmp_path: Any
) -> None:
    from pipewarden.contracts.yaml_io import dump_contract

    frame, _, _ = train
    contract = ContractGate().fit(frame).contract_
    path = tmp_path / "contract.yaml"
    dump_contract(contract.model_copy(update={"name": "from-file"}), path)
    gate = ContractGate(str(path), missing_columns="fail").fit(frame)
    assert gate.contract_.name == "from-file"
    with pytest.raises(ConformError, match="missing from the batch"):
        gate.transform(frame.drop(columns=["age"]))
