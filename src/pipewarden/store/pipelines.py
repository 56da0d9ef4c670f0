"""Pipeline runs, stage checkpoints and schedules in SQL: what SqlStore delegates to.

Plain saves, updates and queries; whether a run is late, missed or where a change
began is decided in ``pipewarden.pipelines``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from pipewarden.errors import RecordNotFoundError
from pipewarden.store._errors import translated
from pipewarden.store.pipeline_records import (
    PipelineRecord,
    PipelineRun,
    StageCheckpoint,
)
from pipewarden.store.pipeline_tables import (
    PipelineRow,
    PipelineRunRow,
    StageCheckpointRow,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database

__all__ = ["PipelineTables"]


class PipelineTables:
    """The pipeline part of a SqlStore, over the same database."""

    def __init__(self, database: Database, writer: Database, *, url: str) -> None:
        self.url = url
        self._writer = writer
        self._read = sessionmaker(database, expire_on_commit=False)

    # ------------------------------------------------------------------ pipelines
    def save_pipeline(self, record: PipelineRecord) -> None:
        values = PipelineRow.values_of(record)
        with translated(self.url), self._writer.begin() as conn:
            found = conn.execute(
                select(PipelineRow.name).where(PipelineRow.name == record.name)
            ).first()
            if found is None:
                conn.execute(insert(PipelineRow), [values])
            else:
                conn.execute(
                    update(PipelineRow)
                    .where(PipelineRow.name == record.name)
                    .values(**{k: v for k, v in values.items() if k != "name"})
                )

    def get_pipeline(self, name: str) -> PipelineRecord:
        with translated(self.url), self._read() as session:
            row = session.get(PipelineRow, name)
            if row is None:
                raise RecordNotFoundError(
                    f"No pipeline '{name}' in the store {self.url}. Start a run with: "
                    f"pipewarden runs start {name}"
                )
            return row.to_domain()

    def list_pipelines(self) -> list[PipelineRecord]:
        with translated(self.url), self._read() as session:
            rows = session.scalars(select(PipelineRow).order_by(PipelineRow.name))
            return [row.to_domain() for row in rows]

    # ------------------------------------------------------------------ runs
    def start_pipeline_run(self, run: PipelineRun) -> None:
        """Keep a new pipeline run (and any stages it already has)."""
        with translated(self.url), self._writer.begin() as conn:
            found = conn.execute(
                select(PipelineRow.name).where(PipelineRow.name == run.pipeline)
            ).first()
            if found is None:
                record = PipelineRecord(run.pipeline, updated_at=run.started_at)
                conn.execute(insert(PipelineRow), [PipelineRow.values_of(record)])
            conn.execute(insert(PipelineRunRow), [PipelineRunRow.values_of(run)])
            if run.stages:
                conn.execute(
                    insert(StageCheckpointRow),
                    [StageCheckpointRow.values_of(run.id, s) for s in run.stages],
                )

    def save_stage(self, pipeline_run_id: str, stage: StageCheckpoint) -> None:
        with translated(self.url), self._writer.begin() as conn:
            conn.execute(
                insert(StageCheckpointRow),
                [StageCheckpointRow.values_of(pipeline_run_id, stage)],
            )

    def finish_pipeline_run(
        self,
        run_id: str,
        *,
        status: str,
        finished_at: datetime,
        error_type: str | None = None,
        error_message: str | None = None,
        traceback: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "finished_at": finished_at}
        values.update(
            error_type=error_type, error_message=error_message, traceback=traceback
        )
        with translated(self.url), self._writer.begin() as conn:
            done = conn.execute(
                update(PipelineRunRow)
                .where(PipelineRunRow.id == run_id)
                .values(**values)
            )
        if done.rowcount == 0:
            raise self._not_found(run_id, "No pipeline run")

    def get_pipeline_run(self, run_id: str) -> PipelineRun:
        with translated(self.url), self._read() as session:
            row = session.scalar(_with_stages().where(PipelineRunRow.id == run_id))
            if row is None:
                row = self._by_prefix(session, run_id)
            return row.to_domain()

    def has_pipeline_run(self, run_id: str) -> bool:
        """Whether a pipeline run has this id, or is the only one with this prefix."""
        with translated(self.url), self._read() as session:
            ids = session.scalars(
                select(PipelineRunRow.id)
                .where(PipelineRunRow.id.startswith(run_id, autoescape=True))
                .limit(2)
            ).all()
            return run_id in ids or len(ids) == 1

    def list_pipeline_runs(
        self,
        *,
        pipeline: str | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = 100,
    ) -> list[PipelineRun]:
        query = _with_stages().order_by(
            PipelineRunRow.started_at.desc(), PipelineRunRow.id.desc()
        )
        if pipeline is not None:
            query = query.where(PipelineRunRow.pipeline == pipeline)
        if status is not None:
            query = query.where(PipelineRunRow.status == status)
        if since is not None:
            query = query.where(PipelineRunRow.started_at >= since)
        if until is not None:
            query = query.where(PipelineRunRow.started_at < until)
        if limit is not None:
            query = query.limit(limit)
        with translated(self.url), self._read() as session:
            return [row.to_domain() for row in session.scalars(query)]

    def _by_prefix(self, session: Session, prefix: str) -> PipelineRunRow:
        ids = session.scalars(
            select(PipelineRunRow.id)
            .where(PipelineRunRow.id.startswith(prefix, autoescape=True))
            .limit(2)
        ).all()
        if len(ids) != 1:
            raise self._not_found(
                prefix, "No pipeline run" if not ids else "More than one pipeline run"
            )
        row = session.scalar(_with_stages().where(PipelineRunRow.id == ids[0]))
        assert row is not None
        return row

    def _not_found(self, run_id: str, how: str) -> RecordNotFoundError:
        return RecordNotFoundError(
            f"{how} matches '{run_id}' in the store {self.url}. "
            "List them with: pipewarden runs list --pipeline NAME"
        )


def _with_stages() -> Select[PipelineRunRow]:
    return select(PipelineRunRow).options(selectinload(PipelineRunRow.stages))
