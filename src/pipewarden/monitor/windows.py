"""Calendar-aligned UTC windows: parse ``--window`` and cut a time range into windows.

``second``, ``minute``, ``hour``, ``day``, ``week`` (Monday 00:00 UTC), ``month`` and
``year`` start on their calendar boundary; ``Ns``, ``Nm``, ``Nh`` and ``Nd`` windows are
aligned on multiples of their length since 1970-01-01 UTC (so ``15m`` windows start at
:00, :15, :30, :45). Polars does the cutting (``dt.truncate``, ``datetime_range``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from pipewarden.errors import ConfigError

__all__ = ["Window", "WindowSpec", "parse_window", "window_starts"]

_NAMED = {
    "second": "1s",
    "minute": "1m",
    "hour": "1h",
    "day": "1d",
    "week": "1w",
    "month": "1mo",
    "year": "1y",
}
_COUNTED = re.compile(r"^([1-9][0-9]*)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DAY_US = 86_400_000_000


@dataclass(frozen=True, slots=True)
class WindowSpec:
    """A window length: its text, the Polars interval and whether it is whole days.

    ``days_aligned``: every window starts and ends on a UTC midnight, so per-day
    profiles merge into per-window profiles exactly.
    """

    text: str
    every: str
    days_aligned: bool


@dataclass(frozen=True, slots=True)
class Window:
    """One window: ``start <= time < end`` (UTC)."""

    start: datetime
    end: datetime


def parse_window(text: str) -> WindowSpec:
    """The window of ``--window``.

    Raises:
        ConfigError: Not one of the names, nor N followed by s, m, h or d.
    """
    every = _NAMED.get(text)
    if every is not None:
        return WindowSpec(text, every, text in ("day", "week", "month", "year"))
    found = _COUNTED.match(text)
    if found is None:
        raise ConfigError(
            f"'{text}' is not a window. Use second, minute, hour, day, week, month, "
            "year, or a count with a unit: 30s, 15m, 6h, 7d."
        )
    count, unit = int(found[1]), found[2]
    return WindowSpec(text, f"{count}{unit}", unit == "d")


def window_starts(first: datetime, last: datetime, spec: WindowSpec) -> list[Window]:
    """Every window from the one holding ``first`` to the one holding ``last``."""
    bounds = pl.DataFrame({"t": [_utc(first), _utc(last)]}).select(
        pl.col("t").dt.truncate(spec.every)
    )["t"]
    starts = pl.datetime_range(
        bounds[0], bounds[1], interval=spec.every, time_zone="UTC", eager=True
    )
    ends = starts.dt.offset_by(spec.every)
    return [Window(s, e) for s, e in zip(starts.to_list(), ends.to_list(), strict=True)]


def _utc(moment: datetime) -> datetime:
    return (
        moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    )
