"""pipewarden alerts list [--status S] [--json] | ack ID [--by NAME] | resolve ID [--by NAME]
| escalate   (alerts kept in the store; escalate is meant for cron)"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pipewarden.cli import _options as opt
from pipewarden.cli._output import err, out, write_json
from pipewarden.cli.runs import open_cli_store

if TYPE_CHECKING:
    from pipewarden.store.alert_records import AlertRecord
    from pipewarden.workflows.alerts import AlertsOutcome

alerts_app = typer.Typer(
    help="Alerts: list, acknowledge, resolve, escalate.", no_args_is_help=True
)

By = Annotated[
    str | None,
    typer.Option("--by", help="Who does it (default: your login name)."),
]
AlertId = Annotated[int, typer.Argument(metavar="ID", help="The alert's id.")]
SEVERITY_STYLE = {"sev1": "bold red", "sev2": "red", "sev3": "yellow", "sev4": "dim"}


@alerts_app.command("list")
def list_command(
    status: Annotated[
        str | None,
        typer.Option(
            help="open, acknowledged, resolved or all (default: open and acknowledged)."
        ),
    ] = None,
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
) -> None:
    """List alerts, newest first."""
    from pipewarden.workflows.alerts import list_alerts

    with open_cli_store(store) as opened:
        alerts = list_alerts(opened, status=status)
    if as_json:
        write_json([alert.to_dict() for alert in alerts], "-")
        return
    if not alerts:
        out.print("No alerts.", soft_wrap=True)
        return
    out.print(_alerts_table(alerts))


@alerts_app.command("ack")
def ack_command(alert_id: AlertId, by: By = None, store: opt.Store = None) -> None:
    """Acknowledge an open alert: someone is on it; it stops escalating."""
    from pipewarden.workflows.alerts import acknowledge

    with open_cli_store(store) as opened:
        event = acknowledge(opened, alert_id, by=by or _me(), now=_now())
    out.print(f"Alert {alert_id} acknowledged by {escape(event.event.by)}.")


@alerts_app.command("resolve")
def resolve_command(alert_id: AlertId, by: By = None, store: opt.Store = None) -> None:
    """Resolve an alert by hand (its channels are told)."""
    from pipewarden.workflows.alerts import resolve

    with open_cli_store(store) as opened:
        outcome = resolve(
            opened, alert_id, by=by or _me(), now=_now(), environ=os.environ
        )
    out.print(f"Alert {alert_id} resolved by {escape(outcome.events[0].event.by)}.")
    _delivery(outcome)


@alerts_app.command("escalate")
def escalate_command(store: opt.Store = None) -> None:
    """Escalate the alerts left unacknowledged past their deadline, then deliver
    the notifications waiting in the outbox. Run it from cron."""
    from pipewarden.workflows.alerts import escalate

    with open_cli_store(store) as opened:
        outcome = escalate(opened, now=_now(), environ=os.environ)
    for event in outcome.events:
        out.print(
            f"Alert {event.alert.id} ({event.alert.alert_severity}, "
            f"{escape(event.alert.subject)}): {escape(event.event.message)}",
            soft_wrap=True,
        )
    if not outcome.events:
        out.print("No alert is overdue.")
    _delivery(outcome)


def _delivery(outcome: AlertsOutcome) -> None:
    report = outcome.delivery
    if report is None or not (report.sent or report.retrying or report.failed):
        return
    out.print(
        f"Notifications: {report.sent} sent, {report.retrying} to retry, "
        f"{report.failed} given up."
    )
    for error in report.errors:
        err.print(f"[yellow]notification failed[/]: {escape(error)}")


def _alerts_table(alerts: list[AlertRecord]) -> Table:
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("id", "sev", "status", "rule", "hits", "opened", "last window"):
        table.add_column(name, no_wrap=True)
    table.add_column("subject", overflow="fold", min_width=10)
    table.add_column("message", overflow="fold", min_width=20)
    for alert in alerts:
        style = SEVERITY_STYLE.get(alert.alert_severity, "")
        status = alert.status + (
            f" (esc {alert.escalation_level})" if alert.escalation_level else ""
        )
        table.add_row(
            str(alert.id),
            f"[{style}]{alert.alert_severity}[/]" if style else alert.alert_severity,
            status,
            escape(alert.rule),
            str(alert.hits),
            _when(alert.opened_at),
            _when(alert.last_window),
            escape(alert.subject),
            escape(alert.message),
        )
    return table


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _now() -> datetime:
    return datetime.now(UTC)


def _me() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
