"""The record path: same answer as the batch path, and fast enough to score online."""

from __future__ import annotations

import datetime as dt
import math
import pickle
import re
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipewarden.conform import Gate
from pipewarden.contracts.model import Contract
from pipewarden.errors import ConformError

CATEGORIES = ["gold", "silver", "Bronze", "n/a", "1"]
DTYPES = {
    "Float64": "float",
    "Float32": "float",
    "Int64": "integer",
    "Int8": "integer",
    "UInt16": "integer",
    "Boolean": "boolean",
    "String": "categorical",
    "Categorical": "categorical",
    "Datetime(time_unit='ns', time_zone=None)": "datetime",
    "Datetime(time_unit='us', time_zone=None)": "datetime",
    "Datetime(time_unit='ms', time_zone='UTC')": "datetime",
    "Date": "datetime",
}
TEXTS = [
    "$33,000.00",
    "1,234.5",
    " 42 ",
    "(12.5)",
    "1e3",
    "-0",
    "1,5",
    "3.0",
    "3.5",
    "yes",
    "N",
    "on",
    "maybe",
    "2024-01-05",
    "2024-01-05T10:11:12Z",
    "2024-01-05 10:11:12.123456789+05:30",
    "05/01/2024",
    "2024-02-30",
    "3000-01-01",
    " gold ",
    "GOLD",
    "Silver",
    "bronze ",
    "NaN",
    "",
    "  ",
    "null",
    "inf",
    "1e400",
    "300",
    "-129",
    "9223372036854775808",
    "0.00001",
    "true",
    "1",
]
ALPHABET = "0123456789.,-+eE$() :TZ/abglnorsvyGNY\t"


_TYPICAL: dict[str, st.SearchStrategy[Any]] = {
    "float": st.floats(-300, 300) | st.floats(-300, 300).map(lambda x: f"${x:,.2f}"),
    "integer": st.integers(-300, 300) | st.integers(-300, 300).map(lambda i: f" {i} "),
    "boolean": st.booleans() | st.sampled_from(["Y", "no", "TRUE", "0", "off"]),
    "categorical": st.sampled_from(CATEGORIES).flatmap(
        lambda c: st.sampled_from([c, f"{c} ", f" {c.upper()}", c.title(), "platinum"])
    ),
    "datetime": st.datetimes(dt.datetime(1600, 1, 1)).flatmap(
        lambda d: st.sampled_from(
            [
                d,
                d.isoformat(),
                d.strftime("%d/%m/%Y"),
                d.strftime("%Y-%m-%d %H:%M:%S"),
                d.isoformat() + "Z",
                d.date(),
            ]
        )
    ),
}


def _value(kind: str) -> st.SearchStrategy[Any]:
    return _TYPICAL.get(kind, st.nothing()) | st.one_of(
        st.none(),
        st.sampled_from(TEXTS),
        st.text(alphabet=ALPHABET, max_size=10),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-1e3, 1e3).map(lambda x: round(x, 2)),
        st.integers(-(2**63), 2**63 - 1),
        st.integers(-300, 300),
        st.booleans(),
        st.sampled_from(CATEGORIES),
        st.datetimes(
            min_value=dt.datetime(1, 1, 1), timezones=st.sampled_from([None, dt.UTC])
        ),
        st.dates(),
        st.floats(-1e3, 1e3).map(str),
    )


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    names = draw(
        st.lists(st.sampled_from("abcde"), min_size=1, max_size=4, unique=True)
    )
    columns: dict[str, Any] = {}
    for name in names:
        dtype = draw(st.sampled_from(sorted(DTYPES)))
        kind = DTYPES[dtype]
        conform: dict[str, Any] = {
            "on_coerce_error": draw(st.sampled_from(["null", "quarantine"])),
            "on_null": draw(st.sampled_from(["keep", "impute", "quarantine"])),
            "on_missing": draw(st.sampled_from(["fail", "default", "null"])),
        }
        spec: dict[str, Any] = {
            "kind": kind,
            "dtype": dtype,
            "nullable": draw(st.booleans()),
        }
        if kind in ("float", "integer"):
            low = draw(st.none() | st.floats(-200, 0).map(lambda x: round(x, 1)))
            high = draw(st.none() | st.floats(0, 200).map(lambda x: round(x, 1)))
            if low is not None or high is not None:
                spec["range"] = {"min": low, "max": high}
            conform["on_out_of_range"] = draw(
                st.sampled_from(["keep", "clip", "null", "quarantine"])
            )
            conform["default"] = draw(st.sampled_from([0, 1, 7]))
            conform["median"] = draw(st.sampled_from([2.0, 3.5]))
            conform["impute"] = draw(st.sampled_from(["default", "median"]))
        elif kind == "categorical":
            if draw(st.booleans()):
                spec["categories"] = sorted(
                    draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True))
                )
                conform["on_unseen"] = draw(
                    st.sampled_from(["keep", "fallback", "null", "quarantine"])
                )
                conform["fallback"] = "other"
                conform["normalize"] = draw(st.booleans())
            conform["default"] = conform["mode"] = "gold"
            conform["impute"] = draw(st.sampled_from(["default", "mode"]))
        elif kind == "boolean":
            conform["default"] = False
        else:
            conform["default"] = "2024-01-01T00:00:00"
            if draw(st.booleans()):
                conform["datetime_format"] = draw(
                    st.sampled_from(["%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y"])
                )
        spec["conform"] = conform
        columns[name] = spec
    label = draw(st.none() | st.sampled_from(names))
    return Contract.from_dict(
        {
            "columns": columns,
            "dataset": {"label": {"column": label}} if label else {},
            "policies": {
                "unexpected_columns": draw(st.sampled_from(["drop", "keep", "fail"])),
                "missing_columns": draw(st.sampled_from(["fail", "fill"])),
            },
        }
    )


