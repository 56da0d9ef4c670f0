"""Silences judged against the series' cadence.

In a regular series, a gap longer than ``INFO_STEPS`` cadence steps is worth a line
(an hourly sensor silent for several hours). The tolerated gap, above which a gap is a warning, comes
from the reference's own gaps: 1.5 times its 99.9th-percentile interval, and at
least ``WARN_STEPS`` steps; a gap-free reference therefore keeps it at a few steps
instead of widening it to half a day.
"""

from __future__ import annotations

from typing import Any

from pipewarden import _text
from pipewarden.profiles.sketches import Quantiles

__all__ = ["INFO_STEPS", "WARN_STEPS", "outage_evidence", "tolerated_gap"]

INFO_STEPS = 2.5
"""A gap longer than this many cadence steps (two readings missed) is told."""
REGULAR = 1.5
"""A series is regular when its 99th-percentile interval is within this many steps;
only a regular series' short gaps are told (events arrive in bursts and lulls)."""
WARN_STEPS = 6.0
REFERENCE_FACTOR = 1.5
REFERENCE_QUANTILE = 0.999


def tolerated_gap(intervals: Quantiles) -> tuple[float, float] | None:
    """(cadence, tolerated gap) in seconds, from a reference's intervals."""
    q = intervals.quantiles([0.5, REFERENCE_QUANTILE])
    if not q:
        return None
    cadence = max(q[0], 1e-6)
    return cadence, max(WARN_STEPS * cadence, REFERENCE_FACTOR * q[1], 1.0)


def steps_text(seconds: float, cadence: float) -> str:
    return f"{seconds / cadence:,.1f} cadence steps of {_text.duration(cadence)}"


def outage_evidence(
    seconds: float, cadence: float | None, start: str, end: str
) -> dict[str, Any]:
    return {
        "cause": "outage",
        "seconds": seconds,
        "cadence_seconds": cadence,
        "steps": None if not cadence else seconds / cadence,
        "onset": {"start": start, "end": end, "persists": False},
    }
