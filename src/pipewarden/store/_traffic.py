"""A monitored model's traffic in SQL: logged batches, predictions, labels, profiles.

``SqlStore`` delegates its prediction and label methods here. Bulk rows go in with
one ``executemany`` on SQLite and ``COPY`` into a temporary table on PostgreSQL;
what is new, repeated or changed is decided by set operations in the database, in
the batch's one transaction, never row by row in Python.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy import Engine as Database
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pipewarden._polars import parquet_bytes
from pipewarden.errors import RecordNotFoundError, StoreError
from pipewarden.store._errors import translated
from pipewarden.store.monitoring_records import (
    LABEL_COLUMNS,
    PREDICTION_COLUMNS,
    BatchReceipt,
    LabelBatch,
    PredictionBatch,
    Rebuild,
    SpanProfiles,
    StoredProfile,
)
from pipewarden.store.monitoring_tables import MonitorBatchRow, PredictionProfileRow
from pipewarden.store.tables import ModelRow, encode_profile

__all__ = ["Traffic"]

PREDICTIONS = "predictions"
LABELS = "labels"
_LABELS_LOCK = 73_610
"""pg_advisory_xact_lock(class, model id) of a model's label batches."""


class Traffic:
    """The prediction and label methods of a SqlStore."""

    def __init__(
        self, database: Database, writer: Database, *, url: str, compression: int
    ) -> None:
        self._database = database
        self._writer = writer
        self._url = url
        self._compression = compression

    # ------------------------------------------------------------------ writes
    def save_predictions(
        self, name: str, version: str, batch: PredictionBatch, rebuild: Rebuild
    ) -> BatchReceipt:
        rows = batch.rows
        with translated(self._url), self._writer.begin() as conn:
            model_id = _model_id(conn, name, version, self._url)
            earlier = _earlier(conn, model_id, PREDICTIONS, batch.batch_key)
            if earlier is not None:
                return earlier
            times = rows["time_us"]
            batch_id = _claim_batch(
                conn,
                model_id,
                PREDICTIONS,
                batch,
                rows=rows.height,
                min_time=None if rows.is_empty() else int(times.min()),  # type: ignore[arg-type]  # Int64 column
                max_time=None if rows.is_empty() else int(times.max()),  # type: ignore[arg-type]  # Int64 column
            )
            if isinstance(batch_id, BatchReceipt):  # another writer logged it meanwhile
                return batch_id
            inserted = _insert_predictions(conn, model_id, batch_id, rows)
            contents = batch.contents()
            if inserted < rows.height:  # some ids were logged by an earlier batch
                kept = {
                    row_id
                    for (row_id,) in conn.execute(
                        text(
                            "SELECT row_id FROM predictions "
                            "WHERE model_id = :m AND batch_id = :b"
                        ),
                        {"m": model_id, "b": batch_id},
                    )
                }
                contents = rebuild(kept)
            counts = {**batch.counts, "already_logged_ids": rows.height - inserted}
            conn.execute(
                update(MonitorBatchRow)
                .where(MonitorBatchRow.id == batch_id)
                .values(
                    stored=inserted,
                    counts=counts,
                    rows_blob=contents.blob,
                    inputs_blob=contents.inputs_blob,
                )
            )
            self._insert_profiles(conn, model_id, batch_id, contents.profiles)
        return BatchReceipt(
            PREDICTIONS,
            batch.batch_key,
            rows.height + batch.counts.get("duplicate_in_batch", 0),
            inserted,
            False,
            counts,
            batch.logged_at,
        )

    def save_labels(self, name: str, version: str, batch: LabelBatch) -> BatchReceipt:
        rows = batch.rows
        with translated(self._url), self._writer.begin() as conn:
            model_id = _model_id(conn, name, version, self._url)
            if conn.dialect.name == "postgresql":
                # One label batch of a model at a time: the counts (new, relabelled)
                # are then exact, and two overlapping batches cannot both insert an id.
                conn.execute(select(func.pg_advisory_xact_lock(_LABELS_LOCK, model_id)))
            earlier = _earlier(conn, model_id, LABELS, batch.batch_key)
            if earlier is not None:
                return earlier
            batch_id = _claim_batch(
                conn,
                model_id,
                LABELS,
                batch,
                rows=rows.height,
                min_time=None,
                max_time=None,
            )
            if isinstance(batch_id, BatchReceipt):  # pragma: no cover - locked above
                return batch_id
            _fill_incoming(conn, rows)
            counts = {**batch.counts, **_label_counts(conn, model_id, rows.height)}
            same = _same(conn)
            params = {"m": model_id, "b": batch_id}
            if counts["relabelled"]:  # most batches change no label: skip the join
                conn.execute(
                    text(
                        "UPDATE labels SET label = i.label, label_class = i.label_class, "
                        "batch_id = :b FROM pw_incoming_labels AS i "
                        "WHERE labels.model_id = :m AND labels.row_id = i.row_id AND NOT ("
                        f"labels.label {same} i.label AND labels.label_class {same} "
                        "i.label_class)"
                    ),
                    params,
                )
            if counts["new"]:
                conn.execute(
                    text(
                        "INSERT INTO labels (model_id, row_id, batch_id, label, "
                        "label_class) SELECT :m, i.row_id, :b, i.label, i.label_class "
                        "FROM pw_incoming_labels AS i WHERE NOT EXISTS (SELECT 1 FROM "
                        "labels AS l WHERE l.model_id = :m AND l.row_id = i.row_id)"
                    ),
                    params,
                )
            stored = counts["new"] + counts["relabelled"]
            conn.execute(
                update(MonitorBatchRow)
                .where(MonitorBatchRow.id == batch_id)
                .values(
                    stored=stored,
                    counts=counts,
                    # The batch's labels again, for reads: see load_labels.
                    rows_blob=parquet_bytes(rows.select(list(LABEL_COLUMNS)))
                    if stored
                    else None,
                )
            )
        return BatchReceipt(
            LABELS,
            batch.batch_key,
            rows.height + batch.counts.get("duplicate_in_batch", 0),
            stored,
            False,
            counts,
            batch.logged_at,
        )

    # ------------------------------------------------------------------ reads
    def load_predictions(
        self, name: str, version: str, *, since_us: int | None, until_us: int | None
    ) -> pl.DataFrame | None:
        """The rows blobs of the batches whose times overlap the range, as one frame
        (the caller cuts the range: the store does not read the blobs' columns)."""
        return self._blobs(name, version, "rows_blob", since_us, until_us)

    def load_inputs(
        self, name: str, version: str, *, since_us: int | None, until_us: int | None
    ) -> pl.DataFrame | None:
        """The inputs blobs of the batches whose times overlap the range."""
        return self._blobs(name, version, "inputs_blob", since_us, until_us)

    def _blobs(
        self,
        name: str,
        version: str,
        column: str,
        since_us: int | None,
        until_us: int | None,
    ) -> pl.DataFrame | None:
        table = MonitorBatchRow.__table__
        blob = table.c[column]
        with translated(self._url), self._database.connect() as conn:
            model_id = _model_id(conn, name, version, self._url)
            query = (
                select(blob)
                .where(
                    table.c.model_id == model_id,
                    table.c.kind == PREDICTIONS,
                    blob.is_not(None),
                )
                .order_by(table.c.id)
            )
            if since_us is not None:
                query = query.where(table.c.max_time_us >= since_us)
            if until_us is not None:
                query = query.where(table.c.min_time_us < until_us)
            frames = [
                pl.read_parquet(io.BytesIO(found)) for (found,) in conn.execute(query)
            ]
        if not frames:
            return None
        return pl.concat(frames, how="diagonal_relaxed")

    def load_labels(
        self, name: str, version: str, *, column: str | None = None
    ) -> pl.DataFrame:
        """Every current label of the model: ``row_id``, ``label``, ``label_class``
        (only ``row_id`` and ``column`` when one is named).

        Read from the label batches' blobs when every batch that stored a label
        has one: the newest batch's label of an id is its current label, as in
        the ``labels`` table (a million labels: Parquet in tens of milliseconds,
        where fetching the table's rows as Python tuples took a second). Stores
        written before label blobs read the table.
        """
        names = list(LABEL_COLUMNS) if column is None else ["row_id", column]
        if not set(names) <= set(LABEL_COLUMNS):
            raise StoreError(
                f"Labels have no column {column!r}: name label or label_class."
            )
        table = MonitorBatchRow.__table__
        with translated(self._url), self._database.connect() as conn:
            model_id = _model_id(conn, name, version, self._url)
            found = conn.execute(
                select(table.c.rows_blob, table.c.counts)
                .where(
                    table.c.model_id == model_id,
                    table.c.kind == LABELS,
                    table.c.stored > 0,
                )
                .order_by(table.c.id)
            ).all()
            if all(blob is not None for blob, _ in found):
                # No batch met an id labelled before: no id is in two blobs.
                again = any(
                    (counts or {}).get("relabelled", 0)
                    or (counts or {}).get("unchanged", 0)
                    for _, counts in found
                )
                return _newest_labels([blob for blob, _ in found], names, again)
            return _label_rows(conn, model_id, names)

    def load_input_profiles(
        self, name: str, version: str, *, since_us: int | None, until_us: int | None
    ) -> list[StoredProfile]:
        """The stored input profiles whose spans overlap the range (undecoded)."""
        table = PredictionProfileRow.__table__
        with translated(self._url), self._database.connect() as conn:
            model_id = _model_id(conn, name, version, self._url)
            query = (
                select(
                    table.c.batch_id,
                    table.c.start_us,
                    table.c.end_us,
                    table.c.rows,
                    table.c.encoding,
                    table.c.payload,
                )
                .where(table.c.model_id == model_id)
                .order_by(table.c.start_us, table.c.batch_id)
            )
            if since_us is not None:
                query = query.where(table.c.end_us > since_us)
            if until_us is not None:
                query = query.where(table.c.start_us < until_us)
            found = list(conn.execute(query))
        return [
            StoredProfile(int(b), int(s), int(e), int(r), str(enc), bytes(p))
            for b, s, e, r, enc, p in found
        ]

    def list_batches(self, name: str, version: str) -> list[BatchReceipt]:
        table = MonitorBatchRow.__table__
        with translated(self._url), self._database.connect() as conn:
            model_id = _model_id(conn, name, version, self._url)
            found = conn.execute(
                select(
                    table.c.kind,
                    table.c.batch_key,
                    table.c.rows,
                    table.c.stored,
                    table.c.counts,
                    table.c.logged_at,
                )
                .where(table.c.model_id == model_id)
                .order_by(table.c.id)
            )
            return [
                BatchReceipt(k, key, r, s, False, dict(c or {}), at)
                for k, key, r, s, c, at in found
            ]

    # ------------------------------------------------------------------ internals
    def _insert_profiles(
        self, conn: Connection, model_id: int, batch_id: int, profiles: SpanProfiles
    ) -> None:
        values = []
        for start, end, profile in profiles:
            encoding, payload = encode_profile(profile, self._compression)
            values.append(
                {
                    "batch_id": batch_id,
                    "start_us": start,
                    "end_us": end,
                    "model_id": model_id,
                    "rows": profile.rows,
                    "encoding": encoding,
                    "payload": payload,
                }
            )
        if values:
            conn.execute(insert(PredictionProfileRow), values)


