"""The store's tables, as SQLAlchemy 2.0 typed rows that convert to domain objects.

Each ``*Row`` class has ``from_domain(...)`` and ``to_domain()``. Environments and
contracts are kept once per distinct digest and referenced by runs; a run's
profile, findings, inputs and metric points hang off it.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.contracts.model import Contract
from pipewarden.env.fingerprint import CodeVersion, Fingerprint
from pipewarden.errors import StoreError
from pipewarden.io.fingerprints import HashMethod, InputFingerprint
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store import _profile_codec
from pipewarden.store.records import MetricPoint, ModelRecord, Run

__all__ = [
    "VERSION_TABLE",
    "Base",
    "ContractRow",
    "EnvironmentRow",
    "FindingRow",
    "InputRow",
    "MetricRow",
    "ModelRow",
    "ProfileRow",
    "RunRow",
    "decode_profile",
    "encode_profile",
    "to_json",
]

VERSION_TABLE = "pipewarden_version"
"""Alembic's version table, named so it never clashes with an application's own."""
PROFILE_ENCODINGS = (
    "msgpack",
    "msgpack+zlib",
    "json+bin",
    "json+bin+zlib",
    "json",
    "json+zlib",
)
"""``profiles.encoding`` values: msgpack with binary sketches (``_profile_codec``,
written now); JSON with binary sketches beside it, and plain or zlib'd JSON (written by
earlier versions, still read)."""
DATASET_COLUMN = ""
"""``metrics.column_name`` of dataset-wide metrics (None in the domain)."""

_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        return (
            value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        )

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        if dialect.name == "sqlite":  # text such as '2026-11-02 06:00:00.000000'
            return _utc_from_sqlite_text
        return super().result_processor(dialect, coltype)


def _utc_from_sqlite_text(value: str | None) -> datetime | None:
    """One C-speed parse per value: a metric's history reads thousands of them."""
    return None if value is None else datetime.fromisoformat(value + "+00:00")


JSONValue = JSON().with_variant(JSONB(), "postgresql")
AutoId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=_NAMING)


class EnvironmentRow(Base):
    """A distinct environment fingerprint, keyed by its digest."""

    __tablename__ = "environments"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    python_version: Mapped[str] = mapped_column(String(32))
    os: Mapped[str] = mapped_column(String(64))
    machine: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[dict[str, Any]] = mapped_column(JSONValue)

    @classmethod
    def from_domain(cls, fingerprint: Fingerprint) -> EnvironmentRow:
        return cls(**cls.values_of(fingerprint))

    @staticmethod
    def values_of(fingerprint: Fingerprint) -> dict[str, Any]:
        return {
            "digest": fingerprint.digest,
            "python_version": fingerprint.python_version,
            "os": fingerprint.os,
            "machine": fingerprint.machine,
            "captured_at": fingerprint.captured_at,
            "fingerprint": fingerprint.to_dict(),
        }

    def to_domain(self) -> Fingerprint:
        return Fingerprint.from_dict(self.fingerprint)


class ContractRow(Base):
    """A distinct contract, keyed by ``Contract.digest``."""

    __tablename__ = "contracts"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @classmethod
    def from_domain(cls, contract: Contract, *, seen_at: datetime) -> ContractRow:
        return cls(**cls.values_of(contract, seen_at=seen_at))

    @staticmethod
    def values_of(contract: Contract, *, seen_at: datetime) -> dict[str, Any]:
        return {
            "digest": contract.digest,
            "name": contract.name,
            "body": contract.to_dict(),
            "first_seen_at": seen_at,
        }

    def to_domain(self) -> Contract:
        return Contract.from_dict(self.body)


