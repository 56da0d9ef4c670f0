"""Contracts: what a batch must look like, inferred from reference data, edited as YAML."""

from __future__ import annotations

from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.contracts.yaml_io import dump_contract, load_contract, parse_contract

__all__ = [
    "ColumnSpec",
    "Contract",
    "dump_contract",
    "infer_contract",
    "load_contract",
    "parse_contract",
]
