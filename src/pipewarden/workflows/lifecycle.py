"""Champion against challenger, and promotion: the use cases behind
``pw.compare_models``, ``pw.promote_model``, ``pipewarden models compare`` and
``pipewarden models promote``.

``compare_models`` reads both models' logged predictions (with their scores and
inputs) and labels from the store and hands them to ``monitor.compare``, which picks
the design (paired or split) and runs the tests. ``promote_model`` records that a
version became the champion of its name, with the comparison as its evidence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipewarden.errors import ConfigError
from pipewarden.monitor.compare import (
    ID,
    LABEL,
    PRED,
    SCORE,
    ComparisonReport,
    compare_sides,
    segment_columns,
)
from pipewarden.store.lifecycle_records import PromotionRecord
from pipewarden.workflows._store import opened_store
from pipewarden.workflows.traffic import (
    ID as ROW_ID,
)
from pipewarden.workflows.traffic import (
    PREDICTED_CLASS,
    PREDICTION,
    SCORE_PREFIX,
    TIME_US,
    resolve_model,
)

if TYPE_CHECKING:
    from pipewarden.store.base import Store
    from pipewarden.store.records import ModelRecord

__all__ = ["champions", "compare_models", "promote_model"]


def compare_models(
    champion: str | ModelRecord,
    challenger: str | ModelRecord,
    *,
    metric: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    segments: Sequence[str] | None = None,
    expected_share: float = 0.5,
    store: Store | str | None = None,
) -> ComparisonReport:
    """Compare a champion and a challenger on their logged predictions and labels.

    Args:
        champion: ``NAME:VERSION`` (or ``NAME``: its newest version), or a record.
        challenger: The same, for the challenger.
        metric: ``mae`` or ``rmse`` (regression), ``accuracy``, ``roc_auc`` or
            ``log_loss`` (classification); default ``mae`` / ``accuracy``.
        since: First prediction time to include (UTC).
        until: Prediction time to stop before (UTC).
        segments: Segment columns among the logged inputs. None: the text and
            boolean inputs with 2 to 20 values; ``[]``: none.
        expected_share: The champion's expected share of a split's traffic, for
            the sample-ratio check.
        store: A Store, a store URL, or None for the default store.

    Returns:
        The comparison (``to_dict()`` is the JSON of ``models compare --json``).

    Raises:
        ConfigError: The models' tasks differ, a metric does not fit, a segment
            column was not logged, or no labelled rows are left to compare.
        RecordNotFoundError: No such model version.

    Example:
        >>> pw.compare_models("churn:3", "churn:4", metric="roc_auc")  # doctest: +SKIP
    """
    with opened_store(store) as opened:
        a = resolve_model(opened, champion)
        b = resolve_model(opened, challenger)
        names = (f"{a.name}:{a.version}", f"{b.name}:{b.version}")
        if names[0] == names[1]:
            raise ConfigError(
                f"The champion and the challenger are both {names[0]}: name two "
                "different versions."
            )
        rows_a = _rows(opened, a, since, until)
        rows_b = _rows(opened, b, since, until)
        task = _task(a, b, rows_a, rows_b)
        labels = _labels(opened, a, b, task)
        inputs_a = opened.load_inputs(a.name, a.version)
        inputs_b = opened.load_inputs(b.name, b.version)
    side_a = _side(rows_a, labels, inputs_a, task)
    side_b = _side(rows_b, labels, inputs_b, task)
    chosen = _segments(segments, side_a, side_b)
    return compare_sides(
        side_a,
        side_b,
        names=names,
        task=task,
        metric=metric,
        segments=chosen,
        expected_share=expected_share,
    )


def promote_model(
    model: str | ModelRecord,
    *,
    evidence: ComparisonReport | Mapping[str, Any] | str | Path | None = None,
    note: str | None = None,
    by: str | None = None,
    store: Store | str | None = None,
    now: datetime | None = None,
) -> PromotionRecord:
    """Record that a model version is now the champion of its name.

    Args:
        model: ``NAME:VERSION`` (or ``NAME``: its newest version), or a record.
        evidence: The comparison behind the decision: a report, its dict, or the
            JSON file ``models compare --json`` wrote. Its champion or challenger
            must be this version.
        note: Why, in words.
        by: Who decided (default: none recorded).
        store: A Store, a store URL, or None for the default store.
        now: The time of the promotion (default: now, UTC).

    Raises:
        ConfigError: The evidence cannot be read, or compares other models.
        RecordNotFoundError: No such model version.
    """
    found = _evidence(evidence)
    with opened_store(store) as opened:
        record = resolve_model(opened, model)
        name = f"{record.name}:{record.version}"
        if found is not None and name not in (
            found.get("champion"),
            found.get("challenger"),
        ):
            raise ConfigError(
                f"The evidence compares {found.get('champion')} with "
                f"{found.get('challenger')}, not {name}. Pass the comparison that "
                "includes the version you promote."
            )
        return opened.save_promotion(
            PromotionRecord(
                record.name,
                record.version,
                now or datetime.now(UTC),
                by,
                note,
                found,
            )
        )


def champions(store: Store) -> dict[str, PromotionRecord]:
    """The champion of each promoted model name: its newest promotion."""
    newest: dict[str, PromotionRecord] = {}
    for promotion in store.list_promotions():  # oldest first
        newest[promotion.name] = promotion
    return newest


# --------------------------------------------------------------------- internals


def _rows(
    store: Store, record: ModelRecord, since: datetime | None, until: datetime | None
) -> pl.DataFrame:
    since_us, until_us = _us(since), _us(until)
    rows = store.load_predictions(
        record.name, record.version, since_us=since_us, until_us=until_us
    )
    if rows is None:
        raise ConfigError(
            f"Model {record.name}:{record.version} has no logged predictions. Log "
            "them with: pipewarden predictions log "
            f"{record.name}:{record.version} DATA --id COL --prediction COL"
        )
    if since_us is not None:
        rows = rows.filter(pl.col(TIME_US) >= since_us)
    if until_us is not None:
        rows = rows.filter(pl.col(TIME_US) < until_us)
    return rows


def _us(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def _task(
    a: ModelRecord, b: ModelRecord, rows_a: pl.DataFrame, rows_b: pl.DataFrame
) -> str:
    def task_of(record: ModelRecord, rows: pl.DataFrame) -> str:
        if record.task is not None:
            return record.task
        classes = rows[PREDICTED_CLASS].null_count() < rows.height
        return "classification" if classes else "regression"

    first, second = task_of(a, rows_a), task_of(b, rows_b)
    if first != second:
        raise ConfigError(
            f"{a.name}:{a.version} is a {first} model and {b.name}:{b.version} a "
            f"{second} one: only models of the same task compare."
        )
    return first


def _labels(store: Store, a: ModelRecord, b: ModelRecord, task: str) -> pl.DataFrame:
    """Each id's label: the champion's, else the challenger's (labels are logged
    per model; a shadow deployment may log them for one only)."""
    column = "label_class" if task == "classification" else "label"
    first = store.load_labels(a.name, a.version, column=column)
    second = store.load_labels(b.name, b.version, column=column)
    if not second.is_empty():  # a model's labels are one per id: add the others'
        first = pl.concat([first, second.join(first, on="row_id", how="anti")])
    return first.select(pl.col("row_id").alias(ROW_ID), pl.col(column).alias(LABEL))


def _side(
    rows: pl.DataFrame,
    labels: pl.DataFrame,
    inputs: pl.DataFrame | None,
    task: str,
) -> pl.DataFrame:
    """The labelled rows of one model: id, label, prediction, score, inputs."""
    scores = [c for c in rows.columns if c.startswith(SCORE_PREFIX)]
    score = (
        pl.col(scores[0]).cast(pl.Float64)
        if len(scores) == 1
        else pl.lit(None, pl.Float64)
    )
    pred = PREDICTED_CLASS if task == "classification" else PREDICTION
    side = rows.select(ROW_ID, pl.col(pred).alias(PRED), score.alias(SCORE)).join(
        labels, on=ROW_ID, how="inner"
    )
    if inputs is not None:
        side = side.join(inputs, on=ROW_ID, how="left")
    return side.rename({ROW_ID: ID}).filter(pl.col(LABEL).is_not_null())


def _segments(
    segments: Sequence[str] | None, a: pl.DataFrame, b: pl.DataFrame
) -> list[str]:
    core = (ID, LABEL, PRED, SCORE)
    if segments is None:
        return [c for c in segment_columns(a, core) if c in b.columns]
    missing = [c for c in segments if c not in a.columns or c not in b.columns]
    if missing:
        logged = sorted(set(a.columns) - set(core))
        raise ConfigError(
            f"No logged input {', '.join(repr(c) for c in missing)} for both models "
            f"(logged: {', '.join(logged) or 'none'}). Name a column logged with "
            "the predictions of both."
        )
    return list(segments)


def _evidence(
    evidence: ComparisonReport | Mapping[str, Any] | str | Path | None,
) -> dict[str, Any] | None:
    if evidence is None:
        return None
    if isinstance(evidence, ComparisonReport):
        return evidence.to_dict()
    if isinstance(evidence, Mapping):
        return dict(evidence)
    path = Path(evidence)
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the evidence file '{path}': {exc.strerror}. Pass the JSON "
            "that pipewarden models compare --json wrote."
        ) from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"The evidence file '{path}' is not JSON ({exc.msg}, line {exc.lineno}). "
            "Pass the JSON that pipewarden models compare --json wrote."
        ) from exc
    if not isinstance(found, dict) or "verdict" not in found:
        raise ConfigError(
            f"The evidence file '{path}' is not a comparison (no verdict). Pass the "
            "JSON that pipewarden models compare --json wrote."
        )
    return found
