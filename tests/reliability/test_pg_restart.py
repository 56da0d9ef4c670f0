"""PostgreSQL restarted (fast shutdown: connections terminated) while a client logs
batches: the client retries with backoff and reports it; nothing lost or doubled.
A separate throwaway cluster on its own port, so other tests are not disturbed."""

from __future__ import annotations

from pathlib import Path

import _faults as faults
import pytest


@pytest.mark.postgres
def test_ingest_survives_postgres_restarts(tmp_path: Path) -> None:
    reason = faults.pg_cluster_possible()
    if reason is not None:
        pytest.skip(reason)
    result = faults.pg_restart_during_ingest(
        tmp_path, batches=24, rows=2_000, restarts=2
    )
    assert result["client_exit"] == 0, result["client_stderr"]
    assert result["restarts"] == 2
    assert result["batches"] == 24
    assert result["retries_reported"] >= 1, result
    assert "Retrying" in result["retry_example"]
    assert result["lost"] == 0 and result["doubled"] == 0
    assert result["stored"] == result["ids_sent"] == 24 * 2_000
    assert result["batches_half_written"] == 0
