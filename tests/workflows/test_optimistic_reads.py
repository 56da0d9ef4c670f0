"""Profiles read CSV files optimistically, and read them again when that fails.

A profile's rows are parsed once, with the types of the file's first rows, and
profiled as they come; a later row that does not parse (a word among numbers, bytes
that are not UTF-8, a quote character) makes the reader raise ``ReadAgainError``,
and the workflow starts afresh the checked way. Every workflow that profiles a file
must then give what the checked reading gives, counting each row once.
"""

from __future__ import annotations

import json
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import pipewarden as pw
from pipewarden.errors import PipewardenWarning, ReadAgainError
from pipewarden.io import _csv, _lines, iter_frames
from pipewarden.io.sources import optimistically
from pipewarden.store import open_store
from pipewarden.workflows.pipeline import checkpoint_stage, start_pipeline_run

ROWS = 12_000
LATE = 11_000
"""A row past the 10,000 the types are inferred from."""


@pytest.fixture(autouse=True)
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks and pieces of a few KiB: many pieces before the late row."""
    monkeypatch.setattr(_lines, "_BLOCK_BYTES", 4096)
    monkeypatch.setattr(_lines, "_PIECE_BYTES", 16384)
    monkeypatch.setattr(_csv, "_QUOTE_PROBE_BYTES", 4096)


def table(tmp_path: Path, late: str | None = None, name: str = "rows.csv") -> Path:
    rows = [f"{i},{i % 97 * 0.5},seg{i % 3}" for i in range(ROWS)]
    if late is not None:
        rows[LATE] = late
    path = tmp_path / name
    path.write_bytes(("id,x,seg\n" + "\n".join(rows) + "\n").encode("latin-1"))
    return path


def checked(path: Path) -> pl.DataFrame:
    return pl.concat(list(iter_frames(path, chunk_rows=1_000)))


@pytest.mark.parametrize(
    "late",
    [f"{LATE},n/a,seg1", f"{LATE},1.5,caf\xe9", f'{LATE},2.0,"seg 1"'],
    ids=["word-among-numbers", "not-utf8", "quote"],
)
def test_an_optimistic_read_stops_at_a_late_row_and_the_profile_reads_again(
    tmp_path: Path, late: str
) -> None:
    path = table(tmp_path, late)
    with pytest.raises(ReadAgainError):
        list(iter_frames(path, chunk_rows=1_000, optimistic=True))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expected = checked(path)
        seen: list[int] = []
        got = pw.profile(path, chunk_rows=1_000, progress=seen.append)
    assert got.to_dict() == pw.profile(expected, chunk_rows=1_000).to_dict()
    assert got.rows == ROWS and sum(seen) == ROWS
    lossy = [w for w in caught if issubclass(w.category, PipewardenWarning)]
    # Bad UTF-8 is said once per checked reading, never by the optimistic one.
    assert len(lossy) == (2 if "\xe9" in late else 0)


def test_an_optimistic_read_of_a_clean_file_is_the_checked_read(
    tmp_path: Path,
) -> None:
    path = table(tmp_path)
    got = optimistically(
        lambda optimistic: pl.concat(
            list(iter_frames(path, chunk_rows=1_000, optimistic=optimistic))
        )
    )
    assert_frame_equal(got, checked(path))
    parquet = tmp_path / "rows.parquet"
    got.write_parquet(parquet)  # other formats check nothing first: no change
    assert_frame_equal(
        pl.concat(list(iter_frames(parquet, chunk_rows=1_000, optimistic=True))), got
    )


def test_drift_and_a_pipeline_checkpoint_read_a_late_word_again(
    tmp_path: Path,
) -> None:
    reference = table(tmp_path, name="reference.csv")
    current = table(tmp_path, f"{LATE},n/a,seg1", name="current.csv")
    report = pw.compare(reference, current)
    assert report.current_rows == ROWS
    skipped = {
        s["column"]: s["reason"] for s in json.loads(report.to_json())["skipped"]
    }
    assert skipped["x"].startswith(
        "kind changed from float"
    )  # text here, numbers there

    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        run = start_pipeline_run("orders", store=store)
        stage = checkpoint_stage(run.id, "load", current, store=store, segments=["seg"])
    assert stage.rows == ROWS
    assert stage.segments is not None
    assert sum(stage.segments["parts"]["seg"]["rows"]) == ROWS  # each row once


def test_check_reads_the_rows_again_optimistically_and_agrees_with_the_frame(
    tmp_path: Path,
) -> None:
    # Findings about rows (an unseen category, with its onset) need the second
    # read; the late word makes both reads of the file start again.
    start = datetime(2024, 1, 1)

    def rows(late: bool) -> list[str]:
        out = []
        for i in range(ROWS):
            seg = f"seg{9 if late and i >= 6_000 else i % 3}"
            out.append(
                f"{i},{i % 97 * 0.5},{seg},{start + timedelta(minutes=i):%Y-%m-%d %H:%M:%S}"
            )
        if late:
            out[LATE] = out[LATE].replace(f",{LATE % 97 * 0.5},", ",n/a,")
        return out

    paths = []
    for name, late in (("reference.csv", False), ("current.csv", True)):
        path = tmp_path / name
        path.write_text("id,x,seg,at\n" + "\n".join(rows(late)) + "\n")
        paths.append(path)
    reference, current = paths
    contract = pw.infer_contract(pw.profile(reference), time="at")
    now = start + timedelta(days=9)
    got = pw.check(current, contract, reference=reference, now=now)
    want = pw.check(checked(current), contract, reference=reference, now=now)
    assert [f.to_dict() for f in got.findings] == [f.to_dict() for f in want.findings]
    unseen = [f for f in got.findings if f.column == "seg" and "seg9" in f.message]
    assert unseen and "onset" in unseen[0].evidence  # when it began: from the rows
