"""pipewarden drift REFERENCE CURRENT [--contract C] [--label COL] [--time COL] [--json OUT]
[--html OUT] [--store URL]   (REFERENCE may be ref:NAME[@VERSION], read from the store)"""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pipewarden.cli import _options as opt
from pipewarden.cli._output import (
    SEVERITY_STYLE,
    STATUS_STYLE,
    claim_outputs,
    out,
    progress,
    write_ci_outputs,
    write_json,
    write_text,
)
from pipewarden.drift.multivariate import SAMPLE_ROWS
from pipewarden.drift.results import DriftReport
from pipewarden.io.sources import describe_source
from pipewarden.workflows.compare import CompareOutcome, compare_batches
from pipewarden.workflows.references import is_reference_set

EXIT_FAILED = 1


def drift_command(
    reference: Annotated[
        str,
        typer.Argument(
            help="Reference data, a saved profile JSON, or 'ref:NAME[@VERSION]': a "
            "reference set in the store (newest version by default)."
        ),
    ],
    current: Annotated[str, typer.Argument(help="The batch to compare with it.")],
    contract: Annotated[
        str | None,
        typer.Option(
            help="Contract YAML: per-column drift settings, label, time, segments."
        ),
    ] = None,
    label: Annotated[
        str | None, typer.Option(help="Label column (label.shift).")
    ] = None,
    prediction: Annotated[
        str | None, typer.Option(help="Prediction column (drift.prediction).")
    ] = None,
    time: Annotated[
        str | None, typer.Option(help="Event-time column, never compared as drift.")
    ] = None,
    json_out: opt.JsonOut = None,
    html_out: opt.HtmlOut = None,
    junit_out: opt.JunitOut = None,
    markdown_out: opt.MarkdownOut = None,
    correction: Annotated[
        str, typer.Option(help="Multiple-testing correction: bh, bonferroni or none.")
    ] = "bh",
    sample_rows: Annotated[
        int,
        typer.Option(
            help="Rows sampled per side for the multivariate test (0 turns it off)."
        ),
    ] = SAMPLE_ROWS,
    fail_on: opt.FailOn = "error",
    query: opt.Query = None,
    engine: opt.Engine = "local",
    memory_budget: opt.MemoryBudget = None,
    store: opt.Store = None,
) -> None:
    """Compare CURRENT with REFERENCE column by column; exit 1 on a drift error.

    A column drifts when its effect size passes its threshold AND its test is
    significant after correcting for the number of columns. Drift is a warning; an
    effect of at least twice the threshold is an error.
    """
    threshold = opt.fail_level(fail_on)
    stored = is_reference_set(reference) or is_reference_set(current)
    store_url = opt.settings(store).store_url if stored else None
    claim_outputs(
        inputs={
            "REFERENCE": None if is_reference_set(reference) else reference,
            "CURRENT": None if is_reference_set(current) else current,
            "--contract": contract,
            "--store": store_url,
        },
        outputs={
            "--json": json_out,
            "--html": html_out,
            "--junit": junit_out,
            "--markdown": markdown_out,
        },
    )
    sides = f"{describe_source(reference)} and {describe_source(current)}"
    with progress(f"profiling {sides}") as advance:
        outcome = compare_batches(
            reference,
            current,
            contract=contract,
            label=label,
            prediction=prediction,
            time=time,
            correction=correction,
            sample_rows=sample_rows,
            query=query,
            engine=engine,
            progress=advance,
            memory_budget=opt.memory_budget(memory_budget),
            store=store_url,
        )
    report = outcome.report
    if json_out:
        write_json(report.to_dict(), json_out)
    if html_out:
        write_text(html_out, _html(outcome))
    write_ci_outputs(
        report.to_check_result(),
        junit=junit_out,
        markdown=markdown_out,
        title=f"pipewarden drift: {sides}",
        fail_on=threshold,
        columns=[c.column for c in report.columns],
        extra=[("drifted", f"{len(report.drifted_columns)} of {len(report.columns)}")],
    )
    if json_out != "-":
        _print(report)
    if report.to_check_result().at_least(threshold):
        raise typer.Exit(EXIT_FAILED)


def _html(outcome: CompareOutcome) -> str:
    from pipewarden.report import render_report

    report = outcome.report
    return render_report(
        report.to_check_result(),
        current=outcome.current,
        reference=outcome.reference,
        drift=report,
        title=f"pipewarden drift: {report.dataset}",
    )


def _print(report: DriftReport) -> None:
    drifted = report.drifted
    status = report.status
    compared = len(report.columns)
    notes = "; ".join(report.notes)
    out.print(
        f"[{STATUS_STYLE[status]}]{status.upper()}[/]  {escape(report.dataset or '')} vs "
        f"{escape(report.reference or 'reference')}: {len(report.drifted_columns)} of "
        f"{compared} compared columns drifted"
        + (_multivariate_note(report) if report.multivariate else "")
        + (f", {len(report.skipped)} not compared" if report.skipped else "")
        + (f" ({escape(notes)})" if notes else "")
    )
    left_out = _left_out(report)
    if left_out:
        out.print(f"Left out of the multivariate test: {escape(left_out)}.")
    if not drifted and not (report.multivariate and report.multivariate.drifted):
        return
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("severity", "column", "statistic", "score", "threshold", "change"):
        table.add_column(name, no_wrap=name != "change", overflow="fold")
    for c in drifted:
        where = f" in {_segment(c.segment)}" if c.segment else ""
        table.add_row(
            f"[{SEVERITY_STYLE[c.severity]}]{c.severity.value}[/]",
            escape(c.column),
            c.check.removeprefix("drift."),
            f"{c.score:.3g}",
            f"{c.threshold:.3g}",
            escape(c.change + where),
        )
    m = report.multivariate
    if m is not None and m.drifted:
        table.add_row(
            f"[{SEVERITY_STYLE[m.severity]}]{m.severity.value}[/]",
            "(rows)",
            "multivariate",
            f"{m.auc:.3f}",
            f"{m.threshold:.2f}",
            escape("AUC; relies on " + ", ".join(c for c, _ in m.importance)),
        )
    out.print(table)
    out.print("Details (p-values, every column): --json OUT or --html OUT.")


def _segment(segment: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in segment.items())


def _multivariate_note(report: DriftReport) -> str:
    m = report.multivariate
    assert m is not None
    return f"; multivariate AUC {m.auc:.3f}" + (" (drifted)" if m.drifted else "")


def _left_out(report: DriftReport) -> str:
    """The columns compared one by one that the multivariate test left out."""
    m = report.multivariate
    if m is None:
        return ""
    not_columns = {c for c, _ in report.skipped} | {
        c.column for c in (report.label, report.prediction) if c is not None
    }
    return "; ".join(f"{c} ({r})" for c, r in m.excluded if c not in not_columns)
