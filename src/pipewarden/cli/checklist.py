"""pipewarden checklist [--date D] [--json] [--rules FILE]: the day's scheduled
pipelines; missed and failed runs open alerts."""

from __future__ import annotations

import os
from datetime import date
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pipewarden import _text
from pipewarden.cli import _options as opt
from pipewarden.cli._output import err, out, write_json
from pipewarden.errors import ConfigError
from pipewarden.pipelines.checklist import Checklist

STYLE = {
    "ran": "green",
    "running": "bold",
    "scheduled": "dim",
    "late": "bold yellow",
    "failed": "bold red",
    "missed": "bold red",
}


def checklist_command(
    day: Annotated[
        str | None,
        typer.Option("--date", help="The day, YYYY-MM-DD (default: today, UTC)."),
    ] = None,
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
    rules: Annotated[
        str | None,
        typer.Option(
            help="Alert rules YAML the run.* findings are judged by (default: a "
            "missed or failed run opens a sev2 alert for the pipeline)."
        ),
    ] = None,
) -> None:
    """Which pipelines ran, are running, late, failed or missed on a day.

    Missed and failed runs open alerts (see pipewarden alerts list)."""
    from pipewarden.workflows.checklist import checklist

    wanted = _date(day) if day else None
    found = checklist(
        wanted, store=opt.settings(store).store_url, rules=rules, environ=os.environ
    )
    for event in found.alerts:
        err.print(
            f"Alert {event.alert.id} {event.kind} ({event.alert.alert_severity}): "
            f"{escape(event.event.message)}",
            soft_wrap=True,
        )
    if as_json:
        write_json(found.to_dict(), "-")
        return
    print_checklist(found)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--date '{text}' is not a date. Use YYYY-MM-DD.") from exc


def print_checklist(found: Checklist) -> None:
    counts = ", ".join(
        f"{found.count(s)} {s}"
        for s in ("ran", "running", "late", "failed", "missed", "scheduled")
        if found.count(s)
    )
    out.print(
        f"Checklist for {found.day.isoformat()}: {counts or 'no pipelines'}",
        soft_wrap=True,
    )
    if not found.rows:
        out.print(
            "No pipelines. Declare one with: pipewarden pipelines schedule NAME "
            '"0 6 * * *"',
            soft_wrap=True,
        )
        return
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("pipeline", "expected", "status", "duration", "last success"):
        table.add_column(name, overflow="fold")
    table.add_column("open findings", overflow="fold")
    for row in found.rows:
        slot = row.slot
        run = slot.run
        style = STYLE.get(slot.status, "")
        table.add_row(
            escape(slot.pipeline),
            slot.local_time,
            f"[{style}]{slot.status}[/]" if style else slot.status,
            ""
            if run is None or run.duration is None
            else _text.duration(run.duration.total_seconds()),
            ""
            if row.last_success is None
            else row.last_success.strftime("%Y-%m-%d %H:%M"),
            escape(", ".join(row.open_findings)),
        )
    out.print(table)
    for finding in found.findings:
        out.print(f"  - {escape(finding.message)}", soft_wrap=True)
