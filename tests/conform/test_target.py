"""Contract dtype strings are read robustly into polars dtypes."""

from __future__ import annotations

import polars as pl
import pytest

from pipewarden.conform._target import parse_target
from pipewarden.errors import ContractError


@pytest.mark.parametrize(
    ("text", "dtype", "family"),
    [
        ("Float64", pl.Float64(), "float"),
        ("Int32", pl.Int32(), "integer"),
        ("String", pl.String(), "string"),
        ("Utf8", pl.String(), "string"),
        ("Boolean", pl.Boolean(), "boolean"),
        ("Datetime(time_unit='ns', time_zone=None)", pl.Datetime("ns"), "datetime"),
        (
            "Datetime(time_unit='us', time_zone='UTC')",
            pl.Datetime("us", "UTC"),
            "datetime",
        ),
        ("Datetime('ms')", pl.Datetime("ms"), "datetime"),
        ("Date", pl.Date(), "date"),
        ("Categorical", pl.Categorical(), "string"),
        ("Enum(categories=['a', 'b'])", pl.Enum(["a", "b"]), "string"),
        ("List(Int64)", pl.List(pl.Int64), "other"),
        ("Struct({'a': Int64})", pl.Struct({"a": pl.Int64}), "other"),
        ("Decimal(precision=10, scale=2)", pl.Decimal(10, 2), "other"),
        ("float", pl.Float64(), "float"),
        (" str ", pl.String(), "string"),
        ("datetime64[ns]", pl.Datetime("ns"), "datetime"),
    ],
)
def test_dtype_strings_parse(text: str, dtype: pl.DataType, family: str) -> None:
    target = parse_target(text)
    assert target.dtype == dtype
    assert target.family == family


def test_integer_bounds_come_from_the_dtype() -> None:
    assert (parse_target("Int8").low, parse_target("Int8").high) == (-128, 127)
    assert parse_target("UInt64").high == 2**63 - 1


@pytest.mark.parametrize("text", ["Nope", "Float64(", "__import__('os')", "1 + 2"])
def test_unknown_dtype_is_a_contract_error(text: str) -> None:
    with pytest.raises(ContractError) as info:
        parse_target(text, column="amount")
    assert str(info.value) == (
        f"Column 'amount' has dtype '{text}', which is not a polars dtype. Use e.g. "
        "Float64, Int64, String, Boolean or Datetime(time_unit='us', time_zone=None)."
    )
