"""pipewarden demo [--out DIR]: the users' story on bundled data, end to end."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel

from pipewarden._api import check, profile
from pipewarden.cli._app import app
from pipewarden.cli._output import out, print_result, write_json, write_text
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import RowCount
from pipewarden.contracts.yaml_io import dump_contract
from pipewarden.demo import BATCHES, REFERENCE, data_path, freshness_note


@app.command("demo")
def demo_command(
    out_dir: Annotated[
        str, typer.Option("--out", help="Folder for the results.")
    ] = "demo-output",
) -> None:
    """Run the guided demo on bundled pump-sensor data and write results to --out."""
    folder = Path(out_dir)
    out.rule("[bold]pipewarden demo[/]")
    out.print(
        "Reference: October 2026, hourly readings of 24 pumps on three sites "
        "(bundled sample data)."
    )
    reference = profile(data_path(REFERENCE))
    contract = infer_contract(reference, label="failure", time="ts", name="pumps")
    # The reference is a month; batches are weeks. A person edits `dataset.rows` once:
    weekly = reference.rows * 7 // 31
    contract = contract.model_copy(
        update={
            "dataset": contract.dataset.model_copy(
                update={"rows": RowCount(min=weekly // 2, max=weekly * 2)}
            )
        }
    )
    contract_path = folder / "contract.yaml"
    write_text(contract_path, dump_contract(contract))
    reference.save(_mkdir(folder) / "reference_profile.json")
    out.print(
        f"Inferred a contract for {len(contract.columns)} columns from "
        f"{reference.rows:,} rows -> {escape(str(contract_path))}"
    )
    out.print(
        f"(edited as a person would: a weekly batch should have "
        f"{weekly // 2:,} to {weekly * 2:,} rows)\n"
    )
    for step in BATCHES:
        out.print(
            Panel(
                f"{escape(step.story)}\n[dim]{escape(step.file)}, "
                f"{freshness_note(step.as_of)}[/]",
                title=escape(step.title),
                title_align="left",
                expand=False,
            )
        )
        result = check(
            data_path(step.file),
            contract,
            reference=reference,
            now=step.as_of.replace(tzinfo=UTC),
            dataset=step.file,
        )
        print_result(result, title=step.file)
        write_json(result.to_dict(), str(folder / f"{Path(step.file).stem}.json"))
        out.print()
    out.rule()
    out.print(
        f"Results (findings JSON, contract, reference profile) are in "
        f"[bold]{escape(str(folder.resolve()))}[/]"
    )


def _mkdir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
