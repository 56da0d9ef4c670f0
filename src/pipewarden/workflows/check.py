"""Check a batch against its contract: the one workflow behind ``pw.check``,
``pipewarden check`` and the server.

Profiles the batch (with segment profiles when the contract names segments and there
is a reference), runs the contract's checks and, with a reference, drift; adds the
environment findings of a registered model; and records the run in a store.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipewarden._polars import select_columns
from pipewarden.checks.findings import CheckResult, Finding, merge_findings
from pipewarden.checks.rows import needed_columns, with_rows
from pipewarden.checks.run import check_profile
from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.errors import ConfigError
from pipewarden.io.sources import describe_source, iter_frames, optimistically
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.workflows.profile import (
    ProgressFn,
    as_profile,
    is_data,
    next_stage,
    tracked,
)
from pipewarden.workflows.references import is_reference_set, resolve_reference

if TYPE_CHECKING:
    from pipewarden.monitor.history import HistoryPolicy
    from pipewarden.monitor.rules import RuleSet
    from pipewarden.store import Run, Store
    from pipewarden.workflows.alerts import AlertsOutcome

__all__ = ["LAST_PASS", "CheckOutcome", "check", "check_batch"]

LAST_PASS = "last-pass"
"""A reference meaning: the profile of the dataset's last passing run in the store."""


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """Everything one check produced, for the faces to present.

    Attributes:
        result: The findings (checks, drift, environment, history), worst first.
        current: The batch's profile.
        reference: The reference profile, when there was one.
        reference_name: How the reference is named in the run (a path, ``run:ID``).
        run: The recorded run, when the check was recorded.
        store_url: The store read or written (password hidden), when one was used.
        alerts: The alert transitions the recorded run made, and the delivery
            (None when the check was not recorded).
    """

    result: CheckResult
    current: DatasetProfile
    reference: DatasetProfile | None = None
    reference_name: str | None = None
    run: Run | None = None
    store_url: str | None = None
    alerts: AlertsOutcome | None = None


def check(
    batch: Any,
    contract: Contract | str | Path,
    *,
    reference: Any = None,
    now: datetime | None = None,
    dataset: str | None = None,
    store: Store | str | None = None,
    record: bool | None = None,
    model: str | None = None,
    environ: Mapping[str, str] | None = None,
    history: HistoryPolicy | None = None,
    query: str | None = None,
    engine: str = "local",
    progress: ProgressFn | None = None,
    rules: RuleSet | str | Path | None = None,
    memory_budget: int | None = None,
) -> CheckResult:
    """Check a batch against a contract.

    Args:
        batch: Data (a path, glob, URL, frame) or a DatasetProfile.
        contract: A Contract or the path of a YAML contract.
        reference: Reference data, a saved profile path, a DatasetProfile,
            ``"last-pass"`` (the last passing run of ``dataset`` in ``store``), or
            ``"ref:NAME"`` / ``"ref:NAME@VERSION"`` (a reference set in ``store``).
        now: When freshness is judged (default: now, UTC).
        dataset: Name of the batch (default: from the source); runs are recorded
            under it.
        store: A Store or store URL: where ``last-pass`` and ``model`` are read
            and the run is recorded.
        record: Record the run in ``store`` (default: when a store is given).
        model: A registered model ``NAME[:VERSION]``, or ``models:/NAME@ALIAS`` /
            ``models:/NAME/VERSION`` in an MLflow registry: adds ``env.mismatch``
            findings where this environment differs from its training (or logged)
            one.
        environ: Environment variables for the fingerprint (default: os.environ).
        history: Thresholds for ``history.*`` findings when recording.
        query: SQL query, when ``batch`` (or ``reference``) is a database URL.
        engine: Compute engine name: ``local`` or ``spark`` (a Spark DataFrame is
            always profiled by Spark).
        progress: Called with the number of rows read after each chunk: the
            batch's, then the reference's (when it is data) and the batch's again
            (when a finding needs its rows). A callback with a ``stage`` method
            (``workflows.profile.Stages``) is told when each source starts.
        rules: Alert rules (a RuleSet or a rules YAML) a recorded run is judged by;
            None: the default rules, under which an error finding opens a sev3
            alert for ``dataset:NAME``.
        memory_budget: Bytes profiling may hold at its peak (default 1 GiB).

    Returns:
        The findings; call ``raise_for_findings()`` to stop on errors.

    Raises:
        ConfigError: ``last-pass``, ``ref:``, ``model`` or ``record`` without a
            store, or ``last-pass`` without a dataset name.
        SourceError: The data cannot be read.

    Example:
        >>> import pipewarden as pw
        >>> result = pw.check("batch.parquet", "contract.yaml")  # doctest: +SKIP
    """
    return check_batch(
        batch,
        contract,
        reference=reference,
        now=now,
        dataset=dataset,
        store=store,
        record=record,
        model=model,
        environ=environ,
        history=history,
        query=query,
        engine=engine,
        progress=progress,
        rules=rules,
        memory_budget=memory_budget,
    ).result


