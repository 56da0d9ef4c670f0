"""log_predictions / log_labels: nothing silently dropped or doubled, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipewarden.errors import RecordNotFoundError, SourceError
from pipewarden.store import Store
from pipewarden.workflows import traffic
from pipewarden.workflows.models import register_model
from pipewarden.workflows.monitoring import monitor_model
from pipewarden.workflows.traffic import log_labels, log_predictions
from store_helpers import make_fingerprint

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _register(store: Store, task: str = "regression") -> None:
    rng = np.random.default_rng(0)
    train = pl.DataFrame({"x": rng.normal(size=300), "g": ["a", "b", "c"] * 100})
    train = train.with_columns(
        y=(pl.col("x") * 2)
        if task == "regression"
        else (pl.col("x") > 0).cast(pl.Int64)
    )
    register_model(
        "m",
        "1",
        {"w": 1},
        training_data=train,
        label="y",
        environment=make_fingerprint(),
        store=store,
    )


def _batch(n: int, start: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(start)
    return pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(start, start + n)],
            "ts": [T0 + timedelta(hours=i) for i in range(start, start + n)],
            "x": rng.normal(size=n),
            "g": ["a", "b"] * (n // 2),
            "pred": rng.normal(size=n),
        }
    )


def test_a_batch_logged_twice_stores_nothing_twice(store: Store) -> None:
    _register(store)
    batch = _batch(100)

    first = log_predictions(
        "m", batch, id="id", prediction="pred", time="ts", store=store
    )
    again = log_predictions(
        "m", batch, id="id", prediction="pred", time="ts", store=store
    )

    assert (first.stored, first.already_logged) == (100, False)
    assert (again.stored, again.already_logged) == (100, True)
    assert store.load_predictions("m", "1").height == 100  # type: ignore[union-attr]


def test_ids_repeated_in_a_batch_or_logged_before_are_counted_not_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(traffic, "PROFILE_FROM_ROWS", 1)  # profile these small batches
    _register(store)
    log_predictions(
        "m", _batch(100), id="id", prediction="pred", time="ts", store=store
    )
    overlap = pl.concat([_batch(100, start=50), _batch(10, start=140)])

    receipt = log_predictions(
        "m", overlap, id="id", prediction="pred", time="ts", store=store
    )

    assert receipt.rows == 110
    assert receipt.counts["duplicate_in_batch"] == 10
    assert receipt.counts["already_logged_ids"] == 50
    assert receipt.stored == 50
    rows = store.load_predictions("m", "1")
    assert rows is not None and rows.height == 150
    assert rows["__pw_id"].n_unique() == 150
    spans = store.load_input_profiles("m", "1")
    assert sum(s.rows for s in spans) == sum(s.profile.rows for s in spans) == 150


def test_labels_report_new_relabelled_unchanged_and_unknown(store: Store) -> None:
    _register(store)
    log_predictions(
        "m", _batch(100), id="id", prediction="pred", time="ts", store=store
    )
    first = pl.DataFrame({"id": [f"r{i}" for i in range(60)], "y": [1.0] * 60})
    second = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(50, 70)] + ["nope", "r69"],
            "y": [1.0] * 5 + [2.0] * 15 + [3.0, 9.0],
        }
    )

    a = log_labels("m", first, id="id", label="y", store=store)
    b = log_labels("m", second, id="id", label="y", store=store)
    c = log_labels("m", second, id="id", label="y", store=store)

    assert (a.stored, a.counts["new"]) == (60, 60)
    assert b.counts == {
        "duplicate_in_batch": 1,  # r69 twice: the last one (9.0) kept
        "no_id_or_label": 0,
        "new": 11,  # r60..r69 and 'nope'
        "relabelled": 5,  # r55..r59: 1.0 -> 2.0
        "unchanged": 5,  # r50..r54
        "unknown_ids": 1,
    }
    assert (b.rows, b.stored) == (22, 16)
    assert c.already_logged
    labels = store.load_labels("m", "1")
    assert labels.height == 71
    got = dict(zip(labels["row_id"], labels["label"], strict=True))
    assert (got["r54"], got["r55"], got["r69"], got["nope"]) == (1.0, 2.0, 9.0, 3.0)


def test_class_labels_match_predictions_whatever_their_type(store: Store) -> None:
    _register(store, task="classification")
    batch = _batch(20).with_columns(pred=pl.Series([1, 0] * 10))
    log_predictions("m", batch, id="id", prediction="pred", time="ts", store=store)
    log_labels(
        "m",
        pl.DataFrame({"id": batch["id"], "y": [1.0, 0.0] * 10}),
        id="id",
        label="y",
        store=store,
    )

    rows = store.load_predictions("m", "1")
    labels = store.load_labels("m", "1")
    assert rows is not None
    assert set(rows["__pw_class"]) == set(labels["label_class"]) == {"0", "1"}


def test_a_missing_column_or_model_is_a_one_line_error(store: Store) -> None:
    _register(store)
    with pytest.raises(SourceError, match="no column 'score'"):
        log_predictions("m", _batch(4), id="id", prediction="score", store=store)
    with pytest.raises(RecordNotFoundError, match="No model 'other'"):
        log_predictions("other", _batch(4), id="id", prediction="pred", store=store)


@pytest.mark.parametrize("awkward", [False, True], ids=["plain", "infinite"])
def test_the_predictions_table_holds_every_row_exactly(
    store_url: str, awkward: bool
) -> None:
    """The rows in SQL equal the batch bit for bit: SQLite's bulk path (one
    statement over the rows as JSON) and its fallback for what JSON cannot carry."""
    import sqlalchemy as sa

    from pipewarden.store import open_store

    rng = np.random.default_rng(5)
    n = 2_000
    values = np.concatenate(
        [
            rng.normal(size=n // 4),
            rng.lognormal(0, 30, size=n // 4),  # 1e-30 .. 1e30
            rng.uniform(0, 1, size=n // 4),  # probabilities
            rng.normal(size=n // 4) * 1e300,
        ]
    )
    values[:3] = [-0.0, 5e-324, np.nan]
    ids = [f"r{i}-é'\"\\" for i in range(n)]
    if awkward:  # JSON has no infinity: SQLite's rows go in one by one instead
        values[3:5] = [np.inf, -np.inf]
    batch = pl.DataFrame(
        {
            "id": ids,
            "ts": [T0 + timedelta(seconds=7 * i) for i in range(n)],
            "x": rng.normal(size=n),
            "pred": values,
        }
    )
    with open_store(store_url) as store:
        _register(store)
        log_predictions("m", batch, id="id", prediction="pred", time="ts", store=store)
    database = sa.create_engine(store_url)
    try:
        with database.connect() as conn:
            found = conn.execute(
                sa.text("SELECT row_id, time_us, prediction FROM predictions")
            ).all()
    finally:
        database.dispose()
    got = {row_id: (time_us, prediction) for row_id, time_us, prediction in found}
    assert len(got) == n
    for i, (row_id, value) in enumerate(zip(ids, values, strict=True)):
        time_us, stored = got[row_id]
        assert time_us == int((T0 + timedelta(seconds=7 * i)).timestamp() * 1e6)
        if np.isnan(value):
            assert stored is None or np.isnan(stored)  # SQLite keeps NaN as NULL
        else:  # (SQLite keeps -0.0 as 0: equal, sign aside)
            assert stored == value


def test_ids_and_classes_with_nul_are_refused_in_every_store(store: Store) -> None:
    _register(store, task="classification")
    batch = _batch(6).with_columns(pred=pl.Series([1, 0] * 3))
    bad_id = batch.with_columns(id=pl.Series([f"r{i}" for i in range(5)] + ["x\x00y"]))
    with pytest.raises(SourceError, match=r"Column 'id' has a value with a NUL.*row 6"):
        log_predictions("m", bad_id, id="id", prediction="pred", time="ts", store=store)
    bad_class = batch.with_columns(pred=pl.Series(["a", "b\x00", "a"] * 2))
    with pytest.raises(SourceError, match="Column 'pred' has a value with a NUL"):
        log_predictions(
            "m", bad_class, id="id", prediction="pred", time="ts", store=store
        )
    labels = pl.DataFrame({"id": ["r0", "r\x001"], "y": [1, 0]})
    with pytest.raises(SourceError, match="Column 'id' has a value with a NUL"):
        log_labels("m", labels, id="id", label="y", store=store)
    assert store.load_predictions("m", "1") is None  # type: ignore[union-attr]


def test_small_batches_keep_no_profile_and_their_windows_profile_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below PROFILE_FROM_ROWS a batch stores no input profile; its windows then
    profile the stored input rows, with the same drift as from stored profiles."""
    from pipewarden.store import open_store

    reports = []
    for threshold in (10**9, 1):
        monkeypatch.setattr(traffic, "PROFILE_FROM_ROWS", threshold)
        with open_store(f"sqlite:///{tmp_path / f'{threshold}.db'}") as store:
            _register(store)
            for start in (0, 300, 600):
                batch = _batch(300, start).with_columns(x=pl.col("x") + start / 300)
                log_predictions(
                    "m", batch, id="id", prediction="pred", time="ts", store=store
                )
            spans = store.load_input_profiles("m", "1")
            assert (len(spans) > 0) == (threshold == 1)
            reports.append(
                monitor_model("m", window="week", store=store, sync=False).to_dict()
            )
    without, with_profiles = reports
    drift = [[w["drift"] for w in r["windows"]] for r in reports]
    assert drift[0] == drift[1]
    assert any("x" in d["drifted_columns"] for d in drift[0] if d)  # shifted weeks
    assert without["windows"] == with_profiles["windows"]


