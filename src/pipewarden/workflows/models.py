"""Register a trained model, and check a running environment against its training one.

``register_model`` keeps the model's file hash, its training data profile, the
environment fingerprint and its metrics. ``check_environment`` later compares the
running environment with the one the model was trained in (see
``pipewarden.monitor.environment``) and reports each difference that matters as an
``env.mismatch`` finding.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from packaging.utils import canonicalize_name

from pipewarden.engines.local import LocalEngine
from pipewarden.env.fingerprint import Fingerprint, capture
from pipewarden.errors import ConfigError
from pipewarden.io.sources import read_frame
from pipewarden.monitor.environment import check_model_environment, packages_referenced
from pipewarden.profiles.dataset import DatasetProfile, is_profile_json
from pipewarden.store.records import ModelRecord
from pipewarden.workflows._store import opened_store
from pipewarden.workflows.profile import as_profile
from pipewarden.workflows.references import is_reference_set, resolve_reference

if TYPE_CHECKING:
    from pipewarden.checks.findings import Finding
    from pipewarden.store.base import Store

__all__ = ["check_environment", "register_model"]

SAMPLE_ROWS = 5_000
"""Training rows kept (a seeded random sample) for the diagnosis of monitored windows."""
TASKS = ("classification", "regression")


def register_model(
    name: str,
    version: str,
    model_or_path: Any,
    *,
    training_data: Any = None,
    metrics: Mapping[str, float] | None = None,
    important: Iterable[str] | None = None,
    environment: Fingerprint | None = None,
    environ: Mapping[str, str] | None = None,
    store: Store | str | None = None,
    label: str | None = None,
    task: str | None = None,
    importances: Mapping[str, float] | None = None,
) -> ModelRecord:
    """Register a trained model version with the environment it was trained in.

    Args:
        name: Model name.
        version: Version label, unique per name.
        model_or_path: The model file, or the model object (pickled to hash it).
        training_data: Training data (anything ``pipewarden.profile`` reads), its
            profile, or ``ref:NAME[@VERSION]`` (a reference set in ``store``); kept
            as a profile, not as rows. It is the baseline monitoring compares with.
        metrics: Evaluation metrics, e.g. ``{"auc": 0.91}``.
        important: Distributions whose versions matter (e.g. ``["scikit-learn"]``).
            Default: those whose modules the pickled model references.
        environment: Fingerprint of the training environment (default: this one).
        environ: Variables to fingerprint when ``environment`` is None (default:
            ``os.environ``; only allow-listed ones are kept).
        store: A Store, a store URL, or None for the default store.
        label: The target column of ``training_data``: the model's other columns are
            its inputs, and a bounded sample of training rows is kept for the
            diagnosis of monitored windows.
        task: ``classification`` or ``regression`` (default: inferred from the
            label's values: text, booleans and up to 20 distinct integers are
            classes).
        importances: Feature importance per input column. Default: the fitted
            scikit-learn estimator's ``feature_importances_`` or ``|coef_|``, when
            the model is one; else none. Kept as shares that sum to 1.

    Returns:
        The registered model.

    Raises:
        StoreError: This name and version are registered with another artifact.
        ConfigError: The model file cannot be read, the label is not in the
            training data, or the task is unknown.

    Example:
        >>> pw.register_model("churn", "3", "model.pkl", training_data="train.parquet",
        ...                   metrics={"auc": 0.91})
    """
    if is_reference_set(training_data):
        with opened_store(store) as opened:
            training_data, _ = resolve_reference(training_data, opened)
    artifact, path = _artifact_bytes(model_or_path)
    packages = (
        tuple(sorted({canonicalize_name(p) for p in important}))
        if important is not None
        else packages_referenced(artifact)
    )
    if task is not None and task not in TASKS:
        raise ConfigError(f"--task must be classification or regression, not '{task}'.")
    training = _training(training_data, label)
    inputs = _input_columns(training, training_data, label)
    record = ModelRecord(
        name=name,
        version=version,
        artifact_hash=hashlib.sha256(artifact).hexdigest(),
        artifact_path=path,
        environment=environment if environment is not None else capture(environ),
        important_packages=packages,
        metrics={key.lower(): float(value) for key, value in (metrics or {}).items()},
        training_profile=None
        if training_data is None
        else (
            as_profile(training_data)
            if training is None
            else LocalEngine().profile_frame(training)
        ),
        task=task or _task_of(training, label),
        label=label,
        inputs=tuple(inputs),
        importances=_shares(
            importances
            if importances is not None
            else _fitted_importances(model_or_path, artifact, path, inputs)
        ),
        training_sample=None if training is None else _sample(training, inputs, label),
    )
    with opened_store(store) as opened:
        return opened.save_model(record)


def check_environment(
    model_name: str,
    version: str | None = None,
    *,
    environment: Fingerprint | None = None,
    environ: Mapping[str, str] | None = None,
    store: Store | str | None = None,
) -> tuple[Finding, ...]:
    """Compare this environment with the one a registered model was trained in.

    Args:
        model_name: Registered model name.
        version: Its version; None: the newest registered.
        environment: The environment to judge (default: this one).
        environ: Variables to fingerprint when ``environment`` is None (default:
            ``os.environ``).
        store: A Store, a store URL, or None for the default store.

    Returns:
        One ``env.mismatch`` finding per difference of severity warning or error
        (differences in packages the model does not use are left out).

    Raises:
        RecordNotFoundError: No such model or version.
    """
    with opened_store(store) as opened:
        model = opened.get_model(model_name, version)
    here = environment if environment is not None else capture(environ)
    return check_model_environment(model, here)


def _training(training_data: Any, label: str | None) -> pl.DataFrame | None:
    """The training rows, when they are rows (not a saved profile) and needed."""
    if training_data is None:
        if label is not None:
            raise ConfigError(
                f"--label {label} needs --training-data: the label is a column of it."
            )
        return None
    if isinstance(training_data, DatasetProfile) or (
        isinstance(training_data, str | Path) and is_profile_json(training_data)
    ):
        if label is not None:
            raise ConfigError(
                "A saved profile has no rows to learn the label from. Pass the "
                "training data itself with --training-data."
            )
        return None
    frame = (
        training_data
        if isinstance(training_data, pl.DataFrame)
        else read_frame(training_data)
    )
    if label is not None and label not in frame.columns:
        raise ConfigError(
            f"The training data has no label column '{label}' (it has "
            f"{', '.join(frame.columns[:12])}). Name it with --label."
        )
    return frame


def _input_columns(
    training: pl.DataFrame | None, training_data: Any, label: str | None
) -> list[str]:
    if training is not None:
        return [c for c in training.columns if c != label]
    if isinstance(training_data, DatasetProfile):
        return [c for c in training_data.column_names if c != label]
    return []


def _task_of(training: pl.DataFrame | None, label: str | None) -> str | None:
    if training is None or label is None:
        return None
    from pipewarden.workflows.traffic import infer_task

    return infer_task(training[label])


def _sample(frame: pl.DataFrame, inputs: list[str], label: str | None) -> bytes:
    columns = [*inputs, *([label] if label else [])]
    part = frame.select(columns)
    if part.height > SAMPLE_ROWS:
        part = part.sample(n=SAMPLE_ROWS, seed=0)
    buffer = io.BytesIO()
    part.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def _fitted_importances(
    model_or_path: Any, artifact: bytes, path: str | None, inputs: list[str]
) -> dict[str, float]:
    """``feature_importances_`` or ``|coef_|`` of a fitted scikit-learn estimator
    (a model object, or a pickle file), by ``feature_names_in_`` or input order."""
    model = model_or_path
    if path is not None:
        try:
            model = pickle.loads(artifact)  # noqa: S301  # the user's own model file
        except Exception:  # noqa: BLE001  # not a pickle: no importances to read
            return {}
    values = getattr(model, "feature_importances_", None)
    if values is None and getattr(model, "coef_", None) is not None:
        coef = np.abs(np.asarray(model.coef_, dtype=float))
        values = coef.mean(axis=0) if coef.ndim == 2 else coef
    if values is None:
        return {}
    names = getattr(model, "feature_names_in_", None)
    names = list(names) if names is not None else inputs
    flat = np.asarray(values, dtype=float).ravel()
    if len(names) != len(flat):
        return {}
    return {str(n): float(v) for n, v in zip(names, flat, strict=True)}


def _shares(values: Mapping[str, float]) -> dict[str, float]:
    total = sum(abs(float(v)) for v in values.values())
    if not values or total <= 0:
        return {}
    return {str(k): abs(float(v)) / total for k, v in values.items()}


def _artifact_bytes(model_or_path: Any) -> tuple[bytes, str | None]:
    if isinstance(model_or_path, str | Path):
        path = Path(model_or_path)
        try:
            return path.read_bytes(), str(path.resolve())
        except OSError as exc:
            raise ConfigError(
                f"Cannot read model file '{path}': {exc.strerror}. Pass the path of "
                "the saved model, or the model object itself."
            ) from exc
    try:
        return pickle.dumps(model_or_path, protocol=pickle.HIGHEST_PROTOCOL), None
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"Cannot pickle the model ({exc}) to fingerprint it. Save it to a file "
            "and pass the path instead."
        ) from exc
