"""pipewarden check: exit codes, findings, and bad input as one line (never a traceback)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

AS_OF = "2024-01-06T00:00:00Z"
Cli = Callable[..., Any]
TYPE_MESSAGE = (
    "Column 'annual_inc' is declared float but arrived as text: 100% of values do not "
    "read as float, mostly numbers with currency or thousands separators (e.g. "
    "'$33,000.00', '$45,500.00'). Strip the formatting upstream or set `coerce: true` "
    "for it."
)


def findings(out: str) -> list[dict[str, Any]]:
    data = json.loads(out)
    assert set(data) == {"status", "rows", "dataset", "contract", "findings"}
    return list(data["findings"])


def test_a_good_batch_passes(cli: Cli, cli_files: dict[str, Path]) -> None:
    run = cli(
        "check", cli_files["contract.yaml"], cli_files["good.csv"], "--as-of", AS_OF
    )
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines()[0] == (
        "PASS  good.csv: 100 rows, 0 error(s), 0 warning(s), 0 info"
    )


def test_warnings_pass_unless_fail_on_warning(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    args = (
        "check",
        cli_files["contract.yaml"],
        cli_files["extra_column.csv"],
        "--as-of",
        AS_OF,
    )
    run = cli(*args)
    assert run.code == 0
    assert run.out.startswith(
        "WARN  extra_column.csv: 100 rows, 0 error(s), 1 warning(s)"
    )
    assert "promo_code" in run.out
    assert cli(*args, "--fail-on", "warning").code == 1


def test_a_failed_batch_exits_1_with_findings_json(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    run = cli(
        "check",
        cli_files["contract.yaml"],
        cli_files["formatted.csv"],
        "--as-of",
        AS_OF,
        "--json",
        "-",
    )
    assert (run.code, run.err) == (1, "")
    data = json.loads(run.out)
    assert (data["status"], data["rows"], data["dataset"], data["contract"]) == (
        "fail",
        100,
        "formatted.csv",
        "loans",
    )
    assert data["findings"] == [
        {
            "check": "schema.type_mismatch",
            "column": "annual_inc",
            "severity": "error",
            "value": "String",
            "threshold": "Float64",
            "segment": None,
            "message": TYPE_MESSAGE,
            "evidence": {
                "cause": "text_in_numeric",
                "reasons": {"formatted": ["$33,000.00", "$45,500.00"]},
                "examples": ["$33,000.00", "$45,500.00"],
            },
        }
    ]


def test_json_file_and_table_together(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "out" / "findings.json"
    run = cli(
        "check",
        cli_files["contract.yaml"],
        cli_files["formatted.csv"],
        "--as-of",
        AS_OF,
        "--json",
        target,
    )
    assert run.code == 1
    assert run.out.startswith("FAIL  formatted.csv: 100 rows, 1 error(s)")
    assert "schema.type_mismatch" in run.out
    assert findings(target.read_text())[0]["message"] == TYPE_MESSAGE


def test_saved_profiles_stand_in_for_data(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    saved = tmp_path / "good.json"
    assert cli("profile", cli_files["good.csv"], "-o", saved).code == 0
    run = cli(
        "check",
        cli_files["contract.yaml"],
        saved,
        "--reference",
        saved,
        "--as-of",
        AS_OF,
    )
    assert run.code == 0
    assert run.out.startswith("PASS  good.json: 100 rows")


def test_staleness_is_judged_at_as_of(cli: Cli, cli_files: dict[str, Path]) -> None:
    run = cli(
        "check",
        cli_files["contract.yaml"],
        cli_files["good.csv"],
        "--as-of",
        "2024-02-01T00:00:00",
        "--json",
        "-",
    )
    assert run.code == 0
    assert [f["check"] for f in findings(run.out)] == ["time.freshness"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--fail-on", "bad"],
            "error: --fail-on must be 'error' or 'warning', not 'bad'.",
        ),
        (
            ["--as-of", "yesterday"],
            "error: 'yesterday' is not an ISO time. Use e.g. 2024-03-01T00:00:00Z.",
        ),
        (
            ["--frobnicate"],
            "error: No such option: --frobnicate. Run 'pipewarden check "
            "--help' for usage.",
        ),
    ],
)
def test_bad_options_are_one_line_usage_errors(
    cli: Cli, cli_files: dict[str, Path], args: list[str], message: str
) -> None:
    run = cli("check", cli_files["contract.yaml"], cli_files["good.csv"], *args)
    assert (run.code, run.err_lines, run.out) == (2, [message], "")


def test_a_missing_argument_is_a_usage_error(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    run = cli("check", cli_files["contract.yaml"])
    assert (run.code, run.err_lines) == (
        2,
        ["error: Missing argument 'data'. Run 'pipewarden check --help' for usage."],
    )


# ------------------------------------------------------------------- bad input
def _unit(run: Any) -> None:
    """Never a traceback; at most one line on standard error."""
    assert "Traceback" not in run.err
    assert len(run.err_lines) <= 1


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
    ],
)
def test_unreadable_data_is_one_line_and_exit_2(
    cli: Cli, cli_files: dict[str, Path], data: str, message: str
) -> None:
    run = cli("check", cli_files["contract.yaml"], cli_files[data], "--json", "-")
    _unit(run)
    assert (run.code, run.err_lines, run.out) == (
        2,
        [message.format(path=cli_files[data])],
        "",
    )


@pytest.mark.parametrize(
    ("contract", "message"),
    [
        (
            "malformed.yaml",
            "error: {path}, line 5: invalid YAML (expected the node "
            "content, but found '<stream end>'). Fix the syntax there.",
        ),
        (
            "bad_value.yaml",
            "error: {path}, line 7, key 'columns.a.max_null_rate': Input "
            "should be less than or equal to 1 (got 2). Correct the value.",
        ),
        (
            "wrong_kind.yaml",
            "error: {path}, line 1, key 'kind': 'kind' is "
            "'great_expectations/suite', not 'pipewarden/contract'. Is this a pipewarden "
            "contract? Set 'kind: pipewarden/contract' or create one with pipewarden "
            "contract infer.",
        ),
        (
            "missing.csv",
            "error: No contract at '{path}'. Create one with: pipewarden "
            "contract infer DATA -o {path}",
        ),
    ],
)
def test_bad_contracts_are_one_line_and_exit_2(
    cli: Cli, cli_files: dict[str, Path], contract: str, message: str
) -> None:
    run = cli("check", cli_files[contract], cli_files["good.csv"])
    _unit(run)
    assert (run.code, run.err_lines) == (2, [message.format(path=cli_files[contract])])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("header_only.csv", [("volume.row_count", None, "error")]),
        ("all_null.csv", [("nulls.rate", "annual_inc", "error")]),
        (
            "nan_inf.csv",
            [
                ("nulls.rate", "annual_inc", "error"),
                ("range.out_of_bounds", "annual_inc", "error"),
            ],
        ),
        ("mixed_types.csv", [("schema.type_mismatch", "annual_inc", "error")]),
        ("long_string.csv", [("category.unseen", "grade", "error")]),
        ("latin1.csv", [("category.unseen", "grade", "error")]),
        ("unicode_names.csv", None),
    ],
)
def test_odd_data_gives_findings_not_errors(
    cli: Cli,
    cli_files: dict[str, Path],
    data: str,
    expected: list[tuple[str, str | None, str]] | None,
) -> None:
    run = cli(
        "check",
        cli_files["contract.yaml"],
        cli_files[data],
        "--as-of",
        AS_OF,
        "--json",
        "-",
    )
    _unit(run)
    assert run.code == 1
    got = [(f["check"], f["column"], f["severity"]) for f in findings(run.out)]
    if expected is not None:
        assert got == expected
    assert len(run.out) < 20_000  # a 1,000,000-character value is cut in messages


def test_non_utf8_data_warns_on_one_line(cli: Cli, cli_files: dict[str, Path]) -> None:
    run = cli(
        "check",
        cli_files["contract.yaml"],
        cli_files["latin1.csv"],
        "--as-of",
        AS_OF,
        "--json",
        "-",
    )
    assert run.err_lines == [
        f"warning: File '{cli_files['latin1.csv']}' is not valid UTF-8; bytes that could "
        "not be decoded were replaced with U+FFFD. Re-encode it as UTF-8 (e.g. iconv -f "
        "latin1 -t utf-8) to keep the original characters."
    ]
    (finding,) = findings(run.out)
    assert finding["value"]["values"] == ["caf\ufffd"]


def test_mixed_types_name_an_example(cli: Cli, cli_files: dict[str, Path]) -> None:
    run = cli(
        "check",
        cli_files["contract.yaml"],
        cli_files["mixed_types.csv"],
        "--as-of",
        AS_OF,
        "--json",
        "-",
    )
    assert findings(run.out)[0]["message"] == (
        "Column 'annual_inc' is declared float but arrived as text: 1.0% of values do "
        "not read as float, mostly a word for unknown (e.g. 'unknown'). Strip the formatting upstream or set "
        "`coerce: true` for it."
    )


def test_unicode_column_names_are_reported_by_name(
    cli: Cli, cli_files: dict[str, Path]
) -> None:
    run = cli(
        "check",
        cli_files["contract.yaml"],
        cli_files["unicode_names.csv"],
        "--as-of",
        AS_OF,
        "--json",
        "-",
    )
    unexpected = {
        f["column"]
        for f in findings(run.out)
        if f["check"] == "schema.unexpected_column"
    }
    assert unexpected == {"café", "名前"}


def test_duplicate_column_names_are_named(cli: Cli, cli_files: dict[str, Path]) -> None:
    path = cli_files["duplicate_names.csv"]
    run = cli("check", cli_files["contract.yaml"], path, "--as-of", AS_OF)
    _unit(run)
    assert (run.code, run.err_lines, run.out) == (
        2,
        [
            f"error: File '{path}' has duplicate column names: 'grade' (columns 3 "
            "and 4). A contract checks one column per name, so pipewarden does not "
            "rename them: rename the duplicates in the header, or export the file "
            "again."
        ],
        "",
    )


# ---------------------------------------------------------------- the real thing
@pytest.fixture(scope="module")
def real_runs(real_cli: Callable[..., Any], cli_files: dict[str, Path]) -> Any:
    c = cli_files["contract.yaml"]
    return real_cli(
        {
            "pass": ["check", c, cli_files["good.csv"], "--as-of", AS_OF],
            "fail": ["check", c, cli_files["formatted.csv"], "--as-of", AS_OF],
            "latin1": [
                "check",
                c,
                cli_files["latin1.csv"],
                "--as-of",
                AS_OF,
                "--json",
                "-",
            ],
            "malformed": ["check", cli_files["malformed.yaml"], cli_files["good.csv"]],
            "usage": ["check", c],
        },
        cli_files["good.csv"].parent,
    )


@pytest.mark.parametrize(
    ("name", "code", "err_start", "out_has"),
    [
        ("pass", 0, None, "PASS  good.csv: 100 rows, 0 error(s), 0 warning(s), 0 info"),
        # The table's first line of the finding names the cause (the rest wraps).
        ("fail", 1, None, TYPE_MESSAGE.split(" (e.g.")[0]),
        ("latin1", 1, "warning: File '", '"caf\\ufffd"'),
        ("malformed", 2, "error: ", ""),
        (
            "usage",
            2,
            "error: Missing argument 'data'. Run 'pipewarden check --help'",
            "",
        ),
    ],
)
def test_real_command(
    real_runs: dict[str, Any], name: str, code: int, err_start: str | None, out_has: str
) -> None:
    run = real_runs[name]
    assert run.code == code, run.err
    assert "Traceback" not in run.err
    if err_start is None:
        assert run.err == ""
    else:
        assert len(run.err_lines) == 1 and run.err_lines[0].startswith(err_start)
    assert out_has in run.out


@pytest.mark.parametrize(
    ("spec", "key", "message"),
    [
        (
            "    dtype: Floaty128\n",
            "columns.a.dtype",
            "'Floaty128' is not a polars dtype. Use e.g. Float64, Int64, String, "
            "Boolean or Datetime(time_unit='us', time_zone=None).",
        ),
        (
            "    dtype: Float64\n    range:\n      min: 100\n      max: -100\n",
            "columns.a.range",
            "min (100) is greater than max (-100), so nothing can fit. Swap them, or "
            "drop one to leave that side open.",
        ),
    ],
    ids=["unknown-dtype", "inverted-range"],
)
def test_check_and_conform_refuse_a_bad_contract_alike(
    cli: Cli,
    cli_files: dict[str, Path],
    tmp_path: Path,
    spec: str,
    key: str,
    message: str,
) -> None:
    contract = tmp_path / "bad.yaml"
    contract.write_text(
        "kind: pipewarden/contract\nversion: 1\ncolumns:\n  a:\n    kind: float\n"
        + spec,
        encoding="utf-8",
    )
    line = 6 if key.endswith("dtype") else 7
    expected = [f"error: {contract}, line {line}, key '{key}': {message}"]
    data = cli_files["good.csv"]
    checked = cli("check", contract, data)
    conformed = cli("conform", contract, data, "-o", tmp_path / "out.parquet")
    assert (checked.code, checked.err_lines) == (2, expected)
    assert (conformed.code, conformed.err_lines) == (2, expected)
    assert not (tmp_path / "out.parquet").exists()
