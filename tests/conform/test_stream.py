"""A batch conformed chunk by chunk into files equals the batch conformed in memory:
the same rows written, the same quarantine (rows numbered in the batch), the same
findings, counts and reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipewarden.conform import Gate
from pipewarden.workflows.conform import conform_to_files

ROWS = 5_000


def messy(rows: int = ROWS, seed: int = 3) -> pl.DataFrame:
    """Ages as text with words, out of range and missing; plans with variants and
    unseen values; incomes out of range; an unexpected column."""
    rng = np.random.default_rng(seed)
    ages = rng.integers(-5, 130, rows).astype(str).astype(object)
    ages[rng.random(rows) < 0.01] = "forty"
    ages[rng.random(rows) < 0.02] = None
    plans = rng.choice(
        ["gold", "silver", "bronze", " Gold", "SILVER", "platinum", "tin", None],
        rows,
        p=[0.3, 0.3, 0.2, 0.05, 0.05, 0.04, 0.03, 0.03],
    )
    return pl.DataFrame(
        {
            "age": pl.Series(ages.tolist(), dtype=pl.String),
            "income": rng.normal(5e5, 4e5, rows),
            "plan": pl.Series(plans.tolist(), dtype=pl.String),
            "region": rng.choice(["north", "south"], rows),
            "extra": np.arange(rows),
        }
    )


@pytest.mark.parametrize("suffix", ["parquet", "csv", "jsonl", "arrow"])
def test_streamed_conform_equals_the_in_memory_one(
    gate: Gate, tmp_path: Path, suffix: str
) -> None:
    frame = messy()
    source = tmp_path / "batch.parquet"
    frame.write_parquet(source)
    whole = gate.conform(frame)
    assert whole.rows_quarantined > 100  # the case exercises the quarantine
    out, held = tmp_path / f"out.{suffix}", tmp_path / f"held.{suffix}"
    streamed = conform_to_files(source, gate, out, held, memory_budget=None)
    chunked = _conform_in_chunks(gate, source, tmp_path, suffix)
    for result in (streamed, chunked):
        assert result.to_dict()["findings"] == whole.to_dict()["findings"]
        assert (result.rows_in, result.rows_out, result.rows_quarantined) == (
            whole.rows_in,
            whole.rows_out,
            whole.rows_quarantined,
        )
        assert sorted(result.reasons) == sorted(whole.reasons)
    read = {
        "parquet": pl.read_parquet,
        "csv": pl.read_csv,
        "jsonl": pl.read_ndjson,
        "arrow": pl.read_ipc,
    }[suffix]
    expected_out, expected_held = whole.frame, whole.quarantine
    if suffix in ("csv", "jsonl"):  # text carries no dtypes: compare as text
        expected_out = expected_out.cast(pl.String)
        expected_held = expected_held.cast(pl.String)
    for path, expected in ((out, expected_out), (held, expected_held)):
        got = read(tmp_path / f"chunks.{path.name}")
        if suffix in ("csv", "jsonl"):
            got = got.cast(pl.String)
        assert got.equals(expected), path.name


def _conform_in_chunks(gate: Gate, source: Path, folder: Path, suffix: str):  # type: ignore[no-untyped-def]
    from pipewarden.conform.gate import ConformResult
    from pipewarden.conform.stream import conform_frames
    from pipewarden.io.sinks import FrameSink
    from pipewarden.io.sources import iter_frames

    with (
        FrameSink(folder / f"chunks.out.{suffix}") as kept,
        FrameSink(folder / f"chunks.held.{suffix}") as held,
    ):
        outcome = conform_frames(
            gate.plan, iter_frames(source, chunk_rows=700), kept.write, held.write
        )
        assert kept.chunks == 8
        kept.commit()
        held.commit(empty=outcome.quarantine_schema)
    return ConformResult(
        None, None, outcome.findings, outcome.rows_in, reasons=outcome.reasons
    )


def test_no_quarantine_file_when_nothing_is_quarantined_unless_asked(
    gate: Gate, tmp_path: Path
) -> None:
    clean = pl.DataFrame(
        {
            "age": [30, 40],
            "income": [1.0, 2.0],
            "plan": ["gold", "silver"],
            "region": ["north", "south"],
        }
    )
    source = tmp_path / "clean.parquet"
    clean.write_parquet(source)
    result = conform_to_files(
        source,
        gate,
        tmp_path / "o.parquet",
        tmp_path / "q.parquet",
        empty_quarantine=False,
    )
    assert result.rows_quarantined == 0
    assert not (tmp_path / "q.parquet").exists()
    conform_to_files(source, gate, tmp_path / "o.parquet", tmp_path / "q.parquet")
    assert pl.read_parquet(tmp_path / "q.parquet").height == 0
    assert pl.read_parquet(tmp_path / "o.parquet").height == 2
