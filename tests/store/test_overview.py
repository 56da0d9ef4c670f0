"""Store.dataset_summaries, column_readings and previous_run_id against the runs kept
(SQLite and PostgreSQL)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from pipewarden.checks.findings import Finding, Severity
from pipewarden.store import Store
from pipewarden.store.records import Run
from store_helpers import T0, WARNING, frame, make_run, profile_of, save


def _finding(check: str, column: str, value: object, *, segment=None) -> Finding:
    return Finding(
        check, column, Severity.INFO, f"{check} {column}", value, 0.2, segment
    )


def test_summaries_are_the_newest_run_of_each_dataset(store: Store) -> None:
    rng = random.Random(3)
    prof = profile_of(frame(20))
    saved: list[Run] = []
    for _ in range(60):
        dataset = f"d{rng.randrange(5)}"
        findings = [WARNING] * rng.randrange(3) + [
            _finding("drift.psi", "amount", 0.1)
        ] * rng.randrange(2)
        at = T0 + timedelta(minutes=rng.randrange(40))  # ties on purpose
        saved.append(
            save(store, make_run(prof, *findings, dataset=dataset, started_at=at))
        )

    summaries = store.dataset_summaries()

    newest: dict[str, Run] = {}
    for run in saved:  # same start: the larger id is the newest (as list_runs orders)
        best = newest.get(run.dataset)
        if best is None or (run.started_at, run.id) > (best.started_at, best.id):
            newest[run.dataset] = run
    assert [s.name for s in summaries] == sorted(newest)
    for summary in summaries:
        run = newest[summary.name]
        assert summary.last_run == run.summary
        assert summary.runs == sum(r.dataset == summary.name for r in saved)
        counts = Counter(f.severity.value for f in run.result.findings)
        assert summary.findings == {s.value: counts.get(s.value, 0) for s in Severity}
        assert summary.last_run == store.list_runs(dataset=summary.name, limit=1)[0]


def test_an_empty_store_has_no_datasets(store: Store) -> None:
    assert store.dataset_summaries() == []


def test_column_readings_are_metric_points_and_unsegmented_finding_values(
    store: Store,
) -> None:
    prof = profile_of(frame(100, null_every=4))
    run = save(
        store,
        make_run(
            prof,
            _finding("drift.psi", "amount", 0.25),
            _finding("drift.psi", "grade", 0.5, segment={"site": "east"}),
            _finding("drift.js", "grade", "n/a"),
            _finding("nulls.rate", "amount", 0.3),
        ),
    )
    other = save(
        store, make_run(prof, _finding("drift.psi", "amount", 9.0), dataset="x")
    )

    got = store.column_readings([run.id])
    none = store.column_readings([run.id], metrics=(), finding_prefix=None)

    assert sorted((r.column, r.name, r.value) for r in got) == [
        ("amount", "drift.psi", 0.25),
        ("amount", "null_rate", 0.25),
        ("grade", "null_rate", 0.0),
        ("id", "null_rate", 0.0),
    ]
    assert {r.run_id for r in got} == {run.id} != {other.id}
    assert none == []


def test_previous_run_is_the_one_just_before(store: Store) -> None:
    prof = profile_of(frame(10))
    first = save(store, make_run(prof, started_at=T0))
    tied_a = save(store, make_run(prof, started_at=T0 + timedelta(hours=1)))
    tied_b = save(store, make_run(prof, started_at=T0 + timedelta(hours=1)))
    save(store, make_run(prof, dataset="other", started_at=T0 + timedelta(minutes=30)))
    low, high = sorted([tied_a, tied_b], key=lambda r: r.id)

    assert store.previous_run_id("orders", first.started_at, first.id) is None
    assert store.previous_run_id("orders", low.started_at, low.id) == first.id
    assert store.previous_run_id("orders", high.started_at, high.id) == low.id


def test_model_traffic_sums_the_batches_of_each_model(store: Store) -> None:
    import polars as pl

    from pipewarden.workflows.models import register_model
    from pipewarden.workflows.traffic import log_labels, log_predictions

    train = pl.DataFrame({"x": [float(i) for i in range(50)]}).with_columns(
        y=pl.col("x")
    )
    for name in ("a", "b"):
        register_model(
            name, "1", {"n": name}, training_data=train, label="y", store=store
        )
    batch = pl.DataFrame(
        {"id": [f"r{i}" for i in range(30)], "x": [1.0] * 30, "p": [2.0] * 30}
    )
    log_predictions("a", batch, id="id", prediction="p", store=store)
    log_predictions("a", batch.head(10), id="id", prediction="p", store=store)  # seen
    log_labels(
        "a", batch.select("id", y=pl.col("p")).head(12), id="id", label="y", store=store
    )

    traffic = {(t.name, t.version): t for t in store.model_traffic()}

    a, b = traffic[("a", "1")], traffic[("b", "1")]
    receipts = store.list_batches("a", "1")
    assert (a.predictions, a.labels, a.batches) == (30, 12, 3)
    assert a.predictions == sum(r.stored for r in receipts if r.kind == "predictions")
    assert a.last_logged_at == max(r.logged_at for r in receipts if r.logged_at)
    assert (b.predictions, b.labels, b.batches, b.last_batch) == (0, 0, 0, None)
    assert a.registered_at == store.get_model("a", "1").registered_at
