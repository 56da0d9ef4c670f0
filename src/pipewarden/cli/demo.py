"""pipewarden demo [--out DIR]: the users' story on bundled data, end to end."""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from pipewarden.checks.findings import CheckResult
from pipewarden.cli._demo_lifecycle import lifecycle_chapter
from pipewarden.cli._demo_model import model_chapter
from pipewarden.cli._output import out, print_result, write_json, write_text
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import Contract, RowCount
from pipewarden.contracts.yaml_io import dump_contract
from pipewarden.demo import BATCHES, REFERENCE, DemoBatch, data_path, freshness_note
from pipewarden.demo import pipeline as pipeline_demo
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.workflows.check import check_batch
from pipewarden.workflows.conform import conform
from pipewarden.workflows.profile import profile

if TYPE_CHECKING:
    from pipewarden.store import Store

SEGMENTS = ["site"]
DATASET = "pumps"
DEFAULT_STORE = ".pipewarden/pipewarden.db"


def demo_command(
    out_dir: Annotated[
        str, typer.Option("--out", help="Folder for the results.")
    ] = "demo-output",
    store: Annotated[
        str | None,
        typer.Option(
            help="Store URL to record the runs in (default: the embedded "
            "SQLite store .pipewarden/pipewarden.db)."
        ),
    ] = None,
) -> None:
    """Run the guided demo on bundled pump-sensor data and write results to --out."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    out.rule("[bold]pipewarden demo[/]")
    out.print(
        "Reference: October 2026, hourly readings of 24 pumps on three sites "
        "(bundled sample data)."
    )
    reference = profile(data_path(REFERENCE), segments=SEGMENTS)
    reference.save(folder / "reference_profile.json")
    contract = _contract(reference, folder)
    from pipewarden.store import open_store

    with open_store(store) as runs:
        for step in BATCHES:
            _run_step(step, contract, reference, folder, runs)
        recorded = runs.list_runs(dataset=DATASET, limit=len(BATCHES))
        chapter = _pipeline_chapter(runs)
        story = model_chapter(runs, folder)
        lifecycle_chapter(story, runs, store or f"sqlite:///{DEFAULT_STORE}")
    out.rule()
    out.print(
        f"Results are in [bold]{escape(str(folder.resolve()))}[/]: the contract, the "
        "reference profile, and per batch the findings JSON and an HTML report "
        "(open it in a browser; it needs no network)."
    )
    ids = [run.id for run in recorded]
    out.print(
        f"Runs recorded in the store ({escape(store or DEFAULT_STORE)}). Try: "
        f"pipewarden runs list --dataset {DATASET}"
        + (f"   |   pipewarden runs diff {ids[-1]} {ids[0]}" if len(ids) > 1 else "")
    )
    on = f" --store {escape(store)}" if store else ""
    out.print(
        "And the pipelines: "
        f"pipewarden localize {chapter.bad_run}{on}   |   "
        f"pipewarden checklist --date {pipeline_demo.DAY.isoformat()}{on}   |   "
        f"pipewarden alerts list{on}",
        soft_wrap=True,
    )


def _pipeline_chapter(runs: Store) -> pipeline_demo.DemoPipelines:
    """Where did it break? A pipeline with a broken stage, and the day's checklist."""
    from pipewarden.cli.checklist import print_checklist
    from pipewarden.cli.localize import print_localization
    from pipewarden.env.fingerprint import capture
    from pipewarden.workflows.checklist import checklist
    from pipewarden.workflows.localize import localize

    out.print(
        Panel(
            f"{escape(pipeline_demo.STORY)}\n[dim]pipelines recorded in the store; "
            f"checklist judged as of {pipeline_demo.NOW:%Y-%m-%d %H:%M} UTC[/]",
            title="Pipelines: where did it break?",
            title_align="left",
            expand=False,
        )
    )
    chapter = pipeline_demo.record_pipelines(runs, capture(os.environ))
    found = localize(chapter.bad_run, store=runs)
    print_localization(found, found.to_dict())
    out.print()
    day = checklist(pipeline_demo.DAY, store=runs, now=pipeline_demo.NOW)
    print_checklist(day)
    for event in day.alerts:
        out.print(
            f"Alert {event.alert.id} {event.kind} ({event.alert.alert_severity}): "
            f"{escape(event.event.message)}",
            soft_wrap=True,
        )
    out.print()
    return chapter


