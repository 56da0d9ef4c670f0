"""pipewarden runs list | show RUN | diff RUN_A RUN_B   (recorded checks, from the store)
pipewarden runs start PIPELINE | checkpoint RUN STAGE DATA | finish RUN   (pipeline runs)"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pipewarden.cli import _options as opt
from pipewarden.cli._output import STATUS_STYLE, findings_table, out, write_json
from pipewarden.config import load_settings

if TYPE_CHECKING:
    from pipewarden.pipelines.reference_diff import ReferenceDiffReport
    from pipewarden.pipelines.run_diff import RunDiffReport
    from pipewarden.store import Run, RunSummary, Store
    from pipewarden.store.pipeline_records import PipelineRun

runs_app = typer.Typer(
    help="Recorded runs: list, show and compare them; start, checkpoint and finish "
    "pipeline runs.",
    no_args_is_help=True,
)


@runs_app.command("list")
def list_command(
    dataset: Annotated[
        str | None, typer.Option(help="Only runs of this dataset.")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="Only runs with this status.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Newest runs to show.")] = 50,
    pipeline: Annotated[
        str | None,
        typer.Option(help="List the runs of this pipeline, with their stages."),
    ] = None,
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
) -> None:
    """List recorded runs, newest first."""
    if pipeline is not None:
        with open_cli_store(store) as opened:
            found = opened.list_pipeline_runs(
                pipeline=pipeline, status=status, limit=limit
            )
        if as_json:
            write_json([run.to_dict() for run in found], "-")
        elif not found:
            out.print(
                f"No runs of pipeline '{escape(pipeline)}' yet. Start one with: "
                f"pipewarden runs start {escape(pipeline)}",
                soft_wrap=True,
            )
        else:
            out.print(_pipeline_runs_table(found))
        return
    with open_cli_store(store) as opened:
        runs = opened.list_runs(dataset=dataset, status=status, limit=limit)
    if as_json:
        write_json([run.to_dict() for run in runs], "-")
        return
    if not runs:
        out.print(
            "No runs recorded yet. Record one with: pipewarden check CONTRACT DATA "
            "--dataset NAME",
            soft_wrap=True,
        )
        return
    out.print(_runs_table(runs))


@runs_app.command("show")
def show_command(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Run id (or a prefix).")],
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
) -> None:
    """Show one run: status, provenance and findings (a pipeline run: its stages)."""
    with open_cli_store(store) as opened:
        if opened.has_pipeline_run(run_id):
            pipeline_run = opened.get_pipeline_run(run_id)
            if as_json:
                write_json(pipeline_run.to_dict(), "-")
            else:
                _print_pipeline_run(pipeline_run)
            return
        run = opened.get_run(run_id)
    if as_json:
        write_json(run.to_dict(), "-")
        return
    out.print(_run_panel(run))
    out.print(findings_table(run.result))


@runs_app.command("diff")
def diff_command(
    run_a: Annotated[str, typer.Argument(metavar="RUN_A", help="The run that worked.")],
    run_b: Annotated[str, typer.Argument(metavar="RUN_B", help="The run to explain.")],
    store: opt.Store = None,
    as_json: opt.JsonFlag = False,
) -> None:
    """What changed from RUN_A to RUN_B: data, contract, code, environment, inputs."""
    from pipewarden.pipelines.run_diff import diff_runs

    with open_cli_store(store) as opened:
        report = diff_runs(opened.get_run(run_a), opened.get_run(run_b))
    if as_json:
        write_json(report.to_dict(), "-")
        return
    print_run_diff(report)


@runs_app.command("start")
def start_command(
    pipeline: Annotated[str, typer.Argument(metavar="PIPELINE", help="Pipeline name.")],
    store: opt.Store = None,
) -> None:
    """Start a pipeline run; its id is the last word printed."""
    from pipewarden.workflows.pipeline import start_pipeline_run

    with open_cli_store(store) as opened:
        run = start_pipeline_run(pipeline, store=opened)
    typer.echo(f"Started a run of pipeline '{run.pipeline}': {run.id}")


@runs_app.command("checkpoint")
def checkpoint_command(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Pipeline run id.")],
    stage: Annotated[str, typer.Argument(metavar="STAGE", help="Stage name.")],
    data: Annotated[str, typer.Argument(metavar="DATA", help="The stage's output.")],
    contract: Annotated[
        str | None,
        typer.Option(
            help="The stage's contract (default: the one of the pipeline's first "
            "good run, else inferred from this output)."
        ),
    ] = None,
    inputs: Annotated[
        str | None,
        typer.Option(
            help="Stages whose outputs this stage read, comma-separated (default: "
            "the stage before)."
        ),
    ] = None,
    store: opt.Store = None,
) -> None:
    """Profile, check and record a stage's output as part of a pipeline run."""
    from pipewarden.workflows.pipeline import checkpoint_stage

    names = [n.strip() for n in (inputs or "").split(",") if n.strip()]
    with open_cli_store(store) as opened:
        done = checkpoint_stage(
            run_id, stage, data, store=opened, contract=contract, inputs=names
        )
    reads = f" (read {', '.join(done.inputs)})" if done.inputs else ""
    out.print(
        f"Stage '{escape(done.stage)}'{escape(reads)}: {_status(done.status)}, "
        f"{done.rows:,} rows, recorded as run {done.run_id}",
        soft_wrap=True,
    )


