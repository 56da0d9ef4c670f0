"""Deliver the outbox: alert events to webhooks (JSON or Slack) and to email (SMTP).

Each notification is in the store's outbox before anyone tries to send it, and is
marked sent only after the receiver accepted it (an HTTP 2xx, or the SMTP server
taking the message). A failed attempt is retried with exponential backoff (attempt
count, next attempt time and the error are kept) until ``max_attempts``, then marked
``failed`` with its last error. Every attempt is bounded by the channel's timeout.

Delivery is idempotent per (event, channel): the outbox holds one row per pair, and a
deliverer leases the rows it takes, so two deliverers never send the same one. If the
process dies between the receiver accepting a notification and the store marking it
sent, that notification is sent once more when its lease ends: at most one duplicate,
never a loss. Receivers that must not see duplicates can key on ``event_id``.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx

from pipewarden.errors import ConfigError
from pipewarden.monitor.channels import (
    DEFAULT_BACKOFF_SECONDS,
    EmailChannel,
    WebhookChannel,
    channel_from_dict,
)
from pipewarden.store.alert_records import OutboxItem
from pipewarden.store.base import Store

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DeliveryReport",
    "deliver_outbox",
    "notification_text",
    "slack_payload",
    "webhook_payload",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 8
"""Attempts before a notification is given up (with backoff: about 2 hours)."""
MAX_BACKOFF = timedelta(hours=1)
LEASE = timedelta(minutes=5)
"""How long a deliverer holds the rows it took (longer than any attempt takes)."""
PASS_SECONDS = LEASE.total_seconds() / 2
"""A pass stops taking its rows in turn after this long and hands back the rest: a
pass of many slow receivers (100 rows x a 5 s timeout) must end before its lease
does, or a second deliverer could take and send the same rows."""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()
    deferred: int = 0
    """Taken but not tried: the pass ran out of time and handed them back."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "deferred": self.deferred,
            "errors": list(self.errors),
        }


def deliver_outbox(
    store: Store,
    *,
    now: datetime,
    environ: Mapping[str, str],
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    limit: int = 100,
    pass_seconds: float = PASS_SECONDS,
) -> DeliveryReport:
    """Send the notifications that are due, and keep each outcome.

    Args:
        store: The store whose outbox is delivered.
        now: The time (due notifications have ``next_attempt_at <= now``).
        environ: Where secrets named by the channels (``url_env``,
            ``password_env``) are read.
        max_attempts: Attempts before a notification is marked ``failed``.
        limit: Most notifications taken in this pass.
        pass_seconds: Wall-clock seconds after which the pass tries no more and
            hands the rest back, due at once (well inside the lease).

    Returns:
        How many were sent, will be retried, or were given up.
    """
    sent = retrying = failed = 0
    errors: list[str] = []
    claimed = store.claim_outbox(now, lease=LEASE, limit=limit)
    started = time.monotonic()
    for position, item in enumerate(claimed):
        if time.monotonic() - started > pass_seconds:
            for unsent in claimed[position:]:
                store.update_outbox(replace(unsent, next_attempt_at=now))
            deferred = len(claimed) - position
            return DeliveryReport(sent, retrying, failed, tuple(errors), deferred)
        try:
            error, backoff = _send(item, environ)
        except BaseException:
            # Stopped midway (an unexpected error, Ctrl-C): hand back the leases of
            # the notifications not sent, so the next pass takes them at once.
            for unsent in claimed[position:]:
                store.update_outbox(replace(unsent, next_attempt_at=now))
            raise
        attempts = item.attempts + 1
        if error is None:
            store.update_outbox(
                replace(
                    item,
                    status="sent",
                    attempts=attempts,
                    sent_at=now,
                    next_attempt_at=now,
                    last_error=None,
                )
            )
            sent += 1
            continue
        errors.append(f"{item.channel}: {error}")
        if attempts >= max_attempts:
            outcome = replace(
                item,
                status="failed",
                attempts=attempts,
                next_attempt_at=now,
                last_error=error,
            )
            failed += 1
            logger.warning(
                "gave up notification %s to %s: %s", item.id, item.channel, error
            )
        else:
            wait = min(
                timedelta(seconds=backoff * 2 ** min(attempts - 1, 30)), MAX_BACKOFF
            )
            outcome = replace(
                item, attempts=attempts, next_attempt_at=now + wait, last_error=error
            )
            retrying += 1
        store.update_outbox(outcome)
    return DeliveryReport(sent, retrying, failed, tuple(errors))


