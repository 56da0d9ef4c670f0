"""pipewarden conform CONTRACT DATA -o OUT [--quarantine OUT]"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipewarden.checks.findings import Severity
from pipewarden.cli._app import app
from pipewarden.cli._output import findings_table, out
from pipewarden.conform.gate import ConformResult, Gate
from pipewarden.io.formats import write_format_of, write_frame
from pipewarden.io.sources import describe_source, read_frame


@app.command("conform")
def conform_command(
    contract: Annotated[str, typer.Argument(help="Contract YAML.")],
    data: Annotated[
        str,
        typer.Argument(
            help="The batch to conform (CSV, Parquet, "
            "JSON Lines, Arrow IPC, or a database URL)."
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "-o", "--output", help="Conformed rows: .parquet, .csv, .jsonl or .arrow."
        ),
    ],
    quarantine: Annotated[
        str | None,
        typer.Option(
            help="Quarantined rows (.parquet, .csv, .jsonl or .arrow). Default, when rows "
            "are quarantined: OUT's name with .quarantine.parquet, beside OUT."
        ),
    ] = None,
    query: Annotated[
        str | None, typer.Option(help="SQL query for a database URL.")
    ] = None,
) -> None:
    """Conform DATA to CONTRACT: model-ready rows to OUT, the rest to the quarantine.

    OUT gets exactly the contract's columns, in its order and dtypes. Rows that
    cannot be repaired are written, with their original values and a reason, to the
    quarantine; rows in = rows out + rows quarantined.

    Exit codes: 0 the batch was conformed (also when rows were quarantined); 2 it
    could not be: a column is missing and the contract does not fill it, a column
    is unexpected and the contract says fail, or the contract or data is unreadable.
    """
    write_format_of(output)  # refuse an unknown extension before reading the data
    quarantine_path = quarantine
    if quarantine_path is not None:
        write_format_of(quarantine_path)
    gate = Gate(contract)
    batch = read_frame(data, query=query)
    result = gate.conform(batch)
    write_frame(result.frame, output)
    if result.rows_quarantined:
        quarantine_path = quarantine_path or _default_quarantine(output)
    if quarantine_path is not None:
        write_frame(result.quarantine, quarantine_path)
    _report(
        result,
        describe_source(data),
        output,
        quarantine_path,
        defaulted=quarantine is None,
    )


def _default_quarantine(output: str) -> str:
    path = Path(output)
    return str(path.with_name(f"{path.stem}.quarantine.parquet"))


def _report(
    result: ConformResult,
    title: str,
    output: str,
    quarantine: str | None,
    *,
    defaulted: bool,
) -> None:
    table = Table(title=f"{escape(title)}: conformed", header_style="bold")
    table.add_column("rows", justify="right")
    table.add_column("", overflow="fold")
    table.add_row(f"{result.rows_in:,}", "in")
    table.add_row(f"{result.rows_out:,}", f"out -> {escape(output)}")
    table.add_row(
        f"{result.rows_quarantined:,}",
        "quarantined"
        + (
            f" -> {escape(quarantine)}"
            if quarantine and result.rows_quarantined
            else ""
        ),
    )
    for check, column, reason, rows in result.reasons:
        table.add_row(
            f"{rows:,}", f"  {escape(check)} {escape(column)}: {escape(reason)}"
        )
    out.print(table)
    checked = result.to_check_result(dataset=title)
    if checked.at_least(Severity.WARNING):
        out.print(findings_table(checked, min_severity=Severity.WARNING))
    if result.rows_quarantined and defaulted:
        out.print(
            f"{result.rows_quarantined:,} quarantined row(s) written to "
            f"{escape(quarantine or '')} (nothing is lost; pass --quarantine to "
            "choose where)."
        )
