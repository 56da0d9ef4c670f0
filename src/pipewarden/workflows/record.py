"""Record a check as a run: metric points, history anomalies, provenance, then save.

The store only keeps what this workflow has decided: the run's findings (with the
``history.*`` anomalies found against earlier runs), the environment it ran in and
the code version, all made here before one ``Store.save_run``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.env.fingerprint import CodeVersion, Fingerprint, capture, code_version
from pipewarden.errors import ConfigError
from pipewarden.monitor.history import HistoryPolicy, detect_anomalies
from pipewarden.monitor.metrics import MetricPoint, profile_metrics
from pipewarden.store.records import Run, new_run_id

if TYPE_CHECKING:
    from pipewarden.contracts.model import Contract
    from pipewarden.io.fingerprints import InputFingerprint
    from pipewarden.profiles.dataset import DatasetProfile
    from pipewarden.store.base import Store

__all__ = ["record_run"]

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def record_run(
    store: Store,
    result: CheckResult,
    *,
    profile: DatasetProfile,
    environ: Mapping[str, str],
    contract: Contract | None = None,
    dataset: str | None = None,
    inputs: Sequence[InputFingerprint] = (),
    environment: Fingerprint | None = None,
    code: CodeVersion | None = None,
    code_path: str | Path = ".",
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    reference: str | None = None,
    history: HistoryPolicy | None = None,
    detect_history: bool = True,
) -> Run:
    """Record a check as a run, adding ``history.*`` findings from past runs.

    Args:
        store: Where to keep the run (and read the dataset's earlier runs from).
        result: What the check found.
        profile: Profile of the checked batch (stored as sketches, never rows;
            its statistics also become metric points).
        environ: The environment variables to fingerprint when ``environment`` is
            None (only allow-listed ones are kept); e.g. ``os.environ``.
        contract: The contract checked against.
        dataset: Name to record the run under (default: ``result.dataset``).
        inputs: Fingerprints of what was read (see
            :func:`pipewarden.io.fingerprints.fingerprint_inputs`).
        environment: Fingerprint of this environment; None: capture it now, from
            ``environ``.
        code: Git state of the code; None: read it from ``code_path``.
        code_path: Where to look for the git repository when ``code`` is None.
        started_at: When the check started (default: ``finished_at``).
        finished_at: When it finished (default: now).
        reference: What the batch was compared to, for provenance.
        history: Thresholds for the history anomalies (default: ``HistoryPolicy()``).
        detect_history: Compare the metrics with earlier runs of the dataset.

    Returns:
        The run as stored; ``run.result`` includes the history findings.

    Raises:
        ConfigError: Neither ``dataset`` nor ``result.dataset`` names the dataset.
        StoreError: The store failed; nothing of the run was kept.

    Example:
        >>> with pw.open_store() as store:
        ...     run = pw.record_run(store, result, profile=prof, environ=os.environ)
    """
    name = dataset or result.dataset
    if not name:
        raise ConfigError(
            "A run needs a dataset name. Pass dataset='orders' (or --dataset NAME)."
        )
    finished = finished_at or datetime.now(UTC)
    started = started_at or finished
    run_id = new_run_id(started)
    points = profile_metrics(profile, dataset=name, recorded_at=started, run_id=run_id)
    anomalies = (
        _anomalies(store, name, started, points, history or HistoryPolicy())
        if detect_history
        else []
    )
    run = Run(
        id=run_id,
        dataset=name,
        started_at=started,
        finished_at=finished,
        result=_with_findings(result, anomalies, dataset=name),
        profile=profile,
        contract=contract,
        contract_digest=None if contract is None else contract.digest,
        environment=environment if environment is not None else capture(environ),
        code=code if code is not None else code_version(code_path),
        inputs=tuple(inputs),
        reference=reference,
    )
    store.save_run(run, points)
    return run


def _anomalies(
    store: Store,
    dataset: str,
    at: datetime,
    points: list[MetricPoint],
    policy: HistoryPolicy,
) -> list[Finding]:
    """The history findings of a run's points, against the runs the policy needs."""
    earlier = store.recent_metrics(
        dataset,
        at,
        runs=policy.window,
        same_weekday=policy.seasonal_points,
        lookback=policy.lookback_runs,
    )
    return detect_anomalies(points, earlier, policy)


def _with_findings(
    result: CheckResult, extra: list[Finding], *, dataset: str
) -> CheckResult:
    findings = sorted(
        [*result.findings, *extra], key=lambda f: _SEVERITY_ORDER[f.severity]
    )
    return replace(result, findings=tuple(findings), dataset=dataset)
