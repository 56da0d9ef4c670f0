"""pipewarden references add NAME DATA [--note TEXT] [--contract C] | list [--json] |
show NAME[@VERSION] | diff NAME@A NAME@B   (shared, versioned reference sets)"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pipewarden.cli import _options as opt
from pipewarden.cli._output import out, write_json
from pipewarden.store.reference_records import ReferenceSummary, ReferenceVersion

references_app = typer.Typer(
    help="Shared reference sets: add a version, list, show and compare them. Use one "
    "anywhere a reference is accepted as ref:NAME (newest) or ref:NAME@VERSION.",
    no_args_is_help=True,
)


@references_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="Reference set name, e.g. validation.")],
    data: Annotated[str, typer.Argument(help="The reference data (or its profile).")],
    note: Annotated[
        str | None, typer.Option("--note", help="What this version is, or why.")
    ] = None,
    contract: Annotated[
        str | None,
        typer.Option(
            "--contract",
            help="Contract YAML the data is checked against; kept with the version.",
        ),
    ] = None,
    query: opt.Query = None,
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
) -> None:
    """Keep DATA's profile (not its rows) as the next version of reference set NAME."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.references import add_reference

    with open_cli_store(store) as opened:
        added = add_reference(
            name,
            data,
            note=note,
            contract=contract,
            store=opened,
            environ=os.environ,
            query=query,
            memory_budget=opt.memory_budget(None),
        )
    if as_json:
        write_json(added.to_dict(), "-")
        return
    s = added.summary
    out.print(
        f"Added reference set {escape(s.label)}: {s.rows:,} rows, {s.columns} "
        f"columns"
        + (f", {s.status} against {escape(s.contract_name or '')}" if s.status else "")
        + f". Use it as --reference ref:{escape(s.label)}",
        soft_wrap=True,
    )


@references_app.command("list")
def list_command(
    name: Annotated[
        str | None, typer.Argument(help="Only the versions of this set.")
    ] = None,
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
) -> None:
    """List reference sets and their versions (name, version, rows, added, note)."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.references import list_references

    with open_cli_store(store) as opened:
        found = list_references(name, store=opened)
    if as_json:
        write_json([s.to_dict() for s in found], "-")
        return
    if not found:
        out.print(
            "No reference sets yet. Add one with: pipewarden references add NAME DATA",
            soft_wrap=True,
        )
        return
    out.print(_summaries_table(found))


@references_app.command("show")
def show_command(
    reference: Annotated[
        str,
        typer.Argument(
            metavar="NAME[@VERSION]", help="The set (newest version) or one version."
        ),
    ],
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
) -> None:
    """Show one version: provenance, inputs and its columns."""
    from pipewarden.cli.runs import open_cli_store
    from pipewarden.workflows.references import get_reference

    with open_cli_store(store) as opened:
        found = get_reference(reference, store=opened)
    if as_json:
        write_json({**found.to_dict(), "profile": found.profile.to_dict()}, "-")
        return
    out.print(_panel(found))
    out.print(_columns_table(found))


@references_app.command("diff")
def diff_command(
    a: Annotated[str, typer.Argument(metavar="NAME@A", help="The earlier version.")],
    b: Annotated[str, typer.Argument(metavar="NAME@B", help="The version to explain.")],
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
) -> None:
    """What changed from one version to another: rows, columns, inputs, contract."""
    from pipewarden.cli.runs import data_diff_tables, open_cli_store
    from pipewarden.workflows.references import diff_references

    with open_cli_store(store) as opened:
        report = diff_references(a, b, store=opened)
    if as_json:
        write_json(report.to_dict(), "-")
        return
    out.print(f"[bold]{escape(report.a.label)}[/] -> [bold]{escape(report.b.label)}[/]")
    if report.is_empty:
        out.print("No differences.", soft_wrap=True)
        return
    for table in data_diff_tables(report):
        out.print(table)


def _summaries_table(found: list[ReferenceSummary]) -> Table:
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for column in ("name", "version", "rows", "added", "by", "contract", "note"):
        table.add_column(column, overflow="fold")
    for s in found:
        table.add_row(
            escape(s.name),
            str(s.version),
            f"{s.rows:,}",
            s.added_at.strftime("%Y-%m-%d %H:%M"),
            escape(s.added_by or "-"),
            escape(f"{s.contract_name} ({s.status})" if s.contract_name else "-"),
            escape(s.note or ""),
        )
    return table


def _panel(found: ReferenceVersion) -> Table:
    s = found.summary
    table = Table(
        show_header=False, box=None, title=f"Reference {s.label}", title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows = [
        ("rows", f"{s.rows:,}"),
        ("columns", str(s.columns)),
        ("added", f"{s.added_at.isoformat()} by {s.added_by or '-'}"),
        ("note", s.note or ""),
        ("contract", f"{s.contract_name or '-'} ({s.contract_digest or '-'})"),
        ("status", s.status or "-"),
        *(("input", f"{i.path}  {i.content_hash or ''}") for i in found.inputs),
    ]
    for key, value in rows:
        table.add_row(key, escape(value))
    return table


def _columns_table(found: ReferenceVersion) -> Table:
    from pipewarden.pipelines.run_diff import column_statistics

    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for heading in ("column", "kind", "dtype", "null rate", "mean", "distinct"):
        table.add_column(heading, overflow="fold")
    for name, column in found.profile.columns.items():
        stats = column_statistics(column)
        table.add_row(
            escape(name),
            stats["kind"],
            escape(str(stats["dtype"])),
            f"{stats['null_rate']:.3g}",
            "-" if stats["mean"] is None else f"{stats['mean']:.4g}",
            "-" if stats["distinct"] is None else f"{stats['distinct']:,.0f}",
        )
    return table
