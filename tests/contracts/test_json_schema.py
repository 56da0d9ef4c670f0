"""The contract's JSON Schema: a valid 2020-12 schema that accepts every contract
pipewarden writes and refuses broken ones, as the loader does."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import pipewarden as pw
from pipewarden.cli import main
from pipewarden.demo import BATCHES, REFERENCE, data_path


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = pw.contract_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@functools.cache
def _demo_contracts() -> dict[str, dict[str, Any]]:
    """The demo's contract (as `pipewarden demo` infers it) and one per demo batch,
    with every option of the inference used, each as the YAML on disk reads."""
    contracts = {}
    reference = pw.profile(data_path(REFERENCE))
    contracts["demo"] = pw.infer_contract(reference, time="ts", name="pumps")
    for batch in BATCHES:
        prof = pw.profile(data_path(batch.file))
        contracts[batch.file] = pw.infer_contract(prof, segments=["site"], time="ts")
    return {k: yaml.safe_load(pw.dump_contract(c)) for k, c in contracts.items()}


def _full() -> dict[str, Any]:
    """A contract with every key of the model set."""
    return {
        "kind": "pipewarden/contract",
        "version": 1,
        "name": "loans",
        "dataset": {
            "rows": {"min": 1, "max": 10},
            "time": {"column": "ts", "cadence_seconds": 60, "max_gap_seconds": 600},
            "label": {"column": "y", "classes": {"0": 0.8, "1": 0.2}},
            "prediction": "p",
            "id": "id",
            "segments": ["g"],
        },
        "policies": {"unexpected_columns": "fail", "missing_columns": "fill"},
        "columns": {
            "g": {
                "kind": "categorical",
                "dtype": "String",
                "categories": ["a", "b"],
                "conform": {"on_unseen": "fallback", "fallback": "a"},
                "drift": {"statistic": "psi", "threshold": 0.2},
            },
            "x": {
                "kind": "float",
                "dtype": "Float64",
                "nullable": False,
                "range": {"min": 0, "max": None},
                "missing_values": [-1],
                "conform": {"on_null": "impute", "impute": "median", "median": 3.5},
            },
        },
    }


def test_the_schema_is_draft_2020_12() -> None:
    schema = pw.contract_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["kind", "version"]


@pytest.mark.parametrize("name", ["demo", *[b.file for b in BATCHES]])
def test_every_demo_contract_validates(
    name: str, validator: jsonschema.Draft202012Validator
) -> None:
    document = _demo_contracts()[name]
    assert list(validator.iter_errors(document)) == []


def test_a_contract_with_every_key_validates_and_loads(
    validator: jsonschema.Draft202012Validator,
) -> None:
    assert list(validator.iter_errors(_full())) == []
    assert pw.Contract.model_validate(_full()).name == "loans"


def test_imported_contracts_validate(
    validator: jsonschema.Draft202012Validator,
) -> None:
    schema = {
        "schema_type": "dataframe",
        "columns": {
            "a": {"dtype": "int64", "in_range": {"min_value": 0, "max_value": 9}}
        },
    }
    contract = pw.import_contract(schema).contract
    assert list(validator.iter_errors(yaml.safe_load(pw.dump_contract(contract)))) == []


BROKEN: dict[str, tuple[list[Any], Any]] = {
    "unknown top-level key": (["colums"], {}),
    "unknown column key": (["columns", "x", "nullabel"], True),
    "kind of a column": (["columns", "x", "kind"], "number"),
    "null rate above 1": (["columns", "x", "max_null_rate"], 1.5),
    "policy": (["policies", "unexpected_columns"], "ignore"),
    "rows below zero": (["dataset", "rows", "min"], -1),
    "wrong contract kind": (["kind"], "great_expectations/suite"),
    "version": (["version"], 2),
    "categories not a list": (["columns", "g", "categories"], "a,b"),
}
"""Where a broken contract goes wrong: the path set, and the value set there."""


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_contract_does_not_validate(
    case: str, validator: jsonschema.Draft202012Validator, tmp_path: Path
) -> None:
    path, value = BROKEN[case]
    document = _full()
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    errors = list(validator.iter_errors(document))
    assert errors, case
    with pytest.raises(pw.ContractParseError):  # and the loader agrees
        pw.load_contract(_write(document, tmp_path / "broken.yaml"))


def test_missing_kind_does_not_validate(
    validator: jsonschema.Draft202012Validator,
) -> None:
    document = _full()
    del document["kind"]
    assert [e.message for e in validator.iter_errors(document)] == [
        "'kind' is a required property"
    ]


def test_cli_prints_the_schema(capsys: Any, tmp_path: Path) -> None:
    assert main(["contract", "schema"]) == 0
    assert json.loads(capsys.readouterr().out) == pw.contract_json_schema()
    assert main(["contract", "schema", "--out", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == pw.contract_json_schema()


def _write(document: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
