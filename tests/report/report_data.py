"""Seeded frames with hostile column names and values, shared by the report tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

EVIL_COLUMN = "<script>alert(1)</script>"
EVIL_VALUE = "</script><script>alert(2)</script>"
ROWS = 3000


def make_frame(
    seed: int, *, shift: float = 0.0, null_share: float = 0.0
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.normal(100 + shift, 10, ROWS)
    amount_list: list[float | None] = [
        None if rng.random() < null_share else float(v) for v in amount
    ]
    cities = rng.choice(
        ["paris", "lyon", EVIL_VALUE, "nice & co"], ROWS, p=[0.5, 0.3, 0.1, 0.1]
    )
    start = dt.datetime(2024, 1, 1)
    return pl.DataFrame(
        {
            "amount": amount_list,
            EVIL_COLUMN: rng.lognormal(1 + shift / 20, 1, ROWS),
            "city": cities.tolist(),
            "flag": (rng.random(ROWS) < 0.3).tolist(),
            "qty": rng.poisson(3, ROWS).tolist(),
            "ts": [start + dt.timedelta(minutes=i) for i in range(ROWS)],
            "comment": [
                f"free text number {i} with several words" for i in range(ROWS)
            ],
        }
    )
