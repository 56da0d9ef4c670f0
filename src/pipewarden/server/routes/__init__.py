"""One module per resource; ``ROUTERS`` is every router the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from pipewarden.server.routes import (
    alerts,
    checklist,
    checks,
    conform,
    datasets,
    metrics,
    models,
    pages,
    pipelines,
    runs,
    static,
)

ROUTERS: tuple[APIRouter, ...] = (
    runs.router,
    datasets.router,
    checks.router,
    conform.router,
    alerts.router,
    models.router,
    checklist.router,
    pipelines.router,
    metrics.router,
    pages.router,
    static.router,
)