@st.composite
def gate_and_record(draw: st.DrawFn) -> tuple[Gate, dict[str, Any]]:
    contract = draw(contracts())
    names = list(contract.columns)
    keys = [n for n in names if draw(st.integers(0, 9))]
    if draw(st.integers(0, 4)) == 0 or not keys:
        keys.append("extra")
    record = {
        k: draw(_value(contract.columns[k].kind if k in names else "x")) for k in keys
    }
    return Gate(contract), record


def _batch_answer(gate: Gate, record: dict[str, Any]) -> Any:
    return gate.conform(pl.from_dicts([record], infer_schema_length=None))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gate_and_record())
def test_conform_record_equals_one_row_batch(case: tuple[Gate, dict[str, Any]]) -> None:
    gate, record = case
    try:
        answer = gate.conform_record(record)
    except ConformError as exc:
        with pytest.raises(ConformError, match=re.escape(str(exc))):
            _batch_answer(gate, record)
        return
    batch = _batch_answer(gate, record)
    assert batch.rows_in == 1
    if answer.quarantined:
        assert batch.frame.height == 0
        row = batch.quarantine.row(0, named=True)
        assert (row["column"], row["check"], row["reason"]) == (
            answer.column,
            answer.check,
            answer.reason,
        )
        assert answer.record is None
    elif answer.record == {}:  # polars has no one-row frame without columns
        assert batch.frame.width == 0
    else:
        assert batch.quarantine.height == 0
        (expected,) = batch.frame.to_dicts()
        assert answer.record is not None
        assert list(answer.record) == list(expected)
        assert _same(answer.record, expected)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x):
            if not math.isnan(y):
                return False
        elif x != y or type(x) is not type(y):
            return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_conform_records_equals_conform_record_for_uniform_records(
    data: st.DataObject,
) -> None:
    gate = Gate(
        Contract.from_dict(
            {
                "policies": {"missing_columns": "fill"},
                "columns": {
                    "amount": {
                        "kind": "float",
                        "dtype": "Float64",
                        "range": {"min": 0, "max": 100},
                        "conform": {"on_out_of_range": "clip", "on_missing": "null"},
                    },
                    "plan": {
                        "kind": "categorical",
                        "dtype": "String",
                        "categories": ["gold", "silver"],
                        "nullable": False,
                        "conform": {
                            "on_unseen": "quarantine",
                            "normalize": True,
                            "mode": "gold",
                            "impute": "mode",
                            "on_missing": "mode",
                        },
                    },
                },
            }
        )
    )
    records = data.draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "amount": st.none() | st.floats(-50, 150),
                    "plan": st.none()
                    | st.sampled_from(["gold", " Silver", "bronze", "GOLD "]),
                }
            ),
            min_size=1,
            max_size=20,
        )
    )
    result = gate.conform_records(records)
    singles = [gate.conform_record(r) for r in records]
    assert [s.record for s in singles if not s.quarantined] == result.frame.to_dicts()
    assert [(s.column, s.check, s.reason) for s in singles if s.quarantined] == list(
        result.quarantine.select("column", "check", "reason").iter_rows()
    )
    assert result.quarantine["row"].to_list() == [
        i for i, s in enumerate(singles) if s.quarantined
    ]


def test_conform_record_repairs_a_messy_record(gate: Gate) -> None:
    result = gate.conform_record(
        {"age": " 42 ", "income": "$33,000.00", "plan": "gold ", "promo": "X"}
    )
    assert result.record == {
        "age": 42,
        "income": 33000.0,
        "plan": "gold",
        "region": "north",
    }
    assert not result.quarantined
    assert [f.check for f in result.findings] == [
        "schema.unexpected_column",
        "schema.missing_column",
        "category.unseen",
    ]
    assert result.findings[2].message == (
        "Column 'plan' has 1 value(s) (100% of rows) that differ from a category only "
        "by surrounding whitespace (e.g. 'gold ' vs 'gold'); they were normalised."
    )


def test_conform_record_quarantines_with_the_batch_reason(gate: Gate) -> None:
    result = gate.conform_record({"age": 300, "income": 1.0, "plan": "gold"})
    assert result.quarantined
    assert result.record is None
    assert (result.column, result.check, result.reason) == (
        "age",
        "range.out_of_bounds",
        "value is outside [0, 120]",
    )


def test_conform_record_raises_for_a_missing_column_it_cannot_fill(gate: Gate) -> None:
    with pytest.raises(ConformError) as info:
        gate.conform_record({"income": 1.0, "plan": "gold"})
    assert str(info.value) == (
        "Column 'age' is in the contract but missing from the batch. Restore it "
        "upstream, or set `conform.on_missing` (default, median, mode or null) for it "
        "in the contract."
    )


def test_a_gate_survives_pickling(gate: Gate) -> None:
    clone = pickle.loads(pickle.dumps(gate))
    record = {"age": "7", "income": "1,000", "plan": "SILVER"}
    assert clone.conform_record(record).record == gate.conform_record(record).record
