"""Fuzz the readers: whatever file comes in, every row is read or one line says why.

Each example writes a file (CSV in many dialects, encodings and compressions, JSON
Lines of random objects, Parquet with awkward column types) and reads it through
``iter_frames``, ``read_frame`` and ``pw.profile``. The invariant: a frame or profile
with exactly the rows written, or a ``PipewardenError`` with a one-line message;
never another exception and never a hang. ``HYPOTHESIS_PROFILE=long`` (``make fuzz``)
runs many more examples.
"""

from __future__ import annotations

import csv
import decimal
import gzip
import io
import json
import signal
import string
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import pipewarden as pw
from pipewarden.errors import PipewardenError, PipewardenWarning
from pipewarden.io import iter_frames, read_frame

FUZZ = settings(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
WATCHDOG_SECONDS = 60
"""A read that takes longer than this on a file of a few kilobytes is a hang."""


class Hang(Exception):
    """Raised by the watchdog inside a read that does not finish."""


@contextmanager
def watchdog(seconds: int = WATCHDOG_SECONDS) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def assert_rows_or_one_line_error(path: Path, rows: int | None) -> None:
    """Read ``path`` three ways; each gives ``rows`` rows or a one-line PipewardenError.

    ``rows`` is None where the row count is not defined by what was written.
    """
    readers: list[tuple[str, Callable[[], int]]] = [
        ("iter_frames", lambda: sum(f.height for f in iter_frames(path, chunk_rows=7))),
        ("read_frame", lambda: read_frame(path).height),
        ("profile", lambda: pw.profile(path).rows),
    ]
    for name, read in readers:
        with watchdog(), warnings.catch_warnings():
            warnings.simplefilter("ignore", PipewardenWarning)
            try:
                got = read()
            except PipewardenError as exc:
                message = str(exc)
                assert message, name
                assert "\n" not in message, (name, message)
                assert "Traceback" not in message, (name, message)
                continue
        if rows is not None:
            assert got == rows, (name, got, rows)


# ------------------------------------------------------------------ CSV

_plain_names = st.lists(
    st.text(string.ascii_lowercase, min_size=1, max_size=6),
    min_size=1,
    max_size=5,
    unique=True,
)
_any_names = st.lists(
    st.text(min_size=1, max_size=8), min_size=1, max_size=5, unique=True
)
_cells = st.one_of(
    st.none(),
    st.text(max_size=10),
    st.text(alphabet=",;|\t\"\n\r '", max_size=5),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        ["NaN", "inf", "-inf", "1e400", "2024-01-05", "2024-02-30", "4.1.0", "NULL"]
    ),
    st.dates().map(str),
)


def _csv_bytes(
    names: list[str],
    rows: list[list[Any]],
    delimiter: str,
    quoting: int,
    terminator: str,
) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=delimiter, quoting=quoting, lineterminator=terminator
    )
    writer.writerow(names)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str, int | None]:
    """(content, file name, rows expected or None)."""
    plain = draw(st.booleans())
    names = draw(_plain_names if plain else _any_names)
    ragged = draw(st.integers(0, 5)) == 0
    rows = draw(
        st.lists(
            st.lists(_cells, min_size=len(names), max_size=len(names)).flatmap(
                lambda r: (
                    st.just(r)
                    if not ragged
                    else st.integers(0, len(r) + 2).map(
                        lambda n, r=r: (r + [None, "x"])[:n] if n else [""]
                    )
                )
            ),
            max_size=15,
        )
    )
    # One column has no separator to find: the file says nothing about it.
    delimiter = "," if len(names) == 1 else draw(st.sampled_from([",", ";", "\t", "|"]))
    quoting = draw(
        st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC])
    )
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    text = _csv_bytes(names, rows, delimiter, quoting, terminator)
    encoding = draw(
        st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"])
    )
    content = text.encode(encoding, errors="replace")
    gzipped = draw(st.integers(0, 3)) == 0
    if gzipped:
        content = gzip.compress(content)
    name = draw(
        st.sampled_from(["data.csv.gz", "data.csv"] if gzipped else ["data.csv"])
    )
    # Every row written is a row read, when the file is tidy enough to say how many
    # rows it has: a header polars can take as it is, a row per record.
    defined = plain and not ragged
    return content, name, len(rows) if defined else None


@FUZZ
@given(csv_files())
# A carriage return inside the header line raised csv.Error.
@example((b"\r0\n", "data.csv", None))
@example((gzip.compress(b"a,\rb\n1,2\n"), "data.csv.gz", None))
def test_a_csv_file_is_read_whole_or_refused_in_one_line(
    tmp_path: Path, case: tuple[bytes, str, int | None]
) -> None:
    content, name, rows = case
    path = tmp_path / name
    path.write_bytes(content)
    assert_rows_or_one_line_error(path, rows)


# ------------------------------------------------------------------ JSON Lines

_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_json_records = st.dictionaries(
    st.sampled_from(["a", "b", "c", "é", "a b"]) | st.text(max_size=5),
    _json_values,
    max_size=5,
)


@FUZZ
@given(st.lists(_json_records, max_size=12), st.booleans())
def test_a_json_lines_file_is_read_whole_or_refused_in_one_line(
    tmp_path: Path, records: list[dict[str, Any]], gzipped: bool
) -> None:
    text = "".join(json.dumps(r) + "\n" for r in records)
    content = text.encode()
    path = tmp_path / ("data.jsonl.gz" if gzipped else "data.jsonl")
    path.write_bytes(gzip.compress(content) if gzipped else content)
    assert_rows_or_one_line_error(path, len(records))


