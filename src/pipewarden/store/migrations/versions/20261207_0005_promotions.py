"""Model promotions: which version became the champion of its name, with its evidence.

Revision ID: 20261207_0005
Revises: 20261206_0004
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261207_0005"
down_revision: str | Sequence[str] | None = "20261206_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here, not imported from pipewarden, so this revision never changes.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "model_promotions",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("model_id", AUTO_ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("promoted_at", TIMESTAMP, nullable=False),
        sa.Column("promoted_by", sa.String(255), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", JSON, nullable=True),
        sa.Column("previous", sa.String(255), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            ondelete="CASCADE",
            name=op.f("fk_model_promotions_model_id_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_promotions")),
    )
    op.create_index(
        op.f("ix_model_promotions_name_promoted_at"),
        "model_promotions",
        ["name", "promoted_at"],
    )


def downgrade() -> None:
    op.drop_table("model_promotions")
