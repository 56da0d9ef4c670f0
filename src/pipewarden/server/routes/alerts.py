"""Alerts: list, one with its events, acknowledge, resolve (``workflows.alerts``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from pipewarden.server.auth import require_token
from pipewarden.server.deps import AlertId, SettingsDep, StoreDep, now
from pipewarden.server.schemas import ByIn
from pipewarden.workflows import alerts as workflow

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


@router.get("", summary="Alerts, newest first (unresolved ones by default)")
def list_alerts(
    store: StoreDep,
    status: Annotated[
        str | None, Query(description="open, acknowledged, resolved or all.")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> list[dict[str, Any]]:
    return [
        a.to_dict() for a in workflow.list_alerts(store, status=status, limit=limit)
    ]


@router.get("/{alert_id}", summary="One alert and its events")
def get_alert(store: StoreDep, alert_id: AlertId) -> dict[str, Any]:
    out = store.get_alert(alert_id).to_dict()
    out["events"] = [e.to_dict() for e in store.list_alert_events(alert_id)]
    return out


@router.post(
    "/{alert_id}/ack",
    summary="Acknowledge an open alert",
    dependencies=[Depends(require_token)],
)
def acknowledge(
    store: StoreDep, alert_id: AlertId, body: ByIn | None = None
) -> dict[str, Any]:
    by = (body or ByIn()).by
    event = workflow.acknowledge(store, alert_id, by=by, now=now())
    return event.to_dict()


@router.post(
    "/{alert_id}/resolve",
    summary="Resolve an alert by hand (its channels are told)",
    dependencies=[Depends(require_token)],
)
def resolve(
    store: StoreDep, settings: SettingsDep, alert_id: AlertId, body: ByIn | None = None
) -> dict[str, Any]:
    by = (body or ByIn()).by
    outcome = workflow.resolve(
        store, alert_id, by=by, now=now(), environ=settings.environ
    )
    return outcome.to_dict()
