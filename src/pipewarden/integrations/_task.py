"""The one check behind every scheduler integration (Airflow, Dagster, Prefect).

A scheduler task checks one data source against its contract through the same use
case as ``pipewarden check`` (:func:`pipewarden.workflows.check.check_batch`), or, as
a stage of a pipeline run, through ``pipewarden runs checkpoint``
(:func:`pipewarden.workflows.pipeline.checkpoint_stage`). With a store the run is
recorded (and alerts judged, as the CLI does); then :func:`raise_for` decides the
task's fate by the severity the user chose: ``fail_on="error"`` (the CLI's exit 1),
``"warning"``, or ``"never"``. A failed task raises
:class:`~pipewarden.errors.ValidationFailedError`, which carries the CheckResult.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.errors import ConfigError, ValidationFailedError
from pipewarden.workflows.check import check_batch
from pipewarden.workflows.pipeline import (
    checkpoint_stage,
    finish_pipeline_run,
    start_pipeline_run,
)

if TYPE_CHECKING:
    from pipewarden.contracts.model import Contract
    from pipewarden.store.base import Store

__all__ = ["FailOn", "TaskOutcome", "raise_for", "run_check"]

FailOn = Literal["error", "warning", "never"]
"""The least severe finding that fails the task; ``never`` only reports."""

_THRESHOLDS: dict[str, Severity | None] = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "never": None,
}
_VERBS = {"pass": "passed", "warn": "passed with warnings", "fail": "failed"}
_LISTED = 3
"""Findings named in a failed task's message (all are in the result)."""


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """What one scheduler check found and recorded.

    Attributes:
        result: The findings, worst first.
        fail_on: The threshold the task was judged by.
        run_id: The recorded run (None without a store).
        pipeline_run_id: The pipeline run the check was a stage of, if any.
        stage: The stage name, for a pipeline checkpoint.
        store_url: The store written (password hidden), when one was used.
    """

    result: CheckResult
    fail_on: FailOn = "error"
    run_id: str | None = None
    pipeline_run_id: str | None = None
    stage: str | None = None
    store_url: str | None = None

    @property
    def failing(self) -> list[Finding]:
        """The findings at or above the threshold (none under ``never``)."""
        threshold = _THRESHOLDS[self.fail_on]
        return [] if threshold is None else self.result.at_least(threshold)

    @property
    def failed(self) -> bool:
        """Whether the task fails: a finding at or above ``fail_on``."""
        return bool(self.failing)

    def counts(self) -> dict[str, int]:
        """Findings by severity: ``{"error": n, "warning": n, "info": n}``."""
        return {
            severity.value: sum(f.severity is severity for f in self.result.findings)
            for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        }

    def summary(self) -> dict[str, Any]:
        """A small JSON-able dict for XCom, task results and asset-check metadata.

        The keys of ``pipewarden check --json`` (status, rows, dataset, contract,
        findings), plus the counts, the threshold and what was recorded.
        """
        return {
            **self.result.to_dict(),
            "counts": self.counts(),
            "fail_on": self.fail_on,
            "failed": self.failed,
            "run_id": self.run_id,
            "pipeline_run_id": self.pipeline_run_id,
            "stage": self.stage,
            "store": self.store_url,
        }

    def message(self) -> str:
        """One line for the task log: what failed, and where it was recorded."""
        failing = self.failing
        what = self.result.dataset or "the data"
        contract = f" against {self.result.contract}" if self.result.contract else ""
        verb = _VERBS[self.result.status]
        if failing and self.result.status != "fail":
            verb = f"failed on {self.fail_on}s"
        head = (
            f"pipewarden: {what} {verb}{contract} "
            f"({self.result.rows} rows; {_counted(self.counts())})"
        )
        if self.run_id:
            head += f"; run {self.run_id}"
        if not failing:
            return head
        listed = "; ".join(
            f"{f.check}{f' [{f.column}]' if f.column else ''}: {f.message}"
            for f in failing[:_LISTED]
        )
        more = f" (+{len(failing) - _LISTED} more)" if len(failing) > _LISTED else ""
        return f"{head}. Failing at {self.fail_on} or worse: {listed}{more}"


def check_fail_on(fail_on: str) -> FailOn:
    """``fail_on`` itself, or ConfigError naming the choices."""
    if fail_on not in _THRESHOLDS:
        raise ConfigError(
            f"fail_on must be one of {', '.join(get_args(FailOn))}, not {fail_on!r}."
        )
    return fail_on  # type: ignore[return-value]


