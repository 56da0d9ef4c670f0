"""SIGKILL at random moments during a prediction ingest, a label join, a window
computation and alert transitions, on SQLite and PostgreSQL: afterwards the store
opens, every write is whole or absent, and the next runs finish with every row
stored exactly once."""

from __future__ import annotations

from pathlib import Path

import _faults as faults


def test_sigkill_leaves_whole_writes(store_url: str, tmp_path: Path) -> None:
    result = faults.kill_faults(store_url, tmp_path, kills=2, rows=5_000)
    phases = result["phases"]
    assert sum(p["killed"] for p in phases.values()) >= 2  # kills did land mid-run
    for name in ("prediction ingest", "label join"):
        after = phases[name]["after"]
        assert after["batches_unfilled"] == 0, name  # each batch whole or absent
        assert after["predictions_rows"] == after["predictions_distinct"]
        assert after["predictions_rows"] % 5_000 == 0  # whole batches only
        assert after["labels_rows"] % 5_000 == 0
    for name in ("window computation", "alert transition"):
        after = phases[name]["after"]
        assert after["eventless"] == 0, name
        assert after["status_unexplained"] == 0, name
        assert after["doubled_open"] == 0, name
    assert set(result["rerun_exits"]) <= {0, 1}, result["rerun_exits"]
    assert not result["traceback"]
    final = result["final"]
    assert (
        final["predictions_rows"] == final["predictions_distinct"] == result["ids_sent"]
    )
    assert final["labels_rows"] == final["labels_distinct"] == result["ids_sent"]
    assert final["batches_unfilled"] == 0
    assert result["final_alerts"]["alerts"] >= 1
    assert result["final_alerts"]["doubled_open"] == 0
