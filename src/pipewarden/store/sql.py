"""SqlStore: the Store protocol over SQLAlchemy, in SQLite or PostgreSQL.

One run is one transaction: it is either fully in the store (run, profile,
findings, inputs, metric points) or absent, whatever happens to the process.
Get one from :func:`pipewarden.store.open_store`; where the two databases differ
is in ``pipewarden.store._dialects``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, TypeAlias

from sqlalchemy import Connection, Insert, Select, func, insert, select
from sqlalchemy import Engine as Database
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from pipewarden.contracts.model import Contract
from pipewarden.env.fingerprint import Fingerprint
from pipewarden.errors import RecordNotFoundError, StoreError
from pipewarden.store._dialects import insert_missing, writer
from pipewarden.store._errors import translated
from pipewarden.store._recent import RecentMetrics
from pipewarden.store._traffic import Traffic
from pipewarden.store.alert_records import AlertEventRecord, AlertRecord, OutboxItem
from pipewarden.store.alert_store import SqlAlerts
from pipewarden.store.lifecycle_records import PromotionRecord
from pipewarden.store.monitoring_records import (
    BatchReceipt,
    LabelBatch,
    PredictionBatch,
    Rebuild,
    StoredProfile,
)
from pipewarden.store.overview import OverviewQueries
from pipewarden.store.overview_records import (
    ColumnReading,
    DatasetSummary,
    ModelTraffic,
)
from pipewarden.store.pipeline_records import (
    PipelineRecord,
    PipelineRun,
    StageCheckpoint,
    StageProfile,
)
from pipewarden.store.pipelines import PipelineTables
from pipewarden.store.promotions import SqlPromotions
from pipewarden.store.records import (
    MetricPoint,
    MetricSeries,
    ModelRecord,
    Run,
    RunSummary,
    SeriesTable,
)
from pipewarden.store.reference_records import ReferenceSummary, ReferenceVersion
from pipewarden.store.references import ReferenceTables
from pipewarden.store.stage_profiles import load_stage_profiles
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

if TYPE_CHECKING:
    import polars as pl

__all__ = ["PASSING", "SqlStore"]

logger = logging.getLogger(__name__)

PASSING = ("pass", "warn")
"""Statuses of runs that passed their contract (warnings allowed, as exit code 0)."""

_INSERT: dict[type[Base], Insert] = {
    row: insert(row) for row in (RunRow, ProfileRow, FindingRow, InputRow, MetricRow)
}
"""One insert statement per table, built once (in the order rows are inserted)."""
_Batch: TypeAlias = list[tuple[Run, Sequence[MetricPoint]]]


class SqlStore:
    """Runs, their history, environments and models, in one SQL database.

    Implements :class:`pipewarden.store.Store`; see there for what each method
    promises.

    Attributes:
        url: The store URL, password hidden.
    """

    def __init__(self, database: Database, *, url: str, compression: int = 0) -> None:
        """Use an open database whose schema is at head (``open_store`` checks it).

        Args:
            database: The SQLAlchemy database (see ``_dialects.connect``).
            url: The store URL, password hidden.
            compression: zlib level (1-9) for stored profiles; 0 stores them as is.
        """
        self.url = url
        self._database = database
        self._compression = compression
        self._recent = RecentMetrics()
        self._stored: set[tuple[str, str | None]] = set()
        """("env" or "contract", digest) of rows known to be in the store."""
        self._writer = writer(database)
        self._read = sessionmaker(database, expire_on_commit=False)
        self._write = sessionmaker(self._writer, expire_on_commit=False)
        self._traffic = Traffic(
            database, self._writer, url=url, compression=compression
        )
        self._alerts = SqlAlerts(database, self._writer, url=url)
        self._promotions = SqlPromotions(database, self._writer, url=url)
        self._pipelines = PipelineTables(database, self._writer, url=url)
        self._overview = OverviewQueries(database, url=url)
        self._references = ReferenceTables(
            database, self._writer, url=url, compression=compression
        )

    @property
    def database(self) -> Database:
        """The SQLAlchemy database behind the store, for tools and tests that need
        SQL (pipewarden itself goes through the Store methods)."""
        return self._database

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Release the database connections."""
        self._database.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlStore({self.url!r})"

    # ------------------------------------------------------------------ runs
    def save_run(self, run: Run, points: Sequence[MetricPoint]) -> None:
        """Keep a finished run and its metric points, in one transaction.

        Everything is serialised before the transaction starts. Environments and
        contracts are kept once per digest.

        Raises:
            StoreError: The database failed; nothing of the run was kept.
        """
        self.save_runs([(run, points)])

    def save_runs(self, runs: Iterable[tuple[Run, Sequence[MetricPoint]]]) -> None:
        """Keep several finished runs and their points, in one transaction.

        For imports and backfills: all the runs are kept, or none. They are all
        serialised before the transaction starts, so send profiles in batches of
        hundreds rather than millions.

        Raises:
            StoreError: The database failed; none of the runs was kept.
        """
        batch = list(runs)
        rows = self._rows_of(batch)
        with translated(self.url):
            try:
                self._write_runs(batch, rows)
            except IntegrityError:
                if not self._stored:
                    raise
                self._stored.clear()  # one thought stored is not: an older file back?
                self._write_runs(batch, rows)
        for run, points in batch:
            self._recent.remember(run.dataset, run.id, points)

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

    # ------------------------------------------------------------------ pipelines
    def save_pipeline(self, record: PipelineRecord) -> None:
        """Keep a pipeline's schedule (replacing the one kept before)."""
        self._pipelines.save_pipeline(record)

    def get_pipeline(self, name: str) -> PipelineRecord:
        """A pipeline and its schedule; RecordNotFoundError when unknown."""
        return self._pipelines.get_pipeline(name)

    def list_pipelines(self) -> list[PipelineRecord]:
        """Every pipeline, by name."""
        return self._pipelines.list_pipelines()

    def start_pipeline_run(self, run: PipelineRun) -> None:
        """Keep a new pipeline run (the pipeline is kept too if new)."""
        self._pipelines.start_pipeline_run(run)

    def save_stage(self, pipeline_run_id: str, stage: StageCheckpoint) -> None:
        """Keep one stage checkpoint of a pipeline run."""
        self._pipelines.save_stage(pipeline_run_id, stage)

    def finish_pipeline_run(
        self,
        run_id: str,
        *,
        status: str,
        finished_at: datetime,
        error_type: str | None = None,
        error_message: str | None = None,
        traceback: str | None = None,
    ) -> None:
        """Set a pipeline run's final status, end time and error."""
        self._pipelines.finish_pipeline_run(
            run_id,
            status=status,
            finished_at=finished_at,
            error_type=error_type,
            error_message=error_message,
            traceback=traceback,
        )

    def get_pipeline_run(self, run_id: str) -> PipelineRun:
        """A pipeline run with its stages, by id or unique prefix."""
        return self._pipelines.get_pipeline_run(run_id)

    def has_pipeline_run(self, run_id: str) -> bool:
        """Whether a pipeline run has this id (or is the only one with this prefix)."""
        return self._pipelines.has_pipeline_run(run_id)

    def list_pipeline_runs(
        self,
        *,
        pipeline: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = 100,
    ) -> list[PipelineRun]:
        """Pipeline runs with their stages, newest first."""
        return self._pipelines.list_pipeline_runs(
            pipeline=pipeline, status=status, since=since, until=until, limit=limit
        )

    def get_stage_profiles(self, run_ids: Sequence[str]) -> dict[str, StageProfile]:
        """Profiles and context of recorded runs, without findings, in one read."""
        return load_stage_profiles(self._database, run_ids, url=self.url)

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

    def recent_metrics(
        self,
        dataset: str,
        at: datetime,
        *,
        runs: int = 20,
        same_weekday: int = 8,
        lookback: int = 200,
    ) -> SeriesTable:
        """Every metric of some of the dataset's runs that started before ``at``.

        The newest ``runs``, and the newest ``same_weekday`` on the weekday of
        ``at`` (UTC) but an earlier date, among the newest ``lookback``. Points
        this SqlStore wrote or read before are not read again.
        """
        with translated(self.url), self._database.connect() as conn:
            return self._recent.history(
                conn,
                dataset,
                at,
                runs=runs,
                same_weekday=same_weekday,
                lookback=lookback,
            )

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

    def get_model(
        self, name: str, version: str | None = None, *, with_profile: bool = True
    ) -> ModelRecord:
        """A model version, or the newest registered version of ``name`` (without
        its training profile when ``with_profile`` is False).

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
            return row.to_domain(with_profile=with_profile)

    def list_models(self) -> list[ModelRecord]:
        """Every registered model version, by name then registration time."""
        query = _full_model().order_by(
            ModelRow.name, ModelRow.registered_at, ModelRow.id
        )
        with translated(self.url), self._read() as session:
            return [row.to_domain() for row in session.scalars(query)]

    # ------------------------------------------------------------------ references
    def add_reference(self, reference: ReferenceVersion) -> ReferenceVersion:
        """See :meth:`pipewarden.store.Store.add_reference`."""
        return self._references.add_reference(reference)

    def get_reference(self, name: str, version: int | None = None) -> ReferenceVersion:
        """See :meth:`pipewarden.store.Store.get_reference`."""
        return self._references.get_reference(name, version)

    def list_references(self, name: str | None = None) -> list[ReferenceSummary]:
        """See :meth:`pipewarden.store.Store.list_references`."""
        return self._references.list_references(name)

    # ------------------------------------------------------------------ traffic
    def save_predictions(
        self, name: str, version: str, batch: PredictionBatch, rebuild: Rebuild
    ) -> BatchReceipt:
        """See :meth:`pipewarden.store.Store.save_predictions`."""
        return self._traffic.save_predictions(name, version, batch, rebuild)

    def save_labels(self, name: str, version: str, batch: LabelBatch) -> BatchReceipt:
        """See :meth:`pipewarden.store.Store.save_labels`."""
        return self._traffic.save_labels(name, version, batch)

    def load_predictions(
        self,
        name: str,
        version: str,
        *,
        since_us: int | None = None,
        until_us: int | None = None,
    ) -> pl.DataFrame | None:
        """See :meth:`pipewarden.store.Store.load_predictions`."""
        return self._traffic.load_predictions(
            name, version, since_us=since_us, until_us=until_us
        )

    def load_inputs(
        self,
        name: str,
        version: str,
        *,
        since_us: int | None = None,
        until_us: int | None = None,
    ) -> pl.DataFrame | None:
        """See :meth:`pipewarden.store.Store.load_inputs`."""
        return self._traffic.load_inputs(
            name, version, since_us=since_us, until_us=until_us
        )

    def load_labels(
        self, name: str, version: str, *, column: str | None = None
    ) -> pl.DataFrame:
        """See :meth:`pipewarden.store.Store.load_labels`."""
        return self._traffic.load_labels(name, version, column=column)

    def load_input_profiles(
        self,
        name: str,
        version: str,
        *,
        since_us: int | None = None,
        until_us: int | None = None,
    ) -> list[StoredProfile]:
        """See :meth:`pipewarden.store.Store.load_input_profiles`."""
        return self._traffic.load_input_profiles(
            name, version, since_us=since_us, until_us=until_us
        )

    def list_batches(self, name: str, version: str) -> list[BatchReceipt]:
        """See :meth:`pipewarden.store.Store.list_batches`."""
        return self._traffic.list_batches(name, version)

    # ------------------------------------------------------------------ promotions
    def save_promotion(self, promotion: PromotionRecord) -> PromotionRecord:
        """See :meth:`pipewarden.store.Store.save_promotion`."""
        return self._promotions.save_promotion(promotion)

    def list_promotions(self, name: str | None = None) -> list[PromotionRecord]:
        """See :meth:`pipewarden.store.Store.list_promotions`."""
        return self._promotions.list_promotions(name)

    # ------------------------------------------------------------------ alerts
    def save_alert(
        self,
        alert: AlertRecord,
        event: AlertEventRecord | None,
        outbox: Sequence[OutboxItem] = (),
    ) -> tuple[AlertRecord, AlertEventRecord | None]:
        """Insert or update an alert with one event and its outbox, in one transaction."""
        return self._alerts.save_alert(alert, event, outbox)

    def get_alert(self, alert_id: int) -> AlertRecord:
        """One alert by id (RecordNotFoundError when absent)."""
        return self._alerts.get_alert(alert_id)

    def list_alerts(
        self,
        *,
        status: Sequence[str] | None = None,
        rule: str | None = None,
        subject: str | None = None,
        limit: int | None = None,
    ) -> list[AlertRecord]:
        """Alerts, newest first, of some statuses (all when None)."""
        return self._alerts.list_alerts(
            status=status, rule=rule, subject=subject, limit=limit
        )

    def list_alert_events(self, alert_id: int | None = None) -> list[AlertEventRecord]:
        """The events of one alert (or of all), oldest first."""
        return self._alerts.list_alert_events(alert_id)

    def claim_outbox(
        self, now: datetime, *, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        """Pending notifications due at ``now``, leased to the caller until ``now + lease``."""
        return self._alerts.claim_outbox(now, lease=lease, limit=limit)

    def update_outbox(self, item: OutboxItem) -> None:
        """Keep the outcome of a delivery attempt."""
        self._alerts.update_outbox(item)

    def list_outbox(self, *, status: str | None = None) -> list[OutboxItem]:
        """Notifications in the outbox, oldest first."""
        return self._alerts.list_outbox(status=status)

    # ------------------------------------------------------------------ overview
    def dataset_summaries(self) -> list[DatasetSummary]:
        """Every dataset with its newest run and run count, by name."""
        return self._overview.dataset_summaries()

    def column_readings(
        self,
        run_ids: Sequence[str],
        *,
        metrics: Sequence[str] = ("null_rate",),
        finding_prefix: str | None = "drift.",
    ) -> list[ColumnReading]:
        """Per-column metric points and finding values of some runs."""
        return self._overview.column_readings(
            run_ids, metrics=metrics, finding_prefix=finding_prefix
        )

    def model_traffic(self) -> list[ModelTraffic]:
        """Every model version with what its batches stored."""
        return self._overview.model_traffic()

    def previous_run_id(
        self, dataset: str, before: datetime, run_id: str
    ) -> str | None:
        """The run of a dataset just before a given one, or None."""
        return self._overview.previous_run_id(dataset, before, run_id)

    # ------------------------------------------------------------------ internals
    def _rows_of(self, batch: _Batch) -> dict[type[Base], list[dict[str, Any]]]:
        """The rows of some runs, table by table, parents first."""
        rows: dict[type[Base], list[dict[str, Any]]] = {table: [] for table in _INSERT}
        for run, points in batch:
            rows[RunRow].append(RunRow.values_of(run))
            if run.profile is not None:
                rows[ProfileRow].append(
                    ProfileRow.values_of(
                        run.id, run.profile, compression=self._compression
                    )
                )
            rows[FindingRow].extend(FindingRow.values_of(run.id, run.result))
            rows[InputRow].extend(InputRow.values_of(run))
            rows[MetricRow].extend(MetricRow.values_of(p) for p in points)
        return rows

    def _write_runs(
        self, batch: _Batch, rows: dict[type[Base], list[dict[str, Any]]]
    ) -> None:
        """The transaction of ``save_runs``.

        Environments and contracts are kept once per digest and never deleted, so
        those this Store saw committed are not looked up again.
        """
        known = set(self._stored)
        with self._writer.begin() as conn:
            for (run, _), values in zip(batch, rows[RunRow], strict=True):
                environment = ("env", values["environment_digest"])
                if run.environment is not None and environment not in known:
                    _put_environment(conn, run.environment, digest=environment[1])
                    known.add(environment)
                contract = ("contract", values["contract_digest"])
                if run.contract is not None and contract not in known:
                    _put_contract(
                        conn, run.contract, seen_at=run.started_at, digest=contract[1]
                    )
                    known.add(contract)
            for row_class, values_list in rows.items():
                if values_list:
                    conn.execute(_INSERT[row_class], values_list)
        self._stored = known

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


def _put_environment(
    conn: Connection, fingerprint: Fingerprint, *, digest: str | None = None
) -> None:
    digest = digest or fingerprint.digest
    found = conn.execute(
        select(EnvironmentRow.digest).where(EnvironmentRow.digest == digest)
    ).first()
    if found is None:
        insert_missing(conn, EnvironmentRow, EnvironmentRow.values_of(fingerprint))


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
        insert_missing(conn, ContractRow, values)
