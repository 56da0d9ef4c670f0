"""What routes take from the app: the store, the settings, the time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from pipewarden.errors import ConfigError
from pipewarden.server.settings import ServerSettings
from pipewarden.store import Store

__all__ = ["SettingsDep", "StoreDep", "now", "parse_time"]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[ServerSettings, Depends(_settings)]
AlertId = Annotated[
    int, Path(ge=1, le=2**63 - 1, description="The alert's id (a 64-bit integer).")
]
"""An alert id in a path: bounded, so a huge number is a 422, not a database
overflow (found by the API fuzzer: SQLite cannot bind integers past 64 bits)."""


def now() -> datetime:
    return datetime.now(UTC)


def parse_time(text: str) -> datetime:
    """An ISO time from a request (naive means UTC).

    Raises:
        ConfigError: Not an ISO time.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(
            f"'{text}' is not an ISO time. Use e.g. 2026-12-01T06:00:00Z."
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
