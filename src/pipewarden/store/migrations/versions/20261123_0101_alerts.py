"""Alerts: alerts (one unresolved per rule and subject), alert_events, outbox.

Revision ID: 20261123_0101
Revises: 20261122_0001
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261123_0101"
down_revision: str | Sequence[str] | None = "20261122_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here, not imported from pipewarden, so this revision never changes.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", AUTO_ID, autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "alerts",
        _id(),
        sa.Column("rule", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("open_key", sa.String(768), nullable=True),
        sa.Column("check", sa.String(64), nullable=False),
        sa.Column("column_name", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("alert_severity", sa.String(8), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("first_window", TIMESTAMP, nullable=False),
        sa.Column("last_window", TIMESTAMP, nullable=False),
        sa.Column("resolved_window", TIMESTAMP, nullable=True),
        sa.Column("opened_at", TIMESTAMP, nullable=False),
        sa.Column("acknowledged_at", TIMESTAMP, nullable=True),
        sa.Column("acknowledged_by", sa.String(255), nullable=True),
        sa.Column("resolved_at", TIMESTAMP, nullable=True),
        sa.Column("resolved_by", sa.String(255), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalated_at", TIMESTAMP, nullable=True),
        sa.Column("deadline_seconds", sa.Double(), nullable=True),
        sa.Column("due_at", TIMESTAMP, nullable=True),
        sa.Column("channels", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        # one unresolved alert per rule and subject: open_key is NULL once resolved
        sa.UniqueConstraint("open_key", name=op.f("uq_alerts_open_key")),
    )
    op.create_index(
        op.f("ix_alerts_status_opened_at"), "alerts", ["status", "opened_at"]
    )
    op.create_index(op.f("ix_alerts_rule_subject"), "alerts", ["rule", "subject"])
    op.create_index(op.f("ix_alerts_due_at"), "alerts", ["due_at"])
    op.create_table(
        "alert_events",
        _id(),
        sa.Column("alert_id", AUTO_ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("by", sa.String(255), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            ondelete="CASCADE",
            name=op.f("fk_alert_events_alert_id_alerts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
    )
    op.create_index(op.f("ix_alert_events_alert_id"), "alert_events", ["alert_id"])
    op.create_table(
        "outbox",
        _id(),
        sa.Column("event_id", AUTO_ID, nullable=False),
        sa.Column("alert_id", AUTO_ID, nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("channel_config", JSON, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["alert_events.id"],
            ondelete="CASCADE",
            name=op.f("fk_outbox_event_id_alert_events"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alerts.id"],
            ondelete="CASCADE",
            name=op.f("fk_outbox_alert_id_alerts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint(
            "event_id", "channel", name=op.f("uq_outbox_event_id_channel")
        ),
    )
    op.create_index(
        op.f("ix_outbox_status_next_attempt_at"),
        "outbox",
        ["status", "next_attempt_at"],
    )


def downgrade() -> None:
    for table in ("outbox", "alert_events", "alerts"):
        op.drop_table(table)
