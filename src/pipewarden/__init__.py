"""pipewarden: guards the data flowing into and out of production ML models.

Example:
    >>> import pipewarden as pw
    >>> prof = pw.profile("reference.parquet")  # doctest: +SKIP
    >>> contract = pw.infer_contract(prof, label="y", time="ts")  # doctest: +SKIP
    >>> result = pw.check("batch.parquet", contract, reference=prof)  # doctest: +SKIP
"""

from __future__ import annotations

from pipewarden._version import __version__ as __version__
from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.conform import ConformResult, Gate, RecordResult
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.contracts.yaml_io import dump_contract, load_contract
from pipewarden.drift import DriftReport
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
from pipewarden.workflows.check import check
from pipewarden.workflows.compare import compare
from pipewarden.workflows.conform import conform
from pipewarden.workflows.models import check_environment, register_model
from pipewarden.workflows.profile import profile
from pipewarden.workflows.record import record_run

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
