from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import math
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from pipewarden.errors import MissingDependencyError, PipewardenWarning, SourceError
from pipewarden.io import (
    DEFAULT_CHUNK_ROWS,
    describe_source,
    iter_frames,
    read_frame,
    source_size_bytes,
)
from pipewarden.io._files import file_row_bytes, resolve_files
from pipewarden.io.urls import redact_url
from store_helpers import pg_url, postgres_schema_url


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def numbers_csv(path: Path, rows: int) -> Path:
    lines = ["id,value,day"] + [
        f"{i},{i * 0.5},2024-01-{i % 28 + 1:02d}" for i in range(rows)
    ]
    return write(path, "\n".join(lines) + "\n")


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SourceError) as info:
        call()
    return str(info.value)


# --- formats -----------------------------------------------------------------


def test_csv_infers_ints_floats_dates_and_strings(tmp_path: Path) -> None:
    path = write(tmp_path / "users.csv", "id,score,joined,name\n1,0.5,2024-01-02,ann\n")
    frame = read_frame(path)
    assert frame.schema == pl.Schema(
        {"id": pl.Int64, "score": pl.Float64, "joined": pl.Date, "name": pl.String}
    )
    assert frame.row(0) == (1, 0.5, dt.date(2024, 1, 2), "ann")


def test_csv_parses_datetimes(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "at\n2024-01-02T03:04:05\n")
    assert read_frame(path)["at"].to_list() == [dt.datetime(2024, 1, 2, 3, 4, 5)]


def test_tsv_and_gzipped_csv_and_txt_with_semicolons(tmp_path: Path) -> None:
    expected = pl.DataFrame({"a": [1, 3], "b": ["x", "y"]})
    tsv = write(tmp_path / "d.tsv", "a\tb\n1\tx\n3\ty\n")
    gz = write(tmp_path / "d.csv.gz", gzip.compress(b"a,b\n1,x\n3,y\n"))
    txt = write(tmp_path / "d.txt", "a;b\n1;x\n3;y\n")
    for path in (tsv, gz, txt):
        assert_frame_equal(read_frame(path), expected)


def test_parquet_file_keeps_timestamps(tmp_path: Path) -> None:
    when = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    table = pa.table({"at": pa.array([when], pa.timestamp("ms", tz="UTC"))})
    pq.write_table(table, tmp_path / "t.parquet")
    pq.write_table(table, tmp_path / "t.pq")
    for name in ("t.parquet", "t.pq"):
        frame = read_frame(tmp_path / name)
        assert frame.schema["at"] == pl.Datetime("ms", "UTC")
        assert frame["at"].to_list() == [when]


@pytest.mark.parametrize("name", ["a[1].parquet", "b*.parquet", "c?.parquet"])
def test_parquet_file_named_like_a_glob_is_read_as_named(
    tmp_path: Path, name: str
) -> None:
    # A decoy the name matches as a pattern: reading it too would give a 9.
    decoy = name.replace("[1]", "1").replace("*", "b").replace("?", "c")
    pq.write_table(pa.table({"n": [9]}), tmp_path / decoy)
    pq.write_table(pa.table({"n": [1, 2]}), tmp_path / name)
    assert read_frame(tmp_path / name)["n"].to_list() == [1, 2]
    files = resolve_files(tmp_path / name)
    assert file_row_bytes(files) == pytest.approx(8.0)  # two int64s, no nulls


def test_row_size_of_a_parquet_file_polars_cannot_read(tmp_path: Path) -> None:
    # Polars panics on a fixed-offset zone: pyarrow tells the row size instead.
    when = pa.array([0, 1], pa.int64()).cast(pa.timestamp("us", "+05:30"))
    pq.write_table(pa.table({"at": when}), tmp_path / "z.parquet")
    size = file_row_bytes(resolve_files(tmp_path / "z.parquet"))
    assert size == pytest.approx(8.0, abs=1.0)  # and a validity bitmap, maybe


def test_parquet_directory_reads_files_sorted_by_name(tmp_path: Path) -> None:
    folder = tmp_path / "events"
    folder.mkdir()
    pq.write_table(pa.table({"n": [3, 4]}), folder / "b.parquet")
    pq.write_table(pa.table({"n": [1, 2]}), folder / "a.parquet")
    write(folder / "_SUCCESS", "")
    write(folder / ".hidden.parquet", "junk")
    assert read_frame(folder)["n"].to_list() == [1, 2, 3, 4]
    assert describe_source(folder) == "events"


def test_parquet_glob_reads_matching_files(tmp_path: Path) -> None:
    pq.write_table(pa.table({"n": [1]}), tmp_path / "part-1.parquet")
    pq.write_table(pa.table({"n": [2]}), tmp_path / "part-2.parquet")
    pattern = f"{tmp_path}/part-*.parquet"
    assert read_frame(pattern)["n"].to_list() == [1, 2]
    assert describe_source(pattern) == pattern


def test_parquet_files_with_compatible_schemas_are_unified(tmp_path: Path) -> None:
    pq.write_table(pa.table({"n": pa.array([1], pa.int32())}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"n": [2], "extra": ["x"]}), tmp_path / "b.parquet")
    frames = list(iter_frames(tmp_path, chunk_rows=1))
    assert [frame.schema for frame in frames] == [
        pl.Schema({"n": pl.Int64, "extra": pl.String})
    ] * 2
    assert read_frame(tmp_path).rows() == [(1, None), (2, "x")]


