"""Read one value as a contract dtype: the record path's coercion, in pure Python.

The batch path (``_coerce_exprs.py``) implements the same grammar with polars
expressions; both must agree value for value (a property test holds them to it).

Grammar, after stripping whitespace (space, tab, newlines, vertical tab, form feed,
no-break space):

- Missing: ``None``, float NaN, and for non-text dtypes the text tokens ``""``,
  ``na``, ``n/a``, ``nan``, ``null``, ``none`` (any case) are null, not errors.
- Numbers: an optional sign and currency symbol (``$ € £ ¥``), digits with optional
  ``,`` thousands groups (``1,234.5``; ``1,5`` is refused, not read as 15), a
  decimal part and exponent (``1e3``); spaces inside are ignored (``1 234``) and
  ``(12.5)`` is -12.5. Integers must be whole (``3.0`` is 3, ``3.5`` is an error)
  and fit the dtype.
- Booleans: ``true t yes y 1 on`` / ``false f no n 0 off`` (any case), the numbers
  1 and 0.
- Datetimes: the column's ``datetime_format`` (``strptime``), else ISO 8601
  ``YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|±HH:MM]``; offsets are converted to
  UTC. Naive values are UTC when the dtype has a time zone.
- Text dtypes accept text, and render booleans and numbers as polars does
  (``true``, ``42``, ``1.5``, ``1e-7``); other values are errors.
"""

from __future__ import annotations

import math
import numbers
import re
import struct
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

import polars as pl

from pipewarden.conform._target import Target
from pipewarden.profiles.readings import INTEGER, ISO_DATETIME, NUMBER

WHITESPACE: Final = " \t\n\r\x0b\x0c\xa0"
NULL_TOKENS: Final = ("", "na", "n/a", "nan", "null", "none")
TRUE_TOKENS: Final = ("true", "t", "yes", "y", "1", "on")
FALSE_TOKENS: Final = ("false", "f", "no", "n", "0", "off")

# Patterns without anchors: Python uses fullmatch, polars wraps them in ^...$.
# NUMBER, INTEGER and ISO_DATETIME are the lossless grammar of profiles.readings.
IGNORED_IN_NUMBERS: Final = "[ \t\n\r\x0b\x0c\xa0$€£¥]"
THOUSANDS: Final = r"[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?([eE][-+]?[0-9]+)?"
NS_FIRST: Final = datetime(1677, 9, 21, 0, 12, 43, 145225)
NS_LAST: Final = datetime(2262, 4, 11, 23, 47, 16, 854775)
"""The first and last microseconds a Datetime('ns') can hold (int64 nanoseconds)."""

_IGNORED = re.compile(IGNORED_IN_NUMBERS)
_THOUSANDS = re.compile(THOUSANDS)
_NUMBER = re.compile(NUMBER)
_INTEGER = re.compile(INTEGER)
_ISO = re.compile(ISO_DATETIME)


class _Fail:
    __slots__ = ()

    def __repr__(self) -> str:
        return "FAIL"


FAIL: Final = _Fail()
"""Returned by a coercer for a value that is present but cannot be read."""

Coercer = Callable[[Any], Any]
"""Takes a value; returns the coerced value, None (missing) or FAIL."""


def number_text(text: str) -> str | None:
    """The canonical form of a number written as text (already stripped), or None."""
    s = _IGNORED.sub("", text)
    if len(s) >= 2 and s[0] == "(" and s[-1] == ")":
        s = "-" + s[1:-1]
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    return s if _NUMBER.fullmatch(s) else None


def is_null_token(text: str) -> bool:
    """Whether stripped text means 'missing' for a non-text dtype."""
    return text.lower() in NULL_TOKENS


def format_float(value: float) -> str:
    """Render a float as polars casts it to String (shortest round-trip digits)."""
    if 1e-5 <= abs(value) < 1e-4:
        mantissa, exponent = repr(value).split("e")
        sign = "-" if mantissa.startswith("-") else ""
        digits = mantissa.lstrip("-").replace(".", "")
        return f"{sign}0.{'0' * (-int(exponent) - 1)}{digits}"
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
    return text


def coercer(target: Target, datetime_format: str | None = None) -> Coercer:
    """The function that reads one value as ``target``."""
    family = target.family
    if family == "float":
        return _float32 if target.dtype == pl.Float32 else to_float
    if family == "integer":
        assert target.low is not None and target.high is not None
        return _int_reader(target.low, target.high)
    if family == "boolean":
        return to_bool
    if family == "string":
        return to_text
    if family in ("datetime", "date"):
        return _datetime_reader(target, datetime_format)
    return _passthrough


def _passthrough(value: Any) -> Any:
    return None if isinstance(value, float) and value != value else value


