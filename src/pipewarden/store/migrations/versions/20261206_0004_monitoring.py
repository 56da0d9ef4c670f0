"""Monitoring: model task, label, inputs, importances and training sample; logged
batches, predictions, labels and per-day input profiles.

Revision ID: 20261206_0004
Revises: 20261206_0003
Create Date: 2026-12-06 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261206_0004"
down_revision: str | Sequence[str] | None = "20261206_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here, not imported from pipewarden, so this revision never changes.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
ROW_ID = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def _model_id(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("model_id", AUTO_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            ondelete="CASCADE",
            name=op.f(f"fk_{table}_model_id_models"),
        ),
    ]


def _batch_id(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("batch_id", AUTO_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["monitor_batches.id"],
            ondelete="CASCADE",
            name=op.f(f"fk_{table}_batch_id_monitor_batches"),
        ),
    ]


def upgrade() -> None:
    with op.batch_alter_table("models") as models:
        models.add_column(sa.Column("task", sa.String(16), nullable=True))
        models.add_column(sa.Column("label", sa.String(255), nullable=True))
        models.add_column(sa.Column("inputs", JSON, nullable=True))
        models.add_column(sa.Column("importances", JSON, nullable=True))
        models.add_column(sa.Column("training_sample", sa.LargeBinary(), nullable=True))
    op.create_table(
        "monitor_batches",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        *_model_id("monitor_batches"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("batch_key", sa.String(128), nullable=False),
        sa.Column("logged_at", TIMESTAMP, nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("stored", sa.BigInteger(), nullable=False),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("min_time_us", sa.BigInteger(), nullable=True),
        sa.Column("max_time_us", sa.BigInteger(), nullable=True),
        sa.Column("rows_blob", sa.LargeBinary(), nullable=True),
        sa.Column("inputs_blob", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_batches")),
        sa.UniqueConstraint(
            "model_id",
            "kind",
            "batch_key",
            name=op.f("uq_monitor_batches_model_id_kind_batch_key"),
        ),
    )
    op.create_table(
        "predictions",
        sa.Column("model_id", AUTO_ID, nullable=False),
        sa.Column("row_id", ROW_ID, nullable=False),
        sa.Column("batch_id", AUTO_ID, nullable=False),
        sa.Column("time_us", sa.BigInteger(), nullable=False),
        sa.Column("prediction", sa.Double(), nullable=True),
        sa.Column("predicted_class", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("model_id", "row_id", name=op.f("pk_predictions")),
    )
    op.create_table(
        "labels",
        sa.Column("model_id", AUTO_ID, nullable=False),
        sa.Column("row_id", ROW_ID, nullable=False),
        sa.Column("batch_id", AUTO_ID, nullable=False),
        sa.Column("label", sa.Double(), nullable=True),
        sa.Column("label_class", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("model_id", "row_id", name=op.f("pk_labels")),
    )
    op.create_table(
        "prediction_profiles",
        *_batch_id("prediction_profiles"),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=False),
        *_model_id("prediction_profiles"),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(16), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint(
            "batch_id", "start_us", name=op.f("pk_prediction_profiles")
        ),
    )
    op.create_index(
        op.f("ix_prediction_profiles_model_id_start_us"),
        "prediction_profiles",
        ["model_id", "start_us"],
    )


def downgrade() -> None:
    for table in ("prediction_profiles", "labels", "predictions", "monitor_batches"):
        op.drop_table(table)
    with op.batch_alter_table("models") as models:
        for column in ("training_sample", "importances", "inputs", "label", "task"):
            models.drop_column(column)
