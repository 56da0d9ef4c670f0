"""Infer a contract from a reference profile."""

from __future__ import annotations

import math
from typing import Any

from pipewarden.contracts.model import (
    ColumnConform,
    ColumnSpec,
    Contract,
    DatasetSpec,
    LabelSpec,
    Policies,
    Range,
    RowCount,
    TimeSpec,
)
from pipewarden.diagnose.gaps import tolerated_gap
from pipewarden.diagnose.sentinels import find_sentinels
from pipewarden.errors import ContractError
from pipewarden.profiles.column import ColumnProfile, Kind
from pipewarden.profiles.dataset import DatasetProfile

MAX_CATEGORIES = 50
"""Categorical columns with at most this many values get an allowed list."""
RANGE_TOLERANCE = 0.1
"""Observed range widened by this share of its span on each side."""
HEAVY_TAIL = 5.0
"""A side is heavy-tailed when its extreme is this many times farther out than p99."""
NULL_RATE_SLACK = 0.02
"""Tolerated null rate = observed rate x 1.5 + this."""
ROWS_LOW, ROWS_HIGH = 0.5, 2.0
"""Expected row count: this share of the reference's, on each side."""


def infer_contract(
    profile: DatasetProfile,
    *,
    label: str | None = None,
    time: str | None = None,
    id: str | None = None,  # noqa: A002  # the public keyword the CLI's --id mirrors
    name: str | None = None,
    segments: list[str] | None = None,
) -> Contract:
    """Write down what the reference data looks like, as an editable contract.

    Args:
        profile: Profile of the reference data.
        label: Target column, whose class balance is recorded.
        time: Event-time column; defaults to the only datetime column, if one.
        id: Column identifying a row; declared unique.
        name: Name of the contract.
        segments: Columns whose values split the data into segments.

    Returns:
        The contract, ready for ``dump_contract``.

    Raises:
        ContractError: A named column is not in the profile.
    """
    for role, column in (("label", label), ("time", time), ("id", id)):
        if column is not None and column not in profile.columns:
            raise ContractError(
                f"--{role} column '{column}' is not in the data; columns are: "
                f"{', '.join(profile.columns)}."
            )
    if time is None:
        times = [c.name for c in profile.columns.values() if c.kind is Kind.DATETIME]
        time = times[0] if len(times) == 1 else None
    columns = {
        c.name: _column_spec(c, is_id=c.name == id, is_label=c.name == label)
        for c in profile.columns.values()
    }
    dataset = DatasetSpec(
        rows=RowCount(
            min=math.floor(profile.rows * ROWS_LOW),
            max=math.ceil(profile.rows * ROWS_HIGH),
        ),
        time=_time_spec(profile.columns[time]) if time else None,
        label=_label_spec(profile.columns[label]) if label else None,
        id=id,
        segments=list(segments or []),
    )
    # Missing features are filled (median / mode, per column) so scoring never
    # crashes, and still reported by `schema.missing_column`.
    policies = Policies(missing_columns="fill")
    return Contract(name=name, dataset=dataset, policies=policies, columns=columns)


def _column_spec(col: ColumnProfile, *, is_id: bool, is_label: bool) -> ColumnSpec:
    kind = col.kind
    rate = col.missing_rate if kind is Kind.FLOAT else col.null_rate
    spec: dict[str, Any] = {
        "kind": kind.value,
        "dtype": col.dtype,
        "nullable": col.nulls + col.nan > 0,
        "max_null_rate": round(min(1.0, rate * 1.5 + NULL_RATE_SLACK), 6)
        if rate > 0
        else 0.0,
        "unique": is_id,
    }
    if kind in (Kind.INTEGER, Kind.FLOAT) and col.moments.count and not is_id:
        spec["range"] = _range(col)
        sentinels = [] if is_label else find_sentinels(col)
        if sentinels:
            spec["missing_values"] = sentinels
    if kind is Kind.CATEGORICAL and not is_id:
        cats = _categories(col)
        if cats is not None:
            spec["categories"] = cats
    spec["conform"] = _conform_defaults(col, kind, is_label)
    return ColumnSpec(**spec)


