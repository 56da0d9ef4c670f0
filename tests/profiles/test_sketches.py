"""The mergeable sketches: merge laws (hypothesis) and statistics against numpy/scipy."""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import reduce
from pathlib import Path
from typing import Any

import datasketches as ds
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.engines.local import LocalEngine
from pipewarden.errors import ProfileError
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.hashing import hash_words
from pipewarden.profiles.sketches import (
    FREQUENT_EXACT_LIMIT,
    FREQUENT_LG_MAP,
    KMV_K,
    MAX_GAPS,
    QUANTILES_EXACT_LIMIT,
    THETA_LG_K,
    Distinct,
    Frequent,
    Moments,
    Quantiles,
    TimeGaps,
)
from store_helpers import varied_frame

# KLL with k=200 has a normalised rank error of about 1.65% (99% confidence, single
# sketch). We allow 0.03: merged sketches add a little error, and a test that fails one
# run in a thousand is worse than a slightly looser bound that still catches real bugs
# (a wrong merge or a value-instead-of-rank mix-up is off by far more).
RANK_TOLERANCE = 0.03
RSE = 1 / math.sqrt(KMV_K)
"""Relative standard error of the Theta distinct-count estimate."""

FAST = settings(max_examples=40, deadline=None)

finite = st.floats(-1e6, 1e6, allow_nan=False)
arrays = st.lists(finite, max_size=50).map(lambda v: np.array(v, dtype=np.float64))