@pytest.mark.parametrize("suffix", ["parquet", "csv", "jsonl", "arrow"])
def test_columns_reads_only_those_in_their_order(tmp_path: Path, suffix: str) -> None:
    frame = pl.DataFrame(
        {"a": range(250), "*": [f"s{i}" for i in range(250)], "^b$": [0.5] * 250}
    )
    path = tmp_path / f"t.{suffix}"
    {
        "parquet": frame.write_parquet,
        "csv": frame.write_csv,
        "jsonl": frame.write_ndjson,
        "arrow": frame.write_ipc,
    }[suffix](path)
    chunks = list(iter_frames(path, chunk_rows=100, columns=["^b$", "*"]))
    assert [c.height for c in chunks] == [100, 100, 50]
    assert_frame_equal(pl.concat(chunks), frame.select(pl.nth(2), pl.nth(1)))


def test_columns_of_parquet_files_with_different_schemas(tmp_path: Path) -> None:
    pq.write_table(pa.table({"n": pa.array([1], pa.int32())}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"n": [2], "extra": ["x"]}), tmp_path / "b.parquet")
    got = pl.concat(iter_frames(tmp_path, columns=["extra", "n"]))
    assert got.rows() == [(None, 1), ("x", 2)]
    assert got.columns == ["extra", "n"]


def test_columns_of_an_in_memory_frame() -> None:
    frame = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    (got,) = iter_frames(frame, columns=["b"])
    assert got.to_dict(as_series=False) == {"b": ["x", "y"]}


def test_jsonl_with_nested_values(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.jsonl",
        '{"id": 1, "user": {"tags": ["a", "b"]}}\n{"id": 2, "user": {"tags": []}}\n',
    )
    frame = read_frame(path)
    assert frame.schema == pl.Schema(
        {"id": pl.Int64(), "user": pl.Struct({"tags": pl.List(pl.String)})}
    )
    assert frame["user"].to_list() == [{"tags": ["a", "b"]}, {"tags": []}]


def test_ndjson_takes_types_from_every_line(tmp_path: Path) -> None:
    lines = [f'{{"a": {i}}}' for i in range(10_050)] + ['{"a": "word", "late": 1}']
    path = write(tmp_path / "e.ndjson", "\n".join(lines) + "\n")
    frame = read_frame(path)
    assert frame.schema == pl.Schema({"a": pl.String, "late": pl.Int64})
    assert frame.height == 10_051
    assert frame["a"][-1] == "word"


@pytest.mark.parametrize("name", ["t.arrow", "t.feather", "t.ipc"])
def test_arrow_ipc_file_format(tmp_path: Path, name: str) -> None:
    feather.write_feather(pa.table({"a": [1, 2]}), tmp_path / name)
    assert read_frame(tmp_path / name)["a"].to_list() == [1, 2]


def test_arrow_ipc_stream_format(tmp_path: Path) -> None:
    table = pa.table({"a": [1, 2, 3]})
    with (
        pa.OSFile(str(tmp_path / "s.arrow"), "wb") as sink,
        pa.ipc.new_stream(sink, table.schema) as writer,
    ):
        writer.write_table(table, max_chunksize=2)
    frames = list(iter_frames(tmp_path / "s.arrow", chunk_rows=2))
    assert [frame.height for frame in frames] == [2, 1]


def test_file_url(tmp_path: Path) -> None:
    path = write(tmp_path / "my data.csv", "a\n1\n")
    url = path.as_uri()
    assert read_frame(url)["a"].to_list() == [1]
    assert describe_source(url) == "my data.csv"
    assert source_size_bytes(url) == 4


# --- chunking ------------------------------------------------------------------


def test_csv_1000_rows_in_chunks_of_100(tmp_path: Path) -> None:
    path = numbers_csv(tmp_path / "n.csv", 1000)
    frames = list(iter_frames(path, chunk_rows=100))
    assert [frame.height for frame in frames] == [100] * 10
    assert len({tuple(frame.schema.items()) for frame in frames}) == 1
    assert_frame_equal(pl.concat(frames), read_frame(path))
    assert_frame_equal(pl.concat(frames), pl.read_csv(path, try_parse_dates=True))


def test_parquet_chunks_are_exact_across_row_groups(tmp_path: Path) -> None:
    pq.write_table(
        pa.table({"n": range(1000)}), tmp_path / "n.parquet", row_group_size=33
    )
    frames = list(iter_frames(tmp_path / "n.parquet", chunk_rows=100))
    assert [frame.height for frame in frames] == [100] * 10
    assert pl.concat(frames)["n"].to_list() == list(range(1000))


def test_jsonl_chunks(tmp_path: Path) -> None:
    path = write(tmp_path / "n.jsonl", "".join(f'{{"n": {i}}}\n' for i in range(250)))
    frames = list(iter_frames(path, chunk_rows=100))
    assert [frame.height for frame in frames] == [100, 100, 50]


def test_polars_frame_passes_through_or_is_sliced() -> None:
    frame = pl.DataFrame({"n": range(10)})
    assert next(iter_frames(frame)) is frame
    assert read_frame(frame) is frame
    chunks = list(iter_frames(frame, chunk_rows=4))
    assert [chunk.height for chunk in chunks] == [4, 4, 2]
    assert_frame_equal(pl.concat(chunks), frame)


