"""The FastAPI application: routes, error handlers, body limit, background loop.

The store is opened once per app and shared by the routes (SQLAlchemy pools the
connections). The background loop, started with the app, escalates overdue alerts
and delivers the notification outbox every ``background_seconds`` through the same
workflow as ``pipewarden alerts escalate``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from pipewarden._version import __version__
from pipewarden.server.auth import Auth
from pipewarden.server.handlers import install_handlers
from pipewarden.server.limits import BodyLimit, NoNulCharacters
from pipewarden.server.model_reports import ModelReports
from pipewarden.server.settings import ServerSettings
from pipewarden.store import Store, open_store

__all__ = ["create_app", "tick"]

logger = logging.getLogger(__name__)

STOP_WAIT_SECONDS = 60.0
"""How long a stopping server waits for the background loop's pass to finish."""


def create_app(settings: ServerSettings, *, store: Store | None = None) -> FastAPI:
    """The server for one store.

    Args:
        settings: Store URL, token, limits (see :class:`ServerSettings`).
        store: An open store to use instead of opening ``settings.store_url`` (the
            caller then closes it).

    Raises:
        StoreError: The store cannot be opened.
    """
    from pipewarden.server.routes import ROUTERS

    opened = store if store is not None else open_store(settings.store_url)
    owned = store is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        stopping = asyncio.Event()
        if settings.background_seconds > 0:
            task = asyncio.create_task(
                _loop(app, settings.background_seconds, stopping)
            )
        app.state.background.running = task is not None
        try:
            yield
        finally:
            if task is not None:
                # Let a pass over the outbox finish: stopped midway, the
                # notifications it had leased would wait for their lease to end.
                stopping.set()
                try:
                    await asyncio.wait_for(asyncio.shield(task), STOP_WAIT_SECONDS)
                except TimeoutError:
                    logger.warning(
                        "the background loop did not finish within %s s; stopping it",
                        STOP_WAIT_SECONDS,
                    )
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            if owned:
                opened.close()

    app = FastAPIOffline(  # /docs with Swagger UI served from here, not a CDN
        title="pipewarden",
        version=__version__,
        description="Runs, checks, conform, alerts and the daily checklist of a "
        "pipewarden store. Writes need 'Authorization: Bearer TOKEN'.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = opened
    app.state.auth = Auth(settings.token, insecure=settings.insecure)
    app.state.background = BackgroundState()
    app.state.models = ModelReports()
    install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(NoNulCharacters)
    return app


class BackgroundState:
    """What the background loop last did, for the health route and tests."""

    __slots__ = ("errors", "last_error", "last_tick", "running", "ticks")

    def __init__(self) -> None:
        self.running = False
        self.ticks = 0
        self.errors = 0
        self.last_tick: datetime | None = None
        self.last_error: str | None = None


def tick(app: FastAPI, now: datetime | None = None) -> None:
    """One turn of the background loop: escalate overdue alerts, deliver the
    outbox, and recompute the model reports whose traffic changed."""
    from pipewarden.workflows.alerts import escalate

    settings: ServerSettings = app.state.settings
    state: BackgroundState = app.state.background
    moment = now or datetime.now(UTC)
    outcome = escalate(app.state.store, now=moment, environ=settings.environ)
    app.state.models.refresh(app.state.store, now=moment)
    state.ticks += 1
    state.last_tick = moment
    for event in outcome.events:
        logger.info("alert %s escalated: %s", event.alert.id, event.event.message)


async def _loop(app: FastAPI, seconds: float, stopping: asyncio.Event) -> None:
    state: BackgroundState = app.state.background
    while not stopping.is_set():
        try:
            await run_in_threadpool(tick, app)
        except Exception as exc:  # keep the loop alive; the next tick retries
            state.errors += 1
            state.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception("background loop failed; retrying in %s s", seconds)
        with suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), seconds)
    state.running = False
