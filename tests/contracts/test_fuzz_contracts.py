"""Fuzz the contract loader: any text gives a Contract or a ContractError saying where.

Random YAML text, and random edits of a valid contract (keys dropped, renamed or
added; values replaced by other types, NaN, huge numbers, nested lists). The
invariant: ``load_contract`` returns a Contract (which round-trips through YAML and
builds a Gate), or raises ContractError with the file, and for a bad key its line,
in one line of text. ``HYPOTHESIS_PROFILE=long`` (``make fuzz``) runs longer.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import pipewarden as pw
from pipewarden.conform import Gate
from pipewarden.contracts.yaml_io import dump_contract, parse_contract
from pipewarden.errors import ContractError, ContractParseError

FUZZ = settings(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

_FRAME = pl.DataFrame(
    {
        "id": [1, 2, 3, 4],
        "amount": [10.5, None, 3.25, 7.0],
        "grade": ["A", "B", "A", None],
        "ok": [True, False, True, True],
        "ts": pl.datetime_range(
            pl.datetime(2024, 1, 1), pl.datetime(2024, 1, 4), "1d", eager=True
        ),
    }
)
VALID = yaml.safe_load(
    pw.dump_contract(pw.infer_contract(pw.profile(_FRAME), label="ok", time="ts"))
)
"""A valid contract as plain YAML data, for the edits to start from."""


def assert_contract_or_located_error(path: Path) -> None:
    try:
        contract = pw.load_contract(path)
    except ContractError as exc:
        message = str(exc)
        assert message and "\n" not in message, message
        assert isinstance(exc, ContractParseError), message
        assert exc.file == str(path), message
        if exc.key is not None and _composes(path.read_text(encoding="utf-8")):
            assert exc.line is not None, message
        return
    assert parse_contract(dump_contract(contract)) == contract
    try:
        Gate(contract)
    except ContractError as exc:
        # Known gap, reported in #20: fill values (conform.default, mode, median)
        # are read as the column's dtype only when a Gate is built, so a contract
        # with `mode: []` loads, and the error names no file or line.
        assert "\n" not in str(exc), str(exc)


def _composes(text: str) -> bool:
    """Whether PyYAML's composer, which finds the line of a key, reads the text."""
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False
    return True


_yaml_tokens = st.sampled_from(
    [
        "kind: pipewarden/contract\n",
        "version: 1\n",
        "columns:\n",
        "  a:\n",
        "    kind: float\n",
        "    dtype: Float64\n",
        "    dtype: Decimal(3)\n",
        "    range: {min: 5, max: 1}\n",
        "    conform: {datetime_format: '%Q'}\n",
        "dataset: {rows: {min: 9, max: 2}}\n",
        "- a\n",
        "? a\n",
        "&x a: *x\n",
        "!!python/object:os.system {}\n",
        "'unclosed\n",
        "\t",
        "  ",
        ": :\n",
        "{[}\n",
        "---\n",
        "...\n",
        "\ufeff",
        "columns: []\n",
        "columns: {a: null}\n",
        "policies: {unexpected_columns: explode}\n",
    ]
)
_yaml_texts = st.lists(_yaml_tokens | st.text(max_size=8), max_size=12).map("".join)


@FUZZ
@given(_yaml_texts | st.text(max_size=60))
@example("kind: pipewarden/contract\nversion: 1\ncolumns: {a: {kind: float}}\n")
# libyaml reads a byte-order mark inside the text, PyYAML's composer does not: the
# line of the missing 'version' was looked up with the composer, which raised.
@example("kind: pipewarden/contract\n\ufeffkind: pipewarden/contract\n")
def test_random_yaml_loads_or_says_where_it_is_wrong(tmp_path: Path, text: str) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(text, encoding="utf-8")
    assert_contract_or_located_error(path)


@FUZZ
@given(st.binary(max_size=40))
def test_random_bytes_load_or_say_where_they_are_wrong(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "contract.yaml"
    path.write_bytes(content)
    assert_contract_or_located_error(path)


# ------------------------------------------------------------------ edits

_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=8),
        st.sampled_from(
            [
                "Float64",
                "Int64",
                "Datetime(time_unit='us', time_zone='Mars/Olympus')",
                "List(Int64)",
                "categorical",
                "quarantine",
                "%Y-%m-%d",
                "%",
                "",
            ]
        ),
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in nested YAML data (the root is the empty path)."""
    paths = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            paths += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths += _paths(value, (*prefix, index))
    return paths


def _edit(data: Any, path: tuple[Any, ...], how: str, value: Any, key: str) -> Any:
    if not path:
        return value if how == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "replace":
        parent[last] = value
    elif how == "delete":
        del parent[last]
    elif how == "rename" and isinstance(parent, dict):
        parent[key] = parent.pop(last)
    elif how == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    return data


@st.composite
def edited_contracts(draw: st.DrawFn) -> Any:
    data = yaml.safe_load(yaml.safe_dump(VALID))  # a deep copy
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["replace", "delete", "rename", "add"]))
        key = draw(st.sampled_from(["kind", "range", "extra", "min", "", "é"]))
        data = _edit(data, path, how, draw(_values), key)
    return data


@FUZZ
@given(edited_contracts())
@example({**VALID, "version": math.nan})
@example({**VALID, "columns": {"a": {"kind": "float", "dtype": "Float64", "x": 1}}})
def test_edited_contracts_load_or_say_where_they_are_wrong(
    tmp_path: Path, data: Any
) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert_contract_or_located_error(path)