def test_lazy_frame_is_read_in_chunks() -> None:
    lazy = pl.LazyFrame({"n": range(10)}).with_columns(double=pl.col("n") * 2)
    chunks = list(iter_frames(lazy, chunk_rows=3))
    assert [chunk.height for chunk in chunks] == [3, 3, 3, 1]
    assert_frame_equal(pl.concat(chunks), lazy.collect())


def test_default_chunk_rows() -> None:
    assert DEFAULT_CHUNK_ROWS == 262_144


# --- awkward but valid data -------------------------------------------------------


def test_csv_word_after_inferred_rows_makes_column_string(tmp_path: Path) -> None:
    lines = ["n,m"] + [f"{i},{i}" for i in range(10_050)] + ["oops,7"]
    path = write(tmp_path / "mixed.csv", "\n".join(lines) + "\n")
    frames = list(iter_frames(path, chunk_rows=4096))
    assert {frame.schema["n"] for frame in frames} == {pl.String}
    assert {frame.schema["m"] for frame in frames} == {pl.Int64}
    frame = pl.concat(frames)
    assert frame.height == 10_051
    assert frame["n"][0] == "0"
    assert frame["n"][-1] == "oops"


def test_csv_columns_with_late_values_of_another_type_are_found_in_one_pass(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = ["n,x,day,ok"] + [f"{i},{i}.5,2024-01-02,{i}" for i in range(10_050)]
    lines += ["oops,1.5,2024-01-02,1", "7,n/a,soon,2", "8,,,3", '9,"","",4']
    path = write(tmp_path / "late.csv", "\n".join(lines) + "\n")

    with caplog.at_level("INFO", logger="pipewarden.io._csv"):
        frame = read_frame(path)

    assert frame.schema == pl.Schema(
        {"n": pl.String, "x": pl.String, "day": pl.String, "ok": pl.Int64}
    )
    assert frame.row(-4) == ("oops", "1.5", "2024-01-02", 1)
    assert frame.row(-2) == ("8", None, None, 3)
    assert frame.row(-1) == ("9", "", "", 4)  # quoted empty text stays text
    assert [r.getMessage() for r in caplog.records] == [
        f"Reading column 'n' of {path} as text: 1 value does not parse as Int64",
        f"Reading column 'x' of {path} as text: 1 value does not parse as Float64",
        f"Reading column 'day' of {path} as text: 1 value does not parse as Date",
    ]


def test_csv_reading_does_not_depend_on_the_wording_of_polars_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    collect = pl.LazyFrame.collect

    def reworded(self: pl.LazyFrame, *args: Any, **kwargs: Any) -> pl.DataFrame:
        try:
            frame: pl.DataFrame = collect(self, *args, **kwargs)
        except pl.exceptions.ComputeError as exc:
            raise pl.exceptions.ComputeError(
                "Something in the file went wrong"
            ) from exc
        return frame

    sink_ipc = pl.LazyFrame.sink_ipc

    def reworded_sink(self: pl.LazyFrame, *args: Any, **kwargs: Any) -> Any:
        try:
            return sink_ipc(self, *args, **kwargs)
        except pl.exceptions.ComputeError as exc:
            raise pl.exceptions.ComputeError(
                "Something in the file went wrong"
            ) from exc

    monkeypatch.setattr(pl.LazyFrame, "collect", reworded)
    monkeypatch.setattr(pl.LazyFrame, "sink_ipc", reworded_sink)  # the CSV spool
    lines = ["n,m"] + [f"{i},{i}" for i in range(10_050)] + ["oops,7"]
    mixed = write(tmp_path / "mixed.csv", "\n".join(lines) + "\n")
    latin = write(tmp_path / "latin.csv", b"name,n\ncaf\xe9,1\nplain,2\n")
    ragged = write(tmp_path / "ragged.csv", "a,b\n1,2\n3,4,5\n")

    frame = read_frame(mixed)
    with pytest.warns(PipewardenWarning, match="is not valid UTF-8"):
        lossy = read_frame(latin)

    assert frame.schema == pl.Schema({"n": pl.String, "m": pl.Int64})
    assert frame["n"][-1] == "oops"
    assert lossy.rows() == [("caf\ufffd", 1), ("plain", 2)]
    assert error_of(lambda: read_frame(ragged)) == (
        f"Cannot read CSV file '{ragged}': Something in the file went wrong. "
        "Fix the malformed rows, or export the file again."
    )


def test_csv_mixed_values_within_inferred_rows_are_strings(tmp_path: Path) -> None:
    path = write(tmp_path / "mixed.csv", "a\n1\nword\n2.5\n")
    assert read_frame(path)["a"].to_list() == ["1", "word", "2.5"]


def test_csv_date_column_with_late_non_date_becomes_string(tmp_path: Path) -> None:
    lines = ["day"] + ["2024-01-01"] * 10_050 + ["soon"]
    path = write(tmp_path / "days.csv", "\n".join(lines) + "\n")
    frame = read_frame(path)
    assert frame.schema["day"] == pl.String
    assert frame["day"][-1] == "soon"


def test_csv_that_is_not_utf8_is_read_lossily_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "latin.csv", b"name,n\ncaf\xe9,1\nplain,2\n")
    with pytest.warns(PipewardenWarning) as record:
        frame = read_frame(path)
    assert str(record[0].message) == (
        f"File '{path}' is not valid UTF-8; bytes that could not be decoded were "
        "replaced with U+FFFD. Re-encode it as UTF-8 (e.g. iconv -f latin1 -t utf-8) "
        "to keep the original characters."
    )
    assert frame.rows() == [("caf\ufffd", 1), ("plain", 2)]