def test_labels_read_from_batches_equal_the_labels_table(store_url: str) -> None:
    """The current labels come from the label batches (newest wins); they equal
    the ``labels`` table after relabels, repeats and unknown ids, and a store whose
    label batches have no blob (written before them) reads the table."""
    import sqlalchemy as sa

    from pipewarden.store import open_store

    rng = np.random.default_rng(11)
    with open_store(store_url) as store:
        _register(store)
        log_predictions(
            "m", _batch(300), id="id", prediction="pred", time="ts", store=store
        )
        for _ in range(5):  # overlapping batches: new, relabelled, unchanged, unknown
            ids = [f"r{i}" for i in rng.choice(320, size=120, replace=False)]
            values = rng.integers(0, 3, size=120).astype(float)
            log_labels(
                "m",
                pl.DataFrame({"id": ids, "y": values}),
                id="id",
                label="y",
                store=store,
            )
        from_batches = store.load_labels("m", "1").sort("row_id")
        only = store.load_labels("m", "1", column="label").sort("row_id")
    database = sa.create_engine(store_url)
    try:
        with database.begin() as conn:
            table = pl.DataFrame(
                conn.execute(
                    sa.text("SELECT row_id, label, label_class FROM labels")
                ).all(),
                schema=from_batches.schema,
                orient="row",
            ).sort("row_id")
            conn.execute(
                sa.text(
                    "UPDATE monitor_batches SET rows_blob = NULL "
                    "WHERE kind = 'labels' AND id = (SELECT max(id) "
                    "FROM monitor_batches WHERE kind = 'labels')"
                )
            )
    finally:
        database.dispose()
    assert from_batches.height == table.height > 120
    assert from_batches.equals(table)
    assert only.equals(table.select("row_id", "label"))
    with open_store(store_url) as store:  # one batch without its blob: the table
        assert store.load_labels("m", "1").sort("row_id").equals(table)
