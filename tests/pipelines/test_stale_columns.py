"""Staleness is judged only for datetime columns that normally move forward: the
contract's time column, and those that advanced between earlier good runs. A birth
date whose newest value stands still is no alarm; an event time that stops is.

Also: the stage profiles localization reads (``Store.get_stage_profiles``, without
findings) equal the parts of the fully loaded runs, in SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl

import pipewarden as pw
from pipewarden.contracts.infer import infer_contract
from pipewarden.store import Store
from pipewarden.workflows.pipeline import pipeline_run

BIRTHS = [date(1950, 1, 1) + timedelta(days=int(d)) for d in range(0, 18000, 7)]
"""A fixed population: the newest birth date is the same every day."""


def frame(day: int, n: int = 3000) -> pl.DataFrame:
    rng = np.random.default_rng(day)
    start = datetime(2026, 11, 1) + timedelta(days=day)
    births = [BIRTHS[-1], *rng.choice(np.array(BIRTHS), n - 1)]
    return pl.DataFrame(
        {
            "event_ts": [
                start + timedelta(seconds=int(s)) for s in rng.integers(0, 86400, n)
            ],
            "birth_date": pl.Series(births, dtype=pl.Date).cast(pl.Datetime("us")),
            "amount": rng.normal(50.0, 5.0, n),
        }
    )


def record(
    store: Store, day: int, batch: pl.DataFrame, contract: pw.Contract | None = None
) -> str:
    moment = datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(days=day)
    with pipeline_run("customers", store=store, clock=lambda: moment) as run:
        run.checkpoint("ingest", batch, contract=contract)
        run.checkpoint("enrich", batch.with_columns(twice=pl.col("amount") * 2))
        return run.id


def stale_columns(found: pw.Localization) -> list[tuple[str, str]]:
    return [(c.column, c.stage) for c in found.columns if c.kind == "stale"]


def test_a_static_birth_date_is_not_stale_but_a_stopped_event_time_is(
    store: Store,
) -> None:
    record(store, 1, frame(1))
    record(store, 2, frame(2))
    assert frame(3)["birth_date"].max() == frame(2)["birth_date"].max()
    clean = pw.localize(record(store, 3, frame(3)), store=store)
    assert (clean.stage, clean.columns) == (None, ())
    stopped = pw.localize(record(store, 4, frame(3)), store=store)  # yesterday's file
    assert stale_columns(stopped) == [("event_ts", "ingest")]
    assert stopped.stage is not None and stopped.stage.name == "ingest"
    assert stopped.columns[0].column == "event_ts"


def test_without_an_earlier_good_run_only_the_contracts_time_column_is_judged(
    store: Store,
) -> None:
    first = frame(1)
    declared = infer_contract(pw.profile(first), time="event_ts", name="c/ingest")
    assert declared.dataset.time is not None
    record(store, 1, first, declared)
    bad = record(store, 2, frame(1), declared)
    found = pw.localize(bad, store=store)
    assert stale_columns(found)[:1] == [("event_ts", "ingest")]
    assert "birth_date" not in {c.column for c in found.columns}


def test_stage_profiles_equal_the_parts_of_the_full_runs(store: Store) -> None:
    run_id = record(store, 1, frame(1))
    stages = store.get_pipeline_run(run_id).stages
    ids = [s.run_id for s in stages if s.run_id]
    found = store.get_stage_profiles([*ids, "r-no-such-run"])
    assert sorted(found) == sorted(ids)
    for run_id in ids:
        full, light = store.get_run(run_id), found[run_id]
        assert light.profile is not None and full.profile is not None
        assert light.profile.to_dict() == full.profile.to_dict()
        assert (light.code, light.contract_digest, light.inputs) == (
            full.code,
            full.contract_digest,
            full.inputs,
        )
        assert light.environment == full.environment
        assert full.contract is not None
        time = full.contract.dataset.time
        assert light.time_column == (None if time is None else time.column)
    assert store.get_stage_profiles([]) == {}
