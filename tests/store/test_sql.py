"""SqlStore: runs, metric history, environments and models kept and read back, whole."""

from __future__ import annotations

import inspect
import math
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pipewarden.checks.findings import Finding, Severity
from pipewarden.contracts.model import Contract
from pipewarden.errors import RecordNotFoundError, StoreError
from pipewarden.io.fingerprints import InputFingerprint
from pipewarden.monitor.history import HistoryPolicy
from pipewarden.monitor.metrics import MetricPoint, profile_metrics
from pipewarden.store import Store
from pipewarden.store.database import open_store
from pipewarden.store.records import Run
from pipewarden.store.sql import SqlStore
from pipewarden.store.tables import MetricRow
from store_helpers import (
    CODE,
    ERROR,
    T0,
    WARNING,
    contract_for,
    database_of,
    frame,
    make_fingerprint,
    make_run,
    profile_of,
    save,
)

FP = make_fingerprint()
PROFILE = profile_of(frame())
CONTRACT = contract_for(PROFILE)
INPUT = InputFingerprint("/data/orders.parquet", 1234, T0, "ab" * 32, "parquet-footer")


def record(
    store: Store,
    *findings: Finding,
    dataset: str = "orders",
    hours: int = 0,
    contract: Contract | None = CONTRACT,
    **fields: object,
) -> Run:
    """Save a run of PROFILE with every kind of provenance, ``hours`` after T0."""
    values: dict[str, object] = {
        "contract": contract,
        "contract_digest": None if contract is None else contract.digest,
        "environment": FP,
        "code": CODE,
        "inputs": (INPUT,),
    }
    values.update(fields)
    started = T0 + timedelta(hours=hours)
    run = make_run(PROFILE, *findings, dataset=dataset, started_at=started, **values)
    return save(store, run)


def rows_in(store: Store, table: str) -> int:
    with database_of(store).connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(sa.table(table))
            ).scalar_one()
        )


# ------------------------------------------------------------------ runs


def test_a_recorded_run_reads_back_whole(store: Store) -> None:
    run = record(store, WARNING, ERROR, reference="ref.parquet")

    got = store.get_run(run.id)

    assert got == run
    assert got.profile is not None and got.profile.to_dict() == PROFILE.to_dict()
    assert got.contract == CONTRACT and got.contract_digest == CONTRACT.digest
    assert got.environment == FP
    assert got.code == CODE
    assert got.inputs == (INPUT,)
    assert got.started_at == T0 and got.finished_at == T0 + timedelta(seconds=3)
    assert got.status == "fail"
    assert [f.check for f in got.result.findings] == [
        "nulls.rate",
        "schema.missing_column",
    ]


def test_a_run_without_profile_contract_or_provenance_reads_back(store: Store) -> None:
    run = make_run(PROFILE, profile=None, environment=None, code=None)

    store.save_run(run, [])

    assert store.get_run(run.id) == run
    assert rows_in(store, "environments") == 0


def test_list_runs_is_newest_first_with_summaries(store: Store) -> None:
    first = record(store, WARNING, hours=0)
    second = record(store, ERROR, hours=1, dataset="users")

    runs = store.list_runs()

    assert [r.id for r in runs] == [second.id, first.id]
    assert runs[1].to_dict() == {
        "id": first.id,
        "dataset": "orders",
        "status": "warn",
        "started_at": "2026-11-02T06:00:00+00:00",
        "finished_at": "2026-11-02T06:00:03+00:00",
        "rows": 100,
        "errors": 0,
        "warnings": 1,
        "contract_digest": CONTRACT.digest,
        "environment_digest": FP.digest,
        "code_commit": "a" * 40,
        "code_dirty": False,
    }
    assert [r.id for r in store.list_runs(dataset="users")] == [second.id]
    assert [r.id for r in store.list_runs(status="warn")] == [first.id]
    assert len(store.list_runs(limit=1)) == 1


def test_a_run_is_found_by_a_unique_prefix(store: Store) -> None:
    run = record(store)

    assert store.get_run(run.id[:-3]).id == run.id


def test_an_unknown_run_is_a_record_not_found_error(store: Store) -> None:
    record(store)

    with pytest.raises(RecordNotFoundError) as raised:
        store.get_run("r-1999")

    assert str(raised.value) == (
        f"No run matches 'r-1999' in the store {store.url}. "
        "List runs with: pipewarden runs list"
    )


def test_an_ambiguous_prefix_is_refused(store: Store) -> None:
    record(store)
    record(store)

    with pytest.raises(RecordNotFoundError, match="More than one run matches 'r-'"):
        store.get_run("r-")


