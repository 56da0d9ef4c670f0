"""The local engine's statistics, checked against numpy and scipy on the same numbers."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import datasketches as ds
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from pipewarden.engines import _text, local
from pipewarden.engines.local import LocalEngine, physical_of
from pipewarden.profiles import hashing
from pipewarden.profiles.column import Physical
from pipewarden.profiles.readings import Reading, iso_datetime, reads_as
from pipewarden.profiles.sketches import (
    KMV_K,
    MAX_GAPS,
    THETA_LG_K,
    Distinct,
    Quantiles,
)

# KLL k=200: normalised rank error about 1.65%; 0.03 leaves room for merged sketches.
RANK_TOLERANCE = 0.03
RSE = 1 / math.sqrt(KMV_K)
FAST = settings(max_examples=40, deadline=None)

floats = st.lists(
    st.none()
    | st.sampled_from([math.nan, math.inf, -math.inf])
    | st.floats(-1e9, 1e9, allow_nan=False),
    max_size=60,
)


@FAST
@given(floats)
def test_float_statistics_match_numpy(values: list[float | None]) -> None:
    col = LocalEngine().profile_frame(
        pl.DataFrame({"x": pl.Series(values, dtype=pl.Float64)})
    )["x"]
    x = np.array([v for v in values if v is not None], dtype=np.float64)
    finite = x[np.isfinite(x)]
    assert col.rows == len(values)
    assert col.nulls == len(values) - x.size
    assert col.nan == int(np.isnan(x).sum())
    assert (col.posinf, col.neginf) == (
        int((x == np.inf).sum()),
        int((x == -np.inf).sum()),
    )
    assert col.moments.count == finite.size
    assert col.distinct_count == np.unique(x[~np.isnan(x)]).size
    if finite.size == 0:
        assert (col.moments.min, col.moments.max, col.quantiles.is_empty) == (
            None,
            None,
            True,
        )
        return
    scale = max(float(np.abs(finite).max()), 1.0)
    assert (col.moments.min, col.moments.max) == (finite.min(), finite.max())
    assert math.isclose(
        col.moments.mean, finite.mean(), rel_tol=1e-9, abs_tol=1e-9 * scale
    )
    if finite.size > 1:
        assert col.moments.variance is not None
        assert math.isclose(
            col.moments.variance,
            np.var(finite, ddof=1),
            rel_tol=1e-9,
            abs_tol=1e-9 * scale**2,
        )
    else:
        assert col.moments.variance is None


def test_finite_values_whose_sum_overflows_are_no_infinities() -> None:
    values = [1.5e308, 1.5e308, 1.0, None]
    col = LocalEngine().profile_frame(pl.DataFrame({"x": values}))["x"]

    assert (col.nan, col.posinf, col.neginf, col.nulls) == (0, 0, 0, 1)
    assert (col.moments.count, col.moments.min, col.moments.max) == (3, 1.0, 1.5e308)
    assert col.distinct_count == 2
    assert col.quantiles.quantiles([0.0, 1.0]) == [1.0, 1.5e308]


def test_quantiles_match_scipy_ranks_on_a_large_column() -> None:
    rng = np.random.default_rng(11)
    x = rng.lognormal(2.0, 1.5, 200_000)
    frames = [pl.DataFrame({"x": part}) for part in np.array_split(x, 7)]
    col = LocalEngine().profile_frames(iter(frames))["x"]
    assert col.quantiles.n == x.size
    for q in (0.001, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999):
        (value,) = col.quantiles.quantiles([q])
        rank = stats.percentileofscore(x, value, kind="weak") / 100  # share <= value
        assert abs(rank - q) <= RANK_TOLERANCE, (q, rank)
        assert abs(col.quantiles.cdf([value])[0] - rank) <= RANK_TOLERANCE


@pytest.mark.parametrize("true", [100, KMV_K, KMV_K + 1, 10_000, 100_000])
def test_distinct_counts_are_exact_up_to_k_and_within_three_rse_above(
    true: int,
) -> None:
    values = np.arange(true) * 7919 % 1_000_003  # distinct, not sorted
    repeated = np.concatenate([values, values[: true // 2]])
    frames = [pl.DataFrame({"x": part}) for part in np.array_split(repeated, 3)]
    for dtype in (pl.Int64, pl.String):
        cast = [f.with_columns(pl.col("x").cast(dtype)) for f in frames]
        col = LocalEngine().profile_frames(iter(cast))["x"]
        assert col.distinct.kind == "theta"
        if true <= KMV_K:
            assert (col.distinct.is_exact, col.distinct_count) == (True, true)
        else:
            assert abs(col.distinct_count - true) <= 3 * RSE * true, dtype


def _strip(text: str) -> str:
    """Strip Unicode White_Space, as Polars does (Python also strips \\x1c-\\x1f)."""
    return text.strip(
        "".join(
            c
            for c in map(chr, range(0x3000 + 1))
            if c.isspace() and c not in "\x1c\x1d\x1e\x1f"
        )
    )


@FAST
@given(st.lists(st.none() | st.text(max_size=12), max_size=40))
def test_string_length_statistics_match_python(values: list[str | None]) -> None:
    col = LocalEngine().profile_frame(
        pl.DataFrame({"s": pl.Series(values, dtype=pl.String)})
    )["s"]
    present = [v for v in values if v is not None]
    lengths = np.array([len(v) for v in present], dtype=np.float64)
    assert col.nulls == len(values) - len(present)
    assert col.lengths.count == len(present)
    assert col.distinct_count == len(set(present))
    assert col.with_space == sum(" " in v for v in present)
    assert col.padded == sum(v != _strip(v) for v in present)
    if present:
        assert (col.lengths.min, col.lengths.max) == (lengths.min(), lengths.max())
        assert math.isclose(col.lengths.mean, lengths.mean(), rel_tol=1e-9)
    if len(present) > 1:
        assert col.lengths.variance is not None
        assert math.isclose(
            col.lengths.variance, np.var(lengths, ddof=1), rel_tol=1e-9, abs_tol=1e-9
        )
    if col.frequent.is_exact:
        assert col.frequent.counts == {v: present.count(v) for v in set(present)}


@FAST
@given(st.lists(st.integers(0, 10**9), max_size=80), st.integers(1, 4))
def test_largest_time_gaps_match_a_numpy_diff(seconds: list[int], chunks: int) -> None:
    start = dt.datetime(2020, 1, 1)
    ordered = sorted(seconds)
    frame = pl.DataFrame(
        {"t": [start + dt.timedelta(seconds=s) for s in ordered]},
        schema={"t": pl.Datetime("us")},
    )
    parts = [
        frame.slice(i, math.ceil(frame.height / chunks) or 1)
        for i in range(0, max(frame.height, 1), math.ceil(frame.height / chunks) or 1)
    ]
    col = LocalEngine().profile_frames(iter(parts))["t"]
    micros = np.array(ordered, dtype=np.int64) * 1_000_000 + int(
        start.replace(tzinfo=dt.UTC).timestamp() * 1_000_000
    )
    diffs = np.diff(micros)
    expected = sorted(
        ((int(micros[i]), int(micros[i + 1])) for i in np.flatnonzero(diffs > 0)),
        key=lambda g: (g[0] - g[1], g[0]),
    )[:MAX_GAPS]
    assert list(col.time.gaps) == expected
    if ordered:
        assert (col.time.min, col.time.max) == (int(micros[0]), int(micros[-1]))


def test_booleans_count_as_zero_and_one() -> None:
    col = LocalEngine().profile_frame(pl.DataFrame({"b": [True, False, True, None]}))[
        "b"
    ]
    assert (col.moments.count, col.moments.mean, col.moments.min, col.moments.max) == (
        3,
        2 / 3,
        0.0,
        1.0,
    )
    assert col.frequent.counts == {"true": 2, "false": 1}


def test_numbers_stored_as_text_are_counted_with_examples() -> None:
    values = ["$33,000.00", "45000", " 12.5 ", "1e3", None, "n/a", "$33,000.00"]
    col = LocalEngine().profile_frame(pl.DataFrame({"inc": values}))["inc"]
    assert col.numeric_like == 2  # " 12.5 " is padded: it reads only with coerce
    assert set(col.non_numeric_examples) == {"$33,000.00", "n/a", " 12.5 "}
    assert col.padded == 1


def test_a_million_character_string_is_profiled_with_a_short_example() -> None:
    col = LocalEngine().profile_frame(pl.DataFrame({"s": ["x" * 1_000_000, "y"]}))["s"]
    assert col.lengths.max == 1_000_000
    assert max(len(e) for e in col.non_numeric_examples) <= 80


def test_physical_of_unknown_dtypes_is_other() -> None:
    assert physical_of(pl.Object()) is Physical.OTHER
    assert physical_of(pl.Int16()) is Physical.INTEGER


def test_chunks_that_change_nature_profile_as_if_each_were_alone() -> None:
    """A later chunk is planned from the one before; a column that turns from
    categories into ids (or from a few numbers into many) must not be profiled
    differently because of that plan."""
    rng = np.random.default_rng(11)
    n = 3_000
    few = pl.DataFrame(
        {
            "code": rng.choice(["a", "b", "c"], n),
            "note": [f"ticket {i} about the pump" for i in range(n)],
            "qty": rng.integers(0, 5, n),
            "reading": rng.integers(0, 3, n).astype(np.float64),
        }
    )
    many = pl.DataFrame(
        {
            "code": [f"id-{i}" for i in range(n)],
            "note": rng.choice(["short", "other"], n),
            "qty": rng.integers(0, 10**9, n),
            "reading": rng.normal(size=n),
        }
    )
    engine = LocalEngine()
    planned = engine.profile_frames([few, many, few])
    alone = engine.profile_frame(few).merge(engine.profile_frame(many))
    alone = alone.merge(engine.profile_frame(few))
    for name in few.columns:
        # To the byte, KLL sketches included: their compaction is deterministic.
        assert planned[name].to_dict() == alone[name].to_dict(), name


@pytest.mark.parametrize("preparing", [1, 2, 3])
def test_chunks_prepared_at_once_profile_as_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch, preparing: int
) -> None:
    """Chunks prepared in parallel see older plans and finish in any order; the
    profile, segments included, is the same to the byte as one chunk at a time."""
    rng = np.random.default_rng(12)
    n = 2_000
    frames = [
        pl.DataFrame(
            {
                "code": rng.choice(["a", "b", "c"], n)
                if i % 3
                else [f"id-{i}-{j}" for j in range(n)],
                "qty": rng.integers(0, 5 if i % 2 else 10**9, n),
                "x": rng.normal(size=n),
                "at": pl.datetime_range(
                    dt.datetime(2024, 1, 1 + i),
                    dt.datetime(2024, 1, 1 + i, 1),
                    "1s",
                    eager=True,
                ).head(n),
            }
        )
        for i in range(7)
    ]
    monkeypatch.setattr(local, "PREPARING", 1)
    one = LocalEngine().profile_frames(frames, segments=["code"]).to_dict()
    monkeypatch.setattr(local, "PREPARING", preparing)
    monkeypatch.setattr(local.os, "cpu_count", lambda: 4)
    at_once = LocalEngine().profile_frames(frames, segments=["code"]).to_dict()
    assert at_once == one


def test_text_is_counted_as_each_kind_it_reads_as_with_examples_of_misses() -> None:
    frame = pl.DataFrame(
        {
            "ts": ["2026-11-14T23:00:00Z", "2026-11-14 23:00:00", None, "x", "x"],
            "flag": ["true", "False", "yes", None, "true"],
            "n": ["1", "2", "3.0", "1,010.2", None],
        }
    )
    prof = LocalEngine().profile_frame(frame)

    assert prof["ts"].readings.datetime == Reading(2, ("x",))
    assert prof["flag"].readings.boolean == Reading(3, ("yes",))
    assert prof["n"].readings.integer == Reading(2, ("1,010.2", "3.0"))
    assert prof["n"].readings.float == Reading(3, ("1,010.2",))
    assert prof["n"].readings.datetime == Reading(0, ("1", "1,010.2", "2", "3.0"))


_SHAPES = {
    "iso": "2026-11-{day:02d} 12:{minute:02d}:00",
    "zoned": "2026-11-{day:02d}T12:{minute:02d}Z",
    "impossible": "2026-02-{day:02d} 12:00:00",  # ISO-shaped; the 29th+ do not exist
    "dated words": "2026-11-{day:02d} and {minute} more",
    "integer": "{day}{minute:04d}",
    "float": "-{day}.{minute}e3",
    "boolean": "TRUE",
    "false": "false",
    "t-words": "t{minute} fits {day}",  # starts as a boolean would, and is none
    "prose": "free text, line {minute} of day {day}",
}


@settings(max_examples=40, deadline=None)
@given(
    shapes=st.lists(st.sampled_from(sorted(_SHAPES)), min_size=1, max_size=4),
    nulls=st.booleans(),
)
def test_free_text_reads_as_each_kind_as_its_values_do_one_by_one(
    shapes: list[str], nulls: bool
) -> None:
    """A column of many distinct values (profiled as free text or ids, not counted)
    holding timestamps, dates among words, impossible dates, numbers and booleans:
    each kind's count is that of its values read one by one."""
    values: list[str | None] = [
        _SHAPES[shapes[i % len(shapes)]].format(day=i % 31 + 1, minute=i % 60)
        for i in range(3_000)
    ]
    if nulls:
        values[::7] = [None] * len(values[::7])
    frame = pl.DataFrame({"t": values}, schema={"t": pl.String})
    profile = LocalEngine().profile_frame(frame)["t"]

    for kind in ("integer", "float", "boolean", "datetime"):
        want = frame.select(reads_as(pl.col("t"), kind).sum()).item()
        assert profile.readings.of(kind).count == want, kind
    micros = iso_datetime(pl.col("t")).cast(pl.Int64)
    first, last = frame.select(micros.min().alias("lo"), micros.max().alias("hi"))
    assert (profile.time.min, profile.time.max) == (first.item(), last.item())


