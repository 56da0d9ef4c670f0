"""The Store: record runs and models, read them back, and read metric history.

One run is one transaction: it is either fully in the store (run, profile,
findings, inputs, metric points) or absent, whatever happens to the process.
Get a Store from :func:`pipewarden.store.open_store`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Insert, Select, func, insert, select
from sqlalchemy import Engine as Database
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.contracts.model import Contract
from pipewarden.env.fingerprint import CodeVersion, Fingerprint, capture, code_version
from pipewarden.errors import ConfigError, RecordNotFoundError, StoreError
from pipewarden.monitor.history import HistoryPolicy, detect_anomalies
from pipewarden.monitor.metrics import profile_metrics
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store._errors import translated
from pipewarden.store._recent import RecentMetrics
from pipewarden.store.records import (
    InputFingerprint,
    MetricPoint,
    MetricSeries,
    ModelRecord,
    Run,
    RunSummary,
    new_run_id,
)
from pipewarden.store.tables import (
    DATASET_COLUMN,
    Base,
    ContractRow,
    EnvironmentRow,
    FindingRow,
    InputRow,
    MetricRow,
    ModelRow,
    ProfileRow,
    RunRow,
)

__all__ = ["PASSING", "WRITE_OPTION", "Store"]

logger = logging.getLogger(__name__)

WRITE_OPTION = "pipewarden_write"
"""Execution option marking write transactions (SQLite takes its write lock at BEGIN)."""
PASSING = ("pass", "warn")
"""Statuses of runs that passed their contract (warnings allowed, as exit code 0)."""

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_INSERT: dict[type[Base], Insert] = {
    row: insert(row) for row in (RunRow, ProfileRow, FindingRow, InputRow, MetricRow)
}
"""One insert statement per table, built once."""


class Store:
    """Runs, their history, environments and models, in one database.

    Attributes:
        url: The store URL, password hidden.
    """

    def __init__(
        self,
        database: Database,
        *,
        url: str,
        compression: int = 0,
        history: HistoryPolicy | None = None,
    ) -> None:
        self.url = url
        self._database = database
        self._compression = compression
        self._history = history or HistoryPolicy()
        self._recent = RecentMetrics(self._history)
        self._stored: set[tuple[str, str | None]] = set()
        """("env" or "contract", digest) of rows known to be in the store."""
        self._writer = database.execution_options(**{WRITE_OPTION: True})
        self._read = sessionmaker(database, expire_on_commit=False)
        self._write = sessionmaker(self._writer, expire_on_commit=False)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Release the database connections."""
        self._database.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # ------------------------------------------------------------------ runs
    def record_run(
        self,
        result: CheckResult,
        *,
        profile: DatasetProfile,
        contract: Contract | None = None,
        dataset: str | None = None,
        inputs: Sequence[InputFingerprint] = (),
        environment: Fingerprint | None = None,
        code: CodeVersion | None = None,
        code_path: str | Path = ".",
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        reference: str | None = None,
        detect_history: bool = True,
    ) -> Run:
        """Record a check as a run, adding ``history.*`` findings from past runs.

        Args:
            result: What the check found.
            profile: Profile of the checked batch (stored as sketches, never rows;
                its statistics also become metric points).
            contract: The contract checked against.
            dataset: Name to record the run under (default: ``result.dataset``).
            inputs: Fingerprints of what was read (see ``fingerprint_inputs``).
            environment: Fingerprint of this environment; None: capture it now
                (``pipewarden.env.capture()``, which reads allow-listed variables
                of ``os.environ``).
            code: Git state of the code; None: read it from ``code_path``.
            code_path: Where to look for the git repository when ``code`` is None.
            started_at: When the check started (default: now).
            finished_at: When it finished (default: now).
            reference: What the batch was compared to, for provenance.
            detect_history: Compare the metrics with earlier runs of the dataset.

        Returns:
            The run as stored; ``run.result`` includes the history findings.

        Raises:
            ConfigError: Neither ``dataset`` nor ``result.dataset`` names the dataset.
            StoreError: The database failed; nothing of the run was stored.
        """
        name = dataset or result.dataset
        if not name:
            raise ConfigError(
                "A run needs a dataset name. Pass dataset='orders' (or --dataset NAME)."
            )
        finished = finished_at or datetime.now(UTC)
        started = started_at or finished
        run_id = new_run_id(started)
        points = profile_metrics(
            profile, dataset=name, recorded_at=started, run_id=run_id
        )
        anomalies = self._anomalies(name, started, points) if detect_history else []
        run = Run(
            id=run_id,
            dataset=name,
            started_at=started,
            finished_at=finished,
            result=_with_findings(result, anomalies, dataset=name),
            profile=profile,
            contract=contract,
            contract_digest=None if contract is None else contract.digest,
            environment=environment if environment is not None else capture(),
            code=code if code is not None else code_version(code_path),
            inputs=tuple(inputs),
            reference=reference,
        )
        self._insert_run(run, points)
        return run

    def get_run(self, run_id: str) -> Run:
        """A run by id, or by a prefix of its id that only one run has.

        Raises:
            RecordNotFoundError: No run (or more than one) matches.
        """
        with translated(self.url), self._read() as session:
            row = session.scalar(_full_run().where(RunRow.id == run_id))
            if row is None:
                row = self._by_prefix(session, run_id)
            return row.to_domain()

    def list_runs(
        self,
        *,
        dataset: str | None = None,
        status: str | None = None,
        limit: int | None = 100,
    ) -> list[RunSummary]:
        """Runs, newest first, without profiles or findings."""
        query = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.id.desc())
        if dataset is not None:
            query = query.where(RunRow.dataset == dataset)
        if status is not None:
            query = query.where(RunRow.status == status)
        if limit is not None:
            query = query.limit(limit)
        with translated(self.url), self._read() as session:
            return [_summary(row) for row in session.scalars(query)]

    def count_runs(self, *, dataset: str | None = None) -> int:
        """How many runs the store holds (of one dataset, when given)."""
        query = select(func.count()).select_from(RunRow)
        if dataset is not None:
            query = query.where(RunRow.dataset == dataset)
        with translated(self.url), self._read() as session:
            return int(session.scalar(query) or 0)

    def last_passing_run(self, dataset: str) -> Run:
        """The newest run of a dataset that passed its contract (status pass or warn).

        Raises:
            RecordNotFoundError: The dataset has no passing run.
        """
        query = (
            _full_run()
            .where(RunRow.dataset == dataset, RunRow.status.in_(PASSING))
            .order_by(RunRow.started_at.desc(), RunRow.id.desc())
            .limit(1)
        )
        with translated(self.url), self._read() as session:
            row = session.scalar(query)
            if row is None:
                raise RecordNotFoundError(
                    f"No passing run of dataset '{dataset}' in the store {self.url}. "
                    f"Record one with: pipewarden check CONTRACT DATA --dataset {dataset}"
                )
            return row.to_domain()

    # ------------------------------------------------------------------ history
    def metric_history(
        self,
        dataset: str,
        metric: str,
        *,
        column: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> MetricSeries:
        """The time series of one metric, oldest first.

        Args:
            dataset: Dataset name.
            metric: e.g. ``row_count`` (dataset-wide) or ``null_rate`` (per column).
            column: The column, for column metrics.
            since: Only points recorded at or after this time.
            limit: Only the newest ``limit`` points.
        """
        key = DATASET_COLUMN if column is None else column
        query = (
            select(MetricRow.recorded_at, MetricRow.value, MetricRow.run_id)
            .where(
                MetricRow.dataset == dataset,
                MetricRow.column_name == key,
                MetricRow.metric == metric,
            )
            .order_by(MetricRow.recorded_at.desc())
        )
        if since is not None:
            query = query.where(MetricRow.recorded_at >= since)
        if limit is not None:
            query = query.limit(limit)
        with translated(self.url), self._database.connect() as conn:
            rows = list(conn.execute(query).all())
        rows.reverse()
        times, values, run_ids = zip(*rows, strict=True) if rows else ((), (), ())
        return MetricSeries(dataset, column, metric, times, values, run_ids)

    # ------------------------------------------------------------------ environments
    def get_environment(self, digest: str) -> Fingerprint:
        """A stored environment fingerprint by digest.

        Raises:
            RecordNotFoundError: No environment has this digest.
        """
        with translated(self.url), self._read() as session:
            row = session.get(EnvironmentRow, digest)
            if row is None:
                raise RecordNotFoundError(
                    f"No environment {digest[:12]} in the store {self.url}."
                )
            return row.to_domain()

    # ------------------------------------------------------------------ models
    def save_model(self, model: ModelRecord) -> ModelRecord:
        """Keep a model version; registering the same artifact again is a no-op.

        Raises:
            StoreError: This name and version are registered with another artifact.
        """
        with translated(self.url), self._write.begin() as session:
            existing = session.scalar(
                _full_model().where(
                    ModelRow.name == model.name, ModelRow.version == model.version
                )
            )
            if existing is not None:
                if existing.artifact_hash != model.artifact_hash:
                    raise StoreError(
                        f"Model '{model.name}' version '{model.version}' is already "
                        f"registered with another artifact "
                        f"({existing.artifact_hash[:12]}). Register a new version."
                    )
                return existing.to_domain()
            _put_environment(session.connection(), model.environment)
            session.add(ModelRow.from_domain(model, compression=self._compression))
        return model

    def get_model(self, name: str, version: str | None = None) -> ModelRecord:
        """A model version, or the newest registered version of ``name``.

        Raises:
            RecordNotFoundError: No such model or version.
        """
        query = _full_model().where(ModelRow.name == name)
        if version is not None:
            query = query.where(ModelRow.version == version)
        query = query.order_by(ModelRow.registered_at.desc(), ModelRow.id.desc()).limit(
            1
        )
        with translated(self.url), self._read() as session:
            row = session.scalar(query)
            if row is None:
                which = f"'{name}'" + (
                    "" if version is None else f" version '{version}'"
                )
                raise RecordNotFoundError(
                    f"No model {which} in the store {self.url}. Register it with "
                    "pipewarden.register_model(name, version, model)."
                )
            return row.to_domain()

    # ------------------------------------------------------------------ internals
    def _insert_run(self, run: Run, points: list[MetricPoint]) -> None:
        """Write a run in one transaction; everything is serialised before it starts."""
        profile = None
        if run.profile is not None:
            profile = ProfileRow.values_of(
                run.id, run.profile, compression=self._compression
            )
        rows: list[tuple[type[Base], Any]] = [
            (RunRow, RunRow.values_of(run)),
            (ProfileRow, profile),
            (FindingRow, FindingRow.values_of(run.id, run.result)),
            (InputRow, InputRow.values_of(run)),
            (MetricRow, [MetricRow.values_of(p) for p in points]),
        ]
        with translated(self.url):
            try:
                self._write_run(run, rows)
            except IntegrityError:
                if not self._stored:
                    raise
                self._stored.clear()  # one thought stored is not: an older file back?
                self._write_run(run, rows)
        self._recent.remember(run.dataset, run.id, points)

    def _write_run(self, run: Run, rows: list[tuple[type[Base], Any]]) -> None:
        """The transaction of ``_insert_run``.

        Environments and contracts are kept once per digest and never deleted, so
        those this Store saw committed are not looked up again.
        """
        run_values = rows[0][1]
        environment = ("env", run_values["environment_digest"])
        contract = ("contract", run_values["contract_digest"])
        with self._writer.begin() as conn:
            if run.environment is not None and environment not in self._stored:
                _put_environment(conn, run.environment, digest=environment[1])
            if run.contract is not None and contract not in self._stored:
                _put_contract(
                    conn, run.contract, seen_at=run.started_at, digest=contract[1]
                )
            for row_class, values in rows:
                if values:
                    conn.execute(_INSERT[row_class], values)
        self._stored.update(
            key for key in (environment, contract) if key[1] is not None
        )

    def _anomalies(
        self, dataset: str, at: datetime, points: list[MetricPoint]
    ) -> list[Finding]:
        with translated(self.url), self._database.connect() as conn:
            history = self._recent.history(conn, dataset, at)
        return detect_anomalies(points, history, self._history)

    def _by_prefix(self, session: Session, prefix: str) -> RunRow:
        ids = session.scalars(
            select(RunRow.id)
            .where(RunRow.id.startswith(prefix, autoescape=True))
            .limit(2)
        ).all()
        if len(ids) != 1:
            how = "No run" if not ids else "More than one run"
            raise RecordNotFoundError(
                f"{how} matches '{prefix}' in the store {self.url}. "
                "List runs with: pipewarden runs list"
            )
        row = session.scalar(_full_run().where(RunRow.id == ids[0]))
        assert row is not None
        return row


def _full_run() -> Select[RunRow]:
    return select(RunRow).options(
        selectinload(RunRow.findings),
        selectinload(RunRow.inputs),
        joinedload(RunRow.profile),
        joinedload(RunRow.contract),
        joinedload(RunRow.environment),
    )


def _full_model() -> Select[ModelRow]:
    return select(ModelRow).options(joinedload(ModelRow.environment))


def _summary(row: RunRow) -> RunSummary:
    return RunSummary(
        id=row.id,
        dataset=row.dataset,
        status=row.status,
        started_at=row.started_at,
        finished_at=row.finished_at,
        rows=row.rows,
        errors=row.errors,
        warnings=row.warnings,
        contract_digest=row.contract_digest,
        environment_digest=row.environment_digest,
        code_commit=row.code_commit,
        code_dirty=row.code_dirty,
    )


def _with_findings(
    result: CheckResult, extra: list[Finding], *, dataset: str
) -> CheckResult:
    findings = sorted(
        [*result.findings, *extra], key=lambda f: _SEVERITY_ORDER[f.severity]
    )
    return replace(result, findings=tuple(findings), dataset=dataset)


def _put_environment(
    conn: Connection, fingerprint: Fingerprint, *, digest: str | None = None
) -> None:
    digest = digest or fingerprint.digest
    found = conn.execute(
        select(EnvironmentRow.digest).where(EnvironmentRow.digest == digest)
    ).first()
    if found is None:
        _insert_missing(conn, EnvironmentRow, EnvironmentRow.values_of(fingerprint))


def _put_contract(
    conn: Connection,
    contract: Contract,
    *,
    seen_at: datetime,
    digest: str | None = None,
) -> None:
    digest = digest or contract.digest
    found = conn.execute(
        select(ContractRow.digest).where(ContractRow.digest == digest)
    ).first()
    if found is None:
        values = ContractRow.values_of(contract, seen_at=seen_at)
        _insert_missing(conn, ContractRow, values)


def _insert_missing(conn: Connection, row_class: Any, values: dict[str, Any]) -> None:
    """Insert a row keyed by digest, unless another writer just did."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(
            postgresql_insert(row_class).values(values).on_conflict_do_nothing()
        )
    elif dialect == "sqlite":
        conn.execute(sqlite_insert(row_class).values(values).on_conflict_do_nothing())
    else:
        conn.execute(insert(row_class).values(values))