def assert_moments_close(actual: Moments, expected: Moments) -> None:
    assert actual.count == expected.count
    assert actual.min == expected.min
    assert actual.max == expected.max
    scale = max(abs(expected.min or 0.0), abs(expected.max or 0.0), 1.0)
    assert math.isclose(actual.mean, expected.mean, rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert math.isclose(
        actual.m2, expected.m2, rel_tol=1e-9, abs_tol=1e-9 * scale**2 * expected.count
    )


def assert_rank_within(sketch: Quantiles, data: np.ndarray, tolerance: float) -> None:
    """The sketch's q-quantile has rank q in the exact data, within tolerance."""
    ordered = np.sort(data)
    for q in (0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99):
        (value,) = sketch.quantiles([q])
        below = np.searchsorted(ordered, value, side="left") / ordered.size
        at_or_below = np.searchsorted(ordered, value, side="right") / ordered.size
        assert below - tolerance <= q <= at_or_below + tolerance, (q, value)


# ----------------------------------------------------------------------- moments
@FAST
@given(arrays)
def test_moments_zero_is_the_identity(x: np.ndarray) -> None:
    m = Moments.from_array(x)
    assert Moments.zero().merge(m) == m
    assert m.merge(Moments.zero()) == m


@FAST
@given(arrays, arrays, arrays)
def test_moments_merge_is_associative(
    x: np.ndarray, y: np.ndarray, z: np.ndarray
) -> None:
    a, b, c = (Moments.from_array(v) for v in (x, y, z))
    assert_moments_close(a.merge(b).merge(c), a.merge(b.merge(c)))


@FAST
@given(arrays, arrays)
def test_moments_of_parts_merge_to_moments_of_whole(
    x: np.ndarray, y: np.ndarray
) -> None:
    merged = Moments.from_array(x).merge(Moments.from_array(y))
    assert_moments_close(merged, Moments.from_array(np.concatenate([x, y])))


@FAST
@given(st.lists(finite, min_size=2, max_size=50))
def test_moments_match_numpy_and_scipy(values: list[float]) -> None:
    x = np.array(values)
    half = len(values) // 2
    m = Moments.from_array(x[:half]).merge(Moments.from_array(x[half:]))
    assert (m.min, m.max) == (x.min(), x.max())
    scale = max(float(np.abs(x).max()), 1.0)
    assert math.isclose(m.mean, float(np.mean(x)), rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert m.variance is not None and m.std is not None
    variance = float(np.var(x, ddof=1))
    assert math.isclose(m.variance, variance, rel_tol=1e-9, abs_tol=1e-9 * scale**2)
    assert math.isclose(
        m.std, float(np.std(x, ddof=1)), rel_tol=1e-9, abs_tol=1e-6 * scale
    )


def test_moments_of_one_value_have_no_variance() -> None:
    m = Moments.from_array(np.array([4.0]))
    assert (m.count, m.mean, m.variance, m.std) == (1, 4.0, None, None)
    assert Moments.zero().variance is None


def test_moments_from_chunk_stats_match_from_array() -> None:
    x = np.array([1.0, 2.0, 4.0, 8.0])
    built = Moments.from_stats(4, x.mean(), x.var(ddof=1), x.min(), x.max())
    assert_moments_close(built, Moments.from_array(x))
    assert Moments.from_stats(0, None, None, None, None) == Moments.zero()


@FAST
@given(arrays)
def test_moments_round_trip_through_json(x: np.ndarray) -> None:
    m = Moments.from_array(x)
    assert Moments.from_dict(json.loads(json.dumps(m.to_dict()))) == m


def test_overflowing_moments_still_serialise_to_strict_json() -> None:
    with np.errstate(over="ignore"):
        m = Moments.from_array(np.array([1e308, -1e308, 1e308]))
    assert math.isinf(m.m2)
    text = json.dumps(m.to_dict(), allow_nan=False)
    back = Moments.from_dict(json.loads(text))
    assert math.isinf(back.m2)
    assert (back.count, back.min, back.max) == (3, -1e308, 1e308)


# --------------------------------------------------------------------- quantiles
big_arrays = st.builds(
    lambda seed, n: np.random.default_rng(seed).lognormal(3.0, 1.0, n),
    st.integers(0, 2**32 - 1),
    st.integers(1, 5000),
)


@FAST
@given(big_arrays, st.lists(st.floats(0, 1), max_size=3))
def test_quantiles_of_merged_parts_are_within_kll_rank_error(
    data: np.ndarray, cuts: list[float]
) -> None:
    points = sorted({int(c * data.size) for c in cuts})
    parts = np.split(data, points)
    merged = reduce(
        Quantiles.merge, (Quantiles.from_array(p) for p in parts), Quantiles.zero()
    )
    assert merged.n == data.size
    assert_rank_within(merged, data, RANK_TOLERANCE)


@FAST
@given(big_arrays, big_arrays, big_arrays)
def test_quantiles_merge_is_associative_within_rank_error(
    x: np.ndarray, y: np.ndarray, z: np.ndarray
) -> None:
    a, b, c = (Quantiles.from_array(v) for v in (x, y, z))
    left, right = a.merge(b).merge(c), a.merge(b.merge(c))
    assert left.n == right.n == x.size + y.size + z.size
    whole = np.concatenate([x, y, z])
    assert_rank_within(left, whole, RANK_TOLERANCE)
    assert_rank_within(right, whole, RANK_TOLERANCE)


@FAST
@given(arrays)
def test_quantiles_zero_is_the_identity(x: np.ndarray) -> None:
    q = Quantiles.from_array(x)
    assert Quantiles.zero().merge(q) == q
    assert q.merge(Quantiles.zero()) == q


def test_small_quantile_sketches_are_exact() -> None:
    data = np.arange(1.0, 101.0)
    q = Quantiles.from_array(data)
    assert_rank_within(q, data, tolerance=0.0)
    assert q.quantiles([0.0, 1.0]) == [1.0, 100.0]
    assert q.cdf([0.0, 50.0, 100.0]) == [0.0, 0.5, 1.0]  # share of values <= point
    assert q.n == 100


def test_empty_quantile_sketch_answers_without_values() -> None:
    q = Quantiles.zero()
    assert (q.is_empty, q.n, q.quantiles([0.5]), q.cdf([1.0, 2.0])) == (
        True,
        0,
        [],
        [0.0, 0.0],
    )
    assert Quantiles.from_array(np.empty(0)) == Quantiles.zero()


def test_quantiles_round_trip_through_json() -> None:
    q = Quantiles.from_array(np.linspace(0, 1, 1000))
    back = Quantiles.from_dict(json.loads(json.dumps(q.to_dict())))
    assert back == q
    assert Quantiles.from_dict(Quantiles.zero().to_dict()) == Quantiles.zero()


def _exact(data: np.ndarray) -> Quantiles:
    values, counts = np.unique(data, return_counts=True)
    return Quantiles.from_counts(values, counts)


few_distinct = st.builds(
    lambda seed, n, pool: np.random.default_rng(seed).integers(0, pool, n) / 4.0,
    st.integers(0, 2**32 - 1),
    st.integers(1, 3000),
    st.sampled_from([2, 40, 700]),
)


@FAST
@given(few_distinct, st.floats(0, 1))
def test_exact_quantiles_answer_like_numpy_and_merge_exactly(
    data: np.ndarray, cut: float
) -> None:
    left, right = np.split(data, [int(cut * data.size)])
    merged = _exact(left).merge(_exact(right))
    assert merged.is_exact and merged == _exact(data)
    assert merged.n == data.size
    ranks = [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0]
    # DataSketches' get_quantile: the smallest value with at least that share at or
    # below it, which is numpy's "inverted_cdf" quantile.
    expected = np.quantile(data, ranks, method="inverted_cdf")
    assert merged.quantiles(ranks) == [float(v) for v in expected]
    points = [float(data.min()) - 1, float(np.median(data)), float(data.max())]
    assert merged.cdf(points) == [float(np.mean(data <= p)) for p in points]


def test_exact_quantiles_agree_with_a_kll_sketch_of_the_same_values() -> None:
    data = np.random.default_rng(7).integers(18, 90, 50_000).astype(np.float64)
    exact, sketch = _exact(data), Quantiles.from_array(data)
    assert exact.is_exact and not sketch.is_exact
    assert_rank_within(sketch, data, RANK_TOLERANCE)
    assert_rank_within(exact, data, tolerance=0.0)
    assert exact.sketch().n == data.size  # a live KLL sketch on demand


def test_exact_quantiles_become_a_sketch_past_the_limit() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 800, 20_000).astype(np.float64)
    b = rng.integers(600, 1400, 20_000).astype(np.float64)
    assert _exact(a).is_exact and _exact(b).is_exact
    merged = _exact(a).merge(_exact(b))  # 1,400 distinct values > the limit
    assert np.unique(np.concatenate([a, b])).size > QUANTILES_EXACT_LIMIT
    assert not merged.is_exact and merged.n == a.size + b.size
    assert_rank_within(merged, np.concatenate([a, b]), RANK_TOLERANCE)
    # An exact side meeting a sketch continues as a sketch, and counts every value.
    c = rng.normal(size=5_000)
    mixed = _exact(a).merge(Quantiles.from_array(c))
    assert not mixed.is_exact and mixed.n == a.size + c.size
    assert_rank_within(mixed, np.concatenate([a, c]), RANK_TOLERANCE)


def test_exact_quantiles_round_trip_through_json() -> None:
    q = _exact(np.array([3.0, 1.0, 1.0, 2.5, 3.0, 3.0]))
    text = json.dumps(q.to_dict())
    assert json.loads(text)["values"] == [1.0, 2.5, 3.0]
    assert Quantiles.from_dict(json.loads(text)) == q
    with pytest.raises(ProfileError, match="different numbers of values and counts"):
        Quantiles.from_dict({"kll": None, "values": [1.0, 2.0], "counts": [1]})


def test_the_same_values_give_the_same_quantile_sketch_in_any_order() -> None:
    data = np.random.default_rng(11).lognormal(0.0, 2.0, 20_000)
    shuffled = np.random.default_rng(12).permutation(data)

    first = json.dumps(Quantiles.from_array(data).to_dict())

    assert json.dumps(Quantiles.from_array(data).to_dict()) == first
    assert json.dumps(Quantiles.from_array(shuffled).to_dict()) == first


def test_merged_quantile_sketches_are_the_same_bytes_every_time() -> None:
    rng = np.random.default_rng(13)
    parts = [rng.normal(size=5_000) for _ in range(6)]
    exact = _exact(rng.integers(0, 30, 4_000).astype(np.float64))

    def merged() -> Quantiles:
        chunks = (Quantiles.from_array(p) for p in parts)
        return reduce(Quantiles.merge, chunks, exact)

    assert merged().blob == merged().blob
    assert exact.sketch().serialize() == exact.sketch().serialize()


def test_an_exact_distribution_with_huge_counts_merges_with_a_sketch() -> None:
    huge = Quantiles.from_counts(np.array([-1.0, 5.0]), np.array([2**40, 3]))

    merged = huge.merge(Quantiles.from_array(np.arange(10_000.0)))

    assert merged.n == 2**40 + 3 + 10_000
    assert merged.quantiles([0.0, 0.5, 1.0]) == [-1.0, -1.0, 9999.0]


def test_sketches_from_older_profiles_merge_with_new_ones() -> None:
    rng = np.random.default_rng(14)
    old_values, new_values = rng.normal(size=40_000), rng.normal(1.0, 2.0, 30_000)
    older = ds.kll_doubles_sketch(200)
    older.update(old_values)  # what pipewarden stored before (random compaction)

    merged = Quantiles(older.serialize()).merge(Quantiles.from_array(new_values))

    assert merged.n == old_values.size + new_values.size
    assert_rank_within(merged, np.concatenate([old_values, new_values]), 0.02)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (
            b"\x05\x01\x0f",
            "A quantile sketch of 3 bytes cannot be read (too short for a KLL sketch). "
            "The profile is damaged: profile the data again.",
        ),
        (
            b"\x02\x01\x07\x01\xc8\x00\x08\x00",
            "A quantile sketch of 8 bytes cannot be read (not a KLL sketch). "
            "The profile is damaged: profile the data again.",
        ),
    ],
)
def test_a_damaged_quantile_sketch_is_a_profile_error(
    blob: bytes, message: str
) -> None:
    damaged = Quantiles(blob)

    with pytest.raises(ProfileError) as merging:
        damaged.merge(Quantiles.from_array(np.arange(500.0)))
    with pytest.raises(ProfileError):
        damaged.quantiles([0.5])

    assert str(merging.value) == message


