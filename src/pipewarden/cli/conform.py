"""pipewarden conform CONTRACT DATA -o OUT [--quarantine OUT]"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipewarden.checks.findings import Severity
from pipewarden.cli import _options as opt
from pipewarden.cli._output import (
    claim_outputs,
    err,
    findings_table,
    out,
    progress,
    write_ci_outputs,
    write_json,
)
from pipewarden.conform.gate import ConformResult
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.errors import ConfigError
from pipewarden.io.formats import write_format_of
from pipewarden.io.sources import describe_source, source_extent
from pipewarden.workflows.conform import conform_to_files


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
    query: opt.Query = None,
    json_out: opt.JsonOut = None,
    junit_out: opt.JunitOut = None,
    markdown_out: opt.MarkdownOut = None,
    memory_budget: opt.MemoryBudget = None,
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
    defaulted = quarantine is None
    quarantine_path = quarantine or _default_quarantine(output)
    write_format_of(quarantine_path)
    claim_outputs(
        inputs={"CONTRACT": contract, "DATA": data},
        outputs={
            "-o": output,
            "--quarantine" + (" (by default beside -o)" if defaulted else ""): (
                quarantine_path
            ),
            "--json": json_out,
            "--junit": junit_out,
            "--markdown": markdown_out,
        },
    )
    budget = opt.memory_budget(memory_budget)
    with progress(
        f"conforming {describe_source(data)}", source_extent(data, query=query)
    ) as advance:
        result = conform_to_files(
            data,
            contract,
            output,
            quarantine_path,
            query=query,
            memory_budget=budget,
            empty_quarantine=not defaulted,
            progress=advance,
        )
    written = quarantine_path if result.rows_quarantined or not defaulted else None
    removed = None if written else _remove_stale(quarantine_path)
    if json_out:
        write_json(result.to_dict(), json_out)
    write_ci_outputs(
        result.to_check_result(),
        junit=junit_out,
        markdown=markdown_out,
        title=f"pipewarden conform: {describe_source(data)}",
        fail_on=Severity.ERROR,
        columns=load_contract(contract).column_names,
        extra=[
            ("rows out", f"{result.rows_out:,}"),
            ("quarantined", f"{result.rows_quarantined:,}"),
        ],
    )
    if json_out != "-":
        _report(result, output, written, defaulted=defaulted)
    if removed:
        (out if json_out != "-" else err).print(
            f"Removed {escape(removed)}, the quarantine of an earlier run: this run "
            "quarantined no rows.",
            soft_wrap=True,
        )


def _remove_stale(path: str) -> str | None:
    """Remove a default quarantine file left by an earlier run; its path if one was."""
    stale = Path(path)
    if not stale.is_file():
        return None
    try:
        stale.unlink()
    except OSError as exc:
        raise ConfigError(
            f"Cannot remove '{stale}', the quarantine of an earlier run: "
            f"{exc.strerror or exc}. Remove it, or pass --quarantine PATH."
        ) from exc
    return path


def _default_quarantine(output: str) -> str:
    path = Path(output)
    return str(path.with_name(f"{path.stem}.quarantine.parquet"))


def _report(
    result: ConformResult,
    output: str,
    quarantine: str | None,
    *,
    defaulted: bool,
) -> None:
    title = result.dataset or "batch"
    table = Table(title=f"{escape(title)}: conformed", header_style="bold")
    table.add_column("rows", justify="right")
    table.add_column("", overflow="fold")
    table.add_row(f"{result.rows_in:,}", "in")
    table.add_row(f"{result.rows_out:,}", f"out -> {escape(output)}")
    table.add_row(
        f"{result.rows_quarantined:,}",
        "quarantined" + (f" -> {escape(quarantine)}" if quarantine else ""),
    )
    for check, column, reason, rows in result.reasons:
        table.add_row(
            f"{rows:,}", f"  {escape(check)} {escape(column)}: {escape(reason)}"
        )
    out.print(table)
    checked = result.to_check_result()
    if checked.at_least(Severity.WARNING):
        out.print(findings_table(checked, min_severity=Severity.WARNING))
    if result.rows_quarantined and defaulted:
        out.print(
            f"{result.rows_quarantined:,} quarantined row(s) written to "
            f"{escape(quarantine or '')} (nothing is lost; pass --quarantine to "
            "choose where)."
        )
