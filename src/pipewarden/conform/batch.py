"""Batch conform: the gate's plan applied to a polars frame, vectorised.

Three passes over the frame, each a set of polars expressions evaluated in parallel:
coerce every column; gather the distinct values not in a column's categories (a
small set, classified once); apply the policies and count what happened. Rows are
then split into the conformed frame and the quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Any

import polars as pl

from pipewarden._polars import column
from pipewarden.checks import codes
from pipewarden.checks.findings import Finding
from pipewarden.conform._coerce_exprs import coerce_expr
from pipewarden.conform._findings import (
    ColumnTally,
    column_findings,
    schema_findings,
)
from pipewarden.conform._target import Target
from pipewarden.conform.plan import ColumnPlan, GatePlan, fold
from pipewarden.conform.quarantine import quarantine_frame
from pipewarden.diagnose.text_numbers import REASONS, classify_expr

EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """The conformed polars frame, the quarantine and the findings of one batch."""

    frame: pl.DataFrame
    quarantine: pl.DataFrame
    findings: tuple[Finding, ...]
    quarantined: pl.Series | None
    """Boolean mask over the batch's rows (True = quarantined); None when none were."""
    schema: tuple[Finding, ...] = ()
    """The findings about columns (unexpected, missing): the same for every chunk."""
    tallies: tuple[ColumnTally, ...] = ()
    """What each present column met, to merge with other chunks' (``merge_tally``)."""


@dataclass(slots=True)
class _Column:
    """Working state of one present column while its expressions are built."""

    plan: ColumnPlan
    source: pl.DataType
    can_fail: bool = False
    why: bool = False
    """A per-row reason is kept for values that cannot be read (text as a number)."""
    mapping: dict[str, str] | None = None
    unseen: list[tuple[str, int]] | None = None
    normalized: list[tuple[str, int]] | None = None

    def name(self, what: str) -> str:
        return f"__pw_{what}{self.plan.index}__"


def conform_frame(plan: GatePlan, frame: pl.DataFrame) -> BatchOutcome:
    """Conform one polars frame (see ``Gate.conform``).

    Raises:
        ConformError: A column is missing or unexpected and the policy is to fail.
    """
    schema = frame.schema
    about_columns = schema_findings(
        plan, frame.columns, {n: str(d) for n, d in schema.items()}
    )
    findings = list(about_columns)
    columns = [_Column(p, schema[p.name]) for p in plan.columns if p.name in schema]
    work = _coerce(frame, columns)
    _classify_categories(work, columns)
    work, checks = _apply(work, columns)
    tallies = _tallies(work, columns)
    for tally in tallies:
        findings.extend(column_findings(tally, frame.height))
    code = _reason_code(checks)
    mask: pl.Series | None = None
    if code is not None:
        work = work.with_columns(code.alias("__pw_reason__"))
        mask = work["__pw_reason__"].is_not_null()
        if not mask.any():
            mask = None
    kept = work if mask is None else work.filter(~mask)
    out = kept.select(_finals(plan, columns, frame.columns, kept.height))
    why = {
        i: c.name("w")
        for i, (p, check, _) in enumerate(checks)
        for c in columns
        if c.plan is p and c.why and check == codes.SCHEMA_TYPE_MISMATCH
    }
    quarantine = quarantine_frame(
        frame, work, mask, [(p, c) for p, c, _ in checks], why=why
    )
    return BatchOutcome(
        out, quarantine, tuple(findings), mask, tuple(about_columns), tuple(tallies)
    )


def _coerce(frame: pl.DataFrame, columns: list[_Column]) -> pl.DataFrame:
    exprs: list[pl.Expr] = []
    for col in columns:
        p = col.plan
        coerced = coerce_expr(column(p.name), col.source, p.target, p.datetime_format)
        exprs.append(coerced.value.alias(col.name("v")))
        if coerced.can_fail:
            col.can_fail = True
            exprs.append(coerced.failed.fill_null(False).alias(col.name("e")))
            if _is_text(col.source) and p.target.family in ("float", "integer"):
                col.why = True
                exprs.append(_why(column(p.name), p).alias(col.name("w")))
    return frame.with_columns(exprs) if exprs else frame


