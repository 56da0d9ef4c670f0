"""Parse CSV text columns into the dates and timestamps polars inferred for them.

polars' ``str.to_datetime`` takes ~245 ns a value on ISO timestamps; Arrow's cast
from text takes ~25 (2,000,000 values: 0.49 s against 0.05 s, plus 0.06 s for the
guard and the hand-over). Arrow is used only where both read a column alike: every
value has the same length and the same character between date and time, so all
share one ISO shape (polars takes its pattern from the first value and may refuse
a value of another shape that Arrow reads: '2024-01-01T10' then '...T10:30'), and
on one shape Arrow is the stricter (it refuses leap seconds, year 0, zones on a
naive type, and digits finer than the unit, which polars takes or drops). Anything
else, or anything Arrow refuses, is parsed by polars as before (property-tested:
where Arrow parses, the values are polars')."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

_UNIT_NS = {"ms": 1_000_000, "us": 1_000, "ns": 1}
_DIGITS = {"ms": 3, "us": 6, "ns": 9}
"""Digits of a fraction of a second each unit holds."""
_FRACTION_AT = 20
_DATE_CHARS = 10
"""Characters of an ISO date (YYYY-MM-DD); a timestamp's separator comes next."""


def parsed_dates(frame: pl.DataFrame, dated: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with its text columns ``dated`` parsed as those types, as polars'
    ``str.to_datetime`` / ``str.to_date`` parse them (raising as they raise)."""
    if not dated:
        return frame
    fast = [
        _arrow_parsed(frame.get_column(name), dtype) for name, dtype in dated.items()
    ]
    done = [series for series in fast if series is not None]
    rest = {
        n: d
        for (n, d), series in zip(dated.items(), fast, strict=True)
        if series is None
    }
    if done:
        frame = frame.with_columns(done)
    return frame.with_columns(polars_dates(rest)) if rest else frame


def polars_dates(dated: dict[str, pl.DataType]) -> list[pl.Expr]:
    """Text read as the dates and timestamps polars' CSV reader would have parsed.

    Both infer the pattern from the first value. Where a value does not parse
    with it, this raises; the reader may try other patterns first, so a few files
    parse only there, and the caller then lets the reader decide. Wherever this
    parses, the values are the reader's (property-tested: ``test_csv_dates``).
    """
    exprs = []
    for name, dtype in dated.items():
        text = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            exprs.append(
                text.str.to_datetime(
                    time_unit=dtype.time_unit, time_zone=dtype.time_zone
                )
            )
        else:
            exprs.append(text.str.to_date())
    return exprs


def _arrow_parsed(text: pl.Series, dtype: pl.DataType) -> pl.Series | None:
    """``text`` parsed by Arrow as ``dtype``, or None where polars must decide."""
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None or dtype.time_unit not in _UNIT_NS:
            return None
    elif dtype != pl.Date:
        return None
    size = _one_shape(text, dtype == pl.Date)
    if size is None:
        return None
    arrow = text.to_arrow()
    if dtype == pl.Date:
        return _cast(text.name, arrow, pa.date32())
    assert isinstance(dtype, pl.Datetime)  # checked above
    unit = dtype.time_unit
    # Digits of a fraction of a second ('YYYY-MM-DDTHH:MM:SS.' is 20 characters).
    # Arrow refuses digits finer than the unit, slowly (1.1 s for 2,000,000
    # values), so they are counted first.
    digits = max(0, size - _FRACTION_AT)
    if digits <= _DIGITS[unit]:
        return _cast(text.name, arrow, pa.timestamp(unit))
    if digits > _DIGITS["ns"]:
        return None
    # polars drops the finer digits, which is the floor of the nanoseconds (the
    # fraction of a second is never negative).
    finer = _cast(text.name, arrow, pa.timestamp("ns"))
    if finer is None:
        return None
    return (finer.cast(pl.Int64) // _UNIT_NS[unit]).cast(pl.Datetime(unit))


def _one_shape(text: pl.Series, date: bool) -> int | None:
    """The length every value has, when all share one ISO shape: the same length
    (a date's, for a date) and, past the date, the same separator as the first."""
    values = text.drop_nulls()
    if values.is_empty():
        return None
    lengths = values.str.len_bytes()
    size = lengths[0]
    if lengths.min() != size or lengths.max() != size:
        return None
    if date:
        return size if size == _DATE_CHARS else None
    if size <= _DATE_CHARS:
        return None
    separators = values.str.slice(_DATE_CHARS, 1)
    return size if (separators == separators[0]).all() else None


def _cast(name: str, arrow: pa.Array, to: pa.DataType) -> pl.Series | None:
    try:
        parsed = arrow.cast(to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pl.Series(name, parsed)
