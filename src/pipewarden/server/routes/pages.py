"""The dashboard's pages: overview, runs, a run, a dataset, alerts, the checklist.

Each page reads through the same store methods and workflows as the API routes;
the alert buttons post token-protected forms to the same workflows as
``POST /api/alerts/{id}/ack`` and ``/resolve``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from pipewarden.contracts.model import Contract
from pipewarden.errors import PipewardenError, RecordNotFoundError
from pipewarden.monitor.results import MonitorReport, WindowResult
from pipewarden.pipelines.run_diff import column_statistics, diff_runs
from pipewarden.server.auth import Auth
from pipewarden.server.charts import bars_figure, history_figure, lines_figure
from pipewarden.server.deps import AlertId, SettingsDep, StoreDep, now
from pipewarden.server.model_reports import ModelReports
from pipewarden.server.pages import render
from pipewarden.server.routes.datasets import dataset_summary
from pipewarden.server.routes.models import model_summary, model_traffic
from pipewarden.store import Run, Store
from pipewarden.store.alert_records import OPEN_STATUSES
from pipewarden.workflows import alerts as alert_flows
from pipewarden.workflows.checklist import checklist
from pipewarden.workflows.localize import localize

router = APIRouter(tags=["dashboard"])
HISTORY_POINTS = 200
"""Newest points a history chart shows."""


@router.get("/", response_class=HTMLResponse, summary="Dashboard: overview")
def overview(request: Request, store: StoreDep) -> HTMLResponse:
    summaries = store.dataset_summaries()
    reports: ModelReports = request.app.state.models
    moment = now()
    models = [
        model_summary(t, reports.cached(t, now=moment)) for t in store.model_traffic()
    ]
    alerts = alert_flows.list_alerts(store)
    by_severity = Counter(a.alert_severity for a in alerts)
    alerting = Counter(a.subject for a in alerts)
    return render(
        request,
        "overview.html.j2",
        title="Overview",
        datasets=summaries,
        models=models,
        alerts=alerts[:10],
        open_alerts=len(alerts),
        by_severity=sorted(by_severity.items()),
        alerting=alerting,
        statuses=Counter(s.last_run.status for s in summaries),
    )


@router.get("/runs", response_class=HTMLResponse, summary="Dashboard: runs")
def runs_page(
    request: Request,
    store: StoreDep,
    dataset: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> HTMLResponse:
    runs = store.list_runs(dataset=dataset or None, status=status or None, limit=limit)
    return render(
        request,
        "runs.html.j2",
        title="Runs",
        runs=runs,
        dataset=dataset or "",
        status=status or "",
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse, summary="Dashboard: a run")
def run_page(request: Request, store: StoreDep, run_id: str) -> HTMLResponse:
    run = store.get_run(run_id)
    before_id = store.previous_run_id(run.dataset, run.started_at, run.id)
    before = None if before_id is None else store.get_run(before_id)
    diff = None if before is None else diff_runs(before, run)
    return render(
        request,
        "run.html.j2",
        title=f"Run {run.id}",
        run=run,
        before=before,
        diff=diff,
        figures=_run_figures(run, before),
        columns=_column_rows(run),
    )


@router.get(
    "/datasets/{name}", response_class=HTMLResponse, summary="Dashboard: a dataset"
)
def dataset_page(
    request: Request, store: StoreDep, name: str, column: str | None = None
) -> HTMLResponse:
    summary = dataset_summary(store, name)
    last = store.get_run(summary.last_run.id)
    columns = [] if last.profile is None else list(last.profile.column_names)
    chosen = (
        column
        if column in columns
        else _first_with_nulls(last) or (columns[0] if columns else None)
    )
    if column is not None and column not in columns:
        raise RecordNotFoundError(
            f"Dataset '{name}' has no column '{column}' in its newest run."
        )
    figures = _dataset_figures(store, name, chosen, last.contract)
    return render(
        request,
        "dataset.html.j2",
        title=f"Dataset {name}",
        summary=summary,
        columns=columns,
        column=chosen,
        figures=figures,
        runs=store.list_runs(dataset=name, limit=20),
    )


@router.get("/alerts", response_class=HTMLResponse, summary="Dashboard: alerts")
def alerts_page(
    request: Request, store: StoreDep, status: str | None = None
) -> HTMLResponse:
    alerts = alert_flows.list_alerts(store, status=status or None, limit=500)
    return render(
        request, "alerts.html.j2", title="Alerts", alerts=alerts, status=status or ""
    )


@router.post("/alerts/{alert_id}/ack", summary="Dashboard form: acknowledge an alert")
def ack_form(
    request: Request,
    store: StoreDep,
    alert_id: AlertId,
    token: Annotated[str | None, Form()] = None,
    by: Annotated[str, Form(min_length=1, max_length=200)] = "dashboard",
) -> Response:
    _check_form_token(request, token)
    alert_flows.acknowledge(store, alert_id, by=by, now=now())
    return RedirectResponse(f"/alerts#alert-{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/resolve", summary="Dashboard form: resolve an alert")
def resolve_form(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    alert_id: AlertId,
    token: Annotated[str | None, Form()] = None,
    by: Annotated[str, Form(min_length=1, max_length=200)] = "dashboard",
) -> Response:
    _check_form_token(request, token)
    alert_flows.resolve(store, alert_id, by=by, now=now(), environ=settings.environ)
    return RedirectResponse(f"/alerts#alert-{alert_id}", status_code=303)


@router.get("/checklist", response_class=HTMLResponse, summary="Dashboard: checklist")
def checklist_page(request: Request, store: StoreDep) -> HTMLResponse:
    moment = now()
    return render(
        request,
        "checklist.html.j2",
        title="Daily checklist",
        checklist=checklist(store=store, now=moment, alerts=False),
        datasets=store.dataset_summaries(),
    )


@router.get("/models/{name}", response_class=HTMLResponse, summary="Dashboard: a model")
def model_page(
    request: Request, store: StoreDep, name: str, version: str | None = None
) -> HTMLResponse:
    traffic = model_traffic(store, name, version)
    reports: ModelReports = request.app.state.models
    report = reports.report(store, traffic, now=now())
    subject = f"model:{traffic.name}:{traffic.version}"
    return render(
        request,
        "model.html.j2",
        title=f"Model {traffic.name}:{traffic.version}",
        summary=model_summary(traffic, report),
        report=report,
        figures=_model_figures(report),
        alerts=store.list_alerts(subject=subject, status=OPEN_STATUSES),
        findings=list(report.findings)[-30:],
    )


@router.get(
    "/pipeline-runs/{run_id}",
    response_class=HTMLResponse,
    summary="Dashboard: a pipeline run, its stages and where its change began",
)
def pipeline_run_page(request: Request, store: StoreDep, run_id: str) -> HTMLResponse:
    run = store.get_pipeline_run(run_id)
    localization, why_not = None, None
    if not run.is_good:
        try:
            localization = localize(run.id, store=store)
        except PipewardenError as exc:  # no good run to compare with: say so
            why_not = str(exc)
    return render(
        request,
        "pipeline_run.html.j2",
        title=f"Pipeline run {run.id}",
        run=run,
        localization=localization,
        why_not=why_not,
    )


# --------------------------------------------------------------------------- helpers


def _check_form_token(request: Request, token: str | None) -> None:
    """The form's token field, else an Authorization header (for API clients)."""
    auth: Auth = request.app.state.auth
    if not token:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        credentials = (
            HTTPAuthorizationCredentials(scheme=scheme, credentials=value.strip())
            if scheme.lower() == "bearer" and value.strip()
            else None
        )
        token = None if credentials is None else credentials.credentials
    auth.check(token)


