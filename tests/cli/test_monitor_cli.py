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


def _day(day: int, rng: np.random.Generator, *, concept: bool) -> pl.DataFrame:
    """A day of 250 scored rows; the score is P(y = 1 | x) unless the concept
    flipped (then it is 1 - P)."""
    x = rng.normal(0.3, 1.0, 250)
    score = 1 / (1 + np.exp(-(1.6 * x - 0.4)))
    y = rng.random(250) < (1 - score if concept else score)
    start = datetime(2026, 3, 2 + day, tzinfo=UTC)
    return pl.DataFrame(
        {
            "id": [f"{day}-{i}" for i in range(250)],
            "ts": [start + timedelta(minutes=i) for i in range(250)],
            "p": score,
            "pred": (score > 0.5).astype(np.int64),
            "y": y.astype(np.int64),
        }
    )


def _rendered(*args: str) -> list[str]:
    """The lines ``pipewarden ARGS`` prints, spaces collapsed."""
    text = StringIO()
    with redirect_stdout(text):
        code = main(list(args))
    assert code == 0
    return [" ".join(line.split()) for line in text.getvalue().splitlines()]


def test_monitor_shows_the_cbpe_estimate_beside_the_realized_value(
    tmp_path: Path,
) -> None:
    """Eight days of a calibrated classifier; from day 4 the concept flips (the
    estimate must say it is unreliable there); the last two days have no labels yet
    (the estimate stands alone)."""
    from sklearn.metrics import accuracy_score, roc_auc_score

    url = f"sqlite:///{tmp_path / 's.db'}"
    rng = np.random.default_rng(6)
    days = [_day(d, rng, concept=d >= 4) for d in range(8)]
    frame = pl.concat(days)
    pw.register_model("churn", "1", b"m", task="classification", store=url)
    pw.log_predictions(
        "churn",
        frame.drop("y"),
        id="id",
        prediction="pred",
        time="ts",
        scores="p",
        store=url,
    )
    pw.log_labels("churn", pl.concat(days[:6]), id="id", label="y", store=url)

    lines = _rendered("monitor", "churn", "--window", "day", "--store", url)
    api = pw.monitor_model("churn", window="day", store=url).to_dict()

    heading = lines.index(
        "Performance before labels (CBPE; calibration checked on the window of "
        "2026-03-02, scores used as they are):"
    )
    assert lines[heading + 2] == (
        "window est. acc [95%] acc est. auc [95%] auc estimate"
    )
    rows = lines[heading + 4 : heading + 4 + len(days)]
    for d, (day, window, row) in enumerate(
        zip(days, api["windows"], rows, strict=True)
    ):
        est = window["estimated"]["metrics"]
        cells = [f"2026-03-{2 + d:02d}"]
        realized = {  # scikit-learn's, independently of the monitor's metrics
            "accuracy": accuracy_score(day["y"], day["pred"]),
            "roc_auc": roc_auc_score(day["y"], day["p"]),
        }
        for name in ("accuracy", "roc_auc"):
            low, high = est[name]["interval"]
            cells.append(f"{est[name]['value']:.2f} [{low:.2f}, {high:.2f}]")
            cells.append(f"{realized[name]:.2f}" if d < 6 else "-")
        status = {0: "reference", 4: "unreliable", 5: "unreliable", 6: "-", 7: "-"}
        cells.append(status.get(d, "holds"))
        assert row == " ".join(cells)
    unreliable = [line for line in lines if "estimate unreliable" in line]
    assert [line[:48] for line in unreliable] == [
        "- 2026-03-06 estimate unreliable: calibration dr",
        "- 2026-03-07 estimate unreliable: calibration dr",
    ]
    assert not any(line.startswith("Estimate:") for line in lines)


def test_monitor_says_plainly_that_a_regressor_gets_no_estimate(
    tmp_path: Path,
) -> None:
    from pipewarden.workflows.monitoring import NO_REGRESSION_ESTIMATE

    url = f"sqlite:///{tmp_path / 's.db'}"
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    batch = pl.DataFrame(
        {
            "id": [str(i) for i in range(200)],
            "ts": [
                datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=i)
                for i in range(200)
            ],
            "x": x,
            "pred": 2 * x,
            "y": 2 * x + rng.normal(size=200),
        }
    )
    pw.register_model("m", "1", b"m", task="regression", store=url)
    pw.log_predictions(
        "m", batch.drop("y"), id="id", prediction="pred", time="ts", store=url
    )
    pw.log_labels("m", batch, id="id", label="y", store=url)

    lines = _rendered("monitor", "m", "--window", "week", "--store", url)

    assert f"Estimate: {NO_REGRESSION_ESTIMATE}" in lines
    assert not any(line.startswith("Performance before labels") for line in lines)
