"""An Airflow 3 DAG that checks each day's orders against their contract before
scoring them (pipewarden.integrations.airflow).

Put it in your dags folder, then ``airflow dags test orders_contract``. Paths come
from ORDERS_DIR (default: ./data): ORDERS_DIR/orders.parquet and
ORDERS_DIR/orders.yaml (make the contract once with
``pipewarden contract infer reference.parquet -o orders.yaml``); runs are recorded in
PIPEWARDEN_STORE_URL when set.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG, task

from pipewarden.integrations.airflow import PipewardenCheckOperator

ORDERS_DIR = os.environ.get("ORDERS_DIR", "data")
STORE = os.environ.get("PIPEWARDEN_STORE_URL")

with DAG(
    "orders_contract",
    schedule="@daily",
    start_date=dt.datetime(2026, 1, 1),
    catchup=False,
    # A failed contract skips these retries (AirflowFailException): only errors
    # that may pass on a second try (an unreachable database) use them.
    default_args={"retries": 2, "retry_delay": dt.timedelta(seconds=30)},
) as dag:
    check = PipewardenCheckOperator(
        task_id="check_orders",
        data=ORDERS_DIR + "/{{ params.batch }}",
        contract=ORDERS_DIR + "/orders.yaml",
        params={"batch": "orders.parquet"},
        dataset="orders",
        store=STORE,
        fail_on="error",  # "warning" to stop on warnings too, "never" to only record
    )

    @task
    def score(summary: dict[str, object]) -> int:
        """Runs only when the orders passed; gets the check's summary by XCom."""
        rows = summary["rows"]
        assert isinstance(rows, int)
        return rows

    score(check.output)
