"""Contracts as YAML: round trips, and mistakes reported with file, line and key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import ColumnSpec, Contract, DatasetSpec, LabelSpec
from pipewarden.contracts.yaml_io import dump_contract, load_contract, parse_contract
from pipewarden.errors import ContractNotFoundError, ContractParseError
from pipewarden.profiles.dataset import DatasetProfile

ProfileOf = Callable[[pl.DataFrame], DatasetProfile]

HEADER = "kind: pipewarden/contract\nversion: 1\n"


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_inferred_contracts_round_trip_through_yaml(
    profile_of: ProfileOf, frames: st.SearchStrategy[pl.DataFrame], data: st.DataObject
) -> None:
    contract = infer_contract(profile_of(data.draw(frames)), label="s", name="gen")
    assert parse_contract(dump_contract(contract)) == contract


def test_dump_writes_a_commented_file_without_default_sections(tmp_path: Path) -> None:
    contract = Contract(columns={"x": ColumnSpec(kind="float", dtype="Float64")})
    path = tmp_path / "c.yaml"
    text = dump_contract(contract, path)
    assert path.read_text(encoding="utf-8") == text
    assert text.startswith("# pipewarden contract: edit freely.")
    assert "conform:" not in text and "drift:" not in text
    assert load_contract(path) == contract


@pytest.mark.parametrize(
    ("share", "written"),
    [(0.2, "label:\n    column: y\n"), (0.05, "info_below_share: 0.05")],
)
def test_the_label_info_share_is_written_only_when_it_is_not_the_default(
    share: float, written: str
) -> None:
    contract = Contract(
        columns={"y": ColumnSpec(kind="integer", dtype="Int64")},
        dataset=DatasetSpec(label=LabelSpec(column="y", info_below_share=share)),
    )
    text = dump_contract(contract)
    assert written in text
    assert ("info_below_share" in text) == (share != 0.2)
    assert parse_contract(text) == contract


def test_unicode_names_and_yaml_lookalike_values_survive(tmp_path: Path) -> None:
    contract = Contract(
        columns={
            "名前": ColumnSpec(
                kind="categorical",
                dtype="String",
                categories=[
                    "yes",
                    "no",
                    "null",
                    "1.0",
                    "é",
                    "\x85",
                    "0\x85",
                    "a\u2028",
                ],
            ),
            "true": ColumnSpec(kind="integer", dtype="Int64"),
        }
    )
    assert parse_contract(dump_contract(contract)) == contract


@pytest.mark.parametrize(
    ("text", "message", "line", "key"),
    [
        (
            HEADER + "columns:\n  a: [\n",
            "c.yaml, line 5: invalid YAML (expected the node content, but found "
            "'<stream end>'). Fix the syntax there.",
            5,
            None,
        ),
        (
            "- just\n- a list\n",
            "c.yaml, line 1: a contract is a YAML mapping with 'kind: pipewarden/contract' "
            "and 'columns'. Create one with: pipewarden contract infer DATA -o "
            "contract.yaml",
            1,
            None,
        ),
        (
            "",
            "c.yaml, line 1: a contract is a YAML mapping with 'kind: "
            "pipewarden/contract' and 'columns'. Create one with: pipewarden contract "
            "infer DATA -o contract.yaml",
            1,
            None,
        ),
        (
            "kind: great_expectations/suite\nversion: 1\n",
            "c.yaml, line 1, key 'kind': 'kind' is 'great_expectations/suite', not "
            "'pipewarden/contract'. Is this a pipewarden contract? Set 'kind: "
            "pipewarden/contract' or create one with pipewarden contract infer.",
            1,
            "kind",
        ),
        (
            "version: 1\ncolumns: {}\n",
            "c.yaml, line 1, key 'kind': 'kind' is None, not 'pipewarden/contract'. Is this "
            "a pipewarden contract? Set 'kind: pipewarden/contract' or create one with "
            "pipewarden contract infer.",
            1,
            "kind",
        ),
        (
            "kind: pipewarden/contract\nversion: 2\n",
            "c.yaml, line 2, key 'version': 'version' is 2; this pipewarden reads version "
            "1. Set 'version: 1' or upgrade pipewarden.",
            2,
            "version",
        ),
        (
            HEADER + "columns:\n  a:\n    kind: floaty\n    dtype: Float64\n",
            "c.yaml, line 5, key 'columns.a.kind': 'floaty' is not allowed here; use one of "
            "'integer', 'float', 'boolean', 'categorical', 'text', 'datetime' or 'other'.",
            5,
            "columns.a.kind",
        ),
        (
            HEADER
            + "columns:\n  a:\n    kind: float\n    dtype: Float64\n    colour: red\n",
            "c.yaml, line 7, key 'columns.a.colour': unknown key. Check its spelling against "
            "the README's contract reference.",
            7,
            "columns.a.colour",
        ),
        (
            HEADER + "columns:\n  a:\n    kind: float\n",
            "c.yaml, line 4, key 'columns.a.dtype': required key is missing. Add it.",
            4,
            "columns.a.dtype",
        ),
        (
            HEADER + "columns:\n  a:\n    kind: float\n    dtype: Float64\n"
            "    max_null_rate: 2\n",
            "c.yaml, line 7, key 'columns.a.max_null_rate': Input should be less than or "
            "equal to 1 (got 2). Correct the value.",
            7,
            "columns.a.max_null_rate",
        ),
        (
            HEADER + "dataset:\n  rows:\n    min: many\n",
            "c.yaml, line 5, key 'dataset.rows.min': Input should be a valid integer, unable "
            "to parse string as an integer (got 'many'). Correct the value.",
            5,
            "dataset.rows.min",
        ),
        (
            HEADER + "policies:\n  unexpected_columns: ignore\n",
            "c.yaml, line 4, key 'policies.unexpected_columns': 'ignore' is not allowed "
            "here; use one of 'drop', 'keep' or 'fail'.",
            4,
            "policies.unexpected_columns",
        ),
        (
            HEADER + "columns:\n  a:\n    kind: float\n    dtype: Floaty128\n",
            "c.yaml, line 6, key 'columns.a.dtype': 'Floaty128' is not a polars dtype. "
            "Use e.g. Float64, Int64, String, Boolean or Datetime(time_unit='us', "
            "time_zone=None).",
            6,
            "columns.a.dtype",
        ),
        (
            HEADER + "columns:\n  a:\n    kind: float\n    dtype: Float64\n"
            "    range:\n      min: 100\n      max: -100\n",
            "c.yaml, line 7, key 'columns.a.range': min (100) is greater than max (-100), "
            "so nothing can fit. Swap them, or drop one to leave that side open.",
            7,
            "columns.a.range",
        ),
        (
            HEADER + "dataset:\n  rows:\n    min: 10\n    max: 1\n",
            "c.yaml, line 4, key 'dataset.rows': min (10) is greater than max (1), so "
            "nothing can fit. Swap them, or drop one to leave that side open.",
            4,
            "dataset.rows",
        ),
        (
            HEADER + "columns:\n  a:\n    kind: datetime\n    dtype: Datetime\n"
            "    conform:\n      datetime_format: '%Y-%m-%d %Q'\n",
            "c.yaml, line 8, key 'columns.a.conform.datetime_format': '%Y-%m-%d %Q' is "
            "not a datetime format polars can read. Use strftime directives, e.g. "
            "'%Y-%m-%d %H:%M:%S' or '%d/%m/%Y'.",
            8,
            "columns.a.conform.datetime_format",
        ),
        (
            HEADER + "columns:\n  a:\n    kind: datetime\n    dtype: Datetime\n"
            "    conform:\n      datetime_format: dd/mm/yyyy\n",
            "c.yaml, line 8, key 'columns.a.conform.datetime_format': 'dd/mm/yyyy' is "
            "not a datetime format polars can read. Use strftime directives, e.g. "
            "'%Y-%m-%d %H:%M:%S' or '%d/%m/%Y'.",
            8,
            "columns.a.conform.datetime_format",
        ),
    ],
    ids=[
        "bad-syntax",
        "a-list",
        "empty",
        "wrong-kind",
        "no-kind",
        "wrong-version",
        "bad-literal",
        "unknown-key",
        "missing-key",
        "out-of-range",
        "wrong-type",
        "bad-policy",
        "unknown-dtype",
        "inverted-range",
        "inverted-row-count",
        "bad-datetime-format",
        "datetime-format-without-directives",
    ],
)
def test_mistakes_name_file_line_and_key(
    tmp_path: Path, text: str, message: str, line: int, key: str | None
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractParseError) as info:
        load_contract(path)
    assert str(info.value) == message.replace("c.yaml", str(path), 1)
    assert (info.value.file, info.value.line, info.value.key) == (str(path), line, key)


def test_a_missing_contract_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ContractNotFoundError) as info:
        load_contract(path)
    assert str(info.value) == (
        f"No contract at '{path}'. Create one with: pipewarden contract infer DATA -o "
        f"{path}"
    )


def test_a_contract_that_is_not_utf8_is_a_parse_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes((HEADER + "name: caf\xe9\n").encode("latin-1"))
    with pytest.raises(ContractParseError) as info:
        load_contract(path)
    assert str(info.value) == f"{path}: the file is not UTF-8 text. Save it as UTF-8."


def test_parse_contract_names_its_source() -> None:
    with pytest.raises(ContractParseError, match=r"^<string>, line 1, key 'kind'"):
        parse_contract("kind: x\n")
    assert parse_contract(HEADER, source="inline") == Contract()


@pytest.mark.parametrize(
    "fmt",
    ["%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y-%m", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M%z"],
)
def test_datetime_formats_polars_reads_are_accepted(fmt: str) -> None:
    text = (
        HEADER + "columns:\n  a:\n    kind: datetime\n    dtype: Datetime\n"
        f"    conform:\n      datetime_format: '{fmt}'\n"
    )
    assert parse_contract(text).columns["a"].conform.datetime_format == fmt


@pytest.mark.parametrize(
    ("low", "high"), [(-100.0, 100.0), (5.0, 5.0), (None, -3.0), (7.0, None)]
)
def test_ranges_with_min_at_most_max_are_accepted(
    low: float | None, high: float | None
) -> None:
    spec = ColumnSpec(kind="float", dtype="Float64", range={"min": low, "max": high})
    assert spec.range is not None and (spec.range.min, spec.range.max) == (low, high)
