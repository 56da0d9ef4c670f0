"""pipewarden drift REFERENCE CURRENT [--contract C] [--label COL] [--time COL] [--json OUT]
[--html OUT]"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from pipewarden.checks.findings import Severity
from pipewarden.cli._app import app
from pipewarden.cli._output import (
    SEVERITY_STYLE,
    STATUS_STYLE,
    out,
    progress,
    write_json,
)
from pipewarden.cli._output import write_text as write_file
from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.drift.compare import compare
from pipewarden.drift.correction import CORRECTIONS
from pipewarden.drift.multivariate import SAMPLE_ROWS, RowSampler
from pipewarden.drift.results import DriftReport
from pipewarden.engines.registry import resolve_engine
from pipewarden.errors import ConfigError
from pipewarden.io.sources import describe_source, iter_frames
from pipewarden.profiles.dataset import DatasetProfile, is_profile_json

EXIT_FAILED = 1


@app.command("drift")
def drift_command(
    reference: Annotated[
        str, typer.Argument(help="Reference data, or a saved profile JSON.")
    ],
    current: Annotated[str, typer.Argument(help="The batch to compare with it.")],
    contract: Annotated[
        str | None,
        typer.Option(
            help="Contract YAML: per-column drift settings, label, time, segments."
        ),
    ] = None,
    label: Annotated[
        str | None, typer.Option(help="Label column (label.shift).")
    ] = None,
    prediction: Annotated[
        str | None, typer.Option(help="Prediction column (drift.prediction).")
    ] = None,
    time: Annotated[
        str | None, typer.Option(help="Event-time column, never compared as drift.")
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json", help="Write the drift JSON here ('-' for standard output)."
        ),
    ] = None,
    html_out: Annotated[
        str | None, typer.Option("--html", help="Write an HTML report here.")
    ] = None,
    correction: Annotated[
        str, typer.Option(help="Multiple-testing correction: bh, bonferroni or none.")
    ] = "bh",
    sample_rows: Annotated[
        int,
        typer.Option(
            help="Rows sampled per side for the multivariate test (0 turns it off)."
        ),
    ] = SAMPLE_ROWS,
    fail_on: Annotated[
        str, typer.Option(help="Lowest severity that fails the run: error or warning.")
    ] = "error",
) -> None:
    """Compare CURRENT with REFERENCE column by column; exit 1 on a drift error.

    A column drifts when its effect size passes its threshold AND its test is
    significant after correcting for the number of columns. Drift is a warning; an
    effect of at least twice the threshold is an error.
    """
    if correction not in CORRECTIONS:
        raise ConfigError(
            f"--correction must be one of {', '.join(CORRECTIONS)}, not '{correction}'."
        )
    if fail_on not in ("error", "warning"):
        raise ConfigError(f"--fail-on must be 'error' or 'warning', not '{fail_on}'.")
    skip_note = ""
    if sample_rows > 0 and importlib.util.find_spec("sklearn") is None:
        sample_rows = 0
        skip_note = (
            "multivariate test skipped: it needs scikit-learn, "
            "pip install 'pipewarden[sklearn]'"
        )
    if sample_rows > 0:
        _warm_up()
    spec = load_contract(contract) if contract else None
    segments = list(spec.dataset.segments) if spec is not None else None
    # Both sides at once: while one waits on its quantile sketches, the other's
    # Polars work keeps the cores busy.
    label = f"profiling {describe_source(reference)} and {describe_source(current)}"
    with (
        progress(label) as advance,
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="pw-drift") as pool,
    ):
        ref_job = pool.submit(_profile, reference, segments, sample_rows, advance)
        cur_job = pool.submit(_profile, current, segments, sample_rows, advance)
        ref_prof, ref_rows = ref_job.result()
        cur_prof, cur_rows = cur_job.result()
    samples = (
        (ref_rows, cur_rows) if ref_rows is not None and cur_rows is not None else None
    )
    report = compare(
        ref_prof,
        cur_prof,
        contract=spec,
        label=label,
        prediction=prediction,
        time=time,
        correction=correction,
        samples=samples,
        dataset=describe_source(current),
        reference_name=describe_source(reference),
    )
    _write(report, spec, contract, json_out, html_out, ref_prof, cur_prof)
    if json_out != "-":
        saved = samples is None and sample_rows > 0
        _print(
            report,
            skip_note
            or (
                "multivariate test skipped: a side is a saved profile" if saved else ""
            ),
        )
    if report.to_check_result().at_least(Severity(fail_on)):
        raise typer.Exit(EXIT_FAILED)


def _warm_up() -> None:
    """Import scikit-learn in the background while Polars reads and profiles."""

    def load() -> None:
        with contextlib.suppress(ImportError):
            importlib.import_module("sklearn.ensemble")

    threading.Thread(target=load, name="pw-warm-up", daemon=True).start()


def _profile(
    source: str,
    segments: list[str] | None,
    sample_rows: int,
    advance: Callable[[int], None],
) -> tuple[DatasetProfile, Any]:
    """The source's profile, and a row sample (None for a saved profile)."""
    if is_profile_json(source):
        return DatasetProfile.load(source), None
    sampler = RowSampler(sample_rows) if sample_rows > 0 else None
    frames = _counted(iter_frames(source), advance)
    if sampler is not None:
        frames = sampler.tap(frames)
    engine = resolve_engine("local")
    prof = (
        engine.profile_frames(frames, segments)
        if segments
        else engine.profile_frames(frames)
    )
    return prof, sampler.sample() if sampler is not None else None


