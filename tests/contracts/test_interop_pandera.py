"""pandera schemas imported as contracts give pandera's own verdicts, and contracts
exported for pandera are read back by pandera and judge batches as the contract does.

The schema is built and serialised by pandera itself (``DataFrameSchema.to_yaml()``);
pandera validates the pandas frame, pipewarden checks the polars frame. "Passes" in
pipewarden means status ``pass`` (no warning, no error).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

import pipewarden as pw
from pipewarden.cli import main
from pipewarden.demo import REFERENCE, data_path

Frame = dict[str, list[Any]]


def _clean() -> Frame:
    return {
        "id": list(range(1, 21)),
        "amount": [float(i * 37 % 1000) for i in range(20)],
        "grade": ["A", "B", "C", "A"] * 5,
        "n": [1 + i % 10 for i in range(20)],
    }


def _with(column: str, index: int, value: Any) -> Callable[[Frame], Frame]:
    def change(frame: Frame) -> Frame:
        values = list(frame[column])
        values[index] = value
        return {**frame, column: values}

    return change


CASES: dict[str, tuple[Callable[[Frame], Frame], bool]] = {
    "clean": (lambda f: f, True),
    "amount above the maximum": (_with("amount", 3, 1000.5), False),
    "amount below the minimum": (_with("amount", 4, -0.5), False),
    "amount null (nullable)": (_with("amount", 5, None), True),
    "unseen grade": (_with("grade", 2, "D"), False),
    "grade null (nullable)": (_with("grade", 2, None), True),
    "duplicate id": (_with("id", 1, 1), False),
    "null id": (_with("id", 1, None), False),
    "n on the open minimum": (_with("n", 0, 0), False),
    "n on the closed maximum": (_with("n", 0, 10), True),
    "extra column (strict)": (lambda f: {**f, "promo": ["x"] * len(f["id"])}, False),
    "missing column": (lambda f: {k: v for k, v in f.items() if k != "grade"}, False),
}
"""Batch -> whether pandera passes it (asserted too: the cases mean it)."""


@pytest.fixture(scope="module")
def pa() -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandera's import-time notices
        import pandera.io.pandas_io
        import pandera.pandas

        yield pandera


@pytest.fixture(scope="module")
def schema(pa: Any) -> Any:
    p = pa.pandas
    return p.DataFrameSchema(
        {
            "id": p.Column(int, unique=True),
            "amount": p.Column(float, [p.Check.ge(0), p.Check.le(1000)], nullable=True),
            "grade": p.Column(str, p.Check.isin(["A", "B", "C"]), nullable=True),
            "n": p.Column(int, p.Check.in_range(0, 10, include_min=False)),
        },
        strict=True,
        name="loans",
    )


@pytest.fixture(scope="module")
def schema_yaml(schema: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pandera") / "loans.yaml"
    path.write_text(schema.to_yaml())
    return path


def _passes(pa: Any, schema: Any, frame: Any) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors:
        return False
    return True


def test_the_schema_imports_without_loss(schema_yaml: Path) -> None:
    result = pw.import_contract(schema_yaml)
    c = result.contract
    assert (result.source_format, result.unmapped, c.name) == ("pandera", (), "loans")
    assert c.policies.unexpected_columns == "fail"
    assert (c.columns["id"].kind, c.columns["id"].nullable) == ("integer", False)
    assert c.columns["id"].unique
    assert (
        c.columns["amount"].range
        == pw.Contract.model_validate(
            {
                "columns": {
                    "a": {
                        "kind": "float",
                        "dtype": "Float64",
                        "range": {"min": 0, "max": 1000},
                    }
                }
            }
        )
        .columns["a"]
        .range
    )
    assert (c.columns["grade"].kind, c.columns["grade"].categories) == (
        "categorical",
        ["A", "B", "C"],
    )
    n_range = c.columns["n"].range
    assert n_range is not None and (n_range.min, n_range.max) == (1.0, 10.0)


@pytest.mark.parametrize("case", list(CASES))
def test_imported_contract_passes_what_pandera_passes(
    case: str, pa: Any, schema: Any, schema_yaml: Path
) -> None:
    change, expected = CASES[case]
    frame = pl.DataFrame(change(_clean()), strict=False)
    pandera_passes = _passes(pa, schema, frame.to_pandas())
    assert pandera_passes is expected  # the case means what it says
    contract = pw.import_contract(schema_yaml, source_format="pandera").contract
    result = pw.check(frame, contract)
    assert (result.status == "pass") is pandera_passes, result.findings


@pytest.mark.parametrize("case", list(CASES))
def test_exported_schema_judges_as_the_contract(
    case: str, pa: Any, schema_yaml: Path
) -> None:
    """Contract -> pandera YAML -> ``from_yaml``: pandera's verdict on each batch is
    the contract's."""
    contract = pw.import_contract(schema_yaml).contract
    exported = pw.export_contract(contract)
    assert exported.unmapped == ()
    read_back = pa.io.pandas_io.from_yaml(exported.text)
    frame = pl.DataFrame(CASES[case][0](_clean()), strict=False)
    verdict = pw.check(frame, contract).status == "pass"
    assert _passes(pa, read_back, frame.to_pandas()) is verdict


def test_json_export_of_pandera_imports_alike(schema: Any, schema_yaml: Path) -> None:
    import json

    assert (
        pw.import_contract(json.loads(schema.to_json())).contract
        == pw.import_contract(schema_yaml).contract
    )


def test_what_cannot_be_mapped_is_listed_one_line_each(pa: Any) -> None:
    p = pa.pandas
    schema = p.DataFrameSchema(
        {
            "code": p.Column(str, p.Check.str_matches(r"^[A-Z]{3}$")),
            "x": p.Column(float, p.Check.gt(0), required=False),
            "k": p.Column(int, p.Check.isin([1, 2])),
        },
        checks=[p.Check.ncols_eq(3)] if hasattr(p.Check, "ncols_eq") else [],
        unique=["code", "k"],
        ordered=True,
    )
    result = pw.import_contract(yaml.safe_load(schema.to_yaml()))
    assert result.unmapped == (
        "schema option ordered: True has no equivalent",
        "column 'code': check str_matches '^[A-Z]{3}$' has no equivalent",
        "column 'x': required: false has no equivalent (a missing column fails)",
        "column 'x': check greater_than 0 has no equivalent",
        "column 'k': check isin [1, 2] has no equivalent",
        "unique ['code', 'k']: unique combinations have no equivalent",
    )


def test_demo_contract_exports_to_a_schema_pandera_reads(
    pa: Any, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    contract = pw.infer_contract(pw.profile(data_path(REFERENCE)), time="ts")
    pw.dump_contract(contract, "c.yaml")
    out = tmp_path / "schema.yaml"
    code = main(["contract", "export", "c.yaml", "--out", "schema.yaml"])
    assert code == 0
    said = capsys.readouterr().out.splitlines()
    result = pw.export_contract(contract)
    assert out.read_text() == result.text
    assert said[1:] == [f"not exported: {line}" for line in result.unmapped]
    assert "dataset.time: pandera has no time checks" in result.unmapped
    read_back = pa.io.pandas_io.from_yaml(out.read_text())
    assert list(read_back.columns) == list(contract.columns)
