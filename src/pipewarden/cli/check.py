"""pipewarden check CONTRACT DATA [--reference REF] [--json OUT] [--html OUT]
[--as-of TIME] [--store URL] [--dataset NAME] [--record/--no-record] [--model NAME[:VER]]
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated

import typer

from pipewarden._api import as_profile
from pipewarden._api import check as check_data
from pipewarden.checks.findings import CheckResult, Severity
from pipewarden.cli._app import app
from pipewarden.cli._output import print_result, progress, write_json, write_text
from pipewarden.cli._record import Recorder, with_findings
from pipewarden.errors import ConfigError
from pipewarden.io.sources import describe_source

EXIT_FAILED = 1


@app.command("check")
def check_command(
    contract: Annotated[str, typer.Argument(help="Contract YAML.")],
    data: Annotated[str, typer.Argument(help="The batch to check.")],
    reference: Annotated[
        str | None,
        typer.Option(
            help="Reference data or saved profile, for comparisons; 'last-pass': "
            "the last passing run of --dataset in the store."
        ),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json", help="Write the findings JSON here ('-' for standard output)."
        ),
    ] = None,
    html_out: Annotated[
        str | None,
        typer.Option("--html", help="Write a self-contained HTML report here."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Judge freshness at this ISO time instead of now."
        ),
    ] = None,
    fail_on: Annotated[
        str, typer.Option(help="Lowest severity that fails the run: error or warning.")
    ] = "error",
    query: Annotated[
        str | None, typer.Option(help="SQL query for a database URL.")
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            help="Store URL to record the run in (default: PIPEWARDEN_STORE_URL, "
            "else .pipewarden/pipewarden.db)."
        ),
    ] = None,
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
            help="Registered model NAME[:VERSION]: report env.mismatch where this "
            "environment differs from its training environment."
        ),
    ] = None,
) -> None:
    """Check DATA against CONTRACT; exit 1 when a finding reaches --fail-on."""
    threshold = _severity(fail_on)
    now = parse_time(as_of) if as_of else None
    title = describe_source(data)
    recorder = Recorder.from_options(
        store=store, dataset=dataset, record=record, environ=os.environ
    )
    reference, reference_name = recorder.reference(reference)
    started = datetime.now(UTC)
    with progress(f"checking {title}") as advance:
        current = as_profile(data, query=query, progress=advance)
        ref = (
            as_profile(reference, query=query, progress=advance)
            if reference is not None
            else None
        )
        result = check_data(
            current, contract, reference=ref, now=now, dataset=dataset or title
        )
    result = with_findings(result, recorder.model_findings(model))
    result = recorder.record(
        result,
        profile=current,
        contract=contract,
        data=data,
        query=query,
        started_at=started,
        reference=reference_name,
        environ=os.environ,
    )
    if html_out:
        from pipewarden.report import render_report

        html = render_report(result, current=current, reference=ref)
        write_text(html_out, html)
    finish(result, title=title, json_out=json_out, threshold=threshold)


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


def _severity(text: str) -> Severity:
    if text not in ("error", "warning"):
        raise ConfigError(f"--fail-on must be 'error' or 'warning', not '{text}'.")
    return Severity(text)


def parse_time(text: str) -> datetime:
    """An ISO timestamp (naive means UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(
            f"'{text}' is not an ISO time. Use e.g. 2024-03-01T00:00:00Z."
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
