"""Other tools' contracts: Great Expectations suites and pandera schemas in, pandera
schemas out, and the contract's JSON Schema.

Each import maps every rule pipewarden can state and lists, one line each, those it
cannot (``ContractImportResult.unmapped``); an export does the same
(``ContractExportResult.unmapped``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import yaml

from pipewarden.contracts.interop import gx, pandera
from pipewarden.contracts.interop.json_schema import contract_json_schema
from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import dump_contract
from pipewarden.errors import ConfigError, ContractParseError

__all__ = [
    "ContractExportResult",
    "ContractImportResult",
    "ExportFormat",
    "ImportFormat",
    "contract_json_schema",
    "export_contract",
    "import_contract",
]

ImportFormat = Literal["gx", "pandera"]
"""Where a contract comes from: a Great Expectations suite or a pandera schema."""
ExportFormat = Literal["pandera"]
"""What a contract can be written as."""


@dataclass(frozen=True, slots=True)
class ContractImportResult:
    """A contract read from another tool, and what of the source it could not hold."""

    contract: Contract
    source_format: ImportFormat
    unmapped: tuple[str, ...]
    """One line per rule of the source that the contract does not state."""

    def to_yaml(self) -> str:
        """The contract as pipewarden YAML."""
        return dump_contract(self.contract)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_format": self.source_format,
            "columns": len(self.contract.columns),
            "unmapped": list(self.unmapped),
            "contract": self.contract.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ContractExportResult:
    """A contract written for another tool, and what of it that tool cannot hold."""

    text: str
    target_format: ExportFormat
    unmapped: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target_format": self.target_format,
            "unmapped": list(self.unmapped),
            "text": self.text,
        }


def import_contract(
    source: str | Path | Mapping[str, Any],
    *,
    source_format: ImportFormat | None = None,
) -> ContractImportResult:
    """Read a Great Expectations suite or a pandera schema as a pipewarden contract.

    Args:
        source: A JSON or YAML file, or the document already parsed (a suite's
            ``to_json_dict()``, a schema's ``yaml.safe_load(schema.to_yaml())``).
        source_format: ``"gx"`` or ``"pandera"``; told from the document when None
            (a suite has ``expectations``, a schema ``schema_type``).

    Returns:
        The contract, and one line for each rule it could not state.

    Raises:
        ContractParseError: The source is unreadable or is neither kind.
        ConfigError: ``source_format`` is not one of the formats.

    Example:
        >>> result = import_contract("suite.json")  # doctest: +SKIP
        >>> print(*result.unmapped, sep="\\n")  # doctest: +SKIP
    """
    if source_format is not None and source_format not in get_args(ImportFormat):
        raise ConfigError(
            f"Cannot import from {source_format!r}. Use one of: gx, pandera."
        )
    name = "<document>" if isinstance(source, Mapping) else str(source)
    document = source if isinstance(source, Mapping) else _read(Path(source))
    chosen = source_format or _format_of(document, name)
    if chosen == "gx":
        draft = gx.draft_from_suite(document, source=name)
    else:
        draft = pandera.draft_from_schema(document, source=name)
    contract = draft.build()
    return ContractImportResult(contract, chosen, tuple(draft.unmapped))


def export_contract(
    contract: Contract, *, target_format: ExportFormat = "pandera"
) -> ContractExportResult:
    """Write a contract for another tool: a pandera schema YAML that
    ``pandera.io.from_yaml`` reads.

    Raises:
        ConfigError: ``target_format`` is not one of the formats.
    """
    if target_format not in get_args(ExportFormat):
        raise ConfigError(f"Cannot export to {target_format!r}. Use: pandera.")
    schema, lost = pandera.schema_from_contract(contract)
    return ContractExportResult(pandera.dump_schema(schema), target_format, tuple(lost))


def _read(path: Path) -> Mapping[str, Any]:
    if not path.is_file():
        raise ContractParseError(
            "no such file. Give the path of a suite (JSON) or a schema (YAML or JSON).",
            file=str(path),
        )
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ContractParseError(
            f"cannot be read as JSON or YAML ({first}). Export it again.",
            file=str(path),
        ) from exc
    if not isinstance(data, Mapping):
        raise ContractParseError(
            "is not a JSON or YAML mapping: a suite or a schema is one.",
            file=str(path),
        )
    return data


def _format_of(document: Mapping[str, Any], name: str) -> ImportFormat:
    if "expectations" in document:
        return "gx"
    if "schema_type" in document:
        return "pandera"
    raise ContractParseError(
        "neither a Great Expectations suite ('expectations') nor a pandera schema "
        "('schema_type'). Pass --from gx or --from pandera if it is one.",
        file=name,
    )