def test_csv_with_header_only_gives_columns_and_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "a,b\n")
    frames = list(iter_frames(path))
    assert len(frames) == 1
    assert frames[0].columns == ["a", "b"]
    assert frames[0].height == 0


@pytest.mark.parametrize(
    ("header", "where"),
    [
        ("a,a,b", "'a' (columns 1 and 2)"),
        ('"a";b;"a";b;a', "'a' (columns 1, 3 and 5), 'b' (columns 2 and 4)"),
        ("\ufeffid\tnum\tid", "'id' (columns 1 and 3)"),
    ],
)
def test_csv_duplicate_header_names_are_refused(
    tmp_path: Path, header: str, where: str
) -> None:
    separator = ";" if ";" in header else "\t" if "\t" in header else ","
    row = separator.join(str(i) for i in range(header.count(separator) + 1))
    path = write(tmp_path / "d.csv", f"{header}\n{row}\n")
    assert error_of(lambda: read_frame(path)) == (
        f"File '{path}' has duplicate column names: {where}. A contract checks one "
        "column per name, so pipewarden does not rename them: rename the duplicates "
        "in the header, or export the file again."
    )


def test_unicode_column_names(tmp_path: Path) -> None:
    path = write(tmp_path / "u.csv", "名前,größe,😀\nä,1,x\n")
    assert read_frame(path).columns == ["名前", "größe", "😀"]
    pq.write_table(pa.table({"größe": [1]}), tmp_path / "u.parquet")
    assert read_frame(tmp_path / "u.parquet").columns == ["größe"]


def test_all_null_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "n.csv", "a,b\n1,\n2,\n")
    frame = read_frame(path)
    assert frame["b"].null_count() == 2
    pq.write_table(pa.table({"b": pa.nulls(2)}), tmp_path / "n.parquet")
    assert read_frame(tmp_path / "n.parquet")["b"].null_count() == 2


def test_nan_and_inf_in_floats(tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "x\n1.5\nNaN\ninf\n-inf\n")
    values = read_frame(path)["x"].to_list()
    assert values[0] == 1.5
    assert math.isnan(values[1])
    assert values[2:] == [math.inf, -math.inf]
    pq.write_table(pa.table({"x": [math.nan, math.inf]}), tmp_path / "f.parquet")
    parquet_values = read_frame(tmp_path / "f.parquet")["x"].to_list()
    assert math.isnan(parquet_values[0])
    assert parquet_values[1] == math.inf


def test_million_character_string(tmp_path: Path) -> None:
    long = "x" * 1_000_000
    path = write(tmp_path / "long.csv", f"id,text\n1,{long}\n2,short\n")
    assert read_frame(path)["text"].to_list() == [long, "short"]
    pq.write_table(pa.table({"text": [long]}), tmp_path / "long.parquet")
    assert read_frame(tmp_path / "long.parquet")["text"][0] == long


# --- in-memory sources ----------------------------------------------------------


def test_pyarrow_table_and_record_batch() -> None:
    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    table = pa.table(
        {"a": [1, 2], "at": pa.array([when, when], pa.timestamp("us", tz="UTC"))}
    )
    frame = read_frame(table)
    assert frame.schema == pl.Schema({"a": pl.Int64(), "at": pl.Datetime("us", "UTC")})
    assert_frame_equal(read_frame(table.to_batches()[0]), frame)
    assert describe_source(table) == "Arrow table"
    assert describe_source(table.to_batches()[0]) == "Arrow record batch"


def test_pandas_frame() -> None:
    frame = read_frame(pd.DataFrame({"a": [1.0, float("nan")], "b": ["x", "y"]}))
    assert frame.schema == pl.Schema({"a": pl.Float64, "b": pl.String})
    assert frame["a"].to_list() == [1.0, None]
    assert describe_source(pd.DataFrame()) == "pandas DataFrame"


def test_pandas_mixed_object_column_becomes_string() -> None:
    frame = read_frame(pd.DataFrame({"a": [1, "x", None], "b": [1, 2, 3]}))
    assert frame.schema == pl.Schema({"a": pl.String, "b": pl.Int64})
    assert frame["a"].to_list() == ["1", "x", None]


def test_pandas_non_string_column_names_become_strings() -> None:
    assert read_frame(pd.DataFrame({0: [1], 1: [2]})).columns == ["0", "1"]


def test_records_and_single_record() -> None:
    records = [{"a": 1, "b": "x"}, {"a": 2, "c": True}]
    frame = read_frame(records)
    assert frame.rows() == [(1, "x", None), (2, None, True)]
    assert read_frame({"a": 1}).rows() == [(1,)]
    assert describe_source(records) == "records"
    assert describe_source({"a": 1}) == "record"


def test_record_with_nested_values() -> None:
    frame = read_frame({"id": 1, "user": {"name": "ann", "tags": ["a"]}, "xs": [1, 2]})
    assert frame.schema == pl.Schema(
        {
            "id": pl.Int64(),
            "user": pl.Struct({"name": pl.String, "tags": pl.List(pl.String)}),
            "xs": pl.List(pl.Int64),
        }
    )


def test_records_with_mixed_scalar_types_become_string() -> None:
    assert read_frame([{"a": 1}, {"a": "x"}])["a"].to_list() == ["1", "x"]


# --- SQL -------------------------------------------------------------------------


