"""The quarantine: rows the gate could not fit, kept with their original values.

A quarantine frame has the batch's columns exactly as they arrived (same values,
same dtypes), then four columns saying why:

- ``row``: the row's position in the batch (0-based);
- ``column``: the contract column that failed;
- ``check``: the check id (``schema.type_mismatch``, ``category.unseen``,
  ``range.out_of_bounds`` or ``nulls.rate``);
- ``reason``: one phrase, e.g. ``value is outside [0, 120]``.

A row that fails several checks appears once, with its first reason: contract
columns in order, and within a column coercion, categories, range, then nulls.
A batch column whose name is one of these four gets a trailing underscore.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from pipewarden import _polars
from pipewarden.conform.plan import ColumnPlan

META_COLUMNS = ("row", "column", "check", "reason")
REASON_CODE = "__pw_reason__"


def quarantine_names(columns: Sequence[str]) -> dict[str, str]:
    """Names of the batch's columns in the quarantine (meta names stay free)."""
    taken = set(columns) | set(META_COLUMNS)
    names: dict[str, str] = {}
    for column in columns:
        name = column
        if column in META_COLUMNS:
            name = column + "_"
            while name in taken:
                name += "_"
            taken.add(name)
        names[column] = name
    return names


def empty_quarantine(schema: pl.Schema | dict[str, Any]) -> pl.DataFrame:
    """A quarantine with no rows, for a batch of this schema."""
    names = quarantine_names(list(schema))
    fields: dict[str, Any] = {names[c]: d for c, d in schema.items()}
    fields.update(row=pl.Int64, column=pl.String, check=pl.String, reason=pl.String)
    return pl.DataFrame(schema=fields)


def quarantine_frame(
    batch: pl.DataFrame,
    work: pl.DataFrame,
    mask: pl.Series | None,
    checks: Sequence[tuple[ColumnPlan, str]],
    *,
    why: Mapping[int, str] | None = None,
) -> pl.DataFrame:
    """The quarantined rows of ``batch`` with their reasons.

    Args:
        batch: The batch as it arrived.
        work: The batch with the gate's working columns, including the reason code
            (an index into ``checks``).
        mask: True for quarantined rows; None when there are none.
        checks: The (column plan, check id) of each reason code.
        why: Reason codes whose reason is per row: the working column holding it
            (text that does not read as a number says why, e.g. a decimal comma).
    """
    if mask is None:
        return empty_quarantine(batch.schema)
    names = quarantine_names(batch.columns)
    rows = work.filter(mask)
    codes = list(range(len(checks)))
    code = pl.col(REASON_CODE)
    return rows.select(
        *(_polars.column(c).alias(names[c]) for c in batch.columns),
        pl.Series("row", mask.arg_true(), dtype=pl.Int64),
        code.replace_strict(
            codes, [p.name for p, _ in checks], return_dtype=pl.String
        ).alias("column"),
        code.replace_strict(
            codes, [c for _, c in checks], return_dtype=pl.String
        ).alias("check"),
        _reasons(code, checks, why or {}).alias("reason"),
    )


def _reasons(
    code: pl.Expr, checks: Sequence[tuple[ColumnPlan, str]], why: Mapping[int, str]
) -> pl.Expr:
    fixed = code.replace_strict(
        list(range(len(checks))),
        [p.reason(c) for p, c in checks],
        return_dtype=pl.String,
    )
    if not why:
        return fixed
    chain: Any = pl
    for index, column in why.items():
        chain = chain.when(code == index).then(pl.col(column))
    done: pl.Expr = chain.otherwise(fixed)
    return done


def reason_counts(quarantine: pl.DataFrame) -> list[tuple[str, str, str, int]]:
    """(check, column, reason, rows) for each distinct reason, most rows first."""
    if quarantine.height == 0:
        return []
    counts = quarantine.group_by(["check", "column", "reason"]).len()
    ordered = counts.sort(["len", "check", "column"], descending=[True, False, False])
    return [(r[0], r[1], r[2], int(r[3])) for r in ordered.iter_rows()]
