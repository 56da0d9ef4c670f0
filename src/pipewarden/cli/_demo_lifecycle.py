"""The demo's champion-vs-challenger chapter: a retrained model in shadow.

After the model chapter advises retraining, version 2 of the temperature model is
fitted on the labelled readings since the firmware update. Before it replaces version
1, both score the same week of readings in shadow (the same reading ids: a paired
comparison), logged with their site. That Monday the east site rolled the firmware
back, so east's pumps are back to October's behaviour: version 2, which learned the
firmware's heat, predicts too hot there. It wins overall and loses on east; the
chapter prints the overall verdict and the command that shows where it loses.
Everything is seeded: the story is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from rich.markup import escape

from pipewarden.cli._demo_model import (
    CHANGE_WEEK,
    FIRST_MONDAY,
    INPUTS,
    LABEL,
    MODEL,
    ROWS_PER_WEEK,
    SITE,
    VERSION,
    WEEKS,
    ModelStory,
    firmware,
    october,
)
from pipewarden.cli._output import out
from pipewarden.workflows.lifecycle import compare_models
from pipewarden.workflows.models import register_model
from pipewarden.workflows.traffic import log_labels, log_predictions

if TYPE_CHECKING:
    from pipewarden.store import Store

__all__ = [
    "CHALLENGER",
    "ROLLED_BACK",
    "ShadowWeek",
    "lifecycle_chapter",
    "retrain",
    "shadow_week",
]

CHALLENGER = "2"
ROLLED_BACK = "east"
"""The site that rolled the firmware back on the shadow week's Monday."""
SHADOW_START = FIRST_MONDAY + timedelta(weeks=WEEKS)
FIRMWARE_WEEKS = WEEKS - CHANGE_WEEK
"""How long the firmware had run when the shadow week started (its effect as in its
last monitored week)."""


@dataclass(frozen=True, slots=True)
class ShadowWeek:
    """The readings both versions scored, with both predictions and the label."""

    frame: pl.DataFrame
    champion: str
    challenger: str


def retrain(story: ModelStory) -> tuple[Any, pl.DataFrame]:
    """Version 2 and its training rows: the same linear model, fitted on the labelled
    readings since the firmware update (the weeks after the change, and the half of
    the last week whose labels had arrived)."""
    from sklearn.linear_model import LinearRegression

    weeks = story.weeks
    last = weeks[-1].head(ROWS_PER_WEEK // 2)
    train = pl.concat([*weeks[CHANGE_WEEK:-1], last])
    model = LinearRegression().fit(train.select(INPUTS).to_numpy(), train[LABEL])
    return model, train.select(*INPUTS, SITE, LABEL)


def shadow_week(story: ModelStory, challenger: Any) -> ShadowWeek:
    """The week both versions scored: October's readings resampled, under the
    firmware except on the site that rolled it back."""
    rng = np.random.default_rng(100 + WEEKS)
    rows = october().sample(n=ROWS_PER_WEEK, with_replacement=True, seed=100 + WEEKS)
    offsets = np.sort(rng.uniform(0, 7 * 86400, ROWS_PER_WEEK))
    rows = rows.with_columns(
        pl.Series("ts", [SHADOW_START + timedelta(seconds=float(s)) for s in offsets]),
        pl.Series("reading_id", [f"s-{i}" for i in range(ROWS_PER_WEEK)]),
    )
    kept = rows.filter(pl.col(SITE) != ROLLED_BACK)
    back = rows.filter(pl.col(SITE) == ROLLED_BACK)
    rows = pl.concat([firmware(kept, FIRMWARE_WEEKS), back]).sort("ts")
    inputs = rows.select(INPUTS).to_numpy()
    frame = rows.select(
        "reading_id",
        "ts",
        *INPUTS,
        SITE,
        pl.Series("champion_temp", story.model.predict(inputs)),
        pl.Series("challenger_temp", challenger.predict(inputs)),
        LABEL,
    )
    return ShadowWeek(frame, f"{MODEL}:{VERSION}", f"{MODEL}:{CHALLENGER}")


def lifecycle_chapter(story: ModelStory, store: Store, store_url: str) -> ShadowWeek:
    """Retrain, run both versions in shadow, compare; print the verdict and the
    command that shows it per site."""
    from pipewarden.cli.models import verdict_line

    out.rule("[bold]Champion vs challenger[/]")
    challenger, train = retrain(story)
    week = shadow_week(story, challenger)
    register_model(
        MODEL,
        CHALLENGER,
        challenger,
        training_data=train,
        label=LABEL,
        store=store,
    )
    columns = ("champion_temp", "challenger_temp")
    for name, column, other in zip(
        (week.champion, week.challenger), columns, columns[::-1], strict=True
    ):
        log_predictions(
            name,
            week.frame.drop(LABEL, other),
            id="reading_id",
            prediction=column,
            time="ts",
            store=store,
        )
    log_labels(week.champion, week.frame, id="reading_id", label=LABEL, store=store)
    out.print(
        f"Retrained as version {CHALLENGER} on the {train.height:,} labelled readings since "
        f"the firmware update. Before it replaces version {VERSION}, both scored the "
        f"same {week.frame.height:,} readings of the week of "
        f"{SHADOW_START:%b %d} in shadow (that Monday the {ROLLED_BACK} site rolled "
        "the firmware back); their labels came a week later.",
        soft_wrap=True,
    )
    report = compare_models(
        week.champion, week.challenger, segments=[SITE], store=store
    )
    data = report.to_dict()
    out.print(
        f"On the {data['rows']:,} paired readings, {data['metric'].upper()} "
        f"{data['champion_value']:.2f} °C for version {VERSION} (champion) against "
        f"{data['challenger_value']:.2f} °C for version {CHALLENGER} (challenger).",
        soft_wrap=True,
    )
    out.print(verdict_line(data))
    command = (
        f"pipewarden models compare {week.champion} {week.challenger} "
        f"--store {store_url} --segment {SITE}"
    )
    out.print(
        "Better overall is not better everywhere. Before promoting it, look per "
        f"site: [bold]{escape(command)}[/]",
        soft_wrap=True,
    )
    return week
