"""The version of pipewarden: a leaf module, read by the build and imported anywhere."""

from __future__ import annotations

__version__ = "0.1.0"
