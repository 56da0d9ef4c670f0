"""Every displayable result, built from seeded frames whose names and values are
hostile markup, for the notebook, terminal, browser and kernel tests."""

from __future__ import annotations

import numpy as np
import polars as pl

import pipewarden as pw

EVIL = "<img src=x onerror=alert(1)>"
"""A column name and a category value that runs a script if it reaches the page."""
ROWS = 2000


def frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(7)
    reference = pl.DataFrame(
        {
            "amount": rng.normal(100, 10, ROWS),
            "plan": rng.choice(["basic", "gold", EVIL], ROWS, p=[0.5, 0.3, 0.2]),
            EVIL: rng.integers(0, 5, ROWS),
        }
    )
    current = pl.DataFrame(
        {
            "amount": rng.normal(115, 10, ROWS),
            "plan": rng.choice(["basic", "gold", "[bold]x"], ROWS, p=[0.4, 0.3, 0.3]),
            EVIL: rng.integers(0, 5, ROWS),
        }
    )
    return reference, current


def results() -> dict[str, object]:
    """name -> result, one of each displayable type."""
    reference, current = frames()
    profile = pw.profile(reference)
    contract = pw.infer_contract(profile)
    gate = pw.Gate(contract)
    return {
        "profile": profile,
        "contract": contract,
        "check": pw.check(current, contract, reference=profile),
        "drift": pw.compare(reference, current),
        "conform": gate.conform(current),
        "record": gate.conform_record({"amount": "12.5", "plan": "gold", EVIL: 1}),
    }
