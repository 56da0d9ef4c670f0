"""Imports for optional extras, with the install command in the error."""

from __future__ import annotations

import importlib
from types import ModuleType

from pipewarden.errors import MissingDependencyError


def require(module: str, *, extra: str, purpose: str | None = None) -> ModuleType:
    """Import an optional module or raise MissingDependencyError naming the extra.

    Args:
        module: Module to import, e.g. ``"pyspark"``.
        extra: The pipewarden extra that installs it, e.g. ``"spark"``.
        purpose: What needs it, for the message.

    Raises:
        MissingDependencyError: The module is not installed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        what = purpose or "This feature"
        raise MissingDependencyError(
            f"{what} needs {module.split('.')[0]}. "
            f"Install it with: pip install 'pipewarden[{extra}]'"
        ) from exc