def test_free_text_starting_as_booleans_reads_as_its_values_do() -> None:
    """Free text whose values start with t or f (read as booleans only) or a digit
    or sign (read as anything but a boolean): each kind's count is that of its
    values read one by one."""
    shapes = [
        "false",
        "TRUE",
        "t{i} fits",
        "f{i}.5",
        "{i}",
        "-{i}.25",
        "fast {i} words",
    ]
    values = [shapes[i % len(shapes)].format(i=i) for i in range(20_000)]
    frame = pl.DataFrame({"t": values})
    profile = LocalEngine().profile_frame(frame)["t"]

    assert not profile.frequent.is_tracked  # free text or ids: not counted
    for kind in ("integer", "float", "boolean", "datetime"):
        want = frame.select(reads_as(pl.col("t"), kind).sum()).item()
        assert profile.readings.of(kind).count == want, kind


@pytest.mark.parametrize("distinct", [5, 300, 30_000])
def test_a_text_column_of_several_chunks_profiles_as_one_chunk(distinct: int) -> None:
    """Text read in pieces (a column of several Polars chunks, one of them empty) is
    read chunk by chunk in place: counted, hashed and measured as the same column in
    one chunk, to the byte."""
    rng = np.random.default_rng(distinct)
    values = [
        f"id {i} of many" if i % 11 else None for i in rng.integers(0, distinct, 40_000)
    ]
    pieces = [values[:15_000], [], values[15_000:15_001], values[15_001:]]
    chunked = pl.concat(
        [pl.DataFrame({"t": piece}, schema={"t": pl.String}) for piece in pieces],
        rechunk=False,
    )
    assert chunked.get_column("t").n_chunks() > 2

    got = LocalEngine().profile_frame(chunked)
    want = LocalEngine().profile_frame(chunked.rechunk())

    assert got.to_dict() == want.to_dict()


