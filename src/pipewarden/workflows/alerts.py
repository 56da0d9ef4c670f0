"""Alert use cases: recorded runs feed the rules; list, acknowledge, resolve, escalate.

A recorded check run of dataset NAME becomes observations of subject
``dataset:NAME`` at the run's start: one per finding (its check, column, severity,
message), plus a ``run.recorded`` marker so that a run without findings still counts
as a judged window (and resolves the alerts whose condition cleared). With no rules
file, the default rules apply: an error finding of a recorded run opens a sev3 alert
(rule ``dataset_errors``), resolved by the next run without one.

The checklist feeds the rules too: each expected start it has judged for good (ran,
late, failed or missed; not one still running or not yet due) is a window of subject
``pipeline:NAME`` at the expected time, with a ``run.checked`` marker and its
``run.*`` finding if any. By default a missed or failed run opens a sev2 alert (rule
``pipeline_runs``), resolved by the next expected start that ran.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipewarden.monitor.alerts import (
    AlertEvent,
    acknowledge_alert,
    escalate_alerts,
    resolve_alert,
    sync_alerts,
)
from pipewarden.monitor.notify import DeliveryReport, deliver_outbox
from pipewarden.monitor.rules import Observation, RuleSet
from pipewarden.store.alert_records import ALERT_STATUSES, OPEN_STATUSES, AlertRecord

if TYPE_CHECKING:
    from datetime import datetime

    from pipewarden.pipelines.checklist import Checklist
    from pipewarden.store.base import Store
    from pipewarden.store.records import Run

__all__ = [
    "RUN_CHECKED",
    "RUN_RECORDED",
    "AlertsOutcome",
    "acknowledge",
    "alert_on_checklist",
    "alert_on_run",
    "checklist_observations",
    "escalate",
    "list_alerts",
    "resolve",
    "resolve_rules",
    "run_observations",
]

RUN_RECORDED = "run.recorded"
"""The check id of the marker observation every recorded run contributes."""
RUN_CHECKED = "run.checked"
"""The check id of the marker observation of every expected start the checklist
judged for good."""
JUDGED = frozenset({"ran", "late", "failed", "missed"})
"""Checklist statuses that are final (running and scheduled may still change)."""
STATUS_CHOICES = (*ALERT_STATUSES, "all")


@dataclass(frozen=True, slots=True)
class AlertsOutcome:
    """The transitions made and what delivering the outbox did."""

    events: tuple[AlertEvent, ...] = ()
    delivery: DeliveryReport | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "events": [event.to_dict() for event in self.events],
            "delivery": None if self.delivery is None else self.delivery.to_dict(),
        }


def resolve_rules(rules: RuleSet | str | Path | None) -> RuleSet:
    """A RuleSet, the rules file at a path, or the defaults for None."""
    if rules is None:
        return RuleSet.default()
    if isinstance(rules, RuleSet):
        return rules
    return RuleSet.load(rules)


def run_observations(run: Run) -> list[Observation]:
    """The observations of a recorded run (see the module docstring)."""
    subject = f"dataset:{run.dataset}"
    observations = [Observation(subject, run.started_at, RUN_RECORDED)]
    for finding in run.result.findings:
        value = finding.value
        number = (
            float(value)
            if isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(float(value))
            else None
        )
        observations.append(
            Observation(
                subject,
                run.started_at,
                finding.check,
                value=number,
                severity=finding.severity,
                message=finding.message,
                column=finding.column,
            )
        )
    return observations


def checklist_observations(checklist: Checklist) -> list[Observation]:
    """The observations of a checklist (see the module docstring)."""
    observations = []
    for row in checklist.rows:
        slot = row.slot
        if slot.status not in JUDGED:
            continue
        window = slot.expected_at or (None if slot.run is None else slot.run.started_at)
        if window is None:
            continue
        subject = f"pipeline:{slot.pipeline}"
        observations.append(Observation(subject, window, RUN_CHECKED))
        for finding in row.findings:
            observations.append(
                Observation(
                    subject,
                    window,
                    finding.check,
                    severity=finding.severity,
                    message=finding.message,
                )
            )
    return observations


def alert_on_checklist(
    store: Store,
    checklist: Checklist,
    rules: RuleSet,
    *,
    environ: Mapping[str, str],
    deliver: bool = True,
) -> AlertsOutcome:
    """Judge a checklist's run.* findings by the rules, update the alerts, deliver."""
    observations = checklist_observations(checklist)
    hits = rules.evaluate(observations)
    now = checklist.now
    events = sync_alerts(store, rules, hits, observations, now=now)
    delivery = deliver_outbox(store, now=now, environ=environ) if deliver else None
    return AlertsOutcome(tuple(events), delivery)


def alert_on_run(
    store: Store,
    run: Run,
    rules: RuleSet,
    *,
    now: datetime,
    environ: Mapping[str, str],
    deliver: bool = True,
) -> AlertsOutcome:
    """Judge a recorded run by the rules, update the alerts, deliver the outbox."""
    observations = run_observations(run)
    hits = rules.evaluate(observations)
    events = sync_alerts(store, rules, hits, observations, now=now)
    delivery = deliver_outbox(store, now=now, environ=environ) if deliver else None
    return AlertsOutcome(tuple(events), delivery)


def list_alerts(
    store: Store, *, status: str | None = None, limit: int | None = None
) -> list[AlertRecord]:
    """Alerts, newest first: unresolved ones (None), one status, or ``all``.

    Raises:
        ConfigError: ``status`` is not one of open, acknowledged, resolved, all.
    """
    from pipewarden.errors import ConfigError

    if status is not None and status not in STATUS_CHOICES:
        raise ConfigError(
            f"--status must be one of {', '.join(STATUS_CHOICES)}, not '{status}'."
        )
    statuses: Sequence[str] | None
    if status is None:
        statuses = OPEN_STATUSES
    elif status == "all":
        statuses = None
    else:
        statuses = (status,)
    return store.list_alerts(status=statuses, limit=limit)


def acknowledge(
    store: Store,
    alert_id: int,
    *,
    by: str,
    now: datetime,
) -> AlertEvent:
    """Acknowledge an open alert (see :func:`pipewarden.monitor.alerts.acknowledge_alert`)."""
    return acknowledge_alert(store, alert_id, by=by, now=now)


def resolve(
    store: Store,
    alert_id: int,
    *,
    by: str,
    now: datetime,
    environ: Mapping[str, str],
) -> AlertsOutcome:
    """Resolve an alert by hand and deliver its notifications."""
    event = resolve_alert(store, alert_id, by=by, now=now)
    return AlertsOutcome((event,), deliver_outbox(store, now=now, environ=environ))


def escalate(
    store: Store, *, now: datetime, environ: Mapping[str, str]
) -> AlertsOutcome:
    """For cron: escalate the overdue alerts, then deliver the outbox."""
    events = escalate_alerts(store, now=now)
    return AlertsOutcome(tuple(events), deliver_outbox(store, now=now, environ=environ))
