"""Pipeline runs and where a bad one's change began (``workflows.localize``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from pipewarden.server.deps import StoreDep
from pipewarden.workflows.localize import localize

router = APIRouter(prefix="/api/pipeline-runs", tags=["pipelines"])


@router.get("", summary="Pipeline runs with their stages, newest first")
def list_pipeline_runs(
    store: StoreDep,
    pipeline: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    found = store.list_pipeline_runs(pipeline=pipeline, status=status, limit=limit)
    return [run.to_dict() for run in found]


@router.get("/{run_id}", summary="One pipeline run with its stages")
def get_pipeline_run(store: StoreDep, run_id: str) -> dict[str, Any]:
    return store.get_pipeline_run(run_id).to_dict()


@router.get(
    "/{run_id}/localization",
    summary="Where the change of a pipeline run began: stage, columns, segments",
)
def get_localization(
    store: StoreDep, run_id: str, baseline: str | None = None
) -> dict[str, Any]:
    return localize(run_id, baseline=baseline, store=store).to_dict()
