"""Notifications against real receivers on 127.0.0.1: an HTTP server in a thread and
an aiosmtpd SMTP server. The clock is injected; nothing sleeps."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pipewarden.monitor.alerts import sync_alerts
from pipewarden.monitor.channels import Channel, EmailChannel, WebhookChannel
from pipewarden.monitor.notify import deliver_outbox
from pipewarden.monitor.rules import Observation, RuleSet
from pipewarden.store import Store, open_store

T0 = datetime(2026, 5, 4, tzinfo=UTC)
NOW = datetime(2026, 5, 11, 8, 0, tzinfo=UTC)
MODEL = "model:price:2"
OBSERVATION = Observation(MODEL, T0, "perf.mae", value=3.4, baseline=2.0)
TEXT = (
    "[sev2] Alert 1 opened: model:price:2: MAE 3.4 is 1.7× the baseline 2 "
    "(rule 'mae_error': ≥ 1.5×) Acknowledge with: pipewarden alerts ack 1"
)


@dataclass
class Receiver:
    """What the HTTP receiver got, and how it answers."""

    fail_first: int = 0
    hang: threading.Event | None = None
    bodies: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.hang is not None:
                state.hang.wait(10)  # longer than the channel's timeout
            state.bodies.append(json.loads(body))
            failing = len(state.bodies) <= state.fail_first
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if state.hang is not None:
            state.hang.set()
        server.shutdown()
        server.server_close()


def _open_alert(store: Store, *channels: Channel) -> None:
    rules = replace(RuleSet.default(), notify=channels)
    hits = rules.evaluate([OBSERVATION])
    sync_alerts(store, rules, hits, [OBSERVATION], now=NOW)


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    store: Store, receiver: Receiver
) -> None:
    receiver.fail_first = 2
    _open_alert(store, WebhookChannel("ops", url=receiver.url))

    first = deliver_outbox(store, now=NOW, environ={})
    assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
    [item] = store.list_outbox()
    assert (item.attempts, item.status, item.last_error) == (
        1,
        "pending",
        "HTTP 500 Internal Server Error",
    )
    assert item.next_attempt_at == NOW + timedelta(seconds=30)

    assert (
        deliver_outbox(store, now=NOW + timedelta(seconds=29), environ={}).retrying == 0
    )
    second = deliver_outbox(store, now=NOW + timedelta(seconds=30), environ={})
    assert second.retrying == 1
    [item] = store.list_outbox()
    assert item.next_attempt_at == NOW + timedelta(seconds=90)  # doubled

    third = deliver_outbox(store, now=NOW + timedelta(seconds=90), environ={})
    assert (third.sent, third.retrying) == (1, 0)
    [item] = store.list_outbox()
    assert (item.status, item.attempts, item.sent_at, item.last_error) == (
        "sent",
        3,
        NOW + timedelta(seconds=90),
        None,
    )
    assert len(receiver.bodies) == 3
    assert receiver.bodies[0] == receiver.bodies[2]
    body = receiver.bodies[2]
    assert body["event"] == "opened"
    assert body["event_id"] == item.event_id
    assert body["text"] == TEXT
    assert body["alert"]["id"] == 1
    assert body["alert"]["rule"] == "mae_error"
    assert body["alert"]["subject"] == MODEL
    assert body["alert"]["status"] == "open"
    assert body["alert"]["first_window"] == T0.isoformat()
    assert body["data"] == {"window": T0.isoformat(), "value": 3.4}
    # sent items are not sent again
    assert deliver_outbox(store, now=NOW + timedelta(days=1), environ={}).sent == 0
    assert len(receiver.bodies) == 3


def test_a_hanging_receiver_times_out_and_the_alert_is_kept(
    store: Store, receiver: Receiver
) -> None:
    receiver.hang = threading.Event()
    _open_alert(store, WebhookChannel("slow", url=receiver.url, timeout=0.3))

    report = deliver_outbox(store, now=NOW, environ={})

    assert report.retrying == 1
    assert report.errors == ("slow: no answer within 0.3 s",)
    [alert] = store.list_alerts()
    assert alert.status == "open"
    [item] = store.list_outbox()
    assert (item.status, item.attempts) == ("pending", 1)


def test_a_pass_out_of_time_hands_the_rest_back_and_the_next_pass_sends_them(
    store: Store, receiver: Receiver
) -> None:
    receiver.hang = threading.Event()
    _open_alert(
        store,
        WebhookChannel("slow", url=receiver.url, timeout=0.3),
        WebhookChannel("also-slow", url=receiver.url, timeout=0.3),
    )

    report = deliver_outbox(store, now=NOW, environ={}, pass_seconds=0.1)

    # the first receiver took its whole timeout; the second was never tried
    assert (report.retrying, report.deferred, report.sent) == (1, 1, 0)
    items = {item.channel: item for item in store.list_outbox()}
    assert (items["also-slow"].attempts, items["also-slow"].next_attempt_at) == (0, NOW)
    assert items["slow"].attempts == 1
    receiver.hang.set()
    receiver.hang = None
    again = deliver_outbox(store, now=NOW, environ={})  # due at once, not leased
    assert (again.sent, again.deferred) == (1, 0)
    items = {item.channel: item for item in store.list_outbox()}
    assert (items["also-slow"].status, items["also-slow"].attempts) == ("sent", 1)
    assert items["slow"].status == "pending"  # its retry is 30 s away


def test_slack_payload_shape(store: Store, receiver: Receiver) -> None:
    _open_alert(store, WebhookChannel("slack", url=receiver.url, format="slack"))
    assert deliver_outbox(store, now=NOW, environ={}).sent == 1
    assert receiver.bodies == [
        {
            "text": TEXT,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": TEXT}}],
        }
    ]


def test_the_url_can_come_from_the_environment(
    store: Store, receiver: Receiver
) -> None:
    _open_alert(store, WebhookChannel("env", url_env="PW_TEST_HOOK"))
    missing = deliver_outbox(store, now=NOW, environ={})
    assert missing.errors == (
        "env: Channel 'env': environment variable PW_TEST_HOOK (the webhook URL) is "
        "not set. Set it where alerts are delivered.",
    )
    later = NOW + timedelta(minutes=1)
    assert (
        deliver_outbox(store, now=later, environ={"PW_TEST_HOOK": receiver.url}).sent
        == 1
    )
    stored = store.list_outbox()[0].channel_config
    assert receiver.url not in json.dumps(stored)


def test_give_up_after_the_last_attempt_keeping_the_error(
    store: Store, receiver: Receiver
) -> None:
    receiver.fail_first = 100
    _open_alert(store, WebhookChannel("ops", url=receiver.url))
    moment = NOW
    for _ in range(3):
        deliver_outbox(store, now=moment, environ={}, max_attempts=3)
        moment += timedelta(hours=2)
    [item] = store.list_outbox()
    assert (item.status, item.attempts, item.last_error) == (
        "failed",
        3,
        "HTTP 500 Internal Server Error",
    )
    assert deliver_outbox(store, now=moment, environ={}).failed == 0
    assert len(receiver.bodies) == 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_nothing_is_lost_across_a_restart(store_url: str, receiver: Receiver) -> None:
    down = f"http://127.0.0.1:{_free_port()}/hook"  # nobody listens there
    with open_store(store_url) as store:
        _open_alert(store, WebhookChannel("ops", url=down, timeout=1))
        report = deliver_outbox(store, now=NOW, environ={})
        assert report.retrying == 1 and "ConnectError" in report.errors[0]

    # the process restarts; the receiver is back at another address
    with open_store(store_url) as store:
        [item] = store.list_outbox(status="pending")
        assert item.attempts == 1
        _point_at(store_url, receiver.url)
    with open_store(store_url) as store:
        report = deliver_outbox(store, now=NOW + timedelta(minutes=5), environ={})
        assert report.sent == 1
        assert [o.status for o in store.list_outbox()] == ["sent"]
    assert receiver.bodies[0]["alert"]["rule"] == "mae_error"


def _point_at(store_url: str, url: str) -> None:
    """Move the pending notification to a live receiver (as an operator would)."""
    import sqlalchemy as sa

    from pipewarden.store._dialects import connect
    from pipewarden.store.alert_tables import OutboxRow

    database = connect(store_url)
    try:
        with database.begin() as conn:
            config = conn.execute(sa.select(OutboxRow.channel_config)).scalar_one()
            conn.execute(
                sa.update(OutboxRow).values(channel_config={**config, "url": url})
            )
    finally:
        database.dispose()


def test_a_crashed_deliverer_lease_expires_and_another_sends(
    store: Store, receiver: Receiver
) -> None:
    _open_alert(store, WebhookChannel("ops", url=receiver.url))
    from pipewarden.monitor.notify import LEASE

    [claimed] = store.claim_outbox(NOW, lease=LEASE)  # then the process dies
    assert store.claim_outbox(NOW, lease=LEASE) == []  # leased: nobody else sends
    later = NOW + LEASE
    assert deliver_outbox(store, now=later, environ={}).sent == 1
    assert claimed.id == store.list_outbox()[0].id


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, _Inbox]]:
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_email_goes_through_a_real_smtp_server(
    store: Store, smtp: tuple[Controller, _Inbox]
) -> None:
    controller, inbox = smtp
    channel = EmailChannel(
        "mail",
        host="127.0.0.1",
        port=controller.port,
        sender="pipewarden@example.com",
        to=("oncall@example.com", "lead@example.com"),
    )
    _open_alert(store, channel)

    assert deliver_outbox(store, now=NOW, environ={}).sent == 1

    [envelope] = inbox.messages
    assert envelope.mail_from == "pipewarden@example.com"
    assert envelope.rcpt_tos == ["oncall@example.com", "lead@example.com"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "[pipewarden sev2] opened: model:price:2 (mae_error)"
    assert message["X-Pipewarden-Event"] == str(store.list_outbox()[0].event_id)
    assert message.get_payload(decode=True).decode("utf-8").strip() == TEXT


def test_email_with_an_unset_password_variable_is_retried_not_sent(
    store: Store, smtp: tuple[Controller, _Inbox]
) -> None:
    controller, inbox = smtp
    channel = EmailChannel(
        "mail",
        host="127.0.0.1",
        port=controller.port,
        sender="pipewarden@example.com",
        to=("oncall@example.com",),
        username="pw",
        password_env="PW_TEST_SMTP_PASSWORD",
    )
    _open_alert(store, channel)
    report = deliver_outbox(store, now=NOW, environ={})
    assert report.retrying == 1
    assert "PW_TEST_SMTP_PASSWORD (the SMTP password) is not set" in report.errors[0]
    assert inbox.messages == []
    assert "PW_TEST_SMTP_PASSWORD" in json.dumps(store.list_outbox()[0].channel_config)


def test_email_to_a_server_that_is_down_is_retried(store: Store) -> None:
    channel = EmailChannel(
        "mail",
        host="127.0.0.1",
        port=_free_port(),
        sender="a@b.c",
        to=("d@e.f",),
        timeout=1,
    )
    _open_alert(store, channel)
    report = deliver_outbox(store, now=NOW, environ={})
    assert report.retrying == 1 and "ConnectionRefusedError" in report.errors[0]
