"""pipewarden contract infer DATA -o contract.yaml [--label COL] [--time COL] [--id COL]"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from pipewarden.cli import _options as opt
from pipewarden.cli._output import claim_outputs, out, progress, write_text
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.yaml_io import dump_contract
from pipewarden.io.sources import describe_source
from pipewarden.workflows.profile import as_profile

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
