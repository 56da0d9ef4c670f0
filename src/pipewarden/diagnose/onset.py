"""When a change began: a change point over the time-ordered rows of one column.

The rows a finding is about (below the minimum, null, an unseen category) are
flags over the batch ordered by its time column. Flags are counted per distinct
time, and binary segmentation splits the series where a two-rate Bernoulli model
beats one rate by the most log-likelihood (at most ``MAX_SPLITS`` splits, each worth
more than a BIC penalty). The segment with the highest rate is the episode: when it
began, whether it lasts to the end of the batch, and how many flagged rows fall
outside it ("all 412 below-minimum rows are from 2024-03-01 00:00 on; none before").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipewarden.profiles.sketches import micros_to_text

__all__ = ["Onset", "counts_by_time", "find_onset", "onset_of_counts"]

MAX_SPLITS = 2
MIN_RATE_RATIO = 3.0
"""The episode's rate must be this many times the rate outside it."""
MAX_STEPS = 4096
"""Distinct times a batch is judged over at most: past it, neighbouring times are
joined into steps of about equal rows (the onset is then the step's first flagged row)."""


@dataclass(frozen=True, slots=True)
class Onset:
    """The stretch of time where the flagged rows concentrate."""

    start: int
    """Microseconds since the epoch (UTC) of the episode's first row."""
    end: int | None
    """Its last row's time when the episode ended before the batch did, else None."""
    flagged: int
    inside: int
    """Flagged rows inside the episode."""
    rate_inside: float
    rate_outside: float

    @property
    def persists(self) -> bool:
        return self.end is None

    def sentence(self, what: str) -> str:
        """'all 412 below-minimum rows are from 2024-03-01 00:00 on; none before'."""
        start = _minute(self.start)
        outside = self.flagged - self.inside
        if self.end is None:
            span = f"from {start} on"
            rest = "none before" if outside == 0 else f"{outside:,} before"
        else:
            span = f"from {start} to {_minute(self.end)}"
            rest = "none outside it" if outside == 0 else f"{outside:,} outside it"
        head = (
            f"all {self.flagged:,}"
            if outside == 0
            else f"{self.inside:,} of the {self.flagged:,}"
        )
        persists = "" if self.end is None else "; it did not persist"
        return f"{head} {what} rows are {span}; {rest}{persists}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": micros_to_text(self.start),
            "end": None if self.end is None else micros_to_text(self.end),
            "persists": self.persists,
            "rows": self.flagged,
            "rows_inside": self.inside,
            "rate_inside": self.rate_inside,
            "rate_outside": self.rate_outside,
        }


def _minute(micros: int) -> str:
    return micros_to_text(micros)[:16]


def find_onset(times: np.ndarray, flags: np.ndarray) -> Onset | None:
    """The episode of flagged rows over time, or None when there is no clear one.

    Args:
        times: Each row's time, int64 microseconds (no nulls), in any order.
        flags: True for the rows the finding is about.
    """
    if times.size == 0 or not flags.any():
        return None
    rows = np.ones(times.size, dtype=np.int64)
    return onset_of_counts(*counts_by_time(times, rows, flags.astype(np.int64)))