def test_prefix_wildcards_are_taken_literally(store: Store) -> None:
    record(store)

    with pytest.raises(RecordNotFoundError):
        store.get_run("r-%")


def test_last_passing_run_skips_failed_runs(store: Store) -> None:
    passed = record(store, WARNING, hours=0)
    record(store, ERROR, hours=1)

    assert store.last_passing_run("orders").id == passed.id


def test_no_passing_run_says_how_to_record_one(store: Store) -> None:
    record(store, ERROR)

    with pytest.raises(RecordNotFoundError) as raised:
        store.last_passing_run("orders")

    assert str(raised.value) == (
        f"No passing run of dataset 'orders' in the store {store.url}. Record one "
        "with: pipewarden check CONTRACT DATA --dataset orders"
    )


def test_environments_and_contracts_are_stored_once_per_digest(store: Store) -> None:
    for hour in range(3):
        record(store, hours=hour)
    other = make_fingerprint({"numpy": "1.26.4"})
    record(
        store,
        hours=4,
        environment=other,
        contract=CONTRACT.model_copy(update={"name": "v2"}),
    )

    assert rows_in(store, "environments") == 2
    assert rows_in(store, "contracts") == 2
    assert store.get_environment(other.digest) == other


def test_known_environments_and_contracts_are_not_looked_up_again(
    store: Store,
) -> None:
    record(store)
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    database = database_of(store)
    sa.event.listen(database, "before_cursor_execute", seen)
    try:
        record(store, hours=1)
    finally:
        sa.event.remove(database, "before_cursor_execute", seen)

    assert statements
    assert not [s for s in statements if "environments" in s or "contracts" in s]


