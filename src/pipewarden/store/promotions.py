"""Keep and read model promotions in SQL (``SqlStore`` delegates here)."""

from __future__ import annotations

from sqlalchemy import Engine as Database
from sqlalchemy import insert, select

from pipewarden.errors import RecordNotFoundError
from pipewarden.store._errors import translated
from pipewarden.store.lifecycle_records import PromotionRecord
from pipewarden.store.lifecycle_tables import PromotionRow
from pipewarden.store.tables import ModelRow

__all__ = ["SqlPromotions"]


class SqlPromotions:
    """The promotions table of one SQL store."""

    def __init__(self, database: Database, writer: Database, *, url: str) -> None:
        self._database = database
        self._writer = writer
        self._url = url

    def save_promotion(self, promotion: PromotionRecord) -> PromotionRecord:
        """Keep a promotion; ``previous`` is read in the same transaction.

        Raises:
            RecordNotFoundError: The model version is not registered.
        """
        with translated(self._url), self._writer.begin() as conn:
            model_id = conn.execute(
                select(ModelRow.id).where(
                    ModelRow.name == promotion.name,
                    ModelRow.version == promotion.version,
                )
            ).scalar()
            if model_id is None:
                raise RecordNotFoundError(
                    f"No model '{promotion.name}' version '{promotion.version}' in the "
                    f"store {self._url}. Register it with: pipewarden models register "
                    f"{promotion.name} --version {promotion.version}"
                )
            previous = conn.execute(
                select(PromotionRow.version)
                .where(PromotionRow.name == promotion.name)
                .order_by(PromotionRow.promoted_at.desc(), PromotionRow.id.desc())
                .limit(1)
            ).scalar()
            new_id = conn.execute(
                insert(PromotionRow)
                .values(
                    model_id=model_id,
                    name=promotion.name,
                    version=promotion.version,
                    promoted_at=promotion.promoted_at,
                    promoted_by=promotion.promoted_by,
                    note=promotion.note,
                    evidence=promotion.evidence,
                    previous=previous,
                )
                .returning(PromotionRow.id)
            ).scalar_one()
        return PromotionRecord(
            promotion.name,
            promotion.version,
            promotion.promoted_at,
            promotion.promoted_by,
            promotion.note,
            promotion.evidence,
            previous,
            int(new_id),
        )

    def list_promotions(self, name: str | None = None) -> list[PromotionRecord]:
        """Promotions, oldest first (of one model name, when given)."""
        query = select(PromotionRow).order_by(PromotionRow.promoted_at, PromotionRow.id)
        if name is not None:
            query = query.where(PromotionRow.name == name)
        with translated(self._url), self._database.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            PromotionRecord(
                r["name"],
                r["version"],
                r["promoted_at"],
                r["promoted_by"],
                r["note"],
                None if r["evidence"] is None else dict(r["evidence"]),
                r["previous"],
                int(r["id"]),
            )
            for r in rows
        ]
