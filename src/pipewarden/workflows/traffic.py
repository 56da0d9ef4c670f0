"""Log a model's predictions and, later, its labels: the use cases behind
``pw.log_predictions``, ``pw.log_labels``, ``pipewarden predictions log`` and
``pipewarden labels log``.

A predictions batch keeps, per row, its id, event time and prediction (the
``predictions`` table), its inputs and scores (one Parquet blob per batch) and,
from ``PROFILE_FROM_ROWS`` rows, a mergeable profile of its inputs per UTC day (or
calendar month); a window whose rows these profiles do not cover profiles its rows.
Labels join by id, late, in any order, any number of times. Nothing is silently dropped or doubled: a batch logged twice
(same content, or the same ``batch_key``) stores nothing twice; ids repeated in a
batch, ids logged before, labels for ids never predicted, labels that change and
rows without an id, time or label are all counted in the returned receipt.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from pipewarden._polars import parquet_bytes
from pipewarden.engines.local import LocalEngine
from pipewarden.errors import SourceError
from pipewarden.io.sources import read_frame
from pipewarden.monitor.windows import DAY_US
from pipewarden.store.monitoring_records import (
    BatchContents,
    BatchReceipt,
    LabelBatch,
    PredictionBatch,
)
from pipewarden.workflows._retry import retried
from pipewarden.workflows._store import opened_store
from pipewarden.workflows.mlflow_registry import is_mlflow_model

if TYPE_CHECKING:
    from pipewarden.store.base import Store
    from pipewarden.store.records import ModelRecord

__all__ = [
    "ID",
    "PREDICTED_CLASS",
    "PREDICTION",
    "SCORE_PREFIX",
    "TIME_US",
    "as_classes",
    "infer_task",
    "log_labels",
    "log_predictions",
    "resolve_model",
]

ID = "__pw_id"
TIME_US = "__pw_time_us"
PREDICTION = "__pw_prediction"
PREDICTED_CLASS = "__pw_class"
SCORE_PREFIX = "__pw_score:"
"""Column names of the rows blob: ours are prefixed so no input can clash."""
PER_DAY_UP_TO = 7
"""A batch spanning at most this many UTC days gets one input profile per day."""
PROFILE_FROM_ROWS = 10_000
"""A smaller batch keeps no input profile: a profile's fixed cost (about 2 ms a
column) is most of a small batch's ingest, and a window made of more than
``monitoring.MERGE_AT_MOST`` such batches profiles its rows in one pass anyway."""


def log_predictions(
    model: str | ModelRecord,
    frame: Any,
    *,
    id: str,  # noqa: A002  # the issue's keyword: pw.log_predictions(..., id=)
    prediction: str,
    time: str | None = None,
    scores: str | Sequence[str] | None = None,
    batch_key: str | None = None,
    store: Store | str | None = None,
    now: datetime | None = None,
) -> BatchReceipt:
    """Log a batch of a model's predictions with the inputs they were made from.

    Args:
        model: ``NAME`` (newest version), ``NAME:VERSION``, or a registered model.
        frame: The batch: a DataFrame, Arrow table, path or URL. Its columns are the
            model's inputs plus the id, time, prediction and score columns.
        id: Column identifying each prediction (labels join on it).
        prediction: Column of the predicted value (regression) or class.
        time: Column of the event time; None: every row gets the logging time.
        scores: Score columns: one (the positive class's probability of a binary
            model) or one per class, named by the class.
        batch_key: The batch's key (default: a hash of its content); a batch with a
            key logged before stores nothing.
        store: A Store, a store URL, or None for the default store.
        now: The logging time (default: now, UTC).

    Returns:
        What was stored and what was not (``counts``), or that it was logged before.

    Raises:
        SourceError: A named column is missing, or times cannot be read.
        RecordNotFoundError: No such model.

    Example:
        >>> pw.log_predictions("churn", batch, id="customer_id",
        ...                    prediction="churn_pred", time="scored_at")  # doctest: +SKIP
    """
    moment = now or datetime.now(UTC)
    data = _frame(frame)
    score_columns = [scores] if isinstance(scores, str) else list(scores or ())
    roles = [id, prediction, *([time] if time else []), *score_columns]
    _require(data, roles)
    # A worker thread hashes the batch while the model is looked up and the rows
    # are built, then makes the blobs and profiles while the store inserts the rows
    # (hashlib, Polars and numpy release the GIL, and SQLite in each row's step).
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pw-batch")
    try:
        keyed = None if batch_key else pool.submit(_content_key, data)
        with opened_store(store, retry=True) as opened:
            record = retried(
                lambda: resolve_model(opened, model, with_profile=False),
                what="the model's lookup",
            )
            rows, counts = _prediction_rows(data, record, id, prediction, time, moment)
            inputs = _inputs(data, record, roles)
            blob_frame = rows.with_columns(
                *(data[c].alias(f"{SCORE_PREFIX}{c}") for c in score_columns),
                *(data[c] for c in inputs),
            ).filter(_kept_mask(data, id, time))
            if counts["duplicate_in_batch"]:  # unique() costs as much as a profile
                blob_frame = blob_frame.unique(
                    subset=[ID], keep="first", maintain_order=True
                )
            table_rows = _table_rows(blob_frame)

            core = [ID, TIME_US, PREDICTION, PREDICTED_CLASS]
            core += [f"{SCORE_PREFIX}{c}" for c in score_columns]

            def contents(part: pl.DataFrame) -> BatchContents:
                return BatchContents(
                    parquet_bytes(part.select(core)),
                    parquet_bytes(part.select(ID, *inputs)),
                    _span_profiles(part, inputs)
                    if part.height >= PROFILE_FROM_ROWS
                    else [],
                )

            def rebuild(kept: set[str]) -> BatchContents:
                return contents(blob_frame.filter(pl.col(ID).is_in(list(kept))))

            key = keyed.result() if keyed is not None else batch_key or ""
            pending = pool.submit(contents, blob_frame)
            batch = PredictionBatch(
                batch_key=key,
                rows=table_rows,
                contents=pending.result,
                counts=counts,
                logged_at=moment,
            )
            return retried(
                lambda: opened.save_predictions(
                    record.name, record.version, batch, rebuild
                ),
                what=f"the predictions batch {key[:19]}",
            )
    finally:  # a batch logged before never needs them: do not wait
        pool.shutdown(wait=False, cancel_futures=True)


def log_labels(
    model: str | ModelRecord,
    frame: Any,
    *,
    id: str,  # noqa: A002  # the issue's keyword: pw.log_labels(..., id=)
    label: str,
    batch_key: str | None = None,
    store: Store | str | None = None,
    now: datetime | None = None,
) -> BatchReceipt:
    """Join a batch of labels to a model's logged predictions by id.

    Labels may arrive any time after (or before) their predictions, in any order
    and any number of times: the newest label of an id counts; the same label again
    changes nothing. The receipt counts new labels, relabelled ids, unchanged ones,
    labels of ids with no logged prediction yet (kept: they join when it is logged),
    ids repeated in the batch (the last one kept) and rows without a label.

    Args:
        model: ``NAME`` (newest version), ``NAME:VERSION``, or a registered model.
        frame: The labels: a DataFrame, Arrow table, path or URL.
        id: Column of the prediction id.
        label: Column of the true value or class.
        batch_key: The batch's key (default: a hash of its content).
        store: A Store, a store URL, or None for the default store.
        now: The logging time (default: now, UTC).

    Raises:
        SourceError: A named column is missing.
        RecordNotFoundError: No such model.
    """
    moment = now or datetime.now(UTC)
    data = _frame(frame)
    _require(data, [id, label])
    with opened_store(store, retry=True) as opened:
        record = retried(
            lambda: resolve_model(opened, model, with_profile=False),
            what="the model's lookup",
        )
        key = batch_key or _content_key(data.select(id, label))
        classification = _is_classification(record, data[label])
        labels = data.select(
            pl.col(id).cast(pl.String).alias("row_id"),
            (
                pl.lit(None, pl.Float64)
                if classification
                else _as_float(data[label], label).alias("label")
            ).alias("label"),
            (as_classes(data[label]) if classification else pl.lit(None, pl.String))
            .cast(pl.String)
            .alias("label_class"),
        )
        _refuse_nul(labels["row_id"], id)
        _refuse_nul(labels["label_class"], label)
        missing = labels.filter(
            pl.col("row_id").is_null()
            | (pl.col("label").is_null() & pl.col("label_class").is_null())
        ).height
        labels = labels.drop_nulls("row_id").filter(
            pl.col("label").is_not_null() | pl.col("label_class").is_not_null()
        )
        unique = labels.unique(subset=["row_id"], keep="last", maintain_order=True)
        counts = {
            "duplicate_in_batch": labels.height - unique.height,
            "no_id_or_label": missing,
        }
        batch = LabelBatch(key, unique, counts, moment)
        receipt = retried(
            lambda: opened.save_labels(record.name, record.version, batch),
            what=f"the labels batch {key[:19]}",
        )
    if not receipt.already_logged:
        return BatchReceipt(
            receipt.kind,
            receipt.batch_key,
            data.height,
            receipt.stored,
            False,
            receipt.counts,
            receipt.logged_at,
        )
    return receipt


def resolve_model(
    store: Store, model: str | ModelRecord, *, with_profile: bool = True
) -> ModelRecord:
    """A registered model from ``NAME``, ``NAME:VERSION``, the record itself, or
    ``models:/NAME@ALIAS`` / ``models:/NAME/VERSION`` (resolved through the MLflow
    registry and registered in ``store``; the ``mlflow`` extra). Without
    ``with_profile``, its training profile may be left out (cheaper to read).

    Raises:
        RecordNotFoundError: No such model or version.
    """
    if not isinstance(model, str):
        return store.get_model(model.name, model.version, with_profile=with_profile)
    if is_mlflow_model(model):
        from pipewarden.workflows.mlflow_registry import register_mlflow_model

        return register_mlflow_model(model, store=store)
    name, sep, version = model.partition(":")
    return store.get_model(name, version if sep else None, with_profile=with_profile)


def as_classes(values: pl.Series) -> pl.Series:
    """Class labels as text, the same for 1, 1.0 and "1" (so predictions and labels
    read from different files still match)."""
    if values.dtype.is_float():
        finite = values.drop_nulls()
        if finite.is_empty() or bool((finite == finite.round(0)).all()):
            return values.cast(pl.Int64, strict=False).cast(pl.String)
    if values.dtype == pl.Boolean:
        return values.cast(pl.Int8).cast(pl.String)
    return values.cast(pl.String)


# --------------------------------------------------------------------- internals


def _frame(frame: Any) -> pl.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame
    if isinstance(frame, pl.LazyFrame):
        return frame.collect()
    return read_frame(frame)


def _require(data: pl.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SourceError(
            f"The batch has no column {', '.join(repr(c) for c in missing)} (it has "
            f"{', '.join(data.columns[:12])}{'...' if data.width > 12 else ''}). "
            "Name the right columns with --id, --prediction, --time, --score or --label."
        )


def _content_key(data: pl.DataFrame) -> str:
    buffer = io.BytesIO()
    data.write_ipc(buffer, compression="uncompressed")
    return "sha256:" + hashlib.sha256(buffer.getbuffer()).hexdigest()


def _is_classification(record: ModelRecord, values: pl.Series) -> bool:
    if record.task is not None:
        return record.task == "classification"
    return infer_task(values) == "classification"


def infer_task(values: pl.Series) -> str:
    """``regression`` for non-integral numbers or many distinct integers, else
    ``classification``."""
    if values.dtype.is_float():
        finite = values.drop_nulls()
        integral = finite.is_empty() or bool((finite == finite.round(0)).all())
        return (
            "classification" if integral and finite.n_unique() <= 20 else "regression"
        )
    if values.dtype.is_integer():
        return "classification" if values.n_unique() <= 20 else "regression"
    return "classification"


def _as_float(values: pl.Series, name: str) -> pl.Series:
    try:
        return values.cast(pl.Float64)
    except pl.exceptions.InvalidOperationError as exc:
        raise SourceError(
            f"Column '{name}' holds {values.dtype}, not numbers, but the model is a "
            "regression. Register it with --task classification, or log numbers."
        ) from exc


def _times_us(data: pl.DataFrame, time: str | None, moment: datetime) -> pl.Series:
    if time is None:
        stamp = int(moment.timestamp() * 1_000_000)
        return pl.Series(TIME_US, [stamp] * data.height, pl.Int64)
    values = data[time]
    if values.dtype == pl.String:
        try:
            values = values.str.to_datetime(time_zone="UTC")
        except pl.exceptions.ComputeError as exc:
            raise SourceError(
                f"Column '{time}' has values that are not times ({exc}). Use ISO "
                "times such as 2026-11-02T06:00:00Z."
            ) from exc
    elif values.dtype == pl.Date:
        values = values.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    if not isinstance(values.dtype, pl.Datetime):
        raise SourceError(
            f"Column '{time}' holds {values.dtype}, not times. Pass the event time "
            "column with --time, or leave it out to use the logging time."
        )
    if values.dtype.time_zone is None:
        values = values.dt.replace_time_zone("UTC")
    return values.dt.convert_time_zone("UTC").dt.epoch("us").alias(TIME_US)


def _prediction_rows(
    data: pl.DataFrame,
    record: ModelRecord,
    id_column: str,
    prediction: str,
    time: str | None,
    moment: datetime,
) -> tuple[pl.DataFrame, dict[str, int]]:
    """Id, time and prediction of every row (rows without id or time included:
    ``_kept_mask`` drops them, counted here)."""
    values = data[prediction]
    classification = _is_classification(record, values)
    rows = pl.DataFrame(
        [
            data[id_column].cast(pl.String).alias(ID),
            _times_us(data, time, moment),
            pl.Series(PREDICTION, [None] * data.height, pl.Float64)
            if classification
            else _as_float(values, prediction).alias(PREDICTION),
            as_classes(values).alias(PREDICTED_CLASS)
            if classification
            else pl.Series(PREDICTED_CLASS, [None] * data.height, pl.String),
        ]
    )
    _refuse_nul(rows[ID], id_column)
    _refuse_nul(rows[PREDICTED_CLASS], prediction)
    kept = rows.filter(_kept_mask(data, id_column, time))
    counts = {
        "no_id_or_time": data.height - kept.height,
        "duplicate_in_batch": kept.height - kept[ID].n_unique(),
    }
    return rows, counts


def _refuse_nul(values: pl.Series, column: str) -> None:
    """Ids and classes are text a store can hold: PostgreSQL's text cannot hold NUL,
    so no store takes it (the same batch gets the same answer in every store)."""
    found = values.str.contains("\x00", literal=True)
    if found.any():
        row = int(found.arg_true()[0])
        raise SourceError(
            f"Column '{column}' has a value with a NUL character (row {row + 1}): ids "
            "and classes must be text without NUL. Remove or replace it, e.g. with "
            "pl.col(...).str.replace_all('\\x00', '')."
        )


def _kept_mask(data: pl.DataFrame, id_column: str, time: str | None) -> pl.Series:
    mask = data[id_column].is_not_null()
    if time is not None:
        mask = mask & data[time].is_not_null()
    return mask


def _inputs(data: pl.DataFrame, record: ModelRecord, roles: Sequence[str]) -> list[str]:
    """The model's inputs present in the batch (all other columns when unknown)."""
    taken = set(roles)
    if record.inputs:
        return [c for c in record.inputs if c in data.columns and c not in taken]
    return [c for c in data.columns if c not in taken]


