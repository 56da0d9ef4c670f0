"""pipewarden models register NAME --version V ... | models list [--json]
| models compare CHAMPION CHALLENGER [--metric M] ... | models promote NAME:VERSION"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pipewarden.cli import _options as opt
from pipewarden.cli._output import claim_outputs, out, write_json
from pipewarden.errors import ConfigError

models_app = typer.Typer(
    help="Registered models: register a version, list them, compare a champion with "
    "a challenger, promote one.",
    no_args_is_help=True,
)


@models_app.command("register")
def register_command(
    name: Annotated[str, typer.Argument(help="Model name.")],
    version: Annotated[str, typer.Option("--version", help="Version label.")],
    model_file: Annotated[
        str | None,
        typer.Option(
            "--model-file",
            help="The saved model (its hash is kept; a pickled scikit-learn "
            "estimator also gives the feature importances).",
        ),
    ] = None,
    training_data: Annotated[
        str | None,
        typer.Option(
            "--training-data",
            help="Training data, its profile, or ref:NAME[@VERSION] (a reference set "
            "in the store): the baseline monitoring compares with.",
        ),
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="Target column of the training data.")
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(
            "--task", help="classification or regression (default: inferred)."
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric", help="Validation metric NAME=VALUE, the baseline (repeatable)."
        ),
    ] = None,
    importance: Annotated[
        list[str] | None,
        typer.Option("--importance", help="Feature importance COL=VALUE (repeatable)."),
    ] = None,
    store: opt.Store = None,
) -> None:
    """Register a model version: baseline metrics, training profile, environment."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.models import register_model

    with open_cli_store(store) as opened:
        record = register_model(
            name,
            version,
            model_file if model_file is not None else f"{name}:{version}".encode(),
            training_data=training_data,
            metrics=_pairs(metric, "--metric"),
            label=label,
            task=task,
            importances=None if not importance else _pairs(importance, "--importance"),
            store=opened,
        )
    out.print(
        f"Registered model '{escape(record.name)}' version {escape(record.version)}"
        f" ({record.task or 'task unknown'}"
        + (f", label {escape(record.label)}" if record.label else "")
        + f", {len(record.inputs)} inputs"
        + (f", baseline {_figures(record.metrics)}" if record.metrics else "")
        + ")",
        soft_wrap=True,
    )


@models_app.command("list")
def list_command(store: opt.Store = None, as_json: opt.JsonFlag = False) -> None:
    """List registered models: age, last window's metrics, retrain advice."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.monitoring import list_models

    with open_cli_store(store) as opened:
        models = list_models(store=opened)
    if as_json:
        write_json(models, "-")
        return
    if not models:
        out.print(
            "No models registered yet. Register one with: pipewarden models register "
            "NAME --version V",
            soft_wrap=True,
        )
        return
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for column in (
        "model",
        "version",
        "champion",
        "age",
        "last window",
        "metrics",
        "open alerts",
        "retrain",
    ):
        table.add_column(column, overflow="fold")
    for m in models:
        table.add_row(
            escape(m["name"]),
            escape(m["version"]),
            "[bold]yes[/]" if m["champion"] else "",
            f"{m['age_days']:.0f} d",
            m["last_window"] or "-",
            _figures(m["metrics"]) or "-",
            str(m["open_alerts"]),
            "yes: " + "; ".join(m["advice"]["reasons"])
            if m["advice"]["retrain"]
            else "no",
        )
    out.print(table)


@models_app.command("compare")
def compare_command(
    champion: Annotated[
        str, typer.Argument(metavar="CHAMPION", help="NAME:VERSION of the champion.")
    ],
    challenger: Annotated[
        str,
        typer.Argument(metavar="CHALLENGER", help="NAME:VERSION of the challenger."),
    ],
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help="mae or rmse (regression); accuracy, roc_auc or log_loss "
            "(classification). Default: mae, accuracy.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="First prediction time to include (ISO, UTC)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Prediction time to stop before (ISO, UTC)."),
    ] = None,
    segment: Annotated[
        list[str] | None,
        typer.Option(
            "--segment",
            help="Logged input column to compare within (repeatable; default: the "
            "text inputs with 2 to 20 values).",
        ),
    ] = None,
    expected_share: Annotated[
        float,
        typer.Option(
            "--expected-share",
            help="The champion's expected share of the traffic when each id went to "
            "one model (an A/B split), for the sample-ratio check; e.g. 0.9 when "
            "the challenger gets 10%.",
        ),
    ] = 0.5,
    json_out: opt.JsonOut = None,
    store: opt.Store = None,
) -> None:
    """Champion against challenger on logged predictions and labels, with a test."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.lifecycle import compare_models

    claim_outputs(inputs={}, outputs={"--json": json_out})
    with open_cli_store(store) as opened:
        report = compare_models(
            champion,
            challenger,
            metric=metric,
            since=None if since is None else opt.parse_time(since),
            until=None if until is None else opt.parse_time(until),
            segments=segment or None,
            expected_share=expected_share,
            store=opened,
        )
    data = report.to_dict()
    if json_out:
        write_json(data, json_out)
    if json_out != "-":
        _print_comparison(data)


