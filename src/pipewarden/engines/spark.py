"""The Spark engine: each partition profiled where it lives, the profiles merged here.

Every partition of a Spark DataFrame goes through ``mapInArrow``: its Arrow batches
become Polars frames (cast back to the dtypes the local engine would read, see
``_spark_arrow``), the local engine profiles them in its own chunks, and the partition
sends back one serialised partial profile. The driver merges the partials: counts,
nulls, extrema and moments exactly, quantiles (KLL) and distinct counts (Theta
sketches over ``profiles.hashing``, so merges are exact) within their sketches' bounds.

This is the only module that imports pyspark, and only when the engine is used.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial, reduce
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from pipewarden._optional import require
from pipewarden.engines import _segments
from pipewarden.engines._spark_arrow import (
    DIGEST,
    KIND,
    PART,
    ROWS,
    SUMMARY,
    Fanout,
    Restore,
    chunks,
    fanout_candidate,
    restore_frame,
    to_spark_arrow,
    unflag,
)
from pipewarden.engines.local import LocalEngine
from pipewarden.errors import EngineError, SourceError
from pipewarden.io.sources import iter_frames
from pipewarden.profiles.dataset import DatasetProfile

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["FanoutResult", "SparkEngine", "is_spark_frame", "spark_session"]

CHUNK_ROWS = 262_144
"""Rows the local engine profiles at a time inside a partition (its own default)."""
_PARTIAL = "rows long, profile binary"
Emitted = tuple[int, pl.DataFrame] | bytes
"""What a fan-out job yields: rows of one output, or (last) its partition's summary."""
PartitionJob = Callable[[Iterator[pl.DataFrame]], Iterator[Emitted]]
"""A fan-out job: a partition's rows as Polars chunks in, its outputs' rows out."""
_POLL_SECONDS = 0.25
_PANDAS_3 = "PySpark does not yet fully support pandas >= 3.0.0"
"""PySpark checks the pandas version before any Arrow UDF, though ``mapInArrow``
hands no pandas object over: with pandas 3 it warns, and we pass no pandas through."""


def is_spark_frame(data: object) -> bool:
    """Whether ``data`` is a Spark DataFrame (classic or Connect), without importing
    pyspark."""
    kind = type(data)
    return kind.__module__.startswith("pyspark.sql") and kind.__name__ == "DataFrame"


def spark_session() -> SparkSession:
    """The active SparkSession, or a new local one using every core.

    A new session is local (``local[*]``, bound to 127.0.0.1, no web UI) and runs its
    Python workers on this interpreter unless ``PYSPARK_PYTHON`` names another.

    Raises:
        MissingDependencyError: pyspark is not installed.
    """
    sql = require("pyspark.sql", extra="spark", purpose="The Spark engine")
    active = sql.SparkSession.getActiveSession()
    if active is not None:
        return active  # type: ignore[no-any-return]  # pyspark is untyped here
    # PySpark starts its Python workers with $PYSPARK_PYTHON (else "python3", which
    # may lack pipewarden): a session we start runs them on this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        sql.SparkSession.builder.appName("pipewarden")
        .master("local[*]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # pipewarden shows its own
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        # Parquet timestamps in nanoseconds (Polars' and pandas' default) are read
        # as longs, which the engine turns back into times; Spark refuses them else.
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
    )
    with _quiet():
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session  # type: ignore[no-any-return]  # pyspark is untyped here


