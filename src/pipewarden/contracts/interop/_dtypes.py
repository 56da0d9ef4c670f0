"""Type names of other tools (pandas/numpy, as Great Expectations and pandera write
them, and common SQL names) to a contract's kind and polars dtype, and back."""

from __future__ import annotations

import re

import polars as pl

from pipewarden.contracts.dtypes import parse_dtype

_INTEGER = re.compile(r"^(u?int)(8|16|32|64)$", re.IGNORECASE)
_FLOAT = re.compile(r"^float(16|32|64)$", re.IGNORECASE)
_DATETIME = re.compile(
    r"^datetime64\[(?P<unit>ns|us|ms|s)(?:,\s*(?P<tz>[^\]]+))?\]$", re.IGNORECASE
)

_NAMED: dict[str, tuple[str, str]] = {
    "int": ("integer", "Int64"),
    "integer": ("integer", "Int64"),
    "bigint": ("integer", "Int64"),
    "smallint": ("integer", "Int16"),
    "float": ("float", "Float64"),
    "double": ("float", "Float64"),
    "double precision": ("float", "Float64"),
    "real": ("float", "Float32"),
    "numeric": ("float", "Float64"),
    "decimal": ("float", "Float64"),
    "bool": ("boolean", "Boolean"),
    "boolean": ("boolean", "Boolean"),
    "str": ("text", "String"),
    "string": ("text", "String"),
    "string[python]": ("text", "String"),
    "string[pyarrow]": ("text", "String"),
    "object": ("text", "String"),
    "varchar": ("text", "String"),
    "text": ("text", "String"),
    "category": ("categorical", "String"),
    "date": ("datetime", "Date"),
    "datetime": ("datetime", "Datetime(time_unit='us', time_zone=None)"),
    "timestamp": ("datetime", "Datetime(time_unit='us', time_zone=None)"),
}


def kind_and_dtype(name: str) -> tuple[str, str] | None:
    """(kind, dtype) of a contract column for another tool's type name, or None."""
    text = name.strip()
    if (m := _INTEGER.match(text)) is not None:
        return "integer", f"{'UInt' if m[1].lower() == 'uint' else 'Int'}{m[2]}"
    if (m := _FLOAT.match(text)) is not None:
        return "float", "Float32" if m[1] in ("16", "32") else "Float64"
    if (m := _DATETIME.match(text)) is not None:
        tz = repr(m["tz"].strip()) if m["tz"] else None
        return "datetime", f"Datetime(time_unit={m['unit']!r}, time_zone={tz})"
    named = _NAMED.get(text.lower())
    if named is not None:
        return named
    try:  # a polars name (pipewarden's own dtype strings)
        dtype = parse_dtype(text)
    except ValueError:
        return None
    return _kind_of(dtype), str(dtype)


def _kind_of(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or dtype.is_decimal():
        return "float"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_temporal() and not isinstance(dtype, pl.Duration | pl.Time):
        return "datetime"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "text"
    return "other"


def pandas_dtype(dtype_text: str, *, nullable: bool) -> str | None:
    """The pandas dtype pandera should check for a contract dtype, or None.

    A nullable integer or boolean column uses pandas' nullable dtype (``Int64``,
    ``boolean``): numpy's ``int64`` and ``bool`` cannot hold a missing value.
    """
    dtype = parse_dtype(dtype_text)
    if dtype.is_integer():
        name = str(dtype).lower()
        return name.capitalize().replace("Uint", "UInt") if nullable else name
    if dtype.is_float():
        return str(dtype).lower()
    if dtype == pl.Boolean:
        return "boolean" if nullable else "bool"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return "str"
    if isinstance(dtype, pl.Datetime):
        zone = f", {dtype.time_zone}" if dtype.time_zone else ""
        return f"datetime64[ns{zone}]"
    return None