@models_app.command("promote")
def promote_command(
    model: Annotated[
        str, typer.Argument(metavar="NAME:VERSION", help="The version to promote.")
    ],
    evidence: Annotated[
        str | None,
        typer.Option(
            "--evidence", help="The JSON of models compare --json behind the decision."
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why, in words.")] = None,
    store: opt.Store = None,
) -> None:
    """Record a version as the champion of its name, with its evidence."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.lifecycle import promote_model

    claim_outputs(inputs={"--evidence": evidence}, outputs={})
    with open_cli_store(store) as opened:
        record = promote_model(model, evidence=evidence, note=note, store=opened)
    before = f" (was version {escape(record.previous)})" if record.previous else ""
    out.print(
        f"Promoted '{escape(record.name)}' version {escape(record.version)} to "
        f"champion{before}.",
        soft_wrap=True,
    )
    if record.note:
        out.print(f"Note given: {escape(record.note)}", soft_wrap=True)
    found = record.evidence
    if found is not None:
        challenger = f"{record.name}:{record.version}" == found.get("challenger")
        winner = "challenger_better" if challenger else "champion_better"
        said = found.get("verdict")
        out.print(
            f"Evidence: {escape(str(found.get('metric')))} "
            f"{escape(str(said)).replace('_', ' ')} ({found.get('design')}, "
            f"{found.get('rows', 0):,} rows).",
            soft_wrap=True,
        )
        if said != winner:
            out.print(
                "[yellow]Note:[/] the evidence does not show this version better.",
                soft_wrap=True,
            )


def _print_comparison(data: dict[str, Any]) -> None:
    metric = data["metric"]
    low, high = data["ci"]
    out.print(
        f"{escape(data['champion'])} (champion) against {escape(data['challenger'])} "
        f"(challenger): {data['design']}, {data['rows']:,} labelled rows, {metric}.",
        soft_wrap=True,
    )
    rows = [
        (
            "all",
            f"{data['champion_value']:.4g}",
            f"{data['challenger_value']:.4g}",
            f"{data['difference']:+.3g}",
            f"[{low:+.3g}, {high:+.3g}]",
            f"{data['p_value']:.2g}",
            "",
        )
    ]
    for s in data["segments"]:
        ci = s["ci"]
        rows.append(
            (
                escape(f"{s['column']}={s['value']}"),
                "-" if s["champion_value"] is None else f"{s['champion_value']:.4g}",
                "-"
                if s["challenger_value"] is None
                else f"{s['challenger_value']:.4g}",
                "-" if s["difference"] is None else f"{s['difference']:+.3g}",
                "too few rows" if ci is None else f"[{ci[0]:+.3g}, {ci[1]:+.3g}]",
                "-" if s["p_value"] is None else f"{s['p_value']:.2g}",
                "worse" if s["flagged"] else "",
            )
        )
    headers = ("", "champion", "challenger", "diff", "95% interval", "p", "")
    table = Table(
        header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True
    )
    for i, header in enumerate(headers):  # figures are never cut short
        width = max(len(header), *(len(row[i]) for row in rows))
        style = "bold red" if i == len(headers) - 1 else None
        table.add_column(
            header, justify="right", no_wrap=True, min_width=width, style=style
        )
    for row in rows:
        table.add_row(*row)
    out.print(table)
    out.print(verdict_line(data))
    ratio = data["sample_ratio"]
    if ratio is not None:
        out.print(
            f"Traffic: {ratio['champion_rows']:,} champion and "
            f"{ratio['challenger_rows']:,} challenger rows, against an expected "
            f"{ratio['expected_share']:.0%} for the champion (sample-ratio p = "
            f"{ratio['p_value']:.2g}"
            + (": [bold red]mismatch[/])." if ratio["mismatch"] else ")."),
            soft_wrap=True,
        )
    for s in data["segments"]:
        if s["flagged"]:
            out.print(
                f"[yellow]Flagged:[/] the challenger is worse where "
                f"{escape(str(s['column']))}={escape(str(s['value']))} "
                f"({metric} {s['champion_value']:.4g} -> {s['challenger_value']:.4g}) "
                "although better overall.",
                soft_wrap=True,
            )
    for note in data["notes"]:
        out.print(f"Note: {escape(note)}", soft_wrap=True)


VERDICTS = {
    "challenger_better": "[bold green]challenger better[/]",
    "champion_better": "[bold red]champion better[/]",
    "no_difference": "no difference (the interval contains 0)",
}


def verdict_line(data: dict[str, Any]) -> str:
    """The comparison's verdict and its test, as Rich markup."""
    return f"Verdict: {VERDICTS[data['verdict']]} ({escape(data['test'])})."


def _pairs(items: list[str] | None, option: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        try:
            found[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise ConfigError(
                f"{option} takes NAME=NUMBER, e.g. {option} mae=2.1; not '{item}'."
            )
    return found


def _figures(metrics: dict[str, Any]) -> str:
    return ", ".join(
        f"{k} {v:.4g}" for k, v in metrics.items() if isinstance(v, int | float)
    )


def _now() -> datetime:
    return datetime.now(UTC)