def _newest_labels(blobs: list[bytes], names: list[str], again: bool) -> pl.DataFrame:
    """The label batches' rows, oldest first, reduced to each id's newest label
    (when ``again``: some batch labelled an id an earlier one had)."""
    schema = {n: LABEL_COLUMNS[n] for n in names}
    if not blobs:
        return pl.DataFrame(schema=schema)
    rows = pl.concat(
        [pl.read_parquet(io.BytesIO(blob), columns=names) for blob in blobs]
    )
    if again:
        rows = rows.unique(subset=["row_id"], keep="last", maintain_order=False)
    return rows.cast(schema)  # type: ignore[arg-type]  # a schema of Polars types


def _label_rows(conn: Connection, model_id: int, names: list[str]) -> pl.DataFrame:
    """The ``labels`` table's rows of a model."""
    # The DBAPI cursor itself: a million labels as plain tuples, no Row objects.
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # an open DBAPI connection
    try:
        cursor.execute(
            f"SELECT {', '.join(names)} FROM labels WHERE model_id = "
            + str(int(model_id))
        )
        found = cursor.fetchall()
    finally:
        cursor.close()
    schema = {n: LABEL_COLUMNS[n] for n in names}
    return pl.DataFrame(found, schema=schema, orient="row")


def _model_id(conn: Connection, name: str, version: str, url: str) -> int:
    found = conn.execute(
        select(ModelRow.id).where(ModelRow.name == name, ModelRow.version == version)
    ).first()
    if found is None:
        raise RecordNotFoundError(
            f"No model '{name}' version '{version}' in the store {url}. Register it "
            f"with: pipewarden models register {name} --version {version}"
        )
    return int(found[0])


