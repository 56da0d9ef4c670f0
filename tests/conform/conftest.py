"""A small contract and gate shared by the conform tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pipewarden.conform import Gate
from pipewarden.contracts.model import Contract

CONTRACT: dict[str, Any] = {
    "name": "customers",
    "policies": {"unexpected_columns": "drop", "missing_columns": "fill"},
    "columns": {
        "age": {
            "kind": "integer",
            "dtype": "Int64",
            "nullable": False,
            "range": {"min": 0, "max": 120},
            "conform": {
                "on_out_of_range": "quarantine",
                "impute": "median",
                "median": 40.0,
                "on_missing": "fail",
            },
        },
        "income": {
            "kind": "float",
            "dtype": "Float64",
            "range": {"min": 0, "max": 1_000_000},
            "conform": {
                "on_out_of_range": "clip",
                "impute": "median",
                "median": 1000.0,
                "on_missing": "median",
            },
        },
        "plan": {
            "kind": "categorical",
            "dtype": "String",
            "nullable": False,
            "categories": ["bronze", "gold", "silver"],
            "conform": {
                "normalize": True,
                "on_unseen": "quarantine",
                "impute": "mode",
                "mode": "gold",
                "on_missing": "mode",
            },
        },
        "region": {
            "kind": "categorical",
            "dtype": "String",
            "conform": {"impute": "mode", "mode": "north", "on_missing": "mode"},
        },
    },
}


def _make_contract(**changes: Any) -> Contract:
    return Contract.from_dict({**CONTRACT, **changes})


@pytest.fixture(scope="session")
def make_contract() -> Callable[..., Contract]:
    """Build the test contract, with top-level keys replaced."""
    return _make_contract


@pytest.fixture(scope="session")
def contract_columns() -> list[str]:
    """The test contract's columns, in order."""
    return list(CONTRACT["columns"])


@pytest.fixture
def contract() -> Contract:
    return _make_contract()


@pytest.fixture
def gate(contract: Contract) -> Gate:
    return Gate(contract)
