"""check(): profile a batch (if needed) and run every registered check on it."""

from __future__ import annotations

from datetime import datetime

from pipewarden.checks.context import CheckContext
from pipewarden.checks.findings import CheckResult, Finding, sort_findings
from pipewarden.checks.registry import registered
from pipewarden.contracts.model import Contract
from pipewarden.profiles.dataset import DatasetProfile


def check_profile(
    batch: DatasetProfile,
    contract: Contract,
    *,
    reference: DatasetProfile | None = None,
    now: datetime | None = None,
    dataset: str | None = None,
    contract_name: str | None = None,
) -> CheckResult:
    """Run every registered check on a batch profile.

    Args:
        batch: Profile of the batch.
        contract: What the batch must look like.
        reference: Profile of reference data, for checks that compare.
        now: The time freshness is judged at (default: now, UTC).
        dataset: Name of the batch, for the result.
        contract_name: Name of the contract, for the result.

    Returns:
        The findings, errors first.
    """
    ctx = CheckContext(batch=batch, contract=contract, reference=reference, now=now)
    findings: list[Finding] = []
    for fn in registered().values():
        findings.extend(fn(ctx))
    return CheckResult(
        rows=batch.rows,
        findings=sort_findings(findings),
        dataset=dataset,
        contract=contract_name or contract.name,
    )
