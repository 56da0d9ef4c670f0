"""The demo's pipeline chapter: a four-stage churn pipeline with a broken stage, and
the day's checklist with one missed and one late job.

Everything is recorded in the demo's store, so after ``pipewarden demo`` the user can
run ``pipewarden localize RUN`` and ``pipewarden checklist --date DAY`` themselves.
The data is made here from a fixed seed (a few thousand rows: the chapter takes a
couple of seconds). The story: ``churn-daily`` ran well on two days; on the third,
new code in its ``features`` stage lost ``tenure_months`` for most customers of the
north and east regions. ``billing-nightly`` did not run that night, and
``exports-daily`` started an hour and a half late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from pipewarden.env.fingerprint import CodeVersion, Fingerprint
from pipewarden.workflows.checklist import schedule_pipeline
from pipewarden.workflows.pipeline import (
    checkpoint_stage,
    finish_pipeline_run,
    start_pipeline_run,
)

if TYPE_CHECKING:
    from pipewarden.store.base import Store

__all__ = [
    "BROKEN_STAGE",
    "DAY",
    "NOW",
    "PIPELINE",
    "STAGES",
    "STORY",
    "DemoPipelines",
    "record_pipelines",
]

PIPELINE = "churn-daily"
STAGES = ("ingest", "clean", "features", "score")
BROKEN_STAGE = "features"
DAY = date(2026, 11, 23)
"""The day the pipeline broke (the checklist's day); the good runs are the two before."""
ZONE = "Europe/Amsterdam"
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
"""When the demo judges the day's checklist."""
REGIONS = ("north", "south", "east", "west")
STORY = (
    f"'{PIPELINE}' runs four stages every morning: {' -> '.join(STAGES)}. It ran "
    f"well on the two days before {DAY:%d %B}; that day the model's churn scores "
    "looked wrong. Where did it break? And which of the scheduled jobs ran?"
)
CODE_BEFORE = CodeVersion("3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39", "main", False)
CODE_AFTER = CodeVersion("9d41be7c0a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d", "main", False)


@dataclass(frozen=True, slots=True)
class DemoPipelines:
    """What the chapter recorded: the broken run, its baseline, the missed and late
    jobs."""

    bad_run: str
    good_runs: tuple[str, ...]
    missed: str
    late: str


def customers(day: int, rows: int = 2500) -> pl.DataFrame:
    """The ingest stage's output on a day: the same population, fresh noise."""
    rng = np.random.default_rng(20261121 + day)
    n = int(rows * rng.uniform(0.98, 1.02))
    first = np.datetime64("2015-01-01")
    signup = first + rng.integers(0, 3000, n).astype("timedelta64[D]")
    signup[0] = first + np.timedelta64(2999, "D")  # the newest customer stays newest
    extracted = np.datetime64(DAY + timedelta(days=day)) + np.timedelta64(5, "h")
    return pl.DataFrame(
        {
            "customer_id": np.arange(n),
            "region": rng.choice(REGIONS, n),
            "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2]),
            "signup_date": pl.Series(signup).cast(pl.Date),
            "extracted_at": pl.Series(
                (extracted + rng.integers(0, 3600, n).astype("timedelta64[s]")).astype(
                    "datetime64[us]"
                )
            ).cast(pl.Datetime("us")),
            "tenure_months": rng.integers(1, 120, n),
            "monthly_spend": np.round(rng.gamma(4.0, 12.0, n), 2),
            "support_calls": rng.poisson(1.2, n),
        }
    )


def clean(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("monthly_spend") > 0)


def features(frame: pl.DataFrame, *, broken: bool, seed: int) -> pl.DataFrame:
    """Derived columns; the broken version loses tenure for most of north and east
    (a join on a customer table that is incomplete for those regions)."""
    out = frame.with_columns(
        spend_per_call=pl.col("monthly_spend") / (pl.col("support_calls") + 1),
        long_tenure=pl.col("tenure_months") >= 24,
    )
    if not broken:
        return out
    lost = pl.lit(np.random.default_rng(seed).random(out.height) < 0.62)
    north_east = pl.col("region").is_in(["north", "east"])
    return out.with_columns(
        tenure_months=pl.when(north_east & lost)
        .then(None)
        .otherwise(pl.col("tenure_months"))
    )


def score(frame: pl.DataFrame) -> pl.DataFrame:
    tenure = pl.col("tenure_months").fill_null(0).cast(pl.Float64)
    return frame.with_columns(
        churn_score=(1.0 / (1.0 + (tenure / 12.0) + pl.col("monthly_spend") / 200.0))
    )


def record_pipelines(store: Store, environment: Fingerprint) -> DemoPipelines:
    """Schedule the three pipelines and record their runs in ``store``."""
    schedule_pipeline(PIPELINE, "0 6 * * *", timezone=ZONE, grace="30m", store=store)
    schedule_pipeline(
        "billing-nightly", "0 2 * * *", timezone=ZONE, grace="30m", store=store
    )
    schedule_pipeline(
        "exports-daily", "30 4 * * *", timezone=ZONE, grace="30m", store=store
    )
    good = tuple(_churn_run(store, environment, offset) for offset in (-2, -1))
    bad = _churn_run(store, environment, 0)
    _bare_run(store, "billing-nightly", _local(DAY - timedelta(days=1), 2, 3))
    _bare_run(store, "exports-daily", _local(DAY - timedelta(days=1), 4, 31))
    _bare_run(store, "exports-daily", _local(DAY, 6, 10))  # 1h40 late
    return DemoPipelines(bad, good, "billing-nightly", "exports-daily")


def _churn_run(store: Store, environment: Fingerprint, offset: int) -> str:
    broken = offset == 0
    start = _local(DAY + timedelta(days=offset), 6, 2)
    code = CODE_AFTER if broken else CODE_BEFORE
    run = start_pipeline_run(
        PIPELINE, store=store, now=start, code=code, environment=environment
    )
    ingest = customers(offset)
    outputs = {"ingest": ingest}
    outputs["clean"] = clean(ingest)
    outputs["features"] = features(outputs["clean"], broken=broken, seed=offset)
    outputs["score"] = score(outputs["features"])
    for minute, stage in enumerate(STAGES, start=1):
        checkpoint_stage(
            run.id,
            stage,
            outputs[stage],
            store=store,
            segments=["region", "plan"],
            now=start + timedelta(minutes=minute),
            environment=environment,
            code=code,
            environ={},
        )
    finish_pipeline_run(run.id, store=store, now=start + timedelta(minutes=5))
    return run.id


def _bare_run(store: Store, pipeline: str, start: datetime) -> None:
    run = start_pipeline_run(pipeline, store=store, now=start, code=CODE_BEFORE)
    finish_pipeline_run(run.id, store=store, now=start + timedelta(minutes=12))


def _local(day: date, hour: int, minute: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(ZONE)).astimezone(
        UTC
    )
