"""pipewarden check CONTRACT DATA [--reference REF] [--json OUT] [--html OUT]
[--as-of TIME] [--store URL] [--dataset NAME] [--record/--no-record] [--model NAME[:VER]]
[--rules FILE]
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape

from pipewarden.checks.findings import CheckResult, Severity
from pipewarden.cli import _options as opt
from pipewarden.cli._output import (
    claim_outputs,
    err,
    print_result,
    progress,
    write_ci_outputs,
    write_json,
    write_text,
)
from pipewarden.io.sources import describe_source, source_extent
from pipewarden.monitor.history import HistoryPolicy
from pipewarden.workflows.check import LAST_PASS, check_batch
from pipewarden.workflows.references import is_reference_set

EXIT_FAILED = 1


def check_command(
    contract: Annotated[str, typer.Argument(help="Contract YAML.")],
    data: Annotated[str, typer.Argument(help="The batch to check.")],
    reference: Annotated[
        str | None,
        typer.Option(
            help="Reference data or saved profile, for comparisons; 'last-pass': "
            "the last passing run of --dataset in the store; 'ref:NAME[@VERSION]': "
            "a reference set in the store (newest version by default)."
        ),
    ] = None,
    json_out: opt.JsonOut = None,
    html_out: opt.HtmlOut = None,
    junit_out: opt.JunitOut = None,
    markdown_out: opt.MarkdownOut = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Judge freshness at this ISO time instead of now."
        ),
    ] = None,
    fail_on: opt.FailOn = "error",
    query: opt.Query = None,
    engine: opt.Engine = "local",
    store: opt.Store = None,
    dataset: Annotated[
        str | None, typer.Option(help="Dataset name the run is recorded under.")
    ] = None,
    record: Annotated[
        bool | None,
        typer.Option(
            "--record/--no-record",
            help="Record the run in the store (default: when --store, --dataset or "
            "PIPEWARDEN_STORE_URL is given).",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Registered model NAME[:VERSION], or models:/NAME@ALIAS (an MLflow "
            "registry; pip install 'pipewarden[mlflow]'): report env.mismatch where "
            "this environment differs from its training environment."
        ),
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option(
            help="Alert rules YAML the recorded run is judged by (default: an error "
            "finding opens a sev3 alert for the dataset)."
        ),
    ] = None,
    memory_budget: opt.MemoryBudget = None,
) -> None:
    """Check DATA against CONTRACT; exit 1 when a finding reaches --fail-on."""
    threshold = opt.fail_level(fail_on)
    now = opt.parse_time(as_of) if as_of else None
    settings = opt.settings(store)
    recording = (
        record if record is not None else bool(dataset) or opt.store_named(store)
    )
    stored_reference = reference == LAST_PASS or is_reference_set(reference)
    uses_store = recording or stored_reference or bool(model)
    claim_outputs(
        inputs={
            "CONTRACT": contract,
            "DATA": data,
            "--reference": None if stored_reference else reference,
            "--rules": rules,
            "--store": settings.store_url if uses_store else None,
        },
        outputs={
            "--json": json_out,
            "--html": html_out,
            "--junit": junit_out,
            "--markdown": markdown_out,
        },
    )
    title = describe_source(data)
    budget = opt.memory_budget(memory_budget)
    with progress(f"checking {title}", source_extent(data, query=query)) as advance:
        outcome = check_batch(
            data,
            contract,
            reference=reference,
            now=now,
            dataset=dataset,
            store=settings.store_url if uses_store else None,
            record=recording,
            model=model,
            environ=os.environ,
            history=HistoryPolicy(window=settings.history_window),
            query=query,
            engine=engine,
            progress=advance,
            rules=rules,
            memory_budget=budget,
        )
    if outcome.run is not None:
        err.print(f"Recorded run {outcome.run.id} in {escape(outcome.store_url or '')}")
    if outcome.alerts is not None:
        for event in outcome.alerts.events:
            err.print(
                f"Alert {event.alert.id} {event.kind} ({event.alert.alert_severity}): "
                f"{escape(event.event.message)}"
            )
    if html_out:
        from pipewarden.report import render_report

        html = render_report(
            outcome.result, current=outcome.current, reference=outcome.reference
        )
        write_text(html_out, html)
    write_ci_outputs(
        outcome.result,
        junit=junit_out,
        markdown=markdown_out,
        title=f"pipewarden check: {title}",
        fail_on=threshold,
        columns=outcome.current.column_names if outcome.current is not None else (),
    )
    finish(outcome.result, title=title, json_out=json_out, threshold=threshold)


def finish(
    result: CheckResult, *, title: str, json_out: str | None, threshold: Severity
) -> None:
    """Print and write a result, then exit 1 if it reaches the threshold."""
    if json_out:
        write_json(result.to_dict(), json_out)
    if json_out != "-":
        print_result(result, title=title)
    if result.at_least(threshold):
        raise typer.Exit(EXIT_FAILED)