def _send(item: OutboxItem, environ: Mapping[str, str]) -> tuple[str | None, float]:
    """Send one notification: None when the receiver accepted it, else why not; and
    the channel's backoff in seconds."""
    try:
        channel = channel_from_dict(item.channel_config)
    except ConfigError as exc:
        return str(exc), DEFAULT_BACKOFF_SECONDS
    except (TypeError, KeyError) as exc:
        return (
            f"the channel's settings in the outbox are unreadable ({exc})",
            DEFAULT_BACKOFF_SECONDS,
        )
    try:
        if isinstance(channel, WebhookChannel):
            return _post(channel, item, environ), channel.backoff
        return _mail(channel, item, environ), channel.backoff
    except ConfigError as exc:
        return str(exc), channel.backoff


def _post(
    channel: WebhookChannel, item: OutboxItem, environ: Mapping[str, str]
) -> str | None:
    url = channel.resolve_url(environ)
    body = slack_payload(item) if channel.format == "slack" else webhook_payload(item)
    try:
        with httpx.Client(timeout=httpx.Timeout(channel.timeout)) as client:
            response = client.post(url, json=body)
    except httpx.TimeoutException:
        return f"no answer within {channel.timeout:g} s"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


def _mail(
    channel: EmailChannel, item: OutboxItem, environ: Mapping[str, str]
) -> str | None:
    password = channel.password(environ)
    message = EmailMessage()
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.to)
    message["Subject"] = _subject(item)
    message["X-Pipewarden-Event"] = str(item.event_id)
    message.set_content(notification_text(item) + "\n")
    smtp_class = smtplib.SMTP_SSL if channel.ssl else smtplib.SMTP
    try:
        with smtp_class(channel.host, channel.port, timeout=channel.timeout) as smtp:
            if channel.starttls:
                smtp.starttls()
            if channel.username is not None:
                smtp.login(channel.username, password or "")
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    if refused:
        logger.warning("SMTP server refused %s", ", ".join(sorted(refused)))
    return None


def webhook_payload(item: OutboxItem) -> dict[str, Any]:
    """The JSON a ``format: json`` webhook receives: the event with its alert's id."""
    payload = dict(item.payload)
    alert = dict(payload.get("alert", {}))
    alert["id"] = item.alert_id
    payload["alert"] = alert
    payload["event_id"] = item.event_id
    payload["text"] = notification_text(item)
    return payload


def slack_payload(item: OutboxItem) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` plus one section block."""
    text = notification_text(item)
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def notification_text(item: OutboxItem) -> str:
    """One line: severity, alert, event, subject and why; how to acknowledge."""
    payload = item.payload
    alert = payload.get("alert", {})
    head = f"[{alert.get('alert_severity', '?')}] Alert {item.alert_id} {payload.get('event')}"
    line = f"{head}: {alert.get('subject')}: {payload.get('message', '')}"
    if payload.get("event") != "opened":
        line += f" ({alert.get('message', '')})"
    if payload.get("event") in ("opened", "escalated"):
        line += f" Acknowledge with: pipewarden alerts ack {item.alert_id}"
    return line


def _subject(item: OutboxItem) -> str:
    alert = item.payload.get("alert", {})
    return (
        f"[pipewarden {alert.get('alert_severity', '?')}] {item.payload.get('event')}: "
        f"{alert.get('subject')} ({alert.get('rule')})"
    )
