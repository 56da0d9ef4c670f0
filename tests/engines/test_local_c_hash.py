"""The local engine's profiles are the same with the C hash and without it (numpy).

An install without a C compiler must give every user the same profile bytes, and so
the same distinct counts, findings and merges, as one with it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

import pipewarden as pw
from pipewarden.profiles import hashing


def _frame() -> pl.DataFrame:
    rng = np.random.default_rng(9)
    n = 40_000
    text = [
        None if i % 11 == 0 else f"free text number {i} with words " * (i % 3)
        for i in range(n)
    ]
    return pl.DataFrame(
        {
            "ids": [f"id-{i}" for i in rng.permutation(n)],
            "text": text,
            "short": [None if i % 5 == 0 else f"s{i % 20_000}" for i in range(n)],
            "cat": pl.Series(rng.choice(["a", "b", "ç"], n)).cast(pl.Categorical),
            "floats": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "ints": rng.integers(0, 10**12, n),
            "t": [datetime(2024, 1, 1) + timedelta(seconds=int(s)) for s in range(n)],
        }
    )


@pytest.mark.skipif(not hashing.native(), reason="built without the C module")
def test_a_profile_is_the_same_with_and_without_the_c_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = _frame()
    with_c = pw.profile(frame, chunk_rows=7_000)
    monkeypatch.setattr(hashing, "_native", None)
    without = pw.profile(frame, chunk_rows=7_000)

    assert json.dumps(with_c.to_dict(), sort_keys=True) == json.dumps(
        without.to_dict(), sort_keys=True
    )
    assert with_c.columns["ids"].distinct.estimate == pytest.approx(40_000, rel=0.05)
