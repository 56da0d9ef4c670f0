"""Check ids are stable, stored strings: pin every one, and the family helpers."""

from __future__ import annotations

import pytest

from pipewarden.checks import codes


@pytest.mark.parametrize(
    ("constant", "check_id"),
    [
        (codes.SCHEMA_MISSING_COLUMN, "schema.missing_column"),
        (codes.SCHEMA_UNEXPECTED_COLUMN, "schema.unexpected_column"),
        (codes.SCHEMA_TYPE_MISMATCH, "schema.type_mismatch"),
        (codes.NULLS_RATE, "nulls.rate"),
        (codes.RANGE_OUT_OF_BOUNDS, "range.out_of_bounds"),
        (codes.CATEGORY_UNSEEN, "category.unseen"),
        (codes.UNIQUE_DUPLICATES, "unique.duplicates"),
        (codes.VOLUME_ROW_COUNT, "volume.row_count"),
        (codes.TIME_GAP, "time.gap"),
        (codes.TIME_FRESHNESS, "time.freshness"),
        (codes.LABEL_IMBALANCE, "label.imbalance"),
        (codes.LABEL_SHIFT, "label.shift"),
        (codes.ENV_MISMATCH, "env.mismatch"),
        (codes.DRIFT_MULTIVARIATE, "drift.multivariate"),
        (codes.DRIFT_PREDICTION, "drift.prediction"),
        (codes.RUN_MISSED, "run.missed"),
        (codes.RUN_LATE, "run.late"),
        (codes.RUN_FAILED, "run.failed"),
        (codes.drift_check("psi"), "drift.psi"),
        (codes.history_check("row_count"), "history.row_count"),
    ],
)
def test_check_ids_never_change(constant: str, check_id: str) -> None:
    assert constant == check_id


@pytest.mark.parametrize(
    ("check_id", "statistic"),
    [
        ("drift.psi", "psi"),
        ("drift.null_rate", "null_rate"),
        ("drift.multivariate", "multivariate"),
        ("drift", None),
        ("nulls.rate", None),
        ("history.drift", None),
    ],
)
def test_drift_statistic_reads_the_statistic_of_drift_ids_only(
    check_id: str, statistic: str | None
) -> None:
    assert codes.drift_statistic(check_id) == statistic
