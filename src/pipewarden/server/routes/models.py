"""Models: list with their newest window, one model's report, and batches of
predictions and labels (idempotent by the client's batch key), through
``workflows.traffic`` and ``workflows.monitoring`` as ``pipewarden predictions log``,
``labels log`` and ``monitor`` do."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile

from pipewarden.errors import RecordNotFoundError
from pipewarden.io.sources import read_frame
from pipewarden.monitor.results import MonitorReport
from pipewarden.server.auth import require_token
from pipewarden.server.deps import StoreDep, now
from pipewarden.server.fast_json import FastJsonRoute
from pipewarden.server.model_reports import ModelReports
from pipewarden.server.schemas import LabelsIn, PredictionsIn
from pipewarden.server.uploads import saved_upload
from pipewarden.store import Store
from pipewarden.store.overview_records import ModelTraffic
from pipewarden.workflows.traffic import log_labels, log_predictions

router = APIRouter(route_class=FastJsonRoute, prefix="/api/models", tags=["models"])

Version = Annotated[str | None, "The model version (default: the newest registered)."]
BatchKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="The batch key, as a header (the body's batch_key wins).",
    ),
]


@router.get("", summary="Every model version: traffic, newest window, retrain advice")
def list_models(request: Request, store: StoreDep) -> list[dict[str, Any]]:
    reports: ModelReports = request.app.state.models
    moment = now()
    out = []
    for traffic in store.model_traffic():
        report = reports.cached(traffic, now=moment)
        out.append(model_summary(traffic, report))
    return out


@router.get("/{name}", summary="One model's windows, findings and retrain advice")
def get_model(
    request: Request,
    store: StoreDep,
    name: str,
    version: str | None = None,
    window: str = "day",
) -> dict[str, Any]:
    traffic = model_traffic(store, name, version)
    reports: ModelReports = request.app.state.models
    report = reports.report(store, traffic, now=now(), window=window)
    return report.to_dict()


@router.post(
    "/{name}/predictions",
    summary="Log a batch of predictions with their inputs",
    dependencies=[Depends(require_token)],
)
def post_predictions(
    store: StoreDep,
    name: str,
    body: PredictionsIn,
    version: str | None = None,
    idempotency_key: BatchKeyHeader = None,
) -> dict[str, Any]:
    receipt = log_predictions(
        _model(name, version),
        read_frame(body.records),
        id=body.id,
        prediction=body.prediction,
        time=body.time,
        scores=body.scores,
        batch_key=body.batch_key or idempotency_key,
        store=store,
    )
    return receipt.to_dict()


@router.post(
    "/{name}/predictions/upload",
    summary="Log a batch of predictions uploaded as a Parquet, Arrow, CSV or JSON "
    "Lines file",
    dependencies=[Depends(require_token)],
)
def upload_predictions(
    store: StoreDep,
    name: str,
    file: Annotated[UploadFile, File(description="The batch file.")],
    id: Annotated[str, Form(description="Column identifying each prediction.")],  # noqa: A002
    prediction: Annotated[str, Form(description="Column of the prediction.")],
    time: Annotated[str | None, Form(description="Event-time column.")] = None,
    scores: Annotated[list[str] | None, Form(description="Score columns.")] = None,
    batch_key: Annotated[str | None, Form(description="The batch's key.")] = None,
    version: str | None = None,
    idempotency_key: BatchKeyHeader = None,
) -> dict[str, Any]:
    with saved_upload(file) as path:
        receipt = log_predictions(
            _model(name, version),
            str(path),
            id=id,
            prediction=prediction,
            time=time,
            scores=scores or None,
            batch_key=batch_key or idempotency_key,
            store=store,
        )
    return receipt.to_dict()


@router.post(
    "/{name}/labels",
    summary="Log labels that join the model's predictions by id",
    dependencies=[Depends(require_token)],
)
def post_labels(
    store: StoreDep,
    name: str,
    body: LabelsIn,
    version: str | None = None,
    idempotency_key: BatchKeyHeader = None,
) -> dict[str, Any]:
    receipt = log_labels(
        _model(name, version),
        read_frame(body.records),
        id=body.id,
        label=body.label,
        batch_key=body.batch_key or idempotency_key,
        store=store,
    )
    return receipt.to_dict()


@router.get("/{name}/batches", summary="The model's logged batches, oldest first")
def get_batches(
    store: StoreDep, name: str, version: str | None = None
) -> list[dict[str, Any]]:
    record = store.get_model(name, version)
    return [b.to_dict() for b in store.list_batches(record.name, record.version)]


def _model(name: str, version: str | None) -> str:
    return name if version is None else f"{name}:{version}"


def model_traffic(store: Store, name: str, version: str | None) -> ModelTraffic:
    """The traffic of a model version (the newest registered one by default).

    Raises:
        RecordNotFoundError: No such model or version.
    """
    record = store.get_model(name, version)
    for traffic in store.model_traffic():
        if (traffic.name, traffic.version) == (record.name, record.version):
            return traffic
    raise RecordNotFoundError(  # pragma: no cover - get_model found it
        f"No model '{_model(name, version)}' in the store."
    )


def model_summary(
    traffic: ModelTraffic, report: MonitorReport | None
) -> dict[str, Any]:
    """A model's line in lists and the overview: traffic, and what its newest
    computed report says (None until the report is computed)."""
    labelled = [] if report is None else [w for w in report.windows if w.labelled]
    last = labelled[-1] if labelled else None
    age = (now() - traffic.registered_at).total_seconds()
    return {
        "name": traffic.name,
        "version": traffic.version,
        "task": traffic.task,
        "registered_at": traffic.registered_at.isoformat(),
        "age_days": age / 86400,
        "predictions": traffic.predictions,
        "labels": traffic.labels,
        "batches": traffic.batches,
        "last_logged_at": None
        if traffic.last_logged_at is None
        else traffic.last_logged_at.isoformat(),
        "report": None if report is None else "current",
        "last_window": None if last is None else last.start.isoformat(),
        "metrics": {} if last is None else last.metrics,
        "advice": None if report is None else report.advice.to_dict(),
    }
