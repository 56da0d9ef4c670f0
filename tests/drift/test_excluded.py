"""Columns the multivariate test leaves out: what moves with time, never real drift."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats

import pipewarden as pw
from pipewarden.contracts.model import Contract, DatasetSpec, TimeSpec
from pipewarden.drift import compare, domain_classifier
from pipewarden.drift.results import DriftReport
from pipewarden.engines.local import LocalEngine

UNITS = 30
START = dt.datetime(2026, 10, 1)
STAMPED = (
    "moves with time: the sides share 0% of its values, though its distribution did "
    "not drift"
)


def fleet(
    rng: np.random.Generator, hours: int, offset: int, *, rho: float = 0.7
) -> pl.DataFrame:
    """Hourly readings of 30 units: ``age`` is fixed per unit within a batch and
    recomputed per batch (as in the demo data), ``meter`` counts up with time."""
    n = hours * UNITS
    hour = np.repeat(np.arange(offset, offset + hours), UNITS)
    unit = np.tile(np.arange(UNITS), hours)
    age = np.round(np.linspace(0.5, 9.0, UNITS)[unit] + offset / 8766, 3)
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
    return pl.DataFrame(
        {
            "ts": [START + dt.timedelta(hours=int(h)) for h in hour],
            "unit": [f"U-{u:02d}" for u in unit],
            "age": age,
            "meter": hour * 3.0 + rng.normal(0, 1, n),
            "a": z[:, 0],
            "b": z[:, 1],
        }
    )


def run(
    ref: pl.DataFrame, cur: pl.DataFrame, contract: Contract | None = None
) -> DriftReport:
    engine = LocalEngine()
    return compare(
        engine.profile_frame(ref),
        engine.profile_frame(cur),
        samples=(ref, cur),
        contract=contract,
    )


def weaker_rho(ref: pl.DataFrame, cur: pl.DataFrame, column: str, time: str) -> float:
    """The rank correlation with time of the side that follows it least (SciPy)."""
    rhos = [
        stats.spearmanr(
            f.get_column(column).to_numpy(),
            f.get_column(time).cast(pl.Int64).to_numpy(),
        ).statistic
        for f in (ref, cur)
    ]
    return float(min(rhos, key=abs))


@pytest.fixture
def clean(rng) -> tuple[pl.DataFrame, pl.DataFrame]:
    return fleet(rng, 31 * 24, 0), fleet(rng, 7 * 24, 31 * 24)


def test_a_clean_batch_passes_when_columns_move_with_time(clean):
    ref, cur = clean
    report = run(ref, cur)

    m = report.multivariate
    assert m is not None and not m.drifted and m.auc < 0.55
    excluded = dict(m.excluded)
    assert excluded["age"] == STAMPED
    rho = weaker_rho(ref, cur, "meter", "ts")
    assert excluded["meter"] == f"grows with time (Spearman {rho:.2f} with ts)"
    assert excluded["ts"].startswith("time column")
    assert {"unit", "a", "b"} <= set(m.columns)
    assert not {"age", "meter", "ts"} & set(m.columns)
    assert report.notes == ()


def test_without_the_exclusions_the_same_batch_looks_separable(clean):
    # The failure this guards against: age and meter alone separate the sides.
    ref, cur = clean
    m = domain_classifier(ref, cur, exclude={"ts"})
    assert m is not None and m.drifted and m.auc > 0.95
    assert {c for c, _ in m.importance} & {"age", "meter"}


def test_a_moving_column_keeps_its_per_column_verdict(clean):
    # The meter's values are larger in the current batch: the per-column test says
    # so whether or not the multivariate test looks at it.
    ref, cur = clean
    with_samples = run(ref, cur)
    engine = LocalEngine()
    without = compare(engine.profile_frame(ref), engine.profile_frame(cur))
    assert "meter" in with_samples.drifted_columns
    assert with_samples.drifted_columns == without.drifted_columns


def test_a_real_joint_change_is_still_caught(rng):
    ref = fleet(rng, 31 * 24, 0, rho=0.8)
    cur = fleet(rng, 7 * 24, 31 * 24, rho=-0.8)
    report = run(ref, cur)

    m = report.multivariate
    assert m is not None and m.drifted and m.auc > 0.7
    assert {c for c, _ in m.importance[:2]} == {"a", "b"}
    assert {"a", "b"} <= set(m.columns)


def test_a_column_that_shifted_between_sides_is_not_taken_for_time(clean):
    # Shifted, not trending within a side: it stays in and the classifier finds it.
    ref, cur = clean
    cur = cur.with_columns(pl.col("a") + 1.0)
    m = run(ref, cur).multivariate
    assert m is not None and "a" in m.columns and "a" not in dict(m.excluded)
    assert m.drifted and m.importance[0][0] == "a"


def test_values_that_changed_and_drifted_stay_in(rng):
    # Disjoint repeated values whose distribution also moved: real drift, kept.
    n = 4_000
    ref = pl.DataFrame({"level": rng.integers(0, 10, n) * 1.0, "x": rng.normal(size=n)})
    cur = pl.DataFrame(
        {"level": rng.integers(0, 10, n) * 1.0 + 20.5, "x": rng.normal(size=n)}
    )
    report = run(ref, cur)
    m = report.multivariate
    assert "level" in report.drifted_columns
    assert m is not None and "level" in m.columns and m.excluded == ()
    assert m.drifted and m.importance[0][0] == "level"


def test_a_contract_time_column_of_numbers_is_the_clock(clean):
    ref, cur = (
        f.with_columns(pl.col("ts").dt.epoch("s").alias("t")).drop("ts") for f in clean
    )
    contract = Contract(dataset=DatasetSpec(time=TimeSpec(column="t")))
    report = run(ref, cur, contract=contract)

    assert dict(report.skipped)["t"].startswith("time column")
    m = report.multivariate
    assert m is not None and not m.drifted
    rho = weaker_rho(ref, cur, "meter", "t")
    assert dict(m.excluded)["meter"] == f"grows with time (Spearman {rho:.2f} with t)"
    # Checks against a reference compare from profiles alone: the same time column
    # is left out (only its null rate is compared), and the per-column verdicts are
    # those of the drift report.
    result = pw.check(cur, contract, reference=LocalEngine().profile_frame(ref))
    drift_findings = [f for f in result.findings if f.check.startswith("drift.")]
    assert [f.check for f in drift_findings if f.column == "t"] == ["drift.null_rate"]
    assert {(f.check, f.column, f.severity) for f in drift_findings} == {
        (f.check, f.column, f.severity)
        for f in report.findings
        if f.check != "drift.multivariate"
    }


def test_too_few_sampled_rows_say_why_there_is_no_multivariate_result():
    frame = pl.DataFrame({"v": [1.0, 2.0, 3.0] * 3})
    report = run(frame, frame)
    assert report.multivariate is None
    assert report.notes == (
        "multivariate test skipped: a side has fewer than 20 sampled rows, or no "
        "column is usable",
    )


def test_exclusions_and_notes_round_trip_through_json(clean):
    report = run(*clean)
    data = report.to_dict()
    assert {"column": "age", "reason": STAMPED} in data["multivariate"]["excluded"]
    assert data["notes"] == []
    again = DriftReport.from_dict(data)
    assert again == report
    noted = DriftReport(1, 1, notes=("multivariate test skipped: x",))
    assert DriftReport.from_dict(noted.to_dict()).notes == noted.notes
