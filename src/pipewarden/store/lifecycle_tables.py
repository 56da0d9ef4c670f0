"""The table of model promotions (on the same declarative ``Base`` as ``store/tables.py``).

``model_promotions``: one row per promotion of a model version to champion of its
name; the champion of a name is the version of its newest promotion. The evidence
(the ``models compare`` JSON) is kept as it was given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pipewarden.store.tables import AutoId, Base, JSONValue, UtcDateTime

__all__ = ["PromotionRow"]


class PromotionRow(Base):
    """One promotion (see ``PromotionRecord``)."""

    __tablename__ = "model_promotions"
    __table_args__ = (Index(None, "name", "promoted_at"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(255))
    promoted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    promoted_by: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    previous: Mapped[str | None] = mapped_column(String(255))
