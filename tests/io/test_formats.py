"""The one table of file formats: suffixes read and written, and write_frame."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from pipewarden.errors import ConfigError
from pipewarden.io.formats import (
    FORMATS,
    format_of,
    readable_text,
    write_format_of,
    write_frame,
)
from pipewarden.io.sources import read_frame

FRAME = pl.DataFrame({"a": [1, 2, None], "b": ["x", "y", "z"]})


@pytest.mark.parametrize(
    ("name", "format"),
    [
        ("d.csv", "csv"),
        ("d.TSV", "csv"),
        ("d.csv.gz", "csv"),
        ("d.parquet", "parquet"),
        ("d.pq", "parquet"),
        ("d.ndjson", "jsonl"),
        ("d.feather", "ipc"),
        ("d.parquet.gz", None),
        ("d.xlsx", None),
        ("d", None),
    ],
)
def test_format_of_reads_the_extension(name: str, format: str | None) -> None:
    assert format_of(Path(name)) == format


def test_every_written_suffix_is_also_read_as_the_same_format() -> None:
    for fmt in FORMATS.values():
        assert set(fmt.write_suffixes) <= set(fmt.suffixes), fmt.name
        for suffix in fmt.write_suffixes:
            assert format_of(Path(f"d{suffix}")) == fmt.name


def test_the_readable_formats_are_named_for_messages() -> None:
    assert readable_text() == (
        "Use CSV (.csv, .tsv, .txt, .csv.gz), Parquet (.parquet, .pq), "
        "JSON Lines (.jsonl, .ndjson) or Arrow IPC (.arrow, .feather, .ipc)."
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".pq", ".jsonl", ".arrow"])
def test_write_frame_round_trips(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "deep" / f"out{suffix}"

    write_frame(FRAME, path)

    assert_frame_equal(read_frame(path), FRAME)


@pytest.mark.parametrize("name", ["out.xlsx", "out.tsv", "out"])
def test_unknown_write_extensions_are_refused_with_the_choices(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        write_format_of(name)

    assert str(info.value) == (
        f"Cannot tell the format of '{name}' from its extension. End it with "
        ".parquet, .csv, .jsonl or .arrow."
    )


def test_a_path_that_cannot_be_written_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")

    with pytest.raises(ConfigError, match=r"^Cannot write '.*out.parquet': "):
        write_frame(FRAME, blocker / "out.parquet")


def test_a_frame_that_fails_halfway_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.arrow"
    pl.DataFrame({"a": [1]}).write_ipc(target)
    before = target.read_bytes()
    objects = pl.DataFrame({"a": [object()]}, schema={"a": pl.Object})

    with pytest.raises(ConfigError, match="^Cannot write '.*out.arrow' as ipc: "):
        write_frame(objects, target)  # Arrow IPC fails after writing its header

    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.arrow"]


def test_plain_parquet_is_read_by_polars_itself(tmp_path: Path) -> None:
    # Only fixed-offset time zones need the Arrow path; taking it for every file
    # made profiling the standard table 1.5x slower and doubled its memory.
    from pipewarden.io._formats import _parquet_schema

    path = tmp_path / "plain.parquet"
    pl.DataFrame(
        {"a": [1, 2], "t": [dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)]},
        schema_overrides={"t": pl.Datetime("us", "UTC")},
    ).write_parquet(path)

    assert _parquet_schema((path,))[1] is True


@settings(max_examples=200, deadline=None)
@given(
    groups=st.lists(st.integers(1, 50), max_size=12),
    chunk_rows=st.integers(1, 60),
)
def test_chunks_are_whole_row_groups_at_most_chunk_rows(
    groups: list[int], chunk_rows: int
) -> None:
    from pipewarden.io._formats import _group_ranges

    ranges = list(_group_ranges(groups, chunk_rows))

    ends = set(itertools.accumulate(groups))
    sliced = [  # the inside of each group larger than a chunk: read in slices
        (end - size, end)
        for size, end in zip(groups, itertools.accumulate(groups), strict=True)
        if size > chunk_rows
    ]
    starts = itertools.accumulate([n for _, n in ranges], initial=0)
    assert [start for start, _ in ranges] == list(starts)[:-1]
    assert sum(n for _, n in ranges) == sum(groups)
    for start, length in ranges:
        end = start + length
        assert 0 < length <= chunk_rows
        assert end in ends or any(lo < end < hi for lo, hi in sliced)
    # Greedy: no two neighbouring chunks of whole groups would fit in one.
    whole = all(g <= chunk_rows for g in groups)
    if whole:
        assert all(a[1] + b[1] > chunk_rows for a, b in itertools.pairwise(ranges))


def test_parquet_is_read_in_whole_row_groups(tmp_path: Path) -> None:
    """Reads that straddle row groups made polars decode most groups twice."""
    from pipewarden.io._formats import _parquet_frames

    path = tmp_path / "groups.parquet"
    frame = pl.DataFrame({"i": range(1_000), "s": [f"v{i % 7}" for i in range(1_000)]})
    frame.write_parquet(path, row_group_size=300)  # groups of 300, 300, 300, 100

    empty, *reads = _parquet_frames((path,), chunk_rows=700)

    assert empty.height == 0 and empty.schema == frame.schema
    assert [read.height for read in reads] == [600, 400]
    assert_frame_equal(pl.concat(reads), frame)