# ------------------------------------------------------------------ numbers
def to_float(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return None if value != value else value
    if kind is int:
        return float(value)
    if value is None:
        return None
    if kind is str:
        text = value.strip(WHITESPACE)
        if text.lower() in NULL_TOKENS:
            return None
        canonical = number_text(text)
        return FAIL if canonical is None else float(canonical)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, numbers.Real | Decimal):
        as_float = float(value)
        return None if as_float != as_float else as_float
    return FAIL


def _float32(value: Any) -> Any:
    result = to_float(value)
    if result is None or result is FAIL:
        return result
    if math.isfinite(result) and abs(result) >= 3.4028235677973366e38:
        return math.copysign(math.inf, result)
    packed: float = struct.unpack("f", struct.pack("f", result))[0]
    return packed


def _int_reader(low: int, high: int) -> Coercer:
    ceiling = high + 1.0

    def from_float(value: float) -> Any:
        if value != value:
            return None
        if value.is_integer() and low <= value < ceiling:
            return int(value)
        return FAIL

    def to_int(value: Any) -> Any:
        kind = type(value)
        if kind is int:
            return value if low <= value <= high else FAIL
        if kind is float:
            return from_float(value)
        if value is None:
            return None
        if kind is str:
            text = value.strip(WHITESPACE)
            if text.lower() in NULL_TOKENS:
                return None
            canonical = number_text(text)
            if canonical is None:
                return FAIL
            if _INTEGER.fullmatch(canonical):
                number = int(canonical)
                return number if low <= number <= high else FAIL
            return from_float(float(canonical))
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, numbers.Integral):
            return to_int(int(value))
        if isinstance(value, numbers.Real | Decimal):
            return from_float(float(value))
        return FAIL

    return to_int


# ----------------------------------------------------------------- booleans
def to_bool(value: Any) -> Any:
    kind = type(value)
    if kind is bool:
        return value
    if value is None:
        return None
    if kind is str:
        token = value.strip(WHITESPACE).lower()
        if token in TRUE_TOKENS:
            return True
        if token in FALSE_TOKENS:
            return False
        return None if token in NULL_TOKENS else FAIL
    if isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool):
        if value != value:
            return None
        return True if value == 1 else False if value == 0 else FAIL
    return FAIL


# --------------------------------------------------------------------- text
def to_text(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, float | numbers.Real):
        as_float = float(value)
        return None if as_float != as_float else format_float(as_float)
    return FAIL


# ---------------------------------------------------------------- datetimes
def parse_iso(text: str) -> datetime | None:
    """Read stripped ISO 8601 text as a naive UTC datetime (microseconds), or None."""
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    g = match.groupdict()
    fraction = (g["f"] or "")[:6].ljust(6, "0")
    try:
        moment = datetime(
            int(g["y"]),
            int(g["mo"]),
            int(g["d"]),
            int(g["h"] or 0),
            int(g["mi"] or 0),
            int(g["s"] or 0),
            int(fraction),
        )
        zone = g["tz"]
        if zone and zone != "Z":
            sign = -1 if zone[0] == "-" else 1
            minutes = int(zone[1:3]) * 60 + int(zone[-2:])
            moment -= timedelta(minutes=sign * minutes)
    except (ValueError, OverflowError):
        return None
    return moment


def _datetime_reader(target: Target, fmt: str | None) -> Coercer:
    unit = target.time_unit or "us"
    zone = ZoneInfo(target.time_zone) if target.time_zone else None
    as_date = target.family == "date"

    def finish(moment: datetime) -> Any:
        if zone is None and not as_date and moment.tzinfo is None:
            if unit == "us":
                return moment
            if unit == "ns":
                return moment if NS_FIRST <= moment <= NS_LAST else FAIL
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        if as_date:
            return moment.date()
        if unit == "ms":
            moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        elif unit == "ns" and not NS_FIRST <= moment <= NS_LAST:
            return FAIL
        return moment if zone is None else moment.replace(tzinfo=UTC).astimezone(zone)

    def parse(text: str) -> Any:
        text = text.strip(WHITESPACE)
        if text.lower() in NULL_TOKENS:
            return None
        if fmt is not None:
            try:
                return finish(datetime.strptime(text, fmt))
            except (ValueError, OverflowError):
                pass
        moment = parse_iso(text)
        return FAIL if moment is None else finish(moment)

    def to_datetime(value: Any) -> Any:
        if isinstance(value, datetime):
            return finish(value)
        if value is None:
            return None
        if isinstance(value, str):
            return parse(value)
        if isinstance(value, date):
            return finish(datetime(value.year, value.month, value.day))
        if isinstance(value, float) and value != value:
            return None
        return FAIL

    return to_datetime