def _earlier(
    conn: Connection, model_id: int, kind: str, key: str
) -> BatchReceipt | None:
    table = MonitorBatchRow.__table__
    found = conn.execute(
        select(table.c.rows, table.c.stored, table.c.counts, table.c.logged_at).where(
            table.c.model_id == model_id,
            table.c.kind == kind,
            table.c.batch_key == key,
        )
    ).first()
    if found is None:
        return None
    rows, stored, counts, logged_at = found
    return BatchReceipt(
        kind, key, int(rows), int(stored), True, dict(counts), logged_at
    )


@cache
def _claim_statement(dialect: str) -> Any:
    """The batch row's insert, built once per dialect (building one per batch costs
    more than running it): it skips a conflicting key where the dialect can."""
    maker: Any = (
        postgresql_insert
        if dialect == "postgresql"
        else sqlite_insert
        if dialect == "sqlite"
        else None
    )
    if maker is None:
        return insert(MonitorBatchRow).returning(MonitorBatchRow.id)
    return (
        maker(MonitorBatchRow)
        .on_conflict_do_nothing(index_elements=["model_id", "kind", "batch_key"])
        .returning(MonitorBatchRow.id)
    )


def _claim_batch(
    conn: Connection,
    model_id: int,
    kind: str,
    batch: PredictionBatch | LabelBatch,
    *,
    rows: int,
    min_time: int | None,
    max_time: int | None,
) -> int | BatchReceipt:
    """Insert the batch's row and return its id; or, when another writer logged a
    batch with the same key since ``_earlier`` looked, that batch's receipt.

    The insert skips a conflicting key instead of failing: on PostgreSQL it waits
    for the other writer's transaction, then finds its row committed.
    """
    values = {
        "model_id": model_id,
        "kind": kind,
        "batch_key": batch.batch_key,
        "logged_at": batch.logged_at,
        "rows": rows + batch.counts.get("duplicate_in_batch", 0),
        "stored": 0,
        "counts": dict(batch.counts),
        "min_time_us": min_time,
        "max_time_us": max_time,
    }
    found = conn.execute(_claim_statement(conn.dialect.name), values).scalar()
    if found is not None:
        return int(found)
    earlier = _earlier(conn, model_id, kind, batch.batch_key)
    if earlier is None:  # pragma: no cover - the conflict was this very key
        raise StoreError(
            f"The {kind} batch {batch.batch_key!r} conflicted with another writer's "
            "and then could not be found. Retry it."
        )
    return earlier


