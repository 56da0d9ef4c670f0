"""Sources read out of core: hive folders, Arrow datasets and streams, dataframes of
any library (narwhals), object stores (a real S3 server on 127.0.0.1: moto's), web
servers, and rows per chunk chosen from a memory budget."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import pipewarden as pw
from pipewarden.engines.local import LocalEngine
from pipewarden.errors import ConfigError, MissingDependencyError, SourceError
from pipewarden.io._budget import CHUNKS_AT_PEAK, RESERVED_BYTES, budget_chunk_rows
from pipewarden.io.sources import (
    DEFAULT_CHUNK_ROWS,
    SourceExtent,
    describe_source,
    iter_frames,
    source_extent,
)

ROWS = 30_000


def table(rows: int = ROWS, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    return pl.DataFrame(
        {
            "x": rng.normal(10.0, 2.0, rows),
            "n": rng.integers(0, 50, rows),
            "id": np.arange(rows),
            "city": rng.choice(["Oslo", "Lima", "Pune", "Accra"], rows),
            "ts": [start + timedelta(seconds=int(s)) for s in range(rows)],
        }
    ).with_columns(
        pl.when(pl.col("n") == 3).then(None).otherwise(pl.col("x")).alias("x")
    )


def whole(frame: pl.DataFrame) -> pw.DatasetProfile:
    """The in-memory profile: the frame in one chunk."""
    return LocalEngine().profile_frame(frame)


def hive_folder(root: Path, frame: pl.DataFrame) -> Path:
    for city in sorted(frame.get_column("city").unique()):
        part = root / f"city={city}"
        part.mkdir(parents=True)
        frame.filter(pl.col("city") == city).drop("city").write_parquet(
            part / "part-0.parquet", row_group_size=4096
        )
    return root


# ------------------------------------------------------------------ local datasets
def test_a_hive_folder_gives_its_partition_column_and_the_in_memory_profile(
    tmp_path: Path, assert_profiles_match: Callable[..., None]
) -> None:
    frame = table().drop("ts")  # each partition's times interleave the others'
    folder = hive_folder(tmp_path / "lake", frame)
    streamed = pw.profile(folder, chunk_rows=5_000)
    expected = whole(
        pl.concat(
            [
                frame.filter(pl.col("city") == c)
                .drop("city")
                .with_columns(city=pl.lit(c))
                for c in sorted(frame.get_column("city").unique())
            ]
        )
    )
    assert streamed.column_names == ["x", "n", "id", "city"]
    assert_profiles_match(streamed, expected, intervals=False)
    assert source_extent(folder).rows == ROWS


def test_a_pyarrow_dataset_is_read_in_batches(tmp_path: Path) -> None:
    frame = table()
    frame.write_parquet(tmp_path / "a.parquet", row_group_size=2_000)
    dataset = ds.dataset(tmp_path / "a.parquet")
    heights = [f.height for f in iter_frames(dataset, chunk_rows=7_000)]
    assert heights == [7_000] * 4 + [2_000]
    assert describe_source(dataset) == "Arrow dataset"
    assert source_extent(dataset) == SourceExtent(
        ROWS, (tmp_path / "a.parquet").stat().st_size
    )


def test_arrow_streams_are_read_batch_by_batch(
    assert_profiles_match: Callable[..., None],
) -> None:
    frame = table()
    arrow = frame.to_arrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, arrow.schema) as writer:
        for batch in arrow.to_batches(max_chunksize=3_000):
            writer.write_batch(batch)
    stream = pa.ipc.open_stream(sink.getvalue())
    assert describe_source(stream) == "Arrow stream"
    chunks = list(iter_frames(stream, chunk_rows=10_000))
    assert [c.height for c in chunks] == [10_000] * 3
    assert_profiles_match(
        pw.profile(arrow.to_reader(max_chunksize=4_096)), whole(frame), intervals=False
    )


def test_a_duckdb_relation_is_streamed_not_collected() -> None:
    relation = duckdb.sql("select range as i, range * 0.5 as half from range(50000)")
    heights = [f.height for f in iter_frames(relation, chunk_rows=20_000)]
    assert heights == [20_000, 20_000, 10_000]
    prof = pw.profile(relation)
    assert prof.rows == 50_000
    assert prof["i"].moments.max == 49_999
    assert prof["half"].moments.mean == pytest.approx(np.arange(50_000).mean() / 2)


@pytest.mark.parametrize(
    "convert",
    [
        lambda f: f.to_pandas(),
        lambda f: f.to_arrow(),
        lambda f: duckdb.from_arrow(f.to_arrow()),
    ],
    ids=["pandas", "pyarrow", "duckdb"],
)
def test_dataframes_of_other_libraries_give_the_polars_profile(
    convert: Callable[[pl.DataFrame], object],
    assert_profiles_match: Callable[..., None],
) -> None:
    frame = table(2_000).drop("ts")
    assert_profiles_match(pw.profile(convert(frame)), whole(frame))


def test_a_pandas_column_of_mixed_values_is_read_as_text() -> None:
    frame = pd.DataFrame({"a": [1, "two", None]})
    assert pw.profile(frame)["a"].dtype == "String"


# ------------------------------------------------------------------ memory budget
def test_rows_per_chunk_follow_the_budget_and_the_size_of_the_first_rows(
    tmp_path: Path,
) -> None:
    wide = pl.DataFrame(
        {f"c{i}": np.arange(50_000, dtype=np.float64) for i in range(200)}
    )
    path = tmp_path / "wide.parquet"
    wide.write_parquet(path)
    budget = 400 << 20
    row_bytes = 200 * 8  # 200 float64 columns without nulls: no validity buffers
    expected = int((budget - RESERVED_BYTES) / CHUNKS_AT_PEAK / row_bytes)
    assert budget_chunk_rows(row_bytes, 10**9, budget) == expected
    heights = [f.height for f in iter_frames(path, memory_budget=budget)]
    # The first rows are measured as Arrow holds them (buffers padded to 64 bytes).
    assert expected * 0.97 <= heights[0] <= expected
    assert sum(heights) == 50_000
    # Narrow rows: the default chunk, whatever the budget.
    narrow = [f.height for f in iter_frames(path, memory_budget=8 << 30)]
    assert narrow == [50_000] and DEFAULT_CHUNK_ROWS > 50_000


def test_a_budget_below_the_least_is_refused_in_one_line() -> None:
    from pipewarden.config import parse_memory

    with pytest.raises(ConfigError) as caught:
        parse_memory("100MiB", option="--memory-budget")
    assert str(caught.value) == (
        "The --memory-budget 100MiB is below the least pipewarden can work in "
        "(384 MiB: the libraries take about 150 MiB). Give at least 384MiB."
    )
    with pytest.raises(ConfigError, match="is not a size"):
        parse_memory("lots")


def test_a_small_budget_gives_the_in_memory_profile(tmp_path: Path) -> None:
    frame = pl.concat([table(seed=s) for s in range(4)]).with_columns(
        pad=pl.lit("x" * 4000)  # 4 KB rows: a 384 MiB budget cuts chunks of 4,096
    )
    path = tmp_path / "t.parquet"
    frame.write_parquet(path)
    heights = [f.height for f in iter_frames(path, memory_budget=384 << 20)]
    assert len(heights) > 20
    streamed = pw.profile(path, memory_budget=384 << 20)
    expected = whole(frame)
    assert streamed.rows == expected.rows == frame.height
    for name in frame.columns:
        got, want = streamed[name], expected[name]
        assert (got.nulls, got.non_null) == (want.nulls, want.non_null)
        # Theta sketches merge exactly: the same estimate, chunked or not.
        assert got.distinct_count == want.distinct_count
        if want.moments.count:
            assert got.moments.count == want.moments.count
            assert (got.moments.min, got.moments.max) == (
                want.moments.min,
                want.moments.max,
            )
            assert got.moments.mean == pytest.approx(want.moments.mean, rel=1e-9)
            assert got.moments.variance == pytest.approx(
                want.moments.variance, rel=1e-9
            )
    assert streamed["city"].frequent.top(4) == expected["city"].frequent.top(4)
    values = np.sort(frame.get_column("x").drop_nulls().to_numpy())
    for q, value in zip(
        (0.01, 0.25, 0.5, 0.75, 0.99),
        streamed["x"].quantiles.quantiles([0.01, 0.25, 0.5, 0.75, 0.99]),
        strict=True,
    ):
        rank = np.searchsorted(values, value) / values.size
        assert abs(rank - q) <= 0.03  # KLL's bound at its size, with margin


# ------------------------------------------------------------------ object stores
@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    """A real S3 server (moto's, on 127.0.0.1) with a bucket; its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            mp.setenv(name, value)
        import boto3

        boto3.client("s3").create_bucket(Bucket="lake")
        yield endpoint
    server.stop()


def _put(local: Path, key: str) -> None:
    import boto3

    boto3.client("s3").upload_file(str(local), "lake", key)


def test_parquet_in_s3_folder_hive_and_glob(
    s3: str, tmp_path: Path, assert_profiles_match: Callable[..., None]
) -> None:
    frame = table().drop("ts")
    folder = hive_folder(tmp_path / "lake", frame)
    for path in folder.rglob("*.parquet"):
        _put(path, f"events/{path.relative_to(folder).as_posix()}")
    remote = pw.profile("s3://lake/events", chunk_rows=6_000)
    assert_profiles_match(remote, pw.profile(folder), intervals=False)
    assert source_extent("s3://lake/events").rows == ROWS
    globbed = pw.profile("s3://lake/events/*/*.parquet")
    assert globbed.rows == ROWS
    assert "city" not in globbed.columns  # a glob lists files, not partitions


def test_csv_and_ipc_in_s3(
    s3: str, tmp_path: Path, assert_profiles_match: Callable[..., None]
) -> None:
    frame = table(5_000)
    frame.write_csv(tmp_path / "a.csv")
    frame.write_ipc(tmp_path / "a.arrow")
    _put(tmp_path / "a.csv", "files/a.csv")
    _put(tmp_path / "a.arrow", "files/a.arrow")
    assert_profiles_match(
        pw.profile("s3://lake/files/a.csv"), pw.profile(tmp_path / "a.csv")
    )
    assert_profiles_match(
        pw.profile("s3://lake/files/a.arrow"), pw.profile(tmp_path / "a.arrow")
    )


def test_a_missing_s3_object_is_one_line(s3: str) -> None:
    with pytest.raises(SourceError) as caught:
        pw.profile("s3://lake/nothing/here.parquet")
    assert str(caught.value) == (
        "No such object: 's3://lake/nothing/here.parquet'. Check the bucket and key, "
        "or pass a folder of Parquet files."
    )


def test_a_store_without_its_package_names_the_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fsspec.core

    def missing(url: str) -> None:
        raise ImportError("Install gcsfs to access Google Storage")

    monkeypatch.setattr(fsspec.core, "url_to_fs", missing)
    with pytest.raises(MissingDependencyError) as caught:
        pw.profile("gs://bucket/a.parquet")
    assert str(caught.value) == (
        "Reading gs:// URLs needs gcsfs. Install it with: pip install gcsfs (s3:// "
        "and https:// come with 'pipewarden[cloud]')."
    )


# ------------------------------------------------------------------ web servers
@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server on 127.0.0.1 serving a folder."""
    folder = tmp_path / "site"
    folder.mkdir()
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(folder)
    )
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


def test_files_on_a_web_server(
    web: tuple[str, Path], assert_profiles_match: Callable[..., None]
) -> None:
    url, folder = web
    frame = table(5_000)
    frame.write_parquet(folder / "a.parquet")
    frame.write_ndjson(folder / "a.jsonl")
    assert_profiles_match(pw.profile(f"{url}/a.parquet"), whole(frame), intervals=False)
    assert pw.profile(f"{url}/a.jsonl").rows == 5_000
    with pytest.raises(SourceError, match=r"^Cannot download 'http://127\.0\.0\.1"):
        pw.profile(f"{url}/missing.csv")


def test_parquet_metadata_says_how_many_rows(tmp_path: Path) -> None:
    frame = table()
    pq.write_table(frame.to_arrow(), tmp_path / "a.parquet")
    assert source_extent(tmp_path / "a.parquet").rows == ROWS
    frame.write_csv(tmp_path / "a.csv")
    estimated = source_extent(tmp_path / "a.csv").rows
    assert estimated is not None and abs(estimated - ROWS) < ROWS * 0.05


# ------------------------------------------------------------------ the command
def test_the_cli_profiles_a_hive_folder_in_s3_as_the_api_does(
    s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from pipewarden.cli import main

    frame = table(8_000).drop("ts")
    folder = hive_folder(tmp_path / "lake", frame)
    for path in folder.rglob("*.parquet"):
        _put(path, f"cli/{path.relative_to(folder).as_posix()}")
    monkeypatch.chdir(tmp_path)
    code = main(
        ["profile", "s3://lake/cli", "-o", "p.json", "--memory-budget", "512MiB"]
    )
    assert code == 0
    saved = json.loads((tmp_path / "p.json").read_text())
    assert saved == json.loads(pw.profile("s3://lake/cli").to_json())
    assert saved["rows"] == 8_000
    assert main(["profile", str(folder), "-o", "local.json"]) == 0
    local = json.loads((tmp_path / "local.json").read_text())
    assert local["rows"] == 8_000
