"""Read a contract's dtype string (``"Float64"``, ``"Datetime(time_unit='ns', ...)"``)
into the polars dtype it names: once, when the contract is validated, for every command.
"""

from __future__ import annotations

import ast
from typing import Any

import polars as pl

__all__ = ["DTYPE_EXAMPLES", "parse_dtype"]

DTYPE_EXAMPLES = (
    "Float64, Int64, String, Boolean or Datetime(time_unit='us', time_zone=None)"
)
"""Dtypes to suggest when a contract names one polars does not know."""

_SIMPLE: dict[str, type[pl.DataType]] = {
    "Int8": pl.Int8,
    "Int16": pl.Int16,
    "Int32": pl.Int32,
    "Int64": pl.Int64,
    "Int128": pl.Int128,
    "UInt8": pl.UInt8,
    "UInt16": pl.UInt16,
    "UInt32": pl.UInt32,
    "UInt64": pl.UInt64,
    "UInt128": pl.UInt128,
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


def parse_dtype(text: str) -> pl.DataType:
    """The polars dtype a contract's dtype string names.

    Accepts what ``str(polars_dtype)`` prints (``Int64``, ``Datetime(time_unit='ns',
    time_zone=None)``, ``Enum(categories=['a', 'b'])``, ``List(Int64)``, ...) and the
    common lower-case aliases (``float``, ``str``, ``bool``, ``datetime64[ns]``).

    Raises:
        ValueError: The string names no dtype polars knows.
    """
    try:
        return _dtype(text.strip())
    except (
        ValueError,
        SyntaxError,
        KeyError,
        TypeError,
        IndexError,
        pl.exceptions.PolarsError,
    ) as exc:
        raise ValueError(f"{text!r} is not a polars dtype") from exc


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
