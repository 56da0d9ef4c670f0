"""One suite, run against every available engine: what any engine's profiles promise.

The local engine always runs. Spark is marked ``spark`` and skipped when pyspark (or a
Spark engine) is absent.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.engines import Engine, resolve_engine
from pipewarden.errors import EngineNotAvailableError
from pipewarden.profiles.column import Kind, Physical
from pipewarden.profiles.dataset import DatasetProfile

# KLL k=200: normalised rank error about 1.65%; 0.03 leaves room for merged sketches
# without letting a real bug (a wrong merge, values mistaken for ranks) through.
RANK_TOLERANCE = 0.03
FAST = settings(max_examples=30, deadline=None)
Split = st.SearchStrategy[tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]]


@pytest.fixture(
    scope="module",
    params=["local", pytest.param("spark", marks=pytest.mark.spark)],
)
def any_engine(request: pytest.FixtureRequest) -> Engine:
    if request.param == "spark":
        from pipewarden.engines.spark import SparkEngine

        return SparkEngine(request.getfixturevalue("spark"))
    try:
        return resolve_engine(request.param)
    except EngineNotAvailableError:
        pytest.skip(f"no {request.param} engine registered")


def test_engine_follows_the_protocol(any_engine: Engine) -> None:
    assert isinstance(any_engine, Engine)
    assert isinstance(any_engine.name, str)


def test_unknown_engine_names_the_known_ones() -> None:
    with pytest.raises(
        EngineNotAvailableError, match=r"^Unknown engine 'nope'\. Choose"
    ):
        resolve_engine("nope")


# ------------------------------------------------------------------- merge laws
@FAST
@given(data=st.data())
def test_profile_of_parts_merged_equals_profile_of_whole(
    any_engine: Engine,
    split_frames: Split,
    assert_profiles_match: Callable[..., None],
    data: st.DataObject,
) -> None:
    whole, head, tail = data.draw(split_frames)
    merged = any_engine.profile_frame(head).merge(any_engine.profile_frame(tail))
    expected = any_engine.profile_frame(whole)
    # Exact: counts, nulls, NaN/inf, min/max, distinct (below K), frequent counts,
    # time gaps; moments to 1e-9; the interval across the split is the one thing a
    # merge cannot know, so interval counts are not compared.
    assert_profiles_match(merged, expected, intervals=False)
    finite = (
        whole.get_column("f")
        .drop_nulls()
        .filter(whole.get_column("f").drop_nulls().is_finite())
        .to_numpy()
    )
    _assert_ranks(merged["f"].quantiles.quantiles, finite)
    _assert_ranks(
        merged["i"].quantiles.quantiles,
        whole.get_column("i").drop_nulls().to_numpy().astype(float),
    )


def _assert_ranks(
    quantiles: Callable[[list[float]], list[float]], data: np.ndarray
) -> None:
    if data.size == 0:
        assert quantiles([0.5]) == []
        return
    ordered = np.sort(data)
    for q in (0.0, 0.1, 0.5, 0.9, 1.0):
        (value,) = quantiles([q])
        below = np.searchsorted(ordered, value, "left") / ordered.size
        at_or_below = np.searchsorted(ordered, value, "right") / ordered.size
        assert below - RANK_TOLERANCE <= q <= at_or_below + RANK_TOLERANCE


@FAST
@given(data=st.data())
def test_profile_frames_merges_its_chunks(
    any_engine: Engine,
    split_frames: Split,
    assert_profiles_match: Callable[..., None],
    data: st.DataObject,
) -> None:
    _, head, tail = data.draw(split_frames)
    streamed = any_engine.profile_frames(iter([head, tail]))
    merged = any_engine.profile_frame(head).merge(any_engine.profile_frame(tail))
    assert_profiles_match(streamed, merged)


def test_many_time_ordered_chunks_merge_to_the_whole(
    any_engine: Engine, assert_profiles_match: Callable[..., None]
) -> None:
    rng = np.random.default_rng(7)
    n = 30_000
    start = dt.datetime(2024, 1, 1)
    steps = rng.choice([60, 60, 60, 120, 3600 * 5], size=n).cumsum()
    whole = pl.DataFrame(
        {
            "id": np.arange(n),
            "x": rng.normal(100.0, 15.0, n),
            "site": rng.choice(["north", "south", "east"], n),
            "ts": [start + dt.timedelta(seconds=int(s)) for s in steps],
        }
    )
    chunks = [whole.slice(i, 4096) for i in range(0, n, 4096)]
    streamed = any_engine.profile_frames(iter(chunks))
    expected = any_engine.profile_frame(whole)
    assert_profiles_match(streamed, expected, intervals=False)
    assert streamed["ts"].time == expected["ts"].time  # 32 largest gaps, exactly
    assert streamed["ts"].intervals.n == n - len(chunks)
    assert streamed["site"].frequent.counts == expected["site"].frequent.counts
    _assert_ranks(streamed["x"].quantiles.quantiles, whole.get_column("x").to_numpy())


def test_empty_stream_gives_the_zero_profile(any_engine: Engine) -> None:
    assert any_engine.profile_frames(iter([])) == DatasetProfile.zero()


def test_header_only_frame_keeps_its_columns(any_engine: Engine) -> None:
    p = any_engine.profile_frame(pl.DataFrame(schema={"a": pl.Int64, "b": pl.String}))
    assert (p.rows, p.column_names) == (0, ["a", "b"])
    assert (p["a"].rows, p["a"].nulls, p["a"].moments.count) == (0, 0, 0)


# --------------------------------------------------------------- known answers
def test_known_frame_gives_known_statistics(
    any_engine: Engine, mixed_frame: pl.DataFrame
) -> None:
    p = any_engine.profile_frame(mixed_frame)
    assert p.rows == 6
    assert p.column_names == ["id", "amount", "grade", "ok", "ts"]
    amount = p["amount"]
    assert (amount.nulls, amount.nan, amount.posinf, amount.neginf) == (1, 1, 1, 0)
    assert (amount.moments.count, amount.moments.min, amount.moments.max) == (
        3,
        -2.5,
        10.0,
    )
    assert math.isclose(amount.moments.mean, 17.5 / 3)
    assert amount.distinct_count == 3  # 10, -2.5, inf (NaN is not a value)
    grade = p["grade"]
    assert (grade.kind, grade.nulls, grade.distinct_count) == (Kind.CATEGORICAL, 1, 3)
    assert grade.frequent.top() == [("A", 3), ("B", 1), ("C", 1)]
    ok = p["ok"]
    assert (ok.kind, ok.nulls, ok.moments.mean) == (Kind.BOOLEAN, 1, 0.8)
    assert ok.frequent.counts == {"true": 4, "false": 1}
    ts = p["ts"]
    assert ts.kind is Kind.DATETIME
    assert ts.time.largest == (
        int(dt.datetime(2024, 1, 1, 3, tzinfo=dt.UTC).timestamp() * 1e6),
        int(dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC).timestamp() * 1e6),
    )


@pytest.mark.parametrize(
    ("series", "physical"),
    [
        (pl.Series([1, 2], dtype=pl.Int8), Physical.INTEGER),
        (pl.Series([1, 2], dtype=pl.UInt64), Physical.INTEGER),
        (pl.Series([1.0, 2.0], dtype=pl.Float32), Physical.FLOAT),
        (pl.Series(["1.50", "2.25"]).cast(pl.Decimal(10, 2)), Physical.FLOAT),
        (pl.Series([True, None]), Physical.BOOLEAN),
        (pl.Series(["a", "b"]), Physical.STRING),
        (pl.Series(["a", "b"], dtype=pl.Categorical), Physical.STRING),
        (pl.Series(["a", "b"], dtype=pl.Enum(["a", "b"])), Physical.STRING),
        (pl.Series([dt.date(2024, 1, 1), None]), Physical.DATETIME),
        (
            pl.Series([dt.datetime(2024, 1, 1)]).dt.replace_time_zone("Europe/Paris"),
            Physical.DATETIME,
        ),
        (pl.Series([dt.timedelta(1)]), Physical.OTHER),
        (pl.Series([dt.time(1)]), Physical.OTHER),
        (pl.Series([[1], [2, 3]]), Physical.OTHER),
        (pl.Series([{"a": 1}]), Physical.OTHER),
        (pl.Series([b"x"]), Physical.OTHER),
        (pl.Series([None, None]), Physical.OTHER),
    ],
    ids=lambda v: str(v.dtype) if isinstance(v, pl.Series) else str(v),
)
def test_every_dtype_profiles_to_its_storage_family(
    any_engine: Engine, series: pl.Series, physical: Physical
) -> None:
    col = any_engine.profile_frame(series.alias("c").to_frame())["c"]
    assert (col.physical, col.rows, col.dtype) == (
        physical,
        series.len(),
        str(series.dtype),
    )
    assert col.nulls == series.null_count()


def test_decimals_profile_like_floats(any_engine: Engine) -> None:
    series = pl.Series(["1.50", "2.25", None]).cast(pl.Decimal(10, 2))
    col = any_engine.profile_frame(series.alias("d").to_frame())["d"]
    assert (col.moments.count, col.moments.min, col.moments.max) == (2, 1.5, 2.25)
    assert col.distinct_count == 2


def test_timezones_are_profiled_in_utc(any_engine: Engine) -> None:
    paris = pl.Series([dt.datetime(2024, 1, 1, 1)]).dt.replace_time_zone("Europe/Paris")
    utc = pl.Series([dt.datetime(2024, 1, 1, 0)])
    a = any_engine.profile_frame(paris.alias("t").to_frame())["t"]
    b = any_engine.profile_frame(utc.alias("t").to_frame())["t"]
    assert a.time == b.time


@pytest.mark.parametrize("dtype", [pl.String, pl.Categorical], ids=str)
def test_id_like_and_category_like_chunks_merge_exactly(
    any_engine: Engine, dtype: pl.DataType, assert_profiles_match: Callable[..., None]
) -> None:
    ids = pl.DataFrame({"c": [f"id{i}" for i in range(3000)]}).cast(dtype)
    repeats = pl.DataFrame({"c": ["id1", "id2", "id3"] * 100}).cast(dtype)
    merged = any_engine.profile_frame(ids).merge(any_engine.profile_frame(repeats))
    whole = any_engine.profile_frame(pl.concat([ids, repeats]))
    assert merged["c"].distinct == whole["c"].distinct
    assert_profiles_match(merged, whole)


@pytest.mark.parametrize("name", ["n", "value", "count", "名前", ""])
def test_any_column_name_profiles(any_engine: Engine, name: str) -> None:
    frame = pl.DataFrame({name: [1, 1, 2], "other": ["a", "a", "b"]})
    p = any_engine.profile_frame(frame)
    assert p[name].frequent.counts == {"1": 2, "2": 1}
    assert p["other"].frequent.counts == {"a": 2, "b": 1}
