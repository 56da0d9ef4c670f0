"""Policies resolved from the contract, and the contract mistakes the gate refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pipewarden.conform.plan import build_plan, fold
from pipewarden.contracts.model import Contract
from pipewarden.errors import ContractError


def _plan_of(spec: dict[str, Any], **policies: str) -> Any:
    contract = Contract.from_dict({"policies": policies, "columns": {"x": spec}})
    return build_plan(contract).columns[0]


def test_never_null_column_with_keep_imputes_when_it_can() -> None:
    plan = _plan_of(
        {
            "kind": "float",
            "dtype": "Float64",
            "nullable": False,
            "conform": {"impute": "median", "median": 3.0},
        }
    )
    assert (plan.on_null, plan.fill) == ("impute", 3.0)


def test_never_null_column_with_nothing_to_impute_quarantines() -> None:
    plan = _plan_of({"kind": "text", "dtype": "String", "nullable": False})
    assert plan.on_null == "quarantine"


def test_integer_median_is_rounded_to_fit_the_dtype() -> None:
    plan = _plan_of(
        {
            "kind": "integer",
            "dtype": "Int64",
            "nullable": False,
            "conform": {"impute": "median", "median": 3.5},
        }
    )
    assert plan.fill == 4


def test_missing_columns_fill_only_when_both_policies_allow() -> None:
    spec = {
        "kind": "float",
        "dtype": "Float64",
        "conform": {"on_missing": "median", "median": 1.0},
    }
    assert _plan_of(spec).on_missing == "fail"
    assert _plan_of(spec, missing_columns="fill").on_missing == "fill"


def test_impute_without_a_value_is_a_contract_error() -> None:
    with pytest.raises(ContractError) as info:
        _plan_of(
            {
                "kind": "float",
                "dtype": "Float64",
                "conform": {"on_null": "impute", "impute": "median"},
            }
        )
    assert str(info.value) == (
        "Column 'x' has `conform.on_null: impute` from `median`, but the contract gives "
        "no `conform.median` value. Add one, or set `on_null` to keep or quarantine."
    )


def test_a_default_that_does_not_fit_the_dtype_is_a_contract_error() -> None:
    with pytest.raises(ContractError) as info:
        _plan_of(
            {
                "kind": "integer",
                "dtype": "Int64",
                "conform": {"impute": "default", "default": "many"},
            }
        )
    assert str(info.value) == (
        "Column 'x' has `conform.default` 'many', which cannot be read as Int64. Fix "
        "the value in the contract's conform block."
    )


def test_variants_fold_whitespace_and_case(
    make_contract: Callable[..., Contract],
) -> None:
    plan = build_plan(make_contract()).columns[2]
    assert fold("  GOLD\t") == "gold"
    assert plan.variants["gold"] == "gold"


def test_reasons_name_the_rule(make_contract: Callable[..., Contract]) -> None:
    plan = build_plan(make_contract()).columns[0]
    assert plan.reason("range.out_of_bounds") == "value is outside [0, 120]"
    assert plan.reason("schema.type_mismatch") == "value cannot be read as Int64"
