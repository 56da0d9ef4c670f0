"""pipewarden monitor MODEL [--window W] [--since T] [--until T] [--rules FILE] [--json OUT]
| pipewarden monitor rules --init [FILE]

``monitor MODEL`` is short for ``monitor run MODEL`` (a model named ``rules`` or
``run`` needs the long form).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from pipewarden.cli import _options as opt
from pipewarden.cli._output import claim_outputs, out, write_json, write_text
from pipewarden.errors import ConfigError


class _ModelOrCommand(TyperGroup):
    """``monitor MODEL ...`` runs ``monitor run MODEL ...``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


monitor_app = typer.Typer(
    cls=_ModelOrCommand,
    help="Watch a model over time: windows, metrics, drift, alerts, retrain advice.",
    no_args_is_help=True,
)


@monitor_app.command("run")
def run_command(
    model: Annotated[
        str,
        typer.Argument(metavar="MODEL", help="NAME (newest version) or NAME:VERSION."),
    ],
    window: Annotated[
        str,
        typer.Option(
            "--window",
            help="second, minute, hour, day, week, month, year, or Ns, Nm, Nh, Nd.",
        ),
    ] = "day",
    since: Annotated[
        str | None, typer.Option("--since", help="First time to include (ISO, UTC).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Time to stop before (ISO, UTC).")
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option("--rules", help="Alert rules YAML (default: the built-in rules)."),
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy", help="Retrain policy YAML (default: the built-in one)."
        ),
    ] = None,
    json_out: opt.JsonOut = None,
    store: opt.Store = None,
) -> None:
    """Per window: predictions, labels, metrics, drift, diagnosis, findings."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.monitoring import monitor_model

    claim_outputs(
        inputs={"--rules": rules, "--policy": policy}, outputs={"--json": json_out}
    )
    with open_cli_store(store) as opened:
        report = monitor_model(
            model,
            window=window,
            since=None if since is None else opt.parse_time(since),
            until=None if until is None else opt.parse_time(until),
            rules=rules,
            policy=policy,
            store=opened,
        )
    data = report.to_dict()
    if json_out:
        write_json(data, json_out)
    if json_out != "-":
        _print(data)
        for event in report.alert_events:
            alert = event.alert
            out.print(
                f"Alert {alert.id} {event.kind} ({alert.alert_severity}, rule "
                f"{escape(alert.rule)}): {escape(alert.message)}",
                soft_wrap=True,
            )


@monitor_app.command("rules")
def rules_command(
    init: Annotated[
        str | None,
        typer.Option(
            "--init",
            help="Write the default rules to this YAML file ('-': standard output).",
        ),
    ] = None,
) -> None:
    """Write the default alert rules, to edit and pass with --rules."""
    from pipewarden.monitor.rules import RuleSet

    if init is None:
        raise ConfigError(
            "Say where to write the rules: pipewarden monitor rules --init rules.yaml"
        )
    text = RuleSet.default().to_yaml()
    if init == "-":
        out.file.write(text)
        return
    write_text(init, text)
    out.print(f"Wrote the default rules to {escape(init)}")


def _print(data: dict[str, Any]) -> None:
    baseline = ", ".join(f"{k} {v:.4g}" for k, v in data["baseline"].items())
    out.print(
        f"Model {escape(data['model'])} version {escape(data['version'])} "
        f"({data['task'] or 'task unknown'}), windows of a {data['window']}"
        + (f"; baseline {baseline}" if baseline else ""),
        soft_wrap=True,
    )
    if not data["windows"]:
        out.print("No predictions logged in this range.")
        return
    seen = {k for w in data["windows"] for k in w["metrics"]}
    names = [n for n in TABLE_METRICS if n in seen][:3]
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for column in ("window", "preds", "labels", *names):
        table.add_column(column, no_wrap=True, justify="right")
    table.add_column("drifted", overflow="fold")
    table.add_column("diagnosis", no_wrap=True)
    table.add_column("findings", no_wrap=True)
    daily = all(w["start"][11:16] == "00:00" for w in data["windows"])
    for w in data["windows"]:
        worst = {f["severity"] for f in w["findings"]}
        flag = "error" if "error" in worst else "warning" if "warning" in worst else ""
        table.add_row(
            w["start"][:10] if daily else w["start"][:16].replace("T", " "),
            f"{w['predictions']:,}",
            f"{w['labelled']:,}",
            *(_metric(w, n) for n in names),
            ", ".join(w["drift"].get("drifted_columns", [])) or "-",
            (w["diagnosis"] or "-").replace("_", " "),
            f"[red]{len(w['findings'])} {flag}[/]" if flag else str(len(w["findings"])),
        )
    out.print(table)
    for finding in data["findings"]:
        if finding["severity"] != "info":
            when = (finding.get("segment") or {}).get("window", "")[:10]
            out.print(
                f"  - {when + ' ' if when else ''}{finding['severity']}: "
                f"{escape(finding['message'])}",
                soft_wrap=True,
            )
    if data["alerts"]:
        out.print(f"{len(data['alerts'])} unresolved alert(s): pipewarden alerts list")
    advice = data["advice"]
    out.print(
        "Retrain: [bold]yes[/] — " + escape("; ".join(advice["reasons"]))
        if advice["retrain"]
        else "Retrain: no",
        soft_wrap=True,
    )


def _metric(window: dict[str, Any], name: str) -> str:
    value = window["metrics"].get(name)
    return "-" if value is None else f"{value:.3g}"


TABLE_METRICS = ("mae", "rmse", "mean_residual", "accuracy", "f1", "roc_auc", "mape")
"""The metrics the table shows, the first three a window has (JSON has them all)."""
