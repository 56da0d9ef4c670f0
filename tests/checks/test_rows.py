"""What the rows add to findings is the same however the batch is cut into chunks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

import pipewarden as pw
from pipewarden.checks import rows
from pipewarden.checks.findings import Finding
from pipewarden.checks.run import check_profile
from pipewarden.contracts.model import Contract
from pipewarden.profiles.dataset import DatasetProfile

N = 6_000


def batches() -> tuple[pl.DataFrame, pl.DataFrame]:
    """A reference, and a batch where three things begin at different times: temp
    out of range, an unseen category, and pressure arriving as text out of range.
    Three rows share each hour; some rows have no time."""
    rng = np.random.default_rng(11)
    start = dt.datetime(2024, 3, 1)
    ts = [start + dt.timedelta(hours=i // 3) for i in range(N)]
    ref = pl.DataFrame(
        {
            "ts": ts,
            "temp": rng.normal(70, 8, N),
            "kind": rng.choice(["a", "b", "c"], N),
            "pressure": rng.uniform(10, 90, N),
        }
    )
    temp = rng.normal(70, 8, N)
    temp[4_000:] += 200
    kind = rng.choice(["a", "b", "c"], N).astype(object)
    kind[4_500:5_000] = "z"
    pressure = [f"{p:.1f}" for p in rng.uniform(10, 90, N)]
    for i in range(2_000, N, 3):
        pressure[i] = f"{rng.uniform(500, 900):.1f}"
    pressure[17] = "n/a"
    times: list[dt.datetime | None] = list(ts)
    for i in range(0, N, 97):
        times[i] = None
    cur = pl.DataFrame(
        {"ts": times, "temp": temp, "kind": list(kind), "pressure": pressure},
        schema={
            "ts": pl.Datetime("us"),
            "temp": pl.Float64,
            "kind": pl.String,
            "pressure": pl.String,
        },
    )
    return ref, cur


def profile_findings(
    ref: pl.DataFrame, cur: pl.DataFrame
) -> tuple[list[Finding], Contract, DatasetProfile, DatasetProfile]:
    reference = pw.profile(ref)
    contract = pw.infer_contract(reference, time="ts")
    current = pw.profile(cur)
    result = check_profile(current, contract, reference=reference)
    return list(result.findings), contract, current, reference


@pytest.mark.parametrize(
    ("chunk", "shuffled"),
    [
        (999, False),  # chunks end between hours: joined as they are
        (1_000, False),  # chunks share an hour: added up at the end
        (777, True),  # rows in no order: every chunk spans the whole batch
        (5_999, False),
        (N, False),
    ],
)
def test_chunks_give_the_findings_of_the_whole_batch(
    chunk: int, shuffled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref, cur = batches()
    findings, contract, current, reference = profile_findings(ref, cur)
    whole = rows.with_rows(findings, cur, contract, current, reference)
    monkeypatch.setattr(rows, "_MERGE_ROWS", 50)  # counts added up many times
    if shuffled:
        cur = cur.sample(fraction=1.0, shuffle=True, seed=5)

    chunked = rows.with_rows(
        findings, cur.iter_slices(chunk), contract, current, reference
    )

    assert chunked == whole
    onsets = {
        f.column: f.evidence["onset"]
        for f in whole
        if f.evidence is not None and "onset" in f.evidence
    }
    # The hour of row 4,000 (three rows an hour), of row 4,500, and of row 2,000.
    assert onsets["temp"]["start"] == "2024-04-25 13:00:00"
    assert onsets["kind"]["start"] == "2024-05-02 12:00:00"
    assert onsets["kind"]["end"] == "2024-05-09 10:00:00"  # row 4,999
    (text,) = [f for f in whole if "numbers read from text" in f.message]
    assert text.column == "pressure"
    assert onsets["pressure"]["start"] == "2024-03-28 18:00:00"


def test_no_rows_add_nothing() -> None:
    ref, cur = batches()
    findings, contract, current, reference = profile_findings(ref, cur)

    assert rows.with_rows(findings, iter([]), contract, current, reference) == findings
