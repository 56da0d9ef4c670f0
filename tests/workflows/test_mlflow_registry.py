"""``models:/NAME@ALIAS`` and ``models:/NAME/VERSION`` resolved through a real MLflow
registry (a SQLite tracking store under a temporary folder): registered here with
their signature, metrics and logged environment, which ``env.mismatch`` and
``env diff`` compare with this environment."""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml

import pipewarden as pw
from pipewarden.cli import main
from pipewarden.errors import ConfigError, MissingDependencyError, RecordNotFoundError
from pipewarden.workflows.mlflow_registry import (
    parse_model_uri,
    register_mlflow_model,
)

mlflow = pytest.importorskip("mlflow")
pytestmark = [
    # MLflow's own SQL tracking store uses SQLAlchemy features 2.1 deprecates.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:mlflow"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:sqlalchemy"),
    pytest.mark.filterwarnings("ignore::UserWarning:mlflow"),
    pytest.mark.filterwarnings("ignore::FutureWarning:mlflow"),
]
OLD_SKLEARN = "0.24.2"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A tracking store with model 'churn': version 1 (alias champion) logged here,
    version 2 logged as needing scikit-learn 0.24.2."""
    import pandas as pd
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.setenv("DO_NOT_TRACK", "true")
        mlflow.set_tracking_uri(uri)
        experiment = mlflow.create_experiment(
            "pw", artifact_location=(root / "artifacts").as_uri()
        )
        rng = np.random.default_rng(0)
        x = pd.DataFrame(
            {"income": rng.normal(50, 10, 200), "age": rng.normal(40, 9, 200)}
        )
        y = (x["income"] + rng.normal(0, 5, 200) > 50).astype(int)
        model = LogisticRegression().fit(x, y)
        signature = infer_signature(x, model.predict(x))
        runs = {}
        for version, extra in (
            (1, {}),
            (2, {"pip_requirements": [f"scikit-learn=={OLD_SKLEARN}"]}),
        ):
            with mlflow.start_run(experiment_id=experiment) as run:
                mlflow.log_metric("auc", 0.8 + version / 100)
                mlflow.log_metric("Accuracy", 0.7)
                mlflow.sklearn.log_model(
                    model,
                    name="model",
                    signature=signature,
                    registered_model_name="churn",
                    serialization_format="cloudpickle",
                    **extra,
                )
                runs[version] = run.info.run_id
        client = mlflow.MlflowClient()
        client.set_registered_model_alias("churn", "champion", "1")
        yield {"uri": uri, "runs": runs, "client": client, "frame": x, "root": root}
    mlflow.set_tracking_uri(None)


@pytest.fixture
def tracking(
    registry: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", registry["uri"])
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    mlflow.set_tracking_uri(registry["uri"])
    return registry


def _logged_files(tracking: dict[str, Any], version: str) -> dict[str, Any]:
    """What MLflow itself says version ``version`` was logged with."""
    folder = Path(
        mlflow.artifacts.download_artifacts(
            f"models:/churn/{version}", dst_path=str(tracking["root"] / f"v{version}")
        )
    )
    python_env = yaml.safe_load((folder / "python_env.yaml").read_text())
    lines = [
        *python_env["build_dependencies"],
        *(folder / "requirements.txt").read_text().splitlines(),
    ]
    pins = dict(line.lower().split("==") for line in lines if "==" in line)
    return {"python": python_env["python"], "pins": pins}


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("models:/churn@champion", ("churn", "champion", None)),
        ("models:/churn/12", ("churn", None, "12")),
        ("models:/team/churn@prod", ("team/churn", "prod", None)),
    ],
)
def test_model_uris_parse(
    uri: str, expected: tuple[str, str | None, str | None]
) -> None:
    assert parse_model_uri(uri) == expected


@pytest.mark.parametrize(
    "uri", ["models:/churn", "models:/churn/Production", "models:/@x"]
)
def test_other_model_uris_are_refused_with_the_forms_that_work(uri: str) -> None:
    with pytest.raises(
        ConfigError, match="use models:/NAME@ALIAS or models:/NAME/VERSION"
    ):
        parse_model_uri(uri)


def test_an_alias_registers_the_model_with_its_signature_metrics_and_environment(
    tracking: dict[str, Any], tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'pw.db'}"
    record = register_mlflow_model("models:/churn@champion", store=store)
    assert (record.name, record.version, record.artifact_path) == (
        "churn",
        "1",
        "models:/churn/1",
    )
    assert record.inputs == tuple(tracking["frame"].columns)
    run_metrics = tracking["client"].get_run(tracking["runs"][1]).data.metrics
    assert record.metrics == {k.lower(): v for k, v in run_metrics.items()}
    assert record.metrics["auc"] == pytest.approx(0.81)
    logged = _logged_files(tracking, "1")
    assert record.environment.python_version == logged["python"]
    assert dict(record.environment.packages) == logged["pins"]
    assert record.environment.package_version("scikit-learn") == (
        importlib.metadata.version("scikit-learn")
    )
    assert "scikit-learn" in record.important_packages
    assert "mlflow" not in record.important_packages

    again = register_mlflow_model("models:/churn/1", store=store)
    assert again.artifact_hash == record.artifact_hash
    with pw.open_store(store) as opened:
        assert [(m.name, m.version) for m in opened.list_models()] == [("churn", "1")]


def test_a_check_with_an_mlflow_model_compares_with_its_logged_environment(
    tracking: dict[str, Any], tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'pw.db'}"
    batch = pl.from_pandas(tracking["frame"])
    contract = pw.infer_contract(pw.profile(batch))
    champion = pw.check(
        batch, contract, model="models:/churn@champion", store=store, record=False
    )
    assert [f for f in champion.findings if f.check == "env.mismatch"] == []
    old = pw.check(batch, contract, model="models:/churn/2", store=store, record=False)
    (finding,) = [
        f
        for f in old.findings
        if f.check == "env.mismatch" and f.segment["name"] == "scikit-learn"
    ]
    assert finding.severity.value == "error"
    assert (finding.threshold, finding.value) == (
        OLD_SKLEARN,
        importlib.metadata.version("scikit-learn"),
    )


def test_predictions_logged_for_an_mlflow_model_land_on_its_registered_version(
    tracking: dict[str, Any], tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'pw.db'}"
    batch = (
        pl.from_pandas(tracking["frame"])
        .with_row_index("id")
        .with_columns(p=pl.col("income") > 50)
    )
    receipt = pw.log_predictions(
        "models:/churn@champion", batch, id="id", prediction="p", store=store
    )
    assert receipt.stored == batch.height
    with pw.open_store(store) as opened:
        rows = opened.load_predictions("churn", "1")
    assert rows is not None and rows.height == batch.height


def test_env_diff_compares_with_a_model_s_logged_environment(
    tracking: dict[str, Any], tmp_path: Path
) -> None:
    here = tmp_path / "here.json"
    pw_env = pw_capture()
    pw_env.save(here)
    out = StringIO()
    with redirect_stdout(out), redirect_stderr(StringIO()):
        code = main(["env", "diff", "models:/churn/2", str(here), "--json", "-"])
    changes = {c["name"]: c for c in json.loads(out.getvalue())["changes"]}
    assert changes["scikit-learn"]["before"] == OLD_SKLEARN
    assert changes["scikit-learn"]["after"] == importlib.metadata.version(
        "scikit-learn"
    )
    assert "os" not in changes and "architecture" not in changes  # not logged: unknown
    assert code == 0  # scikit-learn is not --important: a warning


def test_unknown_models_and_a_missing_extra_are_one_line_errors(
    tracking: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = f"sqlite:///{tmp_path / 'pw.db'}"
    with pytest.raises(
        RecordNotFoundError, match=r"^MLflow at .* has no model models:/churn@nope"
    ):
        register_mlflow_model("models:/churn@nope", store=store)
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if the extra were absent
    with pytest.raises(
        MissingDependencyError, match=r"pip install 'pipewarden\[mlflow\]'"
    ):
        register_mlflow_model("models:/churn@champion", store=store)


def pw_capture() -> Any:
    from pipewarden.env.fingerprint import capture

    return capture(os.environ)


def test_the_signature_gives_a_contract_that_checks_the_model_s_inputs(
    tracking: dict[str, Any],
) -> None:
    from pipewarden.workflows.mlflow_registry import signature_contract

    contract = signature_contract("models:/churn@champion")
    logged = mlflow.models.get_model_info("models:/churn/1").signature.inputs.to_dict()
    assert [(c["name"], c["type"]) for c in logged] == [
        ("income", "double"),
        ("age", "double"),
    ]
    assert {n: (s.kind.value, s.dtype) for n, s in contract.columns.items()} == {
        "income": ("float", "Float64"),
        "age": ("float", "Float64"),
    }
    batch = pl.from_pandas(tracking["frame"]).drop("age")
    result = pw.check(batch, contract)
    assert [
        (f.check, f.column) for f in result.findings if f.severity.value == "error"
    ] == [("schema.missing_column", "age")]