def _insert_predictions(
    conn: Connection, model_id: int, batch_id: int, rows: pl.DataFrame
) -> int:
    """Insert the rows whose id the model has not logged yet; how many were new."""
    columns = [rows[name].to_list() for name in PREDICTION_COLUMNS]
    ids, times, predictions, classes = columns
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            'CREATE TEMP TABLE pw_incoming_predictions (row_id text COLLATE "C", '
            "time_us bigint, "
            "prediction double precision, predicted_class text) ON COMMIT DROP"
        )
        _copy(
            conn,
            "COPY pw_incoming_predictions (row_id, time_us, prediction, "
            "predicted_class) FROM STDIN",
            zip(ids, times, predictions, classes, strict=True),
        )
        result = conn.execute(
            text(
                "INSERT INTO predictions (model_id, row_id, batch_id, time_us, "
                "prediction, predicted_class) SELECT :m, row_id, :b, time_us, "
                "prediction, predicted_class FROM pw_incoming_predictions "
                # in one order, so two writers of overlapping ids cannot deadlock
                "ORDER BY row_id ON CONFLICT DO NOTHING"
            ),
            {"m": model_id, "b": batch_id},
        )
        return int(result.rowcount)
    # Only the columns that hold values (a regression has no classes, a classifier
    # no numbers), and the two ids as literals: a third fewer values to bind a row.
    # SQLite releases the GIL in each row's step, so the workflow's thread profiles
    # the batch meanwhile (one INSERT ... SELECT over the rows as JSON ran without
    # the GIL but cost twice the CPU: slower overall, measured).
    names = ["row_id", "time_us"]
    values: list[Iterable[Any]] = [ids, times]
    if rows["prediction"].null_count() < rows.height:
        names.append("prediction")
        values.append(predictions)
    if rows["predicted_class"].null_count() < rows.height:
        names.append("predicted_class")
        values.append(classes)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # an open DBAPI connection
    try:
        cursor.executemany(
            f"INSERT INTO predictions (model_id, batch_id, {', '.join(names)}) "
            f"VALUES ({int(model_id)}, {int(batch_id)}, "
            f"{', '.join('?' * len(names))}) ON CONFLICT DO NOTHING",
            zip(*values, strict=True),
        )
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _fill_incoming(conn: Connection, rows: pl.DataFrame) -> None:
    """The batch's labels in the temporary table ``pw_incoming_labels``."""
    columns = [rows[name].to_list() for name in LABEL_COLUMNS]
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            'CREATE TEMP TABLE pw_incoming_labels (row_id text COLLATE "C" PRIMARY KEY, '
            "label double precision, label_class text) ON COMMIT DROP"
        )
        _copy(
            conn,
            "COPY pw_incoming_labels (row_id, label, label_class) FROM STDIN",
            zip(*columns, strict=True),
        )
        conn.exec_driver_sql("ANALYZE pw_incoming_labels")
        return
    conn.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS pw_incoming_labels (row_id TEXT PRIMARY KEY, "
        "label REAL, label_class TEXT)"
    )
    conn.exec_driver_sql("DELETE FROM pw_incoming_labels")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # an open DBAPI connection
    try:
        cursor.executemany(
            "INSERT INTO pw_incoming_labels VALUES (?, ?, ?)",
            zip(*columns, strict=True),
        )
    finally:
        cursor.close()


def _same(conn: Connection) -> str:
    return "IS NOT DISTINCT FROM" if conn.dialect.name == "postgresql" else "IS"


def _label_counts(conn: Connection, model_id: int, rows: int) -> dict[str, int]:
    same = _same(conn)
    unknown, known, unchanged = conn.execute(
        text(
            "SELECT "
            "(SELECT count(*) FROM pw_incoming_labels AS i WHERE NOT EXISTS (SELECT 1 "
            "FROM predictions AS p WHERE p.model_id = :m AND p.row_id = i.row_id)), "
            "count(*), "
            f"coalesce(sum(CASE WHEN l.label {same} i.label AND l.label_class {same} "
            "i.label_class THEN 1 ELSE 0 END), 0) "
            "FROM pw_incoming_labels AS i JOIN labels AS l ON "
            "l.model_id = :m AND l.row_id = i.row_id"
        ),
        {"m": model_id},
    ).one()
    return {
        "new": rows - int(known),
        "relabelled": int(known) - int(unchanged),
        "unchanged": int(unchanged),
        "unknown_ids": int(unknown),
    }


def _copy(conn: Connection, statement: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` of rows, through psycopg 3."""
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]  # psycopg connection
        for row in rows:
            copy.write_row(row)
