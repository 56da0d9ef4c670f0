"""The Prometheus exposition of a store: datasets, alerts and models.

Names follow Prometheus conventions: the ``pipewarden_`` prefix, base units
(seconds, ratios), ``_total`` for counters, and bounded label sets: per-column
series only for the datasets that opt in (``ServerSettings.column_metrics``).
Each scrape reads the store in a few grouped queries (``Store.dataset_summaries``,
``Store.column_readings``, ``Store.list_alerts``) and builds the families afresh,
so nothing is cached between scrapes but the model reports (window metrics,
retrain advice), which the background loop recomputes when a model's traffic
changes (``server.model_reports``): a model shows them once its report is computed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from pipewarden._version import __version__
from pipewarden.checks.findings import Severity
from pipewarden.server.model_reports import ModelReports
from pipewarden.store import Store
from pipewarden.store.alert_records import OPEN_STATUSES, AlertRecord

__all__ = ["METRIC_NAMES", "RUN_STATUSES", "StoreCollector", "exposition"]

RUN_STATUSES = ("pass", "warn", "fail")
ALERT_SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
METRIC_NAMES = (
    "pipewarden_build_info",
    "pipewarden_datasets",
    "pipewarden_dataset_runs_total",
    "pipewarden_dataset_last_run_status",
    "pipewarden_dataset_last_run_timestamp_seconds",
    "pipewarden_dataset_last_run_age_seconds",
    "pipewarden_dataset_last_run_rows",
    "pipewarden_dataset_last_run_findings",
    "pipewarden_dataset_column_null_ratio",
    "pipewarden_dataset_column_drift_score",
    "pipewarden_alerts_open",
    "pipewarden_models",
    "pipewarden_model_predictions_total",
    "pipewarden_model_labels_total",
    "pipewarden_model_age_seconds",
    "pipewarden_model_window_metric",
    "pipewarden_model_window_labelled",
    "pipewarden_model_retrain_advised",
    "pipewarden_model_alerts_open",
)
"""Every family this module can expose (``_total`` and ``_info`` suffixes as
Prometheus shows them)."""


class StoreCollector(Collector):
    """Reads the store at each scrape and yields the metric families."""

    def __init__(
        self,
        store: Store,
        *,
        column_metrics: Iterable[str],
        now: datetime,
        reports: ModelReports | None = None,
    ):
        self._store = store
        self._columns = frozenset(column_metrics)
        self._now = now
        self._reports = reports

    def collect(self) -> Iterator[Metric]:
        info = InfoMetricFamily(
            "pipewarden_build", "The pipewarden serving these metrics."
        )
        info.add_metric([], {"version": __version__})
        yield info
        yield from self._datasets()
        alerts = self._store.list_alerts(status=OPEN_STATUSES)
        yield self._alerts(alerts)
        yield from self._models(alerts)

    def _datasets(self) -> Iterator[Metric]:
        summaries = self._store.dataset_summaries()
        count = GaugeMetricFamily("pipewarden_datasets", "Datasets with recorded runs.")
        count.add_metric([], len(summaries))
        runs = CounterMetricFamily(
            "pipewarden_dataset_runs",
            "Runs recorded for the dataset.",
            labels=["dataset"],
        )
        status = GaugeMetricFamily(
            "pipewarden_dataset_last_run_status",
            "1 for the status of the dataset's newest run, 0 for the others.",
            labels=["dataset", "status"],
        )
        started = GaugeMetricFamily(
            "pipewarden_dataset_last_run_timestamp_seconds",
            "Start of the dataset's newest run (Unix time).",
            labels=["dataset"],
        )
        age = GaugeMetricFamily(
            "pipewarden_dataset_last_run_age_seconds",
            "Seconds since the dataset's newest run started.",
            labels=["dataset"],
        )
        rows = GaugeMetricFamily(
            "pipewarden_dataset_last_run_rows",
            "Rows in the dataset's newest run.",
            labels=["dataset"],
        )
        findings = GaugeMetricFamily(
            "pipewarden_dataset_last_run_findings",
            "Findings of the dataset's newest run, by severity.",
            labels=["dataset", "severity"],
        )
        for s in summaries:
            last = s.last_run
            runs.add_metric([s.name], s.runs)
            for name in RUN_STATUSES:
                status.add_metric([s.name, name], 1.0 if last.status == name else 0.0)
            started.add_metric([s.name], last.started_at.timestamp())
            age.add_metric(
                [s.name], max(0.0, (self._now - last.started_at).total_seconds())
            )
            rows.add_metric([s.name], last.rows)
            for severity in Severity:
                findings.add_metric(
                    [s.name, severity.value], s.findings.get(severity.value, 0)
                )
        yield from (count, runs, status, started, age, rows, findings)
        yield from self._columns_of(
            [s.last_run.id for s in summaries if s.name in self._columns],
            {s.last_run.id: s.name for s in summaries},
        )

    def _columns_of(
        self, run_ids: list[str], names: dict[str, str]
    ) -> Iterator[Metric]:
        nulls = GaugeMetricFamily(
            "pipewarden_dataset_column_null_ratio",
            "Share of nulls in a column of the dataset's newest run (opted-in datasets).",
            labels=["dataset", "column"],
        )
        drift = GaugeMetricFamily(
            "pipewarden_dataset_column_drift_score",
            "Drift statistic of a column of the dataset's newest run against its "
            "reference (opted-in datasets).",
            labels=["dataset", "column", "statistic"],
        )
        readings = self._store.column_readings(run_ids) if run_ids else []
        for reading in readings:
            dataset = names[reading.run_id]
            if reading.name == "null_rate":
                nulls.add_metric([dataset, reading.column], reading.value)
            elif reading.name.startswith("drift."):
                statistic = reading.name.removeprefix("drift.")
                drift.add_metric([dataset, reading.column, statistic], reading.value)
        yield nulls
        yield drift

    def _models(self, alerts: list[AlertRecord]) -> Iterator[Metric]:
        traffic = self._store.model_traffic()
        labels = ["model", "version"]
        count = GaugeMetricFamily("pipewarden_models", "Registered model versions.")
        count.add_metric([], len(traffic))
        predictions = CounterMetricFamily(
            "pipewarden_model_predictions",
            "Predictions logged for the model version (new ids stored).",
            labels=labels,
        )
        labelled = CounterMetricFamily(
            "pipewarden_model_labels",
            "Labels logged for the model version (new or changed).",
            labels=labels,
        )
        age = GaugeMetricFamily(
            "pipewarden_model_age_seconds",
            "Seconds since the model version was registered.",
            labels=labels,
        )
        window = GaugeMetricFamily(
            "pipewarden_model_window_metric",
            "Performance of the model version in its newest labelled window "
            "(daily windows; from the newest computed report).",
            labels=[*labels, "metric"],
        )
        window_rows = GaugeMetricFamily(
            "pipewarden_model_window_labelled",
            "Labelled predictions in the model version's newest labelled window.",
            labels=labels,
        )
        retrain = GaugeMetricFamily(
            "pipewarden_model_retrain_advised",
            "1 when the newest computed report advises retraining the model version.",
            labels=labels,
        )
        open_alerts = GaugeMetricFamily(
            "pipewarden_model_alerts_open",
            "Unresolved alerts of the model version, by alert severity.",
            labels=[*labels, "severity"],
        )
        by_subject = Counter((a.subject, a.alert_severity) for a in alerts)
        for t in traffic:
            key = [t.name, t.version]
            predictions.add_metric(key, t.predictions)
            labelled.add_metric(key, t.labels)
            seconds = (self._now - t.registered_at).total_seconds()
            age.add_metric(key, max(0.0, seconds))
            for severity in ALERT_SEVERITIES:
                subject = f"model:{t.name}:{t.version}"
                open_alerts.add_metric(
                    [*key, severity], by_subject.get((subject, severity), 0)
                )
            report = (
                None
                if self._reports is None
                else self._reports.cached(t, now=self._now)
            )
            if report is None:
                continue
            retrain.add_metric(key, 1.0 if report.advice.retrain else 0.0)
            newest = next((w for w in reversed(report.windows) if w.labelled), None)
            if newest is not None:
                window_rows.add_metric(key, newest.labelled)
                for metric, value in sorted(newest.metrics.items()):
                    if math.isfinite(value):
                        window.add_metric([*key, metric], value)
        yield from (count, predictions, labelled, age, window, window_rows, retrain)
        yield open_alerts

    def _alerts(self, alerts: list[AlertRecord]) -> Metric:
        family = GaugeMetricFamily(
            "pipewarden_alerts_open",
            "Unresolved alerts, by alert severity, status and kind of subject.",
            labels=["severity", "status", "subject_kind"],
        )
        counts: Counter[tuple[str, str, str]] = Counter()
        for alert in alerts:
            kind = alert.subject.partition(":")[0] if ":" in alert.subject else "other"
            counts[(alert.alert_severity, alert.status, kind)] += 1
        for severity in ALERT_SEVERITIES:
            for status in OPEN_STATUSES:
                family.add_metric(
                    [severity, status, "dataset"],
                    counts.pop((severity, status, "dataset"), 0),
                )
        for (severity, state, kind), n in sorted(counts.items()):
            family.add_metric([severity, state, kind], n)
        return family


def exposition(
    store: Store,
    *,
    column_metrics: Iterable[str],
    now: datetime,
    reports: ModelReports | None = None,
) -> bytes:
    """The text exposition format (version 0.0.4) of the store's metrics."""
    registry = CollectorRegistry(auto_describe=False)
    collector = StoreCollector(
        store, column_metrics=column_metrics, now=now, reports=reports
    )
    registry.register(collector)
    return generate_latest(registry)
