"""The reference-set table: one row per version of a named reference profile.

On the same declarative ``Base`` as ``store.tables``; created by migration
``20261207_0105``. ``(name, version)`` is unique, which is what keeps two engineers
adding at once from getting the same version number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pipewarden.io.fingerprints import InputFingerprint
from pipewarden.store.reference_records import ReferenceSummary, ReferenceVersion
from pipewarden.store.tables import (
    AutoId,
    Base,
    JSONValue,
    UtcDateTime,
    decode_profile,
    encode_profile,
)

__all__ = ["ReferenceSetRow"]


class ReferenceSetRow(Base):
    """A version of a reference set: its profile (not its rows) and provenance."""

    __tablename__ = "reference_sets"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(BigInteger)
    columns: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    added_by: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    contract_name: Mapped[str | None] = mapped_column(Text)
    contract_digest: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str | None] = mapped_column(String(8))
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue)
    encoding: Mapped[str] = mapped_column(String(16))
    payload: Mapped[bytes] = mapped_column(LargeBinary)

    @staticmethod
    def values_of(
        reference: ReferenceVersion, *, version: int, compression: int
    ) -> dict[str, Any]:
        """The row's values for ``reference`` stored as ``version``."""
        s = reference.summary
        encoding, payload = encode_profile(reference.profile, compression)
        return {
            "name": s.name,
            "version": version,
            "rows": s.rows,
            "columns": s.columns,
            "added_at": s.added_at,
            "added_by": s.added_by,
            "note": s.note,
            "contract_name": s.contract_name,
            "contract_digest": s.contract_digest,
            "status": s.status,
            "inputs": [i.to_dict() for i in reference.inputs],
            "encoding": encoding,
            "payload": payload,
        }

    def summary(self) -> ReferenceSummary:
        return ReferenceSummary(
            name=self.name,
            version=self.version,
            rows=self.rows,
            columns=self.columns,
            added_at=self.added_at,
            added_by=self.added_by,
            note=self.note,
            contract_name=self.contract_name,
            contract_digest=self.contract_digest,
            status=self.status,
        )

    def to_domain(self) -> ReferenceVersion:
        return ReferenceVersion(
            summary=self.summary(),
            profile=decode_profile(self.encoding, self.payload),
            inputs=tuple(InputFingerprint.from_dict(i) for i in self.inputs or ()),
        )
