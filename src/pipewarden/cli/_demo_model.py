"""The demo's model chapter: a temperature model watched for six weeks.

A linear model learns pump temperature from load, vibration, pressure and age on the
bundled October readings. Its predictions are logged week by week through November
and early December; the true temperatures arrive a week late, in any order. From the
fourth week a firmware update runs the pumps harder and hotter under load: the error
rises, an alert opens (and escalates when nobody acknowledges it), and retraining is
advised. Everything is seeded: the story is the same on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from rich.markup import escape

from pipewarden._text import duration
from pipewarden.cli._output import out, write_json
from pipewarden.demo import REFERENCE, data_path
from pipewarden.monitor.alerts import escalate_alerts
from pipewarden.workflows.models import register_model
from pipewarden.workflows.monitoring import monitor_model
from pipewarden.workflows.traffic import log_labels, log_predictions

if TYPE_CHECKING:
    from pipewarden.store import Store

MODEL = "pump-temperature"
VERSION = "1"
INPUTS = ["load_pct", "vibration", "pressure", "pump_age_years"]
SITE = "site"
"""Logged with the inputs (the model does not use it): the segment to compare within."""
LABEL = "temperature"
FIRST_MONDAY = datetime(2026, 11, 2, tzinfo=UTC)
WEEKS = 6
CHANGE_WEEK = 3
"""Weeks 0-2 as in October; from week 3 the new firmware."""
ROWS_PER_WEEK = 1_500


@dataclass(frozen=True, slots=True)
class ModelStory:
    """What the chapter made, for the next one: the fitted model and the weeks."""

    model: Any
    weeks: list[pl.DataFrame]


def model_chapter(store: Store, folder: Path) -> ModelStory:
    """Train, register, log six weeks with late labels, monitor, escalate; print it."""
    from sklearn.linear_model import LinearRegression

    out.rule("[bold]A model in production[/]")
    readings = october()
    train = readings.filter(pl.col("ts") < datetime(2026, 10, 25))
    valid = readings.filter(pl.col("ts") >= datetime(2026, 10, 25))
    model = LinearRegression().fit(train.select(INPUTS).to_numpy(), train[LABEL])
    baseline = float(
        np.mean(
            np.abs(
                model.predict(valid.select(INPUTS).to_numpy()) - valid[LABEL].to_numpy()
            )
        )
    )
    spread = train.select(INPUTS).std().row(0)
    weights = {
        c: abs(float(w)) * s
        for c, w, s in zip(INPUTS, model.coef_, spread, strict=True)
    }
    register_model(
        MODEL,
        VERSION,
        model,
        training_data=train.select(*INPUTS, SITE, LABEL),
        label=LABEL,
        metrics={"mae": baseline},
        importances=weights,
        store=store,
    )
    out.print(
        f"Trained a linear model of {LABEL} on {train.height:,} October readings and "
        f"registered it as '{MODEL}' version {VERSION}; validation MAE "
        f"{baseline:.2f} °C is its baseline.",
        soft_wrap=True,
    )
    weeks = [_week(readings, w, model) for w in range(WEEKS)]
    for w, week in enumerate(weeks):
        receipt = log_predictions(
            MODEL,
            week.drop(LABEL),
            id="reading_id",
            prediction="predicted_temp",
            time="ts",
            store=store,
            now=week["ts"].to_list()[-1],
        )
        late = _late_labels(weeks, w)
        if late is not None:
            log_labels(MODEL, late, id="reading_id", label=LABEL, store=store)
        note = " (a firmware update went out that Monday)" if w == CHANGE_WEEK else ""
        out.print(
            f"Week of {week['ts'].to_list()[0]:%b %d}: logged {receipt.stored:,} predictions; "
            f"{0 if late is None else late.height:,} late labels arrived{note}.",
        )
    ending = FIRST_MONDAY + timedelta(weeks=WEEKS)
    report = monitor_model(MODEL, window="week", store=store, now=ending)
    write_json(report.to_dict(), str(folder / "model_monitor.json"))
    from pipewarden.cli.monitor import _print

    out.print()
    _print(report.to_dict())
    for event in report.alert_events:
        out.print(
            f"Alert {event.alert.id} {event.kind}: {escape(event.alert.message)}",
            soft_wrap=True,
        )
    later = ending + timedelta(days=2)
    for event in escalate_alerts(store, now=later):
        waited = duration((later - event.alert.opened_at).total_seconds())
        out.print(
            f"Two days later, alert {event.alert.id} ({event.alert.alert_severity}) had "
            f"waited {waited} without an acknowledgement: it {event.kind} to level "
            f"{event.alert.escalation_level} (a level per missed deadline).",
            soft_wrap=True,
        )
    out.print(
        f"The monitor JSON is in {escape(str(folder / 'model_monitor.json'))}. Try: "
        f"pipewarden monitor {MODEL}:{VERSION} --window week   |   pipewarden alerts list",
        soft_wrap=True,
    )
    return ModelStory(model, weeks)


def october() -> pl.DataFrame:
    """The bundled October readings with a temperature."""
    frame = pl.read_csv(data_path(REFERENCE), try_parse_dates=True)
    return frame.filter(pl.col(LABEL).is_not_null() & pl.col(LABEL).is_not_nan())


def _week(october: pl.DataFrame, week: int, model: object) -> pl.DataFrame:
    """Readings of one week: October's, resampled; after the change, harder and hotter."""
    rng = np.random.default_rng(100 + week)
    rows = october.sample(n=ROWS_PER_WEEK, with_replacement=True, seed=week)
    start = FIRST_MONDAY + timedelta(weeks=week)
    offsets = np.sort(rng.uniform(0, 7 * 86400, ROWS_PER_WEEK))
    rows = rows.with_columns(
        pl.Series("ts", [start + timedelta(seconds=float(s)) for s in offsets]),
        pl.Series("reading_id", [f"w{week}-{i}" for i in range(ROWS_PER_WEEK)]),
    )
    if week >= CHANGE_WEEK:
        rows = firmware(rows, week - CHANGE_WEEK + 1)
    predicted = model.predict(rows.select(INPUTS).to_numpy())  # type: ignore[attr-defined]  # a fitted LinearRegression
    return rows.select(
        "reading_id",
        "ts",
        *INPUTS,
        SITE,
        pl.Series("predicted_temp", predicted),
        LABEL,
    )


def firmware(rows: pl.DataFrame, weeks_on: int) -> pl.DataFrame:
    """Readings under the new firmware, ``weeks_on`` weeks after it went out: the
    pumps run harder, and hotter under load."""
    harder = 6.0 * weeks_on
    return rows.with_columns(
        (pl.col("load_pct") + harder).alias("load_pct"),
        (
            pl.col(LABEL)
            + 0.25 * harder
            + 0.12 * (pl.col("load_pct") + harder - 60) * weeks_on
        ).alias(LABEL),
    )


def _late_labels(weeks: list[pl.DataFrame], week: int) -> pl.DataFrame | None:
    """The labels of the previous week, shuffled (and half of the last week's)."""
    parts = []
    if week >= 1:
        parts.append(weeks[week - 1].select("reading_id", LABEL))
    if week == len(weeks) - 1:
        parts.append(weeks[week].select("reading_id", LABEL).head(ROWS_PER_WEEK // 2))
    if not parts:
        return None
    labels = pl.concat(parts)
    order = list(range(labels.height))
    random.Random(week).shuffle(order)
    return labels[order]
