"""``iter_frames(read_ahead=False)`` reads the same chunks with nothing read ahead of
the caller, and the profile workflows ask for that when the engine reads ahead
itself (the local engine prepares chunks at once): one chunk less in memory. Text
files read in pieces of lines are parsed ahead either way: a piece is small
(``_lines.PARSED_AHEAD``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import pipewarden as pw
from pipewarden.engines.local import LocalEngine
from pipewarden.io import _csv, iter_frames
from pipewarden.workflows import compare as compare_workflow
from pipewarden.workflows import profile as profile_workflow

ROWS = 9_000
CHUNK = 1_000


def table() -> pl.DataFrame:
    rng = np.random.default_rng(4)
    return pl.DataFrame(
        {
            "id": np.arange(ROWS),
            "x": rng.normal(size=ROWS),
            "code": rng.choice(["a", "b", "c"], ROWS),
            "at": pl.datetime_range(
                pl.datetime(2024, 1, 1), pl.datetime(2024, 1, 2), "1s", eager=True
            ).head(ROWS),
        }
    )


@pytest.fixture(params=["parquet", "folder", "csv", "csv-pieces", "jsonl"])
def source(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, bool, bool]:
    """A source, whether its reader reads ahead when asked to (a CSV read back
    from its spool is read a batch at a time either way), and whether it reads
    ahead unasked (pieces of lines)."""
    frame = table()
    if request.param == "folder":
        for index in range(3):
            frame.slice(index * 3_000, 3_000).write_parquet(
                tmp_path / f"p{index}.parquet"
            )
        return tmp_path, True, False
    suffix = request.param.split("-")[0]
    path = tmp_path / f"t.{suffix}"
    if request.param == "csv-pieces":
        monkeypatch.setattr(_csv, "spool_path", lambda path, ratio: None)
    {
        "parquet": frame.write_parquet,
        "csv": frame.write_csv,
        "jsonl": frame.write_ndjson,
    }[suffix](path)
    pieces = request.param in ("csv-pieces", "jsonl")
    return path, request.param != "csv", pieces


def reading_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("pw-read")}


def chunks(path: Path, read_ahead: bool) -> Iterator[tuple[pl.DataFrame, set[str]]]:
    for frame in iter_frames(path, chunk_rows=CHUNK, read_ahead=read_ahead):
        yield frame, reading_threads()


def test_without_read_ahead_the_chunks_are_the_same_and_only_lines_are_read_ahead(
    source: tuple[Path, bool, bool],
) -> None:
    path, reads_ahead, pieces = source
    ahead = list(chunks(path, True))
    inline = list(chunks(path, False))
    assert [f.height for f, _ in inline] == [f.height for f, _ in ahead]
    assert_frame_equal(
        pl.concat([f for f, _ in inline]), pl.concat([f for f, _ in ahead])
    )
    assert any(threads for _, threads in inline) == pieces
    assert any(threads for _, threads in ahead) == reads_ahead


def asked_read_ahead(module: Any, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each ``iter_frames`` call of ``module`` passes as ``read_ahead``."""
    asked: list[bool] = []
    real = module.iter_frames

    def recorded(*args: Any, **kwargs: Any) -> Iterator[pl.DataFrame]:
        asked.append(kwargs.get("read_ahead", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "iter_frames", recorded)
    return asked


def test_the_profile_reads_nothing_ahead_of_an_engine_that_reads_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.parquet"
    table().write_parquet(path)
    asked = asked_read_ahead(profile_workflow, monkeypatch)
    assert LocalEngine.reads_ahead
    got = pw.profile(path, chunk_rows=CHUNK)
    assert asked == [False]
    assert (
        got.to_dict()
        == LocalEngine().profile_frames(iter_frames(path, chunk_rows=CHUNK)).to_dict()
    )


def test_compare_reads_nothing_ahead_of_the_local_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference, current = tmp_path / "r.parquet", tmp_path / "c.parquet"
    table().write_parquet(reference)
    table().with_columns(pl.col("x") + 1).write_parquet(current)
    asked = asked_read_ahead(compare_workflow, monkeypatch)
    compare_workflow.compare(reference, current)
    assert asked == [False, False]  # both sides
