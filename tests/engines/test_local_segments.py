from __future__ import annotations

import numpy as np
import polars as pl

import pipewarden as pw
from pipewarden.engines import _segments
from pipewarden.engines.local import LocalEngine


def frame(n: int, devices: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, devices + 1)
    device = rng.choice(np.arange(devices), n, p=weights / weights.sum())
    return pl.DataFrame({"device": device, "v": rng.normal(size=n)})


def test_each_segment_value_gets_its_own_profile_and_rows_add_up():
    df = frame(10_000, 5)
    prof = LocalEngine().profile_frame(df, segments=["device"])
    parts = prof.segments["device"]
    assert sorted(parts) == ["0", "1", "2", "3", "4"]
    assert sum(p.rows for p in parts.values()) == prof.rows == 10_000
    zero = df.filter(pl.col("device") == 0)
    assert parts["0"].rows == zero.height
    assert parts["0"]["v"].moments.mean == zero.get_column("v").mean()


def test_rare_values_are_merged_into_other_and_chunks_merge():
    frames = [frame(20_000, 200, seed) for seed in range(3)]
    prof = LocalEngine().profile_frames(frames, segments=["device"])
    parts = prof.segments["device"]
    assert len(parts) == _segments.MAX_SEGMENTS + 1 and "__other__" in parts
    assert sum(p.rows for p in parts.values()) == 60_000
    expected = sum(f.filter(pl.col("device") == 0).height for f in frames)
    assert parts["0"].rows == expected


def test_null_segment_values_have_their_own_segment():
    df = pl.DataFrame({"device": ["a", None, "a", None], "v": [1.0, 2.0, 3.0, 4.0]})
    parts = LocalEngine().profile_frame(df, segments=["device"]).segments["device"]
    assert parts["__null__"].rows == 2 and parts["a"].rows == 2


def test_profile_takes_segments_and_keeps_them_in_json():
    prof = pw.profile(frame(1_000, 3), segments=["device"])
    again = type(prof).from_json(prof.to_json())
    assert set(again.segments["device"]) == {"0", "1", "2"}
    assert pw.profile(frame(1_000, 3)).segments == {}


def test_a_missing_segment_column_is_ignored():
    prof = LocalEngine().profile_frame(frame(100, 3), segments=["nope"])
    assert prof.segments == {}
