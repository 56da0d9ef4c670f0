"""Schedules and the daily checklist: the workflows behind ``pipewarden pipelines
schedule``, ``pipewarden checklist``, ``pw.schedule_pipeline`` and ``pw.checklist``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pipewarden.checks.findings import Finding
from pipewarden.pipelines.checklist import Checklist, build_checklist, day_window
from pipewarden.pipelines.schedule import parse_duration, validate_schedule
from pipewarden.store.pipeline_records import PipelineRecord

if TYPE_CHECKING:
    from pipewarden.monitor.rules import RuleSet
    from pipewarden.store.base import Store

__all__ = ["apply_schedules", "checklist", "schedule_findings", "schedule_pipeline"]


def schedule_pipeline(
    pipeline: str,
    cron: str,
    *,
    timezone: str = "UTC",
    grace: str | timedelta = "30m",
    store: Store | str | None = None,
    now: datetime | None = None,
) -> PipelineRecord:
    """Declare when a pipeline is expected to start.

    Args:
        pipeline: Pipeline name.
        cron: Cron expression, read in ``timezone`` (e.g. ``"0 6 * * *"``).
        timezone: IANA zone name.
        grace: How late a start still counts as on time (``30m``, ``1h``...).
        store: A Store or store URL (default: the embedded store).
        now: When the schedule is set (default: now).

    Raises:
        ConfigError: The cron expression, zone or grace period is not valid.
    """
    period = parse_duration(grace) if isinstance(grace, str) else grace
    validate_schedule(cron, timezone, period)
    record = PipelineRecord(
        pipeline, cron, timezone, period, (now or datetime.now(UTC)).astimezone(UTC)
    )
    with _opened(store) as opened:
        opened.save_pipeline(record)
    return record


def apply_schedules(
    path: str | Path,
    *,
    store: Store | str | None = None,
    now: datetime | None = None,
) -> list[PipelineRecord]:
    """Declare the schedules of a pipelines YAML file (see
    ``pipewarden.pipelines.schedule_file``); all are checked before any is kept.

    Raises:
        ConfigError: The file is missing or wrong (the message names file, line
            and key).
    """
    from pipewarden.pipelines.schedule_file import load_schedules

    records = load_schedules(path, now=now)
    with _opened(store) as opened:
        for record in records:
            opened.save_pipeline(record)
    return records


def checklist(
    day: date | None = None,
    *,
    store: Store | str | None = None,
    now: datetime | None = None,
    rules: RuleSet | str | Path | None = None,
    alerts: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Checklist:
    """The day's table of pipelines: ran, running, late, failed or missed.

    Its ``run.missed``, ``run.late`` and ``run.failed`` findings feed the alert
    rules (subject ``pipeline:NAME``): by default a missed or failed run opens a sev2
    alert, which ``pipewarden alerts list`` shows; the next run that ran resolves it.

    Args:
        day: The day (default: today, UTC).
        store: A Store or store URL (default: the embedded store).
        now: When the rows are judged (default: now); a missed or late start is
            only told once its grace period has passed by then.
        rules: Alert rules (a RuleSet or a rules YAML path); None: the defaults.
        alerts: False: only read the store, judge no alert.
        environ: Environment variables for the notification channels (default:
            none).

    Raises:
        ConfigError: The rules file is missing or malformed.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    wanted = day or moment.date()
    rule_set = _rules(rules) if alerts else None
    with _opened(store) as opened:
        found = _checklist(opened, wanted, moment)
        if rule_set is None:
            return found
        from pipewarden.workflows.alerts import alert_on_checklist

        outcome = alert_on_checklist(
            opened, found, rule_set, environ={} if environ is None else environ
        )
    return replace(found, alerts=outcome.events)


def _rules(rules: RuleSet | str | Path | None) -> RuleSet:
    from pipewarden.workflows.alerts import resolve_rules

    return resolve_rules(rules)


def _checklist(opened: Store, wanted: date, moment: datetime) -> Checklist:
    pipelines = opened.list_pipelines()
    runs, last_success = {}, {}
    for pipeline in pipelines:
        start, end = day_window(wanted, pipeline.timezone)
        runs[pipeline.name] = opened.list_pipeline_runs(
            pipeline=pipeline.name,
            since=start - timedelta(days=1),
            until=end + timedelta(days=1),
            limit=None,
        )
        succeeded = opened.list_pipeline_runs(
            pipeline=pipeline.name, status="success", until=moment, limit=1
        )
        last_success[pipeline.name] = succeeded[0].started_at if succeeded else None
    return build_checklist(wanted, pipelines, runs, last_success, now=moment)


def schedule_findings(
    day: date | None = None,
    *,
    store: Store | str | None = None,
    now: datetime | None = None,
) -> list[Finding]:
    """The ``run.missed``, ``run.late`` and ``run.failed`` findings of a day."""
    return checklist(day, store=store, now=now, alerts=False).findings


@contextmanager
def _opened(store: Store | str | None) -> Iterator[Store]:
    if store is not None and not isinstance(store, str):
        yield store
        return
    from pipewarden.store import open_store

    with open_store(store) as opened:
        yield opened
