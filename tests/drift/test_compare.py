from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl
import pytest

from pipewarden.checks.findings import Severity
from pipewarden.contracts.model import ColumnDrift, ColumnSpec, Contract, DatasetSpec
from pipewarden.drift import compare
from pipewarden.engines.local import LocalEngine
from pipewarden.errors import DriftError
from pipewarden.profiles.dataset import DatasetProfile


def profile(frame: pl.DataFrame) -> DatasetProfile:
    return LocalEngine().profile_frame(frame)


def table(
    rng: np.random.Generator,
    n: int,
    *,
    shift: float = 0.0,
    new: float = 0.0,
    nulls: float = 0.02,
    start: int = 0,
) -> pl.DataFrame:
    x = rng.normal(100 + 10 * shift, 10, n)
    x[rng.random(n) < nulls] = np.nan
    cat = rng.choice(["a", "b", "c", "d", "e"], n).astype(object)
    cat[rng.random(n) < new] = "NEW"
    t0 = dt.datetime(2024, 1, 1) + dt.timedelta(days=start)
    return pl.DataFrame(
        {
            "x": x,
            "y": rng.normal(0, 1, n),
            "cat": cat,
            "id": np.arange(start * n, start * n + n),
            "ts": pl.datetime_range(
                t0, t0 + dt.timedelta(seconds=n - 1), "1s", eager=True
            ),
            "flag": rng.random(n) < 0.3,
        }
    )


@pytest.fixture
def stable(rng):
    return profile(table(rng, 20_000)), profile(table(rng, 20_000, start=30))


@pytest.fixture
def drifted(rng):
    return (
        profile(table(rng, 20_000)),
        profile(table(rng, 20_000, shift=0.5, new=0.05, nulls=0.3, start=30)),
    )


def test_stable_batches_raise_no_alarm_but_report_every_column(stable):
    report = compare(*stable)
    assert report.drifted == []
    assert report.status == "pass"
    checks = {(f.check, f.column) for f in report.findings}
    assert checks >= {
        ("drift.wasserstein", "x"),
        ("drift.wasserstein", "y"),
        ("drift.js", "cat"),
        ("drift.js", "flag"),
        ("drift.null_rate", "x"),
    }
    assert all(f.severity is Severity.INFO for f in report.findings)


def test_injected_changes_are_found_and_nothing_else(drifted):
    report = compare(*drifted)
    found = {(c.check, c.column, c.severity) for c in report.drifted}
    assert found == {
        ("drift.wasserstein", "x", Severity.ERROR),
        ("drift.js", "cat", Severity.WARNING),
        ("drift.null_rate", "x", Severity.ERROR),
    }
    assert report.status == "fail"


def test_ids_and_time_columns_are_skipped_with_a_reason(drifted):
    report = compare(*drifted)
    reasons = dict(report.skipped)
    assert reasons["id"] == "identifier: every batch brings new values"
    assert reasons["ts"].startswith("time column")
    assert {c.column for c in report.columns}.isdisjoint({"id", "ts"})


def test_messages_say_what_moved_and_how_sure(drifted):
    report = compare(*drifted)
    by = {(c.check, c.column): c for c in report.columns + report.nulls}
    x = by[("drift.wasserstein", "x")]
    assert x.message.startswith("Column 'x' drifted: mean ")
    assert "Wasserstein distance" in x.message and "ks p" in x.message
    assert re.fullmatch(r"'NEW' 0% -> [45]\.\d%", by[("drift.js", "cat")].change)
    assert re.fullmatch(r"null [12]\.\d% -> 30%", by[("drift.null_rate", "x")].change)
    assert by[("drift.wasserstein", "y")].message.startswith("Column 'y' is stable: ")


def test_millions_of_rows_do_not_turn_a_tiny_shift_into_an_alarm(rng):
    n = 1_000_000
    a = profile(pl.DataFrame({"x": rng.normal(0, 1, n)}))
    b = profile(pl.DataFrame({"x": rng.normal(0.03, 1, n)}))
    report = compare(a, b)
    [x] = report.columns
    assert not x.drifted and x.score < 0.1


def test_p_values_are_corrected_for_the_number_of_tests(drifted):
    raw = compare(*drifted, correction="none")
    bh = compare(*drifted, correction="bh")
    for r, c in zip(raw.columns, bh.columns, strict=True):
        assert c.p_value_raw == r.p_value
        assert c.p_value is not None and c.p_value_raw is not None
        assert c.p_value >= c.p_value_raw


