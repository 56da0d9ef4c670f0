"""Pipelines: schedules, pipeline runs and their stage checkpoints (issue #13).

Revision ID: 20261201_0002
Revises: 20261123_0101
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261201_0002"
down_revision: str | Sequence[str] | None = "20261123_0101"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here, not imported from pipewarden, so this revision never changes.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("schedule", sa.String(255), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("grace_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pipelines")),
    )
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("pipeline", sa.String(255), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("code_commit", sa.String(64), nullable=True),
        sa.Column("code_branch", sa.String(255), nullable=True),
        sa.Column("code_dirty", sa.Boolean(), nullable=True),
        sa.Column("environment_digest", sa.String(64), nullable=True),
        sa.Column("error_type", sa.String(255), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("traceback", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
    )
    op.create_index(
        op.f("ix_pipeline_runs_pipeline_started_at"),
        "pipeline_runs",
        ["pipeline", "started_at"],
    )
    op.create_table(
        "stage_checkpoints",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("pipeline_run_id", sa.String(40), nullable=False),
        sa.Column("stage", sa.String(255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("run_id", sa.String(40), nullable=True),
        sa.Column("segments", JSON, nullable=True),
        sa.Column("error_type", sa.String(255), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pipeline_run_id"],
            ["pipeline_runs.id"],
            ondelete="CASCADE",
            name=op.f("fk_stage_checkpoints_pipeline_run_id_pipeline_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            ondelete="SET NULL",
            name=op.f("fk_stage_checkpoints_run_id_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_checkpoints")),
        sa.UniqueConstraint(
            "pipeline_run_id",
            "stage",
            name=op.f("uq_stage_checkpoints_pipeline_run_id_stage"),
        ),
    )
    op.create_index(
        op.f("ix_stage_checkpoints_pipeline_run_id"),
        "stage_checkpoints",
        ["pipeline_run_id"],
    )
    op.create_index(
        op.f("ix_stage_checkpoints_run_id"), "stage_checkpoints", ["run_id"]
    )


def downgrade() -> None:
    for table in ("stage_checkpoints", "pipeline_runs", "pipelines"):
        op.drop_table(table)
