"""What routes take from the app: the store, the settings, the time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

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
