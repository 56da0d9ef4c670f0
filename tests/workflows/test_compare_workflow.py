"""The compare workflow: sides as data, saved profiles or profiles."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import pipewarden as pw
from pipewarden.errors import ConfigError
from pipewarden.workflows.compare import SAVED_PROFILE, compare_batches


def _frame(shift: float = 0.0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "a": [round((i % 40) / 4 + shift, 2) for i in range(800)],
            "c": [["x", "y", "z"][i % 3] for i in range(800)],
        }
    )


def test_data_sides_get_a_multivariate_test() -> None:
    outcome = compare_batches(_frame(), _frame(shift=3.0), sample_rows=500)

    assert outcome.note == ""
    assert outcome.report.multivariate is not None
    assert outcome.report.multivariate.drifted
    assert outcome.report.drifted_columns == ["a"]


def test_a_saved_profile_side_skips_the_multivariate_test(tmp_path: Path) -> None:
    saved = tmp_path / "reference.json"
    pw.profile(_frame()).save(saved)

    outcome = compare_batches(str(saved), _frame(shift=3.0), sample_rows=500)

    assert outcome.note == SAVED_PROFILE
    assert outcome.report.multivariate is None
    assert outcome.report.notes == (SAVED_PROFILE,)
    assert outcome.report.to_dict()["notes"] == [SAVED_PROFILE]
    assert outcome.report.reference == "reference.json"


def test_a_multivariate_test_turned_off_says_so_in_the_report() -> None:
    report = compare_batches(_frame(), _frame(), sample_rows=0).report

    assert report.multivariate is None
    assert report.notes == ("multivariate test skipped: sample_rows is 0",)


def test_profiles_compare_like_the_data_they_came_from() -> None:
    from_data = compare_batches(_frame(), _frame(shift=3.0), sample_rows=0).report
    from_profiles = compare_batches(
        pw.profile(_frame()), pw.profile(_frame(shift=3.0)), sample_rows=0
    ).report

    # To the digit: the same data gives the same profile (issue #11).
    assert [f.to_dict() for f in from_profiles.findings] == [
        f.to_dict() for f in from_data.findings
    ]
    assert from_profiles.drifted_columns == from_data.drifted_columns == ["a"]


def test_the_contract_names_the_report(tmp_path: Path) -> None:
    contract = pw.infer_contract(pw.profile(_frame()), name="sensors")

    report = pw.compare(_frame(), _frame(), contract=contract, sample_rows=0)

    assert report.contract == "sensors"
    assert report.to_dict()["contract"] == "sensors"
    assert report.to_dict()["rows"] == 800


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"correction": "holm"},
            "The correction must be one of bh, bonferroni, none, not 'holm'.",
        ),
        (
            {"sample_rows": -1},
            "sample_rows must be 0 (no multivariate test) or more, not -1.",
        ),
    ],
)
def test_bad_options_are_clear_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        compare_batches(_frame(), _frame(), **options)  # type: ignore[arg-type]  # table of keyword arguments

    assert str(caught.value) == message


@pytest.mark.parametrize("role", ["label", "prediction", "time"])
def test_a_role_column_on_neither_side_is_a_clear_error(role: str) -> None:
    with pytest.raises(ConfigError) as caught:
        compare_batches(_frame(), _frame(), sample_rows=0, **{role: "nope"})  # type: ignore[arg-type]  # one role a case

    assert str(caught.value) == (
        f"The {role} column 'nope' is on neither side; columns are: a, c. "
        "Pass one of them."
    )


def test_a_label_on_one_side_only_is_fine() -> None:
    labelled = _frame().with_columns(pl.lit(1).alias("y"))

    report = compare_batches(labelled, _frame(), label="y", sample_rows=0).report

    assert report.label is None
    assert report.drifted_columns == []
