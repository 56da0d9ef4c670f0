"""Class balance of a label and the info line ``check`` and ``profile --label`` share."""

from __future__ import annotations

import polars as pl
import pytest

from pipewarden.checks.findings import Severity
from pipewarden.checks.imbalance import (
    MAX_CLASSES,
    ClassBalance,
    class_balance,
    imbalance_note,
)
from pipewarden.engines.local import LocalEngine
from pipewarden.profiles.column import ColumnProfile


def column(values: list[object]) -> ColumnProfile:
    return LocalEngine().profile_frame(pl.DataFrame({"y": values}))["y"]


def test_two_hundred_churners_in_two_million_are_told() -> None:
    balance = ClassBalance("churn", "1", 200, 2_000_000, 2)
    note = imbalance_note(balance)
    assert note is not None
    assert (note.severity, note.threshold) == (Severity.INFO, 0.2)
    assert note.value == {"class": "1", "minority_share": 1e-4, "ratio": 9999.0}
    assert note.message == (
        "Label 'churn' is imbalanced: minority class '1' is 0.010% of rows "
        "(1 : 9,999). Use stratified splits, and class weights or resampling when "
        "training; judge the model by precision and recall, not accuracy."
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["b", "a", "a", None], ClassBalance("y", "b", 1, 3, 2)),
        (["b", "a"], ClassBalance("y", "a", 1, 2, 2)),  # ties: the first name
        (["a", "a"], None),  # a single class is check's error, not a balance
        ([0.0, 1.0, 1.0], None),  # float values are not counted
    ],
)
def test_class_balance_reads_the_rarest_class(
    values: list[object], expected: ClassBalance | None
) -> None:
    assert class_balance(column(values)) == expected


def test_a_label_with_many_values_is_a_target_not_classes() -> None:
    many = ClassBalance("y", "7", 1, 1000, MAX_CLASSES + 1)
    assert imbalance_note(many) is None
    assert imbalance_note(ClassBalance("y", "7", 1, 1000, MAX_CLASSES)) is not None


def test_a_minority_at_the_info_share_is_not_told() -> None:
    assert imbalance_note(ClassBalance("y", "1", 20, 100, 2)) is None
    assert imbalance_note(ClassBalance("y", "1", 19, 100, 2)) is not None
    assert imbalance_note(ClassBalance("y", "1", 19, 100, 2), info_below=0.1) is None
