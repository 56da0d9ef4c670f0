"""The deterministic KLL sketch: DataSketches' format, fixed compaction, rank error."""

from __future__ import annotations

from functools import reduce

import datasketches as ds
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.profiles import _kll

K = 200


def _ranks(blob: bytes, points: np.ndarray) -> np.ndarray:
    """Share of values <= each point, as DataSketches reads the sketch."""
    sk = ds.kll_doubles_sketch.deserialize(blob)
    return np.array([sk.get_rank(float(p), inclusive=True) for p in points])


def _true_ranks(data: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.sort(data), points, side="right") / data.size


def _max_rank_error(blob: bytes, data: np.ndarray) -> float:
    points = np.quantile(data, np.linspace(0, 1, 401))
    return float(np.abs(_ranks(blob, points) - _true_ranks(data, points)).max())


@pytest.mark.parametrize("n", [0, 1, 2, 5, 199, 200, 201, 1000, 100_000])
def test_datasketches_reads_what_we_write(n: int) -> None:
    data = np.sort(np.random.default_rng(n).lognormal(0.0, 2.0, n))
    state = _kll.from_sorted(data, K) if n else _kll.KllState(K, 0, 0.0, 0.0, ())

    sk = ds.kll_doubles_sketch.deserialize(_kll.encode(state))

    assert sk.n == n and sk.k == K
    assert sk.num_retained == state.retained
    if n:
        assert (sk.get_min_value(), sk.get_max_value()) == (data[0], data[-1])
        weights = sum(w for _, w in sk)
        assert weights == n  # every value is represented with its weight


def test_sketches_written_by_datasketches_decode_to_the_same_answers() -> None:
    data = np.random.default_rng(4).normal(size=300_000)
    sk = ds.kll_doubles_sketch(K)
    sk.update(data)  # randomly compacted, level 0 unsorted, as older profiles hold
    points = np.quantile(data, [0.001, 0.1, 0.5, 0.9, 0.999])

    state = _kll.decode(sk.serialize())

    assert (state.n, state.min, state.max) == (
        sk.n,
        sk.get_min_value(),
        sk.get_max_value(),
    )
    again = _kll.encode(state)
    assert list(_ranks(again, points)) == [sk.get_rank(float(p)) for p in points]


def test_the_same_values_in_any_order_give_the_same_bytes() -> None:
    data = np.random.default_rng(5).lognormal(0.0, 2.0, 50_000)
    shuffled = np.random.default_rng(6).permutation(data)

    first = _kll.encode(_kll.from_sorted(np.sort(data), K))

    assert first == _kll.encode(_kll.from_sorted(np.sort(shuffled), K))


def test_merge_is_commutative_to_the_byte() -> None:
    rng = np.random.default_rng(7)
    a = _kll.from_sorted(np.sort(rng.normal(size=30_000)), K)
    b = _kll.from_sorted(np.sort(rng.exponential(size=20_000)), K)

    assert _kll.encode(_kll.merge(a, b)) == _kll.encode(_kll.merge(b, a))


def test_an_empty_datasketches_sketch_merges_as_nothing() -> None:
    empty = _kll.decode(ds.kll_doubles_sketch(K).serialize())
    data = _kll.from_sorted(np.array([-3.0, 2.0, 7.5]), K)

    for merged in (_kll.merge(empty, data), _kll.merge(data, empty)):
        assert (merged.n, merged.min, merged.max) == (3, -3.0, 7.5)


def test_counts_are_written_in_binary_without_error_while_they_fit() -> None:
    values = np.array([1.0, 2.0, 3.5])
    counts = np.array([5, 1, 12])

    state = _kll.from_counts(values, counts, K)

    assert state.n == 18
    expected = _true_ranks(np.repeat(values, counts), values)
    assert list(_ranks(_kll.encode(state), values)) == list(expected)


@pytest.mark.parametrize(
    "make",
    [
        lambda rng, n: rng.normal(size=n),
        lambda rng, n: rng.lognormal(0.0, 2.0, n),
        lambda rng, n: rng.pareto(1.5, n),
        lambda rng, n: np.where(rng.random(n) < 0.6, 0.0, rng.lognormal(size=n)),
        lambda rng, n: np.round(rng.normal(100.0, 15.0, n), 1),
    ],
    ids=["normal", "lognormal", "pareto", "zero-inflated", "discretized"],
)
def test_rank_error_stays_within_kll_bound_after_many_merges(make: object) -> None:
    rng = np.random.default_rng(8)
    parts = [make(rng, 25_000) for _ in range(40)]  # type: ignore[operator]
    states = (_kll.from_sorted(np.sort(p), K) for p in parts)

    merged = reduce(_kll.merge, states)

    whole = np.concatenate(parts)
    assert merged.n == whole.size
    # DataSketches' a-priori bound for k=200 (99% confidence, one query): 1.33%.
    assert _max_rank_error(_kll.encode(merged), whole) <= 0.0133