class RunRow(Base):
    """One recorded check."""

    __tablename__ = "runs"
    __table_args__ = (Index(None, "dataset", "started_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rows: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)
    contract_name: Mapped[str | None] = mapped_column(String(255))
    contract_digest: Mapped[str | None] = mapped_column(ForeignKey("contracts.digest"))
    environment_digest: Mapped[str | None] = mapped_column(
        ForeignKey("environments.digest")
    )
    code_commit: Mapped[str | None] = mapped_column(String(64))
    code_branch: Mapped[str | None] = mapped_column(String(255))
    code_dirty: Mapped[bool | None] = mapped_column(Boolean)
    reference: Mapped[str | None] = mapped_column(Text)
    result_extra: Mapped[dict[str, Any]] = mapped_column(JSONValue)

    contract: Mapped[ContractRow | None] = relationship(lazy="raise")
    environment: Mapped[EnvironmentRow | None] = relationship(lazy="raise")
    profile: Mapped[ProfileRow | None] = relationship(
        back_populates="run", cascade="all, delete-orphan", lazy="raise"
    )
    findings: Mapped[list[FindingRow]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="FindingRow.position",
    )
    inputs: Mapped[list[InputRow]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="InputRow.position",
    )

    @classmethod
    def from_domain(cls, run: Run, *, compression: int = 0) -> RunRow:
        """The row for a run, with its profile, findings and inputs attached.

        Environment and contract are referenced by digest; insert them first.
        """
        row = cls(**cls.values_of(run))
        row.findings = [
            FindingRow(**values) for values in FindingRow.values_of(run.id, run.result)
        ]
        row.inputs = [InputRow(**values) for values in InputRow.values_of(run)]
        if run.profile is not None:
            row.profile = ProfileRow(
                **ProfileRow.values_of(run.id, run.profile, compression=compression)
            )
        return row

    @staticmethod
    def values_of(run: Run) -> dict[str, Any]:
        """Column values of the ``runs`` row alone, for a bulk insert."""
        code = run.code
        summary = run.summary
        return {
            "id": run.id,
            "dataset": run.dataset,
            "status": run.status,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "rows": run.result.rows,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "contract_name": run.result.contract,
            "contract_digest": run.contract_digest,
            "environment_digest": summary.environment_digest,
            "code_commit": None if code is None else code.commit,
            "code_branch": None if code is None else code.branch,
            "code_dirty": None if code is None else code.dirty,
            "reference": run.reference,
            "result_extra": _clean(dict(run.result.extra)),
        }

    def to_domain(self) -> Run:
        """The run; needs ``findings``, ``inputs``, ``profile``, ``contract`` and
        ``environment`` loaded."""
        result = CheckResult(
            rows=self.rows,
            findings=tuple(f.to_domain() for f in self.findings),
            dataset=self.dataset,
            contract=self.contract_name,
            extra=dict(self.result_extra or {}),
        )
        code = (
            None
            if self.code_commit is None
            else CodeVersion(self.code_commit, self.code_branch, bool(self.code_dirty))
        )
        return Run(
            id=self.id,
            dataset=self.dataset,
            started_at=self.started_at,
            finished_at=self.finished_at,
            result=result,
            profile=None if self.profile is None else self.profile.to_domain(),
            contract=None if self.contract is None else self.contract.to_domain(),
            contract_digest=self.contract_digest,
            environment=None
            if self.environment is None
            else self.environment.to_domain(),
            code=code,
            inputs=tuple(i.to_domain() for i in self.inputs),
            reference=self.reference,
        )


class ProfileRow(Base):
    """The profile of a run's batch: its JSON with the sketches as binary (see
    ``encode_profile``); older rows hold plain or zlib'd JSON."""

    __tablename__ = "profiles"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    encoding: Mapped[str] = mapped_column(String(16))
    columns: Mapped[int] = mapped_column(Integer)
    payload: Mapped[bytes] = mapped_column(LargeBinary)

    run: Mapped[RunRow] = relationship(back_populates="profile", lazy="raise")

    @classmethod
    def from_domain(
        cls, profile: DatasetProfile, *, run_id: str, compression: int = 0
    ) -> ProfileRow:
        return cls(**cls.values_of(run_id, profile, compression=compression))

    @staticmethod
    def values_of(
        run_id: str, profile: DatasetProfile, *, compression: int
    ) -> dict[str, Any]:
        encoding, payload = encode_profile(profile, compression)
        return {
            "run_id": run_id,
            "encoding": encoding,
            "columns": len(profile.columns),
            "payload": payload,
        }

    def to_domain(self) -> DatasetProfile:
        return decode_profile(self.encoding, self.payload)


class FindingRow(Base):
    """One finding of a run."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    check: Mapped[str] = mapped_column(String(64))
    column_name: Mapped[str | None] = mapped_column(String(255))
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    threshold: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    segment: Mapped[dict[str, Any] | None] = mapped_column(JSONValue, nullable=True)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONValue, nullable=True)

    run: Mapped[RunRow] = relationship(back_populates="findings", lazy="raise")

    @classmethod
    def from_domain(cls, finding: Finding, *, run_id: str, position: int) -> FindingRow:
        return cls(**cls.values_of_one(finding, run_id=run_id, position=position))

    @classmethod
    def values_of(cls, run_id: str, result: CheckResult) -> list[dict[str, Any]]:
        """Column values of every finding of a result, in order."""
        return [
            cls.values_of_one(f, run_id=run_id, position=i)
            for i, f in enumerate(result.findings)
        ]

    @staticmethod
    def values_of_one(
        finding: Finding, *, run_id: str, position: int
    ) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "position": position,
            "check": finding.check,
            "column_name": finding.column,
            "severity": finding.severity.value,
            "message": finding.message,
            "value": _clean(finding.value),
            "threshold": _clean(finding.threshold),
            "segment": _clean(finding.segment),
            "evidence": _clean(finding.evidence),
        }

    def to_domain(self) -> Finding:
        return Finding(
            check=self.check,
            column=self.column_name,
            severity=Severity(self.severity),
            message=self.message,
            value=self.value,
            threshold=self.threshold,
            segment=self.segment,
            evidence=self.evidence,
        )


class InputRow(Base):
    """One file (or query) a run read."""

    __tablename__ = "inputs"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(BigInteger)
    modified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    hash_method: Mapped[str] = mapped_column(String(16))

    run: Mapped[RunRow] = relationship(back_populates="inputs", lazy="raise")

    @classmethod
    def from_domain(
        cls, item: InputFingerprint, *, run_id: str, position: int
    ) -> InputRow:
        return cls(**cls.values_of_one(item, run_id=run_id, position=position))

    @classmethod
    def values_of(cls, run: Run) -> list[dict[str, Any]]:
        """Column values of every input of a run, in order."""
        return [
            cls.values_of_one(item, run_id=run.id, position=i)
            for i, item in enumerate(run.inputs)
        ]

    @staticmethod
    def values_of_one(
        item: InputFingerprint, *, run_id: str, position: int
    ) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "position": position,
            "path": item.path,
            "size": item.size,
            "modified_at": item.modified_at,
            "content_hash": item.content_hash,
            "hash_method": item.hash_method,
        }

    def to_domain(self) -> InputFingerprint:
        method = cast(HashMethod, self.hash_method)
        return InputFingerprint(
            self.path, self.size, self.modified_at, self.content_hash, method
        )


class MetricRow(Base):
    """One point of a metric's time series: narrow, one row per statistic per run.

    Keyed by (run, column, metric), so a run's points sit together (SQLite stores the
    table in key order); the covering ``ix_metrics_series`` index serves a metric's
    history in time order without touching the table.
    """

    __tablename__ = "metrics"
    __table_args__ = (
        Index(
            "ix_metrics_series",
            "dataset",
            "column_name",
            "metric",
            "recorded_at",
            "value",
            "run_id",
        ),
        {"sqlite_with_rowid": False},
    )

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    column_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(255))
    value: Mapped[float] = mapped_column(Double)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @classmethod
    def from_domain(cls, point: MetricPoint) -> MetricRow:
        return cls(**cls.values_of(point))

    @staticmethod
    def values_of(point: MetricPoint) -> dict[str, Any]:
        """Column values for a bulk insert (no row object)."""
        return {
            "run_id": point.run_id,
            "dataset": point.dataset,
            "column_name": DATASET_COLUMN if point.column is None else point.column,
            "metric": point.metric,
            "value": point.value,
            "recorded_at": point.recorded_at,
        }

    def to_domain(self) -> MetricPoint:
        column = None if self.column_name == DATASET_COLUMN else self.column_name
        return MetricPoint(
            self.dataset, column, self.metric, self.value, self.recorded_at, self.run_id
        )


class ModelRow(Base):
    """A registered model version."""

    __tablename__ = "models"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        Index(None, "name", "registered_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(255))
    artifact_hash: Mapped[str] = mapped_column(String(64))
    artifact_path: Mapped[str | None] = mapped_column(Text)
    environment_digest: Mapped[str] = mapped_column(ForeignKey("environments.digest"))
    important_packages: Mapped[list[str]] = mapped_column(JSONValue)
    metrics: Mapped[dict[str, float]] = mapped_column(JSONValue)
    profile_encoding: Mapped[str | None] = mapped_column(String(16))
    training_profile: Mapped[bytes | None] = mapped_column(LargeBinary)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    task: Mapped[str | None] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(255))
    inputs: Mapped[list[str] | None] = mapped_column(JSONValue)
    importances: Mapped[dict[str, float] | None] = mapped_column(JSONValue)
    training_sample: Mapped[bytes | None] = mapped_column(LargeBinary)

    environment: Mapped[EnvironmentRow] = relationship(lazy="raise")

    @classmethod
    def from_domain(cls, model: ModelRecord, *, compression: int = 0) -> ModelRow:
        encoding, payload = (
            (None, None)
            if model.training_profile is None
            else encode_profile(model.training_profile, compression)
        )
        return cls(
            name=model.name,
            version=model.version,
            artifact_hash=model.artifact_hash,
            artifact_path=model.artifact_path,
            environment_digest=model.environment.digest,
            important_packages=list(model.important_packages),
            metrics=_clean(dict(model.metrics)),
            profile_encoding=encoding,
            training_profile=payload,
            registered_at=model.registered_at,
            task=model.task,
            label=model.label,
            inputs=list(model.inputs),
            importances=_clean(dict(model.importances)),
            training_sample=model.training_sample,
        )

    def to_domain(self, *, with_profile: bool = True) -> ModelRecord:
        """The model (its training profile left out unless ``with_profile``); needs
        ``environment`` loaded."""
        profile = None
        if (
            with_profile
            and self.profile_encoding is not None
            and self.training_profile is not None
        ):
            profile = decode_profile(self.profile_encoding, self.training_profile)
        return ModelRecord(
            name=self.name,
            version=self.version,
            artifact_hash=self.artifact_hash,
            artifact_path=self.artifact_path,
            environment=self.environment.to_domain(),
            important_packages=tuple(self.important_packages or ()),
            metrics=dict(self.metrics or {}),
            training_profile=profile,
            registered_at=self.registered_at,
            task=self.task,
            label=self.label,
            inputs=tuple(self.inputs or ()),
            importances=dict(self.importances or {}),
            training_sample=None
            if self.training_sample is None
            else bytes(self.training_sample),
        )


def encode_profile(profile: DatasetProfile, compression: int) -> tuple[str, bytes]:
    """Serialise a profile: msgpack with its sketches as binary (see
    ``_profile_codec``), partly zlib-compressed at ``compression`` (0: not compressed)."""
    payload = _profile_codec.encode(profile, compression=compression)
    return ("msgpack+zlib" if compression > 0 else "msgpack"), payload


def decode_profile(encoding: str, payload: bytes) -> DatasetProfile:
    """Read a profile written by :func:`encode_profile`, now or in an older form."""
    if encoding in ("msgpack", "msgpack+zlib"):
        return _profile_codec.decode(
            bytes(payload), compressed=encoding == "msgpack+zlib"
        )
    if encoding in ("json+bin", "json+bin+zlib"):
        return _profile_codec.decode_legacy(
            bytes(payload), compressed=encoding == "json+bin+zlib"
        )
    if encoding == "json+zlib":
        try:
            payload = zlib.decompress(payload)
        except zlib.error as exc:
            raise StoreError(
                f"A stored profile is corrupt ({exc}). Record the run again."
            ) from exc
    elif encoding != "json":
        raise StoreError(
            f"A stored profile has encoding '{encoding}', which this pipewarden cannot "
            "read. Upgrade pipewarden."
        )
    return DatasetProfile.from_json(payload.decode("utf-8"))


def to_json(value: Any) -> str:
    """JSON for the database: non-finite floats become null, other objects text."""
    return json.dumps(_clean(value), default=str, allow_nan=False)


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


# The monitoring and promotion tables live in their own modules, on the same Base.
from pipewarden.store import lifecycle_tables as lifecycle_tables  # noqa: E402
from pipewarden.store import monitoring_tables as monitoring_tables  # noqa: E402
from pipewarden.store import reference_tables as reference_tables  # noqa: E402
