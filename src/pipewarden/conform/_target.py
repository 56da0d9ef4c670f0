"""Read a contract's dtype string (``"Float64"``, ``"Datetime(time_unit='ns', ...)"``)
into the polars dtype and the coercion family the gate applies to it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from pipewarden.errors import ContractError

Family = Literal["integer", "float", "boolean", "string", "datetime", "date", "other"]
"""How values are coerced: ``other`` dtypes (List, Struct, Decimal, ...) pass through."""

_INTEGERS: dict[str, type[pl.DataType]] = {
    "Int8": pl.Int8,
    "Int16": pl.Int16,
    "Int32": pl.Int32,
    "Int64": pl.Int64,
    "UInt8": pl.UInt8,
    "UInt16": pl.UInt16,
    "UInt32": pl.UInt32,
    "UInt64": pl.UInt64,
}
_SIMPLE: dict[str, type[pl.DataType]] = {
    **_INTEGERS,
    "Float32": pl.Float32,
    "Float64": pl.Float64,
    "Boolean": pl.Boolean,
    "String": pl.String,
    "Utf8": pl.String,
    "Categorical": pl.Categorical,
    "Date": pl.Date,
    "Time": pl.Time,
    "Binary": pl.Binary,
    "Null": pl.Null,
    "Object": pl.Object,
}
_ALIASES: dict[str, str] = {
    "int": "Int64",
    "integer": "Int64",
    "float": "Float64",
    "double": "Float64",
    "str": "String",
    "string": "String",
    "text": "String",
    "object": "String",
    "bool": "Boolean",
    "boolean": "Boolean",
    "date": "Date",
    "datetime": "Datetime",
    "datetime64[ns]": "Datetime('ns')",
    "timestamp": "Datetime",
    "category": "Categorical",
}
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

    Accepts what ``str(polars_dtype)`` prints (``Int64``, ``Datetime(time_unit='ns',
    time_zone=None)``, ``Enum(categories=['a', 'b'])``, ``List(Int64)``, ...) and the
    common lower-case aliases (``float``, ``str``, ``bool``, ``datetime64[ns]``).

    Raises:
        ContractError: The string names no dtype polars knows.
    """
    try:
        dtype = _dtype(text.strip())
    except (
        ValueError,
        SyntaxError,
        KeyError,
        TypeError,
        IndexError,
        pl.exceptions.PolarsError,
    ) as exc:
        raise ContractError(
            f"Column '{column}' has dtype '{text}', which is not a polars dtype. Use "
            "e.g. Float64, Int64, String, Boolean or Datetime(time_unit='us', "
            "time_zone=None)."
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


def _dtype(text: str) -> pl.DataType:
    alias = _ALIASES.get(text.lower())
    if alias is not None:
        text = alias
    node = ast.parse(text, mode="eval").body
    return _node_dtype(node)


def _node_dtype(node: ast.expr) -> pl.DataType:
    if isinstance(node, ast.Name):
        return _build(node.id, [], {})
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_arg(a) for a in node.args]
        kwargs = {k.arg: _arg(k.value) for k in node.keywords if k.arg is not None}
        return _build(node.func.id, args, kwargs)
    raise ValueError("not a dtype")


def _arg(node: ast.expr) -> Any:
    if isinstance(node, ast.Dict):
        return {
            ast.literal_eval(k): _arg(v)
            for k, v in zip(node.keys, node.values, strict=True)
            if k
        }
    if isinstance(node, ast.Name | ast.Call) and not (
        isinstance(node, ast.Name) and node.id == "None"
    ):
        return _node_dtype(node)
    return ast.literal_eval(node)


def _build(name: str, args: list[Any], kwargs: dict[str, Any]) -> pl.DataType:
    def pick(index: int, key: str, default: Any = None) -> Any:
        if key in kwargs:
            return kwargs[key]
        return args[index] if len(args) > index else default

    if name in _SIMPLE:
        return _SIMPLE[name]()
    if name == "Datetime":
        return pl.Datetime(pick(0, "time_unit", "us"), pick(1, "time_zone"))
    if name == "Duration":
        return pl.Duration(pick(0, "time_unit", "us"))
    if name == "Decimal":
        return pl.Decimal(pick(0, "precision"), pick(1, "scale", 0))
    if name == "Enum":
        return pl.Enum(pick(0, "categories", []))
    if name == "List":
        return pl.List(pick(0, "inner"))
    if name == "Array":
        return pl.Array(pick(0, "inner"), pick(1, "shape"))
    if name == "Struct":
        return pl.Struct(pick(0, "fields", {}))
    raise KeyError(name)