def _range(col: ColumnProfile) -> Range:
    lo, hi = col.moments.min, col.moments.max
    assert lo is not None and hi is not None
    span = hi - lo
    q01, q50, q99 = col.quantiles.quantiles([0.01, 0.5, 0.99]) or [lo, lo, hi]
    # A heavy tail's extreme moves a lot between samples: give that side a full span.
    pad_hi = (
        span
        if hi - q99 > HEAVY_TAIL * max(q99 - q50, 1e-12)
        else span * RANGE_TOLERANCE
    )
    pad_lo = (
        span
        if q01 - lo > HEAVY_TAIL * max(q50 - q01, 1e-12)
        else span * RANGE_TOLERANCE
    )
    new_lo, new_hi = lo - pad_lo, hi + pad_hi
    if lo == 0:
        new_lo = 0.0
    if col.kind is Kind.INTEGER:
        new_lo, new_hi = math.floor(new_lo), math.ceil(new_hi)
    # Rounding to 6 digits must not cut off the reference's own extremes, and a side
    # where the reference has infinities stays open (else it fails its own contract).
    return Range(
        min=None if col.neginf else min(_tidy(new_lo), lo),
        max=None if col.posinf else max(_tidy(new_hi), hi),
    )


def _tidy(x: float) -> float:
    return float(f"{x:.6g}")


def _categories(col: ColumnProfile) -> list[str] | None:
    if not col.frequent.is_exact or not col.frequent.counts:
        return None
    if len(col.frequent.counts) > MAX_CATEGORIES:
        return None
    return sorted(col.frequent.counts)


def _conform_defaults(col: ColumnProfile, kind: Kind, is_label: bool) -> ColumnConform:
    """Gate defaults: impute numbers with the median and categories with the mode."""
    top = col.frequent.top(1)
    mode = top[0][0] if top else None
    median = col.quantiles.quantiles([0.5])
    med = _tidy(median[0]) if median else None
    if kind in (Kind.INTEGER, Kind.FLOAT) and not is_label:
        # Text that does not read as a number is quarantined with its reason (a
        # decimal comma, a unit), not turned into a null the model never sees.
        return ColumnConform(
            median=med,
            impute="median",
            on_missing="median" if med is not None else "null",
            on_coerce_error="quarantine",
        )
    if kind is Kind.CATEGORICAL and not is_label:
        return ColumnConform(
            mode=mode, impute="mode", on_missing="mode" if mode is not None else "null"
        )
    return ColumnConform(on_missing="null" if not is_label else "fail")


def _time_spec(col: ColumnProfile) -> TimeSpec:
    if col.kind is not Kind.DATETIME:
        raise ContractError(
            f"--time column '{col.name}' is {col.kind.value}, not a datetime. Parse it "
            "as a datetime upstream, or pick another column."
        )
    judged = tolerated_gap(col.intervals, [(b - a) / 1e6 for a, b in col.time.gaps])
    cadence = _tidy(judged[0]) if judged else None
    max_gap = _tidy(judged[1]) if judged else None
    staleness = _tidy(max(max_gap or 0.0, 86_400.0))
    return TimeSpec(
        column=col.name,
        cadence_seconds=cadence,
        max_gap_seconds=max_gap,
        max_staleness_seconds=staleness,
    )


def _label_spec(col: ColumnProfile) -> LabelSpec:
    counts = col.frequent.counts if col.frequent.is_exact else None
    if not counts:
        return LabelSpec(column=col.name)
    total = sum(counts.values())
    classes = {k: round(v / total, 6) for k, v in sorted(counts.items())}
    minority = min(classes.values())
    return LabelSpec(
        column=col.name, classes=classes, min_minority_share=round(minority * 0.5, 6)
    )
