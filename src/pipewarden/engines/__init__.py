"""Compute engines: where profiles are computed (local Polars by default)."""

from __future__ import annotations

from pipewarden.engines.base import Engine, SourceEngine
from pipewarden.engines.registry import register_engine, resolve_engine

__all__ = ["Engine", "SourceEngine", "register_engine", "resolve_engine"]
