"""The KLL sketch worker process: same sketches as in-process, and a safe fallback."""

from __future__ import annotations

import datasketches as ds
import numpy as np
import polars as pl
import pytest

from pipewarden.engines import _kll_worker, local
from pipewarden.engines.local import WORKER_MIN_VALUES, LocalEngine
from pipewarden.profiles.sketches import KLL_K, Quantiles

# KLL k=200: about 1.65% normalised rank error (99% confidence); 0.03 leaves room for
# merging chunks, as in tests/profiles/test_sketches.py.
RANK_TOLERANCE = 0.03


def _rank_errors(q: Quantiles, data: np.ndarray) -> float:
    ordered = np.sort(data)
    ranks = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    values = np.array(q.quantiles(list(ranks)))
    found = np.searchsorted(ordered, values, side="right") / ordered.size
    return float(np.abs(found - ranks).max())


def test_the_worker_sketches_with_the_profiles_k() -> None:
    assert _kll_worker.K == KLL_K


def test_a_worker_sketch_holds_every_value_within_the_rank_error() -> None:
    worker = _kll_worker.KllWorker()
    try:
        data = np.random.default_rng(1).lognormal(2.0, 1.0, 300_000)
        first = worker.sketch(data)
        bigger = np.random.default_rng(2).normal(size=700_000)  # the buffer grows
        second = worker.sketch(bigger)
    finally:
        worker.close()
    for blob, values in ((first, data), (second, bigger)):
        sketch = ds.kll_doubles_sketch.deserialize(blob)
        assert sketch.n == values.size
        assert sketch.get_min_value() == values.min()
        assert sketch.get_max_value() == values.max()
        assert _rank_errors(Quantiles(blob), values) <= RANK_TOLERANCE


def test_a_dead_worker_raises_and_profiling_falls_back_in_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker = _kll_worker.KllWorker()
    worker.sketch(np.arange(10.0))
    worker._proc.kill()  # a real crash of the child process
    worker._proc.wait()
    with pytest.raises(_kll_worker.WorkerError):
        worker.sketch(np.arange(WORKER_MIN_VALUES, dtype=np.float64))
    monkeypatch.setattr(_kll_worker, "_shared", worker)
    monkeypatch.setattr(_kll_worker, "_broken", False)
    data = np.random.default_rng(3).normal(size=WORKER_MIN_VALUES)
    q = local._quantiles(data)  # the worker fails: sketched here instead
    assert q.n == data.size and _rank_errors(q, data) <= RANK_TOLERANCE
    assert _kll_worker.shared_worker() is None  # and not tried again
    monkeypatch.setattr(_kll_worker, "_broken", False)


def test_large_columns_profile_through_the_worker_like_small_ones() -> None:
    rng = np.random.default_rng(4)
    n = 2 * WORKER_MIN_VALUES
    frame = pl.DataFrame(
        {"x": rng.normal(10.0, 2.0, n), "k": rng.integers(0, 10**9, n)}
    )
    prof = LocalEngine().profile_frame(frame)
    for name in ("x", "k"):
        values = frame.get_column(name).cast(pl.Float64).to_numpy()
        assert prof[name].quantiles.n == n
        assert _rank_errors(prof[name].quantiles, values) <= RANK_TOLERANCE
