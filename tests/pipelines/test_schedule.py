"""Schedules: expected times on the zone's clock across DST, and run.* findings
judged with an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipewarden.errors import ConfigError
from pipewarden.pipelines.schedule import expected_times, parse_duration
from pipewarden.store import open_store
from pipewarden.workflows.checklist import checklist, schedule_pipeline
from pipewarden.workflows.pipeline import finish_pipeline_run, start_pipeline_run

AMS = "Europe/Amsterdam"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_daily_job_stays_at_six_local_across_spring_forward() -> None:
    # 2026-03-29: clocks go from 02:00 CET (+1) to 03:00 CEST (+2).
    times = expected_times("0 6 * * *", AMS, utc(2026, 3, 27), utc(2026, 3, 31))
    assert times == [
        utc(2026, 3, 27, 5),
        utc(2026, 3, 28, 5),
        utc(2026, 3, 29, 4),
        utc(2026, 3, 30, 4),
    ]


def test_a_time_in_the_gap_moves_forward_and_a_doubled_time_counts_once() -> None:
    spring = expected_times("30 2 * * *", AMS, utc(2026, 3, 28), utc(2026, 3, 30))
    assert spring == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30)]  # 03:30 CEST
    autumn = expected_times("30 2 * * *", AMS, utc(2026, 10, 24), utc(2026, 10, 27))
    # 2026-10-25 02:30 happens twice (CEST then CET): the first one counts.
    assert autumn == [
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
    ]
    hourly = expected_times(
        "0 * * * *", AMS, utc(2026, 10, 24, 22), utc(2026, 10, 25, 23)
    )
    assert len(hourly) == 24  # 25 hours on the clock, 24 distinct wall-clock hours


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("1h30m", 5400), ("90s", 90), ("2d", 172800), ("45", 45)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("cron", "zone", "grace", "message"),
    [
        ("0 25 * * *", "UTC", "30m", "'0 25 * * *' is not a cron expression."),
        ("0 6 * * *", "Mars/Olympus", "30m", "'Mars/Olympus' is not a time zone."),
        ("0 6 * * *", "UTC", "soon", "'soon' is not a duration."),
    ],
)
def test_bad_schedules_are_one_line_errors(
    tmp_path: Path, cron: str, zone: str, grace: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        schedule_pipeline(
            "p",
            cron,
            timezone=zone,
            grace=grace,
            store=f"sqlite:///{tmp_path / 's.db'}",
        )
    assert str(caught.value).startswith(message)


def test_missed_late_and_failed_runs_across_the_dst_change(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as store:
        for name in ("on_time", "late", "missed", "failed"):
            schedule_pipeline(name, "0 6 * * *", timezone=AMS, grace="30m", store=store)
        # Monday 2026-03-30, the day after the change: 06:00 local is 04:00 UTC.
        for name, start, failed in (
            ("on_time", utc(2026, 3, 30, 4, 10), False),
            ("late", utc(2026, 3, 30, 5, 10), False),  # 06:00 local by winter time
            ("failed", utc(2026, 3, 30, 4, 0), True),
        ):
            run = start_pipeline_run(name, store=store, now=start)
            finish_pipeline_run(
                run.id,
                store=store,
                failed=failed,
                error="boom" if failed else None,
                now=start + timedelta(minutes=20),
            )
        before_grace = checklist(
            date(2026, 3, 30), store=store, now=utc(2026, 3, 30, 4, 20)
        )
        after = checklist(date(2026, 3, 30), store=store, now=utc(2026, 3, 30, 12))
    status = {r.slot.pipeline: r.slot.status for r in after.rows}
    assert status == {
        "on_time": "ran",
        "late": "late",
        "missed": "missed",
        "failed": "failed",
    }
    assert {r.slot.pipeline: r.slot.status for r in before_grace.rows}[
        "missed"
    ] == "scheduled"
    found = {(f.check, f.segment["pipeline"]) for f in after.findings}  # type: ignore[index]
    assert found == {
        ("run.late", "late"),
        ("run.missed", "missed"),
        ("run.failed", "failed"),
    }
    late = next(f for f in after.findings if f.check == "run.late")
    assert late.value == 70 * 60 and late.threshold == 30 * 60
    assert late.message == (
        "Pipeline 'late' started 70 minutes after its expected time 2026-03-30 06:00 CEST "
        "(grace 30 minutes)."
    )
