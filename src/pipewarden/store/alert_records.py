"""Alerts, their history and the notification outbox, as plain values the store keeps.

The store keeps these; what opens, resolves or escalates an alert is decided in
``pipewarden.monitor.alerts``, and how a notification is sent in
``pipewarden.monitor.notify``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "ALERT_STATUSES",
    "OPEN_STATUSES",
    "AlertEventRecord",
    "AlertRecord",
    "AlertStatus",
    "OutboxItem",
    "OutboxStatus",
]

AlertStatus = Literal["open", "acknowledged", "resolved"]
ALERT_STATUSES: tuple[AlertStatus, ...] = ("open", "acknowledged", "resolved")
OPEN_STATUSES: tuple[AlertStatus, ...] = ("open", "acknowledged")
"""The statuses of an alert that is not resolved (one per rule and subject)."""
OutboxStatus = Literal["pending", "sent", "failed"]


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert: a rule that hit a subject, from the first window until resolved.

    ``id`` and ``version`` are None and 0 for an alert not yet kept; the store sets
    them. ``version`` grows with every change (so two writers cannot both change the
    same alert). ``due_at`` is when it escalates next (None: acknowledged, resolved
    or never); ``deadline_seconds`` the escalation deadline of its severity when it
    opened; ``channels`` where its events are sent (``Channel.to_dict()``).
    """

    rule: str
    subject: str
    check: str
    column: str | None
    alert_severity: str
    severity: str
    message: str
    status: AlertStatus
    first_window: datetime
    last_window: datetime
    opened_at: datetime
    hits: int = 1
    resolved_window: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    escalation_level: int = 0
    escalated_at: datetime | None = None
    deadline_seconds: float | None = None
    due_at: datetime | None = None
    channels: tuple[dict[str, Any], ...] = ()
    id: int | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        """True while not resolved (open or acknowledged)."""
        return self.status != "resolved"

    def to_dict(self) -> dict[str, Any]:
        """The alert as JSON-ready values (times in ISO 8601, channels by name)."""
        return {
            "id": self.id,
            "rule": self.rule,
            "subject": self.subject,
            "check": self.check,
            "column": self.column,
            "status": self.status,
            "alert_severity": self.alert_severity,
            "severity": self.severity,
            "message": self.message,
            "hits": self.hits,
            "first_window": _iso(self.first_window),
            "last_window": _iso(self.last_window),
            "resolved_window": _iso(self.resolved_window),
            "opened_at": _iso(self.opened_at),
            "acknowledged_at": _iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "resolved_at": _iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "escalation_level": self.escalation_level,
            "escalated_at": _iso(self.escalated_at),
            "due_at": _iso(self.due_at),
            "channels": [c.get("name") for c in self.channels],
        }


@dataclass(frozen=True, slots=True)
class AlertEventRecord:
    """One transition of an alert: opened, acknowledged, escalated or resolved.

    ``by`` is a person's name, or ``pipewarden`` for automatic transitions.
    """

    kind: str
    at: datetime
    by: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    alert_id: int | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alert_id": self.alert_id,
            "kind": self.kind,
            "at": _iso(self.at),
            "by": self.by,
            "message": self.message,
            "data": self.data,
        }


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One notification of one alert event to one channel, until it is delivered.

    ``channel`` is the channel's name (unique per event: delivery is idempotent per
    event and channel); ``channel_config`` its settings without secrets.
    """

    channel: str
    channel_config: dict[str, Any]
    payload: dict[str, Any]
    created_at: datetime
    next_attempt_at: datetime
    status: OutboxStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    event_id: int | None = None
    alert_id: int | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event_id": self.event_id,
            "alert_id": self.alert_id,
            "channel": self.channel,
            "status": self.status,
            "attempts": self.attempts,
            "next_attempt_at": _iso(self.next_attempt_at),
            "last_error": self.last_error,
            "created_at": _iso(self.created_at),
            "sent_at": _iso(self.sent_at),
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
