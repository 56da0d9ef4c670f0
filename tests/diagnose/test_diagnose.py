"""The diagnosis layer against exact references: numpy computations of the same
quantities, and injected defects whose cause is known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

import pipewarden as pw
from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import dump_contract, parse_contract
from pipewarden.diagnose import gaps, labels, onset, sentinels, text_numbers, units
from pipewarden.profiles.sketches import Quantiles


def test_sides_count_exactly_and_name_the_conversion() -> None:
    rng = np.random.default_rng(0)
    fahrenheit = rng.normal(70, 8, 5000)
    batch = fahrenheit.copy()
    batch[:600] = (batch[:600] - 32) / 1.8  # 600 rows arrive in Celsius
    values, counts = np.unique(batch, return_counts=True)
    ref = np.unique(fahrenheit, return_counts=True)
    low, high = 35.0, 105.0
    sides = units.out_of_range_sides(
        values, counts.astype(float), rows=5000, low=low, high=high, reference=ref
    )
    below = [s for s in sides if s.direction == "below"]
    assert below[0].count == int((batch < low).sum())
    assert below[0].share == pytest.approx((batch < low).mean())
    assert below[0].conversion is not None
    assert below[0].conversion.id == "celsius_to_fahrenheit"
    mapped = batch[batch < low] * 1.8 + 32
    assert below[0].explained == pytest.approx(
        ((mapped >= low) & (mapped <= high)).mean()
    )


def test_feet_and_inches_beat_feet_times_twelve() -> None:
    rng = np.random.default_rng(1)
    inches = rng.normal(67, 3.5, 4000).round()
    written = np.floor(inches / 12) + (inches % 12) / 100  # 5.11 for 5 ft 11 in
    values, counts = np.unique(written, return_counts=True)
    ref = np.unique(inches, return_counts=True)
    (side,) = units.out_of_range_sides(
        values, counts.astype(float), rows=4000, low=50, high=85, reference=ref
    )
    assert side.conversion is not None and side.conversion.id == "feet_inches_to_in"


def test_too_few_values_name_no_unit() -> None:
    values = np.array([1.0, 2.0, 50.0, 60.0])
    (side,) = units.out_of_range_sides(
        values, np.array([1.0, 1.0, 50.0, 50.0]), rows=102, low=40, high=80
    )
    assert side.count == 2 and side.conversion is None


def test_weighted_sketch_estimates_shares_within_rank_error() -> None:
    x = np.random.default_rng(2).lognormal(size=200_000)
    v, w = Quantiles.from_array(x).weighted()
    assert w.sum() == x.size
    for cut in (0.2, 1.0, 5.0):
        assert abs(w[v < cut].sum() / x.size - (x < cut).mean()) < 0.0165


def test_sentinel_age_zero_recognised_and_named_in_contract() -> None:
    rng = np.random.default_rng(3)
    age = rng.integers(18, 90, 3000)
    age[rng.random(3000) < 0.04] = 0
    prof = pw.profile(pl.DataFrame({"age": age, "kids": rng.poisson(0.6, 3000)}))
    contract = pw.infer_contract(prof)
    assert contract.columns["age"].missing_values == [0.0]
    # Many zeros next to ones is a count, not a code for unknown.
    assert contract.columns["kids"].missing_values is None
    share = sentinels.point_share(prof.columns["age"], 0)
    assert share == pytest.approx((age == 0).mean())


def test_contract_missing_values_round_trip_and_old_contracts_load() -> None:
    spec = {"kind": "integer", "dtype": "Int64", "missing_values": [-1.0, 999.0]}
    contract = Contract.model_validate({"columns": {"x": spec}})
    again = parse_contract(dump_contract(contract))
    assert again == contract and again.columns["x"].missing_values == [-1.0, 999.0]
    old = parse_contract(
        "kind: pipewarden/contract\nversion: 1\ncolumns:\n  x: {kind: integer, dtype: Int64}\n"
    )
    assert old.columns["x"].missing_values is None


@pytest.mark.parametrize(
    ("direction", "batch"),
    [
        ("sentinel_to_null", lambda a: np.where(a == -1, np.nan, a)),
        ("null_to_sentinel", None),
    ],
)
def test_encoding_change_both_ways(direction: str, batch: object) -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(500, 50, 4000).round()
    if direction == "sentinel_to_null":
        x[rng.random(4000) < 0.05] = -1
        current = batch(x)  # type: ignore[operator]
    else:
        x[rng.random(4000) < 0.05] = np.nan
        current = np.where(np.isnan(x), -1, x)
    ref = pw.profile(pl.DataFrame({"x": pl.Series(x).fill_nan(None)}))
    cur = pw.profile(pl.DataFrame({"x": pl.Series(current).fill_nan(None)}))
    found = sentinels.encoding_change(
        cur.columns["x"],
        sentinels.find_sentinels(ref.columns["x"]),
        reference=ref.columns["x"],
        reference_null=ref.columns["x"].missing_rate,
    )
    assert found is not None and found.direction == direction and found.sentinel == -1


def test_padding_told_once_with_width_and_side() -> None:
    unseen = [(v.ljust(40), n) for v, n in (("Cash", 30), ("Card", 70))]
    found = labels.disguise(unseen, ["Cash", "Card"], non_null=100)
    assert found is not None
    assert (found.cause, found.side, found.width, found.every) == (
        "padding",
        "right",
        40,
        True,
    )
    assert found.sentence(1.0).startswith(
        "every current value is a known label right-padded with spaces to 40 characters"
    )


def test_renames_pair_by_text_and_share() -> None:
    pairs = labels.find_renames(
        {"Card - Credit": 0.11, "Wire": 0.3}, {"Credit Card": 0.12, "Cheque": 0.05}
    )
    assert [(p.old, p.new) for p in pairs] == [("Credit Card", "Card - Credit")]
    assert pairs[0].phrase() == "'Credit Card' 12% → 'Card - Credit' 11%"


def test_variant_groups() -> None:
    groups = labels.variant_groups([("Approved", 5), ("approved ", 2), ("No", 1)])
    assert groups == [[("Approved", 5), ("approved ", 2)]]


def test_onset_of_a_change_that_persists_and_one_that_ends() -> None:
    times = np.arange(1000, dtype=np.int64) * 3_600_000_000
    flags = np.zeros(1000, dtype=bool)
    flags[400:] = True
    found = onset.find_onset(times, flags)
    assert found is not None and found.start == times[400] and found.persists
    assert found.sentence("below-minimum").startswith(
        "all 600 below-minimum rows are from 1970-01-17 16:00 on; none before"
    )
    flags[700:] = False
    ended = onset.find_onset(times, flags)
    assert ended is not None and (ended.start, ended.end) == (times[400], times[699])
    spread = np.random.default_rng(5).random(1000) < 0.1
    assert onset.find_onset(times, spread) is None


def test_gap_free_reference_tolerates_a_few_steps_not_half_a_day() -> None:
    hourly = Quantiles.from_array(np.full(500, 3600.0))
    assert gaps.tolerated_gap(hourly) == (3600.0, 6 * 3600.0)


def test_text_reasons() -> None:
    got = [text_numbers.classify(v) for v in ("1,2", "3 kg", "n/a", "3-5", "hi")]
    assert got == ["decimal_comma", "unit", "missing_word", "range", "text"]
    batch = pl.Series(["1,2", "3 kg", "n/a", "3-5", "hi"])
    assert (
        pl.select(text_numbers.classify_expr(pl.lit(batch))).to_series().to_list()
        == got
    )


def test_check_names_unit_and_onset_from_rows() -> None:
    rng = np.random.default_rng(6)
    start = dt.datetime(2024, 3, 1)
    ts = [start + dt.timedelta(hours=i) for i in range(1500)]
    ref = pl.DataFrame({"ts": ts, "temp": rng.normal(70, 8, 1500)})
    temp = rng.normal(70, 8, 1500)
    temp[1000:] = (temp[1000:] - 32) / 1.8
    cur = pl.DataFrame({"ts": ts, "temp": temp})
    prof = pw.profile(ref)
    contract = pw.infer_contract(prof, time="ts")
    result = pw.check(cur, contract, reference=prof, now=dt.datetime(2024, 6, 1))
    (f,) = [f for f in result.findings if f.check == "range.out_of_bounds"]
    assert f.message.startswith("Column 'temp': likely °C where °F is expected: ")
    assert f.evidence is not None and f.evidence["cause"] == "unit"
    assert f.evidence["onset"]["start"] == "2024-04-11 16:00:00"
    assert f.evidence["onset"]["persists"] is True
    assert f.to_dict()["evidence"]["conversion"]["formula"] == "x·9/5+32"


def test_gate_quarantines_unreadable_text_with_reason_and_keeps_every_row() -> None:
    prof = pw.profile(pl.DataFrame({"w": [60.0, 70.5, 80.0, 75.0]}))
    gate = pw.Gate(pw.infer_contract(prof))
    batch = pl.DataFrame({"w": ["61.5", "1,2", "3 kg", "n/a", "3-5", "72"]})
    result = gate.conform(batch)
    assert result.rows_out + result.rows_quarantined == batch.height
    assert result.quarantine["reason"].to_list() == [
        "value cannot be read as Float64: a decimal comma",
        "value cannot be read as Float64: a number with a unit",
        "value cannot be read as Float64: a range of numbers",
    ]
    record = gate.conform_record({"w": "3 kg"})
    assert record.reason == "value cannot be read as Float64: a number with a unit"


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("weight_lb", "kg_to_lb"),
        ("height_cm", "in_to_cm"),
        ("temp_f", "celsius_to_fahrenheit"),
        ("weight", None),
    ],
)
def test_a_unit_named_in_the_column_decides_between_conversions_that_fit(
    column: str, expected: str | None
) -> None:
    # Values too small for [40, 200]: ×2.20462 (kg→lb), ×2.54 (in→cm) and ×9/5+32
    # (°C→°F) each map every one into it; only the name can tell which was meant.
    values = np.linspace(25.0, 70.0, 40)
    weights = np.ones_like(values)
    (side,) = units.out_of_range_sides(
        values, weights, rows=40, low=40.0, high=200.0, column=column
    )
    assert side.conversion is not None
    if expected is not None:
        assert side.conversion.id == expected
    assert units._named_unit("tempF") == "°F"
    assert units._named_unit("time_in_seconds") == "s"
    assert units._named_unit("kg_per_m") is None  # two units: no hint
