"""render_report: one self-contained HTML page for a check (and drift) result.

The page inlines its CSS, a few lines of table JavaScript and plotly.js (once), so it
opens with no network. Every value from the data is escaped: Jinja autoescapes the
markup, and writes chart JSON with its ``tojson`` filter, which cannot end the
<script> element holding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jinja2

from pipewarden._version import __version__
from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.report import _format as fmt
from pipewarden.report._charts import (
    distribution_figure,
    figure_json,
    null_rate_figure,
    plotly_bundle,
)
from pipewarden.report._columns import (
    MAX_CHARTED_COLUMNS,
    ColumnView,
    charted,
    column_views,
)
from pipewarden.report._drift import (
    DriftView,
    drift_from_findings,
    drift_from_report,
)

if TYPE_CHECKING:
    from pipewarden.drift.results import DriftReport

_SEVERITIES = tuple(sorted(Severity, reverse=True))
"""Worst first, as the filters read left to right."""
INFO_SHOWN_UP_TO = 10
"""More info findings than this start hidden (one click on the 'info' filter shows them)."""


def render_report(
    result: CheckResult,
    *,
    current: DatasetProfile | None = None,
    reference: DatasetProfile | None = None,
    drift: DriftReport | None = None,
    title: str | None = None,
) -> str:
    """Render a result as one self-contained HTML page.

    Args:
        result: The findings to report.
        current: Profile of the checked batch, for distributions and null rates.
        reference: Profile of the reference data, drawn beside the current one.
        drift: A DriftReport from ``pipewarden.drift.compare``, for each column's
            statistic, threshold and verdict (and its plot data when no profile is
            given); without it, drift is read from the result's ``drift.*`` findings.
        title: Page title (default: from the dataset name).

    Returns:
        The HTML page: inline CSS, JavaScript and plotly.js, no external resources.

    Example:
        >>> html = render_report(result, current=prof, reference=ref)  # doctest: +SKIP
        >>> Path("report.html").write_text(html, encoding="utf-8")  # doctest: +SKIP
    """
    drifts = (
        drift_from_report(drift)
        if drift is not None
        else drift_from_findings(result.findings)
    )
    views = column_views(result.findings, current, reference, drifts)
    cards = charted(views)
    context = {
        "title": title or f"pipewarden report: {result.dataset or 'batch'}",
        "summary": _summary(result, current, reference, views),
        "multivariate": drifts.multivariate,
        "skipped": drifts.skipped,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "findings": _finding_rows(result.findings, views),
        "severities": _severity_filters(result),
        "has_reference": reference is not None or bool(drifts.nulls),
        "has_drift": bool(drifts.columns or drifts.nulls),
        "overview": [_overview_row(v) for v in views],
        "cards": [_card(v) for v in cards],
        "hidden_columns": len(views) - len(cards),
        "max_charted": MAX_CHARTED_COLUMNS,
        "null_chart": _null_chart(views),
        "version": __version__,
    }
    context["plotly_js"] = plotly_bundle() if _has_charts(context) else None
    return _environment().get_template("report.html.j2").render(context)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pipewarden.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.policies["json.dumps_function"] = figure_json
    environment.policies["json.dumps_kwargs"] = {}
    return environment


def _severity_filters(result: CheckResult) -> list[dict[str, Any]]:
    """One checkbox per severity; info starts unchecked when there is a lot of it."""
    out = []
    for s in _SEVERITIES:
        count = sum(1 for f in result.findings if f.severity is s)
        shown = s is not Severity.INFO or count <= INFO_SHOWN_UP_TO
        out.append({"value": s.value, "count": count, "checked": shown})
    return out


def _has_charts(context: dict[str, Any]) -> bool:
    return context["null_chart"] is not None or any(
        c["figure"] is not None for c in context["cards"]
    )


# --------------------------------------------------------------------- context
def _summary(
    result: CheckResult,
    current: DatasetProfile | None,
    reference: DatasetProfile | None,
    views: Sequence[ColumnView],
) -> dict[str, Any]:
    counts = {
        s.value: sum(1 for f in result.findings if f.severity is s) for s in _SEVERITIES
    }
    drifted = sum(
        1
        for v in views
        if any(d is not None and d.drifted for d in (v.drift, v.null_drift))
    )
    compared = sum(1 for v in views if v.drift is not None or v.null_drift is not None)
    return {
        "status": result.status,
        "rows": fmt.number(result.rows),
        "reference_rows": fmt.number(reference.rows) if reference is not None else None,
        "dataset": result.dataset,
        "contract": result.contract,
        "columns": len(current.columns) if current is not None else len(views),
        "counts": counts,
        "drifted": drifted,
        "compared": compared,
    }


def _finding_rows(
    findings: Sequence[Finding], views: Sequence[ColumnView]
) -> list[dict[str, Any]]:
    anchors = {v.name: v.anchor for v in views}
    return [
        {
            "severity": f.severity.value,
            "rank": f.severity.rank,
            "check": f.check,
            "column": f.column or "",
            "anchor": anchors.get(f.column or "", ""),
            "value": fmt.value(f.value),
            "value_sort": fmt.sort_key(f.value),
            "threshold": fmt.value(f.threshold),
            "threshold_sort": fmt.sort_key(f.threshold),
            "segment": fmt.value(f.segment),
            "message": f.message,
            "cause": f.cause or "",
        }
        for f in findings
    ]


def _overview_row(v: ColumnView) -> dict[str, Any]:
    worst = v.worst
    return {
        "name": v.name,
        "anchor": v.anchor,
        "kind": v.kind,
        "null_reference": fmt.share(v.null_reference),
        "null_reference_sort": fmt.sort_key(v.null_reference),
        "null_current": fmt.share(v.null_current),
        "null_current_sort": fmt.sort_key(v.null_current),
        "drift": _drift_cell(v.drift),
        "findings": len(v.findings),
        "worst": worst.value if worst is not None else "",
        "worst_rank": worst.rank if worst is not None else -1,
    }


def _drift_cell(d: DriftView | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "statistic": d.statistic,
        "score": fmt.score(d.score),
        "score_sort": fmt.sort_key(d.score),
        "threshold": fmt.score(d.threshold),
        "drifted": d.drifted,
        "p_value": fmt.p_value(d.p_value),
        "test": d.test or "",
        "others": ", ".join(f"{name} {fmt.score(x)}" for name, x in d.others),
    }


def _card(v: ColumnView) -> dict[str, Any]:
    dist = v.distribution()
    figure = distribution_figure(dist) if dist is not None else None
    worst = v.worst
    return {
        "name": v.name,
        "anchor": v.anchor,
        "kind": v.kind,
        "dtype": v.dtype,
        "worst": worst.value if worst is not None else None,
        "stats": v.stats,
        "findings": v.findings,
        "drift": _drift_cell(v.drift),
        "null_drift": _drift_cell(v.null_drift),
        "figure": figure,
        "chart_id": f"chart-{v.anchor}",
        "note": dist.note if dist is not None else "",
        "no_chart_reason": "" if dist is not None else v.no_chart_reason(),
    }


def _null_chart(views: Sequence[ColumnView]) -> dict[str, Any] | None:
    with_nulls = [
        v for v in views if (v.null_reference or 0) > 0 or (v.null_current or 0) > 0
    ]
    if not with_nulls:
        return None
    shown = with_nulls[:MAX_CHARTED_COLUMNS]
    fig = null_rate_figure(
        [v.name for v in shown],
        [v.null_reference for v in shown],
        [v.null_current for v in shown],
    )
    return {"figure": fig, "shown": len(shown), "total": len(with_nulls)}
