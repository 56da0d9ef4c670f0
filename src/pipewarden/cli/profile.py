"""pipewarden profile DATA [-o profile.json] [--label COL]"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipewarden._text import share
from pipewarden.cli import _options as opt
from pipewarden.cli._output import claim_outputs, out, progress, write_text
from pipewarden.io.sources import describe_source
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.sketches import micros_to_text
from pipewarden.workflows.profile import label_note
from pipewarden.workflows.profile import profile as profile_data


def profile_command(
    data: Annotated[
        str,
        typer.Argument(
            help="CSV, Parquet (file, dir, glob), JSONL, "
            "Arrow IPC, or a database URL with --query."
        ),
    ],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write the profile JSON here.")
    ] = None,
    query: opt.Query = None,
    engine: opt.Engine = "local",
    label: Annotated[
        str | None,
        typer.Option(help="Label column: tell its class imbalance, as check does."),
    ] = None,
) -> None:
    """Profile DATA in one pass and print a summary per column."""
    claim_outputs(inputs={"DATA": data}, outputs={"-o": output})
    with progress(f"profiling {describe_source(data)}") as advance:
        prof = profile_data(data, query=query, engine=engine, progress=advance)
    note = label_note(prof, label) if label is not None else None
    if output:
        write_text(output, prof.to_json())
    out.print(_summary(prof, describe_source(data)))
    if note is not None:
        out.print(escape(note.message), soft_wrap=True)
    if output:
        out.print(f"Profile written to {output}")


def _summary(prof: DatasetProfile, title: str) -> Table:
    table = Table(
        title=f"{escape(title)}: {prof.rows:,} rows, {len(prof.columns)} columns",
        header_style="bold",
    )
    for name in ("column", "kind", "null %", "distinct", "min", "median", "max", "top"):
        table.add_column(name, overflow="fold")
    for col in prof.columns.values():
        q = col.quantiles.quantiles([0.5])
        lo, hi = (col.moments.min, col.moments.max)
        if col.time.min is not None:
            newest = col.time.max if col.time.max is not None else col.time.min
            lo_s, hi_s = (
                micros_to_text(col.time.min),
                micros_to_text(newest),
            )  # 0 (1970) is a time too
        else:
            lo_s = "" if lo is None else f"{lo:.6g}"
            hi_s = "" if hi is None else f"{hi:.6g}"
        top = col.frequent.top(1)
        table.add_row(
            escape(col.name),
            col.kind.value,
            share(col.missing_rate),
            f"{col.distinct_count:,.0f}",
            lo_s,
            f"{q[0]:.6g}" if q else "",
            hi_s,
            f"{escape(top[0][0][:24])} ({share(top[0][1] / max(col.non_null, 1))})"
            if top
            else "",
        )
    return table
