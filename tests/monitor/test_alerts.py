from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pipewarden._severity import Severity
from pipewarden.errors import AlertError, RecordNotFoundError, StoreError
from pipewarden.monitor.alerts import (
    acknowledge_alert,
    escalate_alerts,
    resolve_alert,
    sync_alerts,
)
from pipewarden.monitor.channels import WebhookChannel
from pipewarden.monitor.rules import Observation, Rule, RuleSet
from pipewarden.store import Store
from pipewarden.store.alert_records import AlertEventRecord

T0 = datetime(2026, 3, 2, tzinfo=UTC)
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
MODEL = "model:price:1"
HOOK = WebhookChannel("ops", url="http://127.0.0.1:9/hook")


def _w(i: int) -> datetime:
    return T0 + timedelta(days=7 * i)


def _mae(i: int, value: float) -> Observation:
    return Observation(MODEL, _w(i), "perf.mae", value=value, baseline=2.0)


def _sync(
    store: Store, rules: RuleSet, observations: list[Observation], now: datetime = NOW
) -> list[tuple[str, str, int | None]]:
    events = sync_alerts(
        store, rules, rules.evaluate(observations), observations, now=now
    )
    return [(e.kind, e.alert.rule, e.alert.id) for e in events]


def test_one_alert_per_rule_and_subject_updated_then_resolved(store: Store) -> None:
    rules = replace(RuleSet.default(), notify=(HOOK,))
    weeks = [_mae(0, 2.1), _mae(1, 2.6), _mae(2, 2.7), _mae(3, 2.2)]

    events = _sync(store, rules, weeks)

    [alert] = store.list_alerts()
    assert events == [
        ("opened", "mae_warning", alert.id),
        ("resolved", "mae_warning", alert.id),
    ]
    assert alert.status == "resolved"
    assert alert.hits == 2
    assert (alert.first_window, alert.last_window, alert.resolved_window) == (
        _w(1),
        _w(2),
        _w(3),
    )
    assert alert.message == (
        "MAE 2.7 is 1.35× the baseline 2 (rule 'mae_warning': ≥ 1.25×) for 2 windows"
    )
    assert alert.resolved_by == "pipewarden" and alert.resolved_at == NOW
    history = store.list_alert_events(alert.id)
    assert [(e.kind, e.by, e.at) for e in history] == [
        ("opened", "pipewarden", NOW),
        ("resolved", "pipewarden", NOW),
    ]
    assert history[1].message == (
        "The condition cleared in the window of 2026-03-23T00:00:00+00:00."
    )
    outbox = store.list_outbox()
    assert [(o.channel, o.payload["event"], o.alert_id) for o in outbox] == [
        ("ops", "opened", alert.id),
        ("ops", "resolved", alert.id),
    ]
    # the same evaluation again changes nothing
    assert _sync(store, rules, weeks) == []
    assert len(store.list_alerts()) == 1 and len(store.list_outbox()) == 2


def test_a_later_hit_after_resolution_opens_a_new_alert(store: Store) -> None:
    rules = RuleSet.default()
    _sync(store, rules, [_mae(0, 2.6), _mae(1, 2.0)])
    events = _sync(store, rules, [_mae(1, 2.0), _mae(2, 3.5)])
    assert [(kind, rule) for kind, rule, _ in events] == [("opened", "mae_error")]
    alerts = store.list_alerts()
    assert [(a.rule, a.status) for a in alerts] == [
        ("mae_error", "open"),
        ("mae_warning", "resolved"),
    ]


def test_a_milder_alert_stays_open_while_a_severe_rule_hides_its_hits(
    store: Store,
) -> None:
    rules = RuleSet.default()
    _sync(store, rules, [_mae(0, 2.6), _mae(1, 3.2), _mae(2, 2.6)])
    by_rule = {a.rule: a for a in store.list_alerts()}
    warning, error = by_rule["mae_warning"], by_rule["mae_error"]
    assert (warning.status, warning.hits, warning.last_window) == ("open", 2, _w(2))
    assert (error.status, error.resolved_window) == ("resolved", _w(2))


def test_repeated_hits_count_without_new_events(store: Store) -> None:
    rules = RuleSet.default()
    _sync(store, rules, [_mae(0, 2.6)])
    _sync(store, rules, [_mae(1, 2.7)], now=NOW + timedelta(hours=1))
    _sync(store, rules, [_mae(2, 2.8)], now=NOW + timedelta(hours=2))
    [alert] = store.list_alerts()
    assert (alert.hits, alert.last_window, alert.status) == (3, _w(2), "open")
    assert [e.kind for e in store.list_alert_events()] == ["opened"]
    assert alert.opened_at == NOW


def test_windows_without_a_judgement_do_not_resolve(store: Store) -> None:
    rules = RuleSet.default()
    _sync(store, rules, [_mae(0, 2.6)])
    no_labels = Observation(MODEL, _w(1), "perf.mae", value=None, baseline=2.0)
    other_subject = Observation(
        "model:other:1", _w(1), "perf.mae", value=1.0, baseline=2.0
    )
    assert _sync(store, rules, [no_labels, other_subject]) == []
    assert store.list_alerts()[0].status == "open"


def test_the_database_refuses_a_second_unresolved_alert(store: Store) -> None:
    rules = RuleSet.default()
    _sync(store, rules, [_mae(0, 2.6)])
    [alert] = store.list_alerts()
    twin = replace(alert, id=None, version=0)
    opened = AlertEventRecord("opened", NOW, "pipewarden", "twin")
    with pytest.raises(StoreError, match="already holds an unresolved alert of rule"):
        store.save_alert(twin, opened)
    resolve_alert(store, alert.id or 0, by="ana", now=NOW)
    stored, _ = store.save_alert(twin, opened)  # resolved ones do not count
    assert stored.id != alert.id