# ---------------------------------------------------------------------- distinct
hash_arrays = st.builds(
    lambda seed, n, pool: np.random.default_rng(seed).integers(
        0, pool, n, dtype=np.uint64, endpoint=True
    ),
    st.integers(0, 2**32 - 1),
    st.integers(0, 3 * KMV_K),
    st.sampled_from([50, 5000, 2**63 - 1]),
)
DATA = Path(__file__).parent / "data"
"""Profiles saved before the Theta sketch (KMV over Polars' hash 'polars-2.1-24301'):
the first 2,500 rows of ``varied_frame(3000)`` (tests/store/test_profile_codec.py),
its last 500 rows, and the merge of both made then."""


def distinct_of(h: np.ndarray) -> Distinct:
    return Distinct.from_hashes(h)


def theta_of(values: list[int] | list[float] | list[str]) -> Distinct:
    """Reference: DataSketches fed value by value, unioned down to K hashes."""
    sketch = ds.update_theta_sketch(THETA_LG_K)
    for v in values:
        sketch.update(v)
    union = ds.theta_union(THETA_LG_K)
    union.update(sketch)
    return Distinct.deserialize(union.get_result().serialize())


@FAST
@given(hash_arrays, hash_arrays)
def test_distinct_merge_is_exact(x: np.ndarray, y: np.ndarray) -> None:
    merged = distinct_of(x).merge(distinct_of(y))
    assert merged == distinct_of(np.concatenate([x, y]))


