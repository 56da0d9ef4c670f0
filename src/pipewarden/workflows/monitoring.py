"""Watch a model over time: the use case behind ``pw.monitor_model`` and
``pipewarden monitor MODEL``.

Per calendar-aligned UTC window: prediction and label counts, the performance of the
labelled rows with its noise (``monitor.performance``), input drift of the window's
merged input profile against the training profile (``drift.compare``, with its FDR
control), prediction drift against the first window, and a diagnosis of labelled
windows (``monitor.diagnosis``). The alert rules judge those figures
(``monitor.rules``); hits become findings ranked by the model's feature importance,
the retrain policy gives its advice, and with a store the alerts are synchronised.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipewarden._severity import Severity
from pipewarden.checks.findings import Finding
from pipewarden.drift.compare import compare
from pipewarden.drift.results import ColumnComparison, DriftReport
from pipewarden.engines.local import LocalEngine
from pipewarden.monitor.alerts import AlertEvent, sync_alerts
from pipewarden.monitor.diagnosis import MIN_ROWS, Diagnosis, diagnose
from pipewarden.monitor.performance import (
    HIGHER_IS_BETTER,
    Performance,
    classification_performance,
    regression_performance,
)
from pipewarden.monitor.results import MonitorReport, WindowResult
from pipewarden.monitor.retrain import RetrainAdvice, RetrainPolicy, advise
from pipewarden.monitor.rules import Observation, RuleHit, RuleSet
from pipewarden.monitor.windows import Window, WindowSpec, parse_window, window_starts
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.workflows._store import opened_store
from pipewarden.workflows.traffic import (
    ID,
    PREDICTED_CLASS,
    PREDICTION,
    SCORE_PREFIX,
    TIME_US,
    resolve_model,
)

if TYPE_CHECKING:
    from pipewarden.store.base import Store
    from pipewarden.store.monitoring_records import StoredProfile
    from pipewarden.store.records import ModelRecord

__all__ = ["RETRAIN_CHECK", "VOLUME_CHECK", "list_models", "monitor_model"]

VOLUME_CHECK = "volume.no_predictions"
RETRAIN_CHECK = "retrain.recommended"
MAIN_METRIC = {"regression": "mae", "classification": "accuracy"}
MERGE_AT_MOST = 8
"""Stored profiles merged for a window at most; beyond, its rows are profiled."""
_LABEL = "__pw_label"


def monitor_model(
    model: str | ModelRecord,
    *,
    window: str = "day",
    since: datetime | None = None,
    until: datetime | None = None,
    rules: RuleSet | str | Path | None = None,
    policy: RetrainPolicy | str | Path | None = None,
    store: Store | str | None = None,
    now: datetime | None = None,
    sync: bool = True,
) -> MonitorReport:
    """Windowed performance, drift, diagnosis, alerts and retrain advice of a model.

    Args:
        model: ``NAME`` (newest version), ``NAME:VERSION``, or a registered model.
        window: ``second`` ... ``year``, or ``Ns``, ``Nm``, ``Nh``, ``Nd``.
        since: First moment to include (UTC; default: the first prediction).
        until: Moment to stop before (UTC; default: after the last prediction).
        rules: Alert rules, or a rules YAML file (default: ``RuleSet.default()``).
        policy: Retrain policy, or its YAML file (default: ``RetrainPolicy()``).
        store: A Store, a store URL, or None for the default store.
        now: The time of the report (default: now, UTC): model age, alert times.
        sync: Open, update, resolve and escalate the model's alerts in the store
            (``monitor.alerts.sync_alerts``); the report lists its unresolved
            alerts. False: the store is only read, and ``alerts`` is empty.

    Returns:
        The report (``to_dict()`` is the JSON of ``pipewarden monitor --json``).

    Raises:
        ConfigError: A bad window, rules file or policy file.
        RecordNotFoundError: No such model.
    """
    spec = parse_window(window)
    rule_set = (
        rules
        if isinstance(rules, RuleSet)
        else (RuleSet.default() if rules is None else RuleSet.load(rules))
    )
    retrain = (
        policy
        if isinstance(policy, RetrainPolicy)
        else (RetrainPolicy() if policy is None else RetrainPolicy.load(policy))
    )
    moment = now or datetime.now(UTC)
    since_us, until_us = _us(since), _us(until)
    with opened_store(store) as opened:
        record = resolve_model(opened, model)
        rows = opened.load_predictions(
            record.name, record.version, since_us=since_us, until_us=until_us
        )
        labels = opened.load_labels(
            record.name, record.version, column=_label_column(record)
        )
        stored = opened.load_input_profiles(
            record.name, record.version, since_us=since_us, until_us=until_us
        )
        context = _Context(
            record,
            spec,
            stored,
            lambda: opened.load_inputs(
                record.name, record.version, since_us=since_us, until_us=until_us
            ),
        )
        if rows is not None and since_us is not None:
            rows = rows.filter(pl.col(TIME_US) >= since_us)
        if rows is not None and until_us is not None:
            rows = rows.filter(pl.col(TIME_US) < until_us)
        frame = _joined(rows, labels, record)
        windows = _windows(frame, spec, since, until)
        parts = _parts(frame, windows, spec)
        results = [context.window(w, part) for w, part in parts]
        estimation, results = _estimated(record, parts, results)
        observations = _observations(record, results)
        hits = rule_set.evaluate(observations)
        results = _with_findings(record, results, hits)
        advice = _advice(record, retrain, results, hits, moment)
        alerts: tuple[dict[str, Any], ...] = ()
        events: tuple[AlertEvent, ...] = ()
        if sync:
            alerts, events = _sync(
                opened, record.subject, rule_set, hits, observations, moment
            )
    return MonitorReport(
        model=record.name,
        version=record.version,
        task=record.task,
        window=spec.text,
        baseline=dict(record.metrics),
        windows=tuple(results),
        advice=advice,
        alerts=alerts,
        alert_events=events,
        estimation=estimation,
        advice_finding=None
        if not advice.retrain
        else Finding(
            RETRAIN_CHECK,
            None,
            Severity.WARNING,
            f"Retrain model '{record.name}' version {record.version}: "
            + "; ".join(advice.reasons)
            + ".",
            value=len(advice.reasons),
        ),
    )


# --------------------------------------------------------------------- frames


def _us(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def _joined(
    rows: pl.DataFrame | None, labels: pl.DataFrame, record: ModelRecord
) -> pl.DataFrame | None:
    if rows is None or rows.is_empty():
        return None
    column = _label_column(record)
    joined = rows.join(
        labels.select(pl.col("row_id").alias(ID), pl.col(column).alias(_LABEL)),
        on=ID,
        how="left",
    )
    return joined.with_columns(
        pl.from_epoch(pl.col(TIME_US), time_unit="us")
        .dt.replace_time_zone("UTC")
        .alias("__pw_time")
    )


def _label_column(record: ModelRecord) -> str:
    return "label_class" if record.task == "classification" else "label"


def _windows(
    frame: pl.DataFrame | None,
    spec: WindowSpec,
    since: datetime | None,
    until: datetime | None,
) -> list[Window]:
    if frame is None:
        return []
    times = frame["__pw_time"]
    first = since or times.min()
    last = times.max() if until is None else until - _ONE_US
    return window_starts(first, last, spec)  # type: ignore[arg-type]  # datetimes


def _parts(
    frame: pl.DataFrame | None, windows: list[Window], spec: WindowSpec
) -> list[tuple[Window, pl.DataFrame | None]]:
    if frame is None:
        return []
    keyed = frame.with_columns(pl.col("__pw_time").dt.truncate(spec.every).alias("__w"))
    parts = keyed.partition_by("__w", as_dict=True, include_key=False)
    by_start = {_naive_utc(key[0]): part for key, part in parts.items()}
    return [(w, by_start.get(_naive_utc(w.start))) for w in windows]


def _naive_utc(moment: Any) -> datetime:
    value: datetime = moment
    return value.astimezone(UTC).replace(tzinfo=None)


_ONE_US = timedelta(microseconds=1)


# --------------------------------------------------------------------- windows


@dataclass
class _Context:
    """What every window of one report shares."""

    record: ModelRecord
    spec: WindowSpec
    stored: list[StoredProfile]
    load_inputs: Callable[[], pl.DataFrame | None]
    first_predictions: DatasetProfile | None = None
    training: pl.DataFrame | None = None
    inputs_frame: pl.DataFrame | None = None

    def __post_init__(self) -> None:
        sample = self.record.training_sample
        if sample is not None:
            self.training = pl.read_parquet(io.BytesIO(sample))
        self.engine = LocalEngine()

    @property
    def inputs(self) -> list[str]:
        return list(self.record.inputs)

    def with_inputs(self, rows: pl.DataFrame) -> pl.DataFrame:
        """The rows with their inputs, read from the store on the first need."""
        if self.inputs_frame is None:
            loaded = self.load_inputs()
            self.inputs_frame = (
                pl.DataFrame(schema={ID: pl.String}) if loaded is None else loaded
            )
        return rows.join(self.inputs_frame, on=ID, how="left")

    def window(self, window: Window, part: pl.DataFrame | None) -> WindowResult:
        if part is None or part.is_empty():
            return WindowResult(window.start, window.end, 0, Performance(0))
        labelled = part.filter(pl.col(_LABEL).is_not_null())
        performance = self._performance(labelled, part)
        drift = self._drift(window, part)
        diagnosis = self._diagnosis(labelled, performance, drift)
        return WindowResult(
            window.start,
            window.end,
            part.height,
            performance,
            drift.summary,
            diagnosis,
        )

    # ------------------------------------------------------------------ performance
    def _performance(self, labelled: pl.DataFrame, part: pl.DataFrame) -> Performance:
        if labelled.is_empty():
            return Performance(0)
        if self.record.task == "classification":
            scores = {
                c.removeprefix(SCORE_PREFIX): labelled[c].cast(pl.Float64).to_numpy()
                for c in part.columns
                if c.startswith(SCORE_PREFIX)
            }
            return classification_performance(
                labelled[_LABEL].to_list(),
                labelled[PREDICTED_CLASS].to_list(),
                scores or None,
            )
        return regression_performance(
            labelled[_LABEL].cast(pl.Float64).to_numpy(),
            labelled[PREDICTION].cast(pl.Float64).to_numpy(),
        )

    # ------------------------------------------------------------------ drift
    def _drift(self, window: Window, part: pl.DataFrame) -> _WindowDrift:
        reference = self.record.training_profile
        report: DriftReport | None = None
        current: DatasetProfile | None = None
        if reference is not None and self.inputs:
            current = self._input_profile(window, part)
            if current is not None:
                report = compare(reference, current)
        prediction = self._prediction_drift(part)
        return _WindowDrift(report, current, prediction, reference)

    def _input_profile(
        self, window: Window, part: pl.DataFrame
    ) -> DatasetProfile | None:
        """The stored profiles whose spans tile the window, merged, when there are
        at most ``MERGE_AT_MOST`` of them; else one pass over the window's rows
        (merging sketches costs more per profile than profiling rows)."""
        start, end = _us(window.start), _us(window.end)
        assert start is not None and end is not None
        inside = [s for s in self.stored if start <= s.start_us and s.end_us <= end]
        if (
            0 < len(inside) <= MERGE_AT_MOST
            and sum(s.rows for s in inside) == part.height
        ):
            return reduce(DatasetProfile.merge, [s.profile for s in inside])
        rows = self.with_inputs(part.select(ID))
        inputs = [c for c in self.inputs if c in rows.columns]
        return self.engine.profile_frame(rows.select(inputs)) if inputs else None

    def _prediction_drift(self, part: pl.DataFrame) -> ColumnComparison | None:
        column = PREDICTED_CLASS if self.record.task == "classification" else PREDICTION
        profile = self.engine.profile_frame(
            part.select(pl.col(column).alias("prediction"))
        )
        if self.first_predictions is None:
            self.first_predictions = profile
            return None
        return compare(
            self.first_predictions, profile, prediction="prediction"
        ).prediction

    # ------------------------------------------------------------------ diagnosis
    def _diagnosis(
        self, labelled: pl.DataFrame, performance: Performance, drift: _WindowDrift
    ) -> Diagnosis:
        label = self.record.label
        training = self.training
        if labelled.height == 0 or training is None or label is None:
            return Diagnosis(
                "no_labels",
                "No labelled rows in the window."
                if labelled.height == 0
                else "The model was registered without training rows and a label "
                "(--training-data, --label): nothing to compare the window with.",
            )
        if labelled.height < MIN_ROWS:
            return Diagnosis(
                "no_labels",
                f"{labelled.height:,} labelled rows in the window; at least "
                f"{MIN_ROWS} are needed to tell a shift of the inputs from a shift "
                "of the outcome.",
            )
        if not self._worse(performance) and not drift.drifted_columns:
            return Diagnosis(
                "stable",
                "No input drifted and the performance is within its noise of the "
                "baseline.",
            )
        labelled = self.with_inputs(labelled)
        inputs = [
            c for c in self.inputs if c in labelled.columns and c in training.columns
        ]
        window_rows = labelled.select(*inputs, pl.col(_LABEL).alias(label))
        left = training.select(*inputs, label)
        if self.record.task == "classification":
            from pipewarden.workflows.traffic import as_classes

            left = left.with_columns(as_classes(left[label]).alias(label))
        return diagnose(left, window_rows, inputs, label)

    def _worse(self, performance: Performance) -> bool:
        """The main metric is worse than the baseline beyond its noise (True when
        no baseline is known: then only the classifier can tell)."""
        name = MAIN_METRIC.get(self.record.task or "", "")
        baseline = self.record.metrics.get(name)
        found = performance.metrics.get(name)
        if baseline is None:
            return True
        if found is None or found.interval is None:
            return False
        low, high = found.interval
        return high < baseline if name in HIGHER_IS_BETTER else low > baseline


@dataclass(frozen=True)
class _WindowDrift:
    report: DriftReport | None
    current: DatasetProfile | None
    prediction: ColumnComparison | None
    reference: DatasetProfile | None

    @property
    def drifted_columns(self) -> list[str]:
        return [] if self.report is None else self.report.drifted_columns

    @property
    def summary(self) -> dict[str, Any]:
        columns = (
            {}
            if self.report is None
            else {
                c.column: {
                    "check": c.check,
                    "score": c.score,
                    "severity": c.severity.value,
                    "drifted": c.drifted,
                    "change": c.change,
                    "moved_std": _moved_std(self.reference, self.current, c.column),
                }
                for c in self.report.columns
            }
        )
        return {
            "drifted_columns": self.drifted_columns,
            "columns": columns,
            "prediction": None
            if self.prediction is None
            else {
                "check": self.prediction.check,
                "score": self.prediction.score,
                "severity": self.prediction.severity.value,
                "drifted": self.prediction.drifted,
                "change": self.prediction.change,
            },
            "comparisons": []
            if self.report is None
            else [*self.report.columns, *self.report.nulls],
            "prediction_comparison": self.prediction,
        }


def _moved_std(
    reference: DatasetProfile | None, current: DatasetProfile | None, column: str
) -> float | None:
    if reference is None or current is None:
        return None
    if column not in reference.columns or column not in current.columns:
        return None
    ref, cur = reference[column].moments, current[column].moments
    std = ref.std
    if not ref.count or not cur.count or not std:
        return None
    return (cur.mean - ref.mean) / std


# --------------------------------------------------------------------- estimation

NO_REGRESSION_ESTIMATE = (
    "No label-free performance estimate for regression models: a regressor's "
    "output carries no confidence to estimate its error from, so performance is "
    "known only once labels arrive."
)


def _estimated(
    record: ModelRecord,
    parts: list[tuple[Window, pl.DataFrame | None]],
    results: list[WindowResult],
) -> tuple[dict[str, Any], list[WindowResult]]:
    """CBPE per window for a binary classifier with one score column
    (``monitor.cbpe``); otherwise a note saying why there is no estimate."""
    from dataclasses import replace

    from pipewarden.monitor.cbpe import WindowScores, estimate_windows

    if record.task != "classification":
        return {"method": None, "note": NO_REGRESSION_ESTIMATE}, results
    columns = {c for _, p in parts if p is not None for c in p.columns}
    scores = sorted(c for c in columns if c.startswith(SCORE_PREFIX))
    frames = [p for _, p in parts if p is not None and not p.is_empty()]
    classes = sorted(
        {v for f in frames for v in f[PREDICTED_CLASS].drop_nulls().unique()}
        | {v for f in frames for v in f[_LABEL].drop_nulls().unique()}
    )
    if len(scores) != 1 or len(classes) > 2 or not classes:
        return {
            "method": None,
            "note": "CBPE needs a binary classifier with its positive-class score "
            "logged (predictions log --score COL).",
        }, results
    positive = classes[-1]
    windows: list[WindowScores | None] = []
    for _, part in parts:
        if part is None or part.is_empty():
            windows.append(None)
            continue
        scored = part.filter(pl.col(scores[0]).is_not_null())
        label = scored[_LABEL]
        windows.append(
            WindowScores(
                scored[scores[0]].cast(pl.Float64).to_numpy(),
                (scored[PREDICTED_CLASS] == positive).to_numpy(),
                (label == positive).fill_null(False).to_numpy(),
                label.is_not_null().to_numpy(),
            )
        )
    summary, estimates = estimate_windows(windows, [r.metrics for r in results])
    if summary["reference_window"] is not None:
        summary["reference_window"] = results[
            summary["reference_window"]
        ].start.isoformat()
    summary["positive_class"] = positive
    return summary, [
        replace(r, estimate=e) for r, e in zip(results, estimates, strict=True)
    ]


# --------------------------------------------------------------------- rules


def _observations(
    record: ModelRecord, results: Sequence[WindowResult]
) -> list[Observation]:
    subject = record.subject
    out: list[Observation] = []
    active = False
    for result in results:
        if result.predictions == 0:
            if active:
                out.append(
                    Observation(
                        subject,
                        result.start,
                        VOLUME_CHECK,
                        value=0.0,
                        severity=Severity.WARNING,
                        message=f"No predictions of model '{record.name}' between "
                        f"{result.start:%Y-%m-%d %H:%M} and {result.end:%Y-%m-%d %H:%M} "
                        "UTC, after it had been active. Check the scoring job.",
                    )
                )
            continue
        active = True
        out.append(
            Observation(
                subject,
                result.start,
                VOLUME_CHECK,
                value=float(result.predictions),
                severity=Severity.INFO,
            )
        )
        for name, metric in result.performance.metrics.items():
            out.append(
                Observation(
                    subject,
                    result.start,
                    f"perf.{name}",
                    value=metric.value,
                    baseline=record.metrics.get(name),
                    interval=metric.interval,
                    higher_is_better=name in HIGHER_IS_BETTER,
                )
            )
        for comparison in result.drift.get("comparisons", []):
            out.append(
                Observation(
                    subject,
                    result.start,
                    comparison.check,
                    value=comparison.score,
                    severity=comparison.severity,
                    message=comparison.message,
                    column=comparison.column,
                )
            )
    return out


def _with_findings(
    record: ModelRecord,
    results: list[WindowResult],
    hits: Sequence[RuleHit],
) -> list[WindowResult]:
    by_window: dict[datetime, list[RuleHit]] = {}
    for hit in hits:
        by_window.setdefault(hit.observation.window, []).append(hit)
    out = []
    for result in results:
        found = _window_findings(record, result, by_window.get(result.start, []))
        drift = {
            k: v
            for k, v in result.drift.items()
            if k not in ("comparisons", "prediction_comparison")
        }
        out.append(
            WindowResult(
                result.start,
                result.end,
                result.predictions,
                result.performance,
                drift,
                result.diagnosis,
                found,
                result.estimate,
            )
        )
    return out


def _window_findings(
    record: ModelRecord, result: WindowResult, hits: Sequence[RuleHit]
) -> tuple[Finding, ...]:
    importance = record.importances
    rise = _error_rise(record, result)
    explained = _explanation(record, result, rise)
    found: list[tuple[float, Finding]] = []
    hit_keys = set()
    for hit in hits:
        obs = hit.observation
        hit_keys.add((obs.check, obs.column))
        message = hit.message
        if obs.check.startswith("perf.") and explained:
            message = f"{message}. {explained}"
        elif obs.column is not None and obs.column in importance:
            message = _importance_message(record, result, obs.column, rise) or message
        found.append(
            (
                _rank(obs.check, obs.column, importance),
                Finding(
                    obs.check,
                    obs.column,
                    hit.severity,
                    message,
                    value=obs.value,
                    threshold=hit.rule.above
                    if hit.rule.above is not None
                    else hit.rule.below,
                ),
            )
        )
    for comparison in result.drift.get("comparisons", []):
        key = (comparison.check, comparison.column)
        if key in hit_keys or comparison.severity == Severity.INFO:
            continue
        message = (
            _importance_message(record, result, comparison.column, rise)
            or comparison.message
        )
        finding = Finding(
            comparison.check,
            comparison.column,
            comparison.severity,
            message,
            value=comparison.score,
            threshold=comparison.threshold,
        )
        found.append((_rank(comparison.check, comparison.column, importance), finding))
    moved = result.drift.get("prediction_comparison")
    if moved is not None and moved.severity != Severity.INFO:
        found.append(
            (
                1.0,
                Finding(
                    moved.check,
                    None,
                    moved.severity,
                    "The predictions moved against the first window: "
                    f"{moved.change or moved.message}.",
                    value=moved.score,
                    threshold=moved.threshold,
                ),
            )
        )
    found.sort(key=lambda pair: (-pair[0], -pair[1].severity.rank))
    return tuple(f for _, f in found)


def _rank(check: str, column: str | None, importance: dict[str, float]) -> float:
    if check.startswith("perf."):
        return 2.0
    if column is None:
        return 1.5
    return importance.get(column, 0.0)


def _error_rise(record: ModelRecord, result: WindowResult) -> float | None:
    """How much worse the main metric is than the baseline (0.63: 63% worse)."""
    name = MAIN_METRIC.get(record.task or "", "")
    baseline = record.metrics.get(name)
    found = result.performance.metrics.get(name)
    if baseline is None or found is None or baseline == 0:
        return None
    if name in HIGHER_IS_BETTER:
        return (baseline - found.value) / baseline
    return found.value / baseline - 1


def _importance_message(
    record: ModelRecord, result: WindowResult, column: str, rise: float | None
) -> str | None:
    share = record.importances.get(column)
    if share is None:
        return None
    moved = result.drift.get("columns", {}).get(column, {}).get("moved_std")
    how = "moved" if moved is None else f"moved {moved:+.1f} std"
    text = f"'{column}' carries {share:.0%} of the model's importance and {how}"
    if rise is not None:
        what = "the error" if record.task != "classification" else "the accuracy"
        verb = "rose" if record.task != "classification" else "fell"
        text += f"; {what} {verb} {abs(rise):.0%}"
    return text + "."


def _explanation(
    record: ModelRecord, result: WindowResult, rise: float | None
) -> str | None:
    """The sentence on the most important drifted input, for performance findings."""
    drifted = result.drift.get("drifted_columns", [])
    if not drifted:
        return None
    if record.importances:
        ranked = sorted(drifted, key=lambda c: -record.importances.get(c, 0.0))
        return _importance_message(record, result, ranked[0], rise)
    return f"Inputs that drifted: {', '.join(drifted)}."


# --------------------------------------------------------------------- advice, alerts


def _advice(
    record: ModelRecord,
    policy: RetrainPolicy,
    results: Sequence[WindowResult],
    hits: Sequence[RuleHit],
    now: datetime,
) -> RetrainAdvice:
    failing = {
        h.observation.window for h in hits if h.observation.check.startswith("perf.")
    }
    labelled = [r for r in results if r.labelled > 0]
    active = [r for r in results if r.predictions > 0]
    return advise(
        policy,
        registered_at=record.registered_at,
        now=now,
        perf_failing=[r.start in failing for r in labelled],
        drifted_last=[] if not active else active[-1].drift.get("drifted_columns", []),
        importances=record.importances,
    )


def _sync(
    store: Store,
    subject: str,
    rules: RuleSet,
    hits: Sequence[RuleHit],
    observations: Sequence[Observation],
    now: datetime,
) -> tuple[tuple[dict[str, Any], ...], tuple[AlertEvent, ...]]:
    """Open, update, resolve and escalate the model's alerts; its unresolved alerts
    afterwards, and the transitions made."""
    events = sync_alerts(store, rules, hits, observations, now=now)
    unresolved = [a for a in store.list_alerts(subject=subject) if a.is_open]
    return tuple(a.to_dict() for a in unresolved), tuple(events)


def list_models(
    *,
    store: Store | str | None = None,
    window: str = "day",
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every registered model version: age, last window's metrics, retrain advice.

    The last window is the newest ``window`` with labelled predictions.
    """
    from pipewarden.workflows.lifecycle import champions

    moment = now or datetime.now(UTC)
    out = []
    with opened_store(store) as opened:
        promoted = champions(opened)
        for record in opened.list_models():
            report = monitor_model(
                record, window=window, store=opened, now=moment, sync=False
            )
            labelled = [w for w in report.windows if w.labelled]
            last = labelled[-1] if labelled else None
            out.append(
                {
                    "name": record.name,
                    "version": record.version,
                    "task": record.task,
                    "registered_at": record.registered_at.isoformat(),
                    "champion": record.name in promoted
                    and promoted[record.name].version == record.version,
                    "age_days": (moment - record.registered_at).total_seconds() / 86400,
                    "last_window": None if last is None else last.start.isoformat(),
                    "metrics": {} if last is None else last.metrics,
                    "advice": report.advice.to_dict(),
                    "open_alerts": sum(
                        1
                        for a in opened.list_alerts(subject=record.subject)
                        if a.is_open
                    ),
                }
            )
    return out
