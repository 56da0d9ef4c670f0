"""The monitoring tables: logged batches, prediction rows, labels, per-day input profiles.

On the same declarative ``Base`` as ``store/tables.py`` (which imports this module at
its end, so one metadata holds every table). Times of predictions are kept as UTC
epoch microseconds (``BIGINT``): a million of them are read and windowed by Polars
without parsing text, on SQLite and PostgreSQL alike.

- ``monitor_batches``: one row per logged batch (predictions or labels), keyed by
  (model, kind, batch key): a batch logged twice is found here and stores nothing
  twice. A predictions batch keeps its rows' ids, times, predictions and scores as
  one Parquet blob (``rows_blob``, read for every window it covers:
  ``min_time_us``..``max_time_us``) and their inputs as another (``inputs_blob``):
  the diagnosis needs the inputs of labelled rows, and which rows get labels is only
  known later, so a sample taken at logging time could miss them. The inputs are
  read only for windows that need rows (see ``prediction_profiles``).
- ``predictions``: id, time and prediction of every logged row, one per (model, id).
  Its only index is the primary key, and ``model_id``/``batch_id`` carry no foreign
  key: an index costs as much again per inserted row (two doubled SQLite's insert
  time), and PostgreSQL checks a foreign key with a trigger per row (two made a
  200,000-row insert take 6 s). The rows are written only with their batch row, in
  its transaction, so the references hold. ``labels`` likewise.
- ``labels``: the label of an id, one per (model, id); a later, different label
  replaces it (counted as a relabel by the workflow).
- ``prediction_profiles``: a mergeable profile of each batch's inputs per UTC day (or
  per calendar month when the batch spans more than a week), so the input drift of a
  window these spans tile merges profiles instead of reading rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pipewarden.store.tables import AutoId, Base, JSONValue, UtcDateTime

RowIdText = String(255).with_variant(String(255, collation="C"), "postgresql")
"""Ids compare byte by byte: PostgreSQL's locale collation made the key's index
inserts several times slower, and ids have no language."""

__all__ = [
    "LabelRow",
    "MonitorBatchRow",
    "PredictionProfileRow",
    "PredictionRow",
]


class MonitorBatchRow(Base):
    """One logged batch of predictions or labels."""

    __tablename__ = "monitor_batches"
    __table_args__ = (UniqueConstraint("model_id", "kind", "batch_key"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    batch_key: Mapped[str] = mapped_column(String(128))
    logged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rows: Mapped[int] = mapped_column(BigInteger)
    stored: Mapped[int] = mapped_column(BigInteger)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    min_time_us: Mapped[int | None] = mapped_column(BigInteger)
    max_time_us: Mapped[int | None] = mapped_column(BigInteger)
    rows_blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    inputs_blob: Mapped[bytes | None] = mapped_column(LargeBinary)


class PredictionRow(Base):
    """One logged prediction: its id, event time and predicted value or class."""

    __tablename__ = "predictions"

    model_id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    row_id: Mapped[str] = mapped_column(RowIdText, primary_key=True)
    batch_id: Mapped[int] = mapped_column(AutoId)
    time_us: Mapped[int] = mapped_column(BigInteger)
    prediction: Mapped[float | None] = mapped_column(Double)
    predicted_class: Mapped[str | None] = mapped_column(String(255))


class LabelRow(Base):
    """The current label of one id (a regression value or a class)."""

    __tablename__ = "labels"

    model_id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    row_id: Mapped[str] = mapped_column(RowIdText, primary_key=True)
    batch_id: Mapped[int] = mapped_column(AutoId)
    label: Mapped[float | None] = mapped_column(Double)
    label_class: Mapped[str | None] = mapped_column(String(255))


class PredictionProfileRow(Base):
    """The profile of one batch's inputs over ``[start_us, end_us)``: a UTC day, or
    the whole batch when it spans more than a week (see ``encode_profile``)."""

    __tablename__ = "prediction_profiles"
    __table_args__ = (Index(None, "model_id", "start_us"),)

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_batches.id", ondelete="CASCADE"), primary_key=True
    )
    start_us: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    end_us: Mapped[int] = mapped_column(BigInteger)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"))
    rows: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(16))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
