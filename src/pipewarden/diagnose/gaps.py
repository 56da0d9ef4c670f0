"""Silences judged against the series' cadence.

In a regular series, a gap longer than ``INFO_STEPS`` cadence steps is worth a line
(an hourly sensor silent for several hours). The tolerated gap, above which a gap is a warning, comes
from the reference's own gaps: 1.5 times its 99.9th-percentile interval, twice its
largest ordinary lull when the series is irregular (events arrive in bursts), and at
least ``WARN_STEPS`` steps; a gap-free reference therefore keeps it at a few steps
instead of widening it to half a day.
"""

from __future__ import annotations

from collections.abc import Sequence
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
OUTAGE_FACTOR = 10.0


def tolerated_gap(
    intervals: Quantiles, gaps: Sequence[float] = ()
) -> tuple[float, float] | None:
    """(cadence, tolerated gap) in seconds, from a reference's intervals and its
    largest gaps (seconds).

    The tolerated gap is the largest of: ``WARN_STEPS`` cadence steps,
    ``REFERENCE_FACTOR`` times the 99.9th-percentile interval, and twice the
    reference's largest ordinary gap (an irregular series' lulls); a gap more than
    ``OUTAGE_FACTOR`` times the 99.9th percentile is an outage, not ordinary.
    """
    q = intervals.quantiles([0.5, REFERENCE_QUANTILE])
    if not q:
        return None
    cadence = max(q[0], 1e-6)
    ordinary = [g for g in gaps if g <= OUTAGE_FACTOR * q[1]]
    lull = 2 * max(ordinary) if ordinary and q[1] > REGULAR * cadence else 0.0
    return cadence, max(WARN_STEPS * cadence, REFERENCE_FACTOR * q[1], lull, 1.0)


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
