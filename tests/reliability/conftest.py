"""The reliability tests call the harness in benchmarks/_faults.py, the same
functions ``benchmarks/reliability.py`` runs for the figures in RELIABILITY.md."""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))
