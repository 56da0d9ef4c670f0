"""Gate.conform: every policy, the caller's frame type, and nothing lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipewarden as pw
from pipewarden.conform import Gate
from pipewarden.contracts.model import Contract
from pipewarden.errors import ConformError, ContractError


def _gate(column: dict[str, Any], **policies: str) -> Gate:
    """A gate over one column 'x' with the given spec."""
    return Gate(
        Contract.from_dict(
            {
                "policies": {"missing_columns": "fill", **policies},
                "columns": {"x": column},
            }
        )
    )


def _number(**conform: Any) -> dict[str, Any]:
    return {
        "kind": "float",
        "dtype": "Float64",
        "range": {"min": 0, "max": 10},
        "conform": conform,
    }


def _category(**conform: Any) -> dict[str, Any]:
    return {
        "kind": "categorical",
        "dtype": "String",
        "categories": ["gold", "silver"],
        "conform": conform,
    }


def test_conform_gives_the_contract_columns_in_order_and_dtypes(gate: Gate) -> None:
    batch = pl.DataFrame(
        {
            "promo": ["A"],
            "plan": ["gold"],
            "income": ["1,200.50"],
            "age": [33.0],
            "region": ["north"],
        }
    )
    result = gate.conform(batch)
    assert result.frame.schema == pl.Schema(
        {"age": pl.Int64, "income": pl.Float64, "plan": pl.String, "region": pl.String}
    )
    assert result.frame.row(0) == (33, 1200.5, "gold", "north")


def test_unexpected_column_is_dropped_and_reported(gate: Gate) -> None:
    batch = pl.DataFrame(
        {
            "age": [1],
            "income": [2.0],
            "plan": ["gold"],
            "region": ["x"],
            "promo_code": ["A"],
        }
    )
    result = gate.conform(batch)
    assert "promo_code" not in result.frame.columns
    finding = result.findings[0]
    assert (finding.check, finding.column, finding.severity.value) == (
        "schema.unexpected_column",
        "promo_code",
        "warning",
    )
    assert finding.message == (
        "Column 'promo_code' (String) is not in the contract; the gate dropped it. Add "
        "it to the contract if the model should use it."
    )


def test_unexpected_column_is_kept_at_the_end_when_the_policy_says_keep(
    make_contract: Callable[..., Contract],
) -> None:
    gate = Gate(
        make_contract(
            policies={"unexpected_columns": "keep", "missing_columns": "fill"}
        )
    )
    batch = pl.DataFrame(
        {"promo": ["A"], "age": [1], "income": [2.0], "plan": ["gold"], "region": ["x"]}
    )
    assert gate.conform(batch).frame.columns == [
        "age",
        "income",
        "plan",
        "region",
        "promo",
    ]


def test_unexpected_column_fails_when_the_policy_says_fail(
    make_contract: Callable[..., Contract],
) -> None:
    gate = Gate(make_contract(policies={"unexpected_columns": "fail"}))
    batch = pl.DataFrame(
        {
            "age": [1],
            "income": [2.0],
            "plan": ["gold"],
            "region": ["x"],
            "a": [1],
            "b": [2],
        }
    )
    with pytest.raises(ConformError) as info:
        gate.conform(batch)
    assert str(info.value) == (
        "Columns 'a', 'b' are not in the contract and `policies.unexpected_columns` is "
        "fail. Remove them upstream, add them to the contract, or set "
        "`policies.unexpected_columns: drop`."
    )


def test_missing_column_fails_when_the_contract_policy_says_fail(
    make_contract: Callable[..., Contract],
) -> None:
    gate = Gate(make_contract(policies={"missing_columns": "fail"}))
    with pytest.raises(ConformError) as info:
        gate.conform(pl.DataFrame({"age": [1], "plan": ["gold"], "region": ["x"]}))
    assert str(info.value) == (
        "Column 'income' is in the contract but missing from the batch. Restore it "
        "upstream, or set `policies.missing_columns: fill` in the contract to fill it "
        "as `conform.on_missing` says."
    )


@pytest.mark.parametrize(
    ("on_missing", "expected", "said"),
    [
        ("default", 5.0, "the default 5.0"),
        ("median", 2.5, "the reference median 2.5"),
        ("mode", 7.0, "the reference mode 7.0"),
        ("null", None, "null"),
    ],
)
def test_missing_column_is_filled_as_the_column_says(
    on_missing: str, expected: float | None, said: str
) -> None:
    gate = Gate(
        Contract.from_dict(
            {
                "policies": {"missing_columns": "fill"},
                "columns": {
                    "a": {"kind": "integer", "dtype": "Int64"},
                    "x": {
                        "kind": "float",
                        "dtype": "Float64",
                        "conform": {
                            "on_missing": on_missing,
                            "default": 5,
                            "median": 2.5,
                            "mode": 7,
                        },
                    },
                },
            }
        )
    )
    result = gate.conform(pl.DataFrame({"a": [1, 2]}))
    assert result.frame["x"].to_list() == [expected, expected]
    assert result.frame.schema["x"] == pl.Float64
    assert result.findings[0].message == (
        f"Column 'x' is missing from the batch; the gate filled it with {said}. "
        "Restore it upstream so the model sees real values."
    )


def test_missing_label_is_left_out_of_a_scoring_frame(
    make_contract: Callable[..., Contract],
) -> None:
    contract = make_contract(dataset={"label": {"column": "plan"}})
    result = Gate(contract).conform(pl.DataFrame({"age": [1], "income": [1.0]}))
    assert result.frame.columns == ["age", "income", "region"]
    assert result.findings[-1].message == (
        "Label column 'plan' is not in the batch (a scoring batch); the frame has the "
        "other columns."
    )


@pytest.mark.parametrize(
    ("on_coerce_error", "rows", "quarantined"),
    [("null", [1.5, None, 2.0], 0), ("quarantine", [1.5, 2.0], 1)],
)
def test_unreadable_values_become_null_or_are_quarantined(
    on_coerce_error: str, rows: list[float | None], quarantined: int
) -> None:
    gate = _gate(
        {
            "kind": "float",
            "dtype": "Float64",
            "conform": {"on_coerce_error": on_coerce_error},
        }
    )
    result = gate.conform(pl.DataFrame({"x": ["1.5", "abc", "$2"]}))
    assert result.frame["x"].to_list() == rows
    assert result.rows_quarantined == quarantined
    done = (
        "they were set to null"
        if on_coerce_error == "null"
        else "their rows were quarantined"
    )
    assert result.findings[0].message == (
        "Column 'x' has 1 value(s) (33% of rows) that cannot be read as Float64 (e.g. "
        f"'abc'); {done}. Fix them upstream."
    )


@pytest.mark.parametrize(
    ("on_unseen", "expected", "quarantined"),
    [
        ("keep", ["gold", "platinum", None], 0),
        ("fallback", ["gold", "other", None], 0),
        ("null", ["gold", None, None], 0),
        ("quarantine", ["gold", None], 1),
    ],
)
def test_unseen_categories_follow_on_unseen(
    on_unseen: str, expected: list[str | None], quarantined: int
) -> None:
    gate = _gate(_category(on_unseen=on_unseen, fallback="other"))
    result = gate.conform(pl.DataFrame({"x": ["gold", "platinum", None]}))
    assert result.frame["x"].to_list() == expected
    assert result.rows_quarantined == quarantined


def test_padded_categories_are_recognised_and_normalised() -> None:
    gate = _gate(_category(normalize=True))
    result = gate.conform(pl.DataFrame({"x": ["gold  ", "SILVER", " Gold", "gold"]}))
    assert result.frame["x"].to_list() == ["gold", "silver", "gold", "gold"]
    assert [f.message for f in result.findings] == [
        "Column 'x' has 3 value(s) (75% of rows) that differ from a category only by "
        "surrounding whitespace or case (e.g. ' Gold' vs 'gold'); they were "
        "normalised."
    ]


def test_padded_categories_are_reported_with_the_fix_when_not_normalised() -> None:
    result = _gate(_category()).conform(pl.DataFrame({"x": ["gold  ", "gold  "]}))
    assert result.frame["x"].to_list() == ["gold  ", "gold  "]
    assert result.findings[0].message == (
        "Column 'x' has 2 value(s) (100% of rows) not in its categories ('gold  '); "
        "they were kept as is. They differ from a category only by surrounding "
        "whitespace (e.g. 'gold  ' vs 'gold'); set `conform.normalize: true` to map "
        "them, or trim them upstream."
    )


@pytest.mark.parametrize(
    ("on_out_of_range", "expected", "quarantined"),
    [
        ("keep", [-1.0, 5.0, 12.0], 0),
        ("clip", [0.0, 5.0, 10.0], 0),
        ("null", [None, 5.0, None], 0),
        ("quarantine", [5.0], 2),
    ],
)
def test_out_of_range_values_follow_on_out_of_range(
    on_out_of_range: str, expected: list[float | None], quarantined: int
) -> None:
    gate = _gate(_number(on_out_of_range=on_out_of_range))
    result = gate.conform(pl.DataFrame({"x": [-1.0, 5.0, 12.0]}))
    assert result.frame["x"].to_list() == expected
    assert result.rows_quarantined == quarantined
    assert result.findings[0].check == "range.out_of_bounds"


def test_nulls_in_a_never_null_column_are_imputed_with_the_median() -> None:
    gate = _gate({**_number(impute="median", median=4.0), "nullable": False})
    result = gate.conform(pl.DataFrame({"x": [1.0, None, float("nan")]}))
    assert result.frame["x"].to_list() == [1.0, 4.0, 4.0]
    assert result.findings[0].message == (
        "Column 'x' has 2 null value(s) (67% of rows) in a column the contract says is "
        "never null; they were imputed with the reference median 4.0."
    )


def test_nulls_in_a_never_null_column_without_imputation_are_quarantined() -> None:
    gate = _gate({"kind": "text", "dtype": "String", "nullable": False})
    result = gate.conform(pl.DataFrame({"x": ["a", None]}))
    assert result.frame["x"].to_list() == ["a"]
    assert result.quarantine.row(0, named=True) == {
        "x": None,
        "row": 1,
        "column": "x",
        "check": "nulls.rate",
        "reason": "null value in a column that must not be null",
    }


def test_on_null_impute_uses_the_mode_of_a_category() -> None:
    gate = _gate(_category(on_null="impute", impute="mode", mode="silver"))
    assert gate.conform(pl.DataFrame({"x": [None, "gold"]})).frame["x"].to_list() == [
        "silver",
        "gold",
    ]


def test_nulls_are_kept_in_a_nullable_column_by_default() -> None:
    result = _gate(_number()).conform(pl.DataFrame({"x": [None, 1.0]}))
    assert result.frame["x"].to_list() == [None, 1.0]
    assert result.findings == ()


def test_a_row_failing_several_checks_is_quarantined_once_with_its_first_reason(
    gate: Gate,
) -> None:
    batch = pl.DataFrame(
        {
            "age": [500, 30],
            "income": [1.0, 2.0],
            "plan": ["platinum", "gold"],
            "region": ["n", "s"],
        }
    )
    result = gate.conform(batch)
    assert result.rows_quarantined == 1
    assert result.quarantine.select("row", "column", "check", "reason").rows() == [
        (0, "age", "range.out_of_bounds", "value is outside [0, 120]")
    ]
    assert result.reasons == (
        ("range.out_of_bounds", "age", "value is outside [0, 120]", 1),
    )


def test_quarantine_keeps_the_original_values_and_types(gate: Gate) -> None:
    batch = pl.DataFrame(
        {
            "age": ["250"],
            "income": ["$1"],
            "plan": ["gold"],
            "region": ["n"],
            "row": [7],
        }
    )
    quarantine = gate.conform(batch).quarantine
    assert quarantine.columns == [
        "age",
        "income",
        "plan",
        "region",
        "row_",
        "row",
        "column",
        "check",
        "reason",
    ]
    assert quarantine.row(0)[:5] == ("250", "$1", "gold", "n", 7)


def test_datetimes_are_read_with_the_contract_format_or_iso() -> None:
    gate = _gate(
        {
            "kind": "datetime",
            "dtype": "Datetime(time_unit='us', time_zone=None)",
            "conform": {"datetime_format": "%d/%m/%Y"},
        }
    )
    result = gate.conform(
        pl.DataFrame({"x": ["05/01/2024", "2024-01-06T12:00:00Z", "soon"]})
    )
    assert result.frame["x"].to_list() == [
        dt.datetime(2024, 1, 5),
        dt.datetime(2024, 1, 6, 12),
        None,
    ]


def test_booleans_are_read_from_words() -> None:
    gate = _gate({"kind": "boolean", "dtype": "Boolean"})
    frame = gate.conform(pl.DataFrame({"x": ["yes", "N", "1", "FALSE", "maybe"]})).frame
    assert frame["x"].to_list() == [True, False, True, False, None]


def test_pandas_in_gives_pandas_out_with_the_kept_index(gate: Gate) -> None:
    batch = pd.DataFrame(
        {
            "age": [30, 500, 40],
            "income": ["$1,000.00", "2", "3"],
            "plan": ["gold", "gold", "silver"],
            "region": ["n"] * 3,
        },
        index=[10, 11, 12],
    )
    result = gate.conform(batch)
    assert isinstance(result.frame, pd.DataFrame)
    assert list(result.frame.index) == [10, 12]
    assert result.frame["income"].tolist() == [1000.0, 3.0]
    assert isinstance(result.quarantine, pd.DataFrame)
    assert list(result.quarantine.index) == [11]
    assert result.kept_mask.tolist() == [True, False, True]


def test_arrow_in_gives_arrow_out(gate: Gate) -> None:
    batch = pa.table({"age": [30], "income": [1.0], "plan": ["gold"], "region": ["n"]})
    result = gate.conform(batch)
    assert isinstance(result.frame, pa.Table)
    assert isinstance(result.quarantine, pa.Table)
    assert result.frame.column_names == ["age", "income", "plan", "region"]


def test_records_and_a_single_dict_give_polars(gate: Gate) -> None:
    records = [
        {"age": 30, "income": "1", "plan": "gold", "region": "n"},
        {"age": "31", "income": 2.5, "plan": "silver", "region": "s"},
    ]
    result = gate.conform(records)
    assert isinstance(result.frame, pl.DataFrame)
    assert result.frame["age"].to_list() == [30, 31]
    assert gate.conform(records[0]).frame.height == 1


def test_an_empty_batch_gives_an_empty_frame_of_the_contract(
    gate: Gate, contract_columns: list[str]
) -> None:
    batch = pl.DataFrame(
        schema={
            "age": pl.Int64,
            "income": pl.Float64,
            "plan": pl.String,
            "region": pl.String,
        }
    )
    result = gate.conform(batch)
    assert result.frame.height == 0
    assert result.frame.columns == contract_columns


def test_inconsistent_policies_are_contract_errors() -> None:
    with pytest.raises(ContractError) as info:
        _gate(_category(on_unseen="fallback"))
    assert str(info.value) == (
        "Column 'x' has `conform.on_unseen: fallback` but no `conform.fallback`. Add "
        "`fallback: <category>` to its conform block, or choose keep, null or "
        "quarantine."
    )


_cells = st.one_of(
    st.none(),
    st.integers(-50, 200).map(str),
    st.sampled_from(["gold", "silver ", "GOLD", "tin", "", "$5", "abc", "1e2", "(3)"]),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_cells, _cells, _cells, _cells), max_size=30),
    st.sampled_from(["keep", "clip", "null", "quarantine"]),
    st.sampled_from(["keep", "fallback", "null", "quarantine"]),
    st.sampled_from(["null", "quarantine"]),
)
def test_rows_in_equal_rows_out_plus_rows_quarantined(
    make_contract: Callable[..., Contract],
    contract_columns: list[str],
    rows: list[tuple[Any, ...]],
    on_range: str,
    on_unseen: str,
    on_error: str,
) -> None:
    data = make_contract().to_dict()
    for spec in data["columns"].values():
        spec["conform"].update(
            on_out_of_range=on_range,
            on_unseen=on_unseen,
            fallback="gold",
            on_coerce_error=on_error,
        )
    gate = Gate(Contract.from_dict(data))
    batch = pl.DataFrame(
        rows, schema=dict.fromkeys(contract_columns, pl.String), orient="row"
    )
    result = gate.conform(batch)
    assert result.rows_in == result.frame.height + result.quarantine.height
    assert result.rows_out == result.frame.height
    quarantined = result.quarantine["row"].to_list()
    assert quarantined == sorted(set(quarantined))
    kept = [i for i in range(len(rows)) if i not in set(quarantined)]
    assert result.kept_mask.nonzero()[0].tolist() == kept


def test_conform_function_reads_a_contract_file(
    tmp_path: Any, make_contract: Callable[..., Contract]
) -> None:
    import pipewarden as pw

    path = tmp_path / "contract.yaml"
    pw.dump_contract(make_contract(), path)
    batch = pl.DataFrame({"age": ["41"], "plan": ["silver"], "region": ["n"]})
    result = pw.conform(batch, path)
    assert result.frame.row(0) == (41, 1000.0, "silver", "n")


@pytest.mark.parametrize("name", ["*", "^a$"])
def test_a_column_named_like_a_pattern_is_conformed_as_itself(name: str) -> None:
    # pl.col("*") is every column and pl.col("^a$") a regex: the gate reads names.
    frame = pl.DataFrame({name: ["1.5", "x", None], "a": [1, 2, 3]})
    reference = pw.profile(pl.DataFrame({name: [1.0, 2.0], "a": [1, 2]}))

    result = Gate(pw.infer_contract(reference)).conform(frame)

    assert result.frame.columns == [name, "a"]
    assert result.frame[name][0] == 1.5
    assert result.frame["a"].to_list() == [1, 3]
    assert result.quarantine.select("row", "column").rows() == [(1, name)]