# ------------------------------------------------------------------ Parquet

_ts_units = st.sampled_from(["s", "ms", "us", "ns"])
_parquet_columns: dict[str, Callable[[int], st.SearchStrategy[pa.Array]]] = {
    "nested_list": lambda n: st.lists(
        st.none() | st.lists(st.none() | st.integers(-5, 5), max_size=3),
        min_size=n,
        max_size=n,
    ).map(lambda v: pa.array(v, pa.list_(pa.int64()))),
    "struct": lambda n: st.lists(
        st.none()
        | st.fixed_dictionaries({"x": st.none() | st.integers(0, 9), "y": st.text()}),
        min_size=n,
        max_size=n,
    ).map(lambda v: pa.array(v, pa.struct([("x", pa.int64()), ("y", pa.string())]))),
    "decimal": lambda n: st.lists(
        st.none() | st.decimals(-(10**8), 10**8, places=4, allow_nan=False),
        min_size=n,
        max_size=n,
    ).map(lambda v: pa.array(v, pa.decimal128(18, 4))),
    "big_decimal": lambda n: st.lists(
        st.none() | st.integers(-(10**37), 10**37).map(decimal.Decimal),
        min_size=n,
        max_size=n,
    ).map(lambda v: pa.array(v, pa.decimal128(38, 0))),
    "dictionary": lambda n: st.lists(
        st.none() | st.sampled_from(["a", "b", "ü", ""]), min_size=n, max_size=n
    ).map(lambda v: pa.array(v, pa.string()).dictionary_encode()),
    "tz_timestamp": lambda n: st.tuples(
        _ts_units,
        st.sampled_from(["UTC", "Europe/Paris", "+05:30", "America/New_York"]),
        st.lists(st.none() | st.integers(-(10**9), 10**9), min_size=n, max_size=n),
    ).map(lambda t: pa.array(t[2], pa.int64()).cast(pa.timestamp(t[0], t[1]))),
    # Seconds far outside what nanoseconds can hold (year 1 to 9999 and beyond).
    "far_timestamp": lambda n: st.tuples(
        st.sampled_from(["ms", "us", "ns"]),  # Parquet stores seconds as ms
        st.lists(st.none() | st.integers(-(2**62), 2**62), min_size=n, max_size=n),
    ).map(lambda t: pa.array(t[1], pa.int64()).cast(pa.timestamp(t[0]))),
    "far_date": lambda n: st.lists(
        st.none() | st.integers(-(2**31), 2**31 - 1), min_size=n, max_size=n
    ).map(lambda v: pa.array(v, pa.int32()).cast(pa.date32())),
    "time": lambda n: st.lists(st.none() | st.times(), min_size=n, max_size=n).map(
        lambda v: pa.array(v, pa.time64("us"))
    ),
    "binary": lambda n: st.lists(
        st.none() | st.binary(max_size=6), min_size=n, max_size=n
    ).map(lambda v: pa.array(v, pa.binary())),
    "huge_uint": lambda n: st.lists(
        st.none() | st.integers(0, 2**64 - 1), min_size=n, max_size=n
    ).map(lambda v: pa.array(v, pa.uint64())),
    "float": lambda n: st.lists(st.none() | st.floats(), min_size=n, max_size=n).map(
        lambda v: pa.array(v, pa.float64())
    ),
    "duration": lambda n: st.lists(
        st.none() | st.integers(-(10**12), 10**12), min_size=n, max_size=n
    ).map(lambda v: pa.array(v, pa.int64()).cast(pa.duration("us"))),
    "null": lambda n: st.just(pa.nulls(n)),
}


@st.composite
def parquet_tables(draw: st.DrawFn) -> pa.Table:
    rows = draw(st.integers(0, 12))
    kinds = draw(
        st.lists(st.sampled_from(sorted(_parquet_columns)), min_size=1, max_size=4)
    )
    names = [f"{kind}_{i}" for i, kind in enumerate(kinds)]
    arrays = [draw(_parquet_columns[kind](rows)) for kind in kinds]
    return pa.table(dict(zip(names, arrays, strict=True)))


_FAR = pa.array([2**62, None], pa.int64())


@FUZZ
@given(parquet_tables(), st.sampled_from(["snappy", "none", "zstd"]))
# Milliseconds and days past year 262,143 crashed profiling with a Rust panic.
@example(pa.table({"t": _FAR.cast(pa.timestamp("ms"))}), "snappy")
@example(pa.table({"d": pa.array([2**31 - 1], pa.int32()).cast(pa.date32())}), "none")
# A fixed-offset time zone, which polars cannot hold, crashed reading (a Rust panic).
@example(pa.table({"t": _FAR.cast(pa.timestamp("us", "+05:30"))}), "zstd")
def test_a_parquet_file_is_read_whole_or_refused_in_one_line(
    tmp_path: Path, table: pa.Table, compression: str
) -> None:
    path = tmp_path / "data.parquet"
    pq.write_table(table, path, compression=compression)
    assert_rows_or_one_line_error(path, table.num_rows)


# ------------------------------------------------------------------ any bytes


@FUZZ
@given(
    st.binary(max_size=300),
    st.sampled_from(["x.csv", "x.csv.gz", "x.jsonl", "x.parquet", "x.arrow", "x.tsv"]),
)
def test_random_bytes_under_any_name_are_read_or_refused_in_one_line(
    tmp_path: Path, content: bytes, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert_rows_or_one_line_error(path, None)


def test_the_watchdog_stops_a_hang() -> None:
    with pytest.raises(Hang, match="no answer within 1 s"), watchdog(1):
        signal.pause()
