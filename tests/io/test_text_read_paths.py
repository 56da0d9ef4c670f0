"""The CSV and JSON Lines read paths give the rows polars reads from the whole file.

CSV rows come from an Arrow spool written by the checking pass, or, when there is
no room for one, from pieces of whole lines parsed one ahead (polars' streaming
reader takes over at the first quote), or, read optimistically, from pieces of
lines parsed with the first rows' types before the rest is checked (read again the
checked way when a later row does not parse); JSON Lines rows from pieces of whole
lines.
Each path is compared with polars reading the whole file in memory with the same
inference (``pl.read_csv`` / ``pl.read_ndjson``), on files whose tricky parts sit
on both sides of piece boundaries.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import pipewarden as pw
from pipewarden.errors import SourceError
from pipewarden.io import _csv, _lines, _spool, iter_frames, read_frame
from pipewarden.io._lines import LinePieces
from pipewarden.io.sources import optimistically

CHUNK = 1_000
OPTIMISTIC = False
"""Whether ``chunks`` reads optimistically (set by the ``read_path`` fixture)."""


@pytest.fixture(params=["spool", "pieces", "optimistic"])
def read_path(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[str]:
    """Each CSV read path; the spool goes to a folder of the test's own."""
    spools = tmp_path / "spools"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    made: list[Path | None] = []
    if request.param == "optimistic":
        monkeypatch.setattr(sys.modules[__name__], "OPTIMISTIC", True)
        monkeypatch.setattr(_csv, "_QUOTE_PROBE_BYTES", 4096)  # as small_pieces
    elif request.param == "pieces":
        monkeypatch.setattr(_csv, "spool_path", lambda path, ratio: None)
    elif _spool._filesystem_type(spools) in _spool._IN_MEMORY_FILESYSTEMS:
        pytest.skip("the temporary directory is in memory: no spool is made there")
    else:
        chosen = _csv.spool_path

        def recorded(path: Path, ratio: float) -> Path | None:
            made.append(chosen(path, ratio))
            return made[-1]

        monkeypatch.setattr(_csv, "spool_path", recorded)
    yield request.param
    assert list(spools.iterdir()) == []  # every spool removed
    if request.param == "spool":
        assert made and all(made)  # the rows did come from a spool


