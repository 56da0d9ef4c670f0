"""Mergeable, serialisable profiles of batches."""

from __future__ import annotations

from pipewarden.profiles.column import ColumnProfile, Kind, Physical
from pipewarden.profiles.dataset import DatasetProfile

__all__ = ["ColumnProfile", "DatasetProfile", "Kind", "Physical"]
