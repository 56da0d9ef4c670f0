"""Coercion grammar: one table of cases, held against both the Python and polars paths."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.conform._coerce_exprs import coerce_expr
from pipewarden.conform._target import parse_target
from pipewarden.conform.coerce import FAIL, coercer, format_float, number_text

CASES: list[tuple[str, Any, Any]] = [
    ("Float64", "1,234.5", 1234.5),
    ("Float64", "$33,000.00", 33000.0),
    ("Float64", " 42 ", 42.0),
    ("Float64", "(12.5)", -12.5),
    ("Float64", "1e3", 1000.0),
    ("Float64", "€ 1 234,00", FAIL),
    ("Float64", "1,5", FAIL),
    ("Float64", "12%", FAIL),
    ("Float64", "inf", FAIL),
    ("Float64", "", None),
    ("Float64", "N/A", None),
    ("Float64", "abc", FAIL),
    ("Float64", 7, 7.0),
    ("Float64", True, 1.0),
    ("Float64", float("nan"), None),
    ("Int64", "3.0", 3),
    ("Int64", "3.5", FAIL),
    ("Int64", "1,000", 1000),
    ("Int64", "9223372036854775808", FAIL),
    ("Int64", 2.0, 2),
    ("Int8", "128", FAIL),
    ("Int8", "-128", -128),
    ("Boolean", "yes", True),
    ("Boolean", "Y", True),
    ("Boolean", "1", True),
    ("Boolean", "TRUE", True),
    ("Boolean", "no", False),
    ("Boolean", "N", False),
    ("Boolean", "0", False),
    ("Boolean", "false", False),
    ("Boolean", "maybe", FAIL),
    ("Boolean", 2, FAIL),
    ("String", 42, "42"),
    ("String", 1.5, "1.5"),
    ("String", False, "false"),
    ("String", " padded ", " padded "),
    ("Datetime(time_unit='us', time_zone=None)", "2024-01-05", dt.datetime(2024, 1, 5)),
    (
        "Datetime(time_unit='us', time_zone=None)",
        "2024-01-05T10:30:00+02:00",
        dt.datetime(2024, 1, 5, 8, 30),
    ),
    (
        "Datetime(time_unit='us', time_zone=None)",
        "2024-01-05 10:30:00.25Z",
        dt.datetime(2024, 1, 5, 10, 30, 0, 250000),
    ),
    ("Datetime(time_unit='us', time_zone=None)", "2024-02-30", FAIL),
    ("Datetime(time_unit='ns', time_zone=None)", "2300-01-01", FAIL),
    (
        "Datetime(time_unit='us', time_zone=None)",
        dt.date(2024, 1, 5),
        dt.datetime(2024, 1, 5),
    ),
    ("Date", "2024-01-05T23:00:00-05:00", dt.date(2024, 1, 6)),
    # A float NaN is missing whatever the target (a pandas frame's empty date), and
    # any other number is no date.
    ("Date", math.nan, None),
    ("Datetime(time_unit='us', time_zone=None)", math.nan, None),
    ("Boolean", math.nan, None),
    ("Date", 1.5, FAIL),
]


@pytest.mark.parametrize(("dtype", "value", "expected"), CASES)
def test_a_value_is_read_the_same_by_both_paths(
    dtype: str, value: Any, expected: Any
) -> None:
    target = parse_target(dtype)
    assert coercer(target)(value) == expected or (
        expected is FAIL and coercer(target)(value) is FAIL
    )
    batch = pl.from_dicts([{"x": value}])
    coerced = coerce_expr(pl.col("x"), batch.schema["x"], target)
    got = batch.select(coerced.value.alias("v"), coerced.failed.alias("f")).row(0)
    assert got == ((None, True) if expected is FAIL else (expected, False))


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("$1,234.50", "1234.50"),
        ("(7)", "-7"),
        ("- 5", "-5"),
        ("1 000", "1000"),
        ("1,23", None),
        ("1.2.3", None),
        ("", None),
        ("12e", None),
    ],
)
def test_number_text_canonical_form(text: str, canonical: str | None) -> None:
    assert number_text(text) == canonical


def test_datetime_format_is_tried_before_iso() -> None:
    read = coercer(parse_target("Date"), "%d/%m/%Y")
    assert read("05/01/2024") == dt.date(2024, 1, 5)
    assert read("2024-01-06") == dt.date(2024, 1, 6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False), min_size=1, max_size=50))
def test_format_float_matches_polars(values: list[float]) -> None:
    rendered = pl.Series(values, dtype=pl.Float64).cast(pl.String).to_list()
    assert [format_float(v) for v in values] == rendered


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet="0123456789.,-+eE$() €", max_size=12), min_size=1, max_size=20
    ),
    st.sampled_from(["Float64", "Int64", "Int16", "Boolean"]),
)
def test_text_is_read_the_same_by_both_paths(texts: list[str], dtype: str) -> None:
    target = parse_target(dtype)
    read = coercer(target)
    expected = [None if (v := read(t)) is FAIL else v for t in texts]
    coerced = coerce_expr(pl.col("x"), pl.String(), target)
    got = pl.DataFrame({"x": texts}).select(coerced.value.alias("v"))["v"].to_list()
    assert got == expected
