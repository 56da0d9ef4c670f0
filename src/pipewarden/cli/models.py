"""pipewarden models register NAME --version V ... | pipewarden models list [--json]"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pipewarden.cli import _options as opt
from pipewarden.cli._output import out, write_json
from pipewarden.errors import ConfigError

models_app = typer.Typer(
    help="Registered models: register a version, list them.", no_args_is_help=True
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
            f"{m['age_days']:.0f} d",
            m["last_window"] or "-",
            _figures(m["metrics"]) or "-",
            str(m["open_alerts"]),
            "yes: " + "; ".join(m["advice"]["reasons"])
            if m["advice"]["retrain"]
            else "no",
        )
    out.print(table)


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