class SparkEngine:
    """Profiles Spark DataFrames partition by partition with the local engine's code.

    Args:
        session: The SparkSession to use (default: the active one, else a local one).
    """

    name = "spark"
    reads_ahead = False

    def __init__(self, session: SparkSession | None = None) -> None:
        require("pyspark", extra="spark", purpose="The Spark engine")
        self._session = session

    @property
    def session(self) -> SparkSession:
        if self._session is None:
            self._session = spark_session()
        return self._session

    def profile_frames(
        self, frames: Iterable[pl.DataFrame], segments: Sequence[str] | None = None
    ) -> DatasetProfile:
        """Profile Polars chunks on Spark and merge: each chunk is profiled as one,
        like the local engine does, in whichever partition Spark puts it."""
        tables = [to_spark_arrow(frame, index) for index, frame in enumerate(frames)]
        if not tables:
            return DatasetProfile.zero()
        with _quiet():
            parts = [
                self.session.createDataFrame(table).coalesce(1) for table, _ in tables
            ]
        data = reduce(lambda a, b: a.union(b), parts)
        return self.profile_dataframe(data, segments, restore=tables[0][1])

    def profile_frame(
        self, frame: pl.DataFrame, segments: Sequence[str] | None = None
    ) -> DatasetProfile:
        """Profile one Polars frame on Spark (see ``profile_frames``)."""
        return self.profile_frames([frame], segments)

    def profile_source(
        self,
        source: Any,
        *,
        segments: Sequence[str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> DatasetProfile:
        """Profile a Spark DataFrame, a Parquet file, folder or glob read by Spark, or
        in-memory data (sent to Spark).

        A path gets the dtypes the local engine reads it with, so both engines give
        the same profile.

        Raises:
            SourceError: The source is neither Parquet, a Spark DataFrame nor
                in-memory data.
        """
        if is_spark_frame(source):
            return self.profile_dataframe(source, segments, progress=progress)
        if isinstance(source, str | os.PathLike):
            check_parquet(source)
            data = read_source(source, self.session)
            restore = Restore(local_dtypes(source))
            return self.profile_dataframe(
                data, segments, progress=progress, restore=restore
            )
        frames = iter_frames(source)
        profile = self.profile_frames(frames, segments)
        if progress is not None:
            progress(profile.rows)
        return profile

    def profile_dataframe(
        self,
        data: DataFrame,
        segments: Sequence[str] | None = None,
        *,
        progress: Callable[[int], None] | None = None,
        restore: Restore | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> DatasetProfile:
        """Profile a Spark DataFrame: one partial profile per partition, merged here.

        Args:
            data: The Spark DataFrame.
            segments: Columns whose most frequent values get profiles of their own.
            progress: Called with the rows of each partition as it finishes.
            restore: The Polars dtypes the local engine would read the same data
                with (default: the types Spark's Arrow batches have).
            chunk_rows: Rows the local engine profiles at a time in a partition.

        Returns:
            The profile of the whole DataFrame.
        """
        restore = restore or Restore()
        counter = data.sparkSession.sparkContext.accumulator(0)
        job = partial(
            profile_partition,
            restore=restore,
            segments=tuple(segments or ()),
            chunk_rows=chunk_rows,
            counter=counter,
        )
        with _quiet():
            partials = data.mapInArrow(job, _PARTIAL)
        rows = _collect(partials, lambda: int(counter.value), progress)
        total = DatasetProfile.merge_all(
            [DatasetProfile.from_json(bytes(r["profile"]).decode()) for r in rows]
        )
        if total.rows == 0 and not total.columns:
            total = LocalEngine().profile_frame(_empty_frame(data, restore))
        return _segments.cap_segments(total) if segments else total

    def empty_frame(self, data: DataFrame) -> pl.DataFrame:
        """The Polars frame a partition of ``data`` arrives as, without its rows."""
        return _empty_frame(data, Restore())

    def fan_out(
        self,
        data: DataFrame,
        job: PartitionJob,
        outputs: Sequence[Mapping[str, pl.DataType]],
        *,
        positions: Mapping[int, str] | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> FanoutResult:
        """Run ``job`` on each partition of ``data`` and give its outputs back as
        Spark DataFrames, computed in one pass.

        Each partition's Arrow batches become Polars chunks of about ``chunk_rows``
        rows (the types Spark's Arrow gives); ``job`` yields ``(output, frame)``
        pairs, then the bytes summing its partition up, which come back to the
        driver. One ``mapInArrow`` carries every output (see ``Fanout``); its result
        is checkpointed locally (executors' memory, then disk), so each output is
        read, not recomputed, and the summaries hold for exactly those rows. Spark
        frees the checkpoint once no output refers to it.

        Args:
            data: The Spark DataFrame.
            job: Runs in the executors, once per partition.
            outputs: Each output's Polars schema; its DataFrame gets the Spark types
                that hold them (``spark_ready``).
            positions: Per output, a column holding a row's position in its
                partition, turned into its position in ``data`` (the order
                ``data.toArrow()`` gives).
            chunk_rows: Rows per Polars chunk.

        Raises:
            EngineError: A column has no Spark type, or the Spark job failed.
        """
        layout = Fanout(tuple(tuple(o) for o in outputs), self._wire(outputs))
        sql = require("pyspark.sql", extra="spark", purpose="The Spark engine")
        types = require("pyspark.sql.pandas.types", extra="spark")
        spark_schema = types.from_arrow_schema(layout.wire, prefer_timestamp_ntz=True)
        work = partial(fan_out_partition, job=job, layout=layout, chunk_rows=chunk_rows)
        f = sql.functions
        with _quiet():
            mapped = data.mapInArrow(work, spark_schema)
        tagged = _guarded(lambda: mapped.localCheckpoint(eager=True))
        summary = tagged.filter(f.col(KIND) == SUMMARY).select(PART, ROWS, DIGEST)
        parts = sorted(_guarded(summary.collect), key=lambda r: int(r[PART]))
        rows = [int(r[ROWS]) for r in parts]
        starts = [0, *accumulate(rows)][:-1]  # each partition's first row in data
        frames = []
        for output, names in enumerate(layout.outputs):
            at = (positions or {}).get(output)
            columns = []
            for index, name in enumerate(names):
                col = f.col(Fanout.wire_name(output, index))
                if name == at and any(starts):
                    start = f.element_at(
                        f.array(*(f.lit(s) for s in starts)), f.col(PART) + 1
                    )
                    col = (col + start).cast("long")
                columns.append(col.alias(name))
            frames.append(tagged.filter(f.col(KIND) == output).select(*columns))
        return FanoutResult(
            tuple(frames), tuple(bytes(r[DIGEST]) for r in parts), sum(rows)
        )

    @staticmethod
    def _wire(outputs: Sequence[Mapping[str, pl.DataType]]) -> pa.Schema:
        """The fan-out's Arrow schema exactly as Spark will expect it back."""
        types = require("pyspark.sql.pandas.types", extra="spark")
        candidate = fanout_candidate(dict(enumerate(outputs)))
        for output, schema in enumerate(outputs):
            for index, (name, dtype) in enumerate(schema.items()):
                field = candidate.field(Fanout.wire_name(output, index))
                try:
                    types.from_arrow_schema(pa.schema([field]))
                except Exception as exc:  # pyspark raises several kinds here
                    raise EngineError(
                        f"Column '{name}' ({dtype}) has no Spark type: "
                        f"{str(exc).splitlines()[0]}. Cast it in the contract to a "
                        "type Spark holds (numbers, text, booleans, dates, times)."
                    ) from exc
        spark_schema = types.from_arrow_schema(candidate, prefer_timestamp_ntz=True)
        wire: pa.Schema = types.to_arrow_schema(spark_schema, timezone="UTC")
        return wire


@dataclass(frozen=True, slots=True)
class FanoutResult:
    """The outputs of ``SparkEngine.fan_out``.

    Attributes:
        frames: One Spark DataFrame per output, its rows in ``data``'s order.
        summaries: Each partition's summary bytes, in partition order.
        rows: Rows the partitions read.
    """

    frames: tuple[DataFrame, ...]
    summaries: tuple[bytes, ...]
    rows: int


def fan_out_partition(
    batches: Iterator[pa.RecordBatch],
    *,
    job: PartitionJob,
    layout: Fanout,
    chunk_rows: int,
) -> Iterator[pa.RecordBatch]:
    """One partition of a fan-out (runs in a Spark executor)."""
    from pyspark import TaskContext

    context = TaskContext.get()
    part = context.partitionId() if context is not None else 0
    seen = [0]

    def frames() -> Iterator[pl.DataFrame]:
        for table in chunks(batches, Restore(), chunk_rows):
            frame = restore_frame(table, Restore())
            seen[0] += frame.height
            yield frame

    digest = b""
    for item in job(frames()):
        if isinstance(item, bytes):
            digest = item
        elif item[1].height:
            yield layout.batch(item[0], item[1], part)
    yield layout.summary(part, seen[0], digest)


def _guarded(call: Callable[[], Any]) -> Any:
    """``call()``, a failed Spark job told in one line."""
    errors = require("pyspark.errors", extra="spark", purpose="The Spark engine")
    try:
        with _quiet():
            return call()
    except (errors.PySparkException, *_java_errors()) as exc:
        raise EngineError(
            f"The Spark job failed: {_first_error(str(exc))}. "
            "Check the executors' logs for the whole trace."
        ) from exc


def profile_partition(
    batches: Iterator[pa.RecordBatch],
    *,
    restore: Restore,
    segments: tuple[str, ...],
    chunk_rows: int,
    counter: Any,
) -> Iterator[pa.RecordBatch]:
    """One partition's partial profile (runs in a Spark executor)."""
    frames = (restore_frame(t, restore) for t in chunks(batches, restore, chunk_rows))
    engine = LocalEngine()
    profile = (
        engine.profile_frames(frames, segments)
        if segments
        else engine.profile_frames(frames)
    )
    profile = unflag(profile, restore)
    counter.add(profile.rows)
    yield pa.RecordBatch.from_pydict(
        {"rows": [profile.rows], "profile": [profile.to_json().encode()]},
        schema=pa.schema([("rows", pa.int64()), ("profile", pa.binary())]),
    )


def local_dtypes(source: str | os.PathLike[str]) -> dict[str, pl.DataType]:
    """The dtypes the local engine reads a Parquet source with; for a folder of hive
    partitions, Polars' own hive reading (its partition columns' types)."""
    try:
        return dict(next(iter_frames(source, chunk_rows=1)).schema)
    except SourceError:
        pass
    text = os.fspath(source)
    pattern = os.path.join(text, "**", "*.parquet") if os.path.isdir(text) else text
    try:
        scan = pl.scan_parquet(pattern, hive_partitioning=True)
        return dict(scan.collect_schema())
    except (pl.exceptions.PolarsError, OSError):
        return {}


def read_source(source: str | os.PathLike[str], session: SparkSession) -> DataFrame:
    """Read a Parquet file, folder (hive partitions too) or glob with Spark.

    Raises:
        SourceError: Not Parquet, or Spark cannot read it.
    """
    check_parquet(source)
    text = os.fspath(source)
    errors = require("pyspark.errors", extra="spark", purpose="The Spark engine")
    try:
        return session.read.parquet(text)
    except (errors.PySparkException, *_java_errors()) as exc:
        nanos = "TIMESTAMP(NANOS" in str(exc)
        raise SourceError(
            f"Spark cannot read '{text}': {str(exc).splitlines()[0]}. "
            + (
                "Set spark.sql.legacy.parquet.nanosAsLong=true in the SparkSession "
                "(pipewarden turns the longs back into times)."
                if nanos
                else "Check the path, or pass a Parquet file, folder or glob."
            )
        ) from exc


def check_parquet(source: str | os.PathLike[str]) -> None:
    """Refuse, before Spark starts, a file that is not Parquet.

    Raises:
        SourceError: The path is a file of another format.
    """
    text = os.fspath(source)
    if os.path.isfile(text) and not text.lower().endswith((".parquet", ".pq")):
        raise SourceError(
            f"The Spark engine reads Parquet (a file, a folder with hive partitions, "
            f"or a glob) and Spark DataFrames, not '{os.path.basename(text)}'. "
            "Convert it to Parquet, or profile it with --engine local."
        )


def _collect(
    data: DataFrame,
    counted: Callable[[], int],
    progress: Callable[[int], None] | None,
) -> list[Any]:
    """``data.collect()``, telling ``progress`` the rows of finished partitions."""
    errors = require("pyspark.errors", extra="spark", purpose="The Spark engine")
    try:
        if progress is None:
            return data.collect()
        seen = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pw-spark") as pool:
            job = pool.submit(data.collect)
            while True:
                try:
                    rows: list[Any] = job.result(timeout=_POLL_SECONDS)
                    break
                except FutureTimeout:
                    now = counted()
                    if now > seen:
                        progress(now - seen)
                        seen = now
        total = sum(int(r["rows"]) for r in rows)
        if total > seen:
            progress(total - seen)
        return rows
    except (errors.PySparkException, *_java_errors()) as exc:
        raise EngineError(
            f"The Spark job failed: {_first_error(str(exc))}. "
            "Check the executors' logs for the whole trace."
        ) from exc


_ERROR_LINE = re.compile(r"^\s*([\w.]+(?:Error|Exception): .+)$", re.MULTILINE)


def _first_error(text: str) -> str:
    """The Python error a worker raised (the last ``SomeError: ...`` of its trace),
    else the first line of Spark's message."""
    found = _ERROR_LINE.findall(text)
    lines = text.strip().splitlines()
    return (found[-1] if found else lines[0] if lines else "no message").rstrip(".")


def _java_errors() -> tuple[type[Exception], ...]:
    """Errors from the JVM that PySpark does not convert to its own."""
    protocol = require("py4j.protocol", extra="spark", purpose="The Spark engine")
    return (protocol.Py4JJavaError,)


def _empty_frame(data: DataFrame, restore: Restore) -> pl.DataFrame:
    """The columns of a DataFrame without rows, as the local engine would read them."""
    with _quiet():
        table = data.limit(0).toArrow()
    return restore_frame(table, restore)


@contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_PANDAS_3, category=FutureWarning)
        yield