def _column_rows(run: Run) -> list[dict[str, Any]]:
    if run.profile is None:
        return []
    return [
        {"name": name, **column_statistics(column)}
        for name, column in run.profile.columns.items()
    ]


def _run_figures(run: Run, before: Run | None) -> list[dict[str, Any]]:
    if run.profile is None:
        return []
    names = list(run.profile.column_names)
    old = None if before is None or before.profile is None else before.profile.columns

    def stat(columns: Any, name: str, what: str) -> float | None:
        if columns is None or name not in columns:
            return None
        value = column_statistics(columns[name])[what]
        return None if value is None else float(value)

    figures = []
    for what, title, fmt in (
        ("null_rate", "Null rate per column", "~%"),
        ("distinct", "Distinct values per column", None),
    ):
        current = [stat(run.profile.columns, n, what) for n in names]
        previous = None if old is None else [stat(old, n, what) for n in names]
        figures.append(bars_figure(title, names, current, previous, x_format=fmt))
    return figures


def _model_figures(report: MonitorReport) -> list[dict[str, Any]]:
    windows = report.windows
    if not windows:
        return []
    times = [w.start for w in windows]
    figures = []
    names = list(report.baseline) or sorted({m for w in windows for m in w.metrics})
    for metric in names[:3]:
        values = [w.metrics.get(metric) for w in windows]
        base = report.baseline.get(metric)
        figures.append(
            history_figure(
                f"{metric} per window",
                times,
                [float("nan") if v is None else v for v in values],
                thresholds=[] if base is None else [("baseline", base)],
            )
        )
    figures.append(
        lines_figure(
            "Predictions and labels per window",
            times,
            {
                "predictions": [float(w.predictions) for w in windows],
                "labelled": [float(w.labelled) for w in windows],
            },
        )
    )
    drifted = _drift_series(windows)
    if drifted:
        figures.append(
            lines_figure("Drift score of the inputs per window", times, drifted)
        )
    return figures


def _drift_series(windows: Sequence[WindowResult]) -> dict[str, list[float | None]]:
    """Drift score per window of the inputs that drifted in some window (at most 5)."""
    names: list[str] = []
    for w in windows:
        for column in w.drift.get("drifted_columns", []):
            if column not in names:
                names.append(column)
    series: dict[str, list[float | None]] = {}
    for column in names[:5]:
        series[column] = [
            w.drift.get("columns", {}).get(column, {}).get("score") for w in windows
        ]
    return series


def _first_with_nulls(run: Run) -> str | None:
    if run.profile is None:
        return None
    return next(
        (n for n, c in run.profile.columns.items() if (c.null_rate or 0) > 0), None
    )


def _dataset_figures(
    store: Store, name: str, column: str | None, contract: Contract | None
) -> list[dict[str, Any]]:
    rows = store.metric_history(name, "row_count", limit=HISTORY_POINTS)
    limits: list[tuple[str, float]] = []
    if contract is not None:
        bounds = contract.dataset.rows
        limits += [
            (k, float(v))
            for k, v in (("min", bounds.min), ("max", bounds.max))
            if v is not None
        ]
    figures = [
        history_figure("Rows per run", rows.times, rows.values, thresholds=limits)
    ]
    if column is not None:
        nulls = store.metric_history(
            name, "null_rate", column=column, limit=HISTORY_POINTS
        )
        spec = None if contract is None else contract.columns.get(column)
        lines = [] if spec is None else [("max_null_rate", spec.max_null_rate)]
        figures.append(
            history_figure(
                f"Null rate of {column}",
                nulls.times,
                nulls.values,
                thresholds=lines,
                y_format="~%",
            )
        )
    return figures
