"""The day's checklist of scheduled pipelines (``workflows.checklist``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from pipewarden.server.deps import StoreDep, now
from pipewarden.workflows.checklist import checklist

router = APIRouter(prefix="/api/checklist", tags=["checklist"])


@router.get("", summary="The day's pipelines: ran, running, late, failed or missed")
def get_checklist(store: StoreDep, day: date | None = None) -> dict[str, Any]:
    # a read: judging the checklist's alerts is `pipewarden checklist`'s (cron) job
    return checklist(day, store=store, now=now(), alerts=False).to_dict()
