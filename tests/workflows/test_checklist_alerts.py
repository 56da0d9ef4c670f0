"""The checklist's run.* findings feed the alert rules: with an injected clock, a
missed and a failed run each open a sev2 alert for their pipeline (a late one does
not, by default), judging the same day again changes nothing, and the next run that
ran resolves it. Real SQLite and PostgreSQL stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipewarden.monitor.rules import RuleSet
from pipewarden.store import Store
from pipewarden.workflows.alerts import list_alerts
from pipewarden.workflows.checklist import checklist, schedule_pipeline
from pipewarden.workflows.pipeline import finish_pipeline_run, start_pipeline_run

AMS = "Europe/Amsterdam"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ran(store: Store, name: str, start: datetime, *, failed: bool = False) -> None:
    run = start_pipeline_run(name, store=store, now=start)
    finish_pipeline_run(
        run.id,
        store=store,
        failed=failed,
        error="disk full" if failed else None,
        now=start + timedelta(minutes=10),
    )


def kinds(found: object) -> list[tuple[str, str, str]]:
    return [
        (e.kind, e.alert.subject, e.alert.rule)
        for e in found.alerts  # type: ignore[attr-defined]
    ]


def test_missed_and_failed_runs_open_alerts_and_a_good_run_resolves_them(
    store: Store,
) -> None:
    for name in ("scores", "billing", "late"):
        schedule_pipeline(name, "0 6 * * *", timezone=AMS, grace="30m", store=store)
    # Sunday 2026-03-29, the day clocks go forward: 06:00 local is 04:00 UTC.
    ran(store, "billing", utc(2026, 3, 29, 4, 5), failed=True)
    ran(store, "late", utc(2026, 3, 29, 5, 10))
    early = checklist(date(2026, 3, 29), store=store, now=utc(2026, 3, 29, 4, 20))
    assert kinds(early) == [("opened", "pipeline:billing", "pipeline_runs")]
    day = checklist(date(2026, 3, 29), store=store, now=utc(2026, 3, 29, 12))
    assert kinds(day) == [("opened", "pipeline:scores", "pipeline_runs")]
    [scores, billing] = sorted(list_alerts(store), key=lambda a: a.subject)[::-1]
    assert (scores.subject, scores.check, scores.alert_severity) == (
        "pipeline:scores",
        "run.missed",
        "sev2",
    )
    assert scores.first_window == utc(2026, 3, 29, 4)
    assert scores.message.startswith(
        "Pipeline 'scores' was expected at 2026-03-29 06:00 CEST and did not start "
        "within its grace period (30 minutes)"
    )
    assert (billing.subject, billing.check) == ("pipeline:billing", "run.failed")
    assert "disk full" in billing.message

    again = checklist(date(2026, 3, 29), store=store, now=utc(2026, 3, 29, 13))
    assert again.alerts == ()
    assert len(list_alerts(store)) == 2

    for name in ("scores", "billing", "late"):
        ran(store, name, utc(2026, 3, 30, 4, 1))
    next_day = checklist(date(2026, 3, 30), store=store, now=utc(2026, 3, 30, 12))
    assert sorted(kinds(next_day)) == [
        ("resolved", "pipeline:billing", "pipeline_runs"),
        ("resolved", "pipeline:scores", "pipeline_runs"),
    ]
    assert list_alerts(store) == []
    assert {a.status for a in list_alerts(store, status="all")} == {"resolved"}


def test_a_rules_file_can_alert_on_late_runs_and_alerts_false_judges_none(
    store: Store, tmp_path: Path
) -> None:
    schedule_pipeline("late", "0 6 * * *", grace="30m", store=store)
    ran(store, "late", utc(2026, 11, 2, 7))
    quiet = checklist(
        date(2026, 11, 2), store=store, now=utc(2026, 11, 2, 12), alerts=False
    )
    assert [f.check for f in quiet.findings] == ["run.late"]
    assert quiet.alerts == () and list_alerts(store) == []
    default = checklist(date(2026, 11, 2), store=store, now=utc(2026, 11, 2, 12))
    assert default.alerts == ()  # a late run is a warning: no default rule
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - name: late_runs\n    check: 'run.late'\n"
        "    subject: 'pipeline:*'\n    min_severity: warning\n    severity: sev4\n",
        encoding="utf-8",
    )
    judged = checklist(
        date(2026, 11, 2), store=store, now=utc(2026, 11, 2, 12), rules=rules
    )
    assert kinds(judged) == [("opened", "pipeline:late", "late_runs")]
    assert RuleSet.load(rules).rules[0].name == "late_runs"
