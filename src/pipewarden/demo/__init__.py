"""The guided demo: the story our users told us, on data that ships with pipewarden.

A reference month of pump sensor readings gives a contract; then three weekly batches
are checked: a clean one, one after an upstream schema change, and one from a gateway
outage with a null spike. See ``scripts/make_demo_data.py`` for how the data was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

DATA_PACKAGE = "pipewarden.demo"


@dataclass(frozen=True, slots=True)
class DemoBatch:
    """One step of the demo story."""

    file: str
    title: str
    story: str
    as_of: datetime


BATCHES = (
    DemoBatch(
        "batch_clean.csv",
        "Week 1: a clean batch",
        "Same pumps, same process: this should pass.",
        datetime(2026, 11, 8, 1),
    ),
    DemoBatch(
        "batch_schema_change.csv",
        "Week 2: an upstream rewrite",
        "A data engineer rewrote the table: 'humidity' was added, 'vibration' "
        "dropped, and 'pressure' now arrives as text like '1,013.2'.",
        datetime(2026, 11, 15, 1),
    ),
    DemoBatch(
        "batch_outage.csv",
        "Week 3: a gateway outage",
        "The sites' gateway was down for three days; after it came back, the "
        "east site's temperature sensors send mostly nulls.",
        datetime(2026, 11, 22, 1),
    ),
)
REFERENCE = "reference_october.csv"


def data_path(name: str) -> Path:
    """Path of a bundled demo file."""
    return Path(str(resources.files(DATA_PACKAGE).joinpath("data", name)))


def freshness_note(as_of: datetime) -> str:
    return f"freshness judged as of {as_of:%Y-%m-%d %H:%M} UTC"


__all__ = ["BATCHES", "REFERENCE", "DemoBatch", "data_path", "freshness_note"]
