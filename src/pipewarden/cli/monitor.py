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
from rich.text import Text
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
    daily = all(w["start"][11:16] == "00:00" for w in data["windows"])
    rows = []
    for w in data["windows"]:
        worst = {f["severity"] for f in w["findings"]}
        flag = "error" if "error" in worst else "warning" if "warning" in worst else ""
        rows.append(
            (
                w["start"][:10] if daily else w["start"][:16].replace("T", " "),
                f"{w['predictions']:,}",
                f"{w['labelled']:,}",
                *(_metric(w, n) for n in names),
                escape(", ".join(w["drift"].get("drifted_columns", []))) or "-",
                (w["diagnosis"] or "-").replace("_", " "),
                f"[{STYLE[flag]}]{len(w['findings'])}[/]" if flag else "0",
            )
        )
    headers = ("window", "preds", "labels", *(HEADERS.get(n, n) for n in names))
    table = Table(
        header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    for i, header in enumerate(headers):  # figures are never cut short
        width = max(len(header), *(len(row[i]) for row in rows))
        table.add_column(header, no_wrap=True, justify="right", min_width=width)
    table.add_column("drifted", overflow="fold", min_width=7)
    longest = max(len("diagnosis"), *(len(row[-2]) for row in rows))
    table.add_column("diagnosis", no_wrap=True, min_width=longest)
    table.add_column("findings", no_wrap=True, justify="right")
    for row in rows:
        table.add_row(*row)
    out.print(table)
    _print_estimates(data, daily)
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


def _print_estimates(data: dict[str, Any], daily: bool) -> None:
    """Performance before labels: per window the CBPE estimate with its interval
    beside the realized value, and why an estimate looks unreliable; or the note
    saying why there is no estimate (regressors, classifiers without scores)."""
    estimation = data.get("estimation") or {}
    if not estimation.get("method"):
        if estimation.get("note"):
            out.print(f"Estimate: {escape(estimation['note'])}", soft_wrap=True)
        return
    windows = [w for w in data["windows"] if w.get("estimated")]
    if not windows:
        return
    seen = {k for w in windows for k in w["estimated"]["metrics"]}
    names = [n for n in ESTIMATED_METRICS if n in seen][:2]
    reference = estimation.get("reference_window")
    calibration = estimation.get("calibration") or {}
    checked = (
        f"calibration checked on the window of {_when(reference, daily)}, "
        + (
            "scores recalibrated (isotonic)"
            if calibration.get("recalibrated")
            else "scores used as they are"
        )
        if reference
        else "calibration unchecked"
    )
    out.print(f"Performance before labels (CBPE; {checked}):", soft_wrap=True)
    rows = [
        (
            _when(w["start"], daily),
            *(cell for n in names for cell in _estimate(w["estimated"], n)),
            _holds(w["estimated"]),
        )
        for w in windows
    ]
    headers = (
        "window",
        *(
            h
            for n in names
            for h in (f"est. {HEADERS.get(n, n)} [95%]", HEADERS.get(n, n))
        ),
        "estimate",
    )
    table = Table(
        header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    for i, header in enumerate(headers):  # figures are never cut short
        width = max(len(header), *(len(Text.from_markup(row[i])) for row in rows))
        table.add_column(header, no_wrap=True, justify="right", min_width=width)
    for row in rows:
        table.add_row(*row)
    out.print(table)
    for w in windows:
        if w["estimated"]["reliable"] is False:
            out.print(
                f"  - {_when(w['start'], daily)} estimate unreliable: "
                + escape("; ".join(w["estimated"]["reasons"])),
                soft_wrap=True,
            )
    if estimation.get("note"):
        out.print(f"Note: {escape(estimation['note'])}", soft_wrap=True)


def _estimate(estimated: dict[str, Any], name: str) -> tuple[str, str]:
    """The estimate with its 95% interval, and the realized value (red when outside
    the interval); two decimals keep the table in 80 columns (JSON: all digits)."""
    figures = estimated["metrics"].get(name)
    if figures is None:
        return "-", "-"
    low, high = figures["interval"]
    realized = figures.get("realized")
    if realized is None:
        shown = "-"
    elif low <= realized <= high:
        shown = f"{realized:.2f}"
    else:
        shown = f"[bold red]{realized:.2f}[/]"
    return escape(f"{figures['value']:.2f} [{low:.2f}, {high:.2f}]"), shown


def _holds(estimated: dict[str, Any]) -> str:
    if estimated.get("reference"):
        return "reference"
    reliable = estimated.get("reliable")
    if reliable is None:
        return "-"
    return "holds" if reliable else "[yellow]unreliable[/]"


def _when(start: str, daily: bool) -> str:
    return start[:10] if daily else start[:16].replace("T", " ")


def _metric(window: dict[str, Any], name: str) -> str:
    value = window["metrics"].get(name)
    return "-" if value is None else f"{value:.3g}"


TABLE_METRICS = ("mae", "rmse", "mean_residual", "accuracy", "f1", "roc_auc", "mape")
"""The metrics the table shows, the first three a window has (JSON has them all)."""
STYLE = {"error": "bold red", "warning": "yellow"}
"""How the findings count of a window is shown, by its worst severity."""
ESTIMATED_METRICS = ("accuracy", "roc_auc", "f1")
"""The estimated metrics the CBPE table shows, the first two estimated (JSON: all)."""
HEADERS = {"mean_residual": "bias", "accuracy": "acc", "roc_auc": "auc"}
"""Short table headers (the JSON keeps the metrics' names)."""
