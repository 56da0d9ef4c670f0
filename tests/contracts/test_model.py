"""The contract model: column kinds are the profiles' kinds, and read back as text."""

from __future__ import annotations

from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.profiles.column import Kind


def test_a_declared_kind_is_the_kind_profiles_infer() -> None:
    spec = ColumnSpec(kind="categorical", dtype="String")

    assert spec.kind is Kind.CATEGORICAL
    assert spec.kind.value == "categorical"


def test_kinds_are_written_as_text() -> None:
    contract = Contract(columns={"x": ColumnSpec(kind=Kind.FLOAT, dtype="Float64")})

    assert contract.to_dict()["columns"]["x"]["kind"] == "float"
    assert Contract.from_dict(contract.to_dict()) == contract