@pytest.fixture()
def database(tmp_path: Path) -> str:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER, amount REAL, note TEXT)")
        connection.executemany(
            "INSERT INTO orders VALUES (?, ?, ?)",
            [(i, i * 1.5, f"n{i}") for i in range(250)],
        )
        connection.execute("CREATE TABLE odd (v)")
        connection.executemany(
            "INSERT INTO odd VALUES (?)", [(1,), (2,), ("three",), (4,)]
        )
    connection.close()
    return f"sqlite:///{path}"


def test_sql_query_in_chunks(database: str) -> None:
    frames = list(
        iter_frames(database, query="SELECT * FROM orders ORDER BY id", chunk_rows=100)
    )
    assert [frame.height for frame in frames] == [100, 100, 50]
    assert frames[0].schema == pl.Schema(
        {"id": pl.Int64, "amount": pl.Float64, "note": pl.String}
    )
    assert pl.concat(frames)["id"].to_list() == list(range(250))


def test_sql_query_with_no_rows_gives_columns(database: str) -> None:
    frame = read_frame(database, query="SELECT id, note FROM orders WHERE id < 0")
    assert frame.columns == ["id", "note"]
    assert frame.height == 0


def test_sql_mixed_types_in_one_chunk_become_string(database: str) -> None:
    frame = read_frame(database, query="SELECT v FROM odd")
    assert frame["v"].to_list() == ["1", "2", "three", "4"]


def test_sql_type_change_between_chunks_is_an_error(database: str) -> None:
    frames = iter_frames(database, query="SELECT v FROM odd", chunk_rows=2)
    assert error_of(lambda: list(frames)) == (
        f"Column 'v' is Int64 in the first rows of '{database}' but holds String "
        "later. Cast it to one type in the source (in SQL: CAST in the query), or "
        "pass a larger chunk_rows."
    )


def test_sql_ints_after_floats_fit_the_first_chunk(database: str) -> None:
    query = "SELECT 1.5 AS x UNION ALL SELECT 2 UNION ALL SELECT 3"
    frames = list(iter_frames(database, query=query, chunk_rows=1))
    assert [frame.schema["x"] for frame in frames] == [pl.Float64] * 3
    assert pl.concat(frames)["x"].to_list() == [1.5, 2.0, 3.0]


def test_sql_url_password_is_hidden() -> None:
    url = "postgresql+psycopg://ann:secret@db.example/shop"
    assert describe_source(url) == "postgresql+psycopg://ann:***@db.example/shop"
    assert source_size_bytes(url) is None


# --- bad input ------------------------------------------------------------------------


def test_missing_path_fails_at_once() -> None:
    with pytest.raises(SourceError) as info:
        iter_frames("x.csv")
    assert str(info.value) == (
        "No such file: 'x.csv'. "
        "Check the path, or pass a directory or glob of Parquet files."
    )


def test_directory_without_parquet_files(tmp_path: Path) -> None:
    write(tmp_path / "data" / "a.csv", "a\n1\n")
    assert error_of(lambda: read_frame(tmp_path / "data")) == (
        f"No Parquet files in directory '{tmp_path / 'data'}'. Put .parquet or .pq "
        "files in it, or pass a glob such as 'data/**/*.parquet' for nested folders."
    )


def test_glob_without_matches(tmp_path: Path) -> None:
    pattern = f"{tmp_path}/*.parquet"
    assert error_of(lambda: read_frame(pattern)) == (
        f"No files match '{pattern}'. Check the pattern, or pass a file path."
    )


def test_glob_matching_other_formats(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "a\n1\n")
    pattern = f"{tmp_path}/*"
    assert error_of(lambda: read_frame(pattern)) == (
        f"Glob '{pattern}' matches files that are not Parquet, such as '{path}'. "
        "Narrow the pattern (e.g. 'data/*.parquet'), or read other formats one file "
        "at a time."
    )


