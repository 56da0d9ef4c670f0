"""pipewarden check CONTRACT DATA [--reference REF] [--json OUT] [--as-of TIME]"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from pipewarden._api import check as check_data
from pipewarden.checks.findings import CheckResult, Severity
from pipewarden.cli._app import app
from pipewarden.cli._output import print_result, progress, write_json
from pipewarden.errors import ConfigError
from pipewarden.io.sources import describe_source

EXIT_FAILED = 1


@app.command("check")
def check_command(
    contract: Annotated[str, typer.Argument(help="Contract YAML.")],
    data: Annotated[str, typer.Argument(help="The batch to check.")],
    reference: Annotated[
        str | None,
        typer.Option(help="Reference data or saved profile, for comparisons."),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json", help="Write the findings JSON here ('-' for standard output)."
        ),
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
) -> None:
    """Check DATA against CONTRACT; exit 1 when a finding reaches --fail-on."""
    threshold = _severity(fail_on)
    now = parse_time(as_of) if as_of else None
    with progress(f"checking {describe_source(data)}") as advance:
        result = check_data(
            data, contract, reference=reference, now=now, query=query, progress=advance
        )
    finish(result, title=describe_source(data), json_out=json_out, threshold=threshold)


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
