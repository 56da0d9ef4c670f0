"""Registered models: what they were trained on and in, to catch a mismatched environment.

``register_model`` keeps the model's file hash, its training data profile, the
environment fingerprint and its metrics. ``check_environment`` later compares the
running environment with the one the model was trained in, and reports each
difference that matters as an ``env.mismatch`` finding.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import pickle
import pickletools
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipewarden.checks.findings import Finding, Severity
from pipewarden.env.diff import diff
from pipewarden.env.fingerprint import Fingerprint, capture, normalize_name
from pipewarden.errors import ConfigError
from pipewarden.store.records import ModelRecord

if TYPE_CHECKING:
    from pipewarden.store.base import Store

__all__ = ["check_environment", "packages_referenced", "register_model"]

_PICKLE_SUFFIXES = frozenset({".pkl", ".pickle", ".joblib", ".sav", ".p"})
_STRING_OPS = frozenset(
    {
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "UNICODE",
        "BINUNICODE8",
        "SHORT_BINSTRING",
        "BINSTRING",
        "STRING",
    }
)
_GET_OPS = frozenset({"GET", "BINGET", "LONG_BINGET"})
_PUT_OPS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING}


def register_model(
    name: str,
    version: str,
    model_or_path: Any,
    *,
    training_data: Any = None,
    metrics: Mapping[str, float] | None = None,
    important: Iterable[str] | None = None,
    environment: Fingerprint | None = None,
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
        tuple(sorted({normalize_name(p) for p in important}))
        if important is not None
        else packages_referenced(artifact)
    )
    record = ModelRecord(
        name=name,
        version=version,
        artifact_hash=hashlib.sha256(artifact).hexdigest(),
        artifact_path=path,
        environment=environment if environment is not None else capture(),
        important_packages=packages,
        metrics={key: float(value) for key, value in (metrics or {}).items()},
        training_profile=None if training_data is None else _profile(training_data),
    )
    with _opened(store) as opened:
        return opened.save_model(record)


def check_environment(
    model_name: str,
    version: str | None = None,
    *,
    environment: Fingerprint | None = None,
    store: Store | str | None = None,
) -> tuple[Finding, ...]:
    """Compare this environment with the one a registered model was trained in.

    Args:
        model_name: Registered model name.
        version: Its version; None: the newest registered.
        environment: The environment to judge (default: this one).
        store: A Store, a store URL, or None for the default store.

    Returns:
        One ``env.mismatch`` finding per difference of severity warning or error
        (differences in packages the model does not use are left out).

    Raises:
        RecordNotFoundError: No such model or version.
    """
    with _opened(store) as opened:
        model = opened.get_model(model_name, version)
    here = environment if environment is not None else capture()
    changes = diff(model.environment, here, important=_installed(model, here))
    label = f"{model.name}:{model.version}"
    return tuple(
        Finding(
            check="env.mismatch",
            column=None,
            severity=_SEVERITIES[change.severity],
            message=f"Model {label}: {change.message}",
            value=change.after,
            threshold=change.before,
            segment={"kind": change.kind, "name": change.name},
        )
        for change in changes.changes
        if change.severity in _SEVERITIES
    )


def packages_referenced(pickled: bytes) -> tuple[str, ...]:
    """Distributions whose modules a pickle references (standard library left out).

    The pickle is read opcode by opcode and never loaded, so nothing in it runs.
    Unreadable bytes (not a pickle) give an empty tuple.
    """
    modules = {module.split(".")[0] for module in _pickle_modules(pickled)}
    modules -= set(sys.stdlib_module_names) | {"__main__", "builtins", "copy_reg"}
    owners = importlib.metadata.packages_distributions()
    found = {
        normalize_name(dist) for module in modules for dist in owners.get(module, ())
    }
    return tuple(sorted(found))


def _pickle_modules(pickled: bytes) -> set[str]:
    modules: set[str] = set()
    memo: dict[int, Any] = {}
    strings: list[str] = []
    top: Any = None
    try:
        for opcode, arg, _pos in pickletools.genops(pickled):
            name = opcode.name
            if name in _STRING_OPS:
                top = arg.decode("latin-1") if isinstance(arg, bytes) else arg
                strings.append(top)
                continue
            if name == "MEMOIZE":
                memo[len(memo)] = top
            elif name in _PUT_OPS:
                memo[int(str(arg))] = top
            elif name in _GET_OPS:
                top = memo.get(int(str(arg)))
                if isinstance(top, str):
                    strings.append(top)
                continue
            elif name in ("GLOBAL", "INST"):
                modules.add(str(arg).split(" ")[0])
            elif name == "STACK_GLOBAL" and len(strings) >= 2:
                modules.add(strings[-2])
            top = None
    except (ValueError, EOFError, KeyError, IndexError):
        pass  # joblib appends raw arrays; not a pickle at all: what was read counts
    return modules


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


def _installed(model: ModelRecord, here: Fingerprint) -> list[str]:
    """Important packages known to either environment (so diff does not warn)."""
    there = dict(model.environment.packages)
    now = dict(here.packages)
    return [name for name in model.important_packages if name in there or name in now]


def _profile(training_data: Any) -> Any:
    from pipewarden._api import as_profile

    return as_profile(training_data)


@contextmanager
def _opened(store: Store | str | None) -> Iterator[Store]:
    """Use a given Store as is, or open (and close) one from a URL or the default."""
    if store is not None and not isinstance(store, str):
        yield store
        return
    from pipewarden.store import open_store

    opened = open_store(store)
    try:
        yield opened
    finally:
        opened.close()
