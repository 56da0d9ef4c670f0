"""Localization end to end on a small four-stage pipeline recorded in a real store:
each fault is named by stage, column and segment; two good runs give nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pipewarden as pw
from pipewarden.pipelines.segments import SegmentStats, SegmentTally, contributions
from pipewarden.store import open_store
from pipewarden.workflows.pipeline import pipeline_run

Fault = Callable[[str, pl.DataFrame], pl.DataFrame]


def source(day: int, n: int = 4000) -> pl.DataFrame:
    rng = np.random.default_rng(day)
    return pl.DataFrame(
        {
            "region": rng.choice(["north", "south", "east", "west"], n),
            "plan": rng.choice(["basic", "gold", "pro"], n),
            "tenure": rng.gamma(3.0, 10.0, n),
            "spend": rng.normal(100.0, 20.0, n),
        }
    )


def no_fault(_stage: str, frame: pl.DataFrame) -> pl.DataFrame:
    return frame


def record(url: str, day: int, fault: Fault = no_fault) -> str:
    moment = datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(days=day)
    with (
        open_store(url) as store,
        pipeline_run("churn", store=store, clock=lambda: moment) as run,
    ):
        ingest = fault("ingest", source(day))
        run.checkpoint("ingest", ingest)
        clean = fault("clean", ingest.filter(pl.col("spend") > 0))
        run.checkpoint("clean", clean)
        features = fault(
            "features", clean.with_columns(ratio=pl.col("spend") / pl.col("tenure"))
        )
        run.checkpoint("features", features)
        scored = features.with_columns(score=pl.col("ratio").fill_null(0.0) * 0.1)
        run.checkpoint("score", fault("score", scored))
        return run.id


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 's.db'}"
    record(url, 1)
    return url


def null_north(stage: str, frame: pl.DataFrame) -> pl.DataFrame:
    if stage != "features":
        return frame
    north = pl.col("region") == "north"
    return frame.with_columns(
        tenure=pl.when(north).then(None).otherwise(pl.col("tenure"))
    )


def test_two_good_runs_localize_nothing(url: str) -> None:
    found = pw.localize(record(url, 2), store=url)
    assert (found.stage, found.columns, found.segments) == (None, (), ())
    assert found.headline.startswith("Nothing changed beyond noise")


def test_a_stage_that_nulls_a_column_in_one_segment(url: str) -> None:
    bad = record(url, 2, null_north)
    found = pw.localize(bad, store=url)
    frame = source(2).filter(pl.col("spend") > 0)
    rate = float((frame.get_column("region") == "north").mean())  # type: ignore[arg-type]
    assert found.stage is not None and found.stage.name == "features"
    top = found.columns[0]
    assert (top.column, top.stage, top.kind) == ("tenure", "features", "nulls")
    assert top.evidence["after"] == pytest.approx(rate)
    assert [(s.column, s.value, s.share) for s in found.segments[:1]] == [
        ("region", "north", 1.0)
    ]
    assert found.headline.startswith(
        f"Stage 'features' introduced the change: 'tenure' became {round(rate * 100)}% null "
        "(was 0%), concentrated in region ∈ {north} (100% of the new nulls)"
    )
    data = found.to_dict()
    assert set(data) >= {"run", "baseline", "stage", "columns", "segments", "changes"}
    assert data["segments"][0]["segment"] == {"region": "north"}


def test_an_upstream_schema_change_is_put_at_the_source(url: str) -> None:
    def renamed(stage: str, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.rename({"spend": "spend_eur"}) if stage == "ingest" else frame

    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        record(url, 2, renamed)  # the pipeline breaks at clean: only ingest was kept
    runs = pw.open_store(url).list_pipeline_runs(pipeline="churn", limit=1)
    assert runs[0].status == "failed" and runs[0].error_type == "ColumnNotFoundError"
    found = pw.localize(runs[0].id, store=url)
    assert found.stage is not None and found.stage.name == "ingest"
    assert found.stage.evidence["source"] is True
    assert {c.column for c in found.columns[:2]} == {"spend", "spend_eur"}


def test_a_unit_change_in_one_segment_and_a_join_that_duplicates_rows(url: str) -> None:
    def cents_in_east(stage: str, frame: pl.DataFrame) -> pl.DataFrame:
        if stage != "clean":
            return frame
        east = pl.col("region") == "east"
        return frame.with_columns(
            spend=pl.when(east).then(pl.col("spend") * 100).otherwise(pl.col("spend"))
        )

    found = pw.localize(record(url, 2, cents_in_east), store=url)
    assert found.stage is not None and found.stage.name == "clean"
    assert found.columns[0].column == "spend"
    assert found.segments[0].column == "region" and found.segments[0].value == "east"

    def duplicate_gold(stage: str, frame: pl.DataFrame) -> pl.DataFrame:
        if stage != "features":
            return frame
        return pl.concat([frame, frame.filter(pl.col("plan") == "gold")])

    found = pw.localize(record(url, 3, duplicate_gold), store=url)
    assert found.stage is not None and found.stage.name == "features"
    assert {c.column for c in found.columns[:2]} == {"(rows)", "plan"}
    assert (found.segments[0].column, found.segments[0].value) == ("plan", "gold")


def test_segment_statistics_match_numpy_and_split_a_change() -> None:
    before, after = source(1), source(2)
    after = after.with_columns(
        tenure=pl.when(pl.col("plan") == "pro").then(None).otherwise(pl.col("tenure"))
    )
    tally_a, tally_b = SegmentTally(["plan"]), SegmentTally(["plan"])
    for tally, frame in ((tally_a, before), (tally_b, after)):
        for chunk in frame.iter_slices(1500):  # three chunks, merged
            tally.update(chunk)
    a, b = tally_a.result(), tally_b.result()
    assert a is not None and b is not None
    b = SegmentStats.from_dict(b.to_dict())
    part = a.parts["plan"]
    gold = before.filter(pl.col("plan") == "gold").get_column("spend").to_numpy()
    k, j = part.values.index("gold"), a.index("spend")
    assert j is not None
    assert part.rows[k] == gold.size
    assert part.mean[k, j] == pytest.approx(gold.mean())
    assert part.m2[k, j] == pytest.approx(((gold - gold.mean()) ** 2).sum())
    shares = contributions(a, b, "plan", "tenure", "nulls")
    assert shares is not None
    pro = after.filter(pl.col("plan") == "pro").height
    assert shares == {"pro": pytest.approx(pro)}
