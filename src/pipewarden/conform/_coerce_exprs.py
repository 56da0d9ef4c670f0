"""The batch twin of ``coerce.py``: the same grammar as polars expressions.

Each function takes the incoming column's dtype, so a column that already has the
contract's dtype costs nothing, and returns the coerced value (null where the value
is missing or cannot be read) with the mask of values that count as missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from pipewarden.conform._target import Target
from pipewarden.conform.coerce import (
    FALSE_TOKENS,
    IGNORED_IN_NUMBERS,
    NULL_TOKENS,
    THOUSANDS,
    TRUE_TOKENS,
    WHITESPACE,
)
from pipewarden.profiles.readings import INTEGER, NUMBER, iso_datetime

_NULL_TOKENS = list(NULL_TOKENS)


@dataclass(frozen=True, slots=True)
class Coerced:
    """A coerced column: ``value`` is null where ``missing`` or where reading failed."""

    value: pl.Expr
    missing: pl.Expr
    can_fail: bool

    @property
    def failed(self) -> pl.Expr:
        return self.value.is_null() & ~self.missing


def coerce_expr(
    col: pl.Expr,
    source: pl.DataType,
    target: Target,
    datetime_format: str | None = None,
) -> Coerced:
    """Coerce ``col`` (of dtype ``source``) to ``target``, as ``coerce.coercer`` does."""
    if source == pl.Null:
        return Coerced(pl.lit(None, dtype=_work_dtype(target)), pl.lit(True), False)
    family = target.family
    if family == "float":
        return _to_float(col, source, target)
    if family == "integer":
        return _to_int(col, source, target)
    if family == "boolean":
        return _to_bool(col, source)
    if family == "string":
        return _to_text(col, source)
    if family in ("datetime", "date"):
        return _to_datetime(col, source, target, datetime_format)
    value = col.fill_nan(None) if source.is_float() else col
    return Coerced(value, value.is_null(), False)


def _work_dtype(target: Target) -> pl.DataType:
    return pl.String() if target.family == "string" else target.dtype


def _is_text(source: pl.DataType) -> bool:
    return source == pl.String or isinstance(source, pl.Categorical | pl.Enum)


def _text(col: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Stripped text and its 'missing' mask (null or a null token)."""
    text = col.cast(pl.String).str.strip_chars(WHITESPACE)
    return text, col.is_null() | text.str.to_lowercase().is_in(_NULL_TOKENS)


def _number_text(text: pl.Expr) -> pl.Expr:
    """Canonical number text, null when the text is not a number (``number_text``)."""
    s = text.str.replace_all(IGNORED_IN_NUMBERS, "")
    paren = s.str.starts_with("(") & s.str.ends_with(")") & (s.str.len_chars() >= 2)
    s = (
        pl.when(paren)
        .then(pl.concat_str([pl.lit("-"), s.str.slice(1, s.str.len_chars() - 2)]))
        .otherwise(s)
    )
    s = (
        pl.when(s.str.contains(f"^{THOUSANDS}$"))
        .then(s.str.replace_all(",", "", literal=True))
        .otherwise(s)
    )
    return pl.when(s.str.contains(f"^{NUMBER}$")).then(s)


def _numeric_source(col: pl.Expr, source: pl.DataType) -> pl.Expr | None:
    """The column as Float64 when it holds numbers (NaN as null), else None."""
    if source.is_float():
        return col.cast(pl.Float64).fill_nan(None)
    if source.is_integer() or source == pl.Boolean or source.is_decimal():
        return col.cast(pl.Float64)
    return None


def _to_float(col: pl.Expr, source: pl.DataType, target: Target) -> Coerced:
    if _is_text(source):
        text, missing = _text(col)
        value = _number_text(text).cast(pl.Float64, strict=False).cast(target.dtype)
        return Coerced(value, missing, True)
    number = _numeric_source(col, source)
    if number is None:
        return _unreadable(col, target, source)
    if source.is_float():
        number = col.fill_nan(None)
    return Coerced(
        number.cast(target.dtype),
        col.is_null() | col.is_nan() if source.is_float() else col.is_null(),
        False,
    )


def _whole(number: pl.Expr, target: Target) -> pl.Expr:
    assert target.low is not None and target.high is not None
    ok = (
        (number == number.floor())
        & (number >= float(target.low))
        & (number < target.high + 1.0)
    )
    return pl.when(ok).then(number.cast(target.dtype))


