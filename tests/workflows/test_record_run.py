"""record_run: a check becomes a stored run, with history findings and provenance.

(Named test_record_run.py, not test_record.py: tests/conform/test_record.py has
that name, and test modules are imported by their file name.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import pipewarden as pw
from pipewarden.checks.findings import CheckResult, Severity
from pipewarden.errors import ConfigError
from pipewarden.monitor.history import HistoryPolicy, SeriesTable
from pipewarden.monitor.metrics import MetricPoint
from pipewarden.store import Run, Store
from pipewarden.store.database import open_store
from pipewarden.workflows.record import record_run
from store_helpers import (
    CODE,
    ERROR,
    T0,
    WARNING,
    contract_for,
    frame,
    make_fingerprint,
    profile_of,
    result_for,
)

FP = make_fingerprint()
PROFILE = profile_of(frame())


def record_day(
    store: Store,
    day: int,
    *,
    n: int = 100,
    null_every: int = 0,
    history: HistoryPolicy | None = None,
) -> list[str]:
    """Record a day's run of the orders; returns its findings as check:column."""
    prof = profile_of(frame(n, null_every=null_every))
    run = record_run(
        store,
        result_for(prof),
        profile=prof,
        environ={},
        dataset="orders",
        environment=FP,
        code=CODE,
        started_at=T0 + timedelta(days=day),
        history=history,
    )
    return [f"{f.check}:{f.column or ''}" for f in run.result.findings]


# ------------------------------------------------------------------ the run


def test_a_recorded_run_is_the_stored_run(store: Store) -> None:
    contract = contract_for(PROFILE)

    run = record_run(
        store,
        result_for(PROFILE, WARNING, ERROR),
        profile=PROFILE,
        environ={},
        contract=contract,
        environment=FP,
        code=CODE,
        started_at=T0,
        finished_at=T0 + timedelta(seconds=3),
        reference="ref.parquet",
    )

    assert store.get_run(run.id) == run
    assert run.contract_digest == contract.digest and run.reference == "ref.parquet"
    assert [f.severity for f in run.result.findings] == [
        Severity.ERROR,
        Severity.WARNING,
    ]


def test_run_ids_sort_by_time_and_differ(store: Store) -> None:
    ids = [
        record_run(
            store,
            result_for(PROFILE),
            profile=PROFILE,
            environ={},
            environment=FP,
            code=CODE,
            started_at=T0 + timedelta(hours=h),
        ).id
        for h in (0, 0, 1)
    ]

    assert len(set(ids)) == 3
    assert ids[0].startswith("r-20261102-060000000-")
    assert sorted(ids)[-1] == ids[2]


def test_a_run_needs_a_dataset_name(store: Store) -> None:
    with pytest.raises(ConfigError, match="A run needs a dataset name"):
        record_run(
            store,
            result_for(PROFILE, dataset=None),  # type: ignore[arg-type]
            profile=PROFILE,
            environ={},
            environment=FP,
            code=CODE,
        )

    assert store.count_runs() == 0


def test_dataset_defaults_to_the_result_and_is_set_on_it(store: Store) -> None:
    run = record_run(
        store,
        result_for(PROFILE, dataset="orders.csv"),
        profile=PROFILE,
        environ={},
        environment=FP,
        code=CODE,
    )

    assert run.dataset == "orders.csv" == run.result.dataset


