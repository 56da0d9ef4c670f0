"""Models kept in an MLflow registry: ``--model models:/NAME@ALIAS`` (or
``models:/NAME/VERSION``) wherever a model is accepted.

:func:`register_mlflow_model` resolves the URI through the MLflow registry (the
tracking URI MLflow itself is configured with, e.g. ``MLFLOW_TRACKING_URI``, unless one
is given), downloads the model's folder, and registers it in the pipewarden store as
``NAME`` version ``VERSION``: the hash of its files, the input columns of its
signature, the metrics of the run that logged it, and its logged environment
(``python_env.yaml`` + ``requirements.txt``), so ``env.mismatch`` compares this
environment with the one the model was logged in. MLflow is imported only here, on
first use (the ``mlflow`` extra).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from pipewarden._optional import require
from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.env.mlflow_env import (
    PYTHON_ENV,
    REQUIREMENTS,
    from_mlflow_files,
    requirement_names,
)
from pipewarden.errors import ConfigError, RecordNotFoundError
from pipewarden.profiles.column import Kind
from pipewarden.store.records import ModelRecord
from pipewarden.workflows._store import opened_store

if TYPE_CHECKING:
    from types import ModuleType

    from pipewarden.env.fingerprint import Fingerprint
    from pipewarden.store.base import Store

__all__ = [
    "MODELS_PREFIX",
    "SIGNATURE_TYPES",
    "MlflowModel",
    "is_mlflow_model",
    "logged_environment",
    "parse_model_uri",
    "register_mlflow_model",
    "signature_contract",
]

MODELS_PREFIX = "models:/"
NOT_IMPORTANT = frozenset({"mlflow", "mlflow-skinny"})
"""Requirements that pin how MLflow loads the model, not what it predicts."""
SIGNATURE_TYPES: dict[str, tuple[Kind, str]] = {
    "boolean": (Kind.BOOLEAN, "Boolean"),
    "integer": (Kind.INTEGER, "Int32"),
    "long": (Kind.INTEGER, "Int64"),
    "float": (Kind.FLOAT, "Float32"),
    "double": (Kind.FLOAT, "Float64"),
    "string": (Kind.CATEGORICAL, "String"),
    "binary": (Kind.OTHER, "Binary"),
    "datetime": (Kind.DATETIME, "Datetime"),
}
"""MLflow signature column type -> the contract's kind and Polars dtype."""


class MlflowModel:
    """A model version found in an MLflow registry, downloaded to a folder.

    Attributes:
        name: Registered model name.
        version: Its version (a whole number, as text).
        run_id: The run that logged it, when known.
        folder: Where its files were downloaded.
    """

    def __init__(self, name: str, version: str, run_id: str | None, folder: Path):
        self.name = name
        self.version = version
        self.run_id = run_id
        self.folder = folder

    @property
    def uri(self) -> str:
        return f"{MODELS_PREFIX}{self.name}/{self.version}"


def is_mlflow_model(value: Any) -> bool:
    """Whether a model argument is an MLflow registry URI (``models:/...``)."""
    return isinstance(value, str) and value.startswith(MODELS_PREFIX)


def parse_model_uri(uri: str) -> tuple[str, str | None, str | None]:
    """``models:/NAME@ALIAS`` -> (NAME, ALIAS, None); ``models:/NAME/3`` -> (NAME,
    None, "3").

    Raises:
        ConfigError: Any other form (stages such as ``/Production`` included).
    """
    body = uri.removeprefix(MODELS_PREFIX)
    name, at, alias = body.partition("@")
    if at and name and alias and "/" not in alias:
        return name, alias, None
    name, slash, version = body.rpartition("/")
    if slash and name and version.isdigit() and "@" not in name:
        return name, None, version
    raise ConfigError(
        f"'{uri}' is not a model URI pipewarden reads: use models:/NAME@ALIAS or "
        "models:/NAME/VERSION (a version number), e.g. models:/churn@champion."
    )


def register_mlflow_model(
    uri: str,
    *,
    store: Store | str | None = None,
    tracking_uri: str | None = None,
) -> ModelRecord:
    """Resolve ``models:/...`` through MLflow and register it in the store.

    Registering the same MLflow version again is a no-op (same files, same hash).

    Args:
        uri: ``models:/NAME@ALIAS`` or ``models:/NAME/VERSION``.
        store: A Store, a store URL, or None for the default store.
        tracking_uri: The MLflow tracking (and registry) URI; None: MLflow's own
            setting (``MLFLOW_TRACKING_URI``, else its default).

    Returns:
        The model as registered here: name and version as in MLflow.

    Raises:
        MissingDependencyError: The ``mlflow`` extra is not installed.
        RecordNotFoundError: MLflow has no such model, alias or version.
        ConfigError: A malformed URI.
    """
    name, alias, version = parse_model_uri(uri)
    mlflow = require("mlflow", extra="mlflow", purpose=f"--model {uri}")
    with tempfile.TemporaryDirectory(prefix="pipewarden-mlflow-") as tmp:
        found = _download(mlflow, uri, name, alias, version, tracking_uri, Path(tmp))
        record = ModelRecord(
            name=found.name,
            version=found.version,
            artifact_hash=_folder_hash(found.folder),
            artifact_path=found.uri,
            environment=_environment(found.folder),
            important_packages=_important(found.folder),
            metrics=_metrics(mlflow, found.run_id, tracking_uri),
            inputs=_signature_inputs(mlflow, found.folder),
        )
    with opened_store(store) as opened:
        return opened.save_model(record)