_PIECES = [
    "a",
    " ",
    "\t",
    "\u3000",
    "\u0085",
    "\u200b",
    "é",
    "中",
    "😀",
    "1",
    "-",
    "T",
    "x" * 13,
]


@settings(max_examples=25, deadline=None)
@given(
    words=st.lists(
        st.lists(st.sampled_from(_PIECES), max_size=6).map("".join),
        min_size=1,
        max_size=40,
    ),
    shapes=st.lists(st.sampled_from(sorted(_SHAPES)), min_size=1, max_size=3),
    nulls=st.booleans(),
    offset=st.integers(0, 5),
)
def test_free_text_profiles_alike_with_the_compiled_pass_or_the_expressions(
    words: list[str],
    shapes: list[str],
    nulls: bool,
    offset: int,
) -> None:
    """Free text and ids get their lengths, spaces, padding and the values that may
    read from one compiled pass (``_text.text_stats``) or, where it is not built,
    from Polars expressions: the same profile (the lengths' moments to rounding),
    on a sliced column with nulls and any whitespace, too."""
    values: list[str | None] = [
        words[i % len(words)]
        + _SHAPES[shapes[i % len(shapes)]].format(day=i % 31 + 1, minute=i % 60)
        + words[(i * 7) % len(words)]
        + (f" #{i}" if i % 3 else "")  # enough distinct values to be free text
        for i in range(3_000)
    ]
    if nulls:
        values[::5] = [None] * len(values[::5])
    frame = pl.DataFrame({"t": values}, schema={"t": pl.String}).slice(offset)
    assert _text.native()
    prepared = local._prepare_planned(frame, None)[1]
    assert prepared.wordy == ("t",)
    compiled = LocalEngine().profile_frame(frame)["t"].to_dict()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_text, "_native", None)
        expressions = LocalEngine().profile_frame(frame)["t"].to_dict()

    assert compiled["frequent"] == expressions["frequent"]  # free text: untracked
    lengths = compiled.pop("lengths"), expressions.pop("lengths")
    assert compiled == expressions
    assert lengths[0].keys() == lengths[1].keys()
    for key, value in lengths[0].items():
        assert value == pytest.approx(lengths[1][key], rel=1e-12, abs=1e-9), key


