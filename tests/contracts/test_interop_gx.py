"""Great Expectations suites imported as contracts give GX's own verdicts.

The suite is written by Great Expectations itself (1.x, ``to_json_dict()``), imported,
and both tools judge the same batches: GX validates the pandas frame, pipewarden checks
the polars frame. GX is binary; pipewarden grades (a warning under 1% of rows out of
range, an error from 1%), so "passes" means status ``pass`` (no warning, no error).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import pipewarden as pw
from pipewarden.cli import main
from pipewarden.errors import ContractParseError

Frame = dict[str, list[Any]]


def _clean() -> Frame:
    return {
        "id": list(range(1, 21)),
        "amount": [float(i * 37 % 1000) for i in range(20)],
        "grade": ["A", "B", "C", "A"] * 5,
        "score": [None if i % 10 == 0 else i / 20 for i in range(20)],
    }


def _with(column: str, index: int, value: Any) -> Callable[[Frame], Frame]:
    def change(frame: Frame) -> Frame:
        values = list(frame[column])
        values[index] = value
        return {**frame, column: values}

    return change


def _nulls(column: str, every: int) -> Callable[[Frame], Frame]:
    def change(frame: Frame) -> Frame:
        values = [None if i % every == 0 else v for i, v in enumerate(frame[column])]
        return {**frame, column: values}

    return change


CASES: dict[str, tuple[Callable[[Frame], Frame], bool]] = {
    "clean": (lambda f: f, True),
    "amount above the maximum": (_with("amount", 3, 1000.5), False),
    "amount below the minimum": (_with("amount", 4, -0.5), False),
    "amount null (allowed)": (_with("amount", 5, None), True),
    "amount on the bounds": (_with("amount", 6, 1000.0), True),
    "unseen grade": (_with("grade", 2, "D"), False),
    "grade null (in_set skips nulls)": (_with("grade", 2, None), True),
    "duplicate id": (_with("id", 1, 1), False),
    "null id": (_with("id", 1, None), False),
    "too few rows": (lambda f: {k: v[:4] for k, v in f.items()}, False),
    "score 10% null (mostly 0.8)": (lambda f: f, True),
    "score 35% null (mostly 0.8)": (_nulls("score", 3), False),
    "extra column": (lambda f: {**f, "promo": ["x"] * len(f["id"])}, False),
    "missing column": (lambda f: {k: v for k, v in f.items() if k != "grade"}, False),
}
"""Batch -> whether Great Expectations passes it (asserted too: the cases mean it)."""


@pytest.fixture(scope="module")
def gx() -> Iterator[Any]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with warnings.catch_warnings():
        # pyspark (imported by GX) warns about pandas 3; GX warns about its own API.
        warnings.simplefilter("ignore")
        import great_expectations

        # Suites need a context (an in-memory one: no files, no network).
        great_expectations.get_context(mode="ephemeral")
        yield great_expectations


def _suite(gx: Any) -> Any:
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name="loans")
    for expectation in (
        gxe.ExpectTableColumnsToMatchSet(
            column_set=["id", "amount", "grade", "score"], exact_match=True
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="id"),
        gxe.ExpectColumnValuesToBeUnique(column="id"),
        gxe.ExpectColumnValuesToBeOfType(column="id", type_="int64"),
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=1000),
        gxe.ExpectColumnValuesToBeInSet(column="grade", value_set=["A", "B", "C"]),
        gxe.ExpectColumnValuesToNotBeNull(column="score", mostly=0.8),
        gxe.ExpectColumnValuesToBeOfType(column="score", type_="float64"),
        gxe.ExpectTableRowCountToBeBetween(min_value=10, max_value=1000),
    ):
        suite.add_expectation(expectation)
    return suite


@pytest.fixture(scope="module")
def suite_json(gx: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gx") / "loans.json"
    path.write_text(json.dumps(_suite(gx).to_json_dict(), default=str))
    return path


@pytest.fixture(scope="module")
def validate(gx: Any) -> Callable[[Any], bool]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = gx.get_context()
        source = context.data_sources.add_pandas("frames")
        batches = source.add_dataframe_asset(
            "batch"
        ).add_batch_definition_whole_dataframe("whole")
    suite = _suite(gx)

    def run(frame: Any) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            batch = batches.get_batch(batch_parameters={"dataframe": frame})
            return bool(batch.validate(suite).success)

    return run


def test_the_suite_imports_without_loss(suite_json: Path) -> None:
    result = pw.import_contract(suite_json)
    contract = result.contract
    assert result.source_format == "gx"
    assert result.unmapped == ()
    assert contract.name == "loans"
    assert contract.policies.unexpected_columns == "fail"
    assert (contract.dataset.rows.min, contract.dataset.rows.max) == (10, 1000)
    id_, amount, grade, score = (
        contract.columns[c] for c in ("id", "amount", "grade", "score")
    )
    assert (id_.kind, id_.dtype, id_.nullable, id_.unique) == (
        "integer",
        "Int64",
        False,
        True,
    )
    assert amount.range is not None
    assert (amount.range.min, amount.range.max) == (0.0, 1000.0)
    assert (grade.kind, grade.categories) == ("categorical", ["A", "B", "C"])
    assert score.max_null_rate == pytest.approx(0.2)


@pytest.mark.parametrize("case", list(CASES))
def test_imported_contract_passes_what_great_expectations_passes(
    case: str, suite_json: Path, validate: Callable[[Any], bool]
) -> None:
    change, expected = CASES[case]
    frame = pl.DataFrame(change(_clean()), strict=False)
    gx_passes = validate(frame.to_pandas())
    assert gx_passes is expected  # the case means what it says
    contract = pw.import_contract(suite_json).contract
    result = pw.check(frame, contract)
    assert (result.status == "pass") is gx_passes, result.findings


def test_gx_0x_suites_import_alike(suite_json: Path) -> None:
    """The 0.x shape (``expectation_suite_name``, ``expectation_type``) gives the
    same contract as the 1.x suite it spells."""
    suite = json.loads(suite_json.read_text())
    old = {
        "expectation_suite_name": suite["name"],
        "expectations": [
            {"expectation_type": e["type"], "kwargs": e["kwargs"], "meta": {}}
            for e in suite["expectations"]
        ],
    }
    assert pw.import_contract(old).contract == pw.import_contract(suite).contract


def test_what_cannot_be_mapped_is_listed_one_line_each(gx: Any) -> None:
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name="other")
    for expectation in (
        gxe.ExpectColumnValuesToMatchRegex(column="code", regex="^[A-Z]{3}$"),
        gxe.ExpectColumnMeanToBeBetween(column="amount", min_value=1, max_value=9),
        gxe.ExpectColumnValuesToBeBetween(
            column="amount", min_value=0, max_value=5, strict_min=True, mostly=0.9
        ),
        gxe.ExpectColumnValuesToBeInSet(column="n", value_set=[1, 2]),
        gxe.ExpectColumnValuesToBeOfType(column="blob", type_="complex128"),
    ):
        suite.add_expectation(expectation)
    result = pw.import_contract(suite.to_json_dict())
    assert result.unmapped == (
        "expect_column_values_to_match_regex on 'code': no pipewarden equivalent",
        "expect_column_mean_to_be_between on 'amount': no pipewarden equivalent",
        "expect_column_values_to_be_between on 'amount': strict bounds are read as "
        "inclusive (range is inclusive)",
        "expect_column_values_to_be_between on 'amount': mostly=0.9 is not kept; "
        "pipewarden reports any value outside (a warning below 1% of rows, an error "
        "from 1%)",
        "expect_column_values_to_be_in_set on 'n': only sets of text values map to "
        "`categories`",
        "expect_column_values_to_be_of_type on 'blob': type 'complex128' has no "
        "polars dtype",
        *(
            f"column '{name}': no type given, so any type is accepted (kind: other); "
            "set its kind and dtype in the contract"
            for name in ("code", "n", "blob")
        ),
    )
    assert list(result.contract.columns) == ["code", "amount", "n", "blob"]


def test_cli_import_equals_the_api(
    suite_json: Path, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "c.yaml"
    assert main(["contract", "import", str(suite_json), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "Contract for 4 columns from a Great Expectations suite" in said
    assert pw.load_contract(out) == pw.import_contract(suite_json).contract


def test_a_file_that_is_no_suite_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"columns": {}}')
    with pytest.raises(ContractParseError, match="neither a Great Expectations"):
        pw.import_contract(path)
    with pytest.raises(ContractParseError, match="no 'expectations' list"):
        pw.import_contract(path, source_format="gx")
