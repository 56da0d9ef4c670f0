"""Reads for dashboards and scrapes: the newest run of every dataset, in a few queries.

What SqlStore delegates ``dataset_summaries``, ``column_readings`` and
``previous_run_id`` to. Plain grouped queries over the ``runs``, ``findings`` and
``metrics`` tables (the ``(dataset, started_at)`` index serves the newest-run
lookup); nothing here judges a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, and_, func, or_, select

from pipewarden.checks.findings import Severity
from pipewarden.store._errors import translated
from pipewarden.store.monitoring_tables import MonitorBatchRow
from pipewarden.store.overview_records import (
    ColumnReading,
    DatasetSummary,
    ModelTraffic,
)
from pipewarden.store.records import RunSummary
from pipewarden.store.tables import (
    DATASET_COLUMN,
    FindingRow,
    MetricRow,
    ModelRow,
    RunRow,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database

__all__ = ["OverviewQueries"]

_CHUNK = 500
"""Run ids per ``IN (...)`` list (SQLite allows 32,766 parameters; stay well below)."""


class OverviewQueries:
    """The overview part of a SqlStore, over the same database."""

    def __init__(self, database: Database, *, url: str) -> None:
        self.url = url
        self._database = database

    def dataset_summaries(self) -> list[DatasetSummary]:
        """Every dataset with its newest run and run count, by name."""
        newest = (
            select(
                RunRow.dataset,
                func.max(RunRow.started_at).label("newest"),
                func.count().label("runs"),
            )
            .group_by(RunRow.dataset)
            .subquery()
        )
        query = (
            select(*RunRow.__table__.columns, newest.c.runs)
            .join(
                newest,
                and_(
                    RunRow.dataset == newest.c.dataset,
                    RunRow.started_at == newest.c.newest,
                ),
            )
            .order_by(RunRow.dataset, RunRow.id.desc())
        )
        with translated(self.url), self._database.connect() as conn:
            rows = conn.execute(query).all()
            latest: dict[str, tuple[RunSummary, int]] = {}
            for row in rows:
                if row.dataset not in latest:  # same start: the larger id wins
                    latest[row.dataset] = (_summary(row), int(row.runs))
            counts = self._severity_counts(conn, [s.id for s, _ in latest.values()])
        return [
            DatasetSummary(name, runs, summary, counts.get(summary.id) or _zero())
            for name, (summary, runs) in latest.items()
        ]

    def column_readings(
        self,
        run_ids: Sequence[str],
        *,
        metrics: Sequence[str] = ("null_rate",),
        finding_prefix: str | None = "drift.",
    ) -> list[ColumnReading]:
        """Per-column numbers of some runs: the named metric points, and the numeric
        values of findings whose check starts with ``finding_prefix``."""
        out: list[ColumnReading] = []
        with translated(self.url), self._database.connect() as conn:
            for chunk in _chunks(run_ids):
                points = select(
                    MetricRow.run_id,
                    MetricRow.column_name,
                    MetricRow.metric,
                    MetricRow.value,
                ).where(
                    MetricRow.run_id.in_(chunk),
                    MetricRow.metric.in_(list(metrics)),
                    MetricRow.column_name != DATASET_COLUMN,
                )
                out.extend(ColumnReading(*row) for row in conn.execute(points))
                if finding_prefix is None:
                    continue
                found = select(
                    FindingRow.run_id,
                    FindingRow.column_name,
                    FindingRow.check,
                    FindingRow.value,
                    FindingRow.segment,
                ).where(
                    FindingRow.run_id.in_(chunk),
                    FindingRow.check.startswith(finding_prefix, autoescape=True),
                    FindingRow.column_name.is_not(None),
                )
                # (segment is JSON: a missing one may be SQL NULL or JSON null)
                for run_id, column, check, value, segment in conn.execute(found):
                    if segment:
                        continue
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        out.append(ColumnReading(run_id, column, check, float(value)))
        return out

    def previous_run_id(
        self, dataset: str, before: datetime, run_id: str
    ) -> str | None:
        """The run of ``dataset`` just before the one at ``before`` with id ``run_id``."""
        query = (
            select(RunRow.id)
            .where(
                RunRow.dataset == dataset,
                or_(
                    RunRow.started_at < before,
                    and_(RunRow.started_at == before, RunRow.id < run_id),
                ),
            )
            .order_by(RunRow.started_at.desc(), RunRow.id.desc())
            .limit(1)
        )
        with translated(self.url), self._database.connect() as conn:
            found = conn.execute(query).scalar()
        return None if found is None else str(found)

    def model_traffic(self) -> list[ModelTraffic]:
        """Every registered model version with what its batches stored, by name
        then version (one grouped query over the batches, none over the rows)."""
        batch = MonitorBatchRow
        query = (
            select(
                ModelRow.name,
                ModelRow.version,
                ModelRow.registered_at,
                ModelRow.task,
                batch.kind,
                func.count(batch.id),
                func.sum(batch.stored),
                func.max(batch.id),
                func.max(batch.logged_at),
            )
            .select_from(ModelRow)
            .outerjoin(batch, batch.model_id == ModelRow.id)
            .group_by(
                ModelRow.name,
                ModelRow.version,
                ModelRow.registered_at,
                ModelRow.task,
                batch.kind,
            )
            .order_by(ModelRow.name, ModelRow.version)
        )
        found: dict[tuple[str, str], dict[str, Any]] = {}
        with translated(self.url), self._database.connect() as conn:
            for row in conn.execute(query):
                name, version, registered, task, kind, n, stored, last, at = row
                one = found.setdefault(
                    (name, version),
                    {
                        "name": name,
                        "version": version,
                        "registered_at": registered,
                        "task": task,
                    },
                )
                if kind is None:
                    continue
                one[kind] = int(stored or 0)
                one["batches"] = one.get("batches", 0) + int(n)
                if last is not None and (one.get("last_batch") or -1) < last:
                    one["last_batch"] = int(last)
                if at is not None and (
                    one.get("last_logged_at") is None or one["last_logged_at"] < at
                ):
                    one["last_logged_at"] = at
        return [ModelTraffic(**values) for values in found.values()]

    @staticmethod
    def _severity_counts(
        conn: Connection, run_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for chunk in _chunks(run_ids):
            query = (
                select(FindingRow.run_id, FindingRow.severity, func.count())
                .where(FindingRow.run_id.in_(chunk))
                .group_by(FindingRow.run_id, FindingRow.severity)
            )
            for run_id, severity, n in conn.execute(query):
                found = counts.get(run_id)
                if found is None:
                    found = counts[run_id] = _zero()
                found[severity] = int(n)
        return counts


_SEVERITIES = tuple(severity.value for severity in Severity)


def _zero() -> dict[str, int]:
    return dict.fromkeys(_SEVERITIES, 0)


def _chunks(values: Sequence[str]) -> list[list[str]]:
    items = list(values)
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _summary(row: Row[Any, *tuple[Any, ...]]) -> RunSummary:
    get = row._mapping
    return RunSummary(
        id=get["id"],
        dataset=get["dataset"],
        status=get["status"],
        started_at=get["started_at"],
        finished_at=get["finished_at"],
        rows=get["rows"],
        errors=get["errors"],
        warnings=get["warnings"],
        contract_digest=get["contract_digest"],
        environment_digest=get["environment_digest"],
        code_commit=get["code_commit"],
        code_dirty=get["code_dirty"],
    )