@pytest.mark.parametrize("rows", [48, 5_000], ids=["counted", "free-text-or-id"])
def test_times_of_text_that_reads_as_datetimes_equal_those_of_the_typed_column(
    rows: int,
) -> None:
    start = dt.datetime(2026, 11, 1)
    gap = rows // 2  # 10 hours without rows in the middle
    moments = [
        start + dt.timedelta(minutes=7 * i + (600 if i > gap else 0))
        for i in range(rows)
    ]
    typed = pl.DataFrame({"ts": moments})
    as_text = typed.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S"))
    engine = LocalEngine()

    want, got = engine.profile_frame(typed)["ts"], engine.profile_frame(as_text)["ts"]

    assert got.physical is Physical.STRING
    assert got.readings.datetime == Reading(rows)
    assert got.time == want.time
    assert got.intervals.quantiles([0.0, 0.5, 1.0]) == want.intervals.quantiles(
        [0.0, 0.5, 1.0]
    )


# ------------------------------------------------------------------ distinct counts
def datasketches_of(values: list[Any]) -> bytes:
    """Reference: DataSketches fed each value, unioned down to K hashes (compact)."""
    sketch = ds.update_theta_sketch(THETA_LG_K)
    for v in values:
        sketch.update(v)
    union = ds.theta_union(THETA_LG_K)
    union.update(sketch)
    return bytes(union.get_result().serialize())


