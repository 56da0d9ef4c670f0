"""Outputs never overwrite inputs or each other, and are written whole or not at all."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., Any]

OVERWRITES = [
    (("conform", "c.yaml", "d.csv", "-o", "d.csv"), "'d.csv'", "-o"),
    (("conform", "c.yaml", "d.csv", "-o", "o.csv", "--json", "c.yaml"), "'c.yaml'",
     "--json"),
    (("conform", "c.yaml", "d.csv", "-o", "o.csv", "--quarantine", "./d.csv"),
     "'./d.csv'", "--quarantine"),
    (("check", "c.yaml", "d.csv", "--json", "c.yaml"), "'c.yaml'", "--json"),
    (("check", "c.yaml", "d.csv", "--html", "d.csv"), "'d.csv'", "--html"),
    (("check", "c.yaml", "d.csv", "--reference", "r.csv", "--json", "r.csv"),
     "'r.csv'", "--json"),
    (("check", "c.yaml", "d.csv", "--store", "sqlite:///s.db", "--json", "s.db"),
     "'s.db' is both an input (read through --store 'sqlite:///s.db') and", "--json"),
    (("contract", "infer", "d.csv", "-o", "d.csv"), "'d.csv'", "-o"),
    (("profile", "d.csv", "-o", "d.csv"), "'d.csv'", "-o"),
    (("drift", "r.csv", "d.csv", "--json", "r.csv"), "'r.csv'", "--json"),
    (("drift", "r.csv", "d.csv", "--html", "d.csv"), "'d.csv'", "--html"),
    (("drift", "r.csv", "d.csv", "--contract", "c.yaml", "--json", "c.yaml"),
     "'c.yaml'", "--json"),
    (("env", "diff", "a.json", "b.json", "--json", "b.json"), "'b.json'", "--json"),
    (("profile", "d.csv", "-o", "link.csv"), "'link.csv'", "-o"),  # symbolic link
    (("profile", "d.csv", "-o", "hard.csv"), "'hard.csv'", "-o"),  # hard link
]  # fmt: skip


@pytest.fixture
def inputs(cli_files: dict[str, Path], tmp_path: Path) -> dict[str, bytes]:
    """Input files in the working folder (tmp_path), and their bytes."""
    shutil.copy(cli_files["contract.yaml"], tmp_path / "c.yaml")
    shutil.copy(cli_files["good.csv"], tmp_path / "d.csv")
    shutil.copy(cli_files["reference.csv"], tmp_path / "r.csv")
    (tmp_path / "link.csv").symlink_to(tmp_path / "d.csv")
    os.link(tmp_path / "d.csv", tmp_path / "hard.csv")
    for name in ("a.json", "b.json"):  # refused before they are read
        (tmp_path / name).write_text("{}")
    return {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}


@pytest.mark.parametrize(("args", "shown", "option"), OVERWRITES)
def test_an_output_that_is_an_input_is_refused_before_any_work(
    cli: Cli,
    inputs: dict[str, bytes],
    tmp_path: Path,
    args: tuple[str, ...],
    shown: str,
    option: str,
) -> None:
    run = cli(*args)

    assert (run.code, run.out) == (2, "")
    assert run.err_lines == [
        f"error: {shown if ' ' in shown else shown + ' is both an input and'} the "
        f"output of {option}. Choose another output path."
    ]
    assert {p: (tmp_path / p).read_bytes() for p in inputs} == inputs
    assert not (tmp_path / "o.csv").exists()


def test_an_output_among_the_files_of_a_directory_input_is_refused(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    import polars as pl

    parts = tmp_path / "parts"
    parts.mkdir()
    for i in (1, 2):
        pl.read_csv(cli_files["good.csv"]).write_parquet(parts / f"p{i}.parquet")
    before = (parts / "p2.parquet").read_bytes()

    run = cli("profile", "parts", "-o", "parts/p2.parquet")

    assert run.code == 2
    assert run.err_lines == [
        "error: 'parts/p2.parquet' is both an input (read through DATA 'parts') and the "
        "output of -o. Choose another output path."
    ]
    assert (parts / "p2.parquet").read_bytes() == before


def test_two_outputs_at_one_path_are_refused(
    cli: Cli, inputs: dict[str, bytes], tmp_path: Path
) -> None:
    run = cli("check", "c.yaml", "d.csv", "--json", "x.json", "--html", "./x.json")

    assert (run.code, run.out) == (2, "")
    assert run.err_lines == [
        "error: 'x.json' is the output of both --json and --html. Choose a different "
        "path for each."
    ]
    assert not (tmp_path / "x.json").exists()


def test_an_output_replaces_the_old_file_whole_and_leaves_no_temporary(
    cli: Cli, inputs: dict[str, bytes], tmp_path: Path
) -> None:
    (tmp_path / "p.json").write_text("old")
    (tmp_path / "p.json").chmod(0o640)

    assert cli("profile", "d.csv", "-o", "p.json").code == 0

    assert (tmp_path / "p.json").read_text().startswith("{")
    assert (tmp_path / "p.json").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_the_progress_bar_shows_rows_bytes_and_rate_of_a_known_total() -> None:
    from rich.progress import Task

    from pipewarden.cli._output import progress_bar
    from pipewarden.io.sources import SourceExtent

    bar = progress_bar("profiling x", SourceExtent(rows=1_000_000, bytes=4 << 30))
    names = [type(column).__name__ for column in bar.columns]
    assert names == [
        "SpinnerColumn",
        "TextColumn",
        "BarColumn",
        "_RowsColumn",
        "TimeElapsedColumn",
        "TimeRemainingColumn",
    ]
    task_id = bar.add_task("profiling x", total=1_000_000)
    bar.update(task_id, completed=250_000)
    task: Task = bar.tasks[0]
    rows = bar.columns[3].render(task)
    assert rows.plain.startswith("250,000/1,000,000 rows, 1.0 GiB/4.0 GiB")
    unknown = progress_bar("reading", SourceExtent(None, None))
    assert [type(c).__name__ for c in unknown.columns] == [
        "SpinnerColumn",
        "TextColumn",
        "_RowsColumn",
        "TimeElapsedColumn",
    ]


def test_off_a_terminal_the_consoles_use_the_full_width_unless_columns_is_set() -> None:
    from rich.table import Table

    from pipewarden.cli._output import OFF_TERMINAL_WIDTH, console

    message = "a finding message " * 12  # 216 characters
    widths = {}
    for name, environ in (("unset", {}), ("set", {"COLUMNS": "100"})):
        shown = console(environ=environ)
        shown.file = io.StringIO()  # not a terminal, as in a CI log
        table = Table("check", "finding")
        table.add_row("nulls.rate", message)
        shown.print(table)
        lines = shown.file.getvalue().splitlines()
        whole = any(message.strip() in line for line in lines)
        widths[name] = (shown.width, max(map(len, lines)), whole)

    assert widths["unset"][0] == OFF_TERMINAL_WIDTH
    assert widths["unset"][2]  # the message on one line, not wrapped at 80
    assert widths["set"] == (100, 100, False)


def test_a_check_in_a_ci_log_prints_each_finding_on_one_line(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    run = cli(
        "check",
        cli_files["contract.yaml"],
        cli_files["extra_column.csv"],
        "--json",
        "r.json",
    )
    findings = json.loads(Path("r.json").read_text())["findings"]
    shown = [f["message"] for f in findings if f["severity"] != "info"]

    assert shown
    for message in shown:
        assert any(message in line for line in run.out.splitlines()), message


def test_a_stage_starts_the_count_over_with_the_next_sources_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check`` tells the bar when it reads the reference, then the batch again:
    each gets a bar of its own, with its own total (it used to count them all
    against the batch's total, and run past it)."""
    import polars as pl

    from pipewarden.cli import _output
    from pipewarden.io.sources import SourceExtent
    from pipewarden.workflows.profile import Stages

    bars: list[dict[str, Any]] = []  # each bar shown: label, total, rows, stopped

    class Bar:
        def __init__(self, label: str, extent: SourceExtent | None) -> None:
            bars.append({"label": label, "stopped": False})

        def start(self) -> None: ...

        def stop(self) -> None:
            bars[-1]["stopped"] = True

        def add_task(self, label: str, total: int | None) -> int:
            bars[-1].update(total=total, rows=0)
            return 0

        def update(self, task: int, completed: int) -> None:
            bars[-1]["rows"] = completed

    monkeypatch.setattr(_output, "progress_bar", Bar)
    monkeypatch.setattr(_output.err, "_force_terminal", True)
    monkeypatch.setattr(_output, "PROGRESS_AFTER_SECONDS", 0.0)
    reference = tmp_path / "ref.csv"
    pl.DataFrame({"x": range(30)}).write_csv(reference)
    with _output.progress("checking b", SourceExtent(10, None)) as advance:
        assert isinstance(advance, Stages)
        advance(10)
        advance.stage("profiling the reference", str(reference), None)
        assert advance.rows == 0
        assert advance.extent is not None and advance.extent.rows == 30
        advance(30)
        advance.stage("reading b again", pl.DataFrame({"x": range(10)}), None)
        advance(4)
    assert bars == [
        {"label": "checking b", "total": 10, "rows": 10, "stopped": True},
        {"label": "profiling the reference", "total": 30, "rows": 30, "stopped": True},
        {"label": "reading b again", "total": 10, "rows": 4, "stopped": True},
    ]
