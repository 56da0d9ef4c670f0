"""A Prefect flow that checks the day's orders before scoring them
(pipewarden.integrations.prefect).

``python orders_flow.py`` runs it once. ORDERS_DIR (default: ./data) holds
orders.parquet and orders.yaml (``pipewarden contract infer reference.parquet -o
orders.yaml``); runs are recorded in PIPEWARDEN_STORE_URL when set.
"""

from __future__ import annotations

import os
from typing import Any

from prefect import flow, task

from pipewarden.integrations.prefect import pipewarden_check

ORDERS_DIR = os.environ.get("ORDERS_DIR", "data")


@task
def score(summary: dict[str, Any]) -> int:
    """Runs only when the check passed: a failed check fails the flow first."""
    rows: int = summary["rows"]
    return rows


@flow(name="orders-daily")
def orders_daily(batch: str = "orders.parquet") -> int:
    summary = pipewarden_check(
        f"{ORDERS_DIR}/{batch}",
        f"{ORDERS_DIR}/orders.yaml",
        dataset="orders",
        store=os.environ.get("PIPEWARDEN_STORE_URL"),
        fail_on="error",  # "warning" to stop on warnings too, "never" to only record
    )
    return int(score(summary))


if __name__ == "__main__":
    orders_daily()
