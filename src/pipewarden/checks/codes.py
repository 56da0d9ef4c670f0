"""Check ids: the stable strings that name what a finding is about, family first.

They appear in YAML, in the findings JSON and in the store, so they never change.
Open families (``drift.<statistic>``, ``history.<metric>``) are built by a function.
"""

from __future__ import annotations

SCHEMA_MISSING_COLUMN = "schema.missing_column"
SCHEMA_UNEXPECTED_COLUMN = "schema.unexpected_column"
SCHEMA_TYPE_MISMATCH = "schema.type_mismatch"
NULLS_RATE = "nulls.rate"
NULLS_ENCODING = "nulls.encoding"
"""The way a column writes "unknown" changed (a sentinel such as -1 became null, or
the reverse)."""
RANGE_OUT_OF_BOUNDS = "range.out_of_bounds"
CATEGORY_UNSEEN = "category.unseen"
CATEGORY_VARIANTS = "category.variants"
"""Labels of one batch that differ only by case or whitespace ("Approved" / "approved ")."""
UNIQUE_DUPLICATES = "unique.duplicates"
VOLUME_ROW_COUNT = "volume.row_count"
TIME_GAP = "time.gap"
TIME_FRESHNESS = "time.freshness"
LABEL_IMBALANCE = "label.imbalance"
LABEL_SHIFT = "label.shift"
"""The label's class shares moved between reference and current."""
ENV_MISMATCH = "env.mismatch"
DRIFT_MULTIVARIATE = "drift.multivariate"
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
