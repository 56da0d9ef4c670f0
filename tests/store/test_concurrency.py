"""Several processes recording at once lose nothing; a killed one leaves no half run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipewarden.monitor.metrics import profile_metrics
from pipewarden.store import Store, open_store
from pipewarden.workflows.record import record_run
from store_helpers import T0, database_of, frame, profile_of

SCRIPT = Path(__file__).with_name("recorder_process.py")
PYTHONPATH = [
    str(SCRIPT.parents[1]),
    *os.environ.get("PYTHONPATH", "").split(os.pathsep),
]
"""The recorder imports ``store_helpers`` from tests/, and pipewarden as this test does."""
RUNS_PER_PROCESS = 500
POINTS_PER_RUN = len(
    profile_metrics(profile_of(frame(50, null_every=7)), dataset="d", recorded_at=T0)
)


def start(url: str, dataset: str, count: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), url, dataset, str(count), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(PYTHONPATH)},
    )


def finish(process: subprocess.Popen[str], timeout: float = 300) -> list[str]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return [line.split()[1] for line in out.splitlines() if line.startswith("recorded")]


def counts(store: Store) -> dict[str, int]:
    with database_of(store).connect() as conn:
        return {
            table: int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(sa.table(table))
                ).scalar_one()
            )
            for table in ("runs", "profiles", "findings", "metrics", "environments")
        }


def assert_intact(store: Store, run_ids: list[str]) -> None:
    """Every run has its profile, its finding and all its metric points."""
    with database_of(store).connect() as conn:
        per_run: dict[str, int] = dict(
            conn.execute(
                sa.text("SELECT run_id, COUNT(*) FROM metrics GROUP BY run_id")
            ).all()
        )
        profiles = {r for (r,) in conn.execute(sa.text("SELECT run_id FROM profiles"))}
        findings: dict[str, int] = dict(
            conn.execute(
                sa.text("SELECT run_id, COUNT(*) FROM findings GROUP BY run_id")
            ).all()
        )
    for run_id in run_ids:
        assert per_run[run_id] == POINTS_PER_RUN
        assert run_id in profiles
        assert findings[run_id] >= 1
    assert set(per_run) == set(run_ids) == profiles == set(findings)


@pytest.mark.slow  # 15-50 s, depending on how busy the machine is
def test_two_processes_recording_at_once_lose_nothing(store_url: str) -> None:
    # The store does not exist yet: both processes also race to create it.
    started = time.perf_counter()
    processes = [start(store_url, f"ds-{n}", RUNS_PER_PROCESS) for n in range(2)]
    ids = [finish(p) for p in processes]
    elapsed = time.perf_counter() - started

    assert [len(i) for i in ids] == [RUNS_PER_PROCESS, RUNS_PER_PROCESS]
    with open_store(store_url) as store:
        total = 2 * RUNS_PER_PROCESS
        assert counts(store) == {
            "runs": total,
            "profiles": total,
            "findings": total,
            "metrics": total * POINTS_PER_RUN,
            "environments": 1,
        }
        assert_intact(store, ids[0] + ids[1])
        for n in range(2):
            listed = store.list_runs(dataset=f"ds-{n}", limit=None)
            assert sorted(r.id for r in listed) == sorted(ids[n])
        sample = store.get_run(ids[1][-1])
        assert sample.profile is not None and sample.profile.rows == 50
    print(f"{total} runs from 2 processes in {elapsed:.1f} s")


def test_a_process_killed_inside_its_transaction_leaves_no_trace(
    store_url: str,
) -> None:
    process = start(store_url, "orders", 10, "--pause-in-transaction", "3")
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.split())
        if line.startswith("paused"):
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    committed = [run_id for word, run_id in lines if word == "recorded"]
    assert len(committed) == 3 and lines[-1][0] == "paused"
    with open_store(store_url) as store:
        assert [r.id for r in store.list_runs(limit=None)][::-1] == committed
        assert_intact(store, committed)
        assert store.count_runs() == 3
        if store_url.startswith("sqlite"):
            with database_of(store).connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        record_run(
            store,
            store.get_run(committed[0]).result,
            profile=profile_of(frame(5)),
            environ={},
            dataset="orders",
        )
        assert store.count_runs() == 4


def test_a_process_killed_at_any_moment_leaves_whole_runs(store_url: str) -> None:
    after = 4
    process = start(store_url, "orders", 1000)
    assert process.stdout is not None
    committed: list[str] = []
    for line in process.stdout:
        committed.append(line.split()[1])
        if len(committed) == after:
            time.sleep(0.013)  # somewhere inside a later run
            break
    process.send_signal(signal.SIGKILL)
    rest, _ = process.communicate(timeout=30)
    committed += [
        line.split()[1] for line in rest.splitlines() if line.startswith("recorded")
    ]

    with open_store(store_url) as store:
        present = [r.id for r in store.list_runs(limit=None)]
        assert set(committed) <= set(present) and len(present) <= len(committed) + 1
        assert_intact(store, present)
