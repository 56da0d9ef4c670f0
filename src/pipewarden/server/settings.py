"""What the server is started with: store, token, limits, background loop."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipewarden.errors import ConfigError

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "TOKEN_ENV",
    "ServerSettings",
    "read_token",
]

TOKEN_ENV = "PIPEWARDEN_TOKEN"
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest request body accepted (64 MiB); larger ones get 413."""
MIN_TOKEN_CHARS = 16


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How one server runs.

    Attributes:
        store_url: The store every route reads and writes.
        token: The bearer token write routes require; None only with ``insecure``.
        insecure: Accept writes without a token (local trials; shown on every page).
        max_body_bytes: Largest request body accepted.
        column_metrics: Datasets whose per-column numbers ``/metrics`` exposes
            (bounded label cardinality: columns only for those that opt in).
        background_seconds: How often the background loop escalates overdue alerts
            and delivers the notification outbox; 0 turns it off.
        environ: Environment variables for fingerprints and notification channels.
    """

    store_url: str
    token: str | None = None
    insecure: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    column_metrics: frozenset[str] = frozenset()
    background_seconds: float = 30.0
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def __post_init__(self) -> None:
        if self.token is None and not self.insecure:
            raise ConfigError(
                "The server's write routes need a token: set PIPEWARDEN_TOKEN or pass "
                "--token-file FILE (or pass --insecure to accept writes from anyone, "
                "for a local trial only)."
            )
        if self.token is not None and len(self.token) < MIN_TOKEN_CHARS:
            raise ConfigError(
                f"The token has {len(self.token)} characters; use at least "
                f"{MIN_TOKEN_CHARS}, e.g. the output of: python -c "
                "'import secrets; print(secrets.token_urlsafe(32))'"
            )
        if self.max_body_bytes < 1:
            raise ConfigError(
                f"The body limit must be at least 1 byte, not {self.max_body_bytes}."
            )
        if self.background_seconds < 0:
            raise ConfigError(
                "The background interval must be 0 (off) or more seconds, not "
                f"{self.background_seconds}."
            )


def read_token(token_file: str | Path | None, environ: Mapping[str, str]) -> str | None:
    """The token from ``token_file`` (its first line), else ``PIPEWARDEN_TOKEN``.

    Raises:
        ConfigError: The file cannot be read or is empty.
    """
    if token_file is not None:
        path = Path(token_file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the token file '{path}': {exc.strerror or exc}. "
                "Pass a readable file holding the token on its first line."
            ) from exc
        lines = text.strip().splitlines()
        token = lines[0].strip() if lines else ""
        if not token:
            raise ConfigError(
                f"The token file '{path}' is empty. Put the token on its first line."
            )
        return token
    return environ.get(TOKEN_ENV) or None
