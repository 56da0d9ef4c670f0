"""pipewarden localize RUN [--baseline RUN] [--json OUT] [--html OUT]"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from pipewarden.cli import _options as opt
from pipewarden.cli._output import claim_outputs, out, write_json, write_text
from pipewarden.pipelines.localize import Localization


def localize_command(
    run_id: Annotated[
        str, typer.Argument(metavar="RUN", help="The pipeline run to explain.")
    ],
    baseline: Annotated[
        str | None,
        typer.Option(
            help="A pipeline run to compare with (default: the last good run of the "
            "same pipeline)."
        ),
    ] = None,
    json_out: opt.JsonOut = None,
    html_out: opt.HtmlOut = None,
    store: opt.Store = None,
) -> None:
    """Which stage, column and segment a pipeline run's change began in."""
    from pipewarden.workflows.localize import localize

    claim_outputs(inputs={}, outputs={"--json": json_out, "--html": html_out})
    found = localize(run_id, baseline=baseline, store=opt.settings(store).store_url)
    data = found.to_dict()
    if json_out:
        write_json(data, json_out)
    if html_out:
        from pipewarden.report.localize import render_localization

        write_text(html_out, render_localization(data))
    if json_out == "-":
        return
    print_localization(found, data)


def print_localization(found: Localization, data: dict[str, Any]) -> None:
    out.print(escape(found.headline), soft_wrap=True)
    out.print(
        f"[dim]Run {found.run} compared with {found.baseline} "
        f"(pipeline '{escape(found.pipeline)}').[/]",
        soft_wrap=True,
    )
    if found.stage is not None:
        out.print(
            f"Stage [bold]{escape(found.stage.name)}[/]: {escape(found.stage.message)}",
            soft_wrap=True,
        )
    if found.columns:
        table = Table(title="Columns", title_justify="left", header_style="bold")
        for name in ("column", "first changed in", "score", "what changed"):
            table.add_column(name, overflow="fold")
        for column in found.columns[:15]:
            table.add_row(
                escape(column.column),
                escape(column.stage),
                f"{column.score:.1f}",
                escape(column.message),
            )
        out.print(table)
    if found.segments:
        table = Table(title="Segments", title_justify="left", header_style="bold")
        for name in ("segment", "share of the change"):
            table.add_column(name, overflow="fold")
        for share in found.segments:
            table.add_row(
                escape(f"{share.column} = {share.value}"), f"{share.share:.0%}"
            )
        out.print(table)
    _print_changes(data["changes"])


def _print_changes(changes: dict[str, Any]) -> None:
    lines = []
    if changes["code"]:
        lines.append(f"code: {changes['code']['before']} -> {changes['code']['after']}")
    lines.extend(
        f"{c['kind']} {c['name']}: {c['before'] or '-'} -> {c['after'] or '-'}"
        for c in changes["environment"]
    )
    lines.extend(
        f"contract of {c['stage']}: {c['before']} -> {c['after']}"
        for c in changes["contract"]
    )
    lines.extend(
        f"input of {c['stage']}: {c['path']} {c['change']}" for c in changes["inputs"]
    )
    lines.extend(
        f"rows of {c['stage']}: {c['before']:,} -> {c['after']:,}"
        for c in changes["rows"]
    )
    if lines:
        out.print("[bold]Also different between the runs[/]")
        for line in lines:
            out.print(f"  - {escape(line)}", soft_wrap=True)
