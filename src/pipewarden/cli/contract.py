"""pipewarden contract infer DATA -o contract.yaml [--label COL] [--time COL] [--id COL]
pipewarden contract import SOURCE [--from gx|pandera] [--out contract.yaml]
pipewarden contract export CONTRACT [--to pandera] [--out schema.yaml]
pipewarden contract schema [--out contract.schema.json]"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from pipewarden.cli import _options as opt
from pipewarden.cli._output import claim_outputs, out, progress, write_text
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.yaml_io import dump_contract
from pipewarden.io.sources import describe_source
from pipewarden.workflows.contracts import (
    contract_json_schema,
    export_contract,
    import_contract,
)
from pipewarden.workflows.profile import as_profile

_FORMAT_NAMES = {"gx": "a Great Expectations suite", "pandera": "a pandera schema"}

contract_app = typer.Typer(help="Infer and manage contracts.", no_args_is_help=True)


@contract_app.command("infer")
def infer_command(
    data: Annotated[
        str, typer.Argument(help="Reference data, or a saved profile JSON.")
    ],
    output: Annotated[
        str, typer.Option("-o", "--output", help="Contract YAML to write.")
    ],
    label: Annotated[str | None, typer.Option(help="Target (label) column.")] = None,
    time: Annotated[str | None, typer.Option(help="Event-time column.")] = None,
    id: Annotated[
        str | None, typer.Option("--id", help="Row id column (unique).")
    ] = None,  # noqa: A002
    segment: Annotated[
        list[str] | None, typer.Option(help="Segment column (repeatable).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Contract name.")] = None,
    query: opt.Query = None,
) -> None:
    """Infer a contract from reference DATA and write it as editable YAML."""
    claim_outputs(inputs={"DATA": data}, outputs={"-o": output})
    with progress(f"profiling {describe_source(data)}") as advance:
        prof = as_profile(data, query=query, progress=advance)
    contract = infer_contract(
        prof, label=label, time=time, id=id, segments=segment, name=name
    )
    write_text(output, dump_contract(contract))
    out.print(
        f"Contract for {len(contract.columns)} columns ({prof.rows:,} reference rows) "
        f"written to {escape(output)}. Edit it, then: pipewarden check {escape(output)} DATA"
    )


OutFile = Annotated[
    str | None,
    typer.Option("-o", "--out", help="File to write (default: standard output)."),
]


@contract_app.command("import")
def import_command(
    source: Annotated[
        str,
        typer.Argument(
            help="A Great Expectations suite (JSON) or a pandera schema (YAML/JSON)."
        ),
    ],
    source_format: Annotated[
        str | None,
        typer.Option(
            "--from", help="gx or pandera (default: told from the file's content)."
        ),
    ] = None,
    output: OutFile = None,
) -> None:
    """Turn another tool's contract into a pipewarden contract; list, one line each,
    what it cannot state."""
    claim_outputs(inputs={"SOURCE": source}, outputs={"--out": output})
    result = import_contract(source, source_format=source_format)
    lines = [f"not mapped: {line}" for line in result.unmapped]
    if output is None:
        typer.echo(result.to_yaml(), nl=False)
        for line in lines:
            typer.echo(line, err=True)
        return
    write_text(output, result.to_yaml())
    out.print(
        f"Contract for {len(result.contract.columns)} columns from "
        f"{_FORMAT_NAMES[result.source_format]} written to {escape(output)}; "
        f"{len(lines)} rule(s) not mapped."
    )
    for line in lines:
        typer.echo(line)  # one line each, never wrapped


@contract_app.command("export")
def export_command(
    contract: Annotated[str, typer.Argument(help="Contract YAML.")],
    target_format: Annotated[
        str, typer.Option("--to", help="Format to write: pandera.")
    ] = "pandera",
    output: OutFile = None,
) -> None:
    """Write CONTRACT for another tool (a pandera schema YAML that
    pandera.io.from_yaml reads); list what it cannot hold."""
    claim_outputs(inputs={"CONTRACT": contract}, outputs={"--out": output})
    result = export_contract(contract, target_format=target_format)
    lines = [f"not exported: {line}" for line in result.unmapped]
    if output is None:
        typer.echo(result.text, nl=False)
        for line in lines:
            typer.echo(line, err=True)
        return
    write_text(output, result.text)
    out.print(
        f"{result.target_format} schema written to {escape(output)}; "
        f"{len(lines)} rule(s) not exported."
    )
    for line in lines:
        typer.echo(line)  # one line each, never wrapped


@contract_app.command("schema")
def schema_command(output: OutFile = None) -> None:
    """Print the JSON Schema (draft 2020-12) of a contract file, for editors and
    validators."""
    claim_outputs(inputs={}, outputs={"--out": output})
    text = json.dumps(contract_json_schema(), indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    write_text(output, text)
    out.print(f"Contract JSON Schema written to {escape(output)}.")