@pytest.mark.parametrize("name", ["empty.csv", "empty.parquet", "empty.jsonl"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, b"")
    assert error_of(lambda: iter_frames(path)) == (
        f"File '{path}' is empty (0 bytes). "
        "Check that the job writing it finished, or pass another file."
    )


def test_csv_without_header_line(tmp_path: Path) -> None:
    path = write(tmp_path / "blank.csv", "\n")
    assert error_of(lambda: read_frame(path)) == (
        f"File '{path}' has no header row. "
        "Add a first line naming the columns, or pass another file."
    )


@pytest.mark.parametrize(
    ("name", "extension"), [("data.xlsx", "'.xlsx'"), ("data", "(no extension)")]
)
def test_unknown_extension(tmp_path: Path, name: str, extension: str) -> None:
    path = write(tmp_path / name, "a\n1\n")
    assert error_of(lambda: read_frame(path)) == (
        f"Unknown file type {extension} for '{path}'. Use CSV (.csv, .tsv, .txt, "
        ".csv.gz), Parquet (.parquet, .pq), JSON Lines (.jsonl, .ndjson) or Arrow "
        "IPC (.arrow, .feather, .ipc)."
    )


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.parquet", b"PAR1 not really parquet")
    assert error_of(lambda: read_frame(path)) == (
        f"Cannot read Parquet file '{path}': Parquet magic bytes not found in "
        "footer. Either the file is corrupted or this is not a parquet file. "
        "Check that the file was written completely, or export it again."
    )


def test_truncated_parquet_in_a_directory(tmp_path: Path) -> None:
    pq.write_table(pa.table({"n": range(100)}), tmp_path / "a.parquet")
    whole = (tmp_path / "a.parquet").read_bytes()
    write(tmp_path / "b.parquet", whole[: len(whole) // 2])
    message = error_of(lambda: read_frame(tmp_path))
    assert message.startswith(f"Cannot read Parquet file '{tmp_path / 'b.parquet'}': ")


def test_parquet_files_with_conflicting_types(tmp_path: Path) -> None:
    pq.write_table(pa.table({"n": [1]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"n": [[1]]}), tmp_path / "b.parquet")
    message = error_of(lambda: read_frame(tmp_path))
    assert message.startswith(
        f"Parquet files '{tmp_path / 'a.parquet'}' .. '{tmp_path / 'b.parquet'}' "
        "have conflicting column types: "
    )
    assert message.endswith(". Read them separately, or rewrite them with one schema.")


def test_corrupt_arrow_file(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.arrow", b"definitely not arrow")
    message = error_of(lambda: read_frame(path))
    assert message.startswith(f"Cannot read Arrow IPC file '{path}': ")
    assert message.endswith(
        ". Check that it is an Arrow IPC (Feather v2) file, or export it again."
    )


def test_malformed_jsonl(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.jsonl", '{"a": 1}\n{"a":\n')
    assert error_of(lambda: read_frame(path)) == (
        f"Cannot read JSON Lines file '{path}': Syntax at character 4 (':'). "
        "Check that every line is one JSON object."
    )


def test_ragged_csv(tmp_path: Path) -> None:
    path = write(tmp_path / "ragged.csv", "a,b\n1,2\n3,4,5\n")
    assert error_of(lambda: read_frame(path)) == (
        f"Cannot read CSV file '{path}': found more fields than defined in "
        "'Schema'. Fix the malformed rows, or export the file again."
    )


def test_pandas_duplicate_column_names() -> None:
    frame = pd.DataFrame([[1, 2, 3]], columns=["a", "a", "b"])
    assert error_of(lambda: iter_frames(frame)) == (
        "Column names must be unique: 'a' appears 2 times. Rename the columns."
    )


def test_arrow_duplicate_column_names() -> None:
    table = pa.table([[1], [2]], names=["a", "a"])
    assert error_of(lambda: read_frame(table)) == (
        "Column names must be unique: 'a' appears 2 times. Rename the columns."
    )


def test_sql_url_without_query(database: str) -> None:
    assert error_of(lambda: iter_frames(database)) == (
        f"Database URL '{database}' needs a query. Pass --query 'SELECT ...' (query='SELECT ...' in Python)."
    )


def test_sql_error_is_wrapped(database: str) -> None:
    assert error_of(lambda: read_frame(database, query="SELECT * FROM nope")) == (
        f"SQL query failed on '{database}': no such table: nope. "
        "Check the query and the database URL."
    )


def test_sql_statement_without_rows(database: str) -> None:
    query = "PRAGMA foreign_keys = ON"
    assert error_of(lambda: read_frame(database, query=query)) == (
        f"Query on '{database}' returns no rows: 'PRAGMA foreign_keys = ON'. "
        "Pass a SELECT query."
    )


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM orders",
        "drop table orders",
        "-- tidy up\n/* first */ (DROP TABLE orders)",
        "PRAGMA user_version = 7",  # not a known keyword: SQLite's query_only refuses
    ],
)
def test_sql_source_queries_run_read_only_on_sqlite(database: str, query: str) -> None:
    shown = " ".join(query.split())
    assert error_of(lambda: read_frame(database, query=query)) == (
        f"The query on '{database}' tries to write ({shown}); pipewarden runs source "
        "queries read-only. Pass a query that only reads (SELECT ...)."
    )
    counted = read_frame(database, query="SELECT COUNT(*) AS n FROM orders")
    assert counted["n"].to_list() == [250]
    version = read_frame(database, query="PRAGMA user_version")
    assert version["user_version"].to_list() == [0]


@pytest.mark.postgres
def test_sql_source_queries_run_read_only_on_postgresql() -> None:
    import sqlalchemy as sa

    with postgres_schema_url() as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t AS SELECT 1 AS a"))
            conn.execute(sa.text("CREATE SEQUENCE s"))
        refused = {
            query: error_of(lambda query=query: read_frame(url, query=query))
            for query in ("DROP TABLE t", "SELECT nextval('s') AS n")
        }
        with engine.connect() as conn:
            tables = conn.execute(sa.text("SELECT COUNT(*) FROM t")).scalar_one()
            called = conn.execute(sa.text("SELECT is_called FROM s")).scalar_one()
        engine.dispose()
        assert read_frame(url, query="SELECT a FROM t")["a"].to_list() == [1]
    assert refused == {
        query: f"The query on '{redact_url(url)}' tries to write ({query}); pipewarden "
        "runs source queries read-only. Pass a query that only reads (SELECT ...)."
        for query in refused
    }
    assert (tables, called) == (1, False)


@pytest.mark.postgres
def test_sql_errors_never_show_a_secret_of_the_url() -> None:
    import sqlalchemy as sa

    url = (
        sa.make_url(pg_url())
        .set(username="alice", password="se/cr3t")
        .update_query_dict({"password": "Sx-s3cr3t-9", "sslpassword": "Sx-s3cr3t-8"})
        .render_as_string(hide_password=False)
    )
    message = error_of(lambda: read_frame(url, query="SELECT 1"))
    assert message.startswith(f"SQL query failed on '{redact_url(url)}': ")
    assert "alice:***@" in message and "password=***" in message
    assert "s3cr3t" not in message and "cr3t" not in message


def test_sql_duplicate_column_names(database: str) -> None:
    query = "SELECT id, id FROM orders"
    assert error_of(lambda: read_frame(database, query=query)) == (
        "Column names must be unique: 'id' appears 2 times. "
        "Give each column its own alias in the query."
    )


def test_sqlite_file_that_does_not_exist(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    assert error_of(lambda: read_frame(url, query="SELECT 1")) == (
        f"No such database file: '{tmp_path / 'none.db'}' (from '{url}'). Check the "
        "path in the URL; sqlite:/// takes a path after the third slash."
    )
    assert not (tmp_path / "none.db").exists()


def test_unknown_database_dialect() -> None:
    assert error_of(lambda: read_frame("nosuchdb://x", query="SELECT 1")) == (
        "Cannot use database URL 'nosuchdb://x': Can't load plugin: "
        "sqlalchemy.dialects:nosuchdb. Check the URL, e.g. 'sqlite:///data.db' or "
        "'postgresql+psycopg://user@host/db'."
    )


@pytest.mark.skipif(
    importlib.util.find_spec("MySQLdb") is not None, reason="MySQLdb is installed"
)
def test_missing_database_driver() -> None:
    with pytest.raises(MissingDependencyError) as info:
        read_frame("mysql://ann:secret@host/db", query="SELECT 1")
    assert str(info.value) == (
        "The database URL 'mysql://ann:***@host/db' needs the driver module "
        "'MySQLdb', which is not installed. Install it (for PostgreSQL: "
        "pip install 'pipewarden[postgres]')."
    )


def test_query_with_a_file_source(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "a\n1\n")
    assert error_of(lambda: iter_frames(path, query="SELECT 1")) == (
        "query= applies only to database URLs, not to 'a.csv'. Drop query=, or "
        "pass a URL such as 'sqlite:///data.db'."
    )


def test_remote_url_of_an_unknown_type() -> None:
    assert error_of(lambda: iter_frames("https://example.com/a.xyz")) == (
        "Unknown file type for 'https://example.com/a.xyz'. Use CSV (.csv, .tsv, "
        ".txt, .csv.gz), Parquet (.parquet, .pq), JSON Lines (.jsonl, .ndjson) or "
        "Arrow IPC (.arrow, .feather, .ipc)."
    )


def test_file_url_on_another_host() -> None:
    assert error_of(lambda: iter_frames("file://server/share/a.csv")) == (
        "Cannot read 'file://server/share/a.csv': file:// URLs must point at this "
        "machine, not 'server'. Copy the file here, or mount it and pass its path."
    )


def test_unsupported_object() -> None:
    assert error_of(lambda: iter_frames(42)) == (
        "Cannot read an object of type 'int'. Pass a path, a database URL with "
        "query=, a dataframe (polars, pandas, pyarrow, Modin, DuckDB...), an Arrow dataset or stream, or a list of dicts."
    )


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            [],
            "The list of records is empty. Pass at least one record (a dict per row).",
        ),
        (
            [{"a": 1}, 2],
            "Record 1 is a int, not a dict. Pass a list of dicts, one per row.",
        ),
    ],
)
def test_bad_records(records: list[Any], expected: str) -> None:
    assert error_of(lambda: iter_frames(records)) == expected


def test_records_with_incompatible_nested_values() -> None:
    message = error_of(lambda: read_frame([{"a": [1]}, {"a": {"b": 1}}]))
    assert message.startswith("Cannot convert the records to a frame: ")
    assert message.endswith(
        ". Give each column one type of value (e.g. all numbers or all text)."
    )


def test_chunk_rows_must_be_positive() -> None:
    assert error_of(lambda: iter_frames({"a": 1}, chunk_rows=0)) == (
        "chunk_rows must be at least 1, got 0. Pass a positive number."
    )


# --- names and sizes ---------------------------------------------------------


def test_describe_source() -> None:
    assert describe_source("data/users.csv") == "users.csv"
    assert describe_source(Path("data/users.csv")) == "users.csv"
    assert describe_source("sqlite:///shop.db") == "sqlite:///shop.db"
    assert describe_source(pl.DataFrame()) == "polars DataFrame"
    assert describe_source(pl.LazyFrame()) == "polars LazyFrame"


def test_source_size_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "a\n1\n")
    assert source_size_bytes(path) == 4
    (tmp_path / "p").mkdir()
    pq.write_table(pa.table({"n": [1]}), tmp_path / "p" / "a.parquet")
    expected = (tmp_path / "p" / "a.parquet").stat().st_size
    assert source_size_bytes(tmp_path / "p") == expected
    assert source_size_bytes(f"{tmp_path}/p/*.parquet") == expected
    assert source_size_bytes(tmp_path / "missing.csv") is None
    assert source_size_bytes(pl.DataFrame()) is None