def test_a_stale_version_is_refused(store: Store) -> None:
    _sync(store, RuleSet.default(), [_mae(0, 2.6)])
    [alert] = store.list_alerts()
    acknowledge_alert(store, alert.id or 0, by="ana", now=NOW)
    with pytest.raises(StoreError, match=f"Alert {alert.id} changed in the store"):
        store.save_alert(replace(alert, hits=5), None)


def test_acknowledge_and_resolve_record_who_and_when(store: Store) -> None:
    rules = replace(RuleSet.default(), notify=(HOOK,))
    _sync(store, rules, [_mae(0, 3.5)])
    [alert] = store.list_alerts()
    assert alert.alert_severity == "sev2" and alert.due_at == NOW + timedelta(hours=24)
    later = NOW + timedelta(hours=2)

    acked = acknowledge_alert(store, alert.id or 0, by="  ana ", now=later)
    assert (acked.alert.status, acked.alert.acknowledged_by) == ("acknowledged", "ana")
    assert acked.alert.due_at is None
    with pytest.raises(AlertError, match="is acknowledged already"):
        acknowledge_alert(store, alert.id or 0, by="bo", now=later)

    done = resolve_alert(store, alert.id or 0, by="bo", now=later + timedelta(hours=1))
    assert (done.alert.status, done.alert.resolved_by) == ("resolved", "bo")
    assert [(e.kind, e.by) for e in store.list_alert_events(alert.id)] == [
        ("opened", "pipewarden"),
        ("acknowledged", "ana"),
        ("resolved", "bo"),
    ]
    # acknowledgements are not sent anywhere
    assert [o.payload["event"] for o in store.list_outbox()] == ["opened", "resolved"]
    with pytest.raises(AlertError, match=f"Alert {alert.id} is resolved already"):
        resolve_alert(store, alert.id or 0, by="bo", now=later)
    with pytest.raises(RecordNotFoundError, match="No alert 999"):
        acknowledge_alert(store, 999, by="bo", now=later)
    with pytest.raises(AlertError, match="empty"):
        resolve_alert(store, alert.id or 0, by=" ", now=later)


def test_escalation_follows_the_deadline_with_an_injected_clock(store: Store) -> None:
    rules = replace(RuleSet.default(), notify=(HOOK,))
    _sync(store, rules, [_mae(0, 3.5)])  # sev2: 24 hours
    [alert] = store.list_alerts()

    assert escalate_alerts(store, now=NOW + timedelta(hours=23, minutes=59)) == []
    first = escalate_alerts(store, now=NOW + timedelta(hours=24))
    assert [(e.kind, e.alert.escalation_level) for e in first] == [("escalated", 1)]
    assert first[0].event.message == (
        "Unacknowledged for 24.0 hours (deadline 24.0 hours for sev2): "
        "escalated to level 1."
    )
    assert first[0].alert.due_at == NOW + timedelta(hours=48)
    assert escalate_alerts(store, now=NOW + timedelta(hours=47)) == []
    skipped = escalate_alerts(store, now=NOW + timedelta(hours=73))
    assert [e.alert.escalation_level for e in skipped] == [3]
    assert skipped[0].alert.due_at == NOW + timedelta(hours=96)

    acknowledge_alert(store, alert.id or 0, by="ana", now=NOW + timedelta(hours=74))
    assert escalate_alerts(store, now=NOW + timedelta(days=30)) == []
    kinds = [o.payload["event"] for o in store.list_outbox()]
    assert kinds == ["opened", "escalated", "escalated"]


def test_deadlines_come_from_the_rules_and_sev4_never_escalates(store: Store) -> None:
    rules = RuleSet(
        (
            Rule("quick", "perf.mae", above=3, severity="sev1"),
            Rule("never", "drift.*", min_severity=Severity.ERROR, severity="sev4"),
        ),
        escalation={"sev1": timedelta(minutes=30), "sev4": None},
    )
    drift = Observation(MODEL, _w(0), "drift.ks", severity=Severity.ERROR, column="x")
    _sync(store, rules, [_mae(0, 3.5), drift])
    by_rule = {a.rule: a for a in store.list_alerts()}
    assert by_rule["quick"].due_at == NOW + timedelta(minutes=30)
    assert by_rule["never"].due_at is None
    events = escalate_alerts(store, now=NOW + timedelta(days=365))
    assert [e.alert.rule for e in events] == ["quick"]


def test_sync_escalates_what_is_overdue(store: Store) -> None:
    rules = RuleSet.default()
    _sync(store, rules, [_mae(0, 3.5)])
    events = _sync(store, rules, [_mae(1, 3.6)], now=NOW + timedelta(hours=25))
    assert [kind for kind, _, _ in events] == ["escalated"]
    [alert] = store.list_alerts()
    assert alert.hits == 2 and alert.escalation_level == 1


def test_dataset_findings_open_and_resolve_alerts(store: Store) -> None:
    rules = RuleSet.default()
    run1 = [
        Observation("dataset:orders", _w(0), "run.recorded"),
        Observation(
            "dataset:orders",
            _w(0),
            "schema.missing_column",
            severity=Severity.ERROR,
            message="Column 'id' is missing.",
            column="id",
        ),
    ]
    run2 = [Observation("dataset:orders", _w(1), "run.recorded")]
    assert [k for k, _, _ in _sync(store, rules, run1)] == ["opened"]
    assert [k for k, _, _ in _sync(store, rules, run2)] == ["resolved"]
    [alert] = store.list_alerts()
    assert (alert.rule, alert.check, alert.column) == (
        "dataset_errors",
        "schema.missing_column",
        "id",
    )
