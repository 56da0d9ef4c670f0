"""Reference sets in SQL: what SqlStore delegates to.

Plain saves and reads. Versions are numbered by the store: a writer reads the
newest version of the name and inserts the next one in the same transaction; the
unique ``(name, version)`` refuses a second writer that read the same number (on
SQLite the write lock taken at BEGIN already queues them), and that writer tries
again with the next number.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from pipewarden.errors import RecordNotFoundError, StoreError
from pipewarden.store._errors import translated
from pipewarden.store.reference_records import ReferenceSummary, ReferenceVersion
from pipewarden.store.reference_tables import ReferenceSetRow

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database

__all__ = ["ReferenceTables"]

logger = logging.getLogger(__name__)

ATTEMPTS = 20
"""Inserts tried before giving up when other writers keep taking the next version."""


class ReferenceTables:
    """The reference-set part of a SqlStore, over the same database."""

    def __init__(
        self, database: Database, writer: Database, *, url: str, compression: int = 0
    ) -> None:
        self.url = url
        self._writer = writer
        self._compression = compression
        self._read = sessionmaker(database, expire_on_commit=False)

    def add_reference(self, reference: ReferenceVersion) -> ReferenceVersion:
        """Keep a new version of a reference set; the store picks its number."""
        name = reference.name
        for attempt in range(ATTEMPTS):
            try:
                with translated(self.url):
                    version = self._insert_next(reference)
            except StoreError as exc:
                if not isinstance(exc.__cause__, IntegrityError):
                    raise
                logger.debug("reference %s: version taken (try %d)", name, attempt)
                continue
            summary = replace(reference.summary, version=version)
            return replace(reference, summary=summary)
        raise StoreError(
            f"Could not add a version of reference set '{name}' to the store "
            f"{self.url}: other writers took {ATTEMPTS} version numbers in a row. "
            "Retry."
        )

    def _insert_next(self, reference: ReferenceVersion) -> int:
        with self._writer.begin() as conn:
            newest = conn.execute(
                select(func.max(ReferenceSetRow.version)).where(
                    ReferenceSetRow.name == reference.name
                )
            ).scalar()
            version = int(newest or 0) + 1
            values = ReferenceSetRow.values_of(
                reference, version=version, compression=self._compression
            )
            conn.execute(insert(ReferenceSetRow), [values])
        return version

    def get_reference(self, name: str, version: int | None = None) -> ReferenceVersion:
        query = select(ReferenceSetRow).where(ReferenceSetRow.name == name)
        if version is not None:
            query = query.where(ReferenceSetRow.version == version)
        query = query.order_by(ReferenceSetRow.version.desc()).limit(1)
        with translated(self.url), self._read() as session:
            row = session.scalar(query)
            if row is None:
                known = session.scalar(
                    select(func.max(ReferenceSetRow.version)).where(
                        ReferenceSetRow.name == name
                    )
                )
                raise self._not_found(name, None if known is None else version)
            return row.to_domain()

    def list_references(self, name: str | None = None) -> list[ReferenceSummary]:
        columns = [c for c in ReferenceSetRow.__table__.columns if c.name != "payload"]
        query = select(*columns).order_by(ReferenceSetRow.name, ReferenceSetRow.version)
        if name is not None:
            query = query.where(ReferenceSetRow.name == name)
        with translated(self.url), self._read() as session:
            rows = session.execute(query).mappings().all()
        return [
            ReferenceSummary(
                name=r["name"],
                version=r["version"],
                rows=r["rows"],
                columns=r["columns"],
                added_at=r["added_at"],
                added_by=r["added_by"],
                note=r["note"],
                contract_name=r["contract_name"],
                contract_digest=r["contract_digest"],
                status=r["status"],
            )
            for r in rows
        ]

    def _not_found(self, name: str, version: int | None) -> RecordNotFoundError:
        if version is None:
            return RecordNotFoundError(
                f"No reference set '{name}' in the store {self.url}. Add one with: "
                f"pipewarden references add {name} DATA"
            )
        return RecordNotFoundError(
            f"Reference set '{name}' has no version {version} in the store "
            f"{self.url}. List its versions with: pipewarden references list"
        )
