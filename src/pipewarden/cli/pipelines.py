"""pipewarden pipelines schedule PIPELINE "CRON" [--timezone TZ] [--grace 30m]
| pipewarden pipelines apply FILE: schedules declared in YAML."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from pipewarden import _text
from pipewarden.cli import _options as opt
from pipewarden.cli._output import out

pipelines_app = typer.Typer(
    help="Pipelines: declare when they are expected to run.", no_args_is_help=True
)


@pipelines_app.command("schedule")
def schedule_command(
    pipeline: Annotated[str, typer.Argument(metavar="PIPELINE", help="Pipeline name.")],
    cron: Annotated[
        str,
        typer.Argument(metavar="CRON", help='When it starts, e.g. "0 6 * * *".'),
    ],
    timezone: Annotated[
        str, typer.Option(help="IANA time zone the cron expression is read in.")
    ] = "UTC",
    grace: Annotated[
        str, typer.Option(help="How late a start still counts as on time.")
    ] = "30m",
    store: opt.Store = None,
) -> None:
    """Declare a pipeline's schedule: run.missed and run.late are judged by it."""
    from pipewarden.workflows.checklist import schedule_pipeline

    record = schedule_pipeline(
        pipeline,
        cron,
        timezone=timezone,
        grace=grace,
        store=opt.settings(store).store_url,
    )
    out.print(
        f"Pipeline '{escape(record.name)}' is expected at '{escape(cron)}' "
        f"({escape(record.timezone)}), grace "
        f"{_text.duration(record.grace.total_seconds())}.",
        soft_wrap=True,
    )


@pipelines_app.command("apply")
def apply_command(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="YAML with pipelines: NAME: {schedule, timezone, grace}.",
        ),
    ],
    store: opt.Store = None,
) -> None:
    """Declare the schedules of a YAML file (all checked before any is kept)."""
    from pipewarden.workflows.checklist import apply_schedules

    records = apply_schedules(file, store=opt.settings(store).store_url)
    for record in records:
        out.print(
            f"Pipeline '{escape(record.name)}' is expected at "
            f"'{escape(record.schedule or '')}' ({escape(record.timezone)}), grace "
            f"{_text.duration(record.grace.total_seconds())}.",
            soft_wrap=True,
        )
