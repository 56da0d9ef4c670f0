"""An environment fingerprint in MLflow's words: ``python_env.yaml`` and
``requirements.txt``, both ways.

MLflow logs a model with the Python version it was trained on (``python_env.yaml``)
and the pinned packages it needs (``requirements.txt``). :func:`to_mlflow_files`
writes those two files from a fingerprint, so a model logged elsewhere can be served
in exactly this environment; :func:`from_mlflow_files` reads a model's logged
environment back as a fingerprint that ``env.diff`` compares like any other. MLflow
records no operating system or CPU, so those facts are left empty (unknown) and
``env.diff`` does not compare them. No MLflow import is needed for either.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pipewarden.env.fingerprint import Fingerprint
from pipewarden.errors import EnvError

__all__ = [
    "BUILD_PACKAGES",
    "PYTHON_ENV",
    "REQUIREMENTS",
    "from_mlflow_files",
    "load_mlflow_env",
    "requirement_names",
    "to_mlflow_files",
]

PYTHON_ENV = "python_env.yaml"
REQUIREMENTS = "requirements.txt"
BUILD_PACKAGES = ("pip", "setuptools", "wheel")
"""Kept under ``build_dependencies`` in ``python_env.yaml``, as MLflow does."""


def to_mlflow_files(
    fingerprint: Fingerprint, *, only: Iterable[str] | None = None
) -> dict[str, str]:
    """The text of ``python_env.yaml`` and ``requirements.txt`` for a fingerprint.

    Args:
        fingerprint: The environment to reproduce.
        only: Distribution names to pin (default: every installed package); build
            packages (pip, setuptools, wheel) always go to ``build_dependencies``.

    Returns:
        File name -> text.
    """
    wanted = None if only is None else {canonicalize_name(n) for n in only}
    packages = dict(fingerprint.packages)
    build = [f"{n}=={packages[n]}" for n in BUILD_PACKAGES if n in packages]
    pins = [
        f"{name}=={version}"
        for name, version in fingerprint.packages
        if name not in BUILD_PACKAGES and (wanted is None or name in wanted)
    ]
    python_env = {
        "python": fingerprint.python_version,
        "build_dependencies": build,
        "dependencies": [f"-r {REQUIREMENTS}"],
    }
    return {
        PYTHON_ENV: yaml.safe_dump(python_env, sort_keys=False),
        REQUIREMENTS: "".join(f"{pin}\n" for pin in pins),
    }


def from_mlflow_files(
    python_env: str, requirements: str, *, captured_at: str = ""
) -> Fingerprint:
    """The fingerprint an MLflow model's logged environment describes.

    Packages are those pinned with ``==`` (in ``requirements.txt``, and the build
    dependencies); a requirement without an exact pin names no version and is left
    out. Facts MLflow does not log (OS, CPU, interpreter build) are empty.

    Raises:
        EnvError: ``python_env.yaml`` is not YAML or names no Python version.
    """
    try:
        data = yaml.safe_load(python_env) or {}
    except yaml.YAMLError as exc:
        raise EnvError(f"{PYTHON_ENV} is not YAML ({exc}).") from exc
    version = data.get("python") if isinstance(data, dict) else None
    if not version:
        raise EnvError(
            f"{PYTHON_ENV} names no Python version (no 'python:' key). Log the model "
            "with MLflow 2 or later, or write the file with: pipewarden env export "
            "--format mlflow"
        )
    lines = [*(data.get("build_dependencies") or ()), *requirements.splitlines()]
    return Fingerprint(
        python_version=str(version),
        python_implementation="",
        python_build=("", ""),
        python_compiler="",
        executable="",
        os="",
        os_release="",
        platform="",
        machine="",
        cpu_count=None,
        hostname="",
        captured_at=captured_at,
        packages=tuple(sorted(_pins(lines).items())),
        env=(),
    )


def load_mlflow_env(folder: str | Path) -> Fingerprint:
    """The fingerprint of a folder holding ``python_env.yaml`` and
    ``requirements.txt`` (an MLflow model's folder, or ``env export``'s output).

    Raises:
        EnvError: A file is missing or unreadable.
    """
    root = Path(folder)
    try:
        python_env = (root / PYTHON_ENV).read_text(encoding="utf-8")
        requirements_path = root / REQUIREMENTS
        requirements = (
            requirements_path.read_text(encoding="utf-8")
            if requirements_path.exists()
            else ""
        )
    except OSError as exc:
        raise EnvError(
            f"Cannot read the MLflow environment in '{root}' ({exc.strerror}). Point "
            f"at a folder holding {PYTHON_ENV} and {REQUIREMENTS}."
        ) from exc
    return from_mlflow_files(python_env, requirements)


def requirement_names(requirements: str) -> tuple[str, ...]:
    """The distributions a ``requirements.txt`` names (PEP 503 names, sorted)."""
    names = {
        canonicalize_name(req.name)
        for req in (_requirement(line) for line in requirements.splitlines())
        if req is not None
    }
    return tuple(sorted(names))


def _pins(lines: Iterable[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lines:
        req = _requirement(line)
        if req is None:
            continue
        exact = [s.version for s in req.specifier if s.operator in ("==", "===")]
        if len(exact) == 1 and "*" not in exact[0]:
            pins[canonicalize_name(req.name)] = exact[0]
    return pins


def _requirement(line: str) -> Requirement | None:
    text = line.split("#", 1)[0].strip()
    if not text or text.startswith("-"):  # blank, comment, -r / -c / --index-url
        return None
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None