def _is_text(source: pl.DataType) -> bool:
    return source == pl.String or isinstance(source, pl.Categorical | pl.Enum)


def _why(text: pl.Expr, plan: ColumnPlan) -> pl.Expr:
    """The quarantine reason of text that does not read as the column's number."""
    reason = classify_expr(text.cast(pl.String)).replace_strict(
        list(REASONS), list(REASONS.values()), return_dtype=pl.String
    )
    return pl.concat_str(
        [pl.lit(f"value cannot be read as {plan.target.text}: "), reason]
    )


def _classify_categories(work: pl.DataFrame, columns: list[_Column]) -> None:
    """Find each categorical column's values outside its categories, and map variants."""
    with_cats = [c for c in columns if c.plan.categories is not None]
    if not with_cats:
        return
    aggs = []
    for col in with_cats:
        v = pl.col(col.name("v"))
        outside = v.is_not_null() & ~v.is_in(list(col.plan.categories or ()))
        aggs.append(v.filter(outside).value_counts().implode().alias(col.name("u")))
    row = work.select(aggs).row(0)
    for col, counts in zip(with_cats, row, strict=True):
        pairs = sorted(
            ((d[col.name("v")], int(d["count"])) for d in counts),
            key=lambda vc: (-vc[1], vc[0]),
        )
        _split_variants(col, pairs)


def _split_variants(col: _Column, pairs: list[tuple[str, int]]) -> None:
    p = col.plan
    if not p.normalize:
        col.unseen = pairs
        return
    col.mapping, col.unseen, col.normalized = {}, [], []
    for value, count in pairs:
        category = p.variants.get(fold(value))
        if category is None:
            col.unseen.append((value, count))
        else:
            col.mapping[value] = category
            col.normalized.append((value, count))


def _apply(
    work: pl.DataFrame, columns: list[_Column]
) -> tuple[pl.DataFrame, list[tuple[ColumnPlan, str, str]]]:
    """Add each column's final value, and the masks of rows each check quarantines."""
    exprs: list[pl.Expr] = []
    checks: list[tuple[ColumnPlan, str, str]] = []
    for col in columns:
        if col.can_fail and col.plan.on_coerce_error == "quarantine":
            checks.append((col.plan, codes.SCHEMA_TYPE_MISMATCH, col.name("e")))
        x, masks = _policies(col)
        exprs.append(x.alias(col.name("x")))
        for check, name, mask, quarantines in masks:
            exprs.append(mask.fill_null(False).alias(name))
            if quarantines:
                checks.append((col.plan, check, name))
    return (work.with_columns(exprs) if exprs else work), checks


def _policies(col: _Column) -> tuple[pl.Expr, list[tuple[str, str, pl.Expr, bool]]]:
    """The column's value after categories, range and null policies, with its masks."""
    p = col.plan
    x = pl.col(col.name("v"))
    masks: list[tuple[str, str, pl.Expr, bool]] = []
    if col.mapping:
        x = x.replace(col.mapping)
    if col.unseen and p.on_unseen != "keep":
        unseen = x.is_in([v for v, _ in col.unseen])
        if p.on_unseen == "quarantine":
            masks.append((codes.CATEGORY_UNSEEN, col.name("u"), unseen, True))
        elif p.on_unseen == "fallback":
            x = pl.when(unseen).then(pl.lit(p.fallback, dtype=pl.String)).otherwise(x)
        else:
            x = pl.when(unseen).then(None).otherwise(x)
    if p.has_range:
        bounds = []
        if p.low is not None:
            bounds.append(x < p.low)
        if p.high is not None:
            bounds.append(x > p.high)
        outside = reduce(lambda a, b: a | b, bounds)
        masks.append(
            (
                codes.RANGE_OUT_OF_BOUNDS,
                col.name("r"),
                outside,
                p.on_out_of_range == "quarantine",
            )
        )
        if p.on_out_of_range == "clip":
            x = x.clip(p.low, p.high)
        elif p.on_out_of_range == "null":
            x = pl.when(outside.fill_null(False)).then(None).otherwise(x)
    if p.on_null != "keep":
        masks.append(
            (codes.NULLS_RATE, col.name("n"), x.is_null(), p.on_null == "quarantine")
        )
        if p.on_null == "impute":
            x = x.fill_null(pl.lit(p.fill, dtype=_work_dtype(p.target)))
    return x, masks


