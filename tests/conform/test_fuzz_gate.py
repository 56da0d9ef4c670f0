"""Fuzz the gate: wild records against contracts inferred from random frames.

Records carry NaN, infinities, integers past 64 bits, long and unicode strings,
None, values of the wrong type and unicode column names. The invariants:

- ``Gate.conform`` raises nothing but ConformError, and that only when a policy says
  to fail (a missing or an unexpected column), in one line;
- rows in = rows out + rows quarantined, and the frames hold exactly those rows;
- the same input gives the same output;
- ``Gate.conform_record`` of a record agrees with ``conform`` of the one-row batch
  polars builds from it (as tests/conform/test_record.py states it).

``HYPOTHESIS_PROFILE=long`` (``make fuzz``) runs many more examples.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipewarden as pw
from pipewarden.conform import Gate
from pipewarden.contracts.model import Contract
from pipewarden.errors import ConformError, PipewardenWarning

FUZZ = settings(suppress_health_check=[HealthCheck.too_slow])

# No control characters: a column named "\n" gives a message of two lines, as every
# message quotes names as they are (reported in #20, not changed here).
# Nor "*" or "^...$", which polars' pl.col reads as a wildcard or a pattern: the gate
# then fails with a polars error (reported in #20, not changed here).
_names = st.sampled_from(["a", "b c", "é", "数量", "🙂", "x" * 40, "Amount"]) | st.text(
    st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=6
).filter(lambda name: name != "*" and not (name[0] == "^" and name[-1] == "$"))
_T0 = dt.datetime(2024, 1, 1)
_REFERENCE_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "int": st.none() | st.integers(-(2**63), 2**63 - 1) | st.integers(-5, 5),
    "float": st.none()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(-10, 10),
    "str": st.none() | st.sampled_from(["gold", "silver", "ü", ""]) | st.text(),
    "bool": st.none() | st.booleans(),
    "time": st.none() | st.integers(0, 10**6).map(lambda s: _T0 + dt.timedelta(0, s)),
}
_DTYPES = {
    "int": pl.Int64,
    "float": pl.Float64,
    "str": pl.String,
    "bool": pl.Boolean,
    "time": pl.Datetime("us"),
}
_wild = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 2**64, -(2**70), 2**63]),
    st.integers(-(2**80), 2**80),
    st.integers(-10, 10),
    st.booleans(),
    st.text(max_size=12),
    st.text(min_size=1, max_size=3).map(lambda s: s * 400),  # over 1,000 characters
    st.sampled_from(["gold", " GOLD ", "1e400", "NaN", "2024-01-05", "$1,000.50"]),
    st.datetimes(min_value=dt.datetime(1, 1, 1)),
    st.dates(),
)


@st.composite
def gates(draw: st.DrawFn) -> Gate:
    names = draw(st.lists(_names, min_size=1, max_size=4, unique=True))
    kinds = [draw(st.sampled_from(sorted(_REFERENCE_VALUES))) for _ in names]
    rows = draw(st.integers(1, 12))
    reference = pl.DataFrame(
        {
            name: pl.Series(
                name,
                draw(st.lists(_REFERENCE_VALUES[kind], min_size=rows, max_size=rows)),
                dtype=_DTYPES[kind],
            )
            for name, kind in zip(names, kinds, strict=True)
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PipewardenWarning)
        contract = pw.infer_contract(pw.profile(reference))
    data = contract.to_dict()
    data["policies"] = {
        "unexpected_columns": draw(st.sampled_from(["drop", "keep", "fail"])),
        "missing_columns": draw(st.sampled_from(["fail", "fill"])),
    }
    return Gate(Contract.from_dict(data))


@st.composite
def records(draw: st.DrawFn, gate: Gate) -> dict[str, Any]:
    keys = [name for name in gate.columns if draw(st.integers(0, 7))]
    if draw(st.integers(0, 5)) == 0 or not keys:
        # Never a record without keys: conform([{}]) is a batch of no rows at all
        # (polars has no frame of rows without columns), a known gap of #20.
        keys.append(draw(_names))
    return {key: draw(_wild) for key in keys}


def _policy_error(gate: Gate, batch: list[dict[str, Any]], exc: ConformError) -> None:
    """A ConformError only where a policy says to fail, in one line."""
    message = str(exc)
    assert message and "\n" not in message, message
    keys = {k for r in batch for k in r}
    missing = any(name not in keys for name in gate.columns)
    unexpected = bool(keys - set(gate.columns))
    assert missing or unexpected, message


@FUZZ
@given(st.data())
def test_conform_keeps_or_quarantines_every_row_the_same_way_twice(
    data: st.DataObject,
) -> None:
    gate = data.draw(gates())
    batch = data.draw(st.lists(records(gate), min_size=1, max_size=8))
    try:
        first = gate.conform(batch)
    except ConformError as exc:
        _policy_error(gate, batch, exc)
        with pytest.raises(ConformError):
            gate.conform(batch)
        return
    assert first.rows_in == len(batch)
    assert first.rows_out + first.rows_quarantined == first.rows_in
    assert first.frame.height == first.rows_out
    assert first.quarantine.height == first.rows_quarantined
    assert first.quarantine["row"].n_unique() == first.rows_quarantined
    again = gate.conform(batch)
    assert again.frame.equals(first.frame)
    assert again.quarantine.equals(first.quarantine)
    assert [f.to_dict() for f in again.findings] == [
        f.to_dict() for f in first.findings
    ]


def _one_row_batch(record: dict[str, Any]) -> pl.DataFrame | None:
    """The frame polars builds from one record, or None when it builds none."""
    try:
        return pl.from_dicts([record], infer_schema_length=None)
    except (pl.exceptions.PolarsError, OverflowError, TypeError, ValueError):
        return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b) and type(a) is type(b)


@FUZZ
@given(st.data())
def test_conform_record_agrees_with_a_one_row_batch(data: st.DataObject) -> None:
    gate = data.draw(gates())
    record = data.draw(records(gate))
    batch = _one_row_batch(record)
    try:
        answer = gate.conform_record(record)
    except ConformError as exc:
        _policy_error(gate, [record], exc)
        if batch is not None:
            with pytest.raises(ConformError, match="^" + _escaped(str(exc)) + "$"):
                gate.conform(batch)
        return
    if batch is None:
        return
    expected = gate.conform(batch)
    assert expected.rows_in == 1
    assert answer.quarantined == (expected.rows_quarantined == 1)
    if answer.quarantined:
        row = expected.quarantine.row(0, named=True)
        assert (row["column"], row["check"], row["reason"]) == (
            answer.column,
            answer.check,
            answer.reason,
        )
    elif answer.record:
        (kept,) = expected.frame.to_dicts()
        assert answer.record is not None
        assert list(answer.record) == list(kept)
        for key in kept:
            assert _same(answer.record[key], kept[key]), (key, answer.record, kept)


def _escaped(text: str) -> str:
    import re

    return re.escape(text)


def test_records_mixing_huge_integers_and_datetimes_are_conformed() -> None:
    # Found by the fuzzer: polars made such a key a column of Python objects, and
    # the gate crashed with InvalidOperationError instead of reading them as text.
    gate = Gate(pw.infer_contract(pw.profile(pl.DataFrame({"a": [1, 2, 3]}))))
    result = gate.conform([{"a": None}, {"a": 2**64}, {"a": dt.datetime(2000, 1, 1)}])
    assert (result.rows_in, result.rows_out + result.rows_quarantined) == (3, 3)
    assert result.frame.schema == pl.Schema({"a": pl.Int64})
