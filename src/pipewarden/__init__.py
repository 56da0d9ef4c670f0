"""pipewarden: guards the data flowing into and out of production ML models.

Example:
    >>> import pipewarden as pw
    >>> prof = pw.profile("reference.parquet")  # doctest: +SKIP
    >>> contract = pw.infer_contract(prof, label="y", time="ts")  # doctest: +SKIP
    >>> result = pw.check("batch.parquet", contract, reference=prof)  # doctest: +SKIP
"""

from __future__ import annotations

from pipewarden._api import check, profile
from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.contracts.yaml_io import dump_contract, load_contract
from pipewarden.errors import (
    ConformError,
    ContractError,
    ContractParseError,
    PipewardenError,
    SourceError,
    ValidationFailedError,
)
from pipewarden.profiles.column import ColumnProfile, Kind
from pipewarden.profiles.dataset import DatasetProfile

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "ColumnProfile",
    "ColumnSpec",
    "ConformError",
    "Contract",
    "ContractError",
    "ContractParseError",
    "DatasetProfile",
    "Finding",
    "Kind",
    "PipewardenError",
    "Severity",
    "SourceError",
    "ValidationFailedError",
    "check",
    "dump_contract",
    "infer_contract",
    "load_contract",
    "profile",
]
