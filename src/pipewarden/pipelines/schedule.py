"""Schedules: when a pipeline is expected to start, and whether it did.

A schedule is a cron expression read in the pipeline's time zone, with a grace
period. Expected times are computed on the zone's wall clock (croniter over local
times, then converted with zoneinfo), so a daily 06:00 job stays at 06:00 local
across daylight-saving changes: a time that does not exist (spring forward) moves
forward by the gap; a time that exists twice (fall back) counts once, the first.

Each expected time becomes a :class:`Slot` judged at ``now``: ``ran``, ``running``,
``late`` (started after the grace period), ``failed``, ``missed`` (no start by the
end of the grace period) or ``scheduled`` (not due yet). Late, missed and failed
slots give ``run.late``, ``run.missed`` and ``run.failed`` findings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from pipewarden import _text
from pipewarden.checks import codes
from pipewarden.checks.findings import Finding, Severity
from pipewarden.errors import ConfigError
from pipewarden.store.pipeline_records import PipelineRecord, PipelineRun

__all__ = [
    "EARLY",
    "Slot",
    "expected_times",
    "judge_slots",
    "parse_duration",
    "validate_schedule",
    "zone",
]

EARLY = timedelta(minutes=5)
"""A run that starts this much before its expected time still belongs to it."""
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """``30m``, ``1h30m``, ``90s``, ``2d`` (or a number of seconds) as a timedelta.

    Raises:
        ConfigError: The text is not a duration.
    """
    cleaned = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        return timedelta(seconds=float(cleaned))
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise ConfigError(
            f"'{text}' is not a duration. Use e.g. 30m, 1h30m, 90s or 2d."
        )
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def zone(name: str) -> ZoneInfo:
    """The IANA time zone, or a ConfigError saying how to name one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"'{name}' is not a time zone. Use an IANA name such as UTC or "
            "Europe/Amsterdam."
        ) from exc


def validate_schedule(cron: str, timezone: str, grace: timedelta) -> None:
    """Raise ConfigError when the cron expression, zone or grace is unusable."""
    if not croniter.is_valid(cron):
        raise ConfigError(
            f"'{cron}' is not a cron expression. Use five fields: minute hour "
            'day-of-month month day-of-week, e.g. "0 6 * * *" for 06:00 daily.'
        )
    zone(timezone)
    if grace < timedelta(0):
        raise ConfigError("The grace period cannot be negative. Use e.g. 30m.")


def expected_times(
    cron: str, timezone: str, start: datetime, end: datetime
) -> list[datetime]:
    """Expected start times in [start, end), in UTC, computed on the zone's clock."""
    tz = zone(timezone)
    local = start.astimezone(tz).replace(tzinfo=None) - timedelta(hours=3)
    times = croniter(cron, local - timedelta(seconds=1))
    found: list[datetime] = []
    while True:
        wall: datetime = times.get_next(datetime)
        moment = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        if moment >= end:
            return found
        if moment >= start and (not found or moment > found[-1]):
            found.append(moment)


@dataclass(frozen=True, slots=True)
class Slot:
    """One expected start of a pipeline, and what happened.

    Attributes:
        pipeline: Pipeline name.
        expected_at: Expected start (UTC).
        timezone: The pipeline's zone (for showing ``expected_at`` locally).
        status: ran, running, late, failed, missed or scheduled.
        run: The pipeline run that filled the slot, if any.
        grace: The pipeline's grace period.
    """

    pipeline: str
    expected_at: datetime | None
    timezone: str
    status: str
    run: PipelineRun | None
    grace: timedelta

    @property
    def local_time(self) -> str:
        if self.expected_at is None:
            return "-"
        return self.expected_at.astimezone(zone(self.timezone)).strftime(
            "%Y-%m-%d %H:%M %Z"
        )

    @property
    def finding(self) -> Finding | None:
        """The ``run.*`` finding of a late, missed or failed slot."""
        name = self.pipeline
        grace = _text.duration(self.grace.total_seconds())
        segment = {"pipeline": name}
        if self.status == "missed":
            return Finding(
                codes.RUN_MISSED,
                None,
                Severity.ERROR,
                f"Pipeline '{name}' was expected at {self.local_time} and did not "
                f"start within its grace period ({grace}). Check its scheduler.",
                value=_iso(self.expected_at),
                threshold=self.grace.total_seconds(),
                segment=segment,
            )
        if self.status == "failed" and self.run is not None:
            why = self.run.error_message or "no error message"
            kind = f"{self.run.error_type}: " if self.run.error_type else ""
            return Finding(
                codes.RUN_FAILED,
                None,
                Severity.ERROR,
                f"Pipeline '{name}' run {self.run.id} failed: {kind}{why}. "
                f"See: pipewarden runs show {self.run.id}",
                value=self.run.id,
                segment=segment,
            )
        if self.status == "late" and self.run is not None:
            assert self.expected_at is not None
            delay = (self.run.started_at - self.expected_at).total_seconds()
            return Finding(
                codes.RUN_LATE,
                None,
                Severity.WARNING,
                f"Pipeline '{name}' started {_text.duration(delay)} after its expected "
                f"time {self.local_time} (grace {grace}).",
                value=delay,
                threshold=self.grace.total_seconds(),
                segment=segment,
            )
        return None

    def to_dict(self) -> dict[str, Any]:
        finding = self.finding
        run = self.run
        return {
            "pipeline": self.pipeline,
            "expected_at": _iso(self.expected_at),
            "expected_local": self.local_time,
            "status": self.status,
            "run": None if run is None else run.id,
            "started_at": None if run is None else _iso(run.started_at),
            "duration_seconds": None
            if run is None or run.duration is None
            else run.duration.total_seconds(),
            "finding": None if finding is None else finding.to_dict(),
        }


def judge_slots(
    pipeline: PipelineRecord,
    runs: Sequence[PipelineRun],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Slot]:
    """The pipeline's expected starts in [start, end), each judged at ``now``.

    Args:
        pipeline: The pipeline and its schedule (none: no slots).
        runs: Its runs around the window (any order).
        start: Window start (UTC).
        end: Window end (UTC).
        now: The time the slots are judged at.
    """
    if pipeline.schedule is None:
        return []
    times = expected_times(pipeline.schedule, pipeline.timezone, start, end)
    if not times:
        return []
    after = expected_times(
        pipeline.schedule,
        pipeline.timezone,
        times[-1] + timedelta(seconds=1),
        times[-1] + timedelta(days=400),
    )
    bounds = [*times, after[0] if after else times[-1] + timedelta(days=366)]
    ordered = sorted(runs, key=lambda r: r.started_at)
    used: set[str] = set()
    slots = []
    for expected, following in zip(bounds, bounds[1:], strict=False):
        run = next(
            (
                r
                for r in ordered
                if r.id not in used
                and expected - EARLY <= r.started_at < following - EARLY
            ),
            None,
        )
        if run is not None:
            used.add(run.id)
        status = _status(run, expected, pipeline.grace, now)
        slots.append(
            Slot(
                pipeline.name, expected, pipeline.timezone, status, run, pipeline.grace
            )
        )
    return slots


def _status(
    run: PipelineRun | None, expected: datetime, grace: timedelta, now: datetime
) -> str:
    if run is None:
        return "scheduled" if now < expected + grace else "missed"
    if run.status == "failed":
        return "failed"
    if run.started_at > expected + grace:
        return "late"
    return "running" if run.status == "running" else "ran"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
