"""An Airflow DAG whose tasks are plain Python callables that checkpoint each stage.

The callables need no Airflow: a test runs them in order (tests/pipelines/
test_airflow_example.py). With Airflow installed, the DAG at the bottom wires them
up; the pipeline run id travels between tasks through XCom (the return values).

    start -> ingest -> clean -> score -> finish
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

from pipewarden.store import open_store
from pipewarden.workflows.pipeline import (
    checkpoint_stage,
    finish_pipeline_run,
    start_pipeline_run,
)

PIPELINE = "churn-daily"
STORE = os.environ.get("PIPEWARDEN_STORE_URL", "sqlite:///.pipewarden/pipewarden.db")
WORK = Path(os.environ.get("CHURN_WORK_DIR", "/tmp/churn"))


def start(store: str = STORE) -> str:
    with open_store(store) as opened:
        return start_pipeline_run(PIPELINE, store=opened).id


def ingest(run_id: str, store: str = STORE, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame(
        {
            "region": rng.choice(["north", "south", "east"], 1000),
            "tenure": rng.gamma(3.0, 10.0, 1000),
        }
    )
    WORK.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(WORK / "ingest.parquet")
    with open_store(store) as opened:
        checkpoint_stage(run_id, "ingest", WORK / "ingest.parquet", store=opened)
    return run_id


def clean(run_id: str, store: str = STORE) -> str:
    frame = pl.read_parquet(WORK / "ingest.parquet").filter(pl.col("tenure") > 1)
    frame.write_parquet(WORK / "clean.parquet")
    with open_store(store) as opened:
        checkpoint_stage(run_id, "clean", frame, store=opened, inputs=["ingest"])
    return run_id


def score(run_id: str, store: str = STORE) -> str:
    frame = pl.read_parquet(WORK / "clean.parquet")
    scored = frame.with_columns(score=1 / (1 + (pl.col("tenure") / 30).exp()))
    with open_store(store) as opened:
        checkpoint_stage(run_id, "score", scored, store=opened, inputs=["clean"])
    return run_id


def finish(run_id: str, store: str = STORE, failed: bool = False) -> str:
    with open_store(store) as opened:
        finish_pipeline_run(run_id, store=opened, failed=failed)
    return run_id


try:  # the DAG, only where Airflow is installed
    from airflow.decorators import dag, task  # type: ignore[import-not-found]
except ImportError:  # plain Python: the callables above are the whole example
    pass
else:
    import pendulum  # type: ignore[import-not-found]

    @dag(schedule="0 6 * * *", start_date=pendulum.datetime(2026, 1, 1), catchup=False)
    def churn_daily() -> None:
        run_id = task(start)()
        finish_task = task(finish, trigger_rule="all_done")
        finish_task(task(score)(task(clean)(task(ingest)(run_id))))

    churn_daily()
