"""The server's memory under steady load (issue #21): ``pipewarden serve`` caps
glibc's malloc arenas (server/memory.py), because one arena per worker thread let
RSS grow by ~0.9 MB a minute of steady load (benchmarks/README.md, Load).

The arenas are counted two independent ways: glibc's own ``malloc_info`` report and
the 64 MiB heap reservations in /proc/PID/maps (``glibc_heaps``)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
from pathlib import Path

import _faults as faults
import httpx
import pytest

from pipewarden.server.memory import SERVER_ARENAS, glibc_heaps, limit_malloc_arenas

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="malloc arenas are glibc's",
)

# Eight threads each hold a malloc'd block at once; then glibc reports its heaps.
ARENAS_PROBE = """
import ctypes, json, re, sys, threading
from pipewarden.server.memory import glibc_heaps, limit_malloc_arenas

capped = limit_malloc_arenas(int(sys.argv[1])) if sys.argv[1] != "none" else None
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.open_memstream.restype = ctypes.c_void_p
together = threading.Barrier(9)
finished = threading.Event()

def work():
    libc.malloc(1000)
    together.wait()
    finished.wait()

threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
together.wait()
text, size = ctypes.c_char_p(), ctypes.c_size_t()
stream = libc.open_memstream(ctypes.byref(text), ctypes.byref(size))
libc.malloc_info(0, ctypes.c_void_p(stream))
libc.fclose(ctypes.c_void_p(stream))
report = text.value.decode()
print(json.dumps({
    "capped": capped,
    "malloc_info_arenas": len(re.findall(r"<heap nr=", report)),
    "maps_heaps": glibc_heaps(),
}))
finished.set()
for thread in threads:
    thread.join()
"""


def probe(cap: str, **env: str) -> dict[str, int | None]:
    done = subprocess.run(
        [sys.executable, "-c", ARENAS_PROBE, cap],
        capture_output=True,
        text=True,
        timeout=120,
        env=faults.env(**env),
        check=True,
    )
    result: dict[str, int | None] = json.loads(done.stdout)
    return result


def test_uncapped_threads_take_an_arena_each() -> None:
    found = probe("none")
    # main arena + one per thread (glibc allows 8 per CPU)
    assert found["malloc_info_arenas"] == 1 + min(8, 8 * (os.cpu_count() or 1))
    assert found["maps_heaps"] == found["malloc_info_arenas"] - 1


def test_capped_threads_share_the_arenas() -> None:
    found = probe("2")
    assert found["capped"] == 2
    assert found["malloc_info_arenas"] == 2  # the main one and one shared
    assert found["maps_heaps"] == 1


def test_an_operators_malloc_arena_max_is_left_alone() -> None:
    assert limit_malloc_arenas(environ={"MALLOC_ARENA_MAX": "4"}) is None
    found = probe("2", MALLOC_ARENA_MAX="4")  # glibc read it at start: 4 arenas
    assert found["capped"] is None
    assert found["malloc_info_arenas"] == 4


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        limit_malloc_arenas(0)


def _busy(base: str, clients: int = 8, requests: int = 15) -> None:
    """``clients`` threads reading at once, so uvicorn's worker threads all run."""

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            for index in range(requests):
                path = faults.READS[index % len(faults.READS)]
                assert http.get(path).status_code == 200

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_serve_caps_its_arenas_unless_told_otherwise(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    faults.register(url)
    heaps = {}
    for name, extra in (("capped", {}), ("operator", {"MALLOC_ARENA_MAX": "8"})):
        served = faults.serve(url, tmp_path, name=name, extra_env=extra)
        try:
            _busy(served.base)
            heaps[name] = glibc_heaps(served.process.pid)
        finally:
            served.stop()
    # At most the cap besides the main arena. Not exactly: an arena's heap is only
    # recognisable in /proc/PID/maps while its mapping does not merge with a
    # neighbouring one, which a different layout of thread stacks can make it do
    # (seen in CI: 0 heaps found under load).
    assert heaps["capped"] <= SERVER_ARENAS - 1
    # Without the cap Polars' threads alone take two at import, the workers more.
    assert heaps["operator"] > SERVER_ARENAS
