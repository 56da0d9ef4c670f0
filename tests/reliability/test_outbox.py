"""The notification outbox while the receiver is down, across a server restart, and
with a receiver that hangs or answers 500: every notification delivered once the
receiver is back, none twice, each attempt bounded by the channel's timeout."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _faults as faults

from pipewarden.monitor.notify import deliver_outbox
from pipewarden.store import open_store

ALERTS = 4


def event_ids(url: str) -> list[int]:
    with open_store(url) as store:
        return sorted(int(item.event_id or -1) for item in store.list_outbox())


def min_attempts(url: str) -> int:
    with open_store(url) as store:
        return min(item.attempts for item in store.list_outbox())


def test_receiver_down_then_server_restarted(store_url: str, tmp_path: Path) -> None:
    receiver = faults.Receiver()  # not started: its port refuses connections
    faults.open_alerts(store_url, ALERTS, receiver, backoff="0.3s")
    expected = event_ids(store_url)
    assert len(expected) == ALERTS
    served = faults.serve(store_url, tmp_path, "--background-seconds", "0.2")
    try:
        assert faults.wait_for(lambda: min_attempts(store_url) >= 2, 30), (
            faults.outbox(store_url)
        )
    finally:
        served.stop()  # the server restarts while the receiver is still down
    down = faults.outbox(store_url)
    assert down.get("sent", 0) == 0 and down["pending"] == ALERTS
    receiver.start()
    served = faults.serve(store_url, tmp_path, "--background-seconds", "0.2")
    try:
        assert faults.wait_for(
            lambda: faults.outbox(store_url).get("sent") == ALERTS, 60
        ), faults.outbox(store_url)
        time.sleep(1.0)  # a few more ticks: nothing may be sent again
    finally:
        served.stop()
        receiver.stop()
    assert sorted(receiver.accepted) == expected  # each once: none lost, none doubled


def test_hanging_receiver_is_bounded_and_retried(store_url: str) -> None:
    receiver = faults.Receiver()
    receiver.mode = "hang"
    receiver.start()
    try:
        faults.open_alerts(store_url, 2, receiver, backoff="1s", timeout=0.5)
        now = datetime.now(UTC)
        with open_store(store_url) as store:
            started = time.monotonic()
            report = deliver_outbox(store, now=now, environ={})
            took = time.monotonic() - started
            alerts = store.list_alerts()
            items = store.list_outbox()
        assert report.sent == 0 and report.retrying == 2
        assert all("no answer within 0.5 s" in e for e in report.errors)
        assert took < 2 * 0.5 + 3  # two attempts of at most the timeout each
        assert len(alerts) == 2  # the alerts are recorded whatever the receiver does
        assert {i.attempts for i in items} == {1}
        assert {i.next_attempt_at - now for i in items} == {timedelta(seconds=1)}
        receiver.mode = "500"
        with open_store(store_url) as store:
            report = deliver_outbox(store, now=now + timedelta(seconds=1), environ={})
            items = store.list_outbox()
        assert report.retrying == 2 and all("HTTP 500" in e for e in report.errors)
        # the wait doubled after the second failure
        assert {i.next_attempt_at - now for i in items} == {timedelta(seconds=3)}
        receiver.mode = "ok"
        with open_store(store_url) as store:
            report = deliver_outbox(store, now=now + timedelta(seconds=3), environ={})
            again = deliver_outbox(store, now=now + timedelta(hours=2), environ={})
        assert report.sent == 2 and again.sent == 0
        assert sorted(receiver.accepted) == event_ids(store_url)
    finally:
        receiver.stop()
