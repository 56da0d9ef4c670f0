"""Check ids: the stable strings that name what a finding is about, family first.

They appear in YAML, in the findings JSON and in the store, so they never change.
Open families (``drift.<statistic>``, ``history.<metric>``) are built by a function.
"""

from __future__ import annotations

SCHEMA_MISSING_COLUMN = "schema.missing_column"
"""A contract column is absent from the batch (an error, or a warning when the gate may fill it)."""
SCHEMA_UNEXPECTED_COLUMN = "schema.unexpected_column"
"""The batch has a column the contract does not name (an error under `policies.unexpected_columns: fail`, else a warning)."""
SCHEMA_TYPE_MISMATCH = "schema.type_mismatch"
"""A column arrived as another kind than the contract's (text where numbers are declared, floats where integers are)."""
NULLS_RATE = "nulls.rate"
"""Nulls in a column declared `nullable: false`, or more nulls than `max_null_rate`."""
NULLS_ENCODING = "nulls.encoding"
"""The way a column writes "unknown" changed (a sentinel such as -1 became null, or
the reverse)."""
RANGE_OUT_OF_BOUNDS = "range.out_of_bounds"
"""Values outside the column's `range` (a warning under 1% of rows, an error from 1%)."""
CATEGORY_UNSEEN = "category.unseen"
"""Values not in the column's `categories` (a warning under 1% of rows, an error from 1%)."""
CATEGORY_VARIANTS = "category.variants"
"""Labels of one batch that differ only by case or whitespace ("Approved" / "approved ")."""
UNIQUE_DUPLICATES = "unique.duplicates"
"""Repeated values in a column declared `unique: true`."""
VOLUME_ROW_COUNT = "volume.row_count"
"""An empty batch, or a row count outside `dataset.rows`."""
TIME_GAP = "time.gap"
"""A gap between consecutive times longer than `dataset.time.max_gap_seconds`."""
TIME_FRESHNESS = "time.freshness"
"""The newest time is older than `dataset.time.max_staleness_seconds` when checked."""
LABEL_IMBALANCE = "label.imbalance"
"""The label's rarest class is below `min_minority_share` (or below `info_below_share`: told as info)."""
LABEL_SHIFT = "label.shift"
"""The label's class shares moved between reference and current."""
ENV_MISMATCH = "env.mismatch"
"""The environment (Python, package versions) differs from the one the model was trained in."""
DRIFT_MULTIVARIATE = "drift.multivariate"
"""A classifier tells reference rows from current rows: the columns drifted jointly."""
DRIFT_PREDICTION = "drift.prediction"
"""The model's predictions drifted (whatever statistic compared them)."""

RUN_MISSED = "run.missed"
"""A scheduled pipeline did not start within its grace period."""
RUN_LATE = "run.late"
"""A scheduled pipeline started after its grace period."""
RUN_FAILED = "run.failed"
"""A pipeline run finished as failed."""

DRIFT_FAMILY = "drift"
HISTORY_FAMILY = "history"


def drift_check(statistic: str) -> str:
    """The check id of a drift statistic's finding, e.g. ``drift.psi``."""
    return f"{DRIFT_FAMILY}.{statistic}"


def history_check(metric: str) -> str:
    """The check id of a metric judged against past runs, e.g. ``history.row_count``."""
    return f"{HISTORY_FAMILY}.{metric}"


def drift_statistic(check: str) -> str | None:
    """The statistic a ``drift.*`` check id names (``"psi"`` for ``drift.psi``), or
    None for a check id of another family."""
    head, dot, statistic = check.partition(".")
    return statistic if head == DRIFT_FAMILY and dot else None
