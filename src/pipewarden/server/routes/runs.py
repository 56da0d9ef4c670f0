"""Recorded runs: list (with filters), detail (findings and profile summary), diff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from pipewarden.errors import RecordNotFoundError
from pipewarden.pipelines.run_diff import column_statistics, diff_runs
from pipewarden.server.deps import StoreDep
from pipewarden.store import Run, Store

router = APIRouter(prefix="/api/runs", tags=["runs"])


@router.get("", summary="List runs, newest first")
def list_runs(
    store: StoreDep,
    dataset: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    return [
        r.to_dict()
        for r in store.list_runs(dataset=dataset, status=status, limit=limit)
    ]


@router.get("/{run_id}", summary="One run: provenance, findings, profile summary")
def get_run(store: StoreDep, run_id: str) -> dict[str, Any]:
    return run_detail(store.get_run(run_id))


@router.get("/{run_id}/diff", summary="What changed from another run to this one")
def diff_run(
    store: StoreDep,
    run_id: str,
    against: Annotated[
        str | None,
        Query(description="The earlier run (default: the dataset's run before)."),
    ] = None,
) -> dict[str, Any]:
    run = store.get_run(run_id)
    return diff_runs(earlier_run(store, run, against), run).to_dict()


def run_detail(run: Run) -> dict[str, Any]:
    """``Run.to_dict()`` with the profile summarised column by column."""
    out = run.to_dict()
    out["profile"] = (
        None
        if run.profile is None
        else {
            "rows": run.profile.rows,
            "columns": {
                name: column_statistics(column)
                for name, column in run.profile.columns.items()
            },
        }
    )
    return out


def earlier_run(store: Store, run: Run, against: str | None) -> Run:
    """The run to diff against: the one named, else the dataset's run before.

    Raises:
        RecordNotFoundError: None named and the run is its dataset's first.
    """
    if against is not None:
        return store.get_run(against)
    found = store.previous_run_id(run.dataset, run.started_at, run.id)
    if found is None:
        raise RecordNotFoundError(
            f"Run {run.id} is the first of '{run.dataset}': there is no earlier run "
            "to compare with. Pass ?against=RUN."
        )
    return store.get_run(found)
