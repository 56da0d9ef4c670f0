"""Where alert notifications go: webhook and email channels, as plain values.

A channel holds no secret: a webhook URL may be given as the name of an environment
variable (``url_env``), and an SMTP password always is (``password_env``). The values
are read when a notification is sent, from the environment the sender is given, so
they are never written to a rules file, the store or a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pipewarden.errors import ConfigError

__all__ = [
    "DEFAULT_BACKOFF_SECONDS",
    "Channel",
    "EmailChannel",
    "WebhookChannel",
    "channel_from_dict",
]

WebhookFormat = Literal["json", "slack"]
DEFAULT_BACKOFF_SECONDS = 30.0
"""The wait after a channel's first failed delivery; it doubles after each further one."""


@dataclass(frozen=True, slots=True)
class WebhookChannel:
    """POST each alert event as JSON (or as a Slack-compatible ``{"text": ...}``).

    Attributes:
        name: Unique among the channels (delivery is tracked per event and channel).
        url: The receiver's URL, or None when ``url_env`` names it.
        url_env: An environment variable holding the URL (for URLs that are secrets,
            such as Slack's incoming webhooks).
        format: ``json`` (the event as a JSON object) or ``slack``.
        timeout: Seconds before a connection or a read gives up.
        backoff: Seconds to wait after the first failed attempt; the wait doubles
            after each further one (up to an hour).
    """

    name: str
    url: str | None = None
    url_env: str | None = None
    format: WebhookFormat = "json"
    timeout: float = 5.0
    backoff: float = DEFAULT_BACKOFF_SECONDS

    def resolve_url(self, environ: Mapping[str, str]) -> str:
        """The URL to post to.

        Raises:
            ConfigError: ``url_env`` names a variable that is not set.
        """
        if self.url is not None:
            return self.url
        assert self.url_env is not None
        value = environ.get(self.url_env)
        if not value:
            raise ConfigError(
                f"Channel '{self.name}': environment variable {self.url_env} "
                "(the webhook URL) is not set. Set it where alerts are delivered."
            )
        return value

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "webhook",
            "name": self.name,
            "url": self.url,
            "url_env": self.url_env,
            "format": self.format,
            "timeout": self.timeout,
            "backoff": self.backoff,
        }


@dataclass(frozen=True, slots=True)
class EmailChannel:
    """Send each alert event as a plain-text email over SMTP.

    Attributes:
        name: Unique among the channels.
        host: The SMTP server.
        port: Its port (25, 587 with ``starttls``, 465 with ``ssl``).
        sender: The From address.
        to: The recipients.
        username: Login name, when the server wants one.
        password_env: The environment variable holding the password.
        starttls: Upgrade the connection with STARTTLS before logging in.
        ssl: Connect with TLS from the start (SMTPS).
        timeout: Seconds before a connection or a reply gives up.
        backoff: Seconds to wait after the first failed attempt (then doubling).
    """

    name: str
    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 25
    username: str | None = None
    password_env: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 10.0
    backoff: float = DEFAULT_BACKOFF_SECONDS

    def password(self, environ: Mapping[str, str]) -> str | None:
        """The SMTP password from the environment (None when no login is configured).

        Raises:
            ConfigError: ``password_env`` names a variable that is not set.
        """
        if self.password_env is None:
            return None
        value = environ.get(self.password_env)
        if value is None:
            raise ConfigError(
                f"Channel '{self.name}': environment variable {self.password_env} "
                "(the SMTP password) is not set. Set it where alerts are delivered."
            )
        return value

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "email",
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "sender": self.sender,
            "to": list(self.to),
            "username": self.username,
            "password_env": self.password_env,
            "starttls": self.starttls,
            "ssl": self.ssl,
            "timeout": self.timeout,
            "backoff": self.backoff,
        }


Channel = WebhookChannel | EmailChannel


def channel_from_dict(data: Mapping[str, Any]) -> Channel:
    """Rebuild a channel from :meth:`to_dict` (as kept in the outbox)."""
    fields = {key: value for key, value in data.items() if key != "type"}
    if data.get("type") == "webhook":
        return WebhookChannel(**fields)
    if data.get("type") == "email":
        fields["to"] = tuple(fields["to"])
        return EmailChannel(**fields)
    raise ConfigError(f"Unknown notification channel type {data.get('type')!r}.")
