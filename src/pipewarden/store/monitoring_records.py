"""What the store keeps of a monitored model's traffic, as plain values.

A ``PredictionBatch`` or ``LabelBatch`` is what a workflow hands the store; a
``BatchReceipt`` is what the store did with it (counts of what was stored and what
was not, and why). Frames appear only as arguments; nothing here opens a database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias

import polars as pl

from pipewarden.profiles.dataset import DatasetProfile

__all__ = [
    "PREDICTION_COLUMNS",
    "BatchContents",
    "BatchReceipt",
    "SpanProfiles",
    "StoredProfile",
    "LabelBatch",
    "PredictionBatch",
    "Rebuild",
]

PREDICTION_COLUMNS = {
    "row_id": pl.String,
    "time_us": pl.Int64,
    "prediction": pl.Float64,
    "predicted_class": pl.String,
}
"""The columns (and types) of ``PredictionBatch.rows``, as the ``predictions`` table."""
LABEL_COLUMNS = {"row_id": pl.String, "label": pl.Float64, "label_class": pl.String}
"""The columns (and types) of ``LabelBatch.rows``, as the ``labels`` table."""

SpanProfiles: TypeAlias = Sequence[tuple[int, int, DatasetProfile]]
"""(start, end) in UTC epoch microseconds, and the profile of the batch's inputs with
event times in ``[start, end)``: one per UTC day, or one for the whole batch."""


@dataclass(frozen=True, slots=True)
class BatchContents:
    """What a predictions batch keeps besides its rows.

    Attributes:
        blob: Parquet bytes of the rows: ids, times, predictions, scores.
        inputs_blob: Parquet bytes of the rows' ids and inputs (read only when a
            window needs rows: its drift when no stored profiles tile it, or its
            diagnosis).
        profiles: The inputs' profiles, per UTC day or per calendar month.
    """

    blob: bytes
    inputs_blob: bytes
    profiles: SpanProfiles


Rebuild: TypeAlias = Callable[[set[str]], BatchContents]
"""Given the ids actually stored, the contents of those rows only."""


@dataclass(frozen=True, slots=True)
class PredictionBatch:
    """One batch of predictions to keep.

    Attributes:
        batch_key: Content hash or the client's key: the same key is stored once.
        rows: One row per prediction (``PREDICTION_COLUMNS``), ids unique.
        contents: Gives the batch's blobs and profiles. The store calls it after
            inserting the rows, so a workflow can compute them meanwhile (on
            another thread); it may be called more than once (a retried save).
        counts: What the workflow already found (e.g. ``duplicate_in_batch``).
        logged_at: When it was logged (UTC).
    """

    batch_key: str
    rows: pl.DataFrame
    contents: Callable[[], BatchContents]
    counts: dict[str, int]
    logged_at: datetime


@dataclass(frozen=True, slots=True)
class StoredProfile:
    """A stored input profile of one batch over ``[start_us, end_us)``, decoded on
    first use (a window often needs only its row counts)."""

    batch_id: int
    start_us: int
    end_us: int
    rows: int
    encoding: str
    payload: bytes = field(repr=False)

    @property
    def profile(self) -> DatasetProfile:
        from pipewarden.store.tables import decode_profile

        return decode_profile(self.encoding, self.payload)


@dataclass(frozen=True, slots=True)
class LabelBatch:
    """One batch of labels to join to logged predictions by id.

    ``rows`` has ``LABEL_COLUMNS``, ids unique.
    """

    batch_key: str
    rows: pl.DataFrame
    counts: dict[str, int]
    logged_at: datetime


@dataclass(frozen=True, slots=True)
class BatchReceipt:
    """What the store did with a batch.

    Attributes:
        kind: ``predictions`` or ``labels``.
        batch_key: The batch's key.
        rows: Rows received.
        stored: Rows stored (new predictions; new or changed labels).
        already_logged: The same batch was logged before: nothing was stored now,
            and the counts are those of the first time.
        counts: Per outcome: predictions ``duplicate_in_batch``,
            ``already_logged_ids``; labels ``duplicate_in_batch``, ``new``,
            ``relabelled``, ``unchanged``, ``unknown_ids``.
        logged_at: When the batch was (first) logged.
    """

    kind: str
    batch_key: str
    rows: int
    stored: int
    already_logged: bool
    counts: dict[str, int] = field(default_factory=dict)
    logged_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "batch_key": self.batch_key,
            "rows": self.rows,
            "stored": self.stored,
            "already_logged": self.already_logged,
            "counts": dict(self.counts),
            "logged_at": None if self.logged_at is None else self.logged_at.isoformat(),
        }
