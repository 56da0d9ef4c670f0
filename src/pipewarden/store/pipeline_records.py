"""What the store keeps of pipelines, as plain values: schedules, runs, stage checkpoints.

A pipeline run is made of named stages; each stage's output was profiled and checked
as a regular :class:`~pipewarden.store.records.Run` (``stage.run_id``), so run
history and ``runs diff`` work on stages too. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pipewarden.env.fingerprint import CodeVersion, Fingerprint
from pipewarden.io.fingerprints import InputFingerprint
from pipewarden.profiles.dataset import DatasetProfile

__all__ = [
    "PIPELINE_STATUSES",
    "PipelineRecord",
    "PipelineRun",
    "PipelineStatus",
    "StageCheckpoint",
    "StageProfile",
    "stage_dataset",
]

PipelineStatus = Literal["running", "success", "failed"]
PIPELINE_STATUSES: tuple[PipelineStatus, ...] = ("running", "success", "failed")
STAGE_ERROR = "error"
"""A stage's status when it raised instead of producing output."""


def stage_dataset(pipeline: str, stage: str) -> str:
    """The dataset name a stage's checkpoint runs are recorded under."""
    return f"{pipeline}/{stage}"


@dataclass(frozen=True, slots=True)
class PipelineRecord:
    """A pipeline and its schedule.

    Attributes:
        name: Pipeline name.
        schedule: Cron expression of when it is expected to start, or None.
        timezone: IANA zone the cron expression is read in (e.g. Europe/Amsterdam).
        grace: How long after the expected time a start still counts as on time.
        updated_at: When the schedule was last set (UTC).
    """

    name: str
    schedule: str | None = None
    timezone: str = "UTC"
    grace: timedelta = timedelta(minutes=30)
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "schedule": self.schedule,
            "timezone": self.timezone,
            "grace_seconds": int(self.grace.total_seconds()),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class StageCheckpoint:
    """One stage of a pipeline run: its output's checked run, or its error.

    Attributes:
        stage: Stage name, unique within the pipeline run.
        position: Order in which the stage was checkpointed (0 first).
        status: The stage run's status (pass, warn, fail), or ``error`` when the
            stage raised before producing output.
        started_at: When the stage started (UTC).
        finished_at: When its checkpoint was recorded (UTC).
        rows: Rows of the stage's output.
        inputs: Stages whose outputs this stage read (default: the stage before).
        run_id: The recorded Run of the stage's output (profile, findings), if any.
        segments: Per-segment statistics of the output (``pipelines.segments``), as
            stored JSON, or None.
        error_type: Exception type when the stage failed.
        error_message: Its message.
    """

    stage: str
    position: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows: int = 0
    inputs: tuple[str, ...] = ()
    run_id: str | None = None
    segments: dict[str, Any] | None = None
    error_type: str | None = None
    error_message: str | None = None

    @property
    def duration(self) -> timedelta | None:
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "position": self.position,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": _iso(self.finished_at),
            "rows": self.rows,
            "inputs": list(self.inputs),
            "run_id": self.run_id,
            "error_type": self.error_type,
            "error_message": self.error_message,
        }


@dataclass(frozen=True, slots=True)
class PipelineRun:
    """One run of a pipeline and the checkpoints of its stages, in order.

    Attributes:
        id: Run id (``new_run_id``; pipeline runs and check runs share the format).
        pipeline: Pipeline name.
        status: running, success or failed.
        started_at: When it started (UTC).
        finished_at: When it finished (UTC), None while running.
        code: Git state of the code that ran it, when known.
        environment_digest: Digest of the environment it ran in, when known.
        error_type: Exception type, when it failed with one.
        error_message: The error's message (what a person is shown).
        traceback: The traceback, kept for the developer, never printed to the user.
        stages: The stage checkpoints, in checkpoint order.
    """

    id: str
    pipeline: str
    status: PipelineStatus
    started_at: datetime
    finished_at: datetime | None = None
    code: CodeVersion | None = None
    environment_digest: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    traceback: str | None = None
    stages: tuple[StageCheckpoint, ...] = ()

    @property
    def duration(self) -> timedelta | None:
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    def stage(self, name: str) -> StageCheckpoint | None:
        """The checkpoint of a stage, or None."""
        return next((s for s in self.stages if s.stage == name), None)

    @property
    def is_good(self) -> bool:
        """Finished successfully with every stage passing its contract (warnings
        allowed): a run to compare later runs with."""
        return self.status == "success" and all(
            s.status in ("pass", "warn") for s in self.stages
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "pipeline": self.pipeline,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": _iso(self.finished_at),
            "duration_seconds": None
            if self.duration is None
            else self.duration.total_seconds(),
            "code": None if self.code is None else self.code.to_dict(),
            "environment_digest": self.environment_digest,
            "error_type": self.error_type,
            "error_message": self.error_message,
            "stages": [s.to_dict() for s in self.stages],
        }


@dataclass(frozen=True, slots=True)
class StageProfile:
    """What localization reads of a stage's recorded run: its profile and context,
    without its findings (``Store.get_stage_profiles``).

    Attributes:
        id: The recorded run's id.
        profile: Its profile, when one was kept.
        code: Git state of the code, when known.
        environment: The environment's fingerprint, when kept.
        contract_digest: Digest of the contract it was checked against.
        time_column: That contract's event-time column, if it declares one.
        inputs: What the stage read, fingerprinted.
    """

    id: str
    profile: DatasetProfile | None
    code: CodeVersion | None = None
    environment: Fingerprint | None = None
    contract_digest: str | None = None
    time_column: str | None = None
    inputs: tuple[InputFingerprint, ...] = ()


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
