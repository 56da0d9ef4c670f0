"""pipewarden monitor --json equals pw.monitor_model(...).to_dict() on the same store."""

from __future__ import annotations

import json
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import numpy as np
import polars as pl

import pipewarden as pw
from pipewarden.cli import main


def test_monitor_json_equals_the_api(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    rng = np.random.default_rng(2)
    x = rng.normal(size=900)
    train = pl.DataFrame({"x": x, "y": 2 * x + rng.normal(size=900)})
    pw.register_model(
        "m", "1", b"m", training_data=train, label="y", metrics={"mae": 0.8}, store=url
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    batch = train.with_columns(
        id=pl.int_range(900).cast(pl.String),
        ts=pl.Series([start + timedelta(hours=2 * i) for i in range(900)]),
        pred=2 * pl.col("x"),
    )
    pw.log_predictions(
        "m", batch.drop("y"), id="id", prediction="pred", time="ts", store=url
    )
    pw.log_labels("m", batch, id="id", label="y", store=url)

    text = StringIO()
    with redirect_stdout(text):
        code = main(["monitor", "m", "--window", "week", "--store", url, "--json", "-"])
    api = pw.monitor_model("m", window="week", store=url).to_dict()

    assert code == 0
    assert json.loads(text.getvalue()) == json.loads(json.dumps(api, default=str))
