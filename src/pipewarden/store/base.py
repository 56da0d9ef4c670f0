"""The Store protocol: what pipewarden keeps and reads back, whatever holds it.

A Store persists runs (with their profile, findings, inputs and metric points),
environments and models, and reads them back. It decides nothing: the findings of a
run, history anomalies included, are made before ``save_run`` is called (see
``pipewarden.workflows.record``). :func:`pipewarden.store.open_store` returns the
SQL implementation, :class:`pipewarden.store.sql.SqlStore`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    import polars as pl

    from pipewarden.env.fingerprint import Fingerprint
    from pipewarden.store.alert_records import (
        AlertEventRecord,
        AlertRecord,
        OutboxItem,
    )
    from pipewarden.store.lifecycle_records import PromotionRecord
    from pipewarden.store.monitoring_records import (
        BatchReceipt,
        LabelBatch,
        PredictionBatch,
        Rebuild,
        StoredProfile,
    )
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
    from pipewarden.store.records import (
        MetricPoint,
        MetricSeries,
        ModelRecord,
        Run,
        RunSummary,
        SeriesTable,
    )
    from pipewarden.store.reference_records import (
        ReferenceSummary,
        ReferenceVersion,
    )

__all__ = ["Store"]


class Store(Protocol):
    """Runs, their metric history, environments and models, kept somewhere.

    Attributes:
        url: Where the store is, with any password hidden (for messages).
    """

    @property
    def url(self) -> str: ...

    # ------------------------------------------------------------------ runs
    def save_run(self, run: Run, points: Sequence[MetricPoint]) -> None:
        """Keep a finished run and its metric points, in one transaction.

        Afterwards the run is either wholly in the store or absent, whatever
        happens to the process.

        Raises:
            StoreError: The write failed; nothing of the run was kept.
        """
        ...

    def save_runs(self, runs: Iterable[tuple[Run, Sequence[MetricPoint]]]) -> None:
        """Keep several finished runs and their points, in one transaction.

        For imports and backfills: all the runs are kept, or none.

        Raises:
            StoreError: The write failed; none of the runs was kept.
        """
        ...

    def get_run(self, run_id: str) -> Run:
        """A run by id, or by a prefix of its id that only one run has.

        Raises:
            RecordNotFoundError: No run (or more than one) matches.
        """
        ...

    def list_runs(
        self,
        *,
        dataset: str | None = None,
        status: str | None = None,
        limit: int | None = 100,
    ) -> list[RunSummary]:
        """Runs, newest first, without profiles or findings."""
        ...

    def count_runs(self, *, dataset: str | None = None) -> int:
        """How many runs the store holds (of one dataset, when given)."""
        ...

    def last_passing_run(self, dataset: str) -> Run:
        """The newest run of a dataset that passed its contract (pass or warn).

        Raises:
            RecordNotFoundError: The dataset has no passing run.
        """
        ...

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
        ...

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

        These are the runs history anomalies are judged against (the defaults are
        those of ``HistoryPolicy``): the newest ``runs``, and the newest
        ``same_weekday`` on the weekday of ``at`` (UTC) but an earlier date, among
        the newest ``lookback``.
        """
        ...

    # ------------------------------------------------------------------ environments
    def get_environment(self, digest: str) -> Fingerprint:
        """A stored environment fingerprint by digest.

        Raises:
            RecordNotFoundError: No environment has this digest.
        """
        ...

    # ------------------------------------------------------------------ models
    def save_model(self, model: ModelRecord) -> ModelRecord:
        """Keep a model version; saving the same artifact again is a no-op.

        Returns:
            The model as stored (the earlier record when it was already there).

        Raises:
            StoreError: This name and version are kept with another artifact.
        """
        ...

    def get_model(
        self, name: str, version: str | None = None, *, with_profile: bool = True
    ) -> ModelRecord:
        """A model version, or the newest saved version of ``name`` (without its
        training profile when ``with_profile`` is False: cheaper to read).

        Raises:
            RecordNotFoundError: No such model or version.
        """
        ...

    def list_models(self) -> list[ModelRecord]:
        """Every registered model version, by name then registration time."""
        ...

    # ------------------------------------------------------------------ references
    def add_reference(self, reference: ReferenceVersion) -> ReferenceVersion:
        """Keep a new version of a reference set (its profile, not its rows).

        The store numbers it: one more than the newest version of the name, and
        two writers adding at once get distinct versions.

        Returns:
            The version as stored (with its number).

        Raises:
            StoreError: The write failed; nothing was kept.
        """
        ...

    def get_reference(self, name: str, version: int | None = None) -> ReferenceVersion:
        """A version of a reference set, or its newest version.

        Raises:
            RecordNotFoundError: No such reference set or version.
        """
        ...

    def list_references(self, name: str | None = None) -> list[ReferenceSummary]:
        """Versions of every reference set (or of one), by name then version,
        without their profiles."""
        ...

    # ------------------------------------------------------------------ traffic
    def save_predictions(
        self, name: str, version: str, batch: PredictionBatch, rebuild: Rebuild
    ) -> BatchReceipt:
        """Keep a batch of predictions of a model version, in one transaction.

        A batch whose key was logged before stores nothing (the receipt says so,
        with the first time's counts). Ids the model logged in an earlier batch
        are not stored again; ``rebuild`` then gives the blob and day profiles of
        the rows that were.

        Raises:
            RecordNotFoundError: No such model version.
        """
        ...

    def save_labels(self, name: str, version: str, batch: LabelBatch) -> BatchReceipt:
        """Join a batch of labels to a model version's ids, in one transaction.

        New ids are added, a different label for a labelled id replaces it
        (``relabelled``), the same label again changes nothing (``unchanged``);
        labels of ids with no logged prediction are kept and counted
        (``unknown_ids``): they join when the prediction is logged.

        Raises:
            RecordNotFoundError: No such model version.
        """
        ...

    def load_predictions(
        self,
        name: str,
        version: str,
        *,
        since_us: int | None = None,
        until_us: int | None = None,
    ) -> pl.DataFrame | None:
        """The rows blobs (as written: ids, times, predictions, scores) of
        the batches whose times overlap ``[since_us, until_us)``, as one frame (rows
        outside the range included); None when nothing was logged."""
        ...

    def load_inputs(
        self,
        name: str,
        version: str,
        *,
        since_us: int | None = None,
        until_us: int | None = None,
    ) -> pl.DataFrame | None:
        """The inputs blobs (ids and input columns) of the same batches as
        :meth:`load_predictions`, as one frame; None when nothing was logged."""
        ...

    def load_labels(
        self, name: str, version: str, *, column: str | None = None
    ) -> pl.DataFrame:
        """The current labels: ``row_id``, ``label``, ``label_class``; only
        ``row_id`` and ``column`` (``label`` or ``label_class``) when one is named."""
        ...

    def load_input_profiles(
        self,
        name: str,
        version: str,
        *,
        since_us: int | None = None,
        until_us: int | None = None,
    ) -> list[StoredProfile]:
        """The input profiles of the logged batches (per UTC day, or per batch when
        it spans more than a week) whose spans overlap the range; decoded on use."""
        ...

    def list_batches(self, name: str, version: str) -> list[BatchReceipt]:
        """The logged batches of a model version, oldest first."""

    # ------------------------------------------------------------------ alerts
    def save_promotion(self, promotion: PromotionRecord) -> PromotionRecord:
        """Record a model version's promotion to champion of its name, with its
        evidence; the returned record carries its id and the previous champion.

        Raises:
            RecordNotFoundError: The model version is not registered.
        """
        ...

    def list_promotions(self, name: str | None = None) -> list[PromotionRecord]:
        """Promotions, oldest first (of one model name, when given)."""
        ...

    def save_alert(
        self,
        alert: AlertRecord,
        event: AlertEventRecord | None,
        outbox: Sequence[OutboxItem] = (),
    ) -> tuple[AlertRecord, AlertEventRecord | None]:
        """Keep a new alert (``id`` None) or a change of one, with its event (None for
        a change that is no transition) and the event's notifications, in one
        transaction.

        An existing alert is changed only if the stored one is still at
        ``alert.version``; at most one unresolved alert per rule and subject.

        Returns:
            The alert and the event as stored (with their ids).

        Raises:
            StoreError: The alert changed meanwhile, or an unresolved alert of this
                rule and subject exists already; nothing was kept.
        """
        ...

    def get_alert(self, alert_id: int) -> AlertRecord:
        """One alert by id.

        Raises:
            RecordNotFoundError: No alert has this id.
        """
        ...

    def list_alerts(
        self,
        *,
        status: Sequence[str] | None = None,
        rule: str | None = None,
        subject: str | None = None,
        limit: int | None = None,
    ) -> list[AlertRecord]:
        """Alerts, newest first, of some statuses (all when None)."""
        ...

    def list_alert_events(self, alert_id: int | None = None) -> list[AlertEventRecord]:
        """The events (transitions) of one alert, or of all, oldest first."""
        ...

    def claim_outbox(
        self, now: datetime, *, lease: timedelta, limit: int = 100
    ) -> list[OutboxItem]:
        """Pending notifications due at ``now``; each is leased to the caller (not
        due again before ``now + lease``), so two deliverers never take the same one."""
        ...

    def update_outbox(self, item: OutboxItem) -> None:
        """Keep the outcome of a delivery attempt (status, attempts, times, error)."""
        ...

    def list_outbox(self, *, status: str | None = None) -> list[OutboxItem]:
        """Notifications in the outbox, oldest first (of one status, when given)."""

    # ------------------------------------------------------------------ pipelines
    def save_pipeline(self, record: PipelineRecord) -> None:
        """Keep a pipeline's schedule (replacing the one kept before)."""
        ...

    def get_pipeline(self, name: str) -> PipelineRecord:
        """A pipeline and its schedule.

        Raises:
            RecordNotFoundError: No pipeline has this name.
        """
        ...

    def list_pipelines(self) -> list[PipelineRecord]:
        """Every pipeline, by name."""
        ...

    def start_pipeline_run(self, run: PipelineRun) -> None:
        """Keep a new pipeline run (the pipeline is kept too if new)."""
        ...

    def save_stage(self, pipeline_run_id: str, stage: StageCheckpoint) -> None:
        """Keep one stage checkpoint of a pipeline run.

        Raises:
            StoreError: The run has a checkpoint of this stage already, or no such run.
        """
        ...

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
        """Set a pipeline run's final status, end time and error.

        Raises:
            RecordNotFoundError: No pipeline run has this id.
        """
        ...

    def get_pipeline_run(self, run_id: str) -> PipelineRun:
        """A pipeline run with its stages, by id or a prefix only it has.

        Raises:
            RecordNotFoundError: No pipeline run (or more than one) matches.
        """
        ...

    def has_pipeline_run(self, run_id: str) -> bool:
        """Whether a pipeline run has this id (or is the only one with this prefix)."""
        ...

    def list_pipeline_runs(
        self,
        *,
        pipeline: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = 100,
    ) -> list[PipelineRun]:
        """Pipeline runs with their stages, newest first; ``since`` and ``until``
        bound their start time (``since`` included, ``until`` not)."""
        ...

    # ------------------------------------------------------------------ overview
    def dataset_summaries(self) -> list[DatasetSummary]:
        """Every dataset with its newest run, its run count and the newest run's
        findings by severity, ordered by name (a few queries, whatever the number
        of runs)."""
        ...

    def column_readings(
        self,
        run_ids: Sequence[str],
        *,
        metrics: Sequence[str] = ("null_rate",),
        finding_prefix: str | None = "drift.",
    ) -> list[ColumnReading]:
        """Per-column numbers of some runs: their metric points named in
        ``metrics``, and the numeric values of their (unsegmented) findings whose
        check starts with ``finding_prefix`` (none when None)."""
        ...

    def model_traffic(self) -> list[ModelTraffic]:
        """Every registered model version (by name, then version) with the
        predictions and labels its batches stored, its batch count and its newest
        batch (one grouped query over the batches)."""
        ...

    def previous_run_id(
        self, dataset: str, before: datetime, run_id: str
    ) -> str | None:
        """The id of the run of ``dataset`` just before the run ``run_id`` that
        started at ``before`` (same start: the smaller id), or None."""
        ...

    def get_stage_profiles(self, run_ids: Sequence[str]) -> dict[str, StageProfile]:
        """Per recorded run id: its profile, code, environment, contract digest and
        time column, and inputs, without its findings (what localization reads).
        Ids not in the store are left out."""
        ...

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Release the connections; the store cannot be used afterwards."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...
