"""Nothing lost, nothing doubled: predictions and labels through the Python API, the
CLI and HTTP, with every batch retried and clients sending overlapping batches at
once (threads, processes, a real server), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import _faults as faults


def expected_ids(clients: int, batches: int, rows: int, overlap: int) -> int:
    """The distinct ids the plan sends, counted by brute force."""
    ids: set[int] = set()
    for client in range(clients):
        for span in faults.plan(client, batches, rows, overlap):
            ids.update(span)
    return len(ids)


def assert_exact(result: dict[str, object], ids: int) -> None:
    assert result["errors"] == []
    assert result["ids_sent"] == ids
    assert result["predictions_stored"] == ids
    assert result["predictions_lost"] == 0
    assert result["predictions_doubled"] == 0
    assert result["receipts_agree"] is True
    assert result["label_ids_sent"] >= 1
    assert result["labels_lost"] == 0
    assert result["labels_doubled"] == 0
    assert result["label_receipts_agree"] is True
    assert result["batches_half_written"] == 0


def test_python_api_threads_overlapping_and_retried(store_url: str) -> None:
    result = faults.exactly_once_api(store_url, clients=4, batches=3, rows=120)
    # the 4 clients' plans plus the one batch all four sent with the same key
    assert_exact(result, expected_ids(4, 3, 120, 30) + 120)
    assert result["retries"] == 4 * 3


def test_cli_processes_overlapping_and_retried(store_url: str, tmp_path: Path) -> None:
    result = faults.exactly_once_cli(
        store_url, tmp_path, clients=2, batches=1, rows=150
    )
    assert_exact(result, expected_ids(2, 1, 150, 50))
    assert result["retries"] == 2


def test_http_clients_overlapping_and_retried(store_url: str, tmp_path: Path) -> None:
    result = faults.exactly_once_http(
        store_url, tmp_path, clients=4, batches=2, rows=100
    )
    assert_exact(result, expected_ids(4, 2, 100, 25))
    assert result["retries"] == 4 * 2