def test_contract_overrides_statistic_and_threshold_and_can_disable(drifted):
    contract = Contract(
        columns={
            "x": ColumnSpec(
                kind="float",
                dtype="Float64",
                drift=ColumnDrift(statistic="psi", threshold=5.0),
            ),
            "y": ColumnSpec(
                kind="float", dtype="Float64", drift=ColumnDrift(statistic="ks")
            ),
            "cat": ColumnSpec(
                kind="categorical", dtype="String", drift=ColumnDrift(enabled=False)
            ),
        }
    )
    report = compare(*drifted, contract=contract)
    by = {c.column: c for c in report.columns}
    assert by["x"].check == "drift.psi" and not by["x"].drifted
    assert by["y"].check == "drift.ks" and by["y"].test == "ks"
    assert "cat" not in by
    assert dict(report.skipped)["cat"] == "drift disabled in the contract"


def test_a_statistic_that_does_not_fit_the_column_is_refused(drifted):
    contract = Contract(
        columns={
            "cat": ColumnSpec(
                kind="categorical", dtype="String", drift=ColumnDrift(statistic="ks")
            )
        }
    )
    with pytest.raises(
        DriftError, match="'ks' statistic does not apply to categorical"
    ):
        compare(*drifted, contract=contract)


def test_contract_declares_time_and_id_columns(rng):
    a = profile(pl.DataFrame({"seq": np.arange(1000) % 7, "v": rng.normal(size=1000)}))
    b = profile(
        pl.DataFrame({"seq": np.arange(1000) % 7 + 3, "v": rng.normal(size=1000)})
    )
    contract = Contract(dataset=DatasetSpec(id="seq"))
    report = compare(a, b, contract=contract)
    assert "seq" in dict(report.skipped)
    assert compare(a, b, time="seq").skipped[0][0] == "seq"


def test_columns_on_one_side_only_are_left_to_the_schema_checks(rng):
    a = profile(pl.DataFrame({"v": rng.normal(size=100), "old": np.ones(100)}))
    b = profile(pl.DataFrame({"v": rng.normal(size=100), "new": np.ones(100)}))
    reasons = dict(compare(a, b).skipped)
    assert reasons["old"].startswith("only in the reference")
    assert reasons["new"].startswith("only in the current batch")


def test_a_column_that_became_text_is_not_compared_as_numbers(rng):
    a = profile(pl.DataFrame({"v": rng.normal(size=100)}))
    b = profile(pl.DataFrame({"v": [str(v) for v in rng.normal(size=100)]}))
    assert dict(compare(a, b).skipped)["v"].startswith("kind changed from float")


def test_report_round_trips_through_json(drifted):
    report = compare(*drifted, label="flag")
    again = type(report).from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict()
    data = report.to_dict()
    assert set(data) >= {
        "status",
        "columns",
        "nulls",
        "label",
        "prediction",
        "multivariate",
        "skipped",
        "findings",
    }
    col = data["columns"][0]
    assert set(col) >= {
        "column",
        "kind",
        "statistic",
        "score",
        "threshold",
        "p_value",
        "drifted",
        "summary",
    }


def test_numeric_summary_has_edges_and_shares_for_plotting(drifted):
    report = compare(*drifted)
    x = next(c for c in report.columns if c.column == "x")
    s = x.summary
    assert s["type"] == "numeric"
    assert len(s["edges"]) == len(s["reference"]) + 1 == len(s["current"]) + 1
    assert sum(s["reference"]) == pytest.approx(1) and sum(
        s["current"]
    ) == pytest.approx(1)
    assert s["edges"] == sorted(s["edges"])
    cat = next(c for c in report.columns if c.column == "cat").summary
    assert cat["type"] == "categorical" and "NEW" in cat["categories"]


@pytest.mark.parametrize(
    "values", [np.zeros(300), (np.arange(3000) % 2).astype(float), np.arange(3000) % 7]
)
def test_plot_edges_increase_strictly_even_for_repeated_values(values):
    a = profile(pl.DataFrame({"v": values}))
    s = next(c for c in compare(a, a).columns).summary
    assert all(x < y for x, y in zip(s["edges"], s["edges"][1:], strict=False))
    assert len(s["edges"]) == len(s["reference"]) + 1


def test_check_with_a_reference_adds_the_drift_findings(rng):
    import pipewarden as pw

    ref = table(rng, 5_000)
    cur = table(rng, 5_000, shift=0.5, start=30)
    contract = pw.infer_contract(pw.profile(ref), id="id")
    result = pw.check(cur, contract, reference=ref)
    drift = [f for f in result.findings if f.check.startswith("drift.")]
    assert {f.column for f in drift if f.check == "drift.wasserstein"} == {"x", "y"}
    assert any(f.column == "x" and f.severity is Severity.ERROR for f in drift)
    assert not [
        f for f in pw.check(cur, contract).findings if f.check.startswith("drift.")
    ]
