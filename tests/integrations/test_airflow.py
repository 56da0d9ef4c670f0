"""The Airflow operator, run by Airflow itself: the example DAG
(examples/airflow/orders_dag.py) in a temporary AIRFLOW_HOME whose SQLite metadata
database ``airflow db migrate`` made, executed by ``airflow dags test``.

Airflow 3 cannot share the dev environment (it pins fastapi<0.137): these tests run
in their own venv, ``make test-separate`` (requirements/airflow.txt). In the dev venv
only the missing-dependency test runs.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from integration_data import Batches, make_batches

import pipewarden as pw
from pipewarden.errors import MissingDependencyError
from pipewarden.store import open_store

EXAMPLE = Path(__file__).parents[2] / "examples" / "airflow" / "orders_dag.py"
HAS_AIRFLOW = importlib.util.find_spec("airflow") is not None
needs_airflow = pytest.mark.skipif(
    not HAS_AIRFLOW,
    reason="Airflow 3 pins fastapi<0.137 and cannot share the dev venv: "
    "run `make test-separate`",
)


@pytest.mark.skipif(HAS_AIRFLOW, reason="Airflow is installed here")
def test_without_airflow_the_operator_is_a_one_line_missing_dependency() -> None:
    import pipewarden.integrations.airflow as module

    with pytest.raises(MissingDependencyError) as raised:
        module.PipewardenCheckOperator  # noqa: B018
    assert str(raised.value) == (
        "PipewardenCheckOperator needs airflow. "
        "Install it with: pip install 'pipewarden[airflow]'"
    )
    with pytest.raises(AttributeError):
        module.NoSuchOperator  # noqa: B018


class Airflow:
    """A temporary Airflow installation: home, metadata DB, the example DAG."""

    def __init__(self, root: Path, batches: Batches) -> None:
        self.home = root / "airflow-home"
        (self.home / "dags").mkdir(parents=True)
        shutil.copy(EXAMPLE, self.home / "dags" / EXAMPLE.name)
        self.data = batches.contract.parent  # holds orders.yaml and the batches
        assert batches.contract.name == "orders.yaml"
        self.store = batches.store
        self.env = {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "ORDERS_DIR": str(self.data),
            "PIPEWARDEN_STORE_URL": self.store,
        }
        self.cli = str(Path(sys.executable).parent / "airflow")
        self.run("db", "migrate")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.cli, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=args[0] != "dags",
        )

    def test_dag(self, batch: str) -> tuple[int, str]:
        done = self.run(
            "dags", "test", "orders_contract", "-c", json.dumps({"batch": batch})
        )
        return done.returncode, done.stdout + done.stderr

    def tasks(self) -> dict[str, tuple[str, int]]:
        """The latest DAG run's task states and try numbers, from Airflow's DB."""
        with sqlite3.connect(self.home / "airflow.db") as db:
            (run_id,) = db.execute(
                "select run_id from dag_run order by id desc limit 1"
            ).fetchone()
            rows = db.execute(
                "select task_id, state, try_number from task_instance where run_id = ?",
                (run_id,),
            ).fetchall()
        return {task: (state, tries) for task, state, tries in rows}

    def xcom(self, task: str) -> Any:
        with sqlite3.connect(self.home / "airflow.db") as db:
            (value,) = db.execute(
                "select value from xcom where task_id = ? order by dag_run_id desc",
                (task,),
            ).fetchone()
        return json.loads(value) if isinstance(value, str | bytes) else value


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Airflow, Batches]:
    root = tmp_path_factory.mktemp("airflow")
    batches = make_batches(root)
    return Airflow(root, batches), batches


@needs_airflow
def test_a_passing_batch_runs_downstream_with_the_summary(
    airflow: tuple[Airflow, Batches],
) -> None:
    installed, batches = airflow

    code, log = installed.test_dag(batches.warn.name)

    assert code == 0, log[-3000:]
    assert installed.tasks() == {
        "check_orders": ("success", 1),
        "score": ("success", 1),
    }
    summary = installed.xcom("check_orders")
    expected = pw.check(batches.warn, batches.contract).to_dict()
    assert summary["findings"] == expected["findings"]
    assert (summary["status"], summary["failed"]) == ("warn", False)
    assert installed.xcom("score") == pl.read_parquet(batches.warn).height == 500
    with open_store(batches.store) as store:
        run = store.get_run(summary["run_id"])
    assert (run.dataset, run.status) == ("orders", "warn")


@needs_airflow
def test_a_failing_batch_fails_the_task_without_retries(
    airflow: tuple[Airflow, Batches],
) -> None:
    installed, batches = airflow

    code, log = installed.test_dag(batches.bad.name)

    assert code != 0
    # The example sets retries=2: AirflowFailException skips them (same data, same
    # answer), and the downstream task never runs.
    assert installed.tasks() == {
        "check_orders": ("failed", 1),
        "score": ("upstream_failed", 0),
    }
    assert "AirflowFailException: pipewarden: orders failed against orders" in log
    assert "nulls.rate [amount]" in log
    with open_store(batches.store) as store:
        (latest, *_) = store.list_runs(dataset="orders")
    assert latest.status == "fail"