def run_check(
    data: Any,
    contract: Contract | str | Path | None,
    *,
    fail_on: str = "error",
    store: Store | str | None = None,
    dataset: str | None = None,
    reference: Any = None,
    query: str | None = None,
    pipeline: str | None = None,
    stage: str | None = None,
    pipeline_run: str | None = None,
    now: datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> TaskOutcome:
    """Check a data source against its contract, recording it when a store is given.

    Without ``pipeline``/``pipeline_run`` this is ``pipewarden check``: the run is
    recorded under ``dataset`` when ``store`` is given (and alert rules judge it).
    With ``pipeline`` (a new one-stage pipeline run, finished here) or
    ``pipeline_run`` (a run id started elsewhere, e.g. by an upstream task, left
    open) it is ``pipewarden runs checkpoint``: the stage's output is checked and
    recorded under ``PIPELINE/STAGE``.

    Args:
        data: A path, glob, URL (SQL sources too), frame or DatasetProfile.
        contract: A Contract or a contract YAML path; None only for a checkpoint
            (the stage's contract from the pipeline's first good run, or inferred).
        fail_on: ``error``, ``warning`` or ``never``: see :func:`raise_for`.
        store: A Store or store URL to record in; required for a checkpoint.
        dataset: The dataset name runs are recorded under (default: from ``data``).
        reference: Reference data or profile for drift, or ``"last-pass"``
            (not with a checkpoint: a stage is compared with its pipeline's runs).
        query: SQL query, when ``data`` is a database URL.
        pipeline: Pipeline name: record the check as a stage of a new pipeline run.
        stage: The stage name (default: ``dataset``, else ``check``).
        pipeline_run: An open pipeline run (id or unique prefix) to add the stage to.
        now: When freshness is judged and the run is recorded (default: now).
        environ: Environment variables for the fingerprint (default: os.environ).

    Returns:
        The outcome; call :func:`raise_for` on it to fail the task.

    Raises:
        ConfigError: A bad ``fail_on``, a checkpoint without a store, or a
            checkpoint with a reference.
        SourceError: The data cannot be read.
    """
    threshold = check_fail_on(fail_on)
    if pipeline is None and pipeline_run is None:
        if contract is None:
            raise ConfigError(
                "A check needs a contract: a Contract or the path of a contract YAML "
                "(infer one with: pipewarden contract infer DATA -o contract.yaml)."
            )
        outcome = check_batch(
            data,
            contract,
            reference=reference,
            now=now,
            dataset=dataset,
            store=store,
            query=query,
            environ=environ,
        )
        run_id = None if outcome.run is None else outcome.run.id
        return TaskOutcome(
            outcome.result, threshold, run_id, store_url=outcome.store_url
        )
    return _checkpoint(
        data,
        contract,
        fail_on=threshold,
        store=store,
        stage=stage or dataset or "check",
        reference=reference,
        query=query,
        pipeline=pipeline,
        pipeline_run=pipeline_run,
        now=now,
        environ=environ,
    )


def raise_for(outcome: TaskOutcome) -> TaskOutcome:
    """Raise ValidationFailedError when the outcome fails its threshold.

    Returns:
        The outcome itself, when it passes.

    Raises:
        ValidationFailedError: A finding at or above ``fail_on``; its message is
            :meth:`TaskOutcome.message` and ``.result`` the CheckResult.
    """
    if outcome.failed:
        raise ValidationFailedError(outcome.message(), outcome.result)
    return outcome


def _checkpoint(
    data: Any,
    contract: Contract | str | Path | None,
    *,
    fail_on: FailOn,
    store: Store | str | None,
    stage: str,
    reference: Any,
    query: str | None,
    pipeline: str | None,
    pipeline_run: str | None,
    now: datetime | None,
    environ: Mapping[str, str] | None,
) -> TaskOutcome:
    if store is None:
        raise ConfigError(
            "A pipeline checkpoint is recorded in a store. Pass store='sqlite:///"
            ".pipewarden/pipewarden.db' (or a PostgreSQL URL), or leave out "
            "pipeline and pipeline_run to only check."
        )
    if reference is not None:
        raise ConfigError(
            "A pipeline checkpoint takes no reference: a stage is compared with its "
            "pipeline's earlier runs. Leave out reference, or leave out pipeline and "
            "pipeline_run to check against a reference."
        )
    with _opened(store) as opened:
        run_id = pipeline_run
        if run_id is None:
            assert pipeline is not None
            run_id = start_pipeline_run(pipeline, store=opened, now=now).id
        checkpoint = checkpoint_stage(
            run_id,
            stage,
            data,
            store=opened,
            contract=contract,
            query=query,
            now=now,
            environ=environ,
        )
        if pipeline_run is None:
            finish_pipeline_run(run_id, store=opened, now=now)
        assert checkpoint.run_id is not None
        result = opened.get_run(checkpoint.run_id).result
        return TaskOutcome(
            result,
            fail_on,
            checkpoint.run_id,
            pipeline_run_id=opened.get_pipeline_run(run_id).id,
            stage=stage,
            store_url=opened.url,
        )


@contextmanager
def _opened(store: Store | str) -> Iterator[Store]:
    """A given Store as is, or one opened (and closed) from its URL."""
    if not isinstance(store, str):
        yield store
        return
    from pipewarden.store import open_store

    with open_store(store) as opened:
        yield opened


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {severity}" for severity, n in counts.items() if n) or (
        "no findings"
    )
