"""The example Airflow DAG's callables run as plain Python (no Airflow installed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import pipewarden as pw

EXAMPLE = Path(__file__).parents[2] / "examples" / "airflow_pipeline.py"


def test_the_example_dag_records_a_pipeline_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHURN_WORK_DIR", str(tmp_path / "work"))
    spec = importlib.util.spec_from_file_location("airflow_pipeline", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "airflow_pipeline", module)
    spec.loader.exec_module(module)
    assert "airflow" not in sys.modules
    store = f"sqlite:///{tmp_path / 's.db'}"
    run_id = module.start(store)
    for step in (module.ingest, module.clean, module.score, module.finish):
        assert step(run_id, store) == run_id
    run = pw.open_store(store).get_pipeline_run(run_id)
    assert run.status == "success"
    assert [(s.stage, s.inputs) for s in run.stages] == [
        ("ingest", ()),
        ("clean", ("ingest",)),
        ("score", ("clean",)),
    ]
    assert run.stages[0].rows == 1000
    assert len(pw.open_store(store).get_run(run.stages[0].run_id or "").inputs) == 1