def counts_by_time(
    times: np.ndarray, rows: np.ndarray, flagged: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows and flagged rows added up by equal time, in ascending time.

    Args:
        times: int64 microseconds, in any order.
        rows: Rows at each entry of ``times``.
        flagged: Flagged rows at each entry (one column per finding when 2-D).

    Returns:
        The distinct times and, at each, the rows and flagged rows, as
        ``onset_of_counts`` takes them.
    """
    if times.size > 1 and not bool(np.all(times[1:] >= times[:-1])):
        order = np.argsort(times, kind="stable")
        times, rows, flagged = times[order], rows[order], flagged[order]
    if times.size == 0:
        return times, rows, flagged
    first = np.flatnonzero(np.diff(times, prepend=times[0] - 1))  # each time's start
    if first.size == times.size:  # every time distinct: nothing to add up
        return times, rows, flagged
    return (
        times[first],
        np.add.reduceat(rows, first),
        np.add.reduceat(flagged, first, axis=0),
    )


def onset_of_counts(
    times: np.ndarray, rows: np.ndarray, flagged: np.ndarray
) -> Onset | None:
    """``find_onset`` from the rows and flagged rows at each distinct time.

    The same answer as ``find_onset`` of the rows themselves (only how many rows, and
    how many flagged, share each time matters), so a batch read in chunks is judged
    from counts that add up, without holding its rows.

    Args:
        times: The distinct times, int64 microseconds, ascending.
        rows: Rows at each time.
        flagged: Flagged rows at each time.
    """
    total = int(flagged.sum())
    if total == 0 or times.size == 0:
        return None
    steps = np.arange(times.size)  # each step's first distinct time
    if steps.size > MAX_STEPS:  # whole times kept together, about equal row counts
        steps = np.unique(np.linspace(0, times.size - 1, MAX_STEPS).astype(int))
    keys = times[steps]
    n = np.add.reduceat(np.asarray(rows, dtype=np.int64), steps)
    k = np.add.reduceat(np.asarray(flagged, dtype=np.int64), steps)
    if keys.size < 2:
        return None
    cuts = _segments(n, k)
    bounds = [0, *cuts, keys.size]
    rates = [
        k[a:b].sum() / n[a:b].sum()
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    best = int(np.argmax(rates))
    a, b = bounds[best], bounds[best + 1]
    inside = int(k[a:b].sum())
    rows_out = int(n.sum() - n[a:b].sum())
    rate_out = (total - inside) / rows_out if rows_out else 0.0
    rate_in = float(rates[best])
    if a == 0 and b == keys.size:
        return None  # no change: the rows are spread over the whole batch
    if rate_out > 0 and rate_in < MIN_RATE_RATIO * rate_out:
        return None
    ends = np.append(steps[1:], times.size)  # past each step's last distinct time
    # The episode starts at its first step's first flagged time (its first time when
    # it has none) and ends at its last step's last flagged time (or last time).
    held = np.flatnonzero(flagged[steps[a] : ends[a]])
    start = steps[a] + (int(held[0]) if held.size else 0)
    held = np.flatnonzero(flagged[steps[b - 1] : ends[b - 1]])
    stop = steps[b - 1] + (
        int(held[-1]) if held.size else ends[b - 1] - steps[b - 1] - 1
    )
    end = None if b == keys.size else int(times[stop])
    return Onset(int(times[start]), end, total, inside, rate_in, rate_out)


def _segments(n: np.ndarray, k: np.ndarray) -> list[int]:
    """Split points (indexes into the distinct times) by binary segmentation."""
    penalty = 1.5 * math.log(max(int(n.sum()), 2))
    cuts: list[int] = []
    spans = [(0, n.size)]
    for _ in range(MAX_SPLITS):
        best: tuple[float, int, tuple[int, int]] | None = None
        for a, b in spans:
            found = _best_split(n[a:b], k[a:b])
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], a + found[1], (a, b))
        if best is None or best[0] <= penalty:
            break
        gain, cut, (a, b) = best
        cuts.append(cut)
        spans.remove((a, b))
        spans += [(a, cut), (cut, b)]
    return sorted(cuts)


def _best_split(n: np.ndarray, k: np.ndarray) -> tuple[float, int] | None:
    """The split of one span with the largest log-likelihood gain: (gain, index)."""
    if n.size < 2:
        return None
    cn, ck = np.cumsum(n)[:-1], np.cumsum(k)[:-1]
    tn, tk = float(n.sum()), float(k.sum())
    gain = _ll(ck, cn) + _ll(tk - ck, tn - cn) - _ll(np.array([tk]), np.array([tn]))[0]
    i = int(np.argmax(gain))
    return float(gain[i]), i + 1


def _ll(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Bernoulli log-likelihood of k successes in n at the best rate k/n."""
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, k / n, 0.0)
        a = np.where(k > 0, k * np.log(np.where(p > 0, p, 1.0)), 0.0)
        b = np.where(n - k > 0, (n - k) * np.log(np.where(p < 1, 1 - p, 1.0)), 0.0)
    return a + b
