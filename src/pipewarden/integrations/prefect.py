"""A Prefect task that checks data against its pipewarden contract.

::

    from prefect import flow
    from pipewarden.integrations.prefect import pipewarden_check

    @flow
    def daily_orders() -> None:
        pipewarden_check("data/orders.parquet", "contracts/orders.yaml",
                         store="sqlite:///.pipewarden/pipewarden.db")

The task fails (raising :class:`~pipewarden.errors.ValidationFailedError`, which
carries the CheckResult) when a finding is at or above ``fail_on``; otherwise it
returns the check's summary (``pipewarden check --json`` plus counts and the recorded
run ids). Use ``pipewarden_check.with_options(retries=...)`` as with any task.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipewarden._optional import require
from pipewarden.integrations._task import raise_for, run_check

prefect = require("prefect", extra="prefect", purpose="pipewarden_check")

if TYPE_CHECKING:
    from pipewarden.contracts.model import Contract

__all__ = ["pipewarden_check"]


def _check(
    data: Any,
    contract: Contract | str | Path | None,
    *,
    fail_on: str = "error",
    store: str | None = None,
    dataset: str | None = None,
    reference: Any = None,
    query: str | None = None,
    pipeline: str | None = None,
    stage: str | None = None,
    pipeline_run: str | None = None,
) -> dict[str, Any]:
    """Check data against a pipewarden contract; fail on ``fail_on``.

    Args:
        data: A path, glob, URL (SQL sources too) or frame.
        contract: A Contract or contract YAML path (None only with a pipeline).
        fail_on: ``error`` (default), ``warning`` or ``never``.
        store: Store URL to record the run in (default: not recorded).
        dataset: Dataset name runs are recorded under.
        reference: Reference data/profile for drift, or ``last-pass``.
        query: SQL query, when ``data`` is a database URL.
        pipeline: Record the check as a stage of a new run of this pipeline.
        stage: Stage name (default: the dataset name).
        pipeline_run: An open pipewarden pipeline run id to add the stage to.

    Returns:
        The check's summary (JSON-able).

    Raises:
        ValidationFailedError: A finding at or above ``fail_on``.
    """
    outcome = run_check(
        data,
        contract,
        fail_on=fail_on,
        store=store,
        dataset=dataset,
        reference=reference,
        query=query,
        pipeline=pipeline,
        stage=stage,
        pipeline_run=pipeline_run,
    )
    prefect.get_run_logger().info("%s", outcome.message())
    return raise_for(outcome).summary()


pipewarden_check: Any = prefect.task(
    _check, name="pipewarden-check", task_run_name="pipewarden-check"
)
"""The Prefect task: call it inside a flow (see the module docstring)."""
