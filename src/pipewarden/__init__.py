"""pipewarden: guards the data flowing into and out of production ML models."""

from __future__ import annotations

__version__ = "0.1.0"
