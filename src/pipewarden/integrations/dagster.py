"""A Dagster asset check that checks an asset against its pipewarden contract.

::

    from pipewarden.integrations.dagster import pipewarden_asset_check

    orders_contract = pipewarden_asset_check(
        asset=orders, contract="contracts/orders.yaml", blocking=True
    )
    defs = Definitions(assets=[orders], asset_checks=[orders_contract])

Without ``data`` the check loads the asset's value through its IO manager (a Polars
or pandas frame, an Arrow table, a path); with ``data`` (a path, glob or SQL URL) it
reads that instead. The check fails when a finding is at or above ``fail_on``; its
severity is ``ERROR`` when the worst finding is an error, ``WARN`` otherwise, so a
``blocking`` check stops downstream assets on errors only. The findings, counts and
recorded run ids go into the check's metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipewarden._optional import require
from pipewarden.checks.findings import Severity
from pipewarden.integrations._task import TaskOutcome, check_fail_on, run_check

dg = require("dagster", extra="dagster", purpose="pipewarden_asset_check")

if TYPE_CHECKING:
    from pipewarden.contracts.model import Contract
    from pipewarden.store.base import Store

__all__ = ["check_result", "pipewarden_asset_check"]

_LISTED = 20
"""Findings listed in the check's metadata table (the counts cover all)."""


def pipewarden_asset_check(
    *,
    asset: Any,
    contract: Contract | str | Path | None,
    data: Any = None,
    name: str = "pipewarden_contract",
    fail_on: str = "error",
    blocking: bool = False,
    store: Store | str | None = None,
    dataset: str | None = None,
    reference: Any = None,
    query: str | None = None,
    pipeline: str | None = None,
    stage: str | None = None,
    description: str | None = None,
) -> Any:
    """An asset check running ``pipewarden check`` on an asset.

    Args:
        asset: The asset (an AssetsDefinition, AssetKey or key string).
        contract: A Contract or contract YAML path (None only with ``pipeline``).
        data: What to check; None: the asset's value, loaded by its IO manager.
        name: The check's name (unique per asset).
        fail_on: ``error`` (default), ``warning`` or ``never``.
        blocking: Stop downstream assets when the check fails with severity ERROR.
        store: A Store or store URL to record the run in.
        dataset: Dataset name runs are recorded under (default: the asset key).
        reference: Reference data/profile for drift, or ``last-pass``.
        query: SQL query, when ``data`` is a database URL.
        pipeline: Record the check as a stage of a new run of this pipeline.
        stage: Stage name (default: the dataset name).
        description: The check's description in the UI.

    Returns:
        A dagster ``AssetChecksDefinition``.
    """
    threshold = check_fail_on(fail_on)
    key = dg.AssetKey.from_coercible_or_definition(asset)
    named = dataset or key.to_user_string()

    def run(value: Any) -> Any:
        outcome = run_check(
            value,
            contract,
            fail_on=threshold,
            store=store,
            dataset=named,
            reference=reference,
            query=query,
            pipeline=pipeline,
            stage=stage,
        )
        return check_result(outcome)

    decorate = dg.asset_check(
        asset=asset,
        name=name,
        blocking=blocking,
        description=description or f"pipewarden contract check (fails on {fail_on})",
    )
    if data is None:

        def check_loaded(value: Any) -> Any:
            return run(value)

        return decorate(check_loaded)

    def check_source() -> Any:
        return run(data)

    return decorate(check_source)


def check_result(outcome: TaskOutcome) -> Any:
    """The Dagster ``AssetCheckResult`` of an outcome: passed, severity, metadata."""
    worst = outcome.result.max_severity
    severity = (
        dg.AssetCheckSeverity.ERROR
        if worst is Severity.ERROR
        else dg.AssetCheckSeverity.WARN
    )
    return dg.AssetCheckResult(
        passed=not outcome.failed,
        severity=severity,
        description=outcome.message(),
        metadata=_metadata(outcome),
    )


def _metadata(outcome: TaskOutcome) -> Mapping[str, Any]:
    summary = outcome.summary()
    meta: dict[str, Any] = {
        "status": summary["status"],
        "rows": summary["rows"],
        "fail_on": outcome.fail_on,
        **{f"{severity}s": n for severity, n in outcome.counts().items()},
        "findings": dg.MetadataValue.md(_table(outcome)),
    }
    for key in ("contract", "run_id", "pipeline_run_id", "stage", "store"):
        if summary[key] is not None:
            meta[key] = summary[key]
    return meta


def _table(outcome: TaskOutcome) -> str:
    findings = [f for f in outcome.result.findings if f.severity is not Severity.INFO]
    if not findings:
        return "No warnings or errors."
    rows = [
        f"| {f.severity.value} | {f.check} | {f.column or ''} | "
        f"{f.message.replace('|', '/')} |"
        for f in findings[:_LISTED]
    ]
    more = len(findings) - _LISTED
    tail = [f"\n{more} more in the run's findings."] if more > 0 else []
    return "\n".join(
        ["| severity | check | column | message |", "|---|---|---|---|", *rows, *tail]
    )
