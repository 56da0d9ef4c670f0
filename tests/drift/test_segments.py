from __future__ import annotations

import numpy as np
import polars as pl

from pipewarden.drift import compare
from pipewarden.engines.local import LocalEngine


def readings(
    rng: np.random.Generator,
    n: int,
    *,
    broken: str | None = None,
    hot: str | None = None,
) -> pl.DataFrame:
    device = rng.choice([str(d) for d in range(10, 30)], n)
    temp = rng.normal(20, 2, n)
    if hot is not None:
        temp[device == hot] += 15
    temp[rng.random(n) < 0.02] = np.nan
    if broken is not None:
        temp[(device == broken) & (rng.random(n) < 0.96)] = np.nan
    return pl.DataFrame({"device_id": device, "temperature": temp})


def test_new_nulls_are_traced_to_the_device_that_sends_them(rng):
    engine = LocalEngine()
    ref = engine.profile_frame(readings(rng, 40_000), segments=["device_id"])
    cur = engine.profile_frame(
        readings(rng, 40_000, broken="17"), segments=["device_id"]
    )
    report = compare(ref, cur)
    nulls = next(c for c in report.nulls if c.column == "temperature")
    assert nulls.drifted
    assert nulls.segment == {"device_id": "17"}
    assert nulls.finding().segment == {"device_id": "17"}
    assert "The nulls in 'temperature' come from device_id=17: 9" in nulls.message
    assert "% of the new nulls." in nulls.message


def test_a_mean_shift_is_traced_to_its_segment(rng):
    engine = LocalEngine()
    ref = engine.profile_frame(readings(rng, 40_000), segments=["device_id"])
    cur = engine.profile_frame(readings(rng, 40_000, hot="23"), segments=["device_id"])
    report = compare(ref, cur)
    temp = next(c for c in report.columns if c.column == "temperature")
    assert temp.drifted and temp.segment == {"device_id": "23"}
    assert "comes from device_id=23" in temp.message


def test_no_segment_is_named_when_the_change_is_everywhere(rng):
    engine = LocalEngine()
    ref = engine.profile_frame(readings(rng, 40_000), segments=["device_id"])
    shifted = readings(rng, 40_000).with_columns(pl.col("temperature") + 3)
    cur = engine.profile_frame(shifted, segments=["device_id"])
    temp = next(c for c in compare(ref, cur).columns if c.column == "temperature")
    assert temp.drifted and temp.segment is None


def test_without_segment_profiles_nothing_is_located(rng):
    engine = LocalEngine()
    ref = engine.profile_frame(readings(rng, 10_000))
    cur = engine.profile_frame(readings(rng, 10_000, broken="17"))
    nulls = next(c for c in compare(ref, cur).nulls if c.column == "temperature")
    assert nulls.drifted and nulls.segment is None
