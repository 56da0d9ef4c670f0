"""Environments read and written: the workflow behind ``pipewarden env diff`` (whose
sides may be MLflow models) and ``pipewarden env export``.

A side is a fingerprint JSON (``env capture``), a folder holding ``python_env.yaml``
and ``requirements.txt`` (an MLflow model's folder, or ``env export``'s output), or
``models:/NAME@ALIAS`` / ``models:/NAME/VERSION``: the environment that model was
logged with in the MLflow registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from pipewarden.env.fingerprint import Fingerprint, capture
from pipewarden.env.mlflow_env import load_mlflow_env, to_mlflow_files
from pipewarden.errors import ConfigError
from pipewarden.workflows.mlflow_registry import is_mlflow_model, logged_environment

__all__ = ["EXPORT_FORMATS", "export_environment", "load_environment"]

EXPORT_FORMATS = ("mlflow",)


def load_environment(
    source: str | Path, *, tracking_uri: str | None = None
) -> Fingerprint:
    """The fingerprint a side of ``env diff`` names (see the module docstring).

    Raises:
        EnvError: The file or folder is not an environment.
        RecordNotFoundError: MLflow has no such model.
        MissingDependencyError: A ``models:/`` side without the ``mlflow`` extra.
    """
    if is_mlflow_model(source):
        return logged_environment(str(source), tracking_uri=tracking_uri)
    if Path(source).is_dir():
        return load_mlflow_env(source)
    return Fingerprint.load(source)


def export_environment(
    out: str | Path,
    *,
    fingerprint: Fingerprint | str | Path | None = None,
    format: str = "mlflow",
    only: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write an environment as MLflow's ``python_env.yaml`` and ``requirements.txt``.

    Args:
        out: The folder to write into (made if missing).
        fingerprint: The environment: a Fingerprint, a fingerprint JSON, or None for
            this one.
        format: ``mlflow`` (the only one so far).
        only: Distributions to pin (default: every installed package).
        environ: Variables fingerprinted when ``fingerprint`` is None.

    Returns:
        The files written.

    Raises:
        ConfigError: An unknown format, or a folder that cannot be written.
    """
    if format not in EXPORT_FORMATS:
        raise ConfigError(
            f"--format must be one of {', '.join(EXPORT_FORMATS)}, not '{format}'."
        )
    if fingerprint is None:
        fingerprint = capture(environ)
    elif not isinstance(fingerprint, Fingerprint):
        fingerprint = Fingerprint.load(fingerprint)
    folder = Path(out)
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in to_mlflow_files(fingerprint, only=only).items():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the environment into '{folder}' ({exc.strerror}). Choose "
            "a writable folder with --out."
        ) from exc
    return written
