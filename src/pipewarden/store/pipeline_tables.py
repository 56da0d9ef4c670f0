"""The pipeline tables: pipelines (with their schedule), pipeline runs, stage checkpoints.

On the same declarative ``Base`` as ``store.tables``; created by migration
``20261201_0002``. A stage checkpoint points at the regular run that holds its
profile and findings (``runs.id``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipewarden.env.fingerprint import CodeVersion
from pipewarden.store.pipeline_records import (
    PipelineRecord,
    PipelineRun,
    PipelineStatus,
    StageCheckpoint,
)
from pipewarden.store.tables import AutoId, Base, JSONValue, UtcDateTime

__all__ = ["PipelineRow", "PipelineRunRow", "StageCheckpointRow"]


class PipelineRow(Base):
    """A pipeline and its schedule (one row per pipeline name)."""

    __tablename__ = "pipelines"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    schedule: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64))
    grace_seconds: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @staticmethod
    def values_of(record: PipelineRecord) -> dict[str, Any]:
        return {
            "name": record.name,
            "schedule": record.schedule,
            "timezone": record.timezone,
            "grace_seconds": int(record.grace.total_seconds()),
            "updated_at": record.updated_at,
        }

    def to_domain(self) -> PipelineRecord:
        return PipelineRecord(
            name=self.name,
            schedule=self.schedule,
            timezone=self.timezone,
            grace=timedelta(seconds=self.grace_seconds),
            updated_at=self.updated_at,
        )


class PipelineRunRow(Base):
    """One run of a pipeline."""

    __tablename__ = "pipeline_runs"
    __table_args__ = (Index(None, "pipeline", "started_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pipeline: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    code_commit: Mapped[str | None] = mapped_column(String(64))
    code_branch: Mapped[str | None] = mapped_column(String(255))
    code_dirty: Mapped[bool | None] = mapped_column(Boolean)
    environment_digest: Mapped[str | None] = mapped_column(String(64))
    error_type: Mapped[str | None] = mapped_column(String(255))
    error_message: Mapped[str | None] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)

    stages: Mapped[list[StageCheckpointRow]] = relationship(
        back_populates="pipeline_run",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="StageCheckpointRow.position",
    )

    @staticmethod
    def values_of(run: PipelineRun) -> dict[str, Any]:
        code = run.code
        return {
            "id": run.id,
            "pipeline": run.pipeline,
            "status": run.status,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "code_commit": None if code is None else code.commit,
            "code_branch": None if code is None else code.branch,
            "code_dirty": None if code is None else code.dirty,
            "environment_digest": run.environment_digest,
            "error_type": run.error_type,
            "error_message": run.error_message,
            "traceback": run.traceback,
        }

    def to_domain(self, *, with_stages: bool = True) -> PipelineRun:
        """The run; ``stages`` must be loaded when ``with_stages``."""
        code = (
            None
            if self.code_commit is None
            else CodeVersion(self.code_commit, self.code_branch, bool(self.code_dirty))
        )
        status: PipelineStatus = (
            "success"
            if self.status == "success"
            else "failed"
            if self.status == "failed"
            else "running"
        )
        return PipelineRun(
            id=self.id,
            pipeline=self.pipeline,
            status=status,
            started_at=self.started_at,
            finished_at=self.finished_at,
            code=code,
            environment_digest=self.environment_digest,
            error_type=self.error_type,
            error_message=self.error_message,
            traceback=self.traceback,
            stages=tuple(s.to_domain() for s in self.stages) if with_stages else (),
        )


class StageCheckpointRow(Base):
    """One stage of a pipeline run."""

    __tablename__ = "stage_checkpoints"
    __table_args__ = (UniqueConstraint("pipeline_run_id", "stage"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    pipeline_run_id: Mapped[str] = mapped_column(
        ForeignKey("pipeline_runs.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rows: Mapped[int] = mapped_column(BigInteger)
    inputs: Mapped[list[str]] = mapped_column(JSONValue)
    run_id: Mapped[str | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), index=True
    )
    segments: Mapped[dict[str, Any] | None] = mapped_column(JSONValue, nullable=True)
    error_type: Mapped[str | None] = mapped_column(String(255))
    error_message: Mapped[str | None] = mapped_column(Text)

    pipeline_run: Mapped[PipelineRunRow] = relationship(
        back_populates="stages", lazy="raise"
    )

    @staticmethod
    def values_of(pipeline_run_id: str, stage: StageCheckpoint) -> dict[str, Any]:
        return {
            "pipeline_run_id": pipeline_run_id,
            "stage": stage.stage,
            "position": stage.position,
            "status": stage.status,
            "started_at": stage.started_at,
            "finished_at": stage.finished_at,
            "rows": stage.rows,
            "inputs": list(stage.inputs),
            "run_id": stage.run_id,
            "segments": stage.segments,
            "error_type": stage.error_type,
            "error_message": stage.error_message,
        }

    def to_domain(self) -> StageCheckpoint:
        return StageCheckpoint(
            stage=self.stage,
            position=self.position,
            status=self.status,
            started_at=self.started_at,
            finished_at=self.finished_at,
            rows=self.rows,
            inputs=tuple(self.inputs or ()),
            run_id=self.run_id,
            segments=self.segments,
            error_type=self.error_type,
            error_message=self.error_message,
        )