def _to_int(col: pl.Expr, source: pl.DataType, target: Target) -> Coerced:
    value: pl.Expr
    if source.is_integer():
        value = pl.when(col.is_between(target.low, target.high)).then(
            col.cast(target.dtype, strict=False)
        )
        return Coerced(value, col.is_null(), True)
    if source == pl.Boolean:
        return Coerced(col.cast(target.dtype), col.is_null(), False)
    if _is_text(source):
        text, missing = _text(col)
        canonical = _number_text(text)
        whole = canonical.cast(pl.Int64, strict=False)
        value = (
            pl.when(canonical.str.contains(f"^{INTEGER}$"))
            .then(
                pl.when(whole.is_between(target.low, target.high)).then(
                    whole.cast(target.dtype, strict=False)
                )
            )
            .otherwise(_whole(canonical.cast(pl.Float64, strict=False), target))
        )
        return Coerced(value, missing, True)
    number = _numeric_source(col, source)
    if number is None:
        return _unreadable(col, target, source)
    return Coerced(_whole(number, target), number.is_null(), True)


def _to_bool(col: pl.Expr, source: pl.DataType) -> Coerced:
    if source == pl.Boolean:
        return Coerced(col, col.is_null(), False)
    if _is_text(source):
        text, missing = _text(col)
        token = text.str.to_lowercase()
        value = (
            pl.when(token.is_in(list(TRUE_TOKENS)))
            .then(True)
            .when(token.is_in(list(FALSE_TOKENS)))
            .then(False)
            .otherwise(None)
        )
        return Coerced(value.cast(pl.Boolean), missing, True)
    number = _numeric_source(col, source)
    if number is None:
        return _unreadable(col, pl.Boolean())
    value = (
        pl.when(number == 1.0)
        .then(True)
        .when(number == 0.0)
        .then(False)
        .otherwise(None)
    )
    return Coerced(value.cast(pl.Boolean), number.is_null(), True)


def _to_text(col: pl.Expr, source: pl.DataType) -> Coerced:
    if _is_text(source):
        return Coerced(col.cast(pl.String), col.is_null(), False)
    if source == pl.Boolean or source.is_integer():
        return Coerced(col.cast(pl.String), col.is_null(), False)
    number = _numeric_source(col, source)
    if number is None:
        return _unreadable(col, pl.String())
    return Coerced(number.cast(pl.String), number.is_null(), False)


# ---------------------------------------------------------------- datetimes
def _parsed(text: pl.Expr, fmt: str | None) -> pl.Expr:
    iso = iso_datetime(text)
    if fmt is None:
        return iso
    custom = text.str.to_datetime(fmt, time_unit="us", strict=False)
    if any(z in fmt for z in ("%z", "%:z", "%#z")):
        custom = custom.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return pl.coalesce(custom, iso)


def _to_datetime(
    col: pl.Expr, source: pl.DataType, target: Target, fmt: str | None
) -> Coerced:
    if isinstance(source, pl.Datetime):
        moment = col
        if source.time_zone is not None:
            moment = col.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        unit = source.time_unit
        missing, can_fail = col.is_null(), False
    elif source == pl.Date:
        moment, unit = col.cast(pl.Datetime("us")), "us"
        missing, can_fail = col.is_null(), False
    elif _is_text(source):
        text, missing = _text(col)
        moment, unit, can_fail = _parsed(text, fmt), "us", True
    else:
        return _unreadable(col, target, source)
    if target.family == "date":
        return Coerced(moment.dt.date(), missing, can_fail)
    want: Literal["ns", "us", "ms"] = (
        "ms"
        if target.time_unit == "ms"
        else ("ns" if target.time_unit == "ns" else "us")
    )
    if want != unit:
        if want == "ms":
            moment = moment.cast(pl.Datetime("us")).dt.truncate("1ms")
        elif want == "ns":
            can_fail = True
        moment = moment.cast(pl.Datetime(want), strict=False)
    if target.time_zone is not None:
        moment = moment.dt.replace_time_zone("UTC").dt.convert_time_zone(
            target.time_zone
        )
    return Coerced(moment, missing, can_fail)


def _unreadable(
    col: pl.Expr, target: Target | pl.DataType, source: pl.DataType | None = None
) -> Coerced:
    """No value of ``source`` reads as the target: each present one is an error; a
    float NaN is missing, as in ``coerce`` (a pandas frame's empty date is NaN)."""
    dtype = target if isinstance(target, pl.DataType) else _work_dtype(target)
    floats = source is not None and source.is_float()
    missing = col.is_null() | col.is_nan() if floats else col.is_null()
    return Coerced(pl.lit(None, dtype=dtype), missing, True)