def check_batch(
    batch: Any,
    contract: Contract | str | Path,
    *,
    reference: Any = None,
    now: datetime | None = None,
    dataset: str | None = None,
    store: Store | str | None = None,
    record: bool | None = None,
    model: str | None = None,
    environ: Mapping[str, str] | None = None,
    history: HistoryPolicy | None = None,
    query: str | None = None,
    engine: str = "local",
    progress: ProgressFn | None = None,
    reference_name: str | None = None,
    rules: RuleSet | str | Path | None = None,
    memory_budget: int | None = None,
) -> CheckOutcome:
    """Check a batch and keep what the faces present: see :func:`check`.

    Takes the arguments of :func:`check`, and:

    Args:
        reference_name: How the recorded run names the reference (default: its
            path, ``run:ID`` for ``last-pass``, ``ref:NAME@VERSION`` for a set).
        rules: Alert rules (a RuleSet or a rules file) the recorded run is judged by;
            None: the default rules (an error finding opens a sev3 alert). See
            ``pipewarden.workflows.alerts``.

    Returns:
        The result, both profiles, and the run when recorded.
    """
    started = datetime.now(UTC)
    spec, contract_name = _contract(contract)
    recording = store is not None if record is None else record
    _require_store(store, recording=recording, reference=reference, model=model)
    if rules is not None and not recording:
        raise ConfigError(
            "Alert rules judge recorded runs only. Record the run (--store URL or "
            "--dataset NAME), or leave out --rules."
        )
    rule_set = _rules(rules) if recording else None
    environ = os.environ if environ is None else environ
    name = dataset or (
        None if isinstance(batch, DatasetProfile) else describe_source(batch)
    )
    with _opened(store) as opened:
        reference, named = _resolve_reference(reference, opened, dataset)
        reference_name = reference_name or named
        segments = list(spec.dataset.segments) if reference is not None else []
        options: dict[str, Any] = {
            "engine": engine,
            "query": query,
            "memory_budget": memory_budget,
        }
        options.update(progress=progress, segments=segments or None)
        current = as_profile(batch, **options)
        ref = None
        if reference is not None:
            if is_data(reference):
                label = f"profiling the reference {describe_source(reference)}"
                next_stage(progress, label, reference, query)
            ref = as_profile(reference, **options)
        result = _checked(current, spec, ref, now=now, dataset=name)
        result = _with_rows(
            result,
            batch,
            query,
            spec,
            current,
            ref,
            memory_budget=memory_budget,
            progress=progress,
        )
        result = replace(result, contract=result.contract or contract_name)
        if model:
            result = _with(result, _model_findings(opened, model, environ))
        run = None
        alerts = None
        if recording:
            assert opened is not None
            run = _record(
                opened,
                result,
                current=current,
                contract=spec,
                dataset=dataset or name,
                batch=batch,
                query=query,
                started_at=started,
                reference=reference_name,
                environ=environ,
                history=history,
            )
            result = run.result
            assert rule_set is not None and run.finished_at is not None
            alerts = _alert_on(opened, run, rule_set, environ=environ)
        url = None if opened is None else opened.url
    return CheckOutcome(result, current, ref, reference_name, run, url, alerts)


def _rules(rules: RuleSet | str | Path | None) -> RuleSet:
    from pipewarden.workflows.alerts import resolve_rules

    return resolve_rules(rules)


def _alert_on(
    store: Store, run: Run, rules: RuleSet, *, environ: Mapping[str, str]
) -> AlertsOutcome:
    from pipewarden.workflows.alerts import alert_on_run

    assert run.finished_at is not None
    return alert_on_run(store, run, rules, now=run.finished_at, environ=environ)


def _contract(contract: Contract | str | Path) -> tuple[Contract, str | None]:
    if isinstance(contract, Contract):
        return contract, contract.name
    if not isinstance(contract, str | Path):
        raise ConfigError(
            f"A contract must be a Contract or the path of a contract YAML, not "
            f"{type(contract).__name__}. Load one with pw.load_contract(path)."
        )
    spec = load_contract(contract)
    return spec, spec.name or Path(contract).name


def _require_store(
    store: object, *, recording: bool, reference: Any, model: str | None
) -> None:
    if store is not None:
        return
    needs = (
        "record=True"
        if recording
        else "reference='last-pass'"
        if _is_last_pass(reference)
        else f"reference='{reference}'"
        if is_reference_set(reference)
        else "model=NAME"
        if model
        else None
    )
    if needs is not None:
        raise ConfigError(
            f"{needs} needs a store. Pass store='sqlite:///.pipewarden/pipewarden.db' "
            "(or --store URL)."
        )