def signature_contract(uri: str, *, tracking_uri: str | None = None) -> Contract:
    """A contract whose columns are an MLflow model's signature inputs (name, kind,
    dtype): the columns the model expects, to check and conform batches with before
    they reach it. Ranges and categories are not in a signature: infer them from data
    (``pw.infer_contract``) and merge, or edit the YAML.

    Raises:
        MissingDependencyError: The ``mlflow`` extra is not installed.
        RecordNotFoundError: MLflow has no such model, alias or version.
        ConfigError: The model was logged without a column signature.
    """
    name, alias, version = parse_model_uri(uri)
    mlflow = require("mlflow", extra="mlflow", purpose=f"Reading {uri}")
    with tempfile.TemporaryDirectory(prefix="pipewarden-mlflow-") as tmp:
        found = _download(mlflow, uri, name, alias, version, tracking_uri, Path(tmp))
        inputs = _signature(mlflow, found.folder)
    columns: dict[str, ColumnSpec] = {}
    for spec in inputs:
        kind, dtype = SIGNATURE_TYPES.get(spec["type"], (Kind.OTHER, "Object"))
        columns[spec["name"]] = ColumnSpec(kind=kind, dtype=dtype)
    if not columns:
        raise ConfigError(
            f"The MLflow model {uri} has no column signature to make a contract of. "
            "Log it with signature=infer_signature(X, y), or infer a contract from "
            "its training data."
        )
    return Contract(name=name, columns=columns)


def logged_environment(uri: str, *, tracking_uri: str | None = None) -> Fingerprint:
    """The environment an MLflow model was logged with, as a fingerprint (Python
    version and pinned packages; OS and CPU unknown).

    Raises:
        MissingDependencyError: The ``mlflow`` extra is not installed.
        RecordNotFoundError: MLflow has no such model, alias or version.
    """
    name, alias, version = parse_model_uri(uri)
    mlflow = require("mlflow", extra="mlflow", purpose=f"Reading {uri}")
    with tempfile.TemporaryDirectory(prefix="pipewarden-mlflow-") as tmp:
        found = _download(mlflow, uri, name, alias, version, tracking_uri, Path(tmp))
        return _environment(found.folder)


def _download(
    mlflow: ModuleType,
    uri: str,
    name: str,
    alias: str | None,
    version: str | None,
    tracking_uri: str | None,
    into: Path,
) -> MlflowModel:
    client = mlflow.MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        found = (
            client.get_model_version_by_alias(name, alias)
            if alias is not None
            else client.get_model_version(name, version)
        )
        folder = mlflow.artifacts.download_artifacts(
            artifact_uri=f"{MODELS_PREFIX}{name}/{found.version}",
            dst_path=str(into),
            tracking_uri=tracking_uri,
        )
    except mlflow.exceptions.MlflowException as exc:
        where = tracking_uri or mlflow.get_tracking_uri()
        raise RecordNotFoundError(
            f"MLflow at {where} has no model {uri} ({_first_line(exc)}). Check the "
            "name, alias or version, and MLFLOW_TRACKING_URI."
        ) from exc
    return MlflowModel(name, str(found.version), found.run_id or None, Path(folder))


def _environment(folder: Path) -> Fingerprint:
    python_env = folder / PYTHON_ENV
    if not python_env.exists():
        raise ConfigError(
            f"The MLflow model in {folder.name} was logged without {PYTHON_ENV}, so "
            "its environment is unknown. Log it with MLflow 2 or later."
        )
    requirements = folder / REQUIREMENTS
    return from_mlflow_files(
        python_env.read_text(encoding="utf-8"),
        requirements.read_text(encoding="utf-8") if requirements.exists() else "",
        captured_at=_created_at(folder),
    )


def _important(folder: Path) -> tuple[str, ...]:
    requirements = folder / REQUIREMENTS
    if not requirements.exists():
        return ()
    names = requirement_names(requirements.read_text(encoding="utf-8"))
    return tuple(n for n in names if canonicalize_name(n) not in NOT_IMPORTANT)


def _metrics(
    mlflow: ModuleType, run_id: str | None, tracking_uri: str | None
) -> dict[str, float]:
    if run_id is None:
        return {}
    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    try:
        metrics = client.get_run(run_id).data.metrics
    except mlflow.exceptions.MlflowException:
        return {}  # the run was deleted: the model is still usable
    return {str(k).lower(): float(v) for k, v in metrics.items()}


def _signature_inputs(mlflow: ModuleType, folder: Path) -> tuple[str, ...]:
    """The named input columns of the model's signature (none without one)."""
    return tuple(spec["name"] for spec in _signature(mlflow, folder))


def _signature(mlflow: ModuleType, folder: Path) -> list[dict[str, str]]:
    """The signature's named column inputs, as ``{"name", "type"}`` (MLflow's words)."""
    meta = mlflow.models.Model.load(str(folder / "MLmodel"))
    signature = meta.signature
    if signature is None or signature.inputs is None:
        return []
    found = []
    for spec in signature.inputs.to_dict():
        if isinstance(spec, dict) and isinstance(spec.get("name"), str):
            found.append({"name": spec["name"], "type": str(spec.get("type", ""))})
    return found


def _created_at(folder: Path) -> str:
    import yaml

    try:
        meta = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    return str(meta.get("utc_time_created", "")) if isinstance(meta, dict) else ""


def _folder_hash(folder: Path) -> str:
    """Sha256 over the model's files (relative path and content, in path order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__).rstrip(".")
