from __future__ import annotations

import math
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pipewarden.checks.findings import Finding, Severity
from pipewarden.errors import ConfigError, RecordNotFoundError, StoreError
from pipewarden.store.database import open_store
from pipewarden.store.records import InputFingerprint, MetricPoint, Run
from pipewarden.store.repository import Store
from pipewarden.store.tables import MetricRow
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
CONTRACT = contract_for(PROFILE)
INPUT = InputFingerprint("/data/orders.parquet", 1234, T0, "ab" * 32, "parquet-footer")


def record(
    store: Store,
    *findings: Finding,
    dataset: str = "orders",
    hours: int = 0,
    **kwargs: object,
) -> Run:
    options: dict[str, object] = {
        "profile": PROFILE,
        "contract": CONTRACT,
        "dataset": dataset,
        "environment": FP,
        "code": CODE,
        "started_at": T0 + timedelta(hours=hours),
        "finished_at": T0 + timedelta(hours=hours, seconds=3),
        "inputs": [INPUT],
    }
    options.update(kwargs)
    return store.record_run(result_for(PROFILE, *findings, dataset=dataset), **options)  # type: ignore[arg-type]


def rows_in(store: Store, table: str) -> int:
    with store._database.connect() as conn:
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
        "schema.missing_column",
        "nulls.rate",
    ]


def test_run_ids_sort_by_time_and_differ(store: Store) -> None:
    ids = [record(store, hours=h).id for h in (0, 0, 1)]

    assert len(set(ids)) == 3
    assert ids[0].startswith("r-20261102-060000000-")
    assert sorted(ids)[-1] == ids[2]


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


def test_a_run_needs_a_dataset_name(store: Store) -> None:
    with pytest.raises(ConfigError, match="A run needs a dataset name"):
        store.record_run(
            result_for(PROFILE, dataset=None),  # type: ignore[arg-type]
            profile=PROFILE,
            environment=FP,
            code=CODE,
        )


def test_dataset_defaults_to_the_result_and_is_set_on_it(store: Store) -> None:
    run = store.record_run(
        result_for(PROFILE, dataset="orders.csv"),
        profile=PROFILE,
        environment=FP,
        code=CODE,
    )

    assert run.dataset == "orders.csv" == run.result.dataset


def test_environment_and_code_are_captured_when_not_given(store: Store) -> None:
    run = store.record_run(result_for(PROFILE), profile=PROFILE)

    assert run.environment is not None and run.environment.packages
    assert store.get_run(run.id).environment == run.environment


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

    sa.event.listen(store._database, "before_cursor_execute", seen)
    try:
        record(store, hours=1)
    finally:
        sa.event.remove(store._database, "before_cursor_execute", seen)

    assert statements
    assert not [s for s in statements if "environments" in s or "contracts" in s]


def test_a_store_records_again_when_its_environment_and_contract_rows_are_gone(
    store: Store,
) -> None:
    record(store)
    with store._database.begin() as conn:  # as if an older copy of the file came back
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


def test_profiles_can_be_stored_compressed(store_url: str) -> None:
    with open_store(store_url, compression=6) as store:
        run = record(store)
        with store._database.connect() as conn:
            encoding = conn.execute(sa.text("SELECT encoding FROM profiles")).scalar()
        got = store.get_run(run.id).profile

    assert encoding == "json+bin+zlib"
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
        prof = profile_of(frame(n))
        store.record_run(
            result_for(prof),
            profile=prof,
            dataset="orders",
            environment=FP,
            code=CODE,
            started_at=T0 + timedelta(hours=hour),
            detect_history=False,
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


def test_store_is_a_context_manager_with_a_readable_repr(store_url: str) -> None:
    with open_store(store_url) as store:
        assert repr(store).startswith("Store('")