def test_reading_files_does_not_load_sqlalchemy_or_pandas(tmp_path: Path) -> None:
    pq.write_table(pa.table({"n": [1]}), tmp_path / "a.parquet")
    feather.write_feather(pa.table({"n": [1]}), tmp_path / "a.arrow")
    write(tmp_path / "a.csv", "n\n1\n")
    write(tmp_path / "a.jsonl", '{"n": 1}\n')
    code = (
        "import sys; from pipewarden.io import read_frame; "
        f"[read_frame(sys.argv[1] + '/a.' + x) for x in {FORMATS!r}]; "
        "print([m for m in ('sqlalchemy', 'pandas') if m in sys.modules])"
    )
    output = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert output.stdout.strip() == "[]"


FORMATS = ("parquet", "arrow", "csv", "jsonl")


# --- content, whatever the name -----------------------------------------------------


def _gzip_with_pipes_in_first_line(data: bytes) -> bytes:
    """gzip whose first 'line' holds three '|' and no ',' (its mtime field)."""
    return gzip.compress(data, mtime=0x0A7C7C7C)


@pytest.mark.parametrize(
    ("name", "compress"),
    [
        ("g.csv", _gzip_with_pipes_in_first_line),
        ("g.csv.gz", _gzip_with_pipes_in_first_line),
        ("z.csv", lambda data: pa.compress(data, codec="zstd", asbytes=True)),
    ],
)
def test_compressed_csv_is_read_by_its_content(
    tmp_path: Path, name: str, compress: Callable[[bytes], bytes]
) -> None:
    plain = numbers_csv(tmp_path / "plain.csv", 500)
    path = write(tmp_path / name, compress(plain.read_bytes()))
    assert_frame_equal(read_frame(path), read_frame(plain))


