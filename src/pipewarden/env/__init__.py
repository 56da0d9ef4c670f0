"""The environment a model runs in: fingerprint it, and diff it against training."""

from __future__ import annotations

from pipewarden.env.diff import EnvChange, EnvDiffResult, diff
from pipewarden.env.fingerprint import CodeVersion, Fingerprint, capture, code_version

__all__ = [
    "CodeVersion",
    "EnvChange",
    "EnvDiffResult",
    "Fingerprint",
    "capture",
    "code_version",
    "diff",
]