def _counted(frames: Any, advance: Any) -> Any:
    for frame in frames:
        yield frame
        advance(frame.height)


def _write(
    report: DriftReport,
    spec: Contract | None,
    contract_path: str | None,
    json_out: str | None,
    html_out: str | None,
    reference: DatasetProfile,
    current: DatasetProfile,
) -> None:
    if json_out:
        data = report.to_dict()
        data["rows"] = report.current_rows
        data["contract"] = (
            spec.name if spec is not None and spec.name else contract_path
        )
        write_json(data, json_out)
    if html_out:
        from pipewarden.report import render_report

        html = render_report(
            report.to_check_result(),
            current=current,
            reference=reference,
            drift=report,
            title=f"pipewarden drift: {report.dataset}",
        )
        write_file(html_out, html)


def _print(report: DriftReport, note: str) -> None:
    drifted = report.drifted
    status = report.status
    compared = len(report.columns)
    out.print(
        f"[{STATUS_STYLE[status]}]{status.upper()}[/]  {escape(report.dataset or '')} vs "
        f"{escape(report.reference or 'reference')}: {len(report.drifted_columns)} of "
        f"{compared} compared columns drifted"
        + (_multivariate_note(report) if report.multivariate else "")
        + (f", {len(report.skipped)} not compared" if report.skipped else "")
        + (f" ({note})" if note else "")
    )
    if not drifted and not (report.multivariate and report.multivariate.drifted):
        return
    table = Table(header_style="bold", box=box.SIMPLE_HEAD)
    for name in ("severity", "column", "statistic", "score", "threshold", "change"):
        table.add_column(name, no_wrap=name != "change", overflow="fold")
    for c in drifted:
        where = f" in {_segment(c.segment)}" if c.segment else ""
        table.add_row(
            f"[{SEVERITY_STYLE[c.severity]}]{c.severity.value}[/]",
            escape(c.column),
            c.check.removeprefix("drift."),
            f"{c.score:.3g}",
            f"{c.threshold:.3g}",
            escape(c.change + where),
        )
    m = report.multivariate
    if m is not None and m.drifted:
        table.add_row(
            f"[{SEVERITY_STYLE[m.severity]}]{m.severity.value}[/]",
            "(rows)",
            "multivariate",
            f"{m.auc:.3f}",
            f"{m.threshold:.2f}",
            escape("AUC; relies on " + ", ".join(c for c, _ in m.importance)),
        )
    out.print(table)
    out.print("Details (p-values, every column): --json OUT or --html OUT.")


def _segment(segment: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in segment.items())


def _multivariate_note(report: DriftReport) -> str:
    m = report.multivariate
    assert m is not None
    return f"; multivariate AUC {m.auc:.3f}" + (" (drifted)" if m.drifted else "")
