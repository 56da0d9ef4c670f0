"""The tables of alerts, their events and the notification outbox.

On the same declarative ``Base`` as ``store.tables``. One open alert per rule and
subject is enforced by the database itself: ``open_key`` holds the rule and subject
while the alert is open or acknowledged and NULL once resolved, under a unique
constraint (NULLs never collide, in SQLite as in PostgreSQL).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pipewarden.store.alert_records import AlertEventRecord, AlertRecord, OutboxItem
from pipewarden.store.tables import AutoId, Base, JSONValue, UtcDateTime

__all__ = ["AlertEventRow", "AlertRow", "OutboxRow", "open_key"]


def open_key(rule: str, subject: str) -> str:
    """The dedup key of an unresolved alert: ``LEN:RULE|SUBJECT`` (unambiguous)."""
    return f"{len(rule)}:{rule}|{subject}"


class AlertRow(Base):
    """One alert (see ``AlertRecord``)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("open_key"),
        Index(None, "status", "opened_at"),
        Index(None, "rule", "subject"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(512))
    open_key: Mapped[str | None] = mapped_column(String(768))
    check: Mapped[str] = mapped_column(String(64))
    column_name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    alert_severity: Mapped[str] = mapped_column(String(8))
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    hits: Mapped[int] = mapped_column(Integer)
    first_window: Mapped[datetime] = mapped_column(UtcDateTime)
    last_window: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_window: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(255))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(255))
    escalation_level: Mapped[int] = mapped_column(Integer)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deadline_seconds: Mapped[float | None] = mapped_column(Double)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    channels: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue)
    version: Mapped[int] = mapped_column(Integer)

    @staticmethod
    def values_of(alert: AlertRecord) -> dict[str, Any]:
        """Column values (without ``id``) of an alert."""
        return {
            "rule": alert.rule,
            "subject": alert.subject,
            "open_key": open_key(alert.rule, alert.subject) if alert.is_open else None,
            "check": alert.check,
            "column_name": alert.column,
            "status": alert.status,
            "alert_severity": alert.alert_severity,
            "severity": alert.severity,
            "message": alert.message,
            "hits": alert.hits,
            "first_window": alert.first_window,
            "last_window": alert.last_window,
            "resolved_window": alert.resolved_window,
            "opened_at": alert.opened_at,
            "acknowledged_at": alert.acknowledged_at,
            "acknowledged_by": alert.acknowledged_by,
            "resolved_at": alert.resolved_at,
            "resolved_by": alert.resolved_by,
            "escalation_level": alert.escalation_level,
            "escalated_at": alert.escalated_at,
            "deadline_seconds": alert.deadline_seconds,
            "due_at": alert.due_at,
            "channels": list(alert.channels),
            "version": alert.version,
        }

    def to_domain(self) -> AlertRecord:
        return AlertRecord(
            rule=self.rule,
            subject=self.subject,
            check=self.check,
            column=self.column_name,
            alert_severity=self.alert_severity,
            severity=self.severity,
            message=self.message,
            status=self.status,  # type: ignore[arg-type]  # written from AlertStatus
            first_window=self.first_window,
            last_window=self.last_window,
            opened_at=self.opened_at,
            hits=self.hits,
            resolved_window=self.resolved_window,
            acknowledged_at=self.acknowledged_at,
            acknowledged_by=self.acknowledged_by,
            resolved_at=self.resolved_at,
            resolved_by=self.resolved_by,
            escalation_level=self.escalation_level,
            escalated_at=self.escalated_at,
            deadline_seconds=self.deadline_seconds,
            due_at=self.due_at,
            channels=tuple(self.channels or ()),
            id=self.id,
            version=self.version,
        )


class AlertEventRow(Base):
    """One transition of an alert: its full history."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONValue)

    @staticmethod
    def values_of(event: AlertEventRecord, alert_id: int) -> dict[str, Any]:
        return {
            "alert_id": alert_id,
            "kind": event.kind,
            "at": event.at,
            "by": event.by,
            "message": event.message,
            "data": dict(event.data),
        }

    def to_domain(self) -> AlertEventRecord:
        return AlertEventRecord(
            kind=self.kind,
            at=self.at,
            by=self.by,
            message=self.message,
            data=dict(self.data or {}),
            alert_id=self.alert_id,
            id=self.id,
        )


class OutboxRow(Base):
    """One notification waiting to be delivered (or delivered, or given up)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "channel"),
        Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("alert_events.id", ondelete="CASCADE")
    )
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(255))
    channel_config: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @staticmethod
    def values_of(item: OutboxItem, *, event_id: int, alert_id: int) -> dict[str, Any]:
        return {
            "event_id": event_id,
            "alert_id": alert_id,
            "channel": item.channel,
            "channel_config": dict(item.channel_config),
            "payload": dict(item.payload),
            "status": item.status,
            "attempts": item.attempts,
            "next_attempt_at": item.next_attempt_at,
            "last_error": item.last_error,
            "created_at": item.created_at,
            "sent_at": item.sent_at,
        }

    def to_domain(self) -> OutboxItem:
        item = OutboxItem(
            channel=self.channel,
            channel_config=dict(self.channel_config or {}),
            payload=dict(self.payload or {}),
            created_at=self.created_at,
            next_attempt_at=self.next_attempt_at,
            status=self.status,  # type: ignore[arg-type]  # written from OutboxStatus
            attempts=self.attempts,
            last_error=self.last_error,
            sent_at=self.sent_at,
        )
        return replace(item, event_id=self.event_id, alert_id=self.alert_id, id=self.id)
