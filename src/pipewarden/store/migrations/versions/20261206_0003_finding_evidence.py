"""Findings keep their evidence: the cause, conversion, onset and examples (issue #17).

Revision ID: 20261206_0003
Revises: 20261201_0002
Create Date: 2026-12-06 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261206_0003"
down_revision: str | Sequence[str] | None = "20261201_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Types spelled out here, not imported from pipewarden, so this revision never changes.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Nullable: findings recorded before keep no evidence, and most findings have none.
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("evidence", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("evidence")
