"""pipewarden profile: a summary per column, the profile JSON, and bad input in one line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import pipewarden as pw
from pipewarden.cli.profile import _summary
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.workflows.profile import profile

Cli = Callable[..., Any]


def test_profile_prints_a_summary_and_writes_json(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "deep" / "profile.json"
    run = cli("profile", cli_files["reference.csv"], "-o", target)
    assert (run.code, run.err) == (0, "")
    assert "reference.csv: 100 rows, 5 columns" in run.out
    assert "Profile written to" in run.out  # then the path, wrapped at 80 columns
    prof = DatasetProfile.load(target)
    assert prof.rows == 100
    assert prof.column_names == [
        "loan_id",
        "annual_inc",
        "grade",
        "defaulted",
        "issued",
    ]
    assert prof["grade"].frequent.counts == {"A": 34, "B": 33, "C": 33}


def test_profile_without_output_only_prints(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    run = cli("profile", cli_files["good.csv"])
    assert run.code == 0
    assert "good.csv: 100 rows, 5 columns" in run.out
    assert "Profile written" not in run.out


def test_an_unwritable_output_is_one_line(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    run = cli("profile", cli_files["good.csv"], "-o", blocker / "profile.json")
    assert run.code == 2
    (line,) = run.err_lines
    assert line.startswith(f"error: Cannot write '{blocker / 'profile.json'}': ")
    assert line.endswith(". Choose a writable path.")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "empty.csv",
            "error: File '{path}' is empty (0 bytes). Check that the job "
            "writing it finished, or pass another file.",
        ),
        (
            "no_data",
            "error: No Parquet files in directory '{path}'. Put .parquet or .pq "
            "files in it, or pass a glob such as 'data/**/*.parquet' for nested folders.",
        ),
        (
            "missing.csv",
            "error: No such file: '{path}'. Check the path, or pass a "
            "directory or glob of Parquet files.",
        ),
        (
            "duplicate_names.csv",
            "error: File '{path}' has duplicate column names: 'grade' (columns 3 "
            "and 4). A contract checks one column per name, so pipewarden does not "
            "rename them: rename the duplicates in the header, or export the file "
            "again.",
        ),
    ],
)
def test_unreadable_data_is_one_line_and_exit_2(
    cli: Cli, cli_files: dict[str, Path], data: str, message: str
) -> None:
    run = cli("profile", cli_files[data])
    assert "Traceback" not in run.err
    assert (run.code, run.err_lines, run.out) == (
        2,
        [message.format(path=cli_files[data])],
        "",
    )


@pytest.mark.parametrize(
    ("data", "rows", "check"),
    [
        ("header_only.csv", 0, lambda p: p["grade"].rows == 0),
        ("all_null.csv", 100, lambda p: p["annual_inc"].nulls == 100),
        (
            "nan_inf.csv",
            100,
            lambda p: (p["annual_inc"].nan, p["annual_inc"].posinf) == (1, 1),
        ),
        ("long_string.csv", 100, lambda p: p["grade"].lengths.max == 1_000_000),
        (
            "mixed_types.csv",
            100,
            lambda p: p["annual_inc"].non_numeric_examples == ("unknown",),
        ),
        ("unicode_names.csv", 2, lambda p: p.column_names == ["café", "名前"]),
        (
            "latin1.csv",
            100,
            lambda p: "caf\ufffd" in (p["grade"].frequent.counts or {}),
        ),
    ],
)
def test_odd_data_is_profiled(
    cli: Cli,
    cli_files: dict[str, Path],
    tmp_path: Path,
    data: str,
    rows: int,
    check: Callable[[DatasetProfile], bool],
) -> None:
    target = tmp_path / "p.json"
    run = cli("profile", cli_files[data], "-o", target)
    assert "Traceback" not in run.err
    assert run.code == 0
    assert len(run.err_lines) == (1 if data == "latin1.csv" else 0)
    prof = DatasetProfile.load(target)
    assert prof.rows == rows
    assert check(prof)


def test_usage_errors_are_one_line(cli: Cli) -> None:
    run = cli("profile")
    assert (run.code, run.err_lines) == (
        2,
        ["error: Missing argument 'data'. Run 'pipewarden profile --help' for usage."],
    )
    run = cli("profiel", "x.csv")
    assert (run.code, run.err_lines) == (
        2,
        [
            "error: No such command 'profiel'. Did you mean 'profile'? Run 'pipewarden "
            "--help' for usage."
        ],
    )


def test_real_profile_command(
    real_cli: Callable[..., Any], cli_files: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "reference.json"
    runs = real_cli(
        {
            "ok": ["profile", cli_files["reference.csv"], "-o", target],
            "empty": ["profile", cli_files["empty.csv"]],
        },
        tmp_path,
    )
    ok, empty = runs["ok"], runs["empty"]
    assert (ok.code, ok.err) == (0, "")
    assert "reference.csv: 100 rows, 5 columns" in ok.out
    assert DatasetProfile.load(target).rows == 100
    assert (empty.code, empty.out) == (2, "")
    assert "Traceback" not in empty.err
    assert empty.err_lines == [
        f"error: File '{cli_files['empty.csv']}' is empty (0 bytes). Check that the job "
        "writing it finished, or pass another file."
    ]


def test_summary_shows_times_at_the_epoch(tmp_path: Path) -> None:
    data = tmp_path / "epoch.csv"
    data.write_text("ts\n1969-12-31 23:00:00\n1970-01-01 00:00:00\n")
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(_summary(profile(data), "epoch.csv"))
    (row,) = [line for line in console.export_text().splitlines() if "│ ts" in line]
    cells = [cell.strip() for cell in row.split("│")]
    assert cells[5:8] == ["1969-12-31 23:00:00", "", "1970-01-01 00:00:00"]


def test_profile_with_a_label_tells_its_imbalance_as_check_does(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    run = cli("profile", cli_files["reference.csv"], "--label", "defaulted")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines()[-1] == (
        "Label 'defaulted' is imbalanced: minority class '1' is 10% of rows (1 : 9). "
        "Use stratified splits, and class weights or resampling when training; judge "
        "the model by precision and recall, not accuracy."
    )
    contract = pw.infer_contract(
        pw.profile(cli_files["reference.csv"]), label="defaulted"
    )
    (told,) = [
        f
        for f in pw.check(cli_files["reference.csv"], contract).findings
        if f.check == "label.imbalance"
    ]
    assert told.message == run.out.splitlines()[-1]


def test_profile_with_a_balanced_label_adds_no_line(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    plain = cli("profile", cli_files["reference.csv"])
    labelled = cli("profile", cli_files["reference.csv"], "--label", "grade")
    assert (labelled.code, labelled.out) == (0, plain.out)


def test_profile_with_an_unknown_label_is_one_line(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    run = cli("profile", cli_files["reference.csv"], "--label", "churn")
    assert run.code == 2
    assert run.err_lines == [
        "error: --label column 'churn' is not in the data; columns are: loan_id, "
        "annual_inc, grade, defaulted, issued. Pass one of them."
    ]
