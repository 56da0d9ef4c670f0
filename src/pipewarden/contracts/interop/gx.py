"""Great Expectations suites (JSON) to pipewarden contracts.

Reads the suite as GX 1.x writes it (``ExpectationSuite.to_json_dict()``: a ``name``
and ``expectations`` with ``type`` and ``kwargs``) and as GX 0.x did
(``expectation_suite_name``, ``expectation_type``). Great Expectations itself is not
needed. Each expectation pipewarden can state becomes a contract rule; every other one
becomes one line of ``unmapped``, saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pipewarden.contracts.interop._draft import ContractDraft
from pipewarden.errors import ContractParseError

Kwargs = Mapping[str, Any]
_Rule = Callable[[ContractDraft, str, Kwargs], None]


def draft_from_suite(suite: Mapping[str, Any], *, source: str) -> ContractDraft:
    """Gather a suite's expectations into a contract draft.

    Raises:
        ContractParseError: The document is not an expectation suite.
    """
    expectations = suite.get("expectations")
    if not isinstance(expectations, list):
        raise ContractParseError(
            "not a Great Expectations suite: it has no 'expectations' list. Export "
            "one with suite.to_json_dict(), or pass --from pandera for a pandera "
            "schema.",
            file=source,
        )
    name = suite.get("name") or suite.get("expectation_suite_name")
    draft = ContractDraft(source=source, name=str(name) if name else None)
    for index, expectation in enumerate(expectations):
        _apply(draft, expectation, index, source)
    return draft


def _apply(draft: ContractDraft, expectation: Any, index: int, source: str) -> None:
    if not isinstance(expectation, Mapping):
        raise ContractParseError(
            f"expectation {index} is not a mapping. Each expectation has a 'type' "
            "and 'kwargs'.",
            file=source,
            key=f"expectations.{index}",
        )
    kind = expectation.get("type") or expectation.get("expectation_type")
    kwargs = expectation.get("kwargs") or {}
    if not isinstance(kind, str) or not isinstance(kwargs, Mapping):
        raise ContractParseError(
            f"expectation {index} has no 'type' (or 'expectation_type') and 'kwargs'.",
            file=source,
            key=f"expectations.{index}",
        )
    column = kwargs.get("column")
    where = f"{kind} on '{column}'" if column is not None else kind
    if isinstance(column, str):  # GX fails a batch without it, whatever the rule
        draft.column(column)
    if kwargs.get("row_condition"):
        draft.skip(f"{where}: conditional (row_condition) expectations are not mapped")
        return
    rule = _RULES.get(kind)
    if rule is None:
        draft.skip(f"{where}: no pipewarden equivalent")
        return
    if rule not in _TABLE_RULES and not isinstance(column, str):
        draft.skip(f"{kind}: has no column")
        return
    rule(draft, where, kwargs)


# ------------------------------------------------------------------ the rules


def _exists(draft: ContractDraft, _where: str, kw: Kwargs) -> None:
    draft.column(kw["column"])


def _not_null(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    column = draft.column(kw["column"])
    mostly = _mostly(kw)
    if mostly >= 1.0:
        column.nullable = False
    else:
        column.max_null_rate = min(column.max_null_rate, 1.0 - mostly)


def _between(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    column = draft.column(kw["column"])
    low, high = _number(kw.get("min_value")), _number(kw.get("max_value"))
    if kw.get("min_value") is not None and low is None:
        draft.skip(f"{where}: min_value {kw['min_value']!r} is not a number")
    if kw.get("max_value") is not None and high is None:
        draft.skip(f"{where}: max_value {kw['max_value']!r} is not a number")
    if low is not None:
        column.tighten_min(low)
    if high is not None:
        column.tighten_max(high)
    if kw.get("strict_min") or kw.get("strict_max"):
        draft.skip(f"{where}: strict bounds are read as inclusive (range is inclusive)")
    _warn_mostly(draft, where, kw)


def _min_between(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    """The column's minimum at least min_value: every value at least min_value."""
    low = _number(kw.get("min_value"))
    if low is not None:
        draft.column(kw["column"]).tighten_min(low)
    if kw.get("max_value") is not None:
        draft.skip(f"{where}: an upper bound on the minimum has no equivalent")


def _max_between(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    """The column's maximum at most max_value: every value at most max_value."""
    high = _number(kw.get("max_value"))
    if high is not None:
        draft.column(kw["column"]).tighten_max(high)
    if kw.get("min_value") is not None:
        draft.skip(f"{where}: a lower bound on the maximum has no equivalent")


def _in_set(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    values = kw.get("value_set")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        draft.skip(f"{where}: only sets of text values map to `categories`")
        return
    draft.column(kw["column"]).allow_only(values)
    _warn_mostly(draft, where, kw)


def _unique(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    draft.column(kw["column"]).unique = True
    _warn_mostly(draft, where, kw)


def _of_type(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    draft.set_type(kw["column"], str(kw.get("type_")), where=where)


def _in_type_list(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    types = kw.get("type_list") or []
    if len(types) != 1:
        draft.skip(f"{where}: a list of {len(types)} types; a contract holds one dtype")
        return
    draft.set_type(kw["column"], str(types[0]), where=where)


def _row_count(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    low, high = _number(kw.get("min_value")), _number(kw.get("max_value"))
    if low is not None:
        draft.rows_min = int(low)
    if high is not None:
        draft.rows_max = int(high)


def _row_count_equal(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    value = _number(kw.get("value"))
    if value is None:
        draft.skip(f"{where}: value {kw.get('value')!r} is not a number")
        return
    draft.rows_min = draft.rows_max = int(value)


def _column_set(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    columns = kw.get("column_set") or kw.get("column_list") or []
    for name in columns:
        draft.column(str(name))
    exact = kw.get("exact_match", True)
    if exact:
        draft.unexpected_columns = "fail"
    if "column_list" in kw:
        draft.skip(f"{where}: column order is not checked, only the set of columns")


def _mostly(kw: Kwargs) -> float:
    mostly = _number(kw.get("mostly"))
    return 1.0 if mostly is None else mostly


def _warn_mostly(draft: ContractDraft, where: str, kw: Kwargs) -> None:
    if _mostly(kw) < 1.0:
        draft.skip(
            f"{where}: mostly={_mostly(kw):g} is not kept; pipewarden reports any "
            "value outside (a warning below 1% of rows, an error from 1%)"
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


_RULES: dict[str, _Rule] = {
    "expect_column_to_exist": _exists,
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_between": _between,
    "expect_column_min_to_be_between": _min_between,
    "expect_column_max_to_be_between": _max_between,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_distinct_values_to_be_in_set": _in_set,
    "expect_column_values_to_be_unique": _unique,
    "expect_column_values_to_be_of_type": _of_type,
    "expect_column_values_to_be_in_type_list": _in_type_list,
    "expect_table_row_count_to_be_between": _row_count,
    "expect_table_row_count_to_equal": _row_count_equal,
    "expect_table_columns_to_match_set": _column_set,
    "expect_table_columns_to_match_ordered_list": _column_set,
}
"""Expectation type -> how it enters the draft."""

_TABLE_RULES = frozenset({_row_count, _row_count_equal, _column_set})
"""The rules about the whole table (the others need a ``column`` keyword)."""

MAPPED = tuple(sorted(_RULES))
"""The expectation types the import maps (the docs list them)."""