def _is_last_pass(reference: Any) -> bool:
    return isinstance(reference, str) and reference == LAST_PASS


@contextmanager
def _opened(store: Store | str | None) -> Iterator[Store | None]:
    """The store, opened from its URL for the length of the check when needed."""
    if store is None or not isinstance(store, str):
        with nullcontext(store) as same:
            yield same
        return
    from pipewarden.store import open_store

    with open_store(store) as opened:
        yield opened


def _resolve_reference(
    reference: Any, store: Store | None, dataset: str | None
) -> tuple[Any, str | None]:
    """The reference to compare with, and how the run names it."""
    if reference is None:
        return None, None
    if is_reference_set(reference):
        assert store is not None
        return resolve_reference(reference, store)
    if not _is_last_pass(reference):
        named = reference if isinstance(reference, str | Path) else None
        return reference, None if named is None else str(named)
    if not dataset:
        raise ConfigError(
            "The last-pass reference needs a dataset name: the dataset whose last "
            "passing run to compare with. Pass --dataset NAME (dataset='NAME' in "
            "Python)."
        )
    assert store is not None
    run = store.last_passing_run(dataset)
    if run.profile is None:
        raise ConfigError(
            f"Run {run.id} of '{dataset}' has no stored profile to compare with. "
            "Pass a reference file instead."
        )
    return run.profile, f"run:{run.id}"


def _checked(
    current: DatasetProfile,
    contract: Contract,
    reference: DatasetProfile | None,
    *,
    now: datetime | None,
    dataset: str | None,
) -> CheckResult:
    """The contract's checks, plus drift against the reference when there is one."""
    result = check_profile(
        current, contract, reference=reference, now=now, dataset=dataset
    )
    if reference is None:
        return result
    from pipewarden.drift.compare import compare

    drift = compare(reference, current, contract=contract, dataset=result.dataset)
    return _with(result, drift.findings)


def _with_rows(
    result: CheckResult,
    batch: Any,
    query: str | None,
    contract: Contract,
    current: DatasetProfile,
    reference: DatasetProfile | None,
    *,
    memory_budget: int | None = None,
    progress: ProgressFn | None = None,
) -> CheckResult:
    """The findings with what the batch's rows add (``checks.rows``): read again,
    only the columns a finding needs, and only when one does."""
    if not is_data(batch):
        return result
    needed = needed_columns(result.findings, contract, current)
    if not needed:
        return result
    label = f"reading {describe_source(batch)} again for {', '.join(needed)}"
    next_stage(progress, label, batch, query)

    def counted(optimistic: bool) -> list[Finding]:
        frames = _columns_of(batch, needed, query, memory_budget, optimistic)
        return with_rows(
            result.findings, tracked(frames, progress), contract, current, reference
        )

    return replace(result, findings=merge_findings(optimistically(counted)))


def _columns_of(
    batch: Any,
    names: list[str],
    query: str | None,
    memory_budget: int | None,
    optimistic: bool = False,
) -> Iterable[pl.DataFrame]:
    """The batch's rows again, only ``names``: a frame in memory as it is, anything
    else in chunks under the budget (``with_rows`` keeps counts, not rows, and
    starts afresh when an optimistic read must be read again)."""
    if isinstance(batch, pl.DataFrame):
        return [select_columns(batch, names)]
    return iter_frames(
        batch,
        query=query,
        columns=names,
        memory_budget=memory_budget,
        optimistic=optimistic,
    )


def _with(
    result: CheckResult, findings: tuple[Finding, ...] | list[Finding]
) -> CheckResult:
    if not findings:
        return result
    return replace(result, findings=merge_findings(result.findings, findings))


def _model_findings(
    store: Store | None, model: str, environ: Mapping[str, str]
) -> tuple[Finding, ...]:
    from pipewarden.env.fingerprint import capture
    from pipewarden.monitor.environment import check_model_environment
    from pipewarden.workflows._store import opened_store
    from pipewarden.workflows.traffic import resolve_model

    with opened_store(store) as opened:
        record = resolve_model(opened, model)
    return check_model_environment(record, capture(environ))


def _record(
    store: Store,
    result: CheckResult,
    *,
    current: DatasetProfile,
    contract: Contract,
    dataset: str | None,
    batch: Any,
    query: str | None,
    started_at: datetime,
    reference: str | None,
    environ: Mapping[str, str],
    history: HistoryPolicy | None,
) -> Run:
    from pipewarden.io.fingerprints import fingerprint_inputs
    from pipewarden.workflows.record import record_run

    inputs = (
        ()
        if isinstance(batch, DatasetProfile)
        else fingerprint_inputs(batch, query=query)
    )
    return record_run(
        store,
        result,
        profile=current,
        environ=environ,
        contract=contract,
        dataset=dataset,
        inputs=inputs,
        started_at=started_at,
        reference=reference,
        history=history,
    )
