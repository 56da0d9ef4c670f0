"""Rows per chunk from a memory budget: the peak of a pass stays under it, whatever
the input size.

Measured (benchmarks/README.md, "Scale"): a profile holds about seven chunks' worth
of memory at its peak (the chunk being read ahead, the two being prepared at once,
the values handed to the sketches, the previous chunk's sketches being finished),
on top of about 150 MiB of interpreter and libraries.
"""

from __future__ import annotations

from pipewarden.config import DEFAULT_MEMORY_BUDGET

RESERVED_BYTES = 256 << 20
"""Kept for the interpreter, the libraries and their thread pools (about 150 MiB
measured), with room to spare."""
CHUNKS_AT_PEAK = 8
"""Chunks' worth of memory a pass holds at its peak (about 7 measured: 4 GiB of
128 float columns under a 1 GiB budget peaked at 814 MiB in chunks of 96 MiB)."""
MIN_CHUNK_ROWS = 4_096
"""Fewer rows per chunk and the per-chunk overhead dominates."""


def budget_chunk_rows(
    row_bytes: float | None, most: int, budget: int = DEFAULT_MEMORY_BUDGET
) -> int:
    """Rows per chunk so that a pass over rows of ``row_bytes`` fits ``budget``.

    Never more than ``most`` (larger chunks are slower, see bench_profile) nor fewer
    than ``MIN_CHUNK_ROWS``; ``most`` when the row size is unknown.
    """
    if not row_bytes or row_bytes <= 0:
        return most
    room = max(budget - RESERVED_BYTES, 0) / CHUNKS_AT_PEAK
    return max(MIN_CHUNK_ROWS, min(most, int(room / row_bytes)))


def shared_budget(budget: int, passes: int) -> int:
    """Each pass's budget when ``passes`` run at once: the libraries are loaded once,
    the rest is split."""
    return RESERVED_BYTES + max(budget - RESERVED_BYTES, 0) // max(passes, 1)
