"""The gate's plan: every column's policies resolved once from the contract.

Both paths read the same plan, so a policy means the same thing for a batch and for
one record. Resolution rules the contract leaves implicit:

- ``on_null: keep`` on a column declared ``nullable: false`` cannot keep the null:
  it is imputed from the column's ``impute`` source when that has a value, and the
  row is quarantined otherwise.
- A column filled because it is missing (``on_missing``) is not null-checked: the
  contract chose its value.
- The label column (``dataset.label``) may be absent (scoring batches have none); it
  is then left out of the frame instead of failing or being filled.
- ``normalize`` applies to columns with ``categories``: a value equal to a category
  once surrounding whitespace is stripped and case folded is mapped to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipewarden._text import interval
from pipewarden.checks import codes
from pipewarden.conform._target import Target, parse_target
from pipewarden.conform.coerce import FAIL, WHITESPACE, Coercer, coercer
from pipewarden.contracts.model import (
    CoerceAction,
    ColumnSpec,
    Contract,
    MissingColumnsPolicy,
    NullAction,
    RangeAction,
    UnexpectedColumnsPolicy,
    UnseenAction,
)
from pipewarden.errors import ContractError


def fold(text: str) -> str:
    """The key under which whitespace- and case-variants of a category meet."""
    return text.strip(WHITESPACE).lower()


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """How the gate treats one contract column, in both paths."""

    name: str
    index: int
    spec: ColumnSpec
    target: Target
    read: Coercer
    is_label: bool = False
    datetime_format: str | None = None
    on_coerce_error: CoerceAction = "null"
    categories: frozenset[str] | None = None
    variants: Mapping[str, str] = field(default_factory=dict)
    normalize: bool = False
    on_unseen: UnseenAction = "keep"
    fallback: str | None = None
    low: float | None = None
    high: float | None = None
    on_out_of_range: RangeAction = "keep"
    on_null: NullAction = "keep"
    fill: Any = None
    fill_source: str = ""
    on_missing: MissingColumnsPolicy = "fail"
    """Resolved: ``fill`` when the batch policy fills and the column says how."""
    missing_value: Any = None
    missing_source: str = "null"

    @property
    def has_range(self) -> bool:
        return self.low is not None or self.high is not None

    @property
    def bounds_text(self) -> str:
        return interval(self.low, self.high)

    def reason(self, check: str) -> str:
        """The text of the quarantine ``reason`` column for this column and check."""
        if check == codes.SCHEMA_TYPE_MISMATCH:
            return f"value cannot be read as {self.target.text}"
        if check == codes.CATEGORY_UNSEEN:
            return f"value is not one of the {len(self.categories or ())} categories"
        if check == codes.RANGE_OUT_OF_BOUNDS:
            return f"value is outside {self.bounds_text}"
        if not self.spec.nullable:
            return "null value in a column that must not be null"
        return "null value (conform.on_null: quarantine)"


@dataclass(frozen=True, slots=True)
class GatePlan:
    """The plans of all contract columns, in contract order, plus the batch policies."""

    columns: tuple[ColumnPlan, ...]
    unexpected_columns: UnexpectedColumnsPolicy
    missing_columns: MissingColumnsPolicy
    label: str | None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def build_plan(contract: Contract) -> GatePlan:
    """Resolve every column's policies.

    Raises:
        ContractError: A policy needs a value the contract does not give (a fallback,
            an imputation value) or a value does not fit the column's dtype.
    """
    label = contract.dataset.label.column if contract.dataset.label else None
    columns = tuple(
        _column_plan(name, spec, index, contract, is_label=name == label)
        for index, (name, spec) in enumerate(contract.columns.items())
    )
    return GatePlan(
        columns=columns,
        unexpected_columns=contract.policies.unexpected_columns,
        missing_columns=contract.policies.missing_columns,
        label=label,
    )


def _column_plan(
    name: str, spec: ColumnSpec, index: int, contract: Contract, *, is_label: bool
) -> ColumnPlan:
    target = parse_target(spec.dtype, column=name)
    conform = spec.conform
    read = coercer(target, conform.datetime_format)
    categories = _categories(spec, target)
    fill, fill_source = _impute_value(name, spec, target, read)
    return ColumnPlan(
        name=name,
        index=index,
        spec=spec,
        target=target,
        read=read,
        is_label=is_label,
        datetime_format=conform.datetime_format,
        on_coerce_error=conform.on_coerce_error,
        categories=frozenset(categories) if categories is not None else None,
        variants=_variants(categories or []),
        normalize=conform.normalize and categories is not None,
        on_unseen=conform.on_unseen if categories is not None else "keep",
        fallback=_fallback(name, spec, categories),
        **_bounds(spec, target),
        on_out_of_range=conform.on_out_of_range if target.is_numeric else "keep",
        on_null=_null_action(name, spec, fill),
        fill=fill,
        fill_source=fill_source,
        on_missing="fill"
        if (
            contract.policies.missing_columns == "fill" and conform.on_missing != "fail"
        )
        else "fail",
        **_missing_value(name, spec, target, read),
    )


def _categories(spec: ColumnSpec, target: Target) -> list[str] | None:
    if target.family != "string":
        return None
    if spec.categories is not None:
        return list(spec.categories)
    return list(target.enum) if target.enum is not None else None


def _variants(categories: list[str]) -> dict[str, str]:
    variants: dict[str, str] = {}
    for category in categories:
        variants.setdefault(fold(category), category)
    return variants


def _fallback(name: str, spec: ColumnSpec, categories: list[str] | None) -> str | None:
    if spec.conform.on_unseen != "fallback" or categories is None:
        return None
    if spec.conform.fallback is None:
        raise ContractError(
            f"Column '{name}' has `conform.on_unseen: fallback` but no "
            "`conform.fallback`. Add `fallback: <category>` to its conform block, or "
            "choose keep, null or quarantine."
        )
    return spec.conform.fallback


def _bounds(spec: ColumnSpec, target: Target) -> dict[str, Any]:
    rng = spec.range
    if rng is None or not target.is_numeric:
        return {}
    low, high = rng.min, rng.max
    if target.family == "integer":
        # Bounds the dtype cannot break are no bounds (and could not be clipped to).
        assert target.low is not None and target.high is not None
        int_low = None if low is None else math.ceil(low)
        int_high = None if high is None else math.floor(high)
        return {
            "low": None if int_low is None or int_low <= target.low else int_low,
            "high": None if int_high is None or int_high >= target.high else int_high,
        }
    read = coercer(target)
    return {
        "low": None if low is None else read(low),
        "high": None if high is None else read(high),
    }


def _read_value(name: str, what: str, value: Any, target: Target, read: Coercer) -> Any:
    if value is None:
        return None
    if target.family == "integer" and isinstance(value, float) and math.isfinite(value):
        value = round(value)
    result = read(value)
    if result is FAIL:
        raise ContractError(
            f"Column '{name}' has {what} {value!r}, which cannot be read as "
            f"{target.text}. Fix the value in the contract's conform block."
        )
    return result


_FILL_WORDS = {
    "default": "the default",
    "median": "the reference median",
    "mode": "the reference mode",
}


def _fill(
    name: str, spec: ColumnSpec, source: str, target: Target, read: Coercer
) -> tuple[Any, str]:
    """The contract's ``conform.<source>`` value read as the column's type, and how
    to name it ("the reference median 42.0")."""
    conform = spec.conform
    raw = {"default": conform.default, "median": conform.median, "mode": conform.mode}[
        source
    ]
    value = _read_value(name, f"`conform.{source}`", raw, target, read)
    return value, f"{_FILL_WORDS[source]} {value!r}"


def _impute_value(
    name: str, spec: ColumnSpec, target: Target, read: Coercer
) -> tuple[Any, str]:
    value, words = _fill(name, spec, spec.conform.impute, target, read)
    return value, words if value is not None else ""


def _null_action(name: str, spec: ColumnSpec, fill: Any) -> NullAction:
    action = spec.conform.on_null
    if action == "impute" and fill is None:
        raise ContractError(
            f"Column '{name}' has `conform.on_null: impute` from "
            f"`{spec.conform.impute}`, but the contract gives no "
            f"`conform.{spec.conform.impute}` value. Add one, or set `on_null` to keep "
            "or quarantine."
        )
    if action == "keep" and not spec.nullable:
        return "impute" if fill is not None else "quarantine"
    return action


def _missing_value(
    name: str, spec: ColumnSpec, target: Target, read: Coercer
) -> dict[str, Any]:
    how = spec.conform.on_missing
    if how in ("fail", "null"):
        return {"missing_value": None, "missing_source": "null"}
    value, words = _fill(name, spec, how, target, read)
    if value is None:
        return {
            "missing_value": None,
            "missing_source": f"null (no {how} in the contract)",
        }
    return {"missing_value": value, "missing_source": words}
