"""A short version of the load benchmark (benchmarks/bench_load.py runs 60 s): 8 HTTP
clients for 5 s against ingest and reads, and 4 processes recording runs into one
store; nothing lost, no errors. No timing is asserted (the figures go to
benchmarks/)."""

from __future__ import annotations

from pathlib import Path

import _faults as faults


def test_http_load_loses_nothing(store_url: str, tmp_path: Path) -> None:
    result = faults.load_http(store_url, tmp_path, clients=8, seconds=5, batch_rows=50)
    assert result["errors"] == 0, result["error_kinds"]
    assert result["ingest_requests"] >= 8 and result["read_requests"] >= 8
    assert result["rows_acknowledged"] == 50 * result["ingest_requests"]
    assert result["rows_lost"] == 0 and result["rows_doubled"] == 0
    assert result["rows_stored"] == result["rows_acknowledged"]


def test_four_recorders_lose_no_run(store_url: str) -> None:
    result = faults.load_recorders(store_url, processes=4, runs=5)
    assert result["exits"] == [0, 0, 0, 0]
    assert result["runs_recorded"] == 20
    assert result["runs_lost"] == 0