def _table_rows(blob_frame: pl.DataFrame) -> pl.DataFrame:
    return blob_frame.select(
        pl.col(ID).alias("row_id"),
        pl.col(TIME_US).alias("time_us"),
        pl.col(PREDICTION).alias("prediction"),
        pl.col(PREDICTED_CLASS).alias("predicted_class"),
    )


def _span_profiles(
    frame: pl.DataFrame, inputs: Sequence[str]
) -> list[tuple[int, int, Any]]:
    """The inputs' profile per UTC day, or per calendar month (UTC) when the batch
    spans more than ``PER_DAY_UP_TO`` days: a profile costs nearly the same for 100
    rows as for 100,000, so a year-long backfill is not cut into 365 of them."""
    if frame.is_empty() or not inputs:
        return []
    engine = LocalEngine()
    moment = pl.from_epoch(pl.col(TIME_US), time_unit="us")
    day = (pl.col(TIME_US) // DAY_US * DAY_US).alias("__start")
    keyed = frame.select(day, *inputs)
    every = "1d"
    if keyed["__start"].n_unique() > PER_DAY_UP_TO:
        every = "1mo"
        keyed = frame.select(
            moment.dt.truncate("1mo").dt.epoch("us").alias("__start"), *inputs
        )
    spans = keyed.partition_by(
        "__start", as_dict=True, include_key=False, maintain_order=True
    )
    out = []
    for key, part in spans.items():
        start = int(key[0])
        out.append((start, _span_end(start, every), engine.profile_frame(part)))
    return out


def _span_end(start_us: int, every: str) -> int:
    start = pl.Series([start_us]).cast(pl.Datetime("us"))
    return int(start.dt.offset_by(every).dt.epoch("us")[0])
