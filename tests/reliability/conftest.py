"""The reliability tests call the harness in benchmarks/_faults.py, the same
functions ``benchmarks/reliability.py`` runs for the figures in RELIABILITY.md."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

SERVER_TESTS = Path(__file__).resolve().parents[1] / "server"
if str(SERVER_TESTS) not in sys.path:  # server_data: the filled store of the API tests
    sys.path.append(str(SERVER_TESTS))
