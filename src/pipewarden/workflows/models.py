"""Register a trained model, and check a running environment against its training one.

``register_model`` keeps the model's file hash, its training data profile, the
environment fingerprint and its metrics. ``check_environment`` later compares the
running environment with the one the model was trained in (see
``pipewarden.monitor.environment``) and reports each difference that matters as an
``env.mismatch`` finding.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from pipewarden.env.fingerprint import Fingerprint, capture
from pipewarden.errors import ConfigError
from pipewarden.monitor.environment import check_model_environment, packages_referenced
from pipewarden.store.records import ModelRecord
from pipewarden.workflows.profile import as_profile

if TYPE_CHECKING:
    from pipewarden.checks.findings import Finding
    from pipewarden.store.base import Store

__all__ = ["check_environment", "register_model"]


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
) -> ModelRecord:
    """Register a trained model version with the environment it was trained in.

    Args:
        name: Model name.
        version: Version label, unique per name.
        model_or_path: The model file, or the model object (pickled to hash it).
        training_data: Training data (anything ``pipewarden.profile`` reads) or its
            profile; kept as a profile, not as rows.
        metrics: Evaluation metrics, e.g. ``{"auc": 0.91}``.
        important: Distributions whose versions matter (e.g. ``["scikit-learn"]``).
            Default: those whose modules the pickled model references.
        environment: Fingerprint of the training environment (default: this one).
        environ: Variables to fingerprint when ``environment`` is None (default:
            ``os.environ``; only allow-listed ones are kept).
        store: A Store, a store URL, or None for the default store.

    Returns:
        The registered model.

    Raises:
        StoreError: This name and version are registered with another artifact.
        ConfigError: The model file cannot be read.

    Example:
        >>> pw.register_model("churn", "3", "model.pkl", training_data="train.parquet",
        ...                   metrics={"auc": 0.91})
    """
    artifact, path = _artifact_bytes(model_or_path)
    packages = (
        tuple(sorted({canonicalize_name(p) for p in important}))
        if important is not None
        else packages_referenced(artifact)
    )
    record = ModelRecord(
        name=name,
        version=version,
        artifact_hash=hashlib.sha256(artifact).hexdigest(),
        artifact_path=path,
        environment=environment if environment is not None else capture(environ),
        important_packages=packages,
        metrics={key: float(value) for key, value in (metrics or {}).items()},
        training_profile=None if training_data is None else as_profile(training_data),
    )
    with _opened(store) as opened:
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
    with _opened(store) as opened:
        model = opened.get_model(model_name, version)
    here = environment if environment is not None else capture(environ)
    return check_model_environment(model, here)


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


@contextmanager
def _opened(store: Store | str | None) -> Iterator[Store]:
    """Use a given Store as is, or open (and close) one from a URL or the default."""
    if store is not None and not isinstance(store, str):
        yield store
        return
    from pipewarden.store import open_store

    with open_store(store) as opened:
        yield opened
