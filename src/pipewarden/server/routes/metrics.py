"""``/metrics``: the Prometheus scrape target, and ``/healthz``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from pipewarden.server.deps import SettingsDep, StoreDep, now
from pipewarden.server.metrics import exposition

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    summary="Prometheus metrics of datasets and alerts",
    response_class=Response,
)
def metrics(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    # generate_latest writes the classic text format (0.0.4), which every
    # Prometheus reads; say so rather than the client's newer default type
    body = exposition(
        store,
        column_metrics=settings.column_metrics,
        now=now(),
        reports=request.app.state.models,
    )
    return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)


@router.get("/healthz", summary="The server is up; what its background loop did")
def health(request: Request) -> dict[str, Any]:
    state = request.app.state.background
    return {
        "status": "ok",
        "background": {
            "running": state.running,
            "ticks": state.ticks,
            "errors": state.errors,
            "last_tick": None
            if state.last_tick is None
            else state.last_tick.isoformat(),
            "last_error": state.last_error,
        },
    }