def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read blocks and pieces of a few KiB, so a small file has many boundaries."""
    monkeypatch.setattr(_lines, "_BLOCK_BYTES", 4096)
    monkeypatch.setattr(_lines, "_PIECE_BYTES", 16384)


def chunks(path: Path) -> pl.DataFrame:
    frames = optimistically(
        lambda optimistic: list(
            iter_frames(path, chunk_rows=CHUNK, optimistic=optimistic and OPTIMISTIC)
        )
    )
    assert all(frame.height == CHUNK for frame in frames[:-1])
    return pl.concat(frames)


def whole_csv(path: Path, **overrides: type[pl.String]) -> pl.DataFrame:
    return pl.read_csv(
        path,
        infer_schema_length=_csv.INFER_SCHEMA_ROWS,
        try_parse_dates=True,
        schema_overrides=overrides or None,
    )


def lines_csv(path: Path, header: str, rows: list[str], end: str = "\n") -> Path:
    path.write_text(end.join([header, *rows]) + end)
    return path


def test_csv_types_dates_zones_and_times(
    tmp_path: Path, read_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_pieces(monkeypatch)
    rows = [
        f"{i},{i * 0.25},2024-01-{i % 28 + 1:02d},2024-02-03T04:05:{i % 60:02d}Z,"
        f"12:{i % 60:02d}:00,{'true' if i % 3 else 'false'},name {i % 17},"
        + ("" if i % 11 == 0 else str(i % 7))
        for i in range(5_000)
    ]
    path = lines_csv(tmp_path / "types.csv", "id,x,day,at,time,flag,name,gappy", rows)
    expected = whole_csv(path)
    assert expected.schema["at"] == pl.Datetime("us", "UTC")
    assert expected.schema["time"] == pl.Time
    assert_frame_equal(chunks(path), expected)


def test_csv_late_values_that_do_not_fit_widen_the_column(
    tmp_path: Path, read_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_pieces(monkeypatch)
    rows = [f"{i},{i},2024-01-{i % 28 + 1:02d}" for i in range(12_000)]
    rows[11_500] = "oops,7,4.1.0"  # past the inferred head: both columns widen
    path = lines_csv(tmp_path / "late.csv", "n,m,day", rows)
    frame = chunks(path)
    assert frame.schema == pl.Schema({"n": pl.String, "m": pl.Int64, "day": pl.String})
    assert_frame_equal(frame, whole_csv(path, n=pl.String, day=pl.String))


def test_csv_quotes_blank_lines_crlf_and_bom(
    tmp_path: Path, read_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_pieces(monkeypatch)
    plain = [f"{i},word {i},{i % 5}" for i in range(3_000)]
    quoted = [f'{i},"two\nlines, {i}",{i % 5}' for i in range(3_000, 3_400)]
    blank = ["", "7,after a blank line,1", ",,"]
    path = tmp_path / "quoted.csv"
    body = "\r\n".join(["id,text,k", *plain, *blank, *quoted, *plain[:50]]) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    frame = chunks(path)
    assert frame.columns == ["id", "text", "k"]
    assert frame.filter(pl.col("id") == 3_001)["text"].item() == "two\nlines, 3001"
    assert_frame_equal(frame, whole_csv(path))


def test_csv_gzip_and_header_only(tmp_path: Path, read_path: str) -> None:
    rows = [f"{i},{i % 3 == 0},{i / 7}" for i in range(2_500)]
    text = lines_csv(tmp_path / "plain.csv", "i,b,f", rows)
    zipped = tmp_path / "plain.csv.gz"
    zipped.write_bytes(gzip.compress(text.read_bytes()))
    assert_frame_equal(chunks(zipped), whole_csv(text))

    header = tmp_path / "header.csv"
    header.write_text("a,b\n")
    assert read_frame(header).schema == pl.Schema({"a": pl.String, "b": pl.String})


def test_csv_malformed_and_early_closed_reads_leave_no_spool(
    tmp_path: Path, read_path: str
) -> None:
    ragged = lines_csv(tmp_path / "ragged.csv", "a,b", ["1,2"] * 3_000 + ["3,4,5"])
    with pytest.raises(SourceError, match="found more fields than defined"):
        read_frame(ragged)
    many = lines_csv(tmp_path / "many.csv", "a,b", [f"{i},{i}" for i in range(5_000)])
    frames = iter_frames(many, chunk_rows=CHUNK)
    assert next(frames).height == CHUNK
    frames.close()  # the fixture checks the spool is gone


def test_csv_profile_is_the_profile_of_the_whole_file(
    tmp_path: Path, read_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pw.profile reads optimistically; the value past the inferred head that does
    # not parse makes it read again, the way ``read_path`` says.
    small_pieces(monkeypatch)
    rows = [
        f"{i},{(i * 7919) % 1000 / 10},cat{i % 13},2024-03-{i % 28 + 1:02d} 10:00:00"
        for i in range(12_000)
    ]
    rows[11_000] = "11000,not a number,cat1,2024-03-01 10:00:00"
    path = lines_csv(tmp_path / "profiled.csv", "id,x,c,at", rows)
    expected = pw.profile(whole_csv(path, x=pl.String), chunk_rows=CHUNK)
    seen: list[int] = []
    got = pw.profile(path, chunk_rows=CHUNK, progress=seen.append)
    assert got.to_dict() == expected.to_dict()
    assert min(seen) < 0  # the rows of the first reading were taken back...
    assert sum(seen) == 12_000  # ...so the count ends at the file's rows


def test_jsonl_late_keys_and_wider_types_across_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_pieces(monkeypatch)
    records: list[dict[str, object]] = [
        {"id": i, "x": i, "tag": f"t{i % 5}", "nested": {"a": i}} for i in range(6_000)
    ]
    records[5_500]["x"] = 2.5  # int -> float, far past the first piece
    records[5_900]["late"] = "new key"
    records[5_950]["nested"] = {"a": 1, "b": True}
    path = tmp_path / "rows.jsonl"
    lines = [json.dumps(record) for record in records]
    path.write_text("\n".join(lines[:3_000] + [""] + lines[3_000:]) + "\n")
    expected = pl.read_ndjson(path, infer_schema_length=None)
    assert expected.schema["x"] == pl.Float64
    assert "late" in expected.columns
    assert_frame_equal(chunks(path), expected)


@pytest.mark.parametrize("lines", [1, 7, 1_000])
@pytest.mark.parametrize("stop", [None, b'"'])
def test_line_pieces_cut_the_file_into_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: int, stop: bytes | None
) -> None:
    small_pieces(monkeypatch)
    body = [f"row {i}," + "x" * (i % 300) for i in range(4_000)]
    quote_at = 3_000
    body[quote_at] = 'row "quoted"'
    path = tmp_path / "lines.csv"
    path.write_text("head\n" + "\n".join(body))  # no newline at the end
    pieces = LinePieces(path, lines, header=True, stop=stop)
    cut = list(pieces)

    assert pieces.header == b"head\n"
    assert all(piece.startswith(b"head\n") for piece in cut)
    texts = [piece.removeprefix(b"head\n") for piece in cut]
    assert all(0 < text.count(b"\n") <= lines for text in texts[:-1])
    assert all(text.endswith(b"\n") for text in texts[:-1])
    joined = b"".join(texts).decode()
    if stop is None:
        assert not pieces.stopped
        assert joined == "\n".join(body)
    else:
        assert pieces.stopped  # ended before the block holding the quote
        assert joined.count("\n") < quote_at
        assert "\n".join(body).startswith(joined)


CELLS = [
    "",
    "7",
    "-3",
    "2.5",
    "1e3",
    "true",
    "False",
    "20240102",
    "2024-01-02",
    "2024/01/02",
    "02-01-2024",
    "02.01.2024",
    "2024-01-02 03:04",
    "2024-01-02T03:04:05",
    "2024-01-02T03:04:05.123456",
    "2024-01-02T03:04:05Z",
    "2024-01-02T03:04:05+05:30",
    "12:30:00",
    "4.1.0",
    "word",
    "two words",
    '"2024-01-02"',
    '"7"',
]


@settings(max_examples=300, deadline=None)
@given(
    columns=st.lists(
        st.lists(st.sampled_from(CELLS), min_size=1, max_size=4), min_size=1, max_size=4
    ),
    rows=st.integers(0, 12),
    crlf=st.booleans(),
    blank_at=st.one_of(st.none(), st.integers(0, 12)),
)
def test_csv_inference_equals_polars_inference_with_dates(
    columns: list[list[str]], rows: int, crlf: bool, blank_at: int | None
) -> None:
    """Dates tried on the text columns only give the types polars infers when it
    tries dates on every value (quoted, blank and CRLF heads included)."""
    lines = [",".join(f"h{index}" for index in range(len(columns)))]
    lines += [
        ",".join(cells[row % len(cells)] for cells in columns) for row in range(rows)
    ]
    if blank_at is not None and blank_at < len(lines):
        lines.insert(blank_at + 1, "")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "head.csv"
        path.write_text(("\r\n" if crlf else "\n").join(lines) + "\n")
        expected = _csv._scan(path, ",", {}, "utf8").collect_schema()
        assert _csv._inferred_schema(path, ",", {}, "utf8") == expected


@pytest.mark.parametrize("late", [9_999, 10_000, 10_001])
def test_csv_inference_reads_exactly_the_rows_polars_reads(
    tmp_path: Path, late: int
) -> None:
    lines = ["day,n,word"] + ["2024-01-01,1,a"] * 10_010
    lines[late] = "not a day,x,b"
    path = lines_csv(tmp_path / "boundary.csv", lines[0], lines[1:])
    expected = _csv._scan(path, ",", {}, "utf8").collect_schema()
    assert _csv._head_fields(path, ",", 3) is not None  # the quick way
    assert _csv._inferred_schema(path, ",", {}, "utf8") == expected
    assert (expected["day"] == pl.Date) == (late > _csv.INFER_SCHEMA_ROWS)


@pytest.mark.parametrize("late_word", [False, True], ids=["clean", "late-word"])
def test_csv_reads_all_rows_when_the_temporary_file_cannot_be_written(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, late_word: bool
) -> None:
    # A disk that fills while the spool is written: the rows are parsed again
    # instead (no error, no spool left), and a value that does not parse further
    # down still turns its column to text, as without a spool.
    spools = tmp_path / "spools"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    attempts: list[Path] = []

    def full_disk(scan: pl.LazyFrame, spool: Path) -> None:
        attempts.append(spool)
        spool.write_bytes(b"ARROW1 half written")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_csv, "write_spool", full_disk)
    monkeypatch.setattr(_csv, "spool_path", lambda path, ratio: spools / "rows.arrow")
    rows = [f"{i},{i * 0.5},2024-01-01 00:00:{i % 60:02d}" for i in range(3_000)]
    if late_word:
        rows[2_500] = "2500,n/a,2024-01-01 00:00:00"
    path = tmp_path / "data.csv"
    path.write_text("id,x,ts\n" + "\n".join(rows) + "\n")

    got = chunks(path)

    want = whole_csv(path, x=pl.String) if late_word else whole_csv(path)
    assert_frame_equal(got, want)
    assert len(attempts) == 1  # one failed write: no second attempt
    assert list(spools.iterdir()) == []
