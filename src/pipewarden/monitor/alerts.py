"""Alerts: open, update, resolve and escalate them from rule hits, with a full history.

Lifecycle: ``open`` → ``acknowledged`` → ``resolved`` (or ``open`` → ``resolved``).
At most one unresolved alert per (rule, subject): a repeated hit updates it (last
window, hit count, message). An alert resolves by itself when its rule is judged again
for the subject in a later window and the condition no longer holds; it escalates when
it stays unacknowledged past its severity's deadline (``RuleSet.escalation``), and
again each further deadline. Every transition is an event (who, when, why), and each
opened, escalated or resolved event is queued in the store's outbox for every channel
the alert notifies (``pipewarden.monitor.notify`` delivers them).

An alert keeps the escalation deadline and the channels of the rules that opened it,
so ``pipewarden alerts escalate`` needs no rules file. Windows already judged for a
(rule, subject) are skipped, so running the same evaluation twice changes nothing.
Every function takes the time as ``now`` (a clock is never read here).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pipewarden._text import duration
from pipewarden.errors import AlertError
from pipewarden.monitor.rules import Observation, RuleHit, RuleSet
from pipewarden.store.alert_records import (
    AlertEventRecord,
    AlertRecord,
    OutboxItem,
)
from pipewarden.store.base import Store

__all__ = [
    "AUTOMATIC",
    "AlertEvent",
    "acknowledge_alert",
    "escalate_alerts",
    "event_payload",
    "resolve_alert",
    "sync_alerts",
]

AUTOMATIC = "pipewarden"
"""Who made a transition nobody asked for (opened, auto-resolved, escalated)."""
NOTIFIED = frozenset({"opened", "escalated", "resolved"})
"""The event kinds that are sent to the alert's channels."""


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One transition of one alert, as kept in the store."""

    kind: str
    alert: AlertRecord
    event: AlertEventRecord

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event.to_dict(), "alert": self.alert.to_dict()}


def sync_alerts(
    store: Store,
    rules: RuleSet,
    hits: Sequence[RuleHit],
    evaluated: Sequence[Observation],
    *,
    now: datetime,
) -> list[AlertEvent]:
    """Bring the store's alerts up to date with an evaluation of the rules.

    Per (rule, subject), the judged windows later than any the store has seen for it
    are walked in order: a hit opens an alert (or updates the unresolved one), a window
    where the condition no longer holds resolves it. Overdue alerts escalate.

    Args:
        store: Where the alerts are kept.
        rules: The rules that were evaluated (their deadlines and channels go to the
            alerts they open).
        hits: ``rules.evaluate(evaluated)``.
        evaluated: The observations the rules judged.
        now: The time of the transitions.

    Returns:
        The transitions made (opened, resolved, escalated), in order.
    """
    now = _utc(now)
    by_key: dict[tuple[str, str], dict[datetime, RuleHit]] = defaultdict(dict)
    for hit in hits:
        windows = by_key[(hit.rule.name, hit.observation.subject)]
        windows.setdefault(hit.observation.window, hit)
    timelines: dict[tuple[str, str], list[tuple[datetime, bool]]] = defaultdict(list)
    for state in rules.states(evaluated):
        timelines[(state.rule.name, state.subject)].append((state.window, state.holds))
    for key in by_key:
        timelines.setdefault(key, [(w, True) for w in sorted(by_key[key])])
    events: list[AlertEvent] = []
    for key in sorted(timelines):
        events.extend(
            _sync_key(store, rules, key, timelines[key], by_key.get(key, {}), now)
        )
    events.extend(escalate_alerts(store, now=now))
    return events


def _sync_key(
    store: Store,
    rules: RuleSet,
    key: tuple[str, str],
    timeline: list[tuple[datetime, bool]],
    hits: dict[datetime, RuleHit],
    now: datetime,
) -> list[AlertEvent]:
    rule_name, subject = key
    known = store.list_alerts(rule=rule_name, subject=subject)
    current = next((a for a in known if a.is_open), None)
    seen = max(
        (max(a.last_window, a.resolved_window or a.last_window) for a in known),
        default=None,
    )
    events: list[AlertEvent] = []
    dirty = False
    for window, holds in sorted(timeline):
        window = _utc(window)
        if seen is not None and window <= seen:
            continue
        hit = hits.get(window)
        if hit is not None and current is None:
            current, event = _open(store, rules, hit, now)
            events.append(event)
            dirty = False
        elif hit is not None and current is not None:
            current = replace(
                current, last_window=window, hits=current.hits + 1, message=hit.message
            )
            dirty = True
        elif not holds and current is not None:
            event = _transition(
                store,
                current,
                "resolved",
                now=now,
                by=AUTOMATIC,
                message=f"The condition cleared in the window of {window.isoformat()}.",
                resolved_window=window,
                data={"window": window.isoformat()},
            )
            events.append(event)
            current, dirty = None, False
        elif holds and current is not None:
            current, dirty = replace(current, last_window=window), True
    if dirty and current is not None:
        store.save_alert(current, None)
    return events


def _open(
    store: Store, rules: RuleSet, hit: RuleHit, now: datetime
) -> tuple[AlertRecord, AlertEvent]:
    observation = hit.observation
    window = _utc(observation.window)
    deadline = rules.deadline(hit.alert_severity)
    alert = AlertRecord(
        rule=hit.rule.name,
        subject=observation.subject,
        check=observation.check,
        column=observation.column,
        alert_severity=hit.alert_severity,
        severity=hit.severity.value,
        message=hit.message,
        status="open",
        first_window=window,
        last_window=window,
        opened_at=now,
        deadline_seconds=None if deadline is None else deadline.total_seconds(),
        due_at=None if deadline is None else now + deadline,
        channels=tuple(channel.to_dict() for channel in rules.notify),
    )
    event = AlertEventRecord(
        kind="opened",
        at=now,
        by=AUTOMATIC,
        message=hit.message,
        data={"window": window.isoformat(), "value": _finite(observation.value)},
    )
    return _save(store, alert, event)


def acknowledge_alert(
    store: Store, alert_id: int, *, by: str, now: datetime
) -> AlertEvent:
    """Acknowledge an open alert: someone is on it, so it no longer escalates.

    Raises:
        RecordNotFoundError: No alert has this id.
        AlertError: The alert is already acknowledged or resolved.
    """
    who = _who(by)
    alert = store.get_alert(alert_id)
    if alert.status != "open":
        raise AlertError(
            f"Alert {alert_id} is {alert.status} already; only an open alert can be "
            "acknowledged. See it with: pipewarden alerts list --status all"
        )
    return _transition(
        store,
        alert,
        "acknowledged",
        now=_utc(now),
        by=who,
        message=f"Acknowledged by {who}.",
    )


def resolve_alert(store: Store, alert_id: int, *, by: str, now: datetime) -> AlertEvent:
    """Resolve an open or acknowledged alert by hand.

    Raises:
        RecordNotFoundError: No alert has this id.
        AlertError: The alert is resolved already.
    """
    who = _who(by)
    alert = store.get_alert(alert_id)
    if alert.status == "resolved":
        raise AlertError(
            f"Alert {alert_id} is resolved already (by {alert.resolved_by} at "
            f"{_iso(alert.resolved_at)}). Nothing to do."
        )
    return _transition(
        store,
        alert,
        "resolved",
        now=_utc(now),
        by=who,
        message=f"Resolved by {who}.",
    )


def escalate_alerts(store: Store, *, now: datetime) -> list[AlertEvent]:
    """Escalate every open, unacknowledged alert past its deadline.

    An alert open for k deadlines is at escalation level k; each call raises it to
    the level the time reached (one event, however many levels it skipped).

    Returns:
        The escalations, oldest alert first.
    """
    now = _utc(now)
    events: list[AlertEvent] = []
    overdue = [
        alert
        for alert in store.list_alerts(status=("open",))
        if alert.due_at is not None and alert.due_at <= now
    ]
    for alert in sorted(overdue, key=lambda a: (a.opened_at, a.id or 0)):
        assert alert.deadline_seconds is not None
        deadline = timedelta(seconds=alert.deadline_seconds)
        level = max(
            alert.escalation_level + 1,
            math.floor((now - alert.opened_at) / deadline),
        )
        waited = duration((now - alert.opened_at).total_seconds())
        events.append(
            _transition(
                store,
                alert,
                "escalated",
                now=now,
                by=AUTOMATIC,
                message=(
                    f"Unacknowledged for {waited} (deadline "
                    f"{duration(deadline.total_seconds())} for {alert.alert_severity}): "
                    f"escalated to level {level}."
                ),
                level=level,
                data={"level": level},
            )
        )
    return events


def _transition(
    store: Store,
    alert: AlertRecord,
    kind: str,
    *,
    now: datetime,
    by: str,
    message: str,
    resolved_window: datetime | None = None,
    level: int | None = None,
    data: dict[str, Any] | None = None,
) -> AlertEvent:
    if kind == "acknowledged":
        changed = replace(
            alert, status="acknowledged", acknowledged_at=now, acknowledged_by=by
        )
        changed = replace(changed, due_at=None)
    elif kind == "resolved":
        changed = replace(
            alert,
            status="resolved",
            resolved_at=now,
            resolved_by=by,
            resolved_window=resolved_window,
            due_at=None,
        )
    else:  # escalated
        assert level is not None and alert.deadline_seconds is not None
        deadline = timedelta(seconds=alert.deadline_seconds)
        changed = replace(
            alert,
            escalation_level=level,
            escalated_at=now,
            due_at=alert.opened_at + (level + 1) * deadline,
        )
    event = AlertEventRecord(kind=kind, at=now, by=by, message=message, data=data or {})
    _, stored = _save(store, changed, event)
    return stored


def _save(
    store: Store, alert: AlertRecord, event: AlertEventRecord
) -> tuple[AlertRecord, AlertEvent]:
    outbox: list[OutboxItem] = []
    if event.kind in NOTIFIED:
        payload = event_payload(alert, event)
        outbox = [
            OutboxItem(
                channel=str(channel["name"]),
                channel_config=dict(channel),
                payload=payload,
                created_at=event.at,
                next_attempt_at=event.at,
            )
            for channel in alert.channels
        ]
    stored, kept = store.save_alert(alert, event, outbox)
    assert kept is not None
    return stored, AlertEvent(event.kind, stored, kept)


def event_payload(alert: AlertRecord, event: AlertEventRecord) -> dict[str, Any]:
    """What a notification says: the event and the alert, as JSON-ready values.

    The alert's id is not known before it is kept; the payload names the rule and
    subject (the event's ``alert_id`` is added to the outbox row itself).
    """
    return {
        "event": event.kind,
        "at": event.at.isoformat(),
        "by": event.by,
        "message": event.message,
        "data": dict(event.data),
        "alert": {
            key: value
            for key, value in alert.to_dict().items()
            if key not in ("channels", "id")
        },
    }


def _who(by: str) -> str:
    name = by.strip()
    if not name:
        raise AlertError("The name given with --by is empty. Say who you are.")
    return name


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str:
    return "?" if moment is None else moment.isoformat()


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
