"""Terminal output shared by commands: consoles, findings tables, progress."""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from pipewarden.checks.findings import CheckResult, Severity
from pipewarden.errors import ConfigError
from pipewarden.io.outputs import files_read_by, same_file, write_atomically
from pipewarden.io.sources import SourceExtent

OFF_TERMINAL_WIDTH = 1000
"""Columns of output that is not a terminal (CI logs, pipes, files) when COLUMNS is
not set: wide enough that tables and lines are not wrapped at Rich's default 80."""


class _Console(Console):
    """A Rich console that, off a terminal, uses the full width instead of 80.

    On a terminal it measures the terminal, as Rich does; COLUMNS, when set, wins
    everywhere. Decided at each print, so output redirected later is seen.
    """

    @property
    def size(self) -> ConsoleDimensions:
        dims = Console.size.fget(self)  # type: ignore[attr-defined]  # property object
        if (
            self._width is None
            and not self.is_terminal
            and not self._environ.get("COLUMNS", "").isdigit()
        ):
            return ConsoleDimensions(OFF_TERMINAL_WIDTH, dims.height)
        return dims  # type: ignore[no-any-return]  # Console.size is typed

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]  # property


def console(
    *, stderr: bool = False, environ: Mapping[str, str] | None = None
) -> Console:
    """The one factory of the CLI's consoles: standard output or standard error.

    Args:
        stderr: Write to standard error (messages, progress) instead of output.
        environ: Where COLUMNS is read (default: the process environment).

    Returns:
        A console that wraps at the terminal's width on a terminal, at COLUMNS when
        it is set, and at OFF_TERMINAL_WIDTH otherwise.
    """
    return _Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=stderr,
        _environ=dict(environ) if environ is not None else None,
    )


out = console()
err = console(stderr=True)

SEVERITY_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "dim",
}
STATUS_STYLE = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red"}
PROGRESS_AFTER_SECONDS = 1.0


class _RowsColumn(ProgressColumn):
    """Rows done (of the total when known), rows per second and bytes read: the
    bytes follow the rows' share of the files' size."""

    def __init__(self, total_bytes: int | None) -> None:
        super().__init__()
        self.total_bytes = total_bytes

    def render(self, task: Task) -> Text:
        done = f"{task.completed:,.0f}"
        if task.total:
            done += f"/{task.total:,.0f}"
        parts = [f"{done} rows"]
        if task.total and self.total_bytes:
            share = min(task.completed / task.total, 1.0)
            parts.append(f"{_size(share * self.total_bytes)}/{_size(self.total_bytes)}")
        if task.speed:
            parts.append(f"{task.speed:,.0f} rows/s")
        return Text(", ".join(parts))


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"  # pragma: no cover - the loop returns


def progress_bar(label: str, extent: SourceExtent | None) -> Progress:
    """The bar ``progress`` shows: a spinner and rows, and with a known total a
    bar, bytes and the time remaining."""
    total_bytes = extent.bytes if extent is not None else None
    columns: list[ProgressColumn] = [SpinnerColumn(), TextColumn("{task.description}")]
    if extent is not None and extent.rows:
        columns.append(BarColumn(bar_width=24))
    columns.append(_RowsColumn(total_bytes))
    columns.append(TimeElapsedColumn())
    if extent is not None and extent.rows:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=err, transient=True)


@contextmanager
def progress(label: str, extent: SourceExtent | None = None) -> Iterator[RowCounter]:
    """A callback counting rows; a progress bar appears once work takes over a
    second (on a terminal): rows, bytes and rate, with a bar and the time remaining
    when ``extent`` knows the rows. A workflow that reads another source next
    (``RowCounter.stage``) starts the count over, with that source's extent."""
    counter = RowCounter(label, extent)
    try:
        yield counter
    finally:
        counter.close()


class RowCounter:
    """The rows a workflow reports, shown as a bar (see ``progress``); a
    ``workflows.profile.Stages``. Sources read in parallel share one counter."""

    def __init__(self, label: str, extent: SourceExtent | None) -> None:
        self.label = label
        self.extent = extent
        self.rows = 0
        self._start = time.perf_counter()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._lock = threading.Lock()

    def __call__(self, rows: int) -> None:
        with self._lock:
            self.rows += rows
            if (
                self._bar is None
                and err.is_terminal  # off a terminal (CI logs, pipes): a blank line
                and time.perf_counter() - self._start > PROGRESS_AFTER_SECONDS
            ):
                self._show()
            if self._bar is not None and self._task is not None:
                self._bar.update(self._task, completed=self.rows)

    def stage(self, label: str, source: Any, query: str | None) -> None:
        """Count ``source``'s rows from zero, as ``label``."""
        from pipewarden.io.sources import source_extent

        extent = source_extent(source, query=query)
        with self._lock:
            self.label, self.extent, self.rows = label, extent, 0
            if self._bar is not None:  # a bar of its own: the columns differ
                self._bar.stop()
                self._show()

    def _show(self) -> None:
        self._bar = progress_bar(self.label, self.extent)
        self._bar.start()
        total = self.extent.rows if self.extent is not None else None
        self._task = self._bar.add_task(escape(self.label), total=total or None)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


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
    text = json.dumps(_finite(data), indent=2, default=str, allow_nan=False)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    write_text(target, text + "\n")


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as null, which JSON can hold (as the store)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_text(target: str | Path, text: str) -> None:
    """Write a text file whole: beside the target first, then renamed into place."""
    path = Path(target)
    try:
        write_atomically(path, lambda temporary: _write(temporary, text))
    except OSError as exc:
        raise ConfigError(
            f"Cannot write '{path}': {exc.strerror or exc}. Choose a writable path."
        ) from exc


def _write(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8") as file:
        file.write(text)


def write_ci_outputs(
    result: CheckResult,
    *,
    junit: str | None,
    markdown: str | None,
    title: str,
    fail_on: Severity,
    columns: Sequence[str] = (),
    extra: Sequence[tuple[str, str]] = (),
) -> None:
    """Write ``--junit`` and ``--markdown``, each whole (``report.junit``,
    ``report.markdown``)."""
    if junit:
        from pipewarden.report.junit import junit_xml

        write_text(
            junit, junit_xml(result, suite=title, fail_on=fail_on, columns=columns)
        )
    if markdown:
        from pipewarden.report.markdown import markdown_summary

        write_text(markdown, markdown_summary(result, title=title, extra=extra))


def claim_outputs(
    *, inputs: Mapping[str, str | None], outputs: Mapping[str, str | None]
) -> None:
    """Refuse outputs that would overwrite an input or each other, before any work.

    Args:
        inputs: What the command reads, by argument or option name (``DATA``,
            ``--reference``); None for what was not given.
        outputs: What it writes, by option name (``-o``, ``--json``); None or ``-``
            (standard output) for nothing.

    Raises:
        ConfigError: An output resolves to an input file (also through a link, a
            directory or a glob), or two outputs to one file.
    """
    written = {name: path for name, path in outputs.items() if path and path != "-"}
    read = [
        (name, source, file)
        for name, source in inputs.items()
        if source is not None
        for file in files_read_by(source)
    ]
    for option, path in written.items():
        for name, source, file in read:
            if same_file(Path(path), file):
                part = (
                    "" if Path(source) == file else f" (read through {name} '{source}')"
                )
                raise ConfigError(
                    f"'{path}' is both an input{part} and the output of {option}. "
                    "Choose another output path."
                )
    names = list(written)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if same_file(Path(written[first]), Path(written[second])):
                raise ConfigError(
                    f"'{written[first]}' is the output of both {first} and {second}. "
                    "Choose a different path for each."
                )
