"""Datasets: each with its newest run; one dataset's runs and metric history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from pipewarden.errors import RecordNotFoundError
from pipewarden.server.deps import StoreDep
from pipewarden.store import Store
from pipewarden.store.overview_records import DatasetSummary

router = APIRouter(prefix="/api/datasets", tags=["datasets"])


@router.get("", summary="Every dataset with its newest run")
def list_datasets(store: StoreDep) -> list[dict[str, Any]]:
    return [s.to_dict() for s in store.dataset_summaries()]


@router.get("/{name}", summary="One dataset: newest run and recent runs")
def get_dataset(
    store: StoreDep, name: str, limit: Annotated[int, Query(ge=1, le=1000)] = 20
) -> dict[str, Any]:
    out = dataset_summary(store, name).to_dict()
    out["recent_runs"] = [
        r.to_dict() for r in store.list_runs(dataset=name, limit=limit)
    ]
    return out


@router.get("/{name}/history", summary="The time series of one metric")
def metric_history(
    store: StoreDep,
    name: str,
    metric: str = "row_count",
    column: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> dict[str, Any]:
    dataset_summary(store, name)
    return store.metric_history(name, metric, column=column, limit=limit).to_dict()


def dataset_summary(store: Store, name: str) -> DatasetSummary:
    """The summary of one dataset.

    Raises:
        RecordNotFoundError: The store has no run of it.
    """
    for summary in store.dataset_summaries():
        if summary.name == name:
            return summary
    raise RecordNotFoundError(
        f"No run of dataset '{name}' in the store. List datasets at /api/datasets."
    )