@runs_app.command("finish")
def finish_command(
    run_id: Annotated[str, typer.Argument(metavar="RUN", help="Pipeline run id.")],
    failed: Annotated[
        bool, typer.Option("--failed", help="The pipeline run failed.")
    ] = False,
    error: Annotated[
        str | None,
        typer.Option(help="What went wrong (implies --failed)."),
    ] = None,
    store: opt.Store = None,
) -> None:
    """Finish a pipeline run: success, or failed."""
    from pipewarden.workflows.pipeline import finish_pipeline_run

    with open_cli_store(store) as opened:
        run = finish_pipeline_run(run_id, store=opened, failed=failed, error=error)
    out.print(
        f"Run {run.id} of pipeline '{escape(run.pipeline)}': "
        f"{_pipeline_status(run.status)}, {len(run.stages)} stage(s)",
        soft_wrap=True,
    )


def open_cli_store(store: str | None) -> Store:
    """The store named by --store, PIPEWARDEN_STORE_URL, pipewarden.yaml or the default."""
    from pipewarden.store import open_store

    return open_store(load_settings(environ=os.environ, store_url=store).store_url)


# --------------------------------------------------------------------------- render


def _runs_table(runs: list[RunSummary]) -> Table:
    """One line per run; the run id already says when it started (UTC)."""
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("run", "status", "rows", "findings"):
        table.add_column(name, no_wrap=True)
    table.add_column("dataset", overflow="fold", min_width=8)
    table.add_column("code", overflow="fold")
    for run in runs:
        table.add_row(
            run.id,
            _status(run.status),
            f"{run.rows:,}",
            f"{run.errors} err, {run.warnings} warn",
            escape(run.dataset),
            _code(run.code_commit, run.code_dirty),
        )
    return table


def _pipeline_runs_table(runs: list[PipelineRun]) -> Table:
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("run", "status", "duration", "stages"):
        table.add_column(name, no_wrap=name != "stages", overflow="fold")
    for run in runs:
        table.add_row(
            run.id,
            _pipeline_status(run.status),
            _duration(run.duration),
            escape(", ".join(f"{s.stage} {s.status}" for s in run.stages)),
        )
    return table


def _print_pipeline_run(run: PipelineRun) -> None:
    panel = Table(
        show_header=False,
        box=None,
        title=f"Pipeline run {run.id}",
        title_justify="left",
    )
    panel.add_column(style="bold")
    panel.add_column(overflow="fold")
    rows = [
        ("pipeline", escape(run.pipeline)),
        ("status", _pipeline_status(run.status)),
        ("started", run.started_at.isoformat()),
        ("finished", "" if run.finished_at is None else run.finished_at.isoformat()),
        (
            "code",
            _code(
                None if run.code is None else run.code.commit,
                None if run.code is None else run.code.dirty,
            ),
        ),
    ]
    if run.error_message or run.error_type:
        rows.append(
            ("error", escape(f"{run.error_type or 'error'}: {run.error_message or ''}"))
        )
    for name, value in rows:
        panel.add_row(name, value)
    out.print(panel)
    table = _table("Stages", "stage", "status", "rows", "duration", "inputs", "run")
    for stage in run.stages:
        table.add_row(
            escape(stage.stage),
            _status(stage.status)
            + (
                escape(f" ({stage.error_type}: {stage.error_message})")
                if stage.error_type
                else ""
            ),
            f"{stage.rows:,}",
            _duration(stage.duration),
            escape(", ".join(stage.inputs)),
            stage.run_id or "",
        )
    out.print(table)


def _pipeline_status(status: str) -> str:
    style = {"success": "bold green", "failed": "bold red", "running": "bold"}
    return f"[{style.get(status, '')}]{status}[/]"


def _duration(value: Any) -> str:
    from pipewarden import _text

    return "" if value is None else _text.duration(value.total_seconds())