def _work_dtype(target: Target) -> pl.DataType:
    return pl.String() if target.family == "string" else target.dtype


def _reason_code(checks: list[tuple[ColumnPlan, str, str]]) -> pl.Expr | None:
    """The index (in ``checks``) of each row's first failing check; null if none."""
    if not checks:
        return None
    chain: Any = pl
    for index, (_, _, mask) in enumerate(checks):
        chain = chain.when(pl.col(mask)).then(pl.lit(index, dtype=pl.UInt32))
    expr: pl.Expr = chain.otherwise(None)
    return expr


def _finals(
    plan: GatePlan, columns: list[_Column], incoming: list[str], height: int
) -> list[pl.Expr]:
    present = {c.plan.name: c for c in columns}
    exprs: list[pl.Expr] = []
    for p in plan.columns:
        col = present.get(p.name)
        if col is not None:
            x = pl.col(col.name("x"))
            if _work_dtype(p.target) != p.target.dtype:
                x = x.cast(p.target.dtype, strict=False)
            exprs.append(x.alias(p.name))
        elif not p.is_label:
            exprs.append(
                pl.repeat(p.missing_value, height, dtype=_work_dtype(p.target))
                .cast(p.target.dtype, strict=False)
                .alias(p.name)
            )
    if plan.unexpected_columns == "keep":
        known = set(plan.names)
        exprs.extend(column(c) for c in incoming if c not in known)
    return exprs


def _tallies(work: pl.DataFrame, columns: list[_Column]) -> list[ColumnTally]:
    aggs: list[pl.Expr] = []
    for col in columns:
        if col.can_fail:
            e = pl.col(col.name("e"))
            aggs += [
                e.sum().alias(col.name("e")),
                column(col.plan.name)
                .filter(e)
                .head(EXAMPLES)
                .implode()
                .alias(col.name("ex")),
            ]
        if col.plan.has_range:
            r, v = pl.col(col.name("r")), pl.col(col.name("v"))
            aggs += [
                r.sum().alias(col.name("r")),
                v.filter(r).min().cast(pl.Float64).alias(col.name("lo")),
                v.filter(r).max().cast(pl.Float64).alias(col.name("hi")),
            ]
        if col.plan.on_null != "keep":
            aggs.append(pl.col(col.name("n")).sum().alias(col.name("n")))
    stats: dict[str, Any] = work.select(aggs).row(0, named=True) if aggs else {}
    return [_tally(col, stats) for col in columns]


def _tally(col: _Column, stats: dict[str, Any]) -> ColumnTally:
    return ColumnTally(
        plan=col.plan,
        source=_source_note(col.source, col.plan.target),
        coerce_failed=int(stats.get(col.name("e")) or 0),
        coerce_examples=tuple(str(v) for v in stats.get(col.name("ex")) or ()),
        unseen=tuple(col.unseen or ()),
        normalized=tuple(col.normalized or ()),
        out_of_range=int(stats.get(col.name("r")) or 0),
        observed=(stats[col.name("lo")], stats[col.name("hi")])
        if stats.get(col.name("r"))
        else None,
        nulls=int(stats.get(col.name("n")) or 0),
    )


def _source_note(source: pl.DataType, target: Target) -> str | None:
    """The incoming dtype, when it is not the contract's nor a harmless variant of it."""
    text = source == pl.String or isinstance(source, pl.Categorical | pl.Enum)
    family = target.family
    if source == target.dtype or source == pl.Null:
        return None
    if family == "float" and (source.is_numeric() and source != pl.Boolean):
        return None
    if family == "integer" and source.is_integer():
        return None
    if family == "string" and text:
        return None
    if family in ("datetime", "date") and isinstance(source, pl.Datetime | pl.Date):
        return None
    return "text" if text else str(source)
