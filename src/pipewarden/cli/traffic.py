"""pipewarden predictions log MODEL DATA ... | pipewarden labels log MODEL DATA ..."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from pipewarden.cli import _options as opt
from pipewarden.cli._output import out
from pipewarden.store.monitoring_records import BatchReceipt

predictions_app = typer.Typer(
    help="Log a model's predictions with their inputs.", no_args_is_help=True
)
labels_app = typer.Typer(
    help="Log labels that join a model's predictions by id.", no_args_is_help=True
)

Model = Annotated[
    str,
    typer.Argument(
        metavar="MODEL",
        help="NAME (newest version), NAME:VERSION, or models:/NAME@ALIAS (MLflow).",
    ),
]
Data = Annotated[str, typer.Argument(metavar="DATA", help="The batch: a file or URL.")]
Id = Annotated[str, typer.Option("--id", help="Column identifying each prediction.")]
BatchKey = Annotated[
    str | None,
    typer.Option(
        "--batch-key",
        help="The batch's key (default: a hash of its content); a key logged before "
        "stores nothing.",
    ),
]


@predictions_app.command("log")
def log_predictions_command(
    model: Model,
    data: Data,
    id_column: Id,
    prediction: Annotated[
        str,
        typer.Option("--prediction", help="Column of the predicted value or class."),
    ],
    time: Annotated[
        str | None,
        typer.Option("--time", help="Event-time column (default: the logging time)."),
    ] = None,
    score: Annotated[
        list[str] | None,
        typer.Option(
            "--score",
            help="Score column: one (positive-class probability) or one per class, "
            "named by the class (repeatable).",
        ),
    ] = None,
    batch_key: BatchKey = None,
    store: opt.Store = None,
) -> None:
    """Log a batch of predictions (ids, times, predictions, scores and inputs)."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.traffic import log_predictions

    with open_cli_store(store) as opened:
        receipt = log_predictions(
            model,
            data,
            id=id_column,
            prediction=prediction,
            time=time,
            scores=score or None,
            batch_key=batch_key,
            store=opened,
        )
    _print(receipt, "predictions")


@labels_app.command("log")
def log_labels_command(
    model: Model,
    data: Data,
    id_column: Id,
    label: Annotated[str, typer.Option("--label", help="Column of the true value.")],
    batch_key: BatchKey = None,
    store: opt.Store = None,
) -> None:
    """Join a batch of labels to logged predictions by id."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.traffic import log_labels

    with open_cli_store(store) as opened:
        receipt = log_labels(
            model, data, id=id_column, label=label, batch_key=batch_key, store=opened
        )
    _print(receipt, "labels")


def _print(receipt: BatchReceipt, what: str) -> None:
    if receipt.already_logged:
        out.print(
            f"This batch was logged before ({escape(receipt.batch_key[:19])}): "
            f"nothing stored again ({receipt.stored:,} {what} were stored then).",
            soft_wrap=True,
        )
        return
    extra = ", ".join(
        f"{k.replace('_', ' ')} {v:,}" for k, v in receipt.counts.items() if v
    )
    out.print(
        f"Logged {receipt.stored:,} of {receipt.rows:,} {what}"
        + (f" ({extra})" if extra else ""),
        soft_wrap=True,
    )
