"""pandera schemas (``DataFrameSchema.to_yaml()`` / ``to_json()``) to pipewarden
contracts, and contracts back to a YAML that ``pandera.io.from_yaml`` reads.

pandera itself is not needed: both directions work on the serialised form. Checks are
read in each shape pandera has written (flat ``check_name: value`` keys on a column, a
``checks`` mapping, or a ``checks`` list with ``options.check_name``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from pipewarden.contracts.interop._draft import ColumnDraft, ContractDraft
from pipewarden.contracts.interop._dtypes import pandas_dtype
from pipewarden.contracts.model import ColumnSpec, Contract, UnexpectedColumnsPolicy
from pipewarden.errors import ContractParseError

_COLUMN_KEYS = frozenset(
    {
        "title",
        "description",
        "dtype",
        "nullable",
        "checks",
        "name",
        "unique",
        "coerce",
        "required",
        "regex",
        "default",
        "report_duplicates",
        "drop_invalid_rows",
    }
)
"""Keys of a serialised column that are not checks (pandera's reserved keys)."""
_CHECK_OPTIONS = frozenset(
    {"check_name", "ignore_na", "raise_warning", "n_failure_cases", "error", "name"}
)
_STRICT: dict[Any, UnexpectedColumnsPolicy] = {
    True: "fail",
    "filter": "drop",
    False: "keep",
    None: "keep",
}
_SCHEMA_DEFAULTS: dict[str, Any] = {
    "dtype": None,
    "ordered": False,
    "unique_column_names": False,
    "add_missing_columns": False,
    "drop_invalid_rows": False,
    "index": None,
}
"""Schema options pipewarden cannot hold, with the value that needs no saying."""


# ---------------------------------------------------------------------- import


def draft_from_schema(schema: Mapping[str, Any], *, source: str) -> ContractDraft:
    """Gather a serialised pandera DataFrameSchema into a contract draft.

    Raises:
        ContractParseError: The document is not a pandera DataFrameSchema.
    """
    columns = schema.get("columns")
    if schema.get("schema_type") != "dataframe" or not isinstance(columns, Mapping):
        raise ContractParseError(
            "not a pandera DataFrameSchema: expected 'schema_type: dataframe' and "
            "'columns'. Write one with schema.to_yaml(), or pass --from gx for a "
            "Great Expectations suite.",
            file=source,
        )
    name = schema.get("name")
    draft = ContractDraft(source=source, name=str(name) if name else None)
    strict = schema.get("strict", False)
    draft.unexpected_columns = _STRICT.get(strict, "keep")
    for key, default in _SCHEMA_DEFAULTS.items():
        if schema.get(key, default) not in (default, None, [], {}):
            draft.skip(f"schema option {key}: {schema[key]!r} has no equivalent")
    for line in _checks(schema.get("checks")):
        draft.skip(f"dataframe check {line[0]}: no pipewarden equivalent")
    for column_name, spec in columns.items():
        _column(draft, str(column_name), spec or {}, coerce=bool(schema.get("coerce")))
    unique = schema.get("unique")
    if isinstance(unique, str):
        unique = [unique]
    if unique:
        if len(unique) == 1:
            draft.column(str(unique[0])).unique = True
        else:
            draft.skip(f"unique {list(unique)}: unique combinations have no equivalent")
    return draft


def _column(
    draft: ContractDraft, name: str, spec: Mapping[str, Any], *, coerce: bool
) -> None:
    column = draft.column(name)
    where = f"column '{name}'"
    dtype = spec.get("dtype")
    if dtype is not None:
        draft.set_type(name, str(dtype), where=where)
    column.nullable = bool(spec.get("nullable", False))
    column.unique = bool(spec.get("unique", False))
    column.coerce = bool(spec.get("coerce", False)) or coerce
    if spec.get("required", True) is False:
        draft.skip(
            f"{where}: required: false has no equivalent (a missing column fails)"
        )
    if spec.get("regex"):
        draft.skip(f"{where}: regex column names have no equivalent")
    if spec.get("default") is not None:
        draft.skip(f"{where}: default {spec['default']!r} is not kept")
    checks = {k: v for k, v in spec.items() if k not in _COLUMN_KEYS}
    for check, value, options in [*_checks(checks), *_checks(spec.get("checks"))]:
        if options.get("raise_warning"):
            draft.skip(f"{where}: {check} only warns in pandera; left out")
        elif options.get("ignore_na") is False:
            draft.skip(f"{where}: {check} with ignore_na: false is not mapped")
        elif not _check(column, check, value):
            draft.skip(f"{where}: check {check} {_short(value)} has no equivalent")


def _checks(checks: Any) -> Iterator[tuple[str, Any, Mapping[str, Any]]]:
    """(check name, its statistics, its options) of each serialised shape."""
    if isinstance(checks, Mapping):
        for name, value in checks.items():
            options: Mapping[str, Any] = {}
            if isinstance(value, Mapping):
                options = {k: v for k, v in value.items() if k in _CHECK_OPTIONS}
                stats = {k: v for k, v in value.items() if k not in _CHECK_OPTIONS}
                if isinstance(value.get("options"), Mapping):
                    options = value["options"]
                    stats.pop("options", None)
                value = stats.get("value", stats) if len(stats) <= 1 else stats
            yield str(name), value, options
    elif isinstance(checks, list):
        for entry in checks:
            if not isinstance(entry, Mapping):
                continue
            options = entry.get("options") or {}
            stats = {k: v for k, v in entry.items() if k != "options"}
            value = stats.get("value", stats) if len(stats) <= 1 else stats
            yield str(options.get("check_name", "?")), value, options


def _check(column: ColumnDraft, check: str, value: Any) -> bool:
    """Apply one column check to the draft; False when it has no equivalent."""
    if check in ("greater_than_or_equal_to", "ge") and _is_number(value):
        column.tighten_min(float(value))
    elif check in ("less_than_or_equal_to", "le") and _is_number(value):
        column.tighten_max(float(value))
    elif check in ("greater_than", "gt") and _is_number(value) and _whole(column):
        column.tighten_min(float(value) + 1)
    elif check in ("less_than", "lt") and _is_number(value) and _whole(column):
        column.tighten_max(float(value) - 1)
    elif check == "in_range" and isinstance(value, Mapping):
        return _in_range(column, value)
    elif check == "isin" and _texts(value):
        column.allow_only(list(value))
    elif check in ("equal_to", "eq") and _is_number(value):
        column.tighten_min(float(value))
        column.tighten_max(float(value))
    elif check in ("equal_to", "eq") and isinstance(value, str):
        column.allow_only([value])
    else:
        return False
    return True


def _in_range(column: ColumnDraft, value: Mapping[str, Any]) -> bool:
    low, high = value.get("min_value"), value.get("max_value")
    if not (isinstance(low, int | float) and isinstance(high, int | float)):
        return False
    strict = not value.get("include_min", True) or not value.get("include_max", True)
    if strict and not _whole(column):
        return False
    column.tighten_min(float(low) + (0 if value.get("include_min", True) else 1))
    column.tighten_max(float(high) - (0 if value.get("include_max", True) else 1))
    return True


def _whole(column: ColumnDraft) -> bool:
    """Strict bounds are exact only on integers (x > 3 is x >= 4)."""
    return column.kind == "integer"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------- export


def schema_from_contract(contract: Contract) -> tuple[dict[str, Any], list[str]]:
    """A serialised pandera DataFrameSchema for the contract (pandas API), and one
    line for each rule of the contract pandera cannot hold."""
    lost: list[str] = []
    columns = {
        name: _export_column(name, spec, lost)
        for name, spec in contract.columns.items()
    }
    strict: Any = {"fail": True, "drop": "filter", "keep": False}[
        contract.policies.unexpected_columns
    ]
    rows = contract.dataset.rows
    if rows.min is not None or rows.max is not None:
        lost.append("dataset.rows: pandera has no row-count check it can serialise")
    if contract.policies.missing_columns == "fill":
        lost.append("policies.missing_columns: fill has no pandera equivalent")
    dataset = contract.dataset
    for key in ("time", "label"):
        if getattr(dataset, key) is not None:
            lost.append(f"dataset.{key}: pandera has no {key} checks")
    schema: dict[str, Any] = {
        "schema_type": "dataframe",
        "api": "pandas",
        "columns": columns,
        "strict": strict,
    }
    if contract.name:
        schema["name"] = contract.name
    return schema, lost


def _export_column(name: str, spec: ColumnSpec, lost: list[str]) -> dict[str, Any]:
    where = f"column '{name}'"
    out: dict[str, Any] = {}
    dtype = None if spec.kind == "other" else pandas_dtype(spec.dtype, nullable=True)
    if dtype is None and spec.kind != "other":
        lost.append(f"{where}: dtype {spec.dtype} has no pandas dtype; not checked")
    if dtype is not None:
        dtype = pandas_dtype(spec.dtype, nullable=spec.nullable)
    out["dtype"] = dtype
    if spec.nullable:
        out["nullable"] = True
        if spec.max_null_rate < 1.0:
            lost.append(
                f"{where}: max_null_rate {spec.max_null_rate:g}; pandera's nullable "
                "is all or nothing (exported as nullable: true)"
            )
    if spec.unique:
        out["unique"] = True
    if spec.coerce:
        out["coerce"] = True
    if spec.range is not None:
        if spec.range.min is not None:
            out["greater_than_or_equal_to"] = _plain(spec.range.min)
        if spec.range.max is not None:
            out["less_than_or_equal_to"] = _plain(spec.range.max)
    if spec.categories is not None:
        out["isin"] = list(spec.categories)
    if spec.missing_values:
        lost.append(f"{where}: missing_values (sentinels) have no pandera equivalent")
    return out


def _plain(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def dump_schema(schema: Mapping[str, Any]) -> str:
    """The schema as YAML, in the key order pandera writes."""
    text: str = yaml.safe_dump(dict(schema), sort_keys=False, allow_unicode=True)
    return text
