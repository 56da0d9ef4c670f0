"""Batches for the scheduler integration tests: one that passes its contract, one with a
warning only (3 amounts far out of range) and one that fails (50 null amounts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

import pipewarden as pw
from pipewarden.contracts.yaml_io import dump_contract

ROWS = 500
NULLS = 50
OUT_OF_RANGE = 3


@dataclass(frozen=True)
class Batches:
    contract: Path
    good: Path
    warn: Path
    bad: Path
    store: str

    def frame(self, which: str) -> pl.DataFrame:
        return pl.read_parquet(getattr(self, which))


def reference_frame(seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "id": np.arange(ROWS),
            "amount": rng.normal(100, 10, ROWS),
            "country": rng.choice(["FR", "DE", "US"], ROWS),
        }
    )


def make_batches(tmp_path: Path) -> Batches:
    reference = reference_frame()
    contract = tmp_path / "orders.yaml"
    dump_contract(pw.infer_contract(pw.profile(reference), name="orders"), contract)
    good = reference_frame(seed=1)
    warn = good.with_columns(
        pl.when(pl.col("id") < OUT_OF_RANGE)
        .then(1000.0)
        .otherwise(pl.col("amount"))
        .alias("amount")
    )
    bad = good.with_columns(
        pl.when(pl.col("id") < NULLS)
        .then(None)
        .otherwise(pl.col("amount"))
        .alias("amount")
    )
    paths = {}
    for name, frame in {"good": good, "warn": warn, "bad": bad}.items():
        paths[name] = tmp_path / f"{name}.parquet"
        frame.write_parquet(paths[name])
    store = f"sqlite:///{tmp_path / 'store.db'}"
    return Batches(contract, paths["good"], paths["warn"], paths["bad"], store)
