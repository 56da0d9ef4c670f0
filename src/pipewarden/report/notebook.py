"""The HTML a notebook shows for each result: compact tables and small inline charts.

``to_html`` renders a DatasetProfile, Contract, CheckResult, DriftReport,
ConformResult or RecordResult as one ``<div>``: its own scoped CSS, tables, and
distribution charts drawn as inline SVG from the same ``Distribution`` the HTML report
plots. No script and no network: notebooks that do not trust their outputs (Jupyter
runs no script from an untrusted notebook) show it whole, and it works offline. Every
value from the data, column names included, is escaped by Jinja's autoescape; chart
labels reach the SVG only as escaped ``<title>`` text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Any

import jinja2

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.conform.gate import ConformResult
from pipewarden.conform.record import RecordResult
from pipewarden.contracts.model import Contract
from pipewarden.drift.results import ColumnComparison, DriftReport
from pipewarden.errors import ConfigError
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.report import _format as fmt
from pipewarden.report._charts import CURRENT_COLOR, REFERENCE_COLOR
from pipewarden.report._columns import ColumnView, column_views
from pipewarden.report._drift import drift_from_findings, drift_from_report

if TYPE_CHECKING:
    from pipewarden.report._distributions import Distribution

__all__ = ["MAX_ROWS", "Displayable", "context_of", "to_html"]

MAX_ROWS = 50
"""Table rows shown at most; a line under the table says how many were left out."""
CHART_WIDTH = 120
CHART_HEIGHT = 28
MAX_BARS = 40

Displayable = (
    DatasetProfile | Contract | CheckResult | DriftReport | ConformResult | RecordResult
)


def to_html(obj: Displayable) -> str:
    """One self-contained ``<div>`` showing a result, for ``_repr_html_``.

    Args:
        obj: A profile, contract, check result, drift report, conform result or
            conformed record.

    Returns:
        HTML with inline CSS and SVG: no script, no external resource.

    Raises:
        ConfigError: ``obj`` is none of the types above.
    """
    return _template().render(context_of(obj))


def context_of(obj: Displayable) -> dict[str, Any]:
    """What a display shows of a result: kind, status, title, facts and tables.

    The notebook's HTML and the terminal's Rich tables (``report.terminal``) both
    render this, so they show the same things.

    Raises:
        ConfigError: ``obj`` is not one of the displayable results.
    """
    for kind, build in _BUILDERS:
        if isinstance(obj, kind):
            context: dict[str, Any] = build(obj)
            return context
    raise ConfigError(
        f"pipewarden displays its results, not {type(obj).__name__}. Pass a "
        "DatasetProfile, Contract, CheckResult, DriftReport, ConformResult or "
        "RecordResult."
    )


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("pipewarden.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("notebook.html.j2")


# ------------------------------------------------------------------ contexts
def _check_context(result: CheckResult) -> dict[str, Any]:
    return {
        "kind": "CheckResult",
        "status": result.status,
        "title": result.dataset or "batch",
        "facts": [
            ("rows", fmt.number(result.rows)),
            ("contract", result.contract or ""),
            *_severity_counts(result.findings),
        ],
        "sections": [_findings_section(result.findings)],
    }


def _drift_context(report: DriftReport) -> dict[str, Any]:
    views = {
        v.name: v
        for v in column_views(report.findings, None, None, drift_from_report(report))
    }
    compared = _comparisons(report)
    rows = [_drift_row(c, views.get(c.column)) for c in compared[:MAX_ROWS]]
    facts = [
        ("reference rows", fmt.number(report.reference_rows)),
        ("current rows", fmt.number(report.current_rows)),
        ("reference", report.reference or ""),
        ("drifted", f"{len(report.drifted_columns)} of {len(report.columns)}"),
    ]
    m = report.multivariate
    if m is not None:
        facts.append(("multivariate AUC", f"{fmt.score(m.auc)} ({m.severity.value})"))
    sections = [
        _table(
            "Columns",
            [
                "column",
                "statistic",
                "score",
                "threshold",
                "p-value",
                "change",
                "distribution",
            ],
            rows,
            total=len(compared),
        )
    ]
    if report.skipped:
        sections.append(
            _table(
                "Not compared", ["column", "reason"], [list(s) for s in report.skipped]
            )
        )
    return {
        "kind": "DriftReport",
        "status": report.status,
        "title": report.dataset or "current",
        "facts": facts,
        "sections": sections,
        "notes": list(report.notes),
    }


def _comparisons(report: DriftReport) -> list[ColumnComparison]:
    extra = [c for c in (report.label, report.prediction) if c is not None]
    order = sorted(
        [*report.columns, *report.nulls, *extra],
        key=lambda c: (not c.drifted, -c.severity.rank, -c.score),
    )
    return order


def _drift_row(c: ColumnComparison, view: ColumnView | None) -> list[Any]:
    chart = None
    if view is not None and c.check != "drift.null_rate":
        dist = view.distribution()
        chart = _chart(dist) if dist is not None else None
    return [
        _cell(c.column, c.severity.value if c.drifted else ""),
        c.check,
        fmt.score(c.score),
        fmt.score(c.threshold),
        fmt.p_value(c.p_value),
        c.change,
        _cell(chart=chart),
    ]


def _profile_context(profile: DatasetProfile) -> dict[str, Any]:
    views = column_views((), profile, None, drift_from_findings(()))
    rows = [
        [
            v.name,
            v.kind,
            v.dtype,
            fmt.share(v.null_current),
            _stat(v, "distinct"),
            _summary(v),
            _cell(chart=_view_chart(v)),
        ]
        for v in views[:MAX_ROWS]  # charts are drawn for the rows shown only
    ]
    return {
        "kind": "DatasetProfile",
        "status": None,
        "title": f"{fmt.number(profile.rows)} rows",
        "facts": [
            ("rows", fmt.number(profile.rows)),
            ("columns", fmt.number(len(profile.columns))),
        ],
        "sections": [
            _table(
                "Columns",
                ["column", "kind", "dtype", "null", "distinct", "summary", "values"],
                rows,
                total=len(views),
            )
        ],
    }


def _stat(view: ColumnView, label: str) -> str:
    return next((s.current for s in view.stats if s.label == label), "")


def _summary(view: ColumnView) -> str:
    wanted = ("min", "median", "max", "most frequent", "mean length", "earliest")
    parts = [
        f"{s.label} {s.current}" for s in view.stats if s.label in wanted and s.current
    ]
    return ", ".join(parts)


def _view_chart(view: ColumnView) -> dict[str, Any] | None:
    dist = view.distribution()
    return _chart(dist) if dist is not None else None


def _contract_context(contract: Contract) -> dict[str, Any]:
    ds = contract.dataset
    facts = [
        ("name", contract.name or ""),
        ("digest", contract.digest),
        ("columns", fmt.number(len(contract.columns))),
        ("unexpected columns", contract.policies.unexpected_columns),
        ("missing columns", contract.policies.missing_columns),
    ]
    if ds.rows.min is not None or ds.rows.max is not None:
        facts.append(("rows", _bounds(ds.rows.min, ds.rows.max)))
    for label, value in (
        ("time", ds.time.column if ds.time else None),
        ("label", ds.label.column if ds.label else None),
        ("prediction", ds.prediction),
        ("id", ds.id),
    ):
        if value:
            facts.append((label, value))
    rows = [
        [
            name,
            spec.kind.value,
            spec.dtype,
            "yes" if spec.nullable else "no",
            fmt.share(spec.max_null_rate),
            _bounds(spec.range.min, spec.range.max) if spec.range else "",
            _categories(spec.categories),
            "yes" if spec.unique else "",
        ]
        for name, spec in contract.columns.items()
    ]
    headers = ["column", "kind", "dtype", "nullable", "max null", "range"]
    return {
        "kind": "Contract",
        "status": None,
        "title": contract.name or "contract",
        "facts": facts,
        "sections": [
            _table("Columns", [*headers, "categories", "unique"], rows),
        ],
    }


def _bounds(low: float | None, high: float | None) -> str:
    return f"[{fmt.number(low) or '-inf'}, {fmt.number(high) or 'inf'}]"


def _categories(values: Sequence[str] | None, shown: int = 8) -> str:
    if not values:
        return ""
    text = ", ".join(values[:shown])
    more = len(values) - shown
    return text + (f" \u2026 ({more} more)" if more > 0 else "")


def _conform_context(result: ConformResult) -> dict[str, Any]:
    reasons = [
        [fmt.number(n), check, column, reason]
        for check, column, reason, n in result.reasons
    ]
    sections = []
    if reasons:
        sections.append(
            _table("Quarantined", ["rows", "check", "column", "reason"], reasons)
        )
    sections.append(_findings_section(result.findings))
    status = result.to_check_result().status
    return {
        "kind": "ConformResult",
        "status": status,
        "title": result.dataset or "batch",
        "facts": [
            ("rows in", fmt.number(result.rows_in)),
            ("rows out", fmt.number(result.rows_out)),
            ("quarantined", fmt.number(result.rows_quarantined)),
            ("contract", result.contract or ""),
        ],
        "sections": sections,
    }


def _record_context(result: RecordResult) -> dict[str, Any]:
    if result.quarantined:
        facts = [
            ("column", result.column or ""),
            ("check", result.check or ""),
            ("reason", result.reason or ""),
        ]
        values: Mapping[str, Any] = result.source or {}
        title, status = "quarantined", "fail"
    else:
        facts = [("issues", fmt.number(len(result.issues)))]
        values = result.record or {}
        title, status = "conformed", "pass"
    rows = [[key, fmt.value(value)] for key, value in values.items()]
    sections = [
        _table(
            "Record" if not result.quarantined else "Given", ["column", "value"], rows
        )
    ]
    if not result.quarantined and result.plan is not None:
        found = result.findings
        if found:
            sections.append(_findings_section(found))
    return {
        "kind": "RecordResult",
        "status": status,
        "title": title,
        "facts": facts,
        "sections": sections,
    }


# ------------------------------------------------------------------ pieces
def _severity_counts(findings: Sequence[Finding]) -> list[tuple[str, str]]:
    return [
        (s.value, fmt.number(sum(1 for f in findings if f.severity is s)))
        for s in sorted(Severity, reverse=True)
    ]


def _findings_section(findings: Sequence[Finding]) -> dict[str, Any]:
    rows = [
        [
            _cell(f.severity.value, f.severity.value),
            f.check,
            f.column or "",
            fmt.value(f.value),
            fmt.value(f.threshold),
            f.message,
        ]
        for f in findings
    ]
    return _table(
        "Findings",
        ["severity", "check", "column", "value", "threshold", "message"],
        rows,
        empty="No findings.",
    )


def _table(
    title: str,
    headers: list[str],
    rows: Sequence[list[Any]],
    *,
    empty: str = "",
    total: int | None = None,
) -> dict[str, Any]:
    """A table of at most MAX_ROWS rows (of ``total``, default all of ``rows``);
    each cell is text or a ``_cell``."""
    shown = [
        [c if isinstance(c, dict) else _cell(c) for c in r]
        for r in islice(rows, MAX_ROWS)
    ]
    return {
        "title": title,
        "headers": headers,
        "rows": shown,
        "hidden": max(0, (len(rows) if total is None else total) - MAX_ROWS),
        "empty": empty,
    }


def _cell(
    text: Any = "", badge: str = "", *, chart: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"text": "" if text is None else str(text), "badge": badge, "chart": chart}


def _chart(dist: Distribution) -> dict[str, Any] | None:
    """Bars of the reference and current shares, as SVG rectangles (numbers only)."""
    sides = [
        (shares, color)
        for shares, color in (
            (dist.reference, REFERENCE_COLOR),
            (dist.current, CURRENT_COLOR),
        )
        if shares
    ]
    if not sides:
        return None
    n = min(len(dist.labels), MAX_BARS)
    top = max(max(shares[:n]) for shares, _ in sides) or 1.0
    step = CHART_WIDTH / n
    width = step / len(sides)
    bars = []
    for k, (shares, color) in enumerate(sides):
        for i, share in enumerate(shares[:n]):
            height = max(share / top * (CHART_HEIGHT - 2), 0.0)
            bars.append(
                {
                    "x": round(i * step + k * width, 2),
                    "y": round(CHART_HEIGHT - height, 2),
                    "w": round(max(width - 0.5, 0.5), 2),
                    "h": round(height, 2),
                    "color": color,
                    "title": f"{dist.labels[i]}: {fmt.share(share)}",
                }
            )
    spark = list(sides[-1][0][:n])
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "bars": bars,
        "spark": [x / top for x in spark],
    }


_BUILDERS: tuple[tuple[type[Any], Any], ...] = (
    (CheckResult, _check_context),
    (DriftReport, _drift_context),
    (ConformResult, _conform_context),
    (RecordResult, _record_context),
    (DatasetProfile, _profile_context),
    (Contract, _contract_context),
)
