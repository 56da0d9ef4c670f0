"""Initial schema: environments, contracts, runs, profiles, findings, inputs, metrics, models.

Revision ID: 20261122_0001
Revises:
Create Date: 2026-11-22 18:57:16
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261122_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here, not imported from pipewarden, so this revision never changes.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", AUTO_ID, autoincrement=True, nullable=False)


def _run_id(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            ondelete="CASCADE",
            name=op.f(f"fk_{table}_run_id_runs"),
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "environments",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("python_version", sa.String(32), nullable=False),
        sa.Column("os", sa.String(64), nullable=False),
        sa.Column("machine", sa.String(64), nullable=False),
        sa.Column("captured_at", sa.String(40), nullable=False),
        sa.Column("fingerprint", JSON, nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_environments")),
    )
    op.create_table(
        "contracts",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("body", JSON, nullable=False),
        sa.Column("first_seen_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_contracts")),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("dataset", sa.String(255), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("contract_name", sa.String(255), nullable=True),
        sa.Column("contract_digest", sa.String(64), nullable=True),
        sa.Column("environment_digest", sa.String(64), nullable=True),
        sa.Column("code_commit", sa.String(64), nullable=True),
        sa.Column("code_branch", sa.String(255), nullable=True),
        sa.Column("code_dirty", sa.Boolean(), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("result_extra", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_digest"],
            ["contracts.digest"],
            name=op.f("fk_runs_contract_digest_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["environment_digest"],
            ["environments.digest"],
            name=op.f("fk_runs_environment_digest_environments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index(
        op.f("ix_runs_dataset_started_at"), "runs", ["dataset", "started_at"]
    )
    op.create_index(op.f("ix_runs_started_at"), "runs", ["started_at"])
    op.create_table(
        "profiles",
        *_run_id("profiles"),
        sa.Column("encoding", sa.String(16), nullable=False),
        sa.Column("columns", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_profiles")),
    )
    op.create_table(
        "findings",
        _id(),
        *_run_id("findings"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(64), nullable=False),
        sa.Column("column_name", sa.String(255), nullable=True),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("threshold", JSON, nullable=True),
        sa.Column("segment", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_run_id"), "findings", ["run_id"])
    op.create_table(
        "inputs",
        _id(),
        *_run_id("inputs"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("modified_at", TIMESTAMP, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("hash_method", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inputs")),
    )
    op.create_index(op.f("ix_inputs_run_id"), "inputs", ["run_id"])
    op.create_table(
        "metrics",
        *_run_id("metrics"),
        sa.Column("column_name", sa.String(255), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("dataset", sa.String(255), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "run_id", "column_name", "metric", name=op.f("pk_metrics")
        ),
        sqlite_with_rowid=False,  # stored in key order: a run's points together
    )
    # Covering index: a metric's history is read from the index alone, in time order.
    op.create_index(
        op.f("ix_metrics_series"),
        "metrics",
        ["dataset", "column_name", "metric", "recorded_at", "value", "run_id"],
    )
    op.create_table(
        "models",
        _id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("artifact_hash", sa.String(64), nullable=False),
        sa.Column("artifact_path", sa.Text(), nullable=True),
        sa.Column("environment_digest", sa.String(64), nullable=False),
        sa.Column("important_packages", JSON, nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("profile_encoding", sa.String(16), nullable=True),
        sa.Column("training_profile", sa.LargeBinary(), nullable=True),
        sa.Column("registered_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_digest"],
            ["environments.digest"],
            name=op.f("fk_models_environment_digest_environments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_models_name_version")),
    )
    op.create_index(
        op.f("ix_models_name_registered_at"), "models", ["name", "registered_at"]
    )


def downgrade() -> None:
    for table in (
        "models",
        "metrics",
        "inputs",
        "findings",
        "profiles",
        "runs",
        "contracts",
        "environments",
    ):
        op.drop_table(table)
