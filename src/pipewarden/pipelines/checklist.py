"""The day's checklist: which scheduled pipelines ran, are running, late, failed or
missed, as the maintenance staff keep it by hand today.

One row per expected start on the day (in each pipeline's own zone), plus a row per
run of a pipeline without a schedule; each with its duration, the pipeline's last
success and its open findings (the ``run.*`` finding and the stages that did not
pass).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from pipewarden.checks.findings import Finding
from pipewarden.pipelines.schedule import Slot, judge_slots, zone
from pipewarden.store.pipeline_records import PipelineRecord, PipelineRun

__all__ = ["Checklist", "ChecklistRow", "build_checklist", "day_window"]

ORDER = {"failed": 0, "missed": 1, "late": 2, "running": 3, "scheduled": 4, "ran": 5}


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    """One line of the checklist."""

    slot: Slot
    last_success: datetime | None
    stage_problems: tuple[str, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        finding = self.slot.finding
        return () if finding is None else (finding,)

    @property
    def open_findings(self) -> list[str]:
        return [f.check for f in self.findings] + list(self.stage_problems)

    def to_dict(self) -> dict[str, Any]:
        out = self.slot.to_dict()
        out["last_success"] = (
            None if self.last_success is None else self.last_success.isoformat()
        )
        out["open_findings"] = self.open_findings
        return out


@dataclass(frozen=True, slots=True)
class Checklist:
    """The checklist of one day, judged at ``now``.

    Attributes:
        day: The day.
        now: When the rows were judged.
        rows: One per expected start (and per run of an unscheduled pipeline).
        alerts: The alert transitions its ``run.*`` findings made (events with a
            ``to_dict()``, see ``pipewarden.monitor.alerts.AlertEvent``), when the
            checklist was judged by the alert rules.
    """

    day: date
    now: datetime
    rows: tuple[ChecklistRow, ...]
    alerts: tuple[Any, ...] = ()

    @property
    def findings(self) -> list[Finding]:
        return [f for row in self.rows for f in row.findings]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.slot.status == status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "now": self.now.isoformat(),
            "rows": [row.to_dict() for row in self.rows],
            "findings": [f.to_dict() for f in self.findings],
            "alerts": [event.to_dict() for event in self.alerts],
        }


def day_window(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The local day in a zone, as a UTC-aware [start, end)."""
    tz = zone(timezone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def build_checklist(
    day: date,
    pipelines: Sequence[PipelineRecord],
    runs: Mapping[str, Sequence[PipelineRun]],
    last_success: Mapping[str, datetime | None],
    *,
    now: datetime,
) -> Checklist:
    """The checklist of ``day`` (see the module docstring).

    Args:
        day: The day, read in each pipeline's zone.
        pipelines: Every pipeline.
        runs: Pipeline name -> its runs around the day (a day either side).
        last_success: Pipeline name -> start of its newest successful run.
        now: The time the rows are judged at.
    """
    rows: list[ChecklistRow] = []
    for pipeline in pipelines:
        start, end = day_window(day, pipeline.timezone)
        theirs = list(runs.get(pipeline.name, ()))
        if pipeline.schedule is not None:
            slots = judge_slots(pipeline, theirs, start=start, end=end, now=now)
        else:
            slots = [
                Slot(
                    pipeline.name,
                    None,
                    pipeline.timezone,
                    _unscheduled(r),
                    r,
                    pipeline.grace,
                )
                for r in theirs
                if start <= r.started_at < end
            ]
        for slot in slots:
            rows.append(
                ChecklistRow(slot, last_success.get(pipeline.name), _problems(slot))
            )
    rows.sort(key=lambda r: (ORDER.get(r.slot.status, 9), r.slot.pipeline))
    return Checklist(day, now, tuple(rows))


def _unscheduled(run: PipelineRun) -> str:
    return "ran" if run.status == "success" else run.status


def _problems(slot: Slot) -> tuple[str, ...]:
    if slot.run is None:
        return ()
    return tuple(
        f"stage {s.stage}: {s.status}"
        for s in slot.run.stages
        if s.status not in ("pass", "warn")
    )