def test_a_store_records_again_when_its_environment_and_contract_rows_are_gone(
    store: Store,
) -> None:
    record(store)
    with database_of(
        store
    ).begin() as conn:  # as if an older copy of the file came back
        for table in ("metrics", "profiles", "findings", "inputs", "runs"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
        conn.execute(sa.text("DELETE FROM environments"))
        conn.execute(sa.text("DELETE FROM contracts"))

    run = record(store, hours=1)

    assert store.get_run(run.id).environment == FP
    assert rows_in(store, "environments") == 1 and rows_in(store, "contracts") == 1


def test_an_unknown_environment_is_a_record_not_found_error(store: Store) -> None:
    with pytest.raises(RecordNotFoundError, match="No environment 0123456789ab"):
        store.get_environment("0123456789abcdef")


def test_non_finite_finding_values_are_stored_as_null(store: Store) -> None:
    odd = Finding(
        check="drift.psi",
        column="amount",
        severity=Severity.INFO,
        message="m",
        value=math.inf,
        threshold={"x": math.nan},
    )

    run = record(store, odd)

    stored = store.get_run(run.id).result.findings[0]
    assert (stored.value, stored.threshold) == (None, {"x": None})


def test_a_finding_keeps_its_evidence_and_one_without_has_none(store: Store) -> None:
    # The cause and its figures, as checks.diagnosed writes them (issue #17).
    diagnosed = Finding(
        check="range.min",
        column="temperature",
        severity=Severity.ERROR,
        message="likely °F→°C: 412 values (11%) lie below the minimum 12.0",
        value=412,
        evidence={
            "cause": "unit",
            "conversion": {"name": "°F→°C", "explained": 0.99},
            "onset": "2024-03-01T00:00:00",
            "examples": [-3.5, 2.0, "n/a"],
        },
    )

    run = record(store, diagnosed, WARNING)

    got = store.get_run(run.id).result.findings
    assert got[0].evidence == diagnosed.evidence
    assert got[0].cause == "unit"
    assert got[1].evidence is None


def test_profiles_can_be_stored_compressed(store_url: str) -> None:
    with open_store(store_url, compression=6) as store:
        run = record(store)
        with database_of(store).connect() as conn:
            encoding = conn.execute(sa.text("SELECT encoding FROM profiles")).scalar()
        got = store.get_run(run.id).profile

    assert encoding == "msgpack+zlib"
    assert got is not None and got.to_dict() == PROFILE.to_dict()


# ------------------------------------------------------------------ metrics


def test_every_run_writes_its_metrics(store: Store) -> None:
    run = record(store)

    assert rows_in(store, "metrics") == 2 + 2 * 3 + 6 * 2  # dataset, grade, id/amount
    series = store.metric_history("orders", "null_rate", column="amount")
    assert [(p.value, p.run_id, p.recorded_at) for p in series.points] == [
        (0.0, run.id, T0)
    ]
    assert (series.column, series.metric) == ("amount", "null_rate")


def test_metric_history_is_oldest_first_and_can_be_limited(store: Store) -> None:
    for hour, n in enumerate((100, 120, 90)):
        save(
            store, make_run(profile_of(frame(n)), started_at=T0 + timedelta(hours=hour))
        )

    history = store.metric_history("orders", "row_count")

    assert history.values == (100.0, 120.0, 90.0)
    assert history.times == tuple(T0 + timedelta(hours=h) for h in range(3))
    assert history.column is None and len(history.run_ids) == 3
    assert history.to_dict()["times"][0] == "2026-11-02T06:00:00+00:00"
    assert store.metric_history("orders", "row_count", limit=2).values == (120.0, 90.0)
    since = T0 + timedelta(hours=1)
    assert len(store.metric_history("orders", "row_count", since=since)) == 2
    assert len(store.metric_history("other", "row_count")) == 0


def daily_runs(store: Store, days: range) -> None:
    """One run a day from T0 (a Monday), of 100 + day rows."""
    for day in days:
        prof = profile_of(frame(100 + day))
        save(store, make_run(prof, started_at=T0 + timedelta(days=day)))


def row_counts(store: Store, at_day: int, **options: int) -> list[float]:
    table = store.recent_metrics("orders", T0 + timedelta(days=at_day), **options)
    return [value for _, value in table[(None, "row_count")]]


def test_recent_metrics_are_the_newest_runs_and_the_same_weekday_before(
    store: Store,
) -> None:
    daily_runs(store, range(30))

    # Day 30 is a Wednesday, like days 23, 16, 9 and 2.
    got = row_counts(store, 30, runs=5, same_weekday=3)

    assert got == [109, 116, 123, 125, 126, 127, 128, 129]
    assert row_counts(store, 30, runs=5, same_weekday=3, lookback=6) == [
        125,
        126,
        127,
        128,
        129,
    ]
    assert row_counts(store, 3) == [100, 101, 102]  # only runs before the moment


def test_recent_metrics_hold_every_metric_of_a_run(store: Store) -> None:
    run = record(store)

    table = store.recent_metrics("orders", T0 + timedelta(days=1))

    points = profile_metrics(PROFILE, dataset="orders", recorded_at=T0, run_id=run.id)
    assert set(table) == {(p.column, p.metric) for p in points}
    assert table.times == [T0]


def test_recent_metrics_defaults_are_those_of_the_history_policy() -> None:
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(
            Store.recent_metrics
        ).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY
    }
    policy = HistoryPolicy()

    assert defaults == {
        "runs": policy.window,
        "same_weekday": policy.seasonal_points,
        "lookback": policy.lookback_runs,
    }
    assert inspect.signature(SqlStore.recent_metrics) == inspect.signature(
        Store.recent_metrics
    )


def test_a_store_sees_runs_that_another_store_recorded(store_url: str) -> None:
    with open_store(store_url) as first, open_store(store_url) as second:
        daily_runs(first, range(3))
        assert row_counts(first, 3) == [100, 101, 102]  # now kept by the first
        daily_runs(second, range(3, 4))

        assert row_counts(first, 5) == [100, 101, 102, 103]


# ------------------------------------------------------------------ transactions


def test_a_run_that_fails_to_write_leaves_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = MetricRow.values_of

    def broken(point: MetricPoint) -> dict[str, object]:
        return {**real(point), "value": None}  # NOT NULL: the last insert fails

    monkeypatch.setattr(MetricRow, "values_of", staticmethod(broken))

    with pytest.raises(StoreError):
        record(store)

    assert store.count_runs() == 0
    assert {
        rows_in(store, t)
        for t in (
            "profiles",
            "findings",
            "inputs",
            "metrics",
            "environments",
            "contracts",
        )
    } == {0}


def test_several_runs_are_kept_all_or_none(store: Store) -> None:
    kept = record(store)
    new = make_run(PROFILE, started_at=T0 + timedelta(hours=1))
    clash = make_run(PROFILE, id=kept.id)  # the same id: refused

    with pytest.raises(StoreError, match="refused a write"):
        store.save_runs([(new, []), (clash, [])])
    store.save_runs([(new, []), (make_run(PROFILE), [])])

    assert store.count_runs() == 3


def test_store_is_a_context_manager_with_a_readable_repr(store_url: str) -> None:
    with open_store(store_url) as store:
        assert isinstance(store, SqlStore)
        assert repr(store) == f"SqlStore({store.url!r})"
