"""A store with a recorded pipeline (two good runs, then one whose 'clean' stage nulls
'x' in region n), open runs for the CLI to checkpoint and finish, and a schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipewarden.store import open_store
from pipewarden.workflows.checklist import schedule_pipeline
from pipewarden.workflows.pipeline import pipeline_run, start_pipeline_run

DAY = date(2026, 11, 3)
"""The day of the bad run (the good runs are the two days before)."""
OPEN_RUNS = 10


def _source(seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {"region": rng.choice(["n", "s", "e"], 2000), "x": rng.normal(size=2000)}
    )


def make_pipeline_store(root: Path) -> dict[str, str]:
    """Store URL (``pipes``), the runs (``good``, ``bad``, ``open_1``...)."""
    url = f"sqlite:///{root / 'pipes.db'}"
    ids: dict[str, str] = {"pipes": url}
    with open_store(url) as store:
        schedule_pipeline("churn", "0 6 * * *", store=store)
        for day, name in ((1, "good0"), (2, "good"), (3, "bad")):
            moment = datetime(2026, 11, day, 6, 5, tzinfo=UTC)
            with pipeline_run("churn", store=store, clock=lambda m=moment: m) as run:
                frame = _source(day)
                run.checkpoint("ingest", frame)
                if name == "bad":
                    north = pl.col("region") == "n"
                    frame = frame.with_columns(
                        x=pl.when(north).then(None).otherwise(pl.col("x"))
                    )
                run.checkpoint("clean", frame)
                ids[name] = run.id
        later = datetime(2026, 11, 4, 6, tzinfo=UTC)
        for i in range(1, OPEN_RUNS + 1):
            run = start_pipeline_run(
                "open", store=store, now=later + timedelta(minutes=i)
            )
            ids[f"open_{i}"] = run.id
    # open_4 has a first stage, for --inputs
    from pipewarden.workflows.pipeline import checkpoint_stage

    with open_store(url) as store:
        checkpoint_stage(ids["open_4"], "s1", _source(9), store=store)
    return ids