@FAST
@given(hash_arrays, hash_arrays, hash_arrays)
def test_distinct_merge_is_associative(
    x: np.ndarray, y: np.ndarray, z: np.ndarray
) -> None:
    a, b, c = (distinct_of(v) for v in (x, y, z))
    assert a.merge(b).merge(c) == a.merge(b.merge(c))


@FAST
@given(hash_arrays)
def test_distinct_zero_is_the_identity(x: np.ndarray) -> None:
    d = distinct_of(x)
    assert Distinct.zero().merge(d) == d
    assert d.merge(Distinct.zero()) == d


@FAST
@given(hash_arrays)
def test_distinct_count_is_exact_up_to_k(x: np.ndarray) -> None:
    d = distinct_of(x)
    true = np.unique(x[x > 0]).size  # 0 marks an empty slot in DataSketches
    if true <= KMV_K:
        assert (d.is_exact, d.estimate) == (True, float(true))
    else:
        assert (d.hashes.size, d.is_exact) == (KMV_K, False)


@pytest.mark.parametrize("true", [KMV_K + 1, 5_000, 50_000, 200_000])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_distinct_estimate_is_within_three_standard_errors(
    true: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    hashes = rng.integers(1, 2**63 - 1, size=true, dtype=np.uint64)
    assert np.unique(hashes).size == true  # 63-bit collisions: about 1e-9 here
    repeated = np.concatenate([hashes, hashes[: true // 3]])
    parts = np.array_split(rng.permutation(repeated), 4)
    d = reduce(Distinct.merge, (distinct_of(p) for p in parts), Distinct.zero())
    assert abs(d.estimate - true) <= 3 * RSE * true


@pytest.mark.parametrize("n", [0, 1, 2, 1000, KMV_K, KMV_K + 1, 30_000])
def test_distinct_is_the_datasketches_theta_sketch_byte_for_byte(n: int) -> None:
    values = np.random.default_rng(n).integers(-(2**62), 2**62, n)
    mine = distinct_of(hash_words(values.view(np.uint64)))
    reference = theta_of(values.tolist())

    assert mine.serialize() == reference.serialize()
    assert mine == reference
    read = ds.compact_theta_sketch.deserialize(mine.serialize())
    assert read.get_estimate() == pytest.approx(mine.estimate, rel=1e-12)
    assert read.is_estimation_mode() is (not mine.is_exact)


def test_distinct_merge_equals_the_datasketches_union() -> None:
    a, b = list(range(6000)), list(range(4000, 9000))
    union = ds.theta_union(THETA_LG_K)
    for part in (a, b):
        sketch = ds.update_theta_sketch(THETA_LG_K)
        for v in part:
            sketch.update(v)
        union.update(sketch)

    merged = theta_of(a).merge(theta_of(b))

    assert merged.serialize() == union.get_result().serialize()


def test_distinct_reads_the_compressed_datasketches_form() -> None:
    reference = theta_of(list(range(10_000)))
    compressed = ds.compact_theta_sketch.deserialize(reference.serialize()).serialize(
        compress=True
    )
    assert compressed[1] == 4  # serial version 4: delta-compressed hashes

    assert Distinct.deserialize(compressed) == reference


@pytest.mark.parametrize(
    ("blob", "why"),
    [
        (
            b"",
            "unpack_from requires a buffer of at least 8 bytes for unpacking 8 "
            "bytes at offset 0 (actual buffer size is 0)",
        ),
        (
            b"\x02\x03\x03\x00\x00\x1a\x34\x12" + bytes(8),
            "seed hash 0x1234, not the default seed",
        ),
        (
            b"\x02\x03\x03\x00\x00\x1a\xcc\x93\x02\x00\x00\x00" + bytes(12),
            "24 bytes for 2 hashes",
        ),
    ],
)
def test_a_damaged_theta_sketch_is_a_profile_error(blob: bytes, why: str) -> None:
    with pytest.raises(ProfileError) as info:
        Distinct.deserialize(blob)
    assert str(info.value) == (
        f"A distinct-count sketch is not a readable theta sketch ({why}). The profile "
        "is damaged: profile the data again."
    )


@FAST
@given(hash_arrays)
def test_distinct_round_trips_through_json(x: np.ndarray) -> None:
    d = distinct_of(x)
    assert Distinct.from_dict(json.loads(json.dumps(d.to_dict()))) == d


def saved(name: str) -> DatasetProfile:
    return DatasetProfile.from_json((DATA / f"profile_kmv_{name}.json").read_text())


def test_a_profile_saved_before_the_theta_sketch_keeps_its_distinct_counts() -> None:
    text = json.loads((DATA / "profile_kmv_a.json").read_text())
    stored = {c["name"]: c["distinct_estimate"] for c in text["columns"]}

    prof = saved("a")

    assert {n: c.distinct_count for n, c in prof.columns.items()} == stored
    assert prof["ids"].distinct.kind == "kmv"
    assert prof["ids"].distinct.is_exact is False
    assert prof["colour"].distinct.is_exact is True
    assert prof.to_dict() == text


def test_profiles_saved_before_the_theta_sketch_merge_as_they_did() -> None:
    merged, then = saved("a").merge(saved("b")), saved("ab")

    assert {n: c.distinct for n, c in merged.columns.items()} == {
        n: c.distinct for n, c in then.columns.items()
    }
    assert merged["ids"].distinct.kind == "kmv"


def test_saved_profiles_load_and_merge_after_a_polars_upgrade(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if the next Polars changed its version and its hash: nothing stored depends
    # on either, so yesterday's profiles merge with each other and with today's.
    real_hash = pl.Expr.hash

    def other_hash(self: pl.Expr, *args: Any, **kwargs: Any) -> pl.Expr:
        return real_hash(self, 4242)

    monkeypatch.setattr(pl, "__version__", "9.9.0")
    monkeypatch.setattr(pl.Expr, "hash", other_hash)
    frame = varied_frame(3000)
    today = LocalEngine().profile_frame(frame.tail(500))

    merged = saved("a").merge(saved("b"))
    with_today = saved("a").merge(today)

    assert merged.to_dict() == saved("ab").to_dict()
    assert with_today.rows == 3000
    assert today["ids"].distinct.kind == "theta"
    assert with_today["ids"].distinct.kind == "bounds"
    assert with_today["ids"].distinct.lower_bound <= 3000
    assert with_today["ids"].distinct.upper_bound >= 3000
    assert with_today["colour"].distinct_count == saved("ab")["colour"].distinct_count


def test_an_old_and_a_new_distinct_count_merge_into_bounds() -> None:
    old = saved("a")["ids"].distinct  # 2,500 ids, estimated 2,528
    new = theta_of(list(range(2500, 3000)))  # 500 more, exact

    merged = old.merge(new)

    assert merged.kind == "bounds"
    assert merged.is_exact is False
    low, high = (
        old.estimate * (1 - 2 / math.sqrt(KMV_K - 2)),
        old.estimate * (1 + 2 / math.sqrt(KMV_K - 2)),
    )
    assert merged.bounds == pytest.approx((low, old.estimate, high + 500))
    assert merged.lower_bound <= 3000 <= merged.upper_bound
    assert merged == new.merge(old)
    assert Distinct.from_dict(json.loads(json.dumps(merged.to_dict()))) == merged
    assert merged.merge(Distinct.zero()) == merged


def test_kmv_counts_of_different_polars_hashes_merge_into_bounds() -> None:
    a = Distinct(np.array([1, 2], dtype=np.uint64), hash_id="polars-1.0-1")
    b = Distinct(np.array([3], dtype=np.uint64), hash_id="polars-2.0-1")

    merged = a.merge(b)

    assert merged.bounds == (2.0, 2.0, 3.0)
    assert (merged.estimate, merged.lower_bound, merged.upper_bound) == (2, 2, 3)


def test_only_a_theta_sketch_has_a_datasketches_form() -> None:
    old = Distinct(np.array([1, 2], dtype=np.uint64), hash_id="polars-1.0-1")
    with pytest.raises(ProfileError) as info:
        old.serialize()
    assert str(info.value) == (
        "A kmv distinct count is not a Theta sketch and has no DataSketches form. "
        "Profile the data again to get one."
    )


# ---------------------------------------------------------------------- frequent
words = st.lists(
    st.sampled_from(["a", "b", "c", "é", "名", "", " a"]) | st.text(max_size=3)
)


def frequent_of(values: list[str]) -> Frequent:
    counts = Counter(values)
    return Frequent.from_counts(list(counts), list(counts.values()))


@FAST
@given(words, words)
def test_frequent_counts_merge_exactly_while_small(x: list[str], y: list[str]) -> None:
    merged = frequent_of(x).merge(frequent_of(y))
    assert merged == frequent_of(x + y)
    assert merged.is_exact
    assert merged.counts == dict(Counter(x + y))
    assert merged.total == len(x) + len(y)


@FAST
@given(words, words, words)
def test_frequent_merge_is_associative(
    x: list[str], y: list[str], z: list[str]
) -> None:
    a, b, c = (frequent_of(v) for v in (x, y, z))
    assert a.merge(b).merge(c) == a.merge(b.merge(c))


@FAST
@given(words)
def test_frequent_zero_is_the_identity(x: list[str]) -> None:
    f = frequent_of(x)
    assert Frequent.zero().merge(f) == f
    assert f.merge(Frequent.zero()) == f


def test_frequent_top_is_most_frequent_first_then_by_value() -> None:
    f = frequent_of(["b", "a", "b", "c", "a", "d"])
    assert f.top() == [("a", 2), ("b", 2), ("c", 1), ("d", 1)]
    assert f.top(1) == [("a", 2)]


@pytest.mark.parametrize("distinct", [3, FREQUENT_EXACT_LIMIT + 500])
def test_frequent_counts_in_any_order_give_the_same_bytes(distinct: int) -> None:
    values = [f"v{i}" for i in range(distinct)]
    counts = [1 + i % 7 for i in range(distinct)]
    order = np.random.default_rng(15).permutation(distinct)

    first = Frequent.from_counts(values, counts)
    again = Frequent.from_counts([values[i] for i in order], [counts[i] for i in order])

    assert json.dumps(again.to_dict()) == json.dumps(first.to_dict())


def test_frequent_turns_into_a_sketch_past_the_exact_limit() -> None:
    singles = [f"v{i}" for i in range(FREQUENT_EXACT_LIMIT)]
    exact = frequent_of(singles)
    assert exact.is_exact
    heavy = frequent_of(["x"] * 5000 + ["y"] * 2000)
    merged = exact.merge(heavy)
    total = FREQUENT_EXACT_LIMIT + 7000
    assert (merged.is_exact, merged.is_tracked, merged.total) == (False, True, total)
    epsilon = ds.frequent_strings_sketch.get_epsilon_for_lg_size(FREQUENT_LG_MAP)
    (top_value, top_n), (second_value, second_n) = merged.top(2)
    assert (top_value, second_value) == ("x", "y")
    assert abs(top_n - 5000) <= epsilon * total
    assert abs(second_n - 2000) <= epsilon * total


def test_frequent_sketches_merge_with_each_other_and_with_exact_counts() -> None:
    big = frequent_of([f"v{i}" for i in range(FREQUENT_EXACT_LIMIT + 1)] + ["x"] * 900)
    assert not big.is_exact
    both = big.merge(big).merge(frequent_of(["x"] * 100))
    assert both.total == 2 * big.total + 100
    assert both.top(1)[0][0] == "x"


def test_partial_counts_make_a_sketch() -> None:
    f = Frequent.from_counts(["a", "b"], [10, 5], total=20)
    assert (f.is_exact, f.is_tracked, f.total) == (False, True, 20)


def test_untracked_values_keep_only_their_total() -> None:
    untracked = Frequent.untracked(10)
    merged = untracked.merge(frequent_of(["a", "b"]))
    assert merged == Frequent.untracked(12)
    assert (merged.is_tracked, merged.top()) == (False, [])


@pytest.mark.parametrize(
    "frequent",
    [
        Frequent.zero(),
        Frequent.from_counts(["a", "b"], [2, 1]),
        Frequent.from_counts(["a", "b"], [10, 5], total=20),
        Frequent.untracked(7),
    ],
    ids=["zero", "exact", "sketch", "untracked"],
)
def test_frequent_round_trips_through_json(frequent: Frequent) -> None:
    assert Frequent.from_dict(json.loads(json.dumps(frequent.to_dict()))) == frequent


# --------------------------------------------------------------------- time gaps
sorted_times = st.lists(st.integers(0, 10**7), max_size=120).map(
    lambda v: np.array(sorted(v), dtype=np.int64)
)


def largest_gaps(times: np.ndarray) -> tuple[tuple[int, int], ...]:
    """The MAX_GAPS longest gaps by a direct numpy diff, the earliest first among equals."""
    if times.size < 2:
        return ()
    diffs = np.diff(times)
    order = sorted(
        (i for i in range(diffs.size) if diffs[i] > 0), key=lambda i: (-diffs[i], i)
    )
    return tuple((int(times[i]), int(times[i + 1])) for i in order[:MAX_GAPS])


@FAST
@given(sorted_times)
def test_time_gaps_are_the_largest_numpy_diffs(times: np.ndarray) -> None:
    tg = TimeGaps.from_sorted(times)
    assert tg.gaps == largest_gaps(times)
    if times.size:
        assert (tg.min, tg.max) == (int(times[0]), int(times[-1]))
        assert tg.largest == (largest_gaps(times) or (None,))[0]


def test_equal_gaps_keep_the_earliest() -> None:
    times = np.arange(0, 41 * 10, 10, dtype=np.int64)
    tg = TimeGaps.from_sorted(times)
    assert tg.gaps == tuple((t, t + 10) for t in range(0, MAX_GAPS * 10, 10))


@FAST
@given(sorted_times, st.lists(st.floats(0, 1), max_size=3))
def test_time_gaps_of_time_ordered_chunks_merge_exactly(
    times: np.ndarray, cuts: list[float]
) -> None:
    points = sorted({int(c * times.size) for c in cuts})
    parts = [TimeGaps.from_sorted(p) for p in np.split(times, points)]
    merged = reduce(TimeGaps.merge, parts, TimeGaps.zero())
    assert merged == TimeGaps.from_sorted(times)


@FAST
@given(st.lists(st.integers(0, 10**6), max_size=MAX_GAPS), st.data())
def test_time_gaps_of_overlapping_chunks_merge_exactly_when_few(
    values: list[int], data: st.DataObject
) -> None:
    mask = data.draw(
        st.lists(st.booleans(), min_size=len(values), max_size=len(values))
    )
    left = np.array(
        sorted(v for v, m in zip(values, mask, strict=True) if m), dtype=np.int64
    )
    right = np.array(
        sorted(v for v, m in zip(values, mask, strict=True) if not m), dtype=np.int64
    )
    merged = TimeGaps.from_sorted(left).merge(TimeGaps.from_sorted(right))
    assert merged == TimeGaps.from_sorted(np.array(sorted(values), dtype=np.int64))


@FAST
@given(sorted_times)
def test_time_gaps_zero_is_the_identity_and_merge_associates(times: np.ndarray) -> None:
    a, b, c = (TimeGaps.from_sorted(p) for p in np.array_split(times, 3))
    assert TimeGaps.zero().merge(a) == a
    assert a.merge(TimeGaps.zero()) == a
    assert a.merge(b).merge(c) == a.merge(b.merge(c))


def test_a_single_timestamp_has_no_gaps() -> None:
    tg = TimeGaps.from_sorted(np.array([5], dtype=np.int64))
    assert (tg.min, tg.max, tg.gaps, tg.largest) == (5, 5, (), None)


@FAST
@given(sorted_times)
def test_time_gaps_round_trip_through_json(times: np.ndarray) -> None:
    tg = TimeGaps.from_sorted(times)
    assert TimeGaps.from_dict(json.loads(json.dumps(tg.to_dict()))) == tg