def test_gzip_json_lines_named_jsonl_is_read(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    frame.write_ndjson(tmp_path / "plain.jsonl")
    data = (tmp_path / "plain.jsonl").read_bytes()
    path = write(tmp_path / "g.jsonl", gzip.compress(data, mtime=0))
    assert_frame_equal(read_frame(path), frame)


def _parquet_bytes() -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({"a": [1]}), sink)
    return bytes(sink.getvalue().to_pybytes())


def _ipc_bytes() -> bytes:
    sink = pa.BufferOutputStream()
    feather.write_feather(pa.table({"a": [1]}), sink, compression="uncompressed")
    return bytes(sink.getvalue().to_pybytes())


_CHECK = "Check that it is the file you meant; re-encode text as UTF-8."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "u.csv",
            "id,num\n1,2\n".encode("utf-16"),
            "is UTF-16 text (it starts with a UTF-16 byte-order mark); pipewarden "
            "reads UTF-8. Re-encode it, e.g. iconv -f UTF-16 -t UTF-8 '{path}' > "
            "utf8.csv.",
        ),
        (
            "u.jsonl",
            '{"a": 1}\n'.encode("utf-32"),
            "is UTF-32 text (it starts with a UTF-32 byte-order mark); pipewarden "
            "reads UTF-8. Re-encode it, e.g. iconv -f UTF-32 -t UTF-8 '{path}' > "
            "utf8.jsonl.",
        ),
        (
            "u.csv",
            "id,num\n1,2\n".encode("utf-16-le"),
            "is not CSV text: it holds NUL bytes in its first 64 KiB, so it is binary "
            "data (or UTF-16/UTF-32 text without a byte-order mark). " + _CHECK,
        ),
        (
            "b.csv",
            bytes(range(256)) * 4,
            "is not CSV text: it holds NUL bytes in its first 64 KiB, so it is binary "
            "data (or UTF-16/UTF-32 text without a byte-order mark). " + _CHECK,
        ),
        (
            "p.csv",
            _parquet_bytes(),
            "is a Parquet file, not CSV text. Give it the extension .parquet to read "
            "it as Parquet, or pass the CSV file.",
        ),
        (
            "i.jsonl",
            _ipc_bytes(),
            "is an Arrow IPC file, not JSON Lines text. Give it the extension .arrow "
            "to read it as Arrow IPC, or pass the JSON Lines file.",
        ),
        (
            "z.csv",
            b"PK\x03\x04" + bytes(40),
            "is a zip archive, not CSV text. Unzip it first, then pass the file inside.",
        ),
        (
            "b.csv",
            b"BZh91AY&SY" + bytes(40),
            "is bzip2-compressed, not CSV text. Decompress it (bunzip2) first, or "
            "compress it with gzip or zstd, which pipewarden reads.",
        ),
        (
            "g.parquet",
            gzip.compress(_parquet_bytes(), mtime=0),
            "is gzip-compressed, not Parquet. Decompress it first (Parquet files are "
            "read as they are).",
        ),
        (
            "t.csv",
            gzip.compress(b"a,b\n1,2\n" * 100, mtime=0)[:30],
            "is gzip-compressed but does not decompress (Compressed file ended before "
            "the end-of-stream marker was reached). Check that it was written "
            "completely, or export it again.",
        ),
    ],
    ids=[
        "utf16-bom",
        "utf32-bom",
        "utf16-no-bom",
        "binary",
        "parquet-named-csv",
        "ipc-named-jsonl",
        "zip",
        "bzip2",
        "gzip-named-parquet",
        "truncated-gzip",
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = write(tmp_path / name, content)
    assert error_of(lambda: read_frame(path)) == (
        f"File '{path}' " + message.format(path=path)
    )


def test_a_parquet_file_in_a_directory_is_checked_too(tmp_path: Path) -> None:
    pq.write_table(pa.table({"a": [1]}), tmp_path / "part-0.parquet")
    bad = write(tmp_path / "part-1.parquet", b"PK\x03\x04" + bytes(40))
    assert error_of(lambda: read_frame(tmp_path)) == (
        f"File '{bad}' is a zip archive, not Parquet. Unzip it first, then pass the "
        "file inside."
    )
