"""The onset from counts per distinct time equals the onset judged row by row.

The reference below is ``find_onset`` as it was before it was computed from counts:
it walks the time-ordered rows themselves.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.diagnose.onset import (
    MAX_STEPS,
    MIN_RATE_RATIO,
    Onset,
    _segments,
    find_onset,
    onset_of_counts,
)


def row_by_row(times: np.ndarray, flags: np.ndarray) -> Onset | None:
    flagged = int(flags.sum())
    if flagged == 0 or times.size == 0:
        return None
    order = np.argsort(times, kind="stable")
    t, f = times[order], flags[order].astype(np.int64)
    first = np.flatnonzero(np.diff(t, prepend=t[0] - 1))
    if first.size > MAX_STEPS:
        first = np.unique(first[np.linspace(0, first.size - 1, MAX_STEPS).astype(int)])
    keys = t[first]
    n = np.diff(np.append(first, t.size))
    k = np.add.reduceat(f, first)
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
    rate_out = (flagged - inside) / rows_out if rows_out else 0.0
    rate_in = float(rates[best])
    if a == 0 and b == keys.size:
        return None
    if rate_out > 0 and rate_in < MIN_RATE_RATIO * rate_out:
        return None
    start = first[a] + int(np.argmax(f[first[a] : first[a] + n[a]]))
    z = first[b - 1] + n[b - 1]
    stop = z - 1 - int(np.argmax(f[first[b - 1] : z][::-1]))
    end = None if b == keys.size else int(t[stop])
    return Onset(int(t[start]), end, flagged, inside, rate_in, rate_out)


def batch(
    seed: int, rows: int, distinct: int, episode: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Rows at ``distinct`` times (some shared), flags rising inside an episode."""
    rng = np.random.default_rng(seed)
    times = np.sort(rng.choice(10**9, size=distinct, replace=False)).astype(np.int64)
    times = times[rng.integers(0, distinct, size=rows)]
    flags = rng.random(rows) < 0.02
    if episode:
        lo, hi = np.sort(rng.choice(times, size=2))
        inside = (times >= lo) & (times <= hi)
        flags |= inside & (rng.random(rows) < 0.6)
    return times, flags


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 30_000),
    distinct=st.sampled_from([1, 2, 5, 40, 900, 4096, 4097, 9_000, 30_000]),
    episode=st.booleans(),
)
def test_the_onset_from_counts_is_the_onset_from_rows(
    seed: int, rows: int, distinct: int, episode: bool
) -> None:
    times, flags = batch(seed, rows, min(distinct, rows), episode)

    expected = row_by_row(times, flags)

    assert find_onset(times, flags) == expected
    keys, first, n = np.unique(times, return_index=True, return_counts=True)
    k = np.bincount(np.searchsorted(keys, times), weights=flags, minlength=keys.size)
    assert onset_of_counts(keys, n, k.astype(np.int64)) == expected


def test_counts_find_an_episode_among_more_times_than_steps() -> None:
    # Steps of whole times: the episode's first step holds unflagged times first.
    times = np.arange(200_000, dtype=np.int64) * 1_000_000
    flags = np.zeros(times.size, dtype=bool)
    flags[150_001:180_000] = True

    found = onset_of_counts(
        times, np.ones(times.size, np.int64), flags.astype(np.int64)
    )

    assert found is not None
    assert (found.start, found.end) == (150_001 * 1_000_000, 179_999 * 1_000_000)
    assert found == row_by_row(times, flags)
