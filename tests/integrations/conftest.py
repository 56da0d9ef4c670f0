"""Fixtures of the integration tests: a data repository for the pre-commit hook and
the Action (``data_repo``), and the scheduler tests' batches (``batches``, see
integration_data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from integration_data import Batches, make_batches

import pipewarden as pw

ROWS = 300


def _frame(seed: int, *, bad: bool = False) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "gold"], ROWS)
    if bad:
        plan[:30] = "platinum"
    return pl.DataFrame(
        {"id": np.arange(ROWS), "amount": rng.uniform(10, 20, ROWS), "plan": plan}
    )


@pytest.fixture
def data_repo(tmp_path: Path) -> Path:
    """data/orders/{good,bad}.csv, data/notes.csv (no rule), contracts/orders.yaml,
    and pipewarden-contracts.yaml mapping data/orders/*.csv to the contract."""
    root = tmp_path / "repo"
    (root / "data" / "orders").mkdir(parents=True)
    (root / "contracts").mkdir()
    reference = _frame(1)
    pw.dump_contract(
        pw.infer_contract(pw.profile(reference)), root / "contracts" / "orders.yaml"
    )
    _frame(2).write_csv(root / "data" / "orders" / "good.csv")
    _frame(3, bad=True).write_csv(root / "data" / "orders" / "bad.csv")
    pl.DataFrame({"note": ["x"]}).write_csv(root / "data" / "notes.csv")
    (root / "pipewarden-contracts.yaml").write_text(
        "fail_on: error\n"
        "contracts:\n"
        '  - files: "data/orders/*.csv"\n'
        "    contract: contracts/orders.yaml\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def batches(tmp_path: Path) -> Batches:
    return make_batches(tmp_path)
