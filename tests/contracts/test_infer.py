"""infer_contract: what a reference profile says a batch must look like."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.checks.findings import Severity
from pipewarden.checks.run import check_profile
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import Range
from pipewarden.errors import ContractError
from pipewarden.profiles.dataset import DatasetProfile

ProfileOf = Callable[[pl.DataFrame], DatasetProfile]


def test_loans_contract(profile_of: ProfileOf, loans_frame: pl.DataFrame) -> None:
    contract = infer_contract(
        profile_of(loans_frame), label="defaulted", id="loan_id", name="loans"
    )
    assert contract.name == "loans"
    assert list(contract.columns) == [
        "loan_id",
        "annual_inc",
        "grade",
        "defaulted",
        "issued",
    ]
    loan_id, inc, grade = (
        contract.columns[c] for c in ("loan_id", "annual_inc", "grade")
    )
    assert (loan_id.kind, loan_id.unique, loan_id.range) == ("integer", True, None)
    assert (inc.kind, inc.dtype, inc.nullable, inc.max_null_rate) == (
        "float",
        "Float64",
        False,
        0.0,
    )
    # Observed [30000, 79750], widened by 10% of the span on each side.
    assert inc.range == Range(min=25025.0, max=84725.0)
    assert inc.conform.median == pytest.approx(54875.0, rel=0.01)
    assert (grade.kind, grade.categories, grade.conform.mode) == (
        "categorical",
        ["A", "B", "C"],
        "A",
    )
    dataset = contract.dataset
    assert (dataset.rows.min, dataset.rows.max, dataset.id) == (100, 400, "loan_id")
    assert dataset.label is not None
    assert dataset.label.classes == {"0": 0.9, "1": 0.1}
    assert dataset.label.min_minority_share == 0.05
    assert dataset.time is not None  # the only datetime column is the time column
    assert (dataset.time.column, dataset.time.cadence_seconds) == ("issued", 3600.0)
    # A gap-free hourly reference tolerates 6 steps (6 hours), not half a day.
    assert dataset.time.max_gap_seconds == 21600.0
    assert dataset.time.max_staleness_seconds == 86400.0


def test_null_rate_tolerance_is_observed_times_one_and_a_half_plus_two_points(
    profile_of: ProfileOf,
) -> None:
    frame = pl.DataFrame(
        {"x": [1.0, None, float("nan"), 4.0] * 5, "s": ["a", None, "b", "c"] * 5}
    )
    contract = infer_contract(profile_of(frame))
    assert (contract.columns["x"].nullable, contract.columns["x"].max_null_rate) == (
        True,
        0.77,
    )
    assert (contract.columns["s"].nullable, contract.columns["s"].max_null_rate) == (
        True,
        0.395,
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 10], Range(min=0.0, max=11.0)),  # a zero floor stays at zero
        ([3, 7], Range(min=2.0, max=8.0)),  # integers round outwards
        ([1_000_000.0, 1_000_001.0], Range(min=1_000_000.0, max=1_000_001.0)),
        ([-5.5, -5.5], Range(min=-5.5, max=-5.5)),
        ([1.0, 2.0, float("inf")], Range(min=0.9, max=None)),  # infinities open a side
        ([1.0, 2.0, float("-inf")], Range(min=None, max=2.1)),
    ],
    ids=["zero", "integers", "six-digit-rounding", "constant", "inf", "-inf"],
)
def test_ranges_cover_the_reference(
    profile_of: ProfileOf, values: list[float], expected: Range
) -> None:
    contract = infer_contract(profile_of(pl.DataFrame({"x": values})))
    assert contract.columns["x"].range == expected


def test_a_heavy_tail_gets_a_full_span_of_room(profile_of: ProfileOf) -> None:
    values = [10.0 + (i % 10) for i in range(1000)] + [1000.0]
    rng = infer_contract(profile_of(pl.DataFrame({"x": values}))).columns["x"].range
    assert rng == Range(min=-89.0, max=1990.0)  # the low side gets 10% of the span


def test_many_categories_get_no_allowed_list(profile_of: ProfileOf) -> None:
    frame = pl.DataFrame({"c": [f"c{i % 60}" for i in range(600)]})
    assert infer_contract(profile_of(frame)).columns["c"].categories is None


def test_time_is_not_guessed_among_several_datetime_columns(
    profile_of: ProfileOf,
) -> None:
    t = [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)]
    frame = pl.DataFrame({"a": t, "b": t})
    assert infer_contract(profile_of(frame)).dataset.time is None
    assert infer_contract(profile_of(frame), time="b").dataset.time is not None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"label": "y"},
            "--label column 'y' is not in the data; columns are: id, grade.",
        ),
        (
            {"id": "key"},
            "--id column 'key' is not in the data; columns are: id, grade.",
        ),
        (
            {"time": "grade"},
            "--time column 'grade' is categorical, not a datetime. Parse "
            "it as a datetime upstream, or pick another column.",
        ),
    ],
)
def test_roles_must_name_suitable_columns(
    profile_of: ProfileOf, kwargs: dict[str, Any], message: str
) -> None:
    prof = profile_of(pl.DataFrame({"id": [1, 2], "grade": ["a", "b"]}))
    with pytest.raises(ContractError) as info:
        infer_contract(prof, **kwargs)
    assert str(info.value) == message


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_reference_passes_its_own_inferred_contract(
    profile_of: ProfileOf, frames: st.SearchStrategy[pl.DataFrame], data: st.DataObject
) -> None:
    frame = data.draw(frames.filter(lambda f: f.height > 0))
    prof = profile_of(frame)
    contract = infer_contract(prof, label="b")
    newest = prof["t"].time.max
    now = (
        dt.datetime.fromtimestamp(newest / 1e6, dt.UTC) if newest is not None else None
    )
    result = check_profile(prof, contract, now=now)
    # A real outage in the reference is still reported (its cadence sets the limit),
    # and a single-class label cannot be trained on; nothing else may fire.
    errors = [
        f
        for f in result.at_least(Severity.WARNING)
        if f.check != "time.gap"
        and not (f.check == "label.imbalance" and f.severity is Severity.ERROR)
    ]
    assert errors == []