UTC_START = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROS = dt.timedelta(microseconds=1)


def varied_values(n: int) -> dict[str, tuple[pl.Series, list[Any]]]:
    """Columns of every kind with few and many distinct values, and what DataSketches
    is fed for each (the canonical values of profiles/hashing.py)."""
    rng = np.random.default_rng(n)
    ints = rng.integers(-(2**62), 2**62, n) // rng.choice([1, 2**55], n)
    normal = rng.normal(0, 1, n)
    floats = np.where(rng.random(n) < 0.5, np.round(normal, 1), normal)
    floats[:3] = [0.0, -0.0, 1.5]
    texts = [f"näme-{i % (n // 3 + 1)}" * (i % 5 + 1) for i in range(n)]
    seconds = rng.integers(0, 10**6, n)
    times = [UTC_START + dt.timedelta(seconds=int(x)) for x in seconds]
    midnights = [dt.datetime.combine(t.date(), dt.time(), dt.UTC) for t in times]
    flags = rng.random(n) < 0.3
    return {
        "ints": (pl.Series(ints), ints.tolist()),
        "floats": (pl.Series(floats), [f + 0.0 for f in floats.tolist()]),
        "nan": (
            pl.Series([math.nan, 2.0, None, -0.0, 0.0] * (n // 5)),
            [2.0, 0.0],
        ),
        "texts": (pl.Series(texts), texts),
        "times": (
            pl.Series(times).dt.convert_time_zone("Europe/Paris"),
            [(t - EPOCH) // MICROS for t in times],
        ),
        "dates": (
            pl.Series([t.date() for t in times]),
            [(m - EPOCH) // MICROS for m in midnights],
        ),
        "flags": (pl.Series(flags), flags.astype(int).tolist()),
        "small": (pl.Series(ints % 7, dtype=pl.Int8), (ints % 7).tolist()),
        "huge": (pl.Series([2**64 - 1, 5] * (n // 2), dtype=pl.UInt64), [-1, 5]),
    }


@pytest.mark.parametrize("n", [300, 6000])
def test_distinct_counts_are_the_datasketches_theta_sketch_of_the_values(
    n: int,
) -> None:
    columns = varied_values(n)
    frame = pl.DataFrame({name: series for name, (series, _) in columns.items()})
    parts = [frame.head(n // 3), frame.tail(n - n // 3)]

    prof = LocalEngine().profile_frames(iter(parts))

    for name, (_, fed) in columns.items():
        assert prof[name].distinct.serialize() == datasketches_of(fed), name


def test_distinct_counts_do_not_depend_on_the_polars_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    columns = varied_values(6000)
    frame = pl.DataFrame({name: series for name, (series, _) in columns.items()})
    before = LocalEngine().profile_frame(frame.head(4000))
    real_hash = pl.Expr.hash

    def other_hash(self: pl.Expr, *args: Any, **kwargs: Any) -> pl.Expr:
        return real_hash(self, 12345)  # as if a Polars upgrade changed it

    monkeypatch.setattr(pl.Expr, "hash", other_hash)
    monkeypatch.setattr(pl, "__version__", "9.9.0")
    monkeypatch.setattr(local, "PROBE_SEED", 99)
    after = LocalEngine().profile_frame(frame.tail(2000))
    whole = LocalEngine().profile_frame(frame)

    for name in columns:
        merged = before[name].distinct.merge(after[name].distinct)
        assert merged == whole[name].distinct, name
        assert merged.kind == "theta"


def test_distinct_counts_keep_the_empty_string_and_skip_nulls() -> None:
    frame = pl.DataFrame({"s": ["", "a", None, ""]})

    col = LocalEngine().profile_frame(frame)["s"]

    assert (col.distinct.is_exact, col.distinct_count) == (True, 2.0)
    assert isinstance(col.distinct, Distinct)


@pytest.mark.parametrize("name", ["*", "^a$", "^.*$"])
def test_a_column_named_like_a_pattern_is_profiled_as_itself(name: str) -> None:
    # pl.col("*") is every column and pl.col("^a$") a regex: names are names here.
    frame = pl.DataFrame({name: [1.0, 2.0, None], "a": ["x", "y", "y"]})

    prof = LocalEngine().profile_frames([frame, frame])

    assert prof.column_names == [name, "a"]
    assert prof[name].name == name
    assert (prof[name].rows, prof[name].nulls) == (6, 2)
    assert prof[name].moments.mean == pytest.approx(1.5)
    assert prof["a"].distinct_count == 2


def test_integers_wider_than_64_bits_are_counted_not_refused() -> None:
    # A CSV holding 2**63 reads as Int128: those that fit 64 bits hash as Int64
    # values do, the wider ones as their decimal text (DataSketches' update(str)).
    wide = pl.Series("n", [2**63, 5, None, 2**63, -(2**70)], dtype=pl.Int128)

    col = LocalEngine().profile_frame(wide.to_frame())["n"]

    assert (col.distinct.is_exact, col.distinct_count) == (True, 3.0)
    assert col.distinct.serialize() == datasketches_of([5, str(2**63), str(-(2**70))])


@pytest.mark.parametrize("n", [0, 5, 3_000, 40_000])
def test_the_probe_from_value_counts_is_the_probe_of_the_rows(n: int) -> None:
    # A column counted in the first select takes its probe sketch (the 2K smallest
    # Polars hashes of its rows, repeats included) from its counts instead: the
    # same entries, whether few or many rows, few or many distinct values.
    rng = np.random.default_rng(n + 1)
    frame = pl.DataFrame(
        {
            "few": rng.choice(["a", "b", "", "é"], n),
            "many": pl.Series(
                [f"v{x}" for x in rng.zipf(1.3, n) % 5_000], dtype=pl.String
            ),
            "cat": pl.Series(rng.choice(["x", "y", "z"], n)).cast(pl.Categorical),
            "i8": pl.Series(rng.integers(-100, 100, n), dtype=pl.Int8),
            "u64": pl.Series(rng.integers(0, 2**63, n) % 7_000, dtype=pl.UInt64),
            "flag": rng.random(n) < 0.2,
            "nulls": pl.Series([None, 3] * (n // 2) + [None] * (n % 2), dtype=pl.Int64),
            # More distinct values than the 2K smallest hashes a probe keeps.
            "wide": pl.Series(
                [f"w{x}" for x in rng.integers(0, n // 2 + 1, n)], dtype=pl.String
            ),
        }
    )
    names = frame.columns
    rows = local._one_row(
        frame.select(
            [
                e
                for name in names
                for e in local._row_exprs(
                    name, physical_of(frame.schema[name]), frame.schema[name]
                )
                if e.meta.output_name().endswith("kmv")
            ]
        )
    )
    counts = local._unpacked_counts(
        frame.select(local._count_exprs(frame, names)), names
    )

    for name in names:
        key = local._k(name, "kmv")
        derived = local._probe_of_counts(name, counts[name])
        assert np.array_equal(derived[key], rows[key]), name
        assert derived[f"{key}_raw"] == rows[f"{key}_raw"], name
        if frame.schema[name] == pl.String:  # the hashes kept with each value's stats
            stats, _ = local._with_value_stats(counts[name], None)
            assert local._PROBE in stats.columns
            kept = local._probe_of_counts(name, stats)
            assert np.array_equal(kept[key], rows[key]), name
            assert kept[f"{key}_raw"] == rows[f"{key}_raw"], name


TEXTS = [
    "a", " padded", "tail\u3000", "two words", "12", "-3.5", "+.5e3", "true", "F",
    "2024-01-02", "2024-01-02T03:04:05", "2024-13-40", "é 中", "😀", "",
    "x" * 30 + " y", "1,000",
]  # fmt: skip


@pytest.mark.parametrize("known_bytes", [local.KNOWN_BYTES, 300, 0])
def test_text_statistics_kept_from_chunk_to_chunk_give_each_chunks_profile(
    monkeypatch: pytest.MonkeyPatch, known_bytes: int
) -> None:
    """A counted text column keeps its values' statistics (length, spaces, padding,
    readings) from chunk to chunk: a later chunk reads only values it has not seen,
    and the profile is the one of each chunk alone, to the byte. Past
    ``KNOWN_BYTES`` (all columns together) the kept values stop growing; the profile
    stays the same."""
    rng = np.random.default_rng(known_bytes)
    chunks = [
        pl.DataFrame(
            {
                "t": pl.Series(rng.choice(TEXTS[: 5 + 4 * i], 300)).set(
                    pl.Series(rng.random(300) < 0.1), None
                ),
                "c": pl.Series(rng.choice(TEXTS[i : i + 6], 300)).cast(pl.Categorical),
            }
        )
        for i in range(4)
    ]
    read: list[list[str]] = []
    value_stats = local._value_stats

    def spied(values: pl.Series) -> pl.DataFrame:
        read.append(values.to_list())
        return value_stats(values)

    monkeypatch.setattr(local, "KNOWN_BYTES", known_bytes)
    monkeypatch.setattr(local, "PREPARING", 1)  # each chunk planned from the last
    monkeypatch.setattr(local, "_value_stats", spied)
    streamed = LocalEngine().profile_frames(chunks)
    monkeypatch.setattr(local, "_value_stats", value_stats)
    alone = [LocalEngine().profile_frame(chunk) for chunk in chunks]
    merged = alone[0].merge(alone[1]).merge(alone[2]).merge(alone[3])

    assert streamed.to_dict() == merged.to_dict()
    each = sum(len(values) for values in read)
    distinct = sum(
        len({v for chunk in chunks for v in chunk[name].drop_nulls()})
        for name in ("t", "c")
    )
    if known_bytes > 1 << 20:  # each column's values read once
        assert each == distinct
    else:  # the kept values stopped growing: some are read again
        assert each > distinct


@pytest.mark.skipif(not _text.native(), reason="built without a C compiler")
@pytest.mark.parametrize("known_bytes", [local.KNOWN_BYTES, 6_000, 0])
def test_text_counted_by_number_profiles_as_polars_counts_it(
    monkeypatch: pytest.MonkeyPatch, known_bytes: int
) -> None:
    """String columns counted by their counters (``_Counted``: values numbered once,
    chunks counted by number, two chunks prepared at once) give the profile Polars'
    value counts give, to the byte; with little room the values the counter lacks are
    counted by Polars, and with none all of them."""
    rng = np.random.default_rng(7)
    many = [f"v{i:05d}" for i in range(400)] + [
        f"long value number {i}" for i in range(400)
    ]
    chunks = [
        pl.DataFrame(
            {
                "t": pl.Series(rng.choice(TEXTS, 500)).set(
                    pl.Series(rng.random(500) < 0.1), None
                ),
                "m": pl.Series(rng.choice(many[: 100 * (i + 1)], 500)),
                "empty": pl.Series([None] * 500, dtype=pl.String),
            }
        ).slice(i, 500 - i)
        for i in range(6)
    ]
    monkeypatch.setattr(local, "KNOWN_BYTES", known_bytes)
    tabled = LocalEngine().profile_frames(chunks)
    monkeypatch.setattr(local, "_tabled", lambda dtype: False)
    counted = LocalEngine().profile_frames(chunks)

    assert tabled.to_dict() == counted.to_dict()
    assert tabled["m"].frequent.is_tracked and tabled["t"].readings.float.count


@pytest.mark.skipif(not _text.native(), reason="built without a C compiler")
def test_a_chunk_counted_by_number_holds_only_its_own_values() -> None:
    """Values an earlier chunk numbered but this one lacks are not among its counts;
    each value counted comes with the statistics ``_value_stats`` gives it and its
    Theta hash."""
    counter = _text.counter()
    assert counter is not None
    kept = local._Counted(counter)
    local._counted_values(pl.Series(["a", "bb", "ccc", None]), kept, 1 << 20)

    got = local._counted_values(pl.Series(["bb", None, "12", "bb"]), kept, 1 << 20)

    order = np.argsort(got.values.to_numpy())
    assert got.values.to_list() and got.values.gather(order).to_list() == ["12", "bb"]
    assert got.n[order].tolist() == [1, 2]
    want = local._stat_arrays(local._value_stats(pl.Series(["12", "bb"])))
    assert got.stats.keys() == want.keys()
    for name, values in want.items():
        assert got.stats[name][order].tolist() == values.tolist(), name
    assert got.theta is not None
    assert got.theta[order].tolist() == [
        int(h)
        for h in hashing.hash_strings(
            np.array([0, 2, 4]), np.frombuffer(b"12bb", np.uint8)
        )
    ]
    assert kept.counter.size == 4 and kept.known is not None and kept.known.n.size == 4


def test_the_values_kept_stop_growing_at_the_room_given() -> None:
    """Values not seen before join those kept while they fit in the room given;
    past it the kept values stay as they were, and every count still gets its
    value's statistics."""
    first = pl.DataFrame({"value": ["a", "b c", " d"], "n": [3, 2, 1]})
    later = pl.DataFrame({"value": ["b c", "12", "2024-01-02"], "n": [1, 1, 1]})
    first, later = (f.with_columns(pl.col("n").cast(pl.UInt32)) for f in (first, later))
    _, known = local._with_value_stats(first, None)
    assert known is not None
    new = local._value_stats(pl.Series(["12", "2024-01-02"]))
    both = known.estimated_size() + new.estimated_size()

    for room, kept_values in [(both, 5), (both - 1, 3)]:
        stats, kept = local._with_value_stats(later, known, room)
        assert kept is not None and kept.height == kept_values
        fresh, _ = local._with_value_stats(later, None)
        assert stats.sort("value").equals(fresh.sort("value"))


def test_a_float_column_repeating_a_few_values_keeps_their_exact_counts() -> None:
    # Fewer than K distinct values in at least 2K rows: their exact distribution,
    # as a counted column's; NaN and nulls left out, infinities counted apart.
    rng = np.random.default_rng(3)
    finite = rng.integers(0, 300, 6000) / 4.0
    values = [*finite.tolist(), math.inf, -math.inf, math.nan, None]
    column = LocalEngine().profile_frame(pl.DataFrame({"x": values}))["x"]

    expected, counts = np.unique(finite, return_counts=True)
    assert column.quantiles.values is not None
    np.testing.assert_array_equal(column.quantiles.values, expected)
    np.testing.assert_array_equal(column.quantiles.counts, counts)
    assert column.distinct.estimate == expected.size + 2  # and the two infinities
    assert (column.posinf, column.neginf, column.nan) == (1, 1, 1)


@pytest.mark.parametrize(
    "finite",
    [
        np.repeat(np.arange(3000) / 7.0, 3),  # K or more distinct values, repeated
        np.arange(1000) % 5 / 2.0,  # a few values, but fewer than 2K rows
    ],
    ids=["many-distinct", "few-rows"],
)
def test_other_float_columns_get_the_kll_sketch_of_their_values(
    finite: np.ndarray,
) -> None:
    shuffled = np.random.default_rng(4).permutation(finite)
    column = LocalEngine().profile_frame(pl.DataFrame({"x": shuffled}))["x"]

    assert column.quantiles.values is None  # a sketch, not exact counts
    assert column.quantiles.blob == Quantiles.from_array(finite).blob
    assert column.distinct.estimate == pytest.approx(np.unique(finite).size, rel=0.05)


@pytest.mark.parametrize("share", [0.3, 0.5, 0.7, 1.0])
def test_a_float_columns_distinct_values_are_its_values_hashed_once_each(
    share: float,
) -> None:
    """Mostly distinct values are hashed all (equal ones hash alike), others gathered
    first: the distinct sketch is the one of the distinct values either way, and the
    values sorted in a thread's scratch leave no trace in the next column's sketch."""
    rng = np.random.default_rng(int(share * 10))
    distinct = rng.normal(size=int(12_000 * share)).round(6)
    values = np.concatenate([distinct, rng.choice(distinct, 12_000 - distinct.size)])
    frame = pl.DataFrame({"x": rng.permutation(values), "y": values[::-1] * 2})

    profile = LocalEngine().profile_frame(frame)

    for name, column in (("x", values), ("y", values * 2)):
        unique = np.unique(column)
        want = Distinct.from_hashes(hashing.hash_doubles(unique, local._SMALLEST))
        assert profile[name].distinct.to_dict() == want.to_dict()
        assert profile[name].quantiles.blob == Quantiles.from_array(column).blob


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.floats(allow_nan=False, allow_infinity=False)
        | st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1.7976931348623157e308]),
        max_size=300,
    )
)
def test_values_sort_in_the_order_of_the_floats_negative_zero_first(
    values: list[float],
) -> None:
    got = local._ascending(np.array(values, dtype=np.float64))
    want = np.sort(np.array(values, dtype=np.float64))
    assert np.array_equal(got, want)  # equal as floats: -0.0 == 0.0
    signs = np.signbit(got[got == 0])
    assert list(signs) == sorted(signs, reverse=True)  # -0.0 first: one order only


def test_counted_prose_keeps_no_frequent_values_but_examples_of_every_kind() -> None:
    """A text column of a few long sentences is counted (few distinct values), but
    it is prose: its frequent values are not tracked, and the most frequent ones
    are still its examples of values that read as no kind."""
    sentences = [
        f"the pump on line {i} stopped again after the night shift" for i in range(3)
    ]
    frame = pl.DataFrame({"note": sentences * 40 + sentences[:1] * 30})
    assert local._prepare_planned(frame, None)[1].counted == ("note",)

    col = LocalEngine().profile_frame(frame)["note"]

    assert col.frequent.total == frame.height and not col.frequent.is_tracked
    for kind in ("integer", "float", "boolean", "datetime"):
        assert col.readings.of(kind) == Reading(0, (sentences[0], *sentences[1:])), kind
