"""Generate the demo data shipped in src/pipewarden/demo/data (deterministic).

Origin: synthetic, made by this script (seed 7) for pipewarden; no real devices or
people. License: the project's own (Apache-2.0). It models a fleet of 24 pumps on three
sites reporting hourly sensor readings, with a label saying whether the pump failed in
the next 24 hours (about 3% of readings): the predictive-maintenance setting our users
described. Files:

  reference_october.csv   a clean reference month (October 2026)
  batch_clean.csv         the first week of November, same process
  batch_schema_change.csv the second week, after an upstream rewrite: a new column
                          (`humidity`), a dropped column (`vibration`) and `pressure`
                          arriving as formatted text ("1,013.2")
  batch_outage.csv        the third week: the sites' gateway is down for three days,
                          and after it comes back pump P-07's temperature sensor sends
                          mostly nulls
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

OUT = Path(__file__).resolve().parents[1] / "src" / "pipewarden" / "demo" / "data"
PUMPS = [f"P-{i:02d}" for i in range(1, 25)]
SITES = {p: ("north", "south", "east")[i % 3] for i, p in enumerate(PUMPS)}
FIRMWARE = ["4.1.0", "4.1.2", "4.2.0"]
AGE_AT_START = np.random.default_rng(11).uniform(0.5, 9.0, len(PUMPS))
"""Each pump's age in years on 2026-10-01."""


def readings(start: datetime, days: int, rng: np.random.Generator) -> pl.DataFrame:
    hours = [start + timedelta(hours=h) for h in range(days * 24)]
    rows = len(hours) * len(PUMPS)
    ts = np.repeat(np.array(hours, dtype="datetime64[us]"), len(PUMPS))
    pump = np.tile(np.array(PUMPS), len(hours))
    days_since_october = (start - datetime(2026, 10, 1)).days / 365.25
    age = np.tile(AGE_AT_START + days_since_october, len(hours))
    load = np.clip(rng.normal(65, 12, rows), 5, 100)
    temperature = 45 + 0.25 * load + 1.2 * age + rng.normal(0, 2.5, rows)
    vibration = np.abs(rng.normal(2.0 + 0.15 * age, 0.6, rows))
    pressure = rng.normal(1013.0, 6.0, rows)
    rpm = (1450 + 8 * load + rng.normal(0, 25, rows)).round()
    risk = -6.2 + 0.06 * (temperature - 60) + 0.9 * (vibration - 2.5) + 0.12 * age
    failure = (rng.random(rows) < 1 / (1 + np.exp(-risk))).astype(np.int64)
    hour = np.array([t.hour for t in hours]).repeat(len(PUMPS))
    shift = np.where((hour >= 6) & (hour < 18), "day", "night")
    temp = temperature.round(2)
    temp[rng.random(rows) < 0.01] = np.nan
    return pl.DataFrame(
        {
            "ts": ts,
            "pump_id": pump,
            "site": [SITES[p] for p in pump],
            "firmware": rng.choice(FIRMWARE, rows, p=[0.5, 0.3, 0.2]),
            "shift": shift,
            "load_pct": load.round(1),
            "temperature": pl.Series(temp).fill_nan(None),
            "vibration": vibration.round(3),
            "pressure": pressure.round(1),
            "rpm": rpm.astype(np.int64),
            "pump_age_years": age.round(2),
            "failure": failure,
        }
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    readings(datetime(2026, 10, 1), 31, rng).write_csv(OUT / "reference_october.csv")
    readings(datetime(2026, 11, 1), 7, rng).write_csv(OUT / "batch_clean.csv")

    changed = readings(datetime(2026, 11, 8), 7, rng)
    changed = changed.with_columns(
        pl.col("pressure").map_elements(lambda x: f"{x:,.1f}", return_dtype=pl.String),
        pl.Series("humidity", rng.uniform(20, 80, changed.height).round(1)),
    ).drop("vibration")
    changed.write_csv(OUT / "batch_schema_change.csv")

    outage = readings(datetime(2026, 11, 15), 7, rng)
    down_from, down_to = datetime(2026, 11, 17, 4), datetime(2026, 11, 20, 4)
    outage = outage.filter((pl.col("ts") < down_from) | (pl.col("ts") >= down_to))
    broken = (pl.col("site") == "east") & (pl.col("ts") >= down_to)
    outage = outage.with_columns(
        pl.when(broken & (pl.int_range(pl.len()) % 10 != 0))
        .then(None)
        .otherwise(pl.col("temperature"))
        .alias("temperature")
    )
    outage.write_csv(OUT / "batch_outage.csv")
    for f in sorted(OUT.glob("*.csv")):
        print(f"{f.name}: {f.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
