"""pipewarden contract infer: an editable YAML contract, or one line saying what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipewarden.contracts.yaml_io import load_contract

Cli = Callable[..., Any]


def test_infer_writes_a_contract_the_reference_passes(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "c.yaml"
    run = cli(
        "contract",
        "infer",
        cli_files["reference.csv"],
        "-o",
        target,
        "--label",
        "defaulted",
        "--id",
        "loan_id",
        "--time",
        "issued",
        "--name",
        "loans",
        "--segment",
        "grade",
    )
    assert (run.code, run.err) == (0, "")
    assert run.out.startswith("Contract for 5 columns (100 reference rows) written to")
    contract = load_contract(target)
    assert contract.name == "loans"
    assert contract.dataset.id == "loan_id" and contract.columns["loan_id"].unique
    assert (
        contract.dataset.label is not None
        and contract.dataset.label.column == "defaulted"
    )
    assert (
        contract.dataset.time is not None and contract.dataset.time.column == "issued"
    )
    assert contract.dataset.segments == ["grade"]
    check = cli(
        "check", target, cli_files["reference.csv"], "--as-of", "2024-01-05T12:00"
    )
    assert check.code == 0, check.out


def test_infer_reads_a_saved_profile(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    saved = tmp_path / "ref.json"
    assert cli("profile", cli_files["reference.csv"], "-o", saved).code == 0
    from_profile, from_data = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert cli("contract", "infer", saved, "-o", from_profile).code == 0
    assert (
        cli("contract", "infer", cli_files["reference.csv"], "-o", from_data).code == 0
    )
    assert load_contract(from_profile) == load_contract(from_data)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--label", "nope"],
            "error: --label column 'nope' is not in the data; columns "
            "are: loan_id, annual_inc, grade, defaulted, issued.",
        ),
        (
            ["--time", "grade"],
            "error: --time column 'grade' is categorical, not a "
            "datetime. Parse it as a datetime upstream, or pick another column.",
        ),
    ],
)
def test_bad_roles_are_one_line(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    run = cli(
        "contract",
        "infer",
        cli_files["reference.csv"],
        "-o",
        tmp_path / "c.yaml",
        *args,
    )
    assert (run.code, run.err_lines) == (2, [message])
    assert not (tmp_path / "c.yaml").exists()


def test_output_is_required(cli: Cli, cli_files: dict[str, Path]) -> None:
    run = cli("contract", "infer", cli_files["reference.csv"])
    assert run.code == 2
    assert run.err_lines == [
        "error: Missing option '-o' / '--output'. Run 'pipewarden contract infer --help' "
        "for usage."
    ]


@pytest.mark.parametrize("data", ["empty.csv", "missing.csv", "no_data"])
def test_unreadable_reference_is_one_line(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path, data: str
) -> None:
    run = cli("contract", "infer", cli_files[data], "-o", tmp_path / "c.yaml")
    assert run.code == 2
    assert len(run.err_lines) == 1 and run.err_lines[0].startswith("error: ")
    assert "Traceback" not in run.err


def test_real_contract_command(
    real_cli: Callable[..., Any], cli_files: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "c.yaml"
    args = ["contract", "infer", cli_files["reference.csv"], "-o", target]
    run = real_cli({"ok": args}, tmp_path)["ok"]
    assert (run.code, run.err) == (0, "")
    assert load_contract(target).columns["grade"].categories == ["A", "B", "C"]
