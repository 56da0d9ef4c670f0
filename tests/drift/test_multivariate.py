from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pipewarden.checks.findings import Severity
from pipewarden.drift import RowSampler, compare, domain_classifier
from pipewarden.engines.local import LocalEngine


def correlated(rng: np.random.Generator, n: int, rho: float) -> pl.DataFrame:
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
    return pl.DataFrame(
        {
            "a": z[:, 0],
            "b": z[:, 1],
            "noise": rng.normal(size=n),
            "cat": rng.choice(["x", "y", "z"], n),
            "row_id": np.arange(n),
        }
    )


def test_a_flipped_correlation_is_caught_while_every_column_looks_the_same(rng):
    ref, cur = correlated(rng, 20_000, 0.8), correlated(rng, 20_000, -0.8)
    engine = LocalEngine()
    report = compare(
        engine.profile_frame(ref), engine.profile_frame(cur), samples=(ref, cur)
    )
    assert report.drifted == []
    m = report.multivariate
    assert m is not None and m.drifted and m.auc > 0.7
    assert m.severity is Severity.ERROR
    assert {c for c, _ in m.importance[:2]} == {"a", "b"}
    assert "row_id" not in m.columns
    assert m.finding().check == "drift.multivariate"
    assert (
        "relying most on 'a', 'b'" in m.message
        or "relying most on 'b', 'a'" in m.message
    )


def test_the_same_distribution_is_not_separable(rng):
    ref, cur = correlated(rng, 10_000, 0.5), correlated(rng, 10_000, 0.5)
    m = domain_classifier(ref, cur, exclude={"row_id"})
    assert m is not None and not m.drifted
    assert m.auc == pytest.approx(0.5, abs=0.03)
    assert m.importance == ()
    assert m.message.startswith("A classifier cannot tell current rows from reference")


def test_nulls_and_categories_are_usable_features(rng):
    n = 5_000
    ref = pl.DataFrame({"v": rng.normal(size=n), "c": rng.choice(["p", "q"], n)})
    cur = pl.DataFrame(
        {
            "v": np.where(rng.random(n) < 0.4, np.nan, rng.normal(size=n)),
            "c": rng.choice(["p", "q", "r"], n),
        }
    ).with_columns(pl.col("v").fill_nan(None))
    m = domain_classifier(ref, cur)
    assert m is not None and m.drifted and set(dict(m.importance)) == {"v", "c"}


def test_too_few_rows_or_no_usable_column_gives_no_result(rng):
    assert (
        domain_classifier(
            pl.DataFrame({"v": [1.0] * 5}), pl.DataFrame({"v": [2.0] * 5})
        )
        is None
    )
    assert (
        domain_classifier(
            pl.DataFrame({"v": [1.0] * 50}),
            pl.DataFrame({"v": [2.0] * 50}),
            exclude={"v"},
        )
        is None
    )


def test_row_sampler_keeps_a_bounded_uniform_sample_whatever_the_chunks():
    frames = [
        pl.DataFrame({"i": np.arange(k, k + 10_000)}) for k in range(0, 100_000, 10_000)
    ]
    sampler = RowSampler(rows=5_000, seed=1)
    passed = list(sampler.tap(frames))
    assert passed == frames
    sample = sampler.sample()
    assert sample.height == 5_000 and sample.columns == ["i"]
    assert sample.get_column("i").n_unique() == 5_000
    # Uniform: each tenth of the rows holds about a tenth of the sample.
    per_tenth = np.bincount(sample.get_column("i").to_numpy() // 10_000, minlength=10)
    assert per_tenth.min() > 400 and per_tenth.max() < 600


def test_row_sampler_keeps_everything_below_its_size():
    sampler = RowSampler(rows=100)
    sampler.add(pl.DataFrame({"i": [1, 2, 3]}))
    assert sorted(sampler.sample().get_column("i").to_list()) == [1, 2, 3]
    assert RowSampler().sample().height == 0
