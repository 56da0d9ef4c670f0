"""Terminal output shared by commands: consoles, findings tables, progress."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipewarden.checks.findings import CheckResult, Severity
from pipewarden.errors import ConfigError

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SEVERITY_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "dim",
}
STATUS_STYLE = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red"}
PROGRESS_AFTER_SECONDS = 1.0


@contextmanager
def progress(label: str) -> Iterator[Callable[[int], None]]:
    """A callback counting rows; a spinner appears once work takes over a second."""
    start = time.perf_counter()
    state: dict[str, Any] = {"rows": 0, "bar": None, "task": None}
    lock = threading.Lock()  # sources read in parallel share one counter

    def advance(rows: int) -> None:
        with lock:
            _advance(rows)

    def _advance(rows: int) -> None:
        state["rows"] += rows
        if (
            state["bar"] is None
            and err.is_terminal  # off a terminal (CI logs, pipes) it leaves a blank line
            and time.perf_counter() - start > PROGRESS_AFTER_SECONDS
        ):
            bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed:,.0f} rows"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task(escape(label), total=None)
        if state["bar"] is not None:
            state["bar"].update(state["task"], completed=state["rows"])

    try:
        yield advance
    finally:
        if state["bar"] is not None:
            state["bar"].stop()


def findings_table(
    result: CheckResult, *, min_severity: Severity = Severity.INFO
) -> Table:
    """The findings of a result as a Rich table, worst first."""
    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("column", overflow="fold")
    table.add_column("finding", overflow="fold", ratio=1)
    for f in result.findings:
        if f.severity < min_severity:
            continue
        table.add_row(
            f"[{SEVERITY_STYLE[f.severity]}]{f.severity.value}[/]",
            escape(f.check),
            escape(f.column or ""),
            escape(f.message),
        )
    return table


def print_result(result: CheckResult, *, title: str) -> None:
    """Print a status line and the findings table (info findings summarised)."""
    style = STATUS_STYLE[result.status]
    counts = {
        sev: sum(1 for f in result.findings if f.severity is sev) for sev in Severity
    }
    out.print(
        f"[{style}]{result.status.upper()}[/]  {escape(title)}: {result.rows:,} rows, "
        f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s), "
        f"{counts[Severity.INFO]} info"
    )
    if counts[Severity.ERROR] or counts[Severity.WARNING]:
        out.print(findings_table(result, min_severity=Severity.WARNING))


def write_json(data: Any, target: str) -> None:
    """Write JSON to a file, or to standard output when target is '-'."""
    text = json.dumps(data, indent=2, default=str, allow_nan=False)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    write_text(target, text + "\n")


def write_text(target: str | Path, text: str) -> None:
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"Cannot write '{path}': {exc.strerror}. Choose a writable path."
        ) from exc
