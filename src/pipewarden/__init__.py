"""pipewarden: guards the data flowing into and out of production ML models.

Example:
    >>> import pipewarden as pw
    >>> prof = pw.profile("reference.parquet")  # doctest: +SKIP
    >>> contract = pw.infer_contract(prof, label="y", time="ts")  # doctest: +SKIP
    >>> result = pw.check("batch.parquet", contract, reference=prof)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
import types
import typing

from pipewarden._version import __version__ as __version__

if typing.TYPE_CHECKING:
    from pipewarden import references
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
        StoreUnavailableError,
        ValidationFailedError,
    )
    from pipewarden.monitor.compare import ComparisonReport
    from pipewarden.monitor.results import MonitorReport
    from pipewarden.pipelines.localize import Localization
    from pipewarden.profiles.column import ColumnProfile, Kind
    from pipewarden.profiles.dataset import DatasetProfile
    from pipewarden.store import ModelRecord, Run, RunSummary, open_store
    from pipewarden.store.pipeline_records import PipelineRun, StageCheckpoint
    from pipewarden.workflows.check import check
    from pipewarden.workflows.checklist import checklist, schedule_pipeline
    from pipewarden.workflows.compare import compare
    from pipewarden.workflows.conform import conform
    from pipewarden.workflows.contracts import (
        contract_json_schema,
        export_contract,
        import_contract,
    )
    from pipewarden.workflows.lifecycle import compare_models, promote_model
    from pipewarden.workflows.localize import localize
    from pipewarden.workflows.models import check_environment, register_model
    from pipewarden.workflows.monitoring import monitor_model
    from pipewarden.workflows.pipeline import pipeline_run
    from pipewarden.workflows.profile import profile
    from pipewarden.workflows.record import record_run
    from pipewarden.workflows.traffic import log_labels, log_predictions

__all__ = [
    "CheckResult",
    "ColumnProfile",
    "ColumnSpec",
    "ComparisonReport",
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
    "Localization",
    "MigrationRequiredError",
    "ModelRecord",
    "MonitorReport",
    "PipelineRun",
    "PipewardenError",
    "RecordNotFoundError",
    "RecordResult",
    "Run",
    "RunSummary",
    "Severity",
    "SourceError",
    "StageCheckpoint",
    "StoreError",
    "StoreUnavailableError",
    "ValidationFailedError",
    "check",
    "check_environment",
    "checklist",
    "compare",
    "compare_models",
    "conform",
    "contract_json_schema",
    "dump_contract",
    "export_contract",
    "import_contract",
    "infer_contract",
    "load_contract",
    "localize",
    "log_labels",
    "log_predictions",
    "monitor_model",
    "open_store",
    "pipeline_run",
    "profile",
    "promote_model",
    "record_run",
    "references",
    "register_model",
    "schedule_pipeline",
]

_HOME: dict[str, str] = {
    "CheckResult": "pipewarden.checks.findings",
    "ColumnProfile": "pipewarden.profiles.column",
    "ColumnSpec": "pipewarden.contracts.model",
    "ComparisonReport": "pipewarden.monitor.compare",
    "ConformError": "pipewarden.errors",
    "ConformResult": "pipewarden.conform",
    "Contract": "pipewarden.contracts.model",
    "ContractError": "pipewarden.errors",
    "ContractParseError": "pipewarden.errors",
    "DatasetProfile": "pipewarden.profiles.dataset",
    "DriftReport": "pipewarden.drift",
    "Finding": "pipewarden.checks.findings",
    "Gate": "pipewarden.conform",
    "Kind": "pipewarden.profiles.column",
    "Localization": "pipewarden.pipelines.localize",
    "PipelineRun": "pipewarden.store.pipeline_records",
    "StageCheckpoint": "pipewarden.store.pipeline_records",
    "MigrationRequiredError": "pipewarden.errors",
    "ModelRecord": "pipewarden.store",
    "MonitorReport": "pipewarden.monitor.results",
    "PipewardenError": "pipewarden.errors",
    "RecordNotFoundError": "pipewarden.errors",
    "RecordResult": "pipewarden.conform",
    "Run": "pipewarden.store",
    "RunSummary": "pipewarden.store",
    "Severity": "pipewarden.checks.findings",
    "SourceError": "pipewarden.errors",
    "StoreError": "pipewarden.errors",
    "StoreUnavailableError": "pipewarden.errors",
    "ValidationFailedError": "pipewarden.errors",
    "check": "pipewarden.workflows.check",
    "check_environment": "pipewarden.workflows.models",
    "checklist": "pipewarden.workflows.checklist",
    "localize": "pipewarden.workflows.localize",
    "pipeline_run": "pipewarden.workflows.pipeline",
    "schedule_pipeline": "pipewarden.workflows.checklist",
    "compare": "pipewarden.workflows.compare",
    "compare_models": "pipewarden.workflows.lifecycle",
    "promote_model": "pipewarden.workflows.lifecycle",
    "conform": "pipewarden.workflows.conform",
    "contract_json_schema": "pipewarden.workflows.contracts",
    "dump_contract": "pipewarden.contracts.yaml_io",
    "export_contract": "pipewarden.workflows.contracts",
    "import_contract": "pipewarden.workflows.contracts",
    "infer_contract": "pipewarden.contracts.infer",
    "load_contract": "pipewarden.contracts.yaml_io",
    "log_labels": "pipewarden.workflows.traffic",
    "log_predictions": "pipewarden.workflows.traffic",
    "monitor_model": "pipewarden.workflows.monitoring",
    "open_store": "pipewarden.store",
    "profile": "pipewarden.workflows.profile",
    "record_run": "pipewarden.workflows.record",
    "references": "pipewarden.references",
    "register_model": "pipewarden.workflows.models",
}
"""Where each public name is defined; it is imported on first use."""


def __getattr__(name: str) -> typing.Any:
    """Import a public name on first use, so that ``import pipewarden`` stays quick.

    The command line starts in a few milliseconds, and Ctrl-C while polars loads is
    caught by it (see ``pipewarden.cli``) instead of printing a traceback.
    """
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'pipewarden' has no attribute '{name}'")
    module = importlib.import_module(home)
    value = module if home == f"{__name__}.{name}" else getattr(module, name)
    if name != "conform":  # see _Package
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """This package's module type: ``pipewarden.conform`` stays the function.

    Importing the subpackage ``pipewarden.conform`` sets the attribute of that name
    on this package; the property keeps the function (as the eager imports did).
    """

    @property
    def conform(self) -> typing.Any:
        return __getattr__("conform")

    @conform.setter
    def conform(self, value: typing.Any) -> None:
        pass  # the import system recording the subpackage; it stays in sys.modules


sys.modules[__name__].__class__ = _Package