def _run_panel(run: Run) -> Table:
    table = Table(
        show_header=False, box=None, title=f"Run {run.id}", title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    env = run.environment
    rows: list[tuple[str, str]] = [
        ("dataset", escape(run.dataset)),
        ("status", _status(run.status)),
        ("started", run.started_at.isoformat()),
        ("finished", "" if run.finished_at is None else run.finished_at.isoformat()),
        ("rows", f"{run.result.rows:,}"),
        (
            "contract",
            escape(f"{run.result.contract or ''} ({run.contract_digest or '-'})"),
        ),
        ("reference", escape(run.reference or "")),
        (
            "code",
            _code(
                None if run.code is None else run.code.commit,
                None if run.code is None else run.code.dirty,
            ),
        ),
        (
            "environment",
            ""
            if env is None
            else escape(
                f"{env.digest[:12]}  Python {env.python_version} on {env.os} "
                f"{env.machine}, host {env.hostname}"
            ),
        ),
    ]
    rows.extend(
        ("input", escape(_input_text(i.path, i.size, i.content_hash)))
        for i in run.inputs
    )
    for name, value in rows:
        table.add_row(name, value)
    return table


def print_run_diff(report: RunDiffReport) -> None:
    """Print a run diff as one table per section that differs."""
    a, b = report.a, report.b
    out.print(
        f"[bold]{a.id}[/] ({escape(a.dataset)}, {_status(a.status)}) -> "
        f"[bold]{b.id}[/] ({escape(b.dataset)}, {_status(b.status)})",
        soft_wrap=True,
    )
    if report.is_empty:
        out.print("No differences.", soft_wrap=True)
        return
    sections = [
        _values_table("Overview", report.overview),
        _columns_table(report),
        _contract_table(report),
        _values_table("Code", report.code),
        _environment_table(report),
        _inputs_table(report),
        _findings_table(report),
    ]
    for table in sections:
        if table is not None:
            out.print(table)
    if not report.environment_known:
        out.print(
            "[dim]Environment: not recorded for one of the runs.[/]", soft_wrap=True
        )


def data_diff_tables(report: RunDiffReport | ReferenceDiffReport) -> list[Table]:
    """The tables both diffs share (overview, data columns, inputs), those that
    differ only: ``references diff`` shows a reference set's versions this way."""
    tables = [
        _values_table("Overview", report.overview),
        _columns_table(report),
        _inputs_table(report),
    ]
    return [t for t in tables if t is not None]


def _values_table(title: str, changes: tuple[Any, ...]) -> Table | None:
    if not changes:
        return None
    table = _table(title, "what", "before", "after")
    for change in changes:
        table.add_row(
            escape(change.name),
            escape(_text(change.before)),
            escape(_text(change.after)),
        )
    return table


def _columns_table(report: RunDiffReport | ReferenceDiffReport) -> Table | None:
    if not report.columns:
        return None
    table = _table("Data columns", "column", "change", "statistic", "before", "after")
    for change in report.columns:
        names = change.changed or ("kind",)
        for i, stat in enumerate(names):
            table.add_row(
                escape(change.column) if i == 0 else "",
                change.change if i == 0 else "",
                stat,
                escape(_text(change.before.get(stat))),
                escape(_text(change.after.get(stat))),
            )
    return table


def _contract_table(report: RunDiffReport) -> Table | None:
    change = report.contract
    if change is None:
        return None
    table = _table(
        f"Contract {change.before or '-'} -> {change.after or '-'}", "what", "change"
    )
    for column in change.added_columns:
        table.add_row(f"column {escape(column)}", "added")
    for column in change.removed_columns:
        table.add_row(f"column {escape(column)}", "removed")
    for column, keys in change.changed_columns.items():
        table.add_row(f"column {escape(column)}", escape(", ".join(keys)))
    for key in change.changed_keys:
        table.add_row(escape(key), "changed")
    return table


def _environment_table(report: RunDiffReport) -> Table | None:
    if not report.environment.changes:
        return None
    table = _table("Environment", "what", "name", "before", "after", "change")
    for change in report.environment.changes:
        table.add_row(
            change.kind,
            escape(change.name),
            escape(change.before or "-"),
            escape(change.after or "-"),
            change.change,
        )
    return table


def _inputs_table(report: RunDiffReport | ReferenceDiffReport) -> Table | None:
    if not report.inputs:
        return None
    table = _table("Inputs", "path", "change", "before", "after")
    for change in report.inputs:
        old, new = change.before, change.after
        table.add_row(
            escape(os.path.basename(change.path) or change.path),
            change.change if change.change != "changed" else ", ".join(change.changed),
            ""
            if old is None
            else escape(_input_text(old.path, old.size, old.content_hash)),
            ""
            if new is None
            else escape(_input_text(new.path, new.size, new.content_hash)),
        )
    return table


def _findings_table(report: RunDiffReport) -> Table | None:
    if not (report.new_findings or report.resolved_findings):
        return None
    table = _table("Findings (warnings and errors)", "check", "change")
    for key in report.new_findings:
        table.add_row(escape(key), "new")
    for key in report.resolved_findings:
        table.add_row(escape(key), "gone")
    return table


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for name in columns:
        table.add_column(name, overflow="fold")
    return table


def _status(status: str) -> str:
    style = STATUS_STYLE.get(status, "bold red" if status == "error" else "")
    return f"[{style}]{status}[/]" if style else status


def _code(commit: str | None, dirty: bool | None) -> str:
    if commit is None:
        return ""
    return commit[:10] + (" (dirty)" if dirty else "")


def _input_text(path: str, size: int | None, content_hash: str | None) -> str:
    parts = [os.path.basename(path) or path]
    if size is not None:
        parts.append(f"{size:,} B")
    if content_hash:
        parts.append(content_hash[:12])
    return "  ".join(parts)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
