"""Engine names -> factories, imported on first use."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

from pipewarden.engines.base import Engine
from pipewarden.errors import EngineNotAvailableError

_FACTORIES: dict[str, str] = {
    "local": "pipewarden.engines.local:LocalEngine",
    "spark": "pipewarden.engines.spark:SparkEngine",
}


def register_engine(name: str, target: str) -> None:
    """Register an engine factory as ``"module:attribute"``."""
    _FACTORIES[name] = target
    resolve_engine.cache_clear()


@cache
def resolve_engine(name: str = "local") -> Engine:
    """The engine registered under ``name``.

    Raises:
        EngineNotAvailableError: No engine has that name.
    """
    target = _FACTORIES.get(name)
    if target is None:
        raise EngineNotAvailableError(
            f"Unknown engine '{name}'. Choose one of: {', '.join(sorted(_FACTORIES))}."
        )
    module, _, attr = target.partition(":")
    factory: Callable[[], Engine] = getattr(importlib.import_module(module), attr)
    return factory()
