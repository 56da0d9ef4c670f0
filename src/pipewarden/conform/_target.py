"""Read a contract's dtype string (``"Float64"``, ``"Datetime(time_unit='ns', ...)"``)
into the polars dtype and the coercion family the gate applies to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from pipewarden.contracts.dtypes import DTYPE_EXAMPLES, parse_dtype
from pipewarden.errors import ContractError

Family = Literal["integer", "float", "boolean", "string", "datetime", "date", "other"]
"""How values are coerced: ``other`` dtypes (List, Struct, Decimal, ...) pass through."""

_INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Target:
    """What one column must become: its polars dtype and how to get there."""

    text: str
    dtype: pl.DataType
    family: Family
    low: int | None = None
    """Smallest value of an integer dtype."""
    high: int | None = None
    """Largest value of an integer dtype (UInt64 is capped at the Int64 maximum)."""
    time_unit: str | None = None
    time_zone: str | None = None
    enum: tuple[str, ...] | None = None

    @property
    def is_stringy(self) -> bool:
        return self.family == "string"

    @property
    def is_numeric(self) -> bool:
        return self.family in ("integer", "float")


def parse_target(text: str, *, column: str = "?") -> Target:
    """Parse a contract dtype string.

    Accepts what ``contracts.dtypes.parse_dtype`` accepts.

    Raises:
        ContractError: The string names no dtype polars knows.
    """
    try:
        dtype = parse_dtype(text)
    except ValueError as exc:
        raise ContractError(
            f"Column '{column}' has dtype '{text}', which is not a polars dtype. Use "
            f"e.g. {DTYPE_EXAMPLES}."
        ) from exc
    return _target(text, dtype)


def _target(text: str, dtype: pl.DataType) -> Target:
    if dtype.is_integer():
        info = _int_bounds(dtype)
        return Target(text, dtype, "integer", low=info[0], high=info[1])
    if dtype.is_float():
        return Target(text, dtype, "float")
    if dtype == pl.Boolean:
        return Target(text, dtype, "boolean")
    if isinstance(dtype, pl.Enum):
        return Target(text, dtype, "string", enum=tuple(dtype.categories.to_list()))
    if dtype == pl.String or isinstance(dtype, pl.Categorical):
        return Target(text, dtype, "string")
    if isinstance(dtype, pl.Datetime):
        return Target(
            text,
            dtype,
            "datetime",
            time_unit=dtype.time_unit or "us",
            time_zone=dtype.time_zone,
        )
    if dtype == pl.Date:
        return Target(text, dtype, "date")
    return Target(text, dtype, "other")


def _int_bounds(dtype: pl.DataType) -> tuple[int, int]:
    bits = {
        "Int8": 8,
        "Int16": 16,
        "Int32": 32,
        "Int64": 64,
        "Int128": 128,
        "UInt8": 8,
        "UInt16": 16,
        "UInt32": 32,
        "UInt64": 64,
        "UInt128": 128,
    }[type(dtype).__name__]
    if dtype.is_signed_integer():
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, min(2**bits - 1, _INT64_MAX)
