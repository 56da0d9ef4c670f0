"""Contracts to and from other tools, and the contract's JSON Schema: the workflows
behind ``pw.import_contract``, ``pw.export_contract``, ``pw.contract_json_schema`` and
``pipewarden contract import | export | schema``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipewarden.contracts.interop import (
    ContractExportResult,
    ContractImportResult,
    ExportFormat,
    ImportFormat,
)
from pipewarden.contracts.interop import contract_json_schema as _schema
from pipewarden.contracts.interop import export_contract as _export
from pipewarden.contracts.interop import import_contract as _import
from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.errors import ConfigError

__all__ = ["contract_json_schema", "export_contract", "import_contract"]


def import_contract(
    source: str | Path | Mapping[str, Any],
    *,
    source_format: str | None = None,
) -> ContractImportResult:
    """Read a Great Expectations suite or a pandera schema as a pipewarden contract.

    Args:
        source: The suite (JSON) or schema (YAML or JSON) file, or its parsed document.
        source_format: ``"gx"`` or ``"pandera"``; told from the document when None.

    Returns:
        ``result.contract``, and ``result.unmapped``: one line for each expectation or
        check the contract could not state.

    Raises:
        ContractParseError: The source is unreadable, or neither a suite nor a schema.
        ConfigError: ``source_format`` is neither ``gx`` nor ``pandera``.

    Example:
        >>> import pipewarden as pw
        >>> result = pw.import_contract("suite.json")  # doctest: +SKIP
        >>> pw.dump_contract(result.contract, "contract.yaml")  # doctest: +SKIP
    """
    chosen: ImportFormat | None = None
    if source_format is not None:
        if source_format not in ("gx", "pandera"):
            raise ConfigError(
                f"Cannot import from {source_format!r}. Use --from gx or --from pandera."
            )
        chosen = "gx" if source_format == "gx" else "pandera"
    return _import(source, source_format=chosen)


def export_contract(
    contract: Contract | str | Path, *, target_format: str = "pandera"
) -> ContractExportResult:
    """Write a contract (or a contract YAML file) for another tool.

    Args:
        contract: A Contract, or the path of a contract YAML.
        target_format: ``"pandera"``: a schema YAML that ``pandera.io.from_yaml`` reads.

    Returns:
        ``result.text``, and ``result.unmapped``: one line for each rule of the
        contract the other tool cannot hold.

    Raises:
        ConfigError: ``target_format`` is not ``pandera``, or ``contract`` is neither
            a Contract nor a path.
        ContractError: The contract file is missing or malformed.
    """
    if target_format != "pandera":
        raise ConfigError(f"Cannot export to {target_format!r}. Use --to pandera.")
    target: ExportFormat = "pandera"
    if isinstance(contract, str | Path):
        contract = load_contract(contract)
    elif not isinstance(contract, Contract):
        raise ConfigError(
            f"A contract must be a Contract or the path of a contract YAML, not "
            f"{type(contract).__name__}. Load one with pw.load_contract(path)."
        )
    return _export(contract, target_format=target)


def contract_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a pipewarden contract file."""
    return _schema()