def test_the_environment_is_captured_from_the_given_variables(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONHASHSEED", "from-os-environ")

    run = record_run(
        store,
        result_for(PROFILE),
        profile=PROFILE,
        environ={"PYTHONHASHSEED": "0", "SECRET_TOKEN": "x"},
        code=CODE,
    )

    assert run.environment is not None and run.environment.packages
    assert run.environment.env == (("PYTHONHASHSEED", "0"),)
    assert store.get_run(run.id).environment == run.environment


def test_the_code_version_is_read_from_code_path(store: Store, tmp_path: Path) -> None:
    run = record_run(
        store,
        result_for(PROFILE),
        profile=PROFILE,
        environ={},
        environment=FP,
        code_path=tmp_path,  # not a git repository
    )

    assert run.code is None


def test_record_run_is_public() -> None:
    assert pw.record_run is record_run


# ------------------------------------------------------------------ history


def test_recording_adds_history_findings_from_earlier_runs(store: Store) -> None:
    for day in range(6):
        assert record_day(store, day) == []

    checks = record_day(store, 6, null_every=4)

    assert "history.null_rate:amount" in checks
    [run] = store.list_runs(limit=1)
    assert run.status == "warn" and run.warnings == len(checks)
    stored = store.get_run(run.id).result.findings
    assert [f"{f.check}:{f.column or ''}" for f in stored] == checks


def test_a_drop_in_rows_is_a_history_row_count_finding(store: Store) -> None:
    record_day(store, 0, n=1000)

    assert "history.row_count:" in record_day(store, 1, n=300)


def test_history_ignores_other_datasets_and_can_be_turned_off(store: Store) -> None:
    record_day(store, 0, n=1000)
    prof = profile_of(frame(10))

    other = record_run(
        store,
        result_for(prof, dataset="users"),
        profile=prof,
        environ={},
        environment=FP,
        code=CODE,
        started_at=T0 + timedelta(days=1),
    )
    quiet = record_run(
        store,
        result_for(prof),
        profile=prof,
        environ={},
        dataset="orders",
        environment=FP,
        code=CODE,
        started_at=T0 + timedelta(days=2),
        detect_history=False,
    )

    assert other.result.findings == () and quiet.result.findings == ()


@pytest.mark.parametrize(("window", "flagged"), [(3, True), (6, False)])
def test_the_window_comes_from_the_policy(
    store: Store, window: int, flagged: bool
) -> None:
    policy = HistoryPolicy(window=window, min_window_points=2)
    for day in range(6):
        record_day(store, day, n=500 if day < 3 else 100, history=policy)

    checks = record_day(store, 6, n=500, history=policy)

    assert ("history.row_count:" in checks) is flagged


def test_a_policy_window_wider_than_the_default_reads_more_runs(store: Store) -> None:
    for day in range(30):  # ten days of 1,000 rows, then twenty of 100
        record_day(store, day, n=1000 if day < 10 else 100)
    wide = HistoryPolicy(window=30, seasonal_min_points=99)
    narrow = HistoryPolicy(window=20, seasonal_min_points=99)

    assert "history.row_count:" not in record_day(store, 30, n=1000, history=wide)
    assert "history.row_count:" in record_day(store, 31, n=1000, history=narrow)


def test_a_store_sees_runs_that_another_store_recorded(store_url: str) -> None:
    with open_store(store_url) as first, open_store(store_url) as second:
        for day in range(3):
            record_day(first, day, n=100)
        record_day(second, 3, n=1000)

        checks = record_day(first, 4, n=1000)  # its own cache lacks day 3

    assert "history.row_count:" not in checks  # compared with day 3, not day 2


class _Remembering:
    """A Store double: keeps saved runs in memory and serves no history."""

    url = "memory://"

    def __init__(self) -> None:
        self.saved: list[tuple[Run, Sequence[MetricPoint]]] = []
        self.asked: list[tuple[str, datetime, dict[str, int]]] = []

    def save_run(self, run: Run, points: Sequence[MetricPoint]) -> None:
        self.saved.append((run, points))

    def recent_metrics(self, dataset: str, at: datetime, **options: int) -> SeriesTable:
        self.asked.append((dataset, at, options))
        return SeriesTable([], [], [])


def test_record_run_needs_only_save_run_and_recent_metrics() -> None:
    store = _Remembering()
    policy = HistoryPolicy(window=7, seasonal_points=4, lookback_runs=50)

    run = record_run(
        store,  # type: ignore[arg-type]  # a partial Store is enough here
        CheckResult(rows=PROFILE.rows, dataset="orders"),
        profile=PROFILE,
        environ={},
        environment=FP,
        code=CODE,
        started_at=T0,
        history=policy,
    )

    [(saved, points)] = store.saved
    assert saved is run
    assert {p.run_id for p in points} == {run.id} and len(points) == 20
    assert store.asked == [
        ("orders", T0, {"runs": 7, "same_weekday": 4, "lookback": 50})
    ]
