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
from pipewarden.conform import ConformResult, Gate, RecordResult, conform
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.contracts.yaml_io import dump_contract, load_contract
from pipewarden.drift import DriftReport, compare
from pipewarden.errors import (
    ConformError,
    ContractError,
    ContractParseError,
    MigrationRequiredError,
    PipewardenError,
    RecordNotFoundError,
    SourceError,
    StoreError,
    ValidationFailedError,
)
from pipewarden.profiles.column import ColumnProfile, Kind
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store import ModelRecord, Run, RunSummary, open_store
from pipewarden.workflows.models import check_environment, register_model
from pipewarden.workflows.record import record_run

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "ColumnProfile",
    "ColumnSpec",
    "ConformError",
    "ConformResult",
    "Contract",
    "ContractError",
    "ContractParseError",
    "DatasetProfile",
    "DriftReport",
    "Finding",
    "Gate",
    "Kind",
    "MigrationRequiredError",
    "ModelRecord",
    "PipewardenError",
    "RecordNotFoundError",
    "RecordResult",
    "Run",
    "RunSummary",
    "Severity",
    "SourceError",
    "StoreError",
    "ValidationFailedError",
    "check",
    "check_environment",
    "compare",
    "conform",
    "dump_contract",
    "infer_contract",
    "load_contract",
    "open_store",
    "profile",
    "record_run",
    "register_model",
]