def test_the_extreme_values_keep_their_own_weight() -> None:
    data = np.random.default_rng(9).lognormal(0.0, 2.0, 1_000_000)
    ordered = np.sort(data)

    blob = _kll.encode(_kll.from_sorted(ordered, K))

    items = sorted(ds.kll_doubles_sketch.deserialize(blob), key=lambda vw: vw[0])
    assert [v for v, w in items[:2]] == list(ordered[:2])
    assert [v for v, w in items[-2:]] == list(ordered[-2:])
    assert {w for _, w in items[:2] + items[-2:]} == {1}


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.lists(st.integers(1, 20_000), min_size=1, max_size=6),
)
def test_merged_chunks_count_every_value_and_stay_in_capacity(
    seed: int, sizes: list[int]
) -> None:
    rng = np.random.default_rng(seed)
    parts = [rng.normal(size=s) for s in sizes]

    merged = reduce(_kll.merge, (_kll.from_sorted(np.sort(p), K) for p in parts))

    assert merged.n == sum(sizes)
    assert merged.retained <= _kll.total_capacity(K, len(merged.levels))
    assert all(np.all(np.diff(level) >= 0) for level in merged.levels)
    weights = sum(level.size << h for h, level in enumerate(merged.levels))
    assert weights == merged.n


@pytest.mark.parametrize(
    "blob", [b"", b"\x05\x01\x0f", b"\x02\x01\x07\x01\xc8\x00\x08\x00"]
)
def test_bytes_that_are_not_a_kll_sketch_are_refused(blob: bytes) -> None:
    with pytest.raises(ValueError):
        _kll.decode(blob)


needs_c = pytest.mark.skipif(_kll._native is None, reason="built without a C compiler")


def _same(a: _kll.KllState, b: _kll.KllState) -> None:
    """The same sketch, to the bit (-0.0 and 0.0 told apart)."""
    assert (a.k, a.n, a.min, a.max) == (b.k, b.n, b.min, b.max)
    assert len(a.levels) == len(b.levels)
    for x, y in zip(a.levels, b.levels, strict=True):
        assert x.dtype == y.dtype == np.float64
        assert x.tobytes() == y.tobytes()
    assert _kll.encode(a) == _kll.encode(b)


VALUES = st.lists(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, 1e300, -1e300, 5e-324])
    | st.floats(allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=3_000,
)


@needs_c
@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(VALUES, min_size=1, max_size=4),
    k=st.sampled_from([8, 20, 200]),
    counted=st.booleans(),
)
def test_the_compiled_compaction_makes_the_numpy_sketch(
    parts: list[list[float]], k: int, counted: bool
) -> None:
    """From sorted values, from counts and by merges, the C compaction (``_kllcore``)
    gives the sketch the numpy loop gives, to the bit: zeros of either sign, ties
    between levels, tiny k; many items (``test_many_items``)."""

    def build() -> _kll.KllState:
        sketches = []
        for values in parts:
            x = np.sort(np.array(values))
            if counted:
                distinct, counts = np.unique(x, return_counts=True)
                sketches.append(_kll.from_counts(distinct, counts * 37, k))
            else:
                sketches.append(_kll.from_sorted(x, k))
        return reduce(_kll.merge, sketches)

    compiled = build()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_kll, "_native", None)
        _same(compiled, build())


@needs_c
@pytest.mark.parametrize("n", [1, 7, 200, 201, 125_000, 1_000_003])
def test_many_items(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.sort(np.random.default_rng(n).lognormal(size=n))
    compiled = _kll.from_sorted(x, K)
    merged = _kll.merge(compiled, _kll.from_sorted(x[: max(1, n // 3)], K))
    monkeypatch.setattr(_kll, "_native", None)
    _same(compiled, _kll.from_sorted(x, K))
    _same(
        merged,
        _kll.merge(_kll.from_sorted(x, K), _kll.from_sorted(x[: max(1, n // 3)], K)),
    )


@needs_c
def test_the_compiled_compaction_refuses_what_is_not_levels() -> None:
    assert _kll._native is not None
    with pytest.raises(ValueError, match="whole number"):
        _kll._native.compacted(K, 3, [b"12345"])
    with pytest.raises(ValueError, match="k must be"):
        _kll._native.compacted(0, 3, [np.zeros(3)])
    with pytest.raises(TypeError):
        _kll._native.compacted(K, 3, (np.zeros(3),))


def test_the_install_built_the_kll_compaction() -> None:
    # `make` installs pipewarden with its C modules; PIPEWARDEN_PURE_PYTHON=1 opts out.
    import os

    assert (_kll._native is not None) is not bool(
        os.environ.get("PIPEWARDEN_PURE_PYTHON")
    )