def _contract(reference: DatasetProfile, folder: Path) -> Contract:
    contract = infer_contract(
        reference, label="failure", time="ts", name="pumps", segments=SEGMENTS
    )
    # The reference is a month; batches are weeks. A person edits `dataset.rows` once:
    weekly = reference.rows * 7 // 31
    rows = RowCount(min=weekly // 2, max=weekly * 2)
    contract = contract.model_copy(
        update={"dataset": contract.dataset.model_copy(update={"rows": rows})}
    )
    path = folder / "contract.yaml"
    write_text(path, dump_contract(contract))
    out.print(
        f"Inferred a contract for {len(contract.columns)} columns from "
        f"{reference.rows:,} rows -> {escape(str(path))}\n(edited as a person "
        f"would: a weekly batch should have {rows.min:,} to {rows.max:,} rows)\n"
    )
    return contract


def _run_step(
    step: DemoBatch,
    contract: Contract,
    reference: DatasetProfile,
    folder: Path,
    runs: Store,
) -> None:
    out.print(
        Panel(
            f"{escape(step.story)}\n[dim]{escape(step.file)}, "
            f"{freshness_note(step.as_of)}[/]",
            title=escape(step.title),
            title_align="left",
            expand=False,
        )
    )
    outcome = check_batch(
        data_path(step.file),
        contract,
        reference=reference,
        now=step.as_of.replace(tzinfo=UTC),
        dataset=DATASET,
        store=runs,
        reference_name=REFERENCE,
    )
    assert outcome.run is not None
    run, result, current = outcome.run, outcome.result, outcome.current
    print_result(result, title=step.file)
    out.print(f"Recorded as run {escape(run.id)}")
    stem = Path(step.file).stem
    write_json(result.to_dict(), str(folder / f"{stem}.json"))
    _write_report(result, current, reference, folder / f"{stem}.html")
    if result.failed:
        _conform(step, contract, folder)
    out.print()


def _write_report(
    result: CheckResult, current: DatasetProfile, reference: DatasetProfile, path: Path
) -> None:
    from pipewarden.report import render_report

    write_text(path, render_report(result, current=current, reference=reference))
    out.print(f"Report: {escape(str(path))}")


def _conform(step: DemoBatch, contract: Contract, folder: Path) -> None:
    """What the model gets anyway: the gate repairs what it can, quarantines the rest."""
    result = conform(data_path(step.file), contract)
    stem = Path(step.file).stem
    frame_path, quarantine_path = (
        folder / f"{stem}.conformed.parquet",
        folder / f"{stem}.quarantine.parquet",
    )
    assert isinstance(result.frame, pl.DataFrame)
    result.frame.write_parquet(frame_path)
    result.quarantine.write_parquet(quarantine_path)
    table = Table(title="The gate, for the model", header_style="bold")
    for name in ("rows in", "rows out", "quarantined", "reasons"):
        table.add_column(name)
    reasons = ", ".join(
        f"{escape(column)}: {escape(check_id)} ({n:,})"
        for check_id, column, _, n in result.reasons
    )
    table.add_row(
        f"{result.rows_in:,}",
        f"{result.rows_out:,}",
        f"{result.rows_quarantined:,}",
        reasons or "none",
    )
    out.print(table)
    for finding in result.findings:
        out.print(f"  - {escape(finding.message)}")
    out.print(
        f"Conformed frame ({len(contract.columns)} columns, the contract's order and "
        f"types): {escape(str(frame_path))}"
    )
