"""The server process's allocator: a bounded number of glibc malloc arenas.

glibc gives each thread that allocates while others do its own malloc arena, up to
8 per CPU. A served process runs its requests on a pool of worker threads (anyio's,
under uvicorn), so it ends up with one arena per worker; freed memory stays in the
arena it came from, and small allocations scattered over many arenas leave free
holes that the next requests, landing on other threads, do not reuse. Measured with
``benchmarks/bench_load.py --steady 5`` (8 clients, a store of fixed size, 4-5
minutes): the memory in use stayed at 58 MB while the arenas grew by ~1.4 MB a
minute of free space, and RSS by 0.86 MB a minute; capped at two arenas, RSS grew
by -0.04 +- 0.05 MB/min (``MALLOC_ARENA_MAX=2``) and 0.18 +- 0.05 (this cap), at the
same throughput. See benchmarks/README.md.

``pipewarden serve`` caps the arenas before it starts any thread. A
``MALLOC_ARENA_MAX`` in the environment is the operator's choice and is left alone
(glibc has then already read it). Other C libraries (musl, macOS) have no arenas to
cap: nothing is done there.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from collections.abc import Mapping
from functools import cache
from pathlib import Path

__all__ = ["SERVER_ARENAS", "glibc_heaps", "limit_malloc_arenas"]

SERVER_ARENAS = 2
"""Arenas of a served process: the main one and one the worker threads share."""

_M_ARENA_MAX = -8  # glibc's malloc.h
_HEAP_MAX_SIZE = 64 * 2**20  # a non-main glibc arena's reservation on 64-bit


@cache
def _glibc() -> ctypes.CDLL | None:
    if platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def limit_malloc_arenas(
    arenas: int = SERVER_ARENAS, *, environ: Mapping[str, str] | None = None
) -> int | None:
    """Cap this process's glibc malloc arenas at ``arenas``.

    Call it before the threads start: threads that already have an arena keep it.

    Returns:
        The cap set, or ``None`` when nothing was done: not glibc, or
        ``MALLOC_ARENA_MAX`` is set in ``environ`` (default ``os.environ``).
    """
    if arenas < 1:
        raise ValueError(f"arenas must be at least 1, not {arenas}")
    if "MALLOC_ARENA_MAX" in (os.environ if environ is None else environ):
        return None
    libc = _glibc()
    if libc is None:
        return None
    if libc.mallopt(_M_ARENA_MAX, arenas) != 1:  # glibc returns 1 on success
        return None
    return arenas


def glibc_heaps(pid: int | str = "self") -> int:
    """How many glibc arenas besides the main one a process has mapped, read from
    ``/proc/PID/maps``: each reserves a 64 MiB-aligned 64 MiB region, the part in
    use read-write, the rest inaccessible. 0 where there is no /proc."""
    try:
        lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    except OSError:
        return 0
    regions: list[tuple[int, int, str, bool]] = []
    for line in lines:
        fields = line.split()
        start, end = (int(x, 16) for x in fields[0].split("-"))
        anonymous = len(fields) < 6  # no path, not [heap] / [stack] / a file
        regions.append((start, end, fields[1], anonymous))
    heaps = 0
    for index, (start, end, mode, anonymous) in enumerate(regions):
        if not anonymous or not mode.startswith("rw") or start % _HEAP_MAX_SIZE:
            continue
        reach = end
        following = regions[index + 1] if index + 1 < len(regions) else None
        if following and following[0] == end and following[2].startswith("---"):
            reach = following[1]
        if reach - start == _HEAP_MAX_SIZE:
            heaps += 1
    return heaps
